"""Load the demo data (idempotent): the demo accounts now, more as apps arrive.

It lives in the project package because it may use every app; running it twice changes
nothing.
"""

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import ProviderProfile, User
from accounts.services import set_agent

DEMO_PASSWORD = "ksmall-demo"  # noqa: S105 (the documented demo password)

DEMO_ACCOUNTS = [
    # email, phone, nickname, role
    ("admin@ksmall.local", None, "运营小K", "staff"),
    ("provider@ksmall.local", None, "王老师工作室", "provider"),
    ("learner@ksmall.local", "+8613800000001", "小林", "learner"),
    ("learner2@ksmall.local", "+8613800000002", "阿杰", "learner"),
    ("agent@ksmall.local", None, "客服小美", "agent"),
]


class Command(BaseCommand):
    help = "Create the demo accounts (and, as apps arrive, demo data). Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        rows = []
        for email, phone, nickname, role in DEMO_ACCOUNTS:
            user = self._account(email, phone, nickname, role)
            rows.append((role, email, phone or "", user))
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password: {DEMO_PASSWORD})"))
        for role, email, phone, _user in rows:
            self.stdout.write(f"  {role:<9} {email:<24} {phone.removeprefix('+86')}")

    def _account(self, email: str, phone: str | None, nickname: str, role: str) -> User:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User(email=email)
            user.set_password(DEMO_PASSWORD)
        user.nickname = user.nickname or nickname
        if phone:
            user.phone = phone
            user.phone_verified = True
        user.is_staff = user.is_superuser = role == "staff"
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if role == "provider":
            ProviderProfile.objects.update_or_create(
                user=user,
                defaults={
                    "display_name": nickname,
                    "kind": ProviderProfile.Kind.INSTITUTION,
                    "status": ProviderProfile.Status.APPROVED,
                    "reviewed_at": timezone.now(),
                },
            )
        if role == "agent":
            set_agent(user, True)
        return user
