"""Payments under concurrency, on PostgreSQL's row locks: a gateway sending the same notify
five times at once, a notify and a query answer applied together, the payment-timeout race
(a paid notify meeting the timer that cancels unpaid orders), and the lock order of
closing stale attempts against applying a payment."""

import time
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from notifications.models import Message
from orders.models import Order, OrderEvent
from orders.services import cancel_expired_orders
from payments import sandbox, services, tasks
from payments.gateways import get_gateway
from payments.models import GatewayCallback, GatewayRefund, Method, Payment
from payments.sandbox import alipay as sandbox_alipay
from payments.tests.factories import placed_checkout
from tests.helpers import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BROWSER = services.Client(is_mobile=False, ip="203.0.113.7", site_url="http://testserver")
FORM = "application/x-www-form-urlencoded"


def alipay_paid(checkout) -> tuple[Payment, bytes]:
    """An Alipay attempt for the checkout, paid in the sandbox; the notify Alipay sends."""
    payment, _started = services.start_payment(checkout, method=Method.ALIPAY, client=BROWSER)
    sandbox.open_trade(Method.ALIPAY, payment.out_trade_no, payment.amount, "KS Mall")
    trade = sandbox.settle_trade(payment.out_trade_no, paid=True)
    return payment, sandbox_alipay.payment_notify(trade)


class _NotQueued:
    @staticmethod
    def delay(*args, **kwargs):
        return None


@pytest.fixture
def stored_only(monkeypatch):
    """Callbacks recorded inside ``with stored_only():`` are stored, their apply task not
    queued, so that a test applies them when it wants."""

    @contextmanager
    def stored_only():
        original = tasks.apply_callback
        monkeypatch.setattr(tasks, "apply_callback", _NotQueued)
        try:
            yield
        finally:
            monkeypatch.setattr(tasks, "apply_callback", original)

    return stored_only


def test_five_identical_notifies_at_once_pay_once_and_are_all_acknowledged():
    checkout = placed_checkout("199.00", "88.50")
    payment, body = alipay_paid(checkout)
    answers = []

    def post():
        answers.append(Client().post("/pay/notify/alipay/", data=body, content_type=FORM))

    errors = run_together(*[post] * 5)

    assert errors == []
    assert [(r.status_code, r.content) for r in answers] == [(200, b"success")] * 5
    callback = GatewayCallback.objects.get()
    assert callback.repeats == 4
    assert callback.attempts == 1
    assert callback.outcome == GatewayCallback.Outcome.APPLIED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert Payment.objects.filter(status=Payment.Status.PAID).count() == 1
    for order in checkout.orders.all():
        assert order.status == Order.Status.PAID
        assert OrderEvent.objects.filter(order=order, event="pay").count() == 1
    assert Message.objects.filter(user=checkout.buyer, event="order_paid").count() == 2
    assert not GatewayRefund.objects.exists()


def test_a_notify_and_a_query_answer_applied_together_change_things_once(monkeypatch, stored_only):
    checkout = placed_checkout("199.00", "88.50")
    payment, body = alipay_paid(checkout)
    gateway = get_gateway(Method.ALIPAY)
    with stored_only():
        notified = services.record_callback(
            Method.ALIPAY,
            GatewayCallback.Kind.PAYMENT,
            gateway.parse_callback(body, kind="payment"),
        )
        queried = services.record_callback(
            Method.ALIPAY, GatewayCallback.Kind.QUERY, gateway.query(payment.out_trade_no)
        )
    assert notified.pk != queried.pk
    # Whoever pays first holds the locks a while: the other must wait, then see it paid.
    mark_paid = services.mark_paid

    def slow_mark_paid(*args, **kwargs):
        time.sleep(0.3)
        return mark_paid(*args, **kwargs)

    monkeypatch.setattr(services, "mark_paid", slow_mark_paid)
    outcomes = []

    errors = run_together(
        lambda: outcomes.append(services.apply_callback(notified.pk)),
        lambda: outcomes.append(services.apply_callback(queried.pk)),
    )

    assert errors == []
    assert sorted(outcomes) == [GatewayCallback.Outcome.APPLIED, GatewayCallback.Outcome.UNCHANGED]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.is_flagged is False
    for order in checkout.orders.all():
        assert order.status == Order.Status.PAID
        assert OrderEvent.objects.filter(order=order, event="pay").count() == 1
    assert not GatewayRefund.objects.exists()


