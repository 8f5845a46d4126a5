"""payments.services against the sandbox gateway: starting a payment, the callback inbox and
the rules by which money arriving pays orders (or goes back automatically), and the sweeps
that catch a lost task or a lost callback."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest
import xmltodict
from alipay.aop.api.util.SignatureUtils import sign_with_rsa2
from django.conf import settings
from django.utils import timezone
from wechatpy.pay.utils import calculate_signature, dict_to_xml

from accounts.tests.factories import StaffFactory
from notifications.models import Message
from orders.models import Order, OrderEvent
from orders.services import cancel_expired_orders, cancel_order
from payments import errors, sandbox, services
from payments.gateways import get_gateway
from payments.gateways.alipay import sign_content
from payments.models import GatewayCallback, GatewayRefund, Method, Payment, SandboxTrade
from payments.sandbox import alipay as sandbox_alipay
from payments.sandbox import wechat as sandbox_wechat
from payments.tests.factories import placed_checkout

pytestmark = pytest.mark.django_db

BROWSER = services.Client(is_mobile=False, ip="203.0.113.7", site_url="http://testserver")
PAID = Order.Status.PAID
PENDING = Order.Status.PENDING_PAYMENT
CANCELLED = Order.Status.CANCELLED


# ---- helpers ---------------------------------------------------------------------------------


def start(checkout, method: str = Method.ALIPAY) -> Payment:
    payment, _started = services.start_payment(checkout, method=method, client=BROWSER)
    return payment


def paid_at_gateway(payment: Payment) -> SandboxTrade:
    """The payer pays ``payment`` on the sandbox cashier (Alipay's trade is opened when the
    payer reaches the cashier, WeChat's when the site asked for the QR code)."""
    if payment.method == Method.ALIPAY:
        sandbox.open_trade(payment.method, payment.out_trade_no, payment.amount, "KS Mall")
    return sandbox.settle_trade(payment.out_trade_no, paid=True)


def notify_body(trade: SandboxTrade, *, paid: bool = True) -> bytes:
    if trade.method == Method.ALIPAY:
        return sandbox_alipay.payment_notify(trade)
    return sandbox_wechat.payment_notify(trade, paid=paid)


def post_notify(client, method: str, body: bytes):
    content_type = "application/x-www-form-urlencoded" if method == Method.ALIPAY else "text/xml"
    return client.post(f"/pay/notify/{method}/", data=body, content_type=content_type)


def resigned_alipay(body: bytes, **changes: str) -> bytes:
    """An Alipay notify with ``changes``, signed again with the sandbox's "Alipay" key: a
    genuine message that says something else."""
    params = dict(parse_qsl(body.decode(), keep_blank_values=True)) | changes
    params["sign"] = sign_with_rsa2(
        sandbox.keys()["alipay_private_key"], sign_content(params), "utf-8"
    )
    return urlencode(params).encode()


def resigned_wechat(body: bytes, **changes: str) -> bytes:
    fields = dict(xmltodict.parse(body)["xml"])
    fields.pop("sign")
    fields |= changes
    return dict_to_xml(
        fields, calculate_signature(fields, sandbox.keys()["wechat_api_key"])
    ).encode()


def statuses(checkout) -> list[str]:
    return list(checkout.orders.order_by("pk").values_list("status", flat=True))


def messages(user, event: str) -> int:
    return Message.objects.filter(user=user, event=event).count()


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """POST a notify to the site and run what it queues after commit (the apply task, the
    refunds it sends, the messages)."""

    def deliver(method: str, body: bytes):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_notify(client, method, body)
        assert response.status_code == 200, response.content
        return response

    return deliver


@pytest.fixture
def pay(deliver):
    """The payer pays ``payment`` in the sandbox and its gateway notifies the site."""

    def pay(payment: Payment) -> SandboxTrade:
        trade = paid_at_gateway(payment)
        deliver(payment.method, notify_body(trade))
        return trade

    return pay


# ---- starting a payment ----------------------------------------------------------------------


def test_a_payment_asks_for_the_amount_due_of_all_the_orders():
    checkout = placed_checkout("199.00", "88.50")

    payment, started = services.start_payment(checkout, method=Method.ALIPAY, client=BROWSER)

    assert payment.amount == Decimal("287.50") == checkout.amount_due
    assert payment.status == Payment.Status.PENDING
    assert payment.channel == Payment.Channel.PAGE
    assert payment.out_trade_no == f"{checkout.payment_no}A01"
    assert started.redirect_url.startswith(f"/pay/sandbox/{checkout.payment_no}/?")
    payment.refresh_from_db()
    assert payment.is_sandbox is True
    assert payment.payer_ip == "203.0.113.7"


def test_the_same_method_chosen_again_reuses_the_open_attempt():
    checkout = placed_checkout("199.00")

    first = start(checkout, Method.ALIPAY)
    again = start(checkout, Method.ALIPAY)

    assert again.pk == first.pk
    assert again.out_trade_no == first.out_trade_no
    assert Payment.objects.count() == 1
    assert Payment.objects.get().status == Payment.Status.PENDING


def test_another_method_closes_the_older_attempt_at_its_gateway(
    django_capture_on_commit_callbacks,
):
    checkout = placed_checkout("199.00")
    wechat = start(checkout, Method.WECHAT)
    assert sandbox.trade(wechat.out_trade_no).status == SandboxTrade.Status.WAITING

    with django_capture_on_commit_callbacks(execute=True):
        alipay = start(checkout, Method.ALIPAY)

    wechat.refresh_from_db()
    assert wechat.status == Payment.Status.CLOSED
    assert wechat.closed_at is not None
    assert sandbox.trade(wechat.out_trade_no).status == SandboxTrade.Status.CLOSED
    assert alipay.pk != wechat.pk
    assert alipay.out_trade_no == f"{checkout.payment_no}A02" != wechat.out_trade_no
    assert alipay.status == Payment.Status.PENDING
    assert alipay.amount == wechat.amount == Decimal("199.00")


def test_after_an_order_is_cancelled_a_new_attempt_asks_for_the_new_amount_due(
    django_capture_on_commit_callbacks,
):
    checkout = placed_checkout("199.00", "88.50")
    first = start(checkout)
    second_order = checkout.orders.order_by("pk")[1]

    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(second_order, by=checkout.buyer)
    first.refresh_from_db()
    assert first.status == Payment.Status.CLOSED  # its amount is no longer what is due
    again = start(checkout)

    assert again.pk != first.pk
    assert again.amount == Decimal("199.00")
    assert again.out_trade_no != first.out_trade_no
    assert again.status == Payment.Status.PENDING


def test_nothing_to_pay_is_refused():
    checkout = placed_checkout("199.00")
    cancel_order(checkout.orders.get(), by=checkout.buyer)

    with pytest.raises(errors.NothingToPay):
        start(checkout)
    assert not Payment.objects.exists()


def test_a_paid_checkout_has_nothing_to_pay(pay):
    checkout = placed_checkout("199.00")
    pay(start(checkout))

    with pytest.raises(errors.NothingToPay):
        start(checkout, Method.WECHAT)
    assert Payment.objects.count() == 1


def test_paying_after_the_deadline_is_refused():
    checkout = placed_checkout("199.00")
    type(checkout).objects.filter(pk=checkout.pk).update(
        pay_deadline=timezone.now() - timedelta(minutes=1)
    )

    with pytest.raises(errors.PaymentExpired):
        start(checkout)
    assert not Payment.objects.exists()


def test_a_bank_transfer_keeps_the_orders_for_72_hours():
    checkout = placed_checkout("199.00", "88.50")
    before = timezone.now()

    payment, started = services.start_payment(checkout, method=Method.BANK, client=BROWSER)

    after = timezone.now()
    checkout.refresh_from_db()
    hours = timedelta(hours=settings.BANK_TRANSFER_HOURS)
    assert settings.BANK_TRANSFER_HOURS == 72
    assert before + hours <= checkout.pay_deadline <= after + hours
    assert started.redirect_url == f"/pay/{checkout.payment_no}/transfer/"
    assert payment.method == Method.BANK
    assert payment.channel == Payment.Channel.TRANSFER
    assert payment.amount == Decimal("287.50")
    assert payment.is_sandbox is False
    assert not SandboxTrade.objects.exists()


# ---- one payment, several providers ----------------------------------------------------------


def test_one_payment_pays_the_orders_of_three_providers(pay):
    checkout = placed_checkout("199.00", "88.50", "45.00")
    orders = list(checkout.orders.order_by("pk"))
    assert len({order.provider_id for order in orders}) == 3
    payment = start(checkout)

    trade = pay(payment)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.paid_at is not None
    assert payment.gateway_trade_no == trade.trade_no
    assert statuses(checkout) == [PAID, PAID, PAID]
    for order in orders:
        assert OrderEvent.objects.filter(order=order, event="pay").count() == 1
        assert messages(order.provider, "order_received") == 1
    assert messages(checkout.buyer, "order_paid") == 3
    callback = GatewayCallback.objects.get()
    assert callback.kind == GatewayCallback.Kind.PAYMENT
    assert callback.outcome == GatewayCallback.Outcome.APPLIED
    assert callback.payment == payment
    assert not GatewayRefund.objects.exists()


# ---- the rules of a paid callback ------------------------------------------------------------


def test_an_amount_other_than_asked_is_flagged_and_pays_nothing(deliver):
    staff = StaffFactory()
    checkout = placed_checkout("199.00", "88.50")
    payment = start(checkout)
    # The gateway says 1.00 was paid on the trade: genuine, but not what was asked.
    sandbox.open_trade(Method.ALIPAY, payment.out_trade_no, Decimal("1.00"), "KS Mall")
    trade = sandbox.settle_trade(payment.out_trade_no, paid=True)

    deliver(Method.ALIPAY, notify_body(trade))

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert payment.is_flagged is True
    assert "1.00" in payment.flag_reason and "287.50" in payment.flag_reason
    assert statuses(checkout) == [PENDING, PENDING]
    assert GatewayCallback.objects.get().outcome == GatewayCallback.Outcome.FLAGGED
    assert not GatewayRefund.objects.exists()
    assert messages(staff, "payment_flagged") == 1


def test_another_app_id_is_flagged_and_pays_nothing(deliver):
    checkout = placed_checkout("199.00")
    payment = start(checkout)
    trade = paid_at_gateway(payment)
    body = resigned_alipay(notify_body(trade), app_id="2021000000009999")

    deliver(Method.ALIPAY, body)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert payment.is_flagged is True
    assert "2021000000009999" in payment.flag_reason
    assert statuses(checkout) == [PENDING]
    assert GatewayCallback.objects.get().outcome == GatewayCallback.Outcome.FLAGGED
    assert not GatewayRefund.objects.exists()


def test_another_currency_is_flagged_and_pays_nothing(deliver):
    checkout = placed_checkout("199.00")
    payment = start(checkout, Method.WECHAT)
    trade = paid_at_gateway(payment)
    body = resigned_wechat(notify_body(trade), fee_type="USD")

    deliver(Method.WECHAT, body)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert payment.is_flagged is True
    assert "USD" in payment.flag_reason
    assert statuses(checkout) == [PENDING]
    callback = GatewayCallback.objects.get()
    assert callback.currency == "USD"
    assert callback.outcome == GatewayCallback.Outcome.FLAGGED


def test_a_later_statement_of_a_paid_payment_changes_nothing(pay, deliver):
    checkout = placed_checkout("199.00", "88.50")
    payment = start(checkout)
    trade = pay(payment)

    # Alipay sends TRADE_FINISHED when the trade can no longer be refunded.
    deliver(Method.ALIPAY, resigned_alipay(notify_body(trade), trade_status="TRADE_FINISHED"))

    finished = GatewayCallback.objects.get(event_key="TRADE_FINISHED")
    assert finished.outcome == GatewayCallback.Outcome.UNCHANGED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.is_flagged is False
    assert statuses(checkout) == [PAID, PAID]
    assert OrderEvent.objects.filter(order__checkout=checkout, event="pay").count() == 2
    assert not GatewayRefund.objects.exists()


def test_the_same_notify_twice_is_stored_once_and_applied_once(deliver):
    checkout = placed_checkout("199.00")
    trade = paid_at_gateway(start(checkout))
    body = notify_body(trade)

    deliver(Method.ALIPAY, body)
    deliver(Method.ALIPAY, body)

    callback = GatewayCallback.objects.get()
    assert callback.repeats == 1
    assert callback.attempts == 1
    assert OrderEvent.objects.filter(order__checkout=checkout, event="pay").count() == 1
    assert messages(checkout.buyer, "order_paid") == 1


def test_orders_cancelled_meanwhile_stay_cancelled_and_the_money_goes_back(deliver):
    checkout = placed_checkout("199.00", "88.50")
    payment = start(checkout)
    trade = paid_at_gateway(payment)
    for order in checkout.orders.all():
        cancel_order(order, by=checkout.buyer)

    deliver(Method.ALIPAY, notify_body(trade))

    assert statuses(checkout) == [CANCELLED, CANCELLED]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    refund = GatewayRefund.objects.get()
    assert refund.payment == payment
    assert refund.reason == GatewayRefund.Reason.LATE_PAYMENT
    assert refund.amount == Decimal("287.50")
    assert refund.status == GatewayRefund.Status.SUCCEEDED
    assert sandbox.trade(payment.out_trade_no).refunds == {refund.out_request_no: "287.50"}
    assert messages(checkout.buyer, "payment_returned") == 1
    assert not OrderEvent.objects.filter(order__checkout=checkout, event="pay").exists()


def test_paying_twice_returns_the_second_payment(pay, deliver):
    checkout = placed_checkout("199.00", "88.50")
    alipay = start(checkout, Method.ALIPAY)
    alipay_trade = paid_at_gateway(alipay)  # paid, but its notify is late
    wechat = start(checkout, Method.WECHAT)  # the payer paid again with WeChat
    pay(wechat)
    assert statuses(checkout) == [PAID, PAID]

    deliver(Method.ALIPAY, notify_body(alipay_trade))

    alipay.refresh_from_db()
    wechat.refresh_from_db()
    assert wechat.status == alipay.status == Payment.Status.PAID
    refund = GatewayRefund.objects.get()
    assert refund.payment == alipay
    assert refund.reason == GatewayRefund.Reason.DUPLICATE
    assert refund.amount == Decimal("287.50")
    assert refund.status == GatewayRefund.Status.SUCCEEDED
    assert sandbox.trade(alipay.out_trade_no).refunds == {refund.out_request_no: "287.50"}
    assert sandbox.trade(wechat.out_trade_no).refunds == {}
    assert OrderEvent.objects.filter(order__checkout=checkout, event="pay").count() == 2
    assert messages(checkout.buyer, "payment_returned") == 1


def test_when_part_of_the_orders_was_cancelled_the_rest_is_paid_and_the_excess_returned(deliver):
    checkout = placed_checkout("199.00", "88.50")
    payment = start(checkout)
    trade = paid_at_gateway(payment)  # 287.50 paid at the gateway ...
    cancel_order(checkout.orders.order_by("pk")[1], by=checkout.buyer)  # ... as 88.50 is cancelled

    deliver(Method.ALIPAY, notify_body(trade))

    assert statuses(checkout) == [PAID, CANCELLED]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    refund = GatewayRefund.objects.get()
    assert refund.reason == GatewayRefund.Reason.OVERPAID
    assert refund.amount == Decimal("88.50")
    assert refund.status == GatewayRefund.Status.SUCCEEDED
    assert sandbox.trade(payment.out_trade_no).refunds == {refund.out_request_no: "88.50"}
    assert messages(checkout.buyer, "payment_returned") == 1
    assert messages(checkout.buyer, "order_paid") == 1


def test_a_payment_after_the_timer_cancelled_the_orders_is_returned_once(
    deliver, django_capture_on_commit_callbacks
):
    checkout = placed_checkout("199.00", "88.50")
    payment = start(checkout)
    trade = paid_at_gateway(payment)  # paid at the last second; the notify is on its way

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = cancel_expired_orders(now=checkout.pay_deadline + timedelta(minutes=1))
    deliver(Method.ALIPAY, notify_body(trade))

    assert cancelled == 2
    assert statuses(checkout) == [CANCELLED, CANCELLED]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    refund = GatewayRefund.objects.get()
    assert refund.reason == GatewayRefund.Reason.LATE_PAYMENT
    assert refund.amount == Decimal("287.50")
    assert refund.status == GatewayRefund.Status.SUCCEEDED
    assert sandbox.trade(payment.out_trade_no).refunds == {refund.out_request_no: "287.50"}
    assert messages(checkout.buyer, "payment_returned") == 1
    assert messages(checkout.buyer, "order_cancelled") == 2
    assert not OrderEvent.objects.filter(order__checkout=checkout, event="pay").exists()
    # Closing the trade found it paid and asked the gateway; the notify came second.
    assert dict(GatewayCallback.objects.values_list("event_key", "outcome")) == {
        "query:TRADE_SUCCESS": GatewayCallback.Outcome.APPLIED,
        "TRADE_SUCCESS": GatewayCallback.Outcome.UNCHANGED,
    }


def test_a_notify_after_a_lost_close_still_returns_the_late_payment(deliver):
    checkout = placed_checkout("199.00")
    payment = start(checkout)
    trade = paid_at_gateway(payment)
    # The timer's after-commit work (closing the trade) never ran: only the notify tells.
    cancel_expired_orders(now=checkout.pay_deadline + timedelta(minutes=1))

    deliver(Method.ALIPAY, notify_body(trade))

    assert statuses(checkout) == [CANCELLED]
    refund = GatewayRefund.objects.get()
    assert refund.reason == GatewayRefund.Reason.LATE_PAYMENT
    assert refund.amount == Decimal("199.00")
    assert refund.status == GatewayRefund.Status.SUCCEEDED
    assert messages(checkout.buyer, "payment_returned") == 1


def test_a_failed_payment_notify_marks_the_attempt_failed(deliver):
    checkout = placed_checkout("199.00")
    payment = start(checkout, Method.WECHAT)
    trade = sandbox.settle_trade(payment.out_trade_no, paid=False)

    deliver(Method.WECHAT, notify_body(trade, paid=False))

    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert statuses(checkout) == [PENDING]
    callback = GatewayCallback.objects.get()
    assert callback.status == "failed"
    assert callback.outcome == GatewayCallback.Outcome.APPLIED


# ---- the inbox -------------------------------------------------------------------------------


def test_applying_a_callback_twice_changes_things_once(client, django_capture_on_commit_callbacks):
    checkout = placed_checkout("199.00", "88.50")
    trade = paid_at_gateway(start(checkout))
    post_notify(client, Method.ALIPAY, notify_body(trade))  # stored; its task not run
    callback = GatewayCallback.objects.get()
    assert callback.applied_at is None

    with django_capture_on_commit_callbacks(execute=True):
        first = services.apply_callback(callback.pk)
        second = services.apply_callback(callback.pk)

    assert first == second == GatewayCallback.Outcome.APPLIED
    callback.refresh_from_db()
    assert callback.attempts == 1
    assert statuses(checkout) == [PAID, PAID]
    assert OrderEvent.objects.filter(order__checkout=checkout, event="pay").count() == 2
    assert messages(checkout.buyer, "order_paid") == 2


def test_the_sweep_applies_a_callback_whose_task_never_ran(django_capture_on_commit_callbacks):
    checkout = placed_checkout("199.00")
    trade = paid_at_gateway(start(checkout))
    notice = get_gateway(Method.ALIPAY).parse_callback(notify_body(trade), kind="payment")
    callback = services.record_callback(Method.ALIPAY, GatewayCallback.Kind.PAYMENT, notice)

    assert services.apply_pending_callbacks(now=timezone.now()) == 0  # not a minute old yet
    with django_capture_on_commit_callbacks(execute=True):
        applied = services.apply_pending_callbacks(now=timezone.now() + timedelta(minutes=2))

    assert applied == 1
    callback.refresh_from_db()
    assert callback.outcome == GatewayCallback.Outcome.APPLIED
    assert statuses(checkout) == [PAID]
    assert services.apply_pending_callbacks(now=timezone.now() + timedelta(minutes=3)) == 0


# ---- asking the gateway ----------------------------------------------------------------------


def test_a_payment_without_a_callback_is_found_by_asking_the_gateway(
    django_capture_on_commit_callbacks,
):
    checkout = placed_checkout("199.00", "88.50")
    payment = start(checkout)
    paid_at_gateway(payment)  # the notify was lost
    assert services.query_pending_payments(now=timezone.now()) == 0  # too young to ask

    with django_capture_on_commit_callbacks(execute=True):
        asked = services.query_pending_payments(now=timezone.now() + timedelta(minutes=6))

    assert asked == 1
    assert statuses(checkout) == [PAID, PAID]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.last_queried_at is not None
    callback = GatewayCallback.objects.get()
    assert callback.kind == GatewayCallback.Kind.QUERY
    assert callback.event_key == "query:TRADE_SUCCESS"
    assert callback.outcome == GatewayCallback.Outcome.APPLIED
    assert not GatewayRefund.objects.exists()


def test_a_payment_asked_about_within_the_last_minute_is_not_asked_again():
    checkout = placed_checkout("199.00")
    payment = start(checkout)
    paid_at_gateway(payment)
    later = timezone.now() + timedelta(minutes=6)
    Payment.objects.filter(pk=payment.pk).update(last_queried_at=later - timedelta(seconds=30))

    assert services.query_pending_payments(now=later) == 0

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert not GatewayCallback.objects.exists()
    assert statuses(checkout) == [PENDING]
