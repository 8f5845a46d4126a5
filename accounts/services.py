"""Writes that matter in accounts: the profile, the provider role, the agent role."""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify

from .models import AGENT_GROUP, ProviderProfile, User


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
