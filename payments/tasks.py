"""Celery tasks of payments: thin and idempotent (they load by id and call
``payments.services``; a second run finds nothing left to do), with bounded retries for
gateway calls. The beat sweeps re-apply stored callbacks, ask gateways about payments
pending too long, and resend refunds not yet confirmed."""

from celery import shared_task

from . import services
from .gateways import GatewayError

RETRY = {
    "autoretry_for": (GatewayError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(name="payments.apply_callback", acks_late=True, bind=True, max_retries=5)
def apply_callback(self, callback_id: int) -> str:
    try:
        return services.apply_callback(callback_id)
    except Exception as error:
        services.note_callback_error(callback_id, error)
        # The beat sweep (apply_pending_callbacks) picks it up again in any case.
        raise self.retry(exc=error, countdown=10 * (self.request.retries + 1)) from error


@shared_task(name="payments.close_payment", acks_late=True, **RETRY)
def close_payment(payment_id: int) -> None:
    services.close_at_gateway(payment_id)


@shared_task(name="payments.send_refund", acks_late=True, **RETRY)
def send_refund(gateway_refund_id: int) -> str:
    return services.send_refund(gateway_refund_id)


@shared_task(name="payments.refund_approved", acks_late=True)
def refund_approved(refund_id: int) -> None:
    services.refund_approved(refund_id)


@shared_task(name="payments.close_stale_payments", acks_late=True)
def close_stale_payments(checkout_id: int) -> int:
    return services.close_stale_payments(checkout_id)


@shared_task(name="payments.apply_pending_callbacks", acks_late=True)
def apply_pending_callbacks() -> int:
    return services.apply_pending_callbacks()


@shared_task(name="payments.query_pending_payments", acks_late=True)
def query_pending_payments() -> int:
    return services.query_pending_payments()


@shared_task(name="payments.retry_pending_refunds", acks_late=True)
def retry_pending_refunds() -> int:
    return services.retry_pending_refunds()


@shared_task(name="payments.reconcile_yesterday", acks_late=True)
def reconcile_yesterday() -> dict:
    from datetime import timedelta

    from django.utils import timezone

    from orders.numbers import CHINA

    day = timezone.now().astimezone(CHINA).date() - timedelta(days=1)
    report = services.reconcile_day(day)
    return {
        "day": str(day),
        "checked": report.checked,
        "applied": report.applied,
        "flagged": report.flagged,
        "unanswered": report.unanswered,
    }
