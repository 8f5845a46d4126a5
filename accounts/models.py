"""The KS Mall user and the provider profile that grants the provider role."""

import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .phone import mask_phone

AGENT_GROUP = "客服"


def new_handle() -> str:
    """A stable, non-guessable internal handle; people sign in with email or phone instead."""
    return "ks" + secrets.token_hex(6)


def avatar_upload_to(instance, filename: str) -> str:
    return f"avatars/{uuid.uuid4().hex}.jpg"


class User(AbstractUser):
    username = models.CharField(
        _("handle"),
        max_length=32,
        unique=True,
        default=new_handle,
        help_text=_("Internal identifier; users sign in with their email or mobile number."),
    )
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), blank=True)
    phone = models.CharField(_("mobile number"), max_length=16, unique=True, null=True, blank=True)
    phone_verified = models.BooleanField(_("mobile number verified"), default=False)
    nickname = models.CharField(_("nickname"), max_length=30, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to=avatar_upload_to, blank=True)

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="accounts_user_email_ci_unique"
            ),
            # Stored the one way accounts.phone.normalize_phone writes it, so that one
            # number can never be two accounts.
            models.CheckConstraint(
                condition=Q(phone__isnull=True) | Q(phone__regex=r"^\+861[3-9][0-9]{9}$"),
                name="accounts_user_phone_e164_mainland",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """What the site calls this person: nickname, else masked phone, else email name."""
        if self.nickname:
            return self.nickname
        if self.phone:
            return mask_phone(self.phone)
        if self.email:
            return self.email.split("@", 1)[0]
        return self.username

    def get_short_name(self) -> str:
        return self.display_name

    def get_full_name(self) -> str:
        return self.display_name

    @property
    def public_name(self) -> str:
        """How a provider appears on the site: the profile's display name, else the
        user's own (select_related ``provider_profile`` to read it without a query)."""
        profile = getattr(self, "provider_profile", None)
        return profile.display_name if profile else self.display_name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone else ""


class ProviderProfile(models.Model):
    """A user's standing as a service provider (讲师 or 机构). Approval grants the dashboard."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual instructor")
        INSTITUTION = "institution", _("Institution")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="provider_profile",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INDIVIDUAL)
    display_name = models.CharField(_("display name"), max_length=60)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    class Meta:
        verbose_name = _("provider profile")
        verbose_name_plural = _("provider profiles")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="accounts_provider_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED
