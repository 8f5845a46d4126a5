"""/dashboard/apply/: a signed-in user applies to become a provider, follows the review and
opens the qualification files they sent (private files: see ``certificate_response``)."""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

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
    return certificate_response(
        get_object_or_404(ProviderCertificate, pk=pk, profile__user=request.user)
    )


def certificate_response(certificate: ProviderCertificate) -> FileResponse:
    """The file itself, shown in the browser: the type its (site-chosen) name says,
    ``nosniff`` so that nothing else is guessed, and never kept by a shared cache."""
    name = certificate.file.name
    try:
        handle = certificate.file.storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        filename=name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response
