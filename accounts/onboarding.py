"""/dashboard/apply/: a signed-in user applies to become a provider, follows the review and
opens the qualification files they sent (private files: ``ksmall.private_files``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ksmall.private_files import private_file_response

from .forms import ProviderApplicationForm
from .models import ProviderCertificate, ProviderProfile
from .services import apply_as_provider


@login_required
def apply(request):
    """The form for someone without an application or with a rejected one; the review
    status for everyone else (pending, approved)."""
    profile = ProviderProfile.objects.filter(user=request.user).first()
    if profile is not None and not profile.may_reapply:
        if request.method == "POST":
            if profile.is_approved:
                raise PermissionDenied(_("You are already an approved provider."))
            return redirect("onboarding:apply")
        return render(request, "accounts/apply_status.html", {"profile": profile})

    form = ProviderApplicationForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        profile=profile,
    )
    if request.method == "POST" and form.is_valid():
        try:
            apply_as_provider(request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your application has been sent for review."))
            return redirect("onboarding:apply")
    return render(request, "accounts/apply.html", {"form": form, "profile": profile})


@login_required
def certificate(request, pk: int):
    """One of the applicant's own qualification files; anyone else's is a 404 (staff open
    them from the admin: ``ProviderProfileAdmin.certificate_view``)."""
    return private_file_response(
        get_object_or_404(ProviderCertificate, pk=pk, profile__user=request.user).file
    )
