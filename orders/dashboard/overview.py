"""/dashboard/: the provider's day at a glance — today's orders and revenue, what waits
for them, and revenue over 7 and 30 days."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import provider_required
from catalog.models import Review, Service
from orders.models import PROVIDER_PRICE, Order, Refund
from orders.numbers import CHINA

# Orders whose money the provider keeps (an unpaid, cancelled or refunded order earned
# nothing).
UNEARNED_STATUSES = [Order.Status.PENDING_PAYMENT, Order.Status.CANCELLED, Order.Status.REFUNDED]
EARNING = ~Q(status__in=UNEARNED_STATUSES)


def provider_figures(provider, *, now=None) -> dict:
    """The overview's numbers for ``provider``: four queries in all."""
    now = now or timezone.now()
    today = datetime.combine(now.astimezone(CHINA).date(), time.min, tzinfo=CHINA)
    orders = Order.objects.filter(provider=provider)
    revenue = orders.filter(EARNING).aggregate(
        today_count=Count("pk", filter=Q(paid_at__gte=today)),
        today=Sum(PROVIDER_PRICE, filter=Q(paid_at__gte=today)),
        week=Sum(PROVIDER_PRICE, filter=Q(paid_at__gte=today - timedelta(days=6))),
        month=Sum(PROVIDER_PRICE, filter=Q(paid_at__gte=today - timedelta(days=29))),
    )
    waiting = orders.aggregate(
        to_accept=Count("pk", filter=Q(status=Order.Status.PAID)),
        to_start=Count("pk", filter=Q(status=Order.Status.AWAITING_SERVICE)),
        in_service=Count("pk", filter=Q(status=Order.Status.IN_SERVICE)),
    )
    refunds = Refund.objects.filter(
        order__provider=provider, status=Refund.Status.REQUESTED
    ).count()
    reviews = Review.objects.filter(service__provider=provider, reply="", is_hidden=False).count()
    rejected = Service.objects.filter(provider=provider, status=Service.Status.REJECTED).count()
    zero = Decimal("0.00")
    return {
        "today_orders": revenue["today_count"],
        "today_revenue": revenue["today"] or zero,
        "week_revenue": revenue["week"] or zero,
        "month_revenue": revenue["month"] or zero,
        "to_accept": waiting["to_accept"],
        "to_start": waiting["to_start"],
        "in_service": waiting["in_service"],
        "refunds_to_decide": refunds,
        "reviews_to_answer": reviews,
        "listings_rejected": rejected,
    }


@provider_required
def overview(request):
    return render(
        request,
        "dashboard/overview.html",
        {"section": "overview", "figures": provider_figures(request.user)},
    )
