"""Writes that matter in accounts: the profile, the provider role, the agent role."""

import logging
from collections.abc import Sequence

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify

from .models import (
    AGENT_GROUP,
    MAX_CERTIFICATES,
    ProviderCertificate,
    ProviderProfile,
    User,
    validate_id_number,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def update_profile(
    user: User,
    *,
    nickname: str,
    avatar: ContentFile | None = None,
    remove_avatar: bool = False,
) -> User:
    """Set the nickname; replace the avatar with ``avatar`` (already re-encoded), or remove
    it. A new avatar wins over ``remove_avatar``.

    The old avatar file is deleted from storage only after the new state has committed.
    """
    user.nickname = nickname
    old_avatar_name = user.avatar.name if user.avatar else ""
    if avatar is not None:
        user.avatar.save(avatar.name, avatar, save=False)
    elif remove_avatar:
        user.avatar = ""
    user.save(update_fields=["nickname", "avatar"])
    if old_avatar_name and old_avatar_name != user.avatar.name:
        storage = user.avatar.storage
        transaction.on_commit(lambda: storage.delete(old_avatar_name))
    return user


def release_unverified_phone(phone: str, *, keep: User) -> int:
    """Take ``phone`` off every other account that has not verified it.

    A number belongs to whoever proves it with a code; an account that merely typed it
    (an abandoned or hostile sign-up) gives it up. Returns how many accounts gave it up.
    """
    return (
        User.objects.filter(phone=phone, phone_verified=False)
        .exclude(pk=keep.pk)
        .update(phone=None)
    )


@transaction.atomic
def set_new_password(user: User, *, password: str) -> User:
    """Replace the password (already validated by the form) without asking for the old one.

    Only for a user who has just proved their number or address with a code
    (accounts.views.new_password checks that).
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def apply_as_provider(
    user: User,
    *,
    kind: str,
    display_name: str,
    legal_name: str,
    id_number: str,
    qualifications: str,
    introduction: str,
    logo: ContentFile | None = None,
    certificates: Sequence[ContentFile] = (),
) -> ProviderProfile:
    """Send (or, after a rejection, send again) an application to become a provider.

    ``logo`` and ``certificates`` are already checked and re-encoded. An empty
    ``id_number`` keeps the number sent before; new certificates replace the old ones,
    none keeps them. The profile goes back to pending review with no rejection reason,
    and every active staff member is told (``provider_applied``, with a link to review
    it in the admin). Raises PermissionDenied for an approved provider, ValidationError
    for a number that does not fit ``kind`` or a wrong number of certificates.
    """
    profile = ProviderProfile.objects.select_for_update().filter(user=user).first()
    if profile is None:
        profile = ProviderProfile(user=user)
    elif profile.status == ProviderProfile.Status.APPROVED:
        raise PermissionDenied(_("You are already an approved provider."))

    id_number = id_number.strip().upper() or profile.id_number
    validate_id_number(kind, id_number)
    if len(certificates) > MAX_CERTIFICATES:
        raise ValidationError(
            _("Send at most %(n)d qualification files.") % {"n": MAX_CERTIFICATES},
            code="too_many_files",
        )
    if not certificates and (profile.pk is None or not profile.certificates.exists()):
        raise ValidationError(_("Send at least one qualification file."), code="no_files")

    profile.kind = kind
    profile.display_name = display_name
    profile.legal_name = legal_name
    profile.id_number = id_number
    profile.qualifications = qualifications
    profile.introduction = introduction
    profile.status = ProviderProfile.Status.PENDING
    profile.rejection_reason = ""
    profile.reviewed_at = None
    profile.reviewed_by = None
    old_files = []  # (storage, name): the logo is public, the certificates private
    if logo is not None:
        if profile.logo:
            old_files.append((profile.logo.storage, profile.logo.name))
        profile.logo.save(logo.name, logo, save=False)
    profile.save()

    if certificates:
        old_certificates = list(profile.certificates.all())
        old_files += [(c.file.storage, c.file.name) for c in old_certificates]
        ProviderCertificate.objects.filter(pk__in=[c.pk for c in old_certificates]).delete()
        for upload in certificates:
            certificate = ProviderCertificate(profile=profile)
            certificate.file.save(upload.name, upload, save=False)
            certificate.save()

    if old_files:
        transaction.on_commit(lambda: _delete_files(old_files))
    _tell_staff_of_application(profile)
    logger.info("Provider application %s from user %s awaits review", profile.pk, user.pk)
    return profile


def _delete_files(files: list[tuple]) -> None:
    for storage, name in files:
        storage.delete(name)


def _tell_staff_of_application(profile: ProviderProfile) -> None:
    """Every active staff member gets the (new or corrected) application in the inbox, and
    by their preferences, with a link to review it in the admin. ``notify`` writes the
    message in this transaction and sends it on only after the commit."""
    url = reverse("admin:accounts_providerprofile_change", args=[profile.pk])
    for staff in User.objects.filter(is_staff=True, is_active=True):
        notify(staff, "provider_applied", {"name": profile.display_name}, url=url)


def _require_staff(actor: User) -> None:
    if not (actor.is_active and actor.is_staff):
        raise PermissionDenied(_("Only staff can review provider applications."))


@transaction.atomic
def approve_provider(profile: ProviderProfile, *, by: User) -> ProviderProfile:
    _require_staff(by)
    profile = ProviderProfile.objects.select_for_update().get(pk=profile.pk)
    if profile.status == ProviderProfile.Status.APPROVED:
        return profile
    profile.status = ProviderProfile.Status.APPROVED
    profile.rejection_reason = ""
    profile.reviewed_at = timezone.now()
    profile.reviewed_by = by
    profile.save(update_fields=["status", "rejection_reason", "reviewed_at", "reviewed_by"])
    notify(profile.user, "provider_approved", {"name": profile.display_name})
    return profile


@transaction.atomic
def reject_provider(profile: ProviderProfile, *, by: User, reason: str) -> ProviderProfile:
    _require_staff(by)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the applicant a reason for the rejection."))
    profile = ProviderProfile.objects.select_for_update().get(pk=profile.pk)
    profile.status = ProviderProfile.Status.REJECTED
    profile.rejection_reason = reason
    profile.reviewed_at = timezone.now()
    profile.reviewed_by = by
    profile.save(update_fields=["status", "rejection_reason", "reviewed_at", "reviewed_by"])
    notify(profile.user, "provider_rejected", {"name": profile.display_name, "reason": reason})
    return profile


def set_agent(user: User, is_agent: bool) -> None:
    """Put the user into the 客服 group, or take them out."""
    group, _created = Group.objects.get_or_create(name=AGENT_GROUP)
    if is_agent:
        user.groups.add(group)
    else:
        user.groups.remove(group)
