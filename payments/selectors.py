"""Reads of payments for the cashier pages."""

from dataclasses import dataclass
from decimal import Decimal

from orders.models import Checkout, Order

from .models import Payment


@dataclass(frozen=True)
class CheckoutState:
    """Where a checkout's payment stands, as the cashier shows it."""

    amount_due: Decimal
    is_paid: bool  # nothing awaits payment and at least one order was paid
    is_closed: bool  # nothing awaits payment and nothing was paid (cancelled, timed out)
    pending: Payment | None  # the open attempt, if any
    paid: Payment | None


def checkout_state(checkout: Checkout) -> CheckoutState:
    """Prefetch ``orders`` on ``checkout`` to read it in one query more."""
    orders = list(checkout.orders.all())
    due = checkout.amount_due
    paid_orders = [
        o for o in orders if o.status not in (Order.Status.PENDING_PAYMENT, Order.Status.CANCELLED)
    ]
    payments = list(checkout.payments.order_by("-created_at", "-pk"))
    return CheckoutState(
        amount_due=due,
        is_paid=due == 0 and bool(paid_orders),
        is_closed=due == 0 and not paid_orders,
        pending=next((p for p in payments if p.status == Payment.Status.PENDING), None),
        paid=next((p for p in payments if p.status == Payment.Status.PAID), None),
    )


def latest_payment(
    checkout: Checkout, *, method: str, channel: str | None = None
) -> Payment | None:
    payments = Payment.objects.filter(checkout=checkout, method=method)
    if channel:
        payments = payments.filter(channel=channel)
    return payments.order_by("-created_at", "-pk").first()
