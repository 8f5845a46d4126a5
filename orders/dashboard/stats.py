"""/dashboard/stats/: the provider's sales in charts — revenue per day, orders by status,
top services with their conversion from views to orders, and the rating trend."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from accounts.permissions import provider_required
from catalog.models import Review, Service
from ksmall.charts import Point, bar_chart, hbar_chart
from ksmall.money import format_yuan
from orders.models import LINE_PROVIDER_PRICE, PROVIDER_PRICE, Order, OrderLine
from orders.numbers import CHINA

from .overview import EARNING, UNEARNED_STATUSES

DAYS = 30
MONTHS = 6
TOP_SERVICES = 5


def _revenue_by_day(provider, today) -> list[Point]:
    start = datetime.combine(today - timedelta(days=DAYS - 1), time.min, tzinfo=CHINA)
    rows = (
        Order.objects.filter(EARNING, provider=provider, paid_at__gte=start)
        .annotate(day=TruncDate("paid_at", tzinfo=CHINA))
        .values("day")
        .annotate(revenue=Sum(PROVIDER_PRICE))
    )
    by_day = {row["day"]: row["revenue"] for row in rows}
    points = []
    for offset in range(DAYS):
        day = today - timedelta(days=DAYS - 1 - offset)
        value = by_day.get(day) or Decimal("0.00")
        points.append(Point(day.strftime("%m-%d"), value, f"{day:%m-%d} {format_yuan(value)}"))
    return points


def _orders_by_status(provider) -> list[Point]:
    counts = dict(
        Order.objects.filter(provider=provider)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return [Point(str(label), counts.get(value, 0)) for value, label in Order.Status.choices]


def _top_services(provider) -> list[dict]:
    sold = (
        OrderLine.objects.filter(
            Q(order__provider=provider) & ~Q(order__status__in=UNEARNED_STATUSES),
            service__isnull=False,
        )
        .values("service")
        .annotate(revenue=Sum(LINE_PROVIDER_PRICE), orders=Count("order", distinct=True))
        .order_by("-revenue")[:TOP_SERVICES]
    )
    sold = list(sold)
    services = Service.objects.in_bulk([row["service"] for row in sold])
    top = []
    for row in sold:
        service = services[row["service"]]
        views = service.view_count
        top.append(
            {
                "service": service,
                "revenue": row["revenue"],
                "orders": row["orders"],
                "views": views,
                "conversion": (Decimal(row["orders"]) * 100 / views).quantize(Decimal("0.1"))
                if views
                else None,
            }
        )
    return top


def _rating_trend(provider, today) -> list[Point]:
    first = today.replace(day=1)
    months = []
    for _step in range(MONTHS):
        months.insert(0, first)
        first = (first - timedelta(days=1)).replace(day=1)
    start = datetime.combine(months[0], time.min, tzinfo=CHINA)
    rows = (
        Review.objects.filter(service__provider=provider, is_hidden=False, created_at__gte=start)
        .annotate(month=TruncMonth("created_at", tzinfo=CHINA))
        .values("month")
        .annotate(average=Avg("rating"), n=Count("pk"))
    )
    by_month = {
        row["month"].date() if hasattr(row["month"], "date") else row["month"]: row for row in rows
    }
    points = []
    for month in months:
        row = by_month.get(month)
        average = round(row["average"], 2) if row else 0
        title = (
            _("%(month)s: %(average)s stars from %(n)d reviews")
            % {"month": f"{month:%Y-%m}", "average": average, "n": row["n"]}
            if row
            else _("%(month)s: no reviews") % {"month": f"{month:%Y-%m}"}
        )
        points.append(Point(date_format(month, "M"), average, title))
    return points


@provider_required
def stats(request):
    today = timezone.now().astimezone(CHINA).date()
    provider = request.user
    revenue = _revenue_by_day(provider, today)
    return render(
        request,
        "dashboard/stats.html",
        {
            "section": "stats",
            "revenue_total": sum((p.value for p in revenue), Decimal("0.00")),
            "revenue_chart": bar_chart(
                revenue,
                label=_("Revenue per day, last 30 days"),
                label_every=5,
                value_format=format_yuan,
            ),
            "status_chart": hbar_chart(_orders_by_status(provider), label=_("Orders by status")),
            "top_services": _top_services(provider),
            "rating_chart": bar_chart(
                _rating_trend(provider, today),
                label=_("Average rating per month"),
                value_format=lambda v: f"{float(v):.1f}",
                top=5,
            ),
        },
    )
