"""Order and payment numbers: format, length, the date in China, uniqueness, and the retry
when a fresh number is already taken."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

from accounts.tests.factories import UserFactory
from catalog.tests.factories import PackageFactory
from orders import services
from orders.models import NUMBER_LENGTH, Order
from orders.numbers import new_order_no, new_payment_no
from orders.tests.factories import OrderFactory, choice


def test_an_order_number_is_ks_the_date_and_twelve_random_digits():
    number = new_order_no()

    assert re.fullmatch(r"KS\d{8}\d{12}", number)
    assert len(number) <= NUMBER_LENGTH


def test_a_payment_number_is_p_the_time_and_eight_random_digits():
    number = new_payment_no()

    assert re.fullmatch(r"P\d{14}\d{8}", number)
    assert len(number) <= NUMBER_LENGTH


@time_machine.travel(datetime(2026, 1, 1, 17, 30, 5, tzinfo=UTC), tick=False)
def test_the_date_is_the_day_in_china():
    # 17:30 UTC on 1 January is 01:30 on 2 January in Beijing.
    assert new_order_no().startswith("KS20260102")
    assert new_payment_no().startswith("P20260102013005")


def test_a_thousand_numbers_are_all_different_and_not_in_sequence():
    orders = [new_order_no() for _ in range(1000)]
    payments = [new_payment_no() for _ in range(1000)]

    assert len(set(orders)) == 1000
    assert len(set(payments)) == 1000
    assert orders != sorted(orders)


@pytest.mark.django_db
def test_placing_retries_a_number_that_is_already_taken(monkeypatch):
    taken = OrderFactory().order_no
    fresh = iter([taken, "KS20260102000000000001"])
    monkeypatch.setattr(services, "new_order_no", lambda: next(fresh))

    checkout = services.place_orders(
        UserFactory(),
        [choice(PackageFactory())],
        contact_name="小林",
        contact_phone="13800138000",
        token="a" * 32,
    )

    assert checkout.orders.get().order_no == "KS20260102000000000001"
    assert Order.objects.count() == 2
