"""payments listens to orders (orders never imports payments): an approved refund goes
back through the gateway, a cancelled order closes the attempts that no longer match."""

from django.dispatch import receiver

from orders import signals

from . import tasks


@receiver(signals.refund_approved, dispatch_uid="payments.refund_at_gateway")
def refund_at_gateway(sender, refund_id: int, **kwargs) -> None:
    tasks.refund_approved.delay(refund_id)


@receiver(signals.order_cancelled, dispatch_uid="payments.close_stale_payments")
def close_stale_payments(sender, checkout_id: int, **kwargs) -> None:
    tasks.close_stale_payments.delay(checkout_id)
