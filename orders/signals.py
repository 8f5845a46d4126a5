"""Signals orders sends to the apps above it (DESIGN.md "Layout": a lower app never imports
a higher one). Sent after the transaction commits, with ids only; receivers re-read what
they need and hand slow work to Celery."""

from django.dispatch import Signal

# An order awaiting payment was cancelled (by the learner, staff or the payment timer):
# payments closes the gateway trade of its checkout. Arguments: order_id, checkout_id,
# event ("cancel" or "timeout").
order_cancelled = Signal()
