"""Reads for the learner's order pages: the list by tab and one order with its timeline."""

from django.contrib.auth.base_user import AbstractBaseUser as User
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .models import Checkout, Order, OrderEvent, OrderLine

Status = Order.Status

# The tabs of /orders/: (slug, label, statuses); the first shows every order.
TABS = [
    ("", _("All"), ()),
    ("unpaid", _("Awaiting payment"), (Status.PENDING_PAYMENT,)),
    ("upcoming", _("Awaiting service"), (Status.PAID, Status.AWAITING_SERVICE)),
    ("active", _("In service"), (Status.IN_SERVICE,)),
    ("done", _("Completed"), (Status.COMPLETED,)),
    ("after_sales", _("Refunds"), (Status.REFUNDED,)),
]


def learner_orders(buyer: User, tab: str = "") -> QuerySet:
    statuses = {slug: statuses for slug, _label, statuses in TABS}.get(tab, ())
    orders = Order.objects.filter(buyer=buyer).select_related("checkout").prefetch_related("lines")
    if statuses:
        orders = orders.filter(status__in=statuses)
    return orders.order_by("-created_at", "-pk")


def learner_order(buyer: User, order_no: str) -> Order:
    """The buyer's order with lines, timeline and its checkout, or 404 for anyone else."""
    order = (
        Order.objects.filter(buyer=buyer, order_no=order_no)
        .select_related("checkout")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("service", "review")),
            Prefetch("events", queryset=OrderEvent.objects.select_related("actor")),
        )
        .first()
    )
    if order is None:
        raise Http404
    return order


def payer_checkout(user: User, payment_no: str) -> Checkout:
    """A checkout its buyer (or staff) may see, with its orders and their lines; 404 else."""
    checkouts = Checkout.objects.prefetch_related(
        Prefetch("orders", queryset=Order.objects.prefetch_related("lines").order_by("pk"))
    )
    if not user.is_staff:
        checkouts = checkouts.filter(buyer=user)
    checkout = checkouts.filter(payment_no=payment_no).first()
    if checkout is None:
        raise Http404
    return checkout
