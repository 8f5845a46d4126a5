"""/dashboard/stats/: charts of the provider's own sales, server-rendered as SVG."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import ProviderFactory, UserFactory
from catalog.models import Service
from catalog.tests.factories import ReviewFactory
from ksmall.charts import Point, bar_chart
from orders.models import Order
from orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_the_page_charts_only_the_providers_own_sales(client, django_assert_max_num_queries):
    provider = ProviderFactory()
    now = timezone.now()
    mine = OrderFactory(
        provider=provider, status=Order.Status.COMPLETED, total=Decimal("1299.00"), paid_at=now
    )
    OrderFactory(
        provider=provider,
        status=Order.Status.PAID,
        total=Decimal("88.50"),
        paid_at=now - timedelta(days=3),
    )
    OrderFactory(provider=provider, status=Order.Status.CANCELLED, total=Decimal("500.00"))
    OrderFactory(status=Order.Status.PAID, total=Decimal("7777.00"), paid_at=now)  # another's
    service = mine.lines.get().service
    Service.objects.filter(pk=service.pk).update(view_count=40)
    ReviewFactory(service=service, rating=4)
    client.force_login(provider)
    client.get("/dashboard/stats/")

    with django_assert_max_num_queries(16):
        response = client.get("/dashboard/stats/")

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("<svg") >= 3
    assert "¥1,387.50" in body  # the 30 days' total
    assert "7,777" not in body
    assert service.title in body
    assert "2.5%" in body  # 1 order from 40 views


def test_learners_are_refused(client):
    client.force_login(UserFactory())
    assert client.get("/dashboard/stats/").status_code == 403


def test_a_chart_escapes_its_labels():
    svg = bar_chart([Point("<b>", 3, "<script>")], label='"x"')
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg


def test_revenue_counts_what_the_provider_is_paid_not_the_list_price(client):
    """Member price and the provider's own coupon come off; the platform's coupon and the
    points are paid by the platform, so they count."""
    provider = ProviderFactory()
    order = OrderFactory(
        provider=provider,
        status=Order.Status.COMPLETED,
        paid_at=timezone.now(),
        subtotal=Decimal("400.00"),
        member_discount=Decimal("40.00"),
        provider_coupon_discount=Decimal("30.00"),
        platform_coupon_discount=Decimal("20.00"),
        points_used=1000,
        points_discount=Decimal("10.00"),
        total=Decimal("300.00"),
        line__package__price=Decimal("400.00"),
        line__member_discount=Decimal("40.00"),
        line__provider_coupon_discount=Decimal("30.00"),
        line__platform_coupon_discount=Decimal("20.00"),
        line__points_used=1000,
        line__points_discount=Decimal("10.00"),
        line__paid=Decimal("300.00"),
    )
    client.force_login(provider)

    body = client.get("/dashboard/stats/").content.decode()

    assert order.lines.get().paid == Decimal("300.00")
    assert "¥330.00" in body
    assert "¥400.00" not in body and "¥300.00" not in body
