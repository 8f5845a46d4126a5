"""Check one day's gateway payments against the gateways (``payments.services.reconcile_day``);
beat runs it every morning for the day before."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from orders.numbers import CHINA
from payments.services import reconcile_day


class Command(BaseCommand):
    help = "Reconcile one day's Alipay and WeChat Pay payments with the gateways."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD in China time (default: yesterday)")

    def handle(self, *args, **options) -> None:
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must look like 2026-11-23") from None
        else:
            day = timezone.now().astimezone(CHINA).date() - timedelta(days=1)
        report = reconcile_day(day)
        self.stdout.write(
            f"{day}: {report.checked} checked, {len(report.applied)} applied, "
            f"{len(report.flagged)} flagged, {len(report.unanswered)} unanswered"
        )
        for label, numbers in (
            ("applied", report.applied),
            ("flagged", report.flagged),
            ("unanswered", report.unanswered),
        ):
            for number in numbers:
                self.stdout.write(f"  {label}: {number}")
