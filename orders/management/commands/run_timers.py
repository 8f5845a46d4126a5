"""Run the order timers once: cancel unpaid orders past their deadline, start orders whose
start date has come, complete orders whose study period is over, approve refunds the provider
did not answer in time, settle approved refunds left open. Safe to run again."""

from django.core.management.base import BaseCommand

from orders import services


class Command(BaseCommand):
    help = "Run the order timers once and print how many orders each one moved."

    def handle(self, *args, **options) -> None:
        cancelled = services.cancel_expired_orders()
        started = services.start_due_orders()
        completed = services.complete_overdue_orders()
        refunds = services.auto_approve_overdue_refunds()
        settled = services.settle_approved_refunds()
        self.stdout.write(f"cancelled unpaid: {cancelled}")
        self.stdout.write(f"started: {started}")
        self.stdout.write(f"completed: {completed}")
        self.stdout.write(f"refunds approved: {refunds}")
        self.stdout.write(f"refunds settled: {settled}")
