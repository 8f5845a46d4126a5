"""The user centre (/me/), the profile page and setting a new password after a code sign-in."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .forms import ProfileForm
from .permissions import may_set_password_without_old
from .services import set_new_password, update_profile
from .signals import CODE_SIGN_IN_AT


@login_required
def me(request):
    return render(
        request, "accounts/me.html", {"can_set_new_password": may_set_password_without_old(request)}
    )


@login_required
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, has_avatar=bool(user.avatar))
        if form.is_valid():
            update_profile(
                user,
                nickname=form.cleaned_data["nickname"],
                avatar=form.cleaned_data["avatar"],
                remove_avatar=form.cleaned_data.get("remove_avatar", False),
            )
            messages.success(request, _("Your profile has been saved."))
            return redirect("accounts:profile")
    else:
        form = ProfileForm(initial={"nickname": user.nickname}, has_avatar=bool(user.avatar))
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def new_password(request):
    """Set a new password without the old one, just after signing in with a code."""
    if not may_set_password_without_old(request):
        messages.info(
            request,
            _("To set a new password without the old one, first sign in with an SMS code."),
        )
        return redirect("account_change_password")
    form = SetPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        set_new_password(request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        del request.session[CODE_SIGN_IN_AT]
        messages.success(request, _("Your new password is set."))
        return redirect("accounts:me")
    return render(request, "accounts/new_password.html", {"form": form})
