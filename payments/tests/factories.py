"""Checkouts to pay: placed the way a learner places them (``orders.services``)."""

import secrets

from accounts.tests.factories import UserFactory
from catalog.tests.factories import PackageFactory
from orders import services
from orders.models import Checkout


def placed_checkout(*prices, buyer=None) -> Checkout:
    """A checkout of one line per price, each from its own provider (so one order each)."""
    buyer = buyer or UserFactory(nickname="小林")
    packages = [PackageFactory(price=price) for price in prices or ("199.00",)]
    return services.place_orders(
        buyer,
        [services.LineChoice(package.pk, (), 1) for package in packages],
        contact_name="小林",
        contact_phone="13800000001",
        token=secrets.token_hex(16),
    )
