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
