"""Orders under concurrency, on PostgreSQL's row locks: twenty buyers for the last five
seats, two payment callbacks for one checkout, a timer meeting a locked order, two
approvals of one refund."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.tests.factories import StaffFactory, UserFactory
from catalog.errors import SoldOut
from catalog.models import Package, Service
from catalog.tests.factories import PackageFactory
from notifications.models import Message
from orders.errors import RefundNotAllowed
from orders.models import Checkout, Order, OrderEvent, Refund
from orders.services import (
    LineChoice,
    approve_refund,
    cancel_expired_orders,
    mark_paid,
    place_orders,
)
from orders.tests.factories import CheckoutFactory, OrderFactory
from tests.helpers import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_buyers_of_the_last_five_seats_place_exactly_five_checkouts():
    package = PackageFactory(capacity=30, reserved=25, price=Decimal("99.00"))
    buyers = [UserFactory() for _ in range(20)]
    placed, sold_out = [], []

    def buy(buyer):
        try:
            placed.append(
                place_orders(
                    buyer,
                    [LineChoice(package.pk, [], 1)],
                    contact_name="小林",
                    contact_phone="13800138000",
                    token=f"{buyer.pk:032x}",
                )
            )
        except SoldOut as error:
            sold_out.append(error)

    errors = run_together(*[lambda buyer=buyer: buy(buyer) for buyer in buyers])

    assert errors == []
    assert len(placed) == 5
    assert len(sold_out) == 15
    package.refresh_from_db()
    assert package.reserved == package.capacity == 30
    assert Checkout.objects.count() == 5
    assert Order.objects.count() == 5
    assert OrderEvent.objects.count() == 5


def test_two_payment_callbacks_for_one_checkout_pay_each_order_once():
    checkout = CheckoutFactory()
    orders = [OrderFactory(checkout=checkout, line__quantity=2) for _ in range(3)]
    service_ids = [order.lines.get().service_id for order in orders]
    paid_now: list[list[Order]] = []

    errors = run_together(
        lambda: paid_now.append(mark_paid(checkout)),
        lambda: paid_now.append(mark_paid(checkout)),
    )

    assert errors == []
    assert sorted(len(paid) for paid in paid_now) == [0, 3]
    for order in orders:
        assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
        assert OrderEvent.objects.filter(order=order, event="pay").count() == 1
    assert list(
        Service.objects.filter(pk__in=service_ids).values_list("sales_count", flat=True)
    ) == [2, 2, 2]


def test_the_timer_skips_an_order_someone_is_working_on():
    order = OrderFactory(checkout__pay_deadline=timezone.now() - timedelta(minutes=1))
    locked, release = threading.Event(), threading.Event()

    def hold_the_order():
        try:
            with transaction.atomic():
                Order.objects.select_for_update().get(pk=order.pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_order)
    holder.start()
    assert locked.wait(timeout=10)
    try:
        assert cancel_expired_orders() == 0
    finally:
        release.set()
        holder.join(timeout=10)

    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING_PAYMENT
    assert cancel_expired_orders() == 1


def test_two_approvals_of_one_refund_at_once_pay_back_once():
    """The provider and staff approve the same refund at the same moment: the refund row
    lock lets one through; the other finds it decided. The money goes back once, the seats
    come back once, the learner hears once."""

    order = OrderFactory(status=Order.Status.PAID, line__package__capacity=5)
    package_id = order.lines.get().package_id
    Package.objects.filter(pk=package_id).update(reserved=1)
    refund = Refund.objects.create(
        order=order,
        requested_by=order.buyer,
        amount=order.total,
        reason="课程时间冲突，无法参加",
        respond_by=timezone.now() + timedelta(hours=72),
    )
    deciders = [order.provider, StaffFactory()]

    errors = run_together(
        *[lambda by=by: approve_refund(Refund.objects.get(pk=refund.pk), by=by) for by in deciders]
    )

    assert len(errors) == 1 and isinstance(errors[0], RefundNotAllowed)
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == Refund.Status.REFUNDED
    assert order.status == Order.Status.REFUNDED
    assert Package.objects.get(pk=package_id).reserved == 0
    assert Message.objects.filter(user=order.buyer, event="order_refunded").count() == 1
