"""/dashboard/: the provider's overview cards."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import ProviderFactory, UserFactory
from catalog.models import Service
from catalog.tests.factories import ReviewFactory, ServiceFactory
from orders import services
from orders.dashboard.overview import provider_figures
from orders.models import Order
from orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_the_figures_count_what_waits_and_what_was_earned():
    provider = ProviderFactory()
    now = timezone.now()
    paid_today = OrderFactory(
        provider=provider, status=Order.Status.PAID, total=Decimal("100.00"), paid_at=now
    )
    OrderFactory(
        provider=provider,
        status=Order.Status.IN_SERVICE,
        total=Decimal("50.00"),
        paid_at=now - timedelta(days=3),
    )
    OrderFactory(
        provider=provider,
        status=Order.Status.COMPLETED,
        total=Decimal("30.00"),
        paid_at=now - timedelta(days=20),
    )
    OrderFactory(
        provider=provider, status=Order.Status.REFUNDED, total=Decimal("999.00"), paid_at=now
    )
    OrderFactory(provider=provider, status=Order.Status.PENDING_PAYMENT, total=Decimal("77.00"))
    OrderFactory(status=Order.Status.PAID, total=Decimal("500.00"), paid_at=now)  # someone else's
    services.request_refund(
        paid_today, by=paid_today.buyer, amount=Decimal("10.00"), reason="时间冲突无法参加"
    )
    service = ServiceFactory(provider=provider)
    ReviewFactory(service=service)
    ReviewFactory(service=service, reply="谢谢")
    ServiceFactory(provider=provider, status=Service.Status.REJECTED, rejection_reason="图片不清晰")

    figures = provider_figures(provider, now=now)

    assert figures["today_orders"] == 1
    assert figures["today_revenue"] == Decimal("100.00")
    assert figures["week_revenue"] == Decimal("150.00")
    assert figures["month_revenue"] == Decimal("180.00")
    assert (figures["to_accept"], figures["in_service"]) == (1, 1)
    assert figures["refunds_to_decide"] == 1
    assert figures["reviews_to_answer"] == 1
    assert figures["listings_rejected"] == 1


def test_the_overview_page_renders_in_a_few_queries(client, django_assert_max_num_queries):
    provider = ProviderFactory()
    for _ in range(5):
        OrderFactory(provider=provider, status=Order.Status.PAID, paid_at=timezone.now())
    client.force_login(provider)

    client.get("/dashboard/")  # the first visit after signing in also saves the session
    # The shell (savepoints, session, user, roles, unread count, menu) and five figures.
    with django_assert_max_num_queries(14):
        response = client.get("/dashboard/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "待接单" in body or "Orders to accept" in body
    assert 'href="/dashboard/orders/?status=paid"' in body


def test_learners_are_refused_and_visitors_asked_to_sign_in(client):
    assert client.get("/dashboard/")["Location"].startswith("/accounts/login/")
    client.force_login(UserFactory())
    assert client.get("/dashboard/").status_code == 403
