"""Demo orders for the demo learner, so that /orders/ shows every stage in `make run`.

Each checkout has a fixed form token, so running seed_demo again finds it instead of
placing it twice; the moves are made only where the order has not got that far yet.
"""

from django.contrib.auth import get_user_model

from catalog.models import Package

from . import services
from .models import Order

Status = Order.Status

# token, service slugs, how far the orders go
DEMO_CHECKOUTS = [
    ("demo-order-unpaid", ["demo-english-tutor"], Status.PENDING_PAYMENT),
    ("demo-order-split", ["demo-figma-ui", "demo-civil-jobs"], Status.PENDING_PAYMENT),
    ("demo-order-paid", ["demo-career-consult"], Status.PAID),
    ("demo-order-self-paced", ["demo-excel-pro"], Status.IN_SERVICE),
    ("demo-order-done", ["demo-counselling-session"], Status.COMPLETED),
]
ORDER_OF_STATUSES = [
    Status.PENDING_PAYMENT,
    Status.PAID,
    Status.AWAITING_SERVICE,
    Status.IN_SERVICE,
    Status.COMPLETED,
]


def load_demo_orders(email: str = "learner@ksmall.local", *, pay=services.mark_paid) -> int:
    """Place (or find) the demo checkouts and move their orders along; returns how many
    orders the demo learner has. ``pay(checkout)`` pays a checkout (seed_demo pays through
    the payment sandbox)."""
    learner = get_user_model().objects.filter(email__iexact=email).first()
    if learner is None:
        return 0
    for token, slugs, target in DEMO_CHECKOUTS:
        packages = [
            Package.objects.filter(service__slug=slug, is_active=True, capacity__isnull=True)
            .order_by("price")
            .first()
            for slug in slugs
        ]
        if not all(packages):
            continue  # the demo catalogue is not loaded
        checkout = services.place_orders(
            learner,
            [services.LineChoice(package.pk, (), 1) for package in packages],
            contact_name=learner.nickname or "学员",
            contact_phone=learner.phone or "+8613800000001",
            note="",
            token=token,
        )
        if target != Status.PENDING_PAYMENT and checkout.amount_due:
            pay(checkout)
        for order in checkout.orders.all():
            _advance(order, target)
    return Order.objects.filter(buyer=learner).count()


def _advance(order: Order, target: str) -> None:
    order.refresh_from_db()
    reached = ORDER_OF_STATUSES.index
    if order.status not in ORDER_OF_STATUSES or reached(order.status) >= reached(target):
        return
    if order.status == Status.PAID:
        services.accept_order(order, by=order.provider, schedule="周六 10:00，腾讯会议 123 456 789")
        order.refresh_from_db()
    if order.status == Status.AWAITING_SERVICE and reached(target) >= reached(Status.IN_SERVICE):
        services.start_order(order, by=order.provider)
        order.refresh_from_db()
    if order.status == Status.IN_SERVICE and target == Status.COMPLETED:
        services.complete_order(
            order,
            by=order.provider,
            summary="已完成两次咨询，整理了沟通要点和后续练习，建议一个月后复盘。",
        )
