"""Reads for the learner's order pages: the list by tab and one order with its timeline and
refunds."""

from django.contrib.auth.base_user import AbstractBaseUser as User
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts.permissions import is_staff

from .models import Checkout, Order, OrderEvent, OrderLine, Refund

Status = Order.Status

# The tabs of /orders/: (slug, label, statuses); the first shows every order.
TABS = [
    ("", _("All"), ()),
    ("unpaid", _("Awaiting payment"), (Status.PENDING_PAYMENT,)),
    ("upcoming", _("Awaiting service"), (Status.PAID, Status.AWAITING_SERVICE)),
    ("active", _("In service"), (Status.IN_SERVICE,)),
    ("done", _("Completed"), (Status.COMPLETED,)),
    # Refunded orders and every order with a refund, open or done (see learner_orders).
    ("after_sales", _("Refunds"), (Status.REFUNDED,)),
]
AFTER_SALES = "after_sales"


def learner_orders(buyer: User, tab: str = "") -> QuerySet:
    statuses = {slug: statuses for slug, _label, statuses in TABS}.get(tab, ())
    orders = (
        Order.objects.filter(buyer=buyer)
        .select_related("checkout")
        .prefetch_related("lines", "refunds")
    )
    if tab == AFTER_SALES:
        has_refund = Exists(Refund.objects.filter(order=OuterRef("pk")))
        orders = orders.filter(Q(status__in=statuses) | Q(has_refund))
    elif statuses:
        orders = orders.filter(status__in=statuses)
    return orders.order_by("-created_at", "-pk")


TO_REVIEW = "to_review"


def order_counts(buyer: User) -> list[tuple[str, str, int]]:
    """The learner's orders by tab, as /me/ shows them: (tab slug, label, count), with
    completed orders still to review between "in service" and "refunds". One query."""
    has_refund = Exists(Refund.objects.filter(order=OuterRef("pk")))
    unreviewed = Exists(
        OrderLine.objects.filter(
            order=OuterRef("pk"), review__isnull=True, package__isnull=False
        ).exclude(service__kind="membership")
    )
    counts = {
        slug: Count("pk", filter=Q(status__in=statuses))
        for slug, _label, statuses in TABS
        if slug and slug not in {"done", AFTER_SALES}
    }
    counts[TO_REVIEW] = Count("pk", filter=Q(unreviewed, status=Status.COMPLETED))
    counts[AFTER_SALES] = Count("pk", filter=Q(has_refund) | Q(status=Status.REFUNDED))
    numbers = Order.objects.filter(buyer=buyer).aggregate(**counts)
    labels = {slug: label for slug, label, _statuses in TABS}
    labels[TO_REVIEW] = _("To review")
    return [(slug, labels[slug], numbers[slug]) for slug in counts]


def recent_orders(buyer: User | int, most: int = 5) -> QuerySet:
    """The buyer's latest orders with their lines (for the title), for customer service."""
    return (
        Order.objects.filter(buyer=buyer)
        .prefetch_related("lines")
        .order_by("-created_at", "-pk")[:most]
    )


def learner_order(buyer: User, order_no: str) -> Order:
    """The buyer's order with lines, timeline and its checkout, or 404 for anyone else."""
    order = (
        Order.objects.filter(buyer=buyer, order_no=order_no)
        .select_related("checkout")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("service", "review")),
            Prefetch("events", queryset=OrderEvent.objects.select_related("actor")),
            Prefetch("refunds", queryset=Refund.objects.prefetch_related("images")),
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
    if not is_staff(user):
        checkouts = checkouts.filter(buyer=user)
    checkout = checkouts.filter(payment_no=payment_no).first()
    if checkout is None:
        raise Http404
    return checkout


def checkout_by_token(buyer: User, token: str) -> Checkout | None:
    """The checkout a form with this token already placed, if any."""
    if not token:
        return None
    return Checkout.objects.filter(buyer=buyer, token=token[:64]).first()


# ---- the provider's order desk ---------------------------------------------------------


def provider_orders(provider) -> QuerySet:
    """The provider's orders, newest first, with what a list row shows (buyer, lines)."""
    return (
        Order.objects.filter(provider=provider)
        .select_related("buyer")
        .prefetch_related("lines")
        .order_by("-created_at", "-pk")
    )


def provider_order(provider, order_no: str) -> Order:
    """One of the provider's orders with lines, timeline and refunds; 404 for anyone
    else's."""
    order = (
        Order.objects.filter(provider=provider, order_no=order_no)
        .select_related("buyer")
        .prefetch_related(
            "lines",
            Prefetch("events", queryset=OrderEvent.objects.select_related("actor")),
            Prefetch("refunds", queryset=Refund.objects.order_by("-created_at", "-pk")),
        )
        .first()
    )
    if order is None:
        raise Http404
    return order
