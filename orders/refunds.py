"""How much of an order its buyer can get back now: each line's refund policy (snapshot at
purchase, ``OrderLine.refund_policy``) applied to the order's status and times.

| policy       | paid, awaiting service | in service                               |
|--------------|------------------------|------------------------------------------|
| before_start | what the line paid     | nothing                                  |
| progress     | what the line paid     | paid × (1 − elapsed days / study days)   |
| seven_days   | what it paid within 7 days of payment, nothing after              |
| none         | nothing (only staff can decide otherwise)                         |

"What the line paid" is its money after member price, coupons and points
(``OrderLine.paid``); the points go back in proportion with the money
(``orders.services.complete_refund``). Orders awaiting payment, cancelled, completed or
refunded give the buyer nothing back. A
completed order can still be refunded by staff (``refundable_by_platform``), up to what is
left of its total.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from catalog.models import Service
from ksmall.money import to_money

from .models import Order, OrderLine, Refund
from .numbers import CHINA
from .states import REFUNDABLE_BY_PLATFORM_STATUSES, REFUNDABLE_STATUSES, Status

Policy = Service.RefundPolicy
ZERO = Decimal("0.00")
SEVEN_DAYS = timedelta(days=7)


def refundable_amount(order: Order, now: datetime | None = None) -> Decimal:
    """What the buyer may ask back now: what the lines' policies allow in all, less what
    was already paid back, and never more than what is left of the order total. (A
    partial refund uses up the policy: asking again does not start it afresh.) Prefetch
    ``lines`` and ``refunds`` to read it without queries."""
    if order.status not in REFUNDABLE_STATUSES:
        return ZERO
    now = now or timezone.now()
    allowed = sum((line_refundable(order, line, now) for line in order.lines.all()), ZERO)
    returned = paid_back(order)
    return to_money(max(ZERO, min(allowed - returned, order.total - returned)))


def refundable_by_platform(order: Order) -> Decimal:
    """What staff may still refund of a completed order, whatever its policy: the total
    less what was already paid back. Prefetch ``refunds`` to read it without a query."""
    if order.status not in REFUNDABLE_BY_PLATFORM_STATUSES:
        return ZERO
    return to_money(max(ZERO, order.total - paid_back(order)))


def paid_back(order: Order) -> Decimal:
    """What was already paid back of ``order`` (its refunded refunds; prefetch ``refunds``
    to read it without a query)."""
    refunded = Refund.Status.REFUNDED
    return sum((refund.amount for refund in order.refunds.all() if refund.status == refunded), ZERO)


def line_refundable(order: Order, line: OrderLine, now: datetime) -> Decimal:
    """What ``line``'s policy gives back for ``order`` as it is at ``now``."""
    policy = line.refund_policy
    started = order.status == Status.IN_SERVICE
    if policy == Policy.BEFORE_START:
        return ZERO if started else line.paid
    if policy == Policy.PROGRESS:
        if not started:
            return line.paid
        return _unused_share(line, order.started_at, now)
    if policy == Policy.SEVEN_DAYS:
        paid_at = order.paid_at or order.created_at
        return line.paid if now - paid_at <= SEVEN_DAYS else ZERO
    return ZERO


def _unused_share(line: OrderLine, started_at: datetime | None, now: datetime) -> Decimal:
    """The line's total for the study days not yet elapsed, counted in China's calendar
    days since the service started. A line without a study period gives nothing back once
    started (as ``before_start``)."""
    if not line.study_days or started_at is None:
        return ZERO
    elapsed = (now.astimezone(CHINA).date() - started_at.astimezone(CHINA).date()).days
    elapsed = min(max(elapsed, 0), line.study_days)
    return to_money(line.paid * (1 - Decimal(elapsed) / Decimal(line.study_days)))


def refund_offer(order: Order) -> Decimal:
    """What the order page offers to refund: the refundable amount, or nothing while a
    refund is already in progress."""
    if order.open_refund is not None:
        return ZERO
    return refundable_amount(order)


def escalatable_refund(order: Order) -> Refund | None:
    """The rejected refund the buyer may still put to the platform, if any."""
    return next((refund for refund in order.refunds.all() if refund.can_be_escalated), None)