def race_the_timer(timer_delay: float) -> str:
    """One round: the timer cancels the unpaid order just as (``timer_delay`` seconds
    after) the paid notify of its one payment arrives. Returns how the order ended, after
    checking the money."""
    checkout = placed_checkout("199.00")
    payment, body = alipay_paid(checkout)
    after_deadline = checkout.pay_deadline + timedelta(minutes=1)
    answers = []

    def timer():
        time.sleep(timer_delay)
        cancel_expired_orders(now=after_deadline)

    errors = run_together(
        timer,
        lambda: answers.append(Client().post("/pay/notify/alipay/", data=body, content_type=FORM)),
    )

    assert errors == []
    assert answers[0].content == b"success"
    order = checkout.orders.get()
    payment.refresh_from_db()
    refunds = [
        (refund.reason, refund.amount, refund.status, refund.out_request_no)
        for refund in GatewayRefund.objects.filter(payment=payment)
    ]
    at_gateway = sandbox.trade(payment.out_trade_no).refunds
    assert payment.status == Payment.Status.PAID
    pay_events = OrderEvent.objects.filter(order=order, event="pay").count()
    if order.status == Order.Status.PAID:
        assert pay_events == 1
        assert refunds == []
        assert at_gateway == {}
    else:
        # Cancelled: never without its money going back, in full, once.
        assert order.status == Order.Status.CANCELLED, order.status
        assert pay_events == 0
        [(reason, amount, status, out_request_no)] = refunds
        assert (reason, amount, status) == (
            GatewayRefund.Reason.LATE_PAYMENT,
            Decimal("199.00"),
            GatewayRefund.Status.SUCCEEDED,
        )
        assert at_gateway == {out_request_no: "199.00"}
    return order.status


def test_the_payment_timeout_race_never_loses_or_doubles_money():
    # Staggered by a few milliseconds a round, so that the timer meets the payment at
    # every step of its way (verifying, storing, applying).
    outcomes = [race_the_timer(timer_delay=0.004 * n) for n in range(10)]

    assert set(outcomes) <= {Order.Status.PAID, Order.Status.CANCELLED}
    assert not GatewayRefund.objects.exclude(reason=GatewayRefund.Reason.LATE_PAYMENT).exists()
    print("timeout race outcomes:", {status: outcomes.count(status) for status in set(outcomes)})


def test_closing_stale_attempts_and_applying_a_paid_callback_at_once_do_not_deadlock(
    monkeypatch, stored_only
):
    """An order of the checkout was just cancelled (its after-commit close of stale
    attempts runs) while the paid notify of the attempt is applied. Both must take their
    locks in one order, else PostgreSQL aborts one of them as a deadlock."""
    checkout = placed_checkout("199.00", "88.50")
    payment, body = alipay_paid(checkout)
    with stored_only():
        callback = services.record_callback(
            Method.ALIPAY,
            GatewayCallback.Kind.PAYMENT,
            get_gateway(Method.ALIPAY).parse_callback(body, kind="payment"),
        )
    # The second order was cancelled; its after-commit close of stale attempts is what
    # runs below, so the cancel itself is written straight to the row.
    Order.objects.filter(pk=checkout.orders.order_by("pk")[1].pk).update(
        status=Order.Status.CANCELLED
    )
    # Hold the order locks a moment once taken, so that the two meet mid-way.
    amount_due_locked = services._amount_due_locked

    def slow_amount_due_locked(checkout):
        due = amount_due_locked(checkout)
        time.sleep(0.3)
        return due

    monkeypatch.setattr(services, "_amount_due_locked", slow_amount_due_locked)

    def apply_a_moment_later():
        time.sleep(0.05)  # the close takes the order locks first
        services.apply_callback(callback.pk)

    errors = run_together(
        lambda: services.close_stale_payments(checkout.pk),
        apply_a_moment_later,
    )

    assert errors == []
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    orders = list(checkout.orders.order_by("pk").values_list("status", flat=True))
    assert orders == [Order.Status.PAID, Order.Status.CANCELLED]
    refund = GatewayRefund.objects.get()
    assert (refund.reason, refund.amount) == (GatewayRefund.Reason.OVERPAID, Decimal("88.50"))
