"""Celery tasks of orders: the timers, thin wrappers around ``orders.services``.

Each is idempotent (a second run finds nothing left to do), so beat may run them often
and a redelivered task does no harm.
"""

from celery import shared_task

from . import services


@shared_task(name="orders.cancel_expired_orders", acks_late=True)
def cancel_expired_orders() -> int:
    return services.cancel_expired_orders()


@shared_task(name="orders.start_due_orders", acks_late=True)
def start_due_orders() -> int:
    return services.start_due_orders()


@shared_task(name="orders.complete_overdue_orders", acks_late=True)
def complete_overdue_orders() -> int:
    return services.complete_overdue_orders()


@shared_task(name="orders.auto_approve_overdue_refunds", acks_late=True)
def auto_approve_overdue_refunds() -> int:
    return services.auto_approve_overdue_refunds()


@shared_task(name="orders.settle_approved_refunds", acks_late=True)
def settle_approved_refunds() -> int:
    return services.settle_approved_refunds()
