"""Signals orders sends to the apps above it (DESIGN.md "Layout": a lower app never imports
a higher one). Sent after the transaction commits, with ids only; receivers re-read what
they need and hand slow work to Celery."""

from django.dispatch import Signal

# An order awaiting payment was cancelled (by the learner, staff or the payment timer):
# payments closes the gateway trade of its checkout. Arguments: order_id, checkout_id,
# event ("cancel" or "timeout").
order_cancelled = Signal()

# A refund was approved (by the provider, staff, or the 72-hour timer): the money goes back.
# payments sends it to the gateway and calls ``orders.services`` when the gateway confirms;
# until then ``orders.receivers`` completes it at once while
# ``settings.REFUNDS_SETTLE_WITHOUT_GATEWAY`` is on. Arguments: refund_id.
refund_approved = Signal()
