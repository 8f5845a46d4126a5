"""The user centre (/me/) and the profile page (/me/profile/)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .forms import ProfileForm
from .services import update_profile


@login_required
def me(request):
    return render(request, "accounts/me.html")


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
