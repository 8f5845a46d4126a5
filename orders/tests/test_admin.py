"""Staff views of checkouts and orders in /admin/: read-only lists that find an order by
its number, the payment number or the buyer's email or phone, and each order with its lines
and timeline."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import PhoneUserFactory, StaffFactory
from orders.states import Event, Role
from orders.tests.factories import CheckoutFactory, OrderFactory

pytestmark = pytest.mark.django_db

ORDERS = "/admin/orders/order/"
CHECKOUTS = "/admin/orders/checkout/"


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def listed(response) -> list:
    return list(response.context["cl"].result_list)


def test_orders_are_found_by_order_payment_number_email_or_phone(staff_client):
    buyer = PhoneUserFactory(phone="+8613912345678")
    order = OrderFactory(checkout__buyer=buyer)
    other = OrderFactory()

    for query in [order.order_no, order.checkout.payment_no, "13912345678"]:
        response = staff_client.get(ORDERS, {"q": query})
        assert listed(response) == [order], query
    response = staff_client.get(ORDERS, {"q": other.buyer.email})
    assert listed(response) == [other]


def test_orders_are_filtered_by_status_and_provider(staff_client):
    paid = OrderFactory(status="paid")
    OrderFactory()

    assert listed(staff_client.get(ORDERS, {"status__exact": "paid"})) == [paid]
    assert listed(staff_client.get(ORDERS, {"provider__id__exact": paid.provider_id})) == [paid]


def test_the_order_list_has_a_fixed_query_budget(staff_client):
    OrderFactory()
    staff_client.get(ORDERS)  # warm the caches a first request fills
    with CaptureQueriesContext(connection) as few:
        staff_client.get(ORDERS)
    for _ in range(5):
        OrderFactory()
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(ORDERS)

    assert response.status_code == 200
    assert len(many) == len(few)


def test_an_order_shows_its_lines_and_timeline_read_only(staff_client):
    order = OrderFactory(line__package__service__title="雅思口语冲刺班")
    order.events.create(
        event=Event.PLACE, to_status="pending_payment", actor=order.buyer, actor_role=Role.LEARNER
    )

    response = staff_client.get(f"{ORDERS}{order.pk}/change/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "雅思口语冲刺班" in body
    assert order.order_no in body
    assert 'name="_save"' not in body


def test_a_checkout_lists_its_orders(staff_client):
    checkout = CheckoutFactory()
    orders = [OrderFactory(checkout=checkout) for _ in range(2)]

    assert listed(staff_client.get(CHECKOUTS, {"q": orders[1].order_no})) == [checkout]
    body = staff_client.get(f"{CHECKOUTS}{checkout.pk}/change/").content.decode()
    assert all(order.order_no in body for order in orders)


@pytest.mark.parametrize("url", [f"{ORDERS}add/", f"{CHECKOUTS}add/"])
def test_orders_cannot_be_added_by_hand(staff_client, url):
    assert staff_client.get(url).status_code == 403


def test_orders_cannot_be_deleted(staff_client):
    order = OrderFactory()

    assert staff_client.get(f"{ORDERS}{order.pk}/delete/").status_code == 403
