"""Orders' own receivers of its signals. Connected in ``OrdersConfig.ready``."""

from django.conf import settings
from django.dispatch import receiver

from . import signals


@receiver(signals.refund_approved, dispatch_uid="orders.settle_refund_without_gateway")
def settle_refund_without_gateway(sender, refund_id: int, **kwargs) -> None:
    """Until payments refunds at the gateway, an approved refund counts as paid back at
    once. payments sets ``REFUNDS_SETTLE_WITHOUT_GATEWAY = False`` and takes over."""
    if not settings.REFUNDS_SETTLE_WITHOUT_GATEWAY:
        return
    from .models import Refund
    from .services import complete_refund

    refund = Refund.objects.filter(pk=refund_id).first()
    if refund is not None:
        complete_refund(refund)
