"""Limits at placement: unpaid checkouts per learner, buying one's own service, totals
beyond what an order can hold."""

import secrets
from decimal import Decimal

import pytest

from accounts.tests.factories import ProviderFactory, UserFactory
from catalog.tests.factories import PackageFactory, ServiceFactory
from orders import services
from orders.errors import CheckoutError
from orders.models import Checkout

pytestmark = pytest.mark.django_db


def place(buyer, package, quantity: int = 1):
    return services.place_orders(
        buyer,
        [services.LineChoice(package.pk, (), quantity)],
        contact_name="小林",
        contact_phone="13800000001",
        token=secrets.token_hex(16),
    )


def test_a_learner_holds_at_most_the_configured_number_of_unpaid_checkouts(settings):
    settings.ORDER_MAX_UNPAID_CHECKOUTS = 2
    buyer = UserFactory()
    package = PackageFactory()
    first = place(buyer, package)
    place(buyer, package)

    with pytest.raises(CheckoutError):
        place(buyer, package)
    services.cancel_order(first.orders.get(), by=buyer)
    place(buyer, package)  # cancelling one makes room

    assert Checkout.objects.filter(buyer=buyer).count() == 3


def test_a_provider_cannot_buy_their_own_service():
    provider = ProviderFactory()
    package = PackageFactory(service=ServiceFactory(provider=provider))

    with pytest.raises(CheckoutError):
        place(provider, package)

    assert not Checkout.objects.exists()


def test_an_order_too_large_for_the_books_is_refused_with_a_message():
    package = PackageFactory(price=Decimal("999999.00"))

    with pytest.raises(CheckoutError) as refused:
        place(UserFactory(), package, quantity=20)

    assert "¥9,999,999.99" in str(refused.value.message)
    assert not Checkout.objects.exists()
