"""allauth adapter: mainland phone numbers, SMS codes through our backends, our login stages."""

from dataclasses import dataclass

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from notifications.services import queue_email
from notifications.sms import queue_sms

from .models import User
from .phone import MainlandPhoneField, normalize_phone
from .services import release_unverified_phone

EMAIL_MAX_LENGTH = 254


@dataclass(frozen=True)
class Site:
    """What allauth's email templates read as ``current_site``."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def phone_form_field(self, **kwargs) -> MainlandPhoneField:
        return MainlandPhoneField(**kwargs)

    def clean_email(self, email: str) -> str:
        # Every form that stores an email (sign-up, add, change) passes through here; the
        # column holds 254 characters, the most an address may have (RFC 5321).
        if len(email) > EMAIL_MAX_LENGTH:
            raise ValidationError(
                _("An email address has at most %(n)d characters.") % {"n": EMAIL_MAX_LENGTH},
                code="max_length",
            )
        return super().clean_email(email)

    def clean_phone(self, phone: str) -> str:
        return normalize_phone(phone)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render allauth's email in the current language, then send it after the commit
        from a Celery task. The site is called by its name, not by the request's host."""
        request = context.get("request") or allauth_context.request
        ctx = {
            "request": request,
            "email": email,
            **context,
            "current_site": Site(
                name=settings.KSMALL_SITE_NAME, domain=request.get_host() if request else ""
            ),
        }
        queue_email(self.render_mail(template_prefix, email, ctx))

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        queue_sms(
            phone,
            _(
                "[KS Mall] Your verification code is %(code)s. It is valid for 10 minutes. "
                "If you did not request it, ignore this message."
            )
            % {"code": code},
        )

    def send_account_already_exists_sms(self, phone: str) -> None:
        # Sign-up with a number that already has an account: the page does not say so
        # (enumeration prevention), the owner of the number is told instead.
        queue_sms(
            phone,
            _(
                "[KS Mall] Someone tried to sign up with this number, which already has "
                "an account. Sign in with an SMS code instead. If it was not you, ignore this."
            ),
        )

    def set_phone(self, user, phone: str, verified: bool) -> None:
        release_unverified_phone(phone, keep=user)
        user.phone = phone
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_verified"])

    def get_phone(self, user) -> tuple[str, bool] | None:
        if not user.phone:
            return None
        return user.phone, user.phone_verified

    def set_phone_verified(self, user, phone: str) -> None:
        # Also the last step of changing the number: allauth confirms the new number
        # with this call alone, so the number is stored here.
        release_unverified_phone(phone, keep=user)
        user.phone = phone
        user.phone_verified = True
        user.save(update_fields=["phone", "phone_verified"])

    def get_user_by_phone(self, phone: str):
        """The account that owns this number: only a verified number counts.

        An unverified number proves nothing, so it neither signs anyone in (by password or
        by code) nor blocks the real owner from signing up with it: otherwise someone could
        register a stranger's number with a password of their own and wait for the owner
        to verify it for them.
        """
        # allauth passes the login field as typed ("138 0013 8000") on password login.
        try:
            phone = normalize_phone(phone)
        except ValidationError:
            return None
        return User.objects.filter(phone=phone, phone_verified=True, is_active=True).first()

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth keys the failed-password counter on email or username only, so every
        # phone login would share one bucket: five wrong passwords for any number would
        # lock everyone out. Count per (normalised) number instead.
        phone = credentials.get("phone")
        if phone:
            try:
                return f"phone:{normalize_phone(phone)}"
            except ValidationError:
                return f"phone:{phone}"
        return super()._get_login_attempts_cache_key(request, **credentials)

    def get_login_stages(self) -> list[str]:
        return [
            "accounts.stages.EmailVerificationStage"
            if path == "allauth.account.stages.EmailVerificationStage"
            else path
            for path in super().get_login_stages()
        ]
