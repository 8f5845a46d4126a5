"""The KS Mall user and the provider profile that grants the provider role."""

import re
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from catalog.models import UploadTo

from .phone import mask_phone
from .storage import private_storage

AGENT_GROUP = "客服"

# A mainland resident ID card number, and a unified social credit code (统一社会信用代码,
# GB 32100-2015: the letters I, O, Z, S and V are never used).
RESIDENT_ID = re.compile(r"\d{17}[\dXx]")
CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
MAX_CERTIFICATES = 5


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
    legal_name = models.CharField(
        _("legal name"),
        max_length=100,
        blank=True,
        help_text=_("The real name of an instructor, or the registered name of an institution."),
    )
    id_number = models.CharField(
        _("ID or licence number"),
        max_length=30,
        blank=True,
        help_text=_("Resident ID card number, or unified social credit code."),
    )
    qualifications = models.TextField(_("qualifications"), max_length=2000, blank=True)
    introduction = models.TextField(_("introduction"), max_length=2000, blank=True)
    logo = models.ImageField(_("logo"), upload_to=UploadTo("provider-logos"), blank=True)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

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

    @property
    def may_reapply(self) -> bool:
        """A rejected applicant may correct the application and send it again."""
        return self.status == self.Status.REJECTED

    @property
    def masked_id_number(self) -> str:
        """The ID or licence number as it may be shown after submission: 3301**********1234."""
        number = self.id_number
        if len(number) <= 8:
            return "*" * len(number)
        return number[:4] + "*" * (len(number) - 8) + number[-4:]


# Check digits: GB 11643 (resident ID, ISO 7064 MOD 11-2) and GB 32100 (credit code).
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _resident_id_ok(number: str) -> bool:
    if not RESIDENT_ID.fullmatch(number):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number, ID_WEIGHTS, strict=False))
    return ID_CHECK[total % 11] == number[-1].upper()


def _credit_code_ok(number: str) -> bool:
    if not CREDIT_CODE.fullmatch(number):
        return False
    total = sum(
        CODE_ALPHABET.index(char) * weight
        for char, weight in zip(number, CODE_WEIGHTS, strict=False)
    )
    return CODE_ALPHABET[(31 - total % 31) % 31] == number[-1]


def validate_id_number(kind: str, number: str) -> None:
    """Raise ValidationError unless ``number`` fits ``kind``: a resident ID for an
    individual, a unified social credit code for an institution, check digit included."""
    if kind == ProviderProfile.Kind.INSTITUTION:
        if not _credit_code_ok(number):
            raise ValidationError(
                _("Enter the 18-character unified social credit code on the business licence."),
                code="invalid_credit_code",
            )
    elif not _resident_id_ok(number):
        raise ValidationError(
            _("Enter the 18-character number on the resident ID card."), code="invalid_id_number"
        )


class ProviderCertificate(models.Model):
    """A qualification file sent with an application (an ID card, a licence, a diploma): a
    re-encoded image or a checked PDF, kept in private storage."""

    profile = models.ForeignKey(
        ProviderProfile,
        on_delete=models.CASCADE,
        related_name="certificates",
        verbose_name=_("provider profile"),
    )
    # Private: only the applicant and staff may open it (``accounts.onboarding``).
    file = models.FileField(_("file"), upload_to=UploadTo("certificates"), storage=private_storage)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("qualification certificate")
        verbose_name_plural = _("qualification certificates")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]
