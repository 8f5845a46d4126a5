"""Load the demo data (idempotent): the demo accounts, then the demo catalogue
(``catalog.demo``), the help centre's FAQ (``support.demo``), the membership plans and
coupons (``loyalty.demo``), and with ``--services N`` generated services for benchmarks.

It lives in the project package because it may use every app; running it twice changes
nothing.
"""

import functools
import time

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import ProviderProfile, User
from accounts.services import set_agent
from catalog import demo
from catalog.models import Service
from loyalty.demo import load_demo as load_loyalty_demo
from orders.demo import load_demo_orders
from payments.demo import pay_in_sandbox
from support.demo import load_support_demo

DEMO_PASSWORD = "ksmall-demo"  # noqa: S105 (the documented demo password)

DEMO_ACCOUNTS = [
    # email, phone, nickname, role
    ("admin@ksmall.local", None, "运营小K", "staff"),
    ("provider@ksmall.local", None, "王老师工作室", "provider"),
    ("learner@ksmall.local", "+8613800000001", "小林", "learner"),
    ("learner2@ksmall.local", "+8613800000002", "阿杰", "learner"),
    ("agent@ksmall.local", None, "小美", "agent"),  # shown as 客服小美
]


class Command(BaseCommand):
    help = (
        "Create the demo accounts and the demo catalogue; --services N adds generated "
        "services for benchmarks. Safe to run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--services",
            type=int,
            default=0,
            metavar="N",
            help="Add generated published services until the catalogue holds at least N.",
        )
        parser.add_argument(
            "--accounts-only",
            action="store_true",
            help="Create the demo accounts only, not the catalogue.",
        )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        rows = []
        for email, phone, nickname, role in DEMO_ACCOUNTS:
            user = self._account(email, phone, nickname, role)
            rows.append((role, email, phone or "", user))
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password: {DEMO_PASSWORD})"))
        for role, email, phone, _user in rows:
            self.stdout.write(f"  {role:<9} {email:<24} {phone.removeprefix('+86')}")
        if options["accounts_only"]:
            return

        started = time.monotonic()
        seen = {email for email, *_ in DEMO_ACCOUNTS}
        providers = [spec for spec in demo.PROVIDERS if spec.email not in seen]
        for spec in providers:
            self._account(spec.email, None, spec.name, "provider", kind=spec.kind)
        for email, nickname in demo.LEARNERS:
            self._account(email, None, nickname, "learner")
        self.stdout.write(
            f"  and {len(providers)} more providers ({providers[0].email} … "
            f"{providers[-1].email}), {len(demo.LEARNERS)} more learners "
            f"({demo.LEARNERS[0][0]} … {demo.LEARNERS[-1][0]})"
        )
        report = demo.load_catalogue()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo catalogue: {report.services} services created, {report.skipped} already "
                f"there; {report.categories} categories, {report.instructors} instructors, "
                f"{report.reviews} reviews, {report.images} images created "
                f"({time.monotonic() - started:.1f} s)"
            )
        )
        for note in report.notes:
            self.stdout.write(self.style.WARNING(f"  {note}"))
        support = load_support_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo help centre: {support['entries']} FAQ entries in {support['categories']} "
                f"categories, {support['canned_replies']} canned replies "
                f"({support['written']} rows written)"
            )
        )
        loyalty = load_loyalty_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo membership and coupons: {loyalty['plans']} plans, {loyalty['coupons']} "
                f"coupons ({loyalty['written']} rows written)"
            )
        )
        orders = load_demo_orders(pay=pay_in_sandbox)
        self.stdout.write(self.style.SUCCESS(f"Demo orders: learner@ksmall.local has {orders}"))
        if options["services"]:
            started = time.monotonic()
            added = demo.top_up_services(options["services"])
            self.stdout.write(
                self.style.SUCCESS(
                    f"Generated services: {added} added "
                    f"({time.monotonic() - started:.1f} s); "
                    f"{Service.objects.published().count()} published in all"
                )
            )

    def _account(
        self,
        email: str,
        phone: str | None,
        nickname: str,
        role: str,
        *,
        kind: str = ProviderProfile.Kind.INSTITUTION,
    ) -> User:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User(email=email, password=self.password_hash)
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
            self._provider_profile(user, nickname, kind)
        if role == "agent":
            set_agent(user, True)
        return user

    @functools.cached_property
    def password_hash(self) -> str:
        """Hashed once per run and shared by the new demo accounts: the hasher is slow on
        purpose (a quarter of a second each), and the password is public anyway."""
        return make_password(DEMO_PASSWORD)

    def _provider_profile(self, user: User, name: str, kind: str) -> None:
        """An approved profile; saved only when something differs, because saving it
        refreshes the search text of every service of the provider."""
        wanted = {"display_name": name, "kind": kind, "status": ProviderProfile.Status.APPROVED}
        profile = ProviderProfile.objects.filter(user=user).first()
        if profile is None:
            ProviderProfile.objects.create(user=user, reviewed_at=timezone.now(), **wanted)
        elif any(getattr(profile, field) != value for field, value in wanted.items()):
            if profile.status != ProviderProfile.Status.APPROVED:
                profile.reviewed_at = timezone.now()
            for field, value in wanted.items():
                setattr(profile, field, value)
            profile.save()
