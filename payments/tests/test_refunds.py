"""Approved order refunds go back through the gateway the money came from (the sandbox's
books show it), and what goes wrong on the way is retried, flagged or finished by staff."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext

from accounts.tests.factories import StaffFactory
from notifications.models import Message
from orders.models import Order, Refund
from orders.services import approve_refund, request_refund
from orders.tests.factories import order_walked_to
from payments import errors, sandbox, services
from payments.gateways import GatewayError
from payments.gateways.alipay import AlipayGateway
from payments.gateways.wechat import WeChatGateway
from payments.models import GatewayRefund, Method, Payment
from payments.sandbox import alipay as sandbox_alipay
from payments.sandbox import wechat as sandbox_wechat
from payments.tests.factories import placed_checkout

pytestmark = pytest.mark.django_db

BROWSER = services.Client(is_mobile=False, ip="203.0.113.7", site_url="http://testserver")
REASON = "课程时间冲突，无法参加"
LATER = timedelta(minutes=6)  # past REFUND_RETRY_AFTER
GATEWAYS = {Method.ALIPAY: AlipayGateway, Method.WECHAT: WeChatGateway}
# The sandbox's refusal of a refund, in each gateway's words.
REFUSED = ("TRADE_STATUS_ERROR", "交易状态不合法")
REFUSAL_MESSAGES = {
    Method.ALIPAY: "ACQ.TRADE_STATUS_ERROR 交易状态不合法",
    Method.WECHAT: "ERROR 交易状态不合法",
}


@pytest.fixture
def paid_order(client, django_capture_on_commit_callbacks):
    """An order of ¥199.00 paid by ``method`` in the sandbox, its notify applied."""

    def paid_order(method: str = Method.ALIPAY) -> Order:
        checkout = placed_checkout("199.00")
        payment, _started = services.start_payment(checkout, method=method, client=BROWSER)
        if method == Method.ALIPAY:
            sandbox.open_trade(method, payment.out_trade_no, payment.amount, "KS Mall")
            trade = sandbox.settle_trade(payment.out_trade_no, paid=True)
            body, content_type = (
                sandbox_alipay.payment_notify(trade),
                "application/x-www-form-urlencoded",
            )
        else:
            trade = sandbox.settle_trade(payment.out_trade_no, paid=True)
            body, content_type = sandbox_wechat.payment_notify(trade, paid=True), "text/xml"
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/pay/notify/{method}/", data=body, content_type=content_type)
        assert response.status_code == 200
        order = checkout.orders.get()
        assert order.status == Order.Status.PAID
        return order

    return paid_order


@pytest.fixture
def approved(django_capture_on_commit_callbacks):
    """The buyer asks for ``amount`` back, the provider approves, and what approval queues
    after commit runs (the hand-over to payments, the gateway call)."""

    def approved(order: Order, amount: str = "199.00") -> Refund:
        refund = request_refund(order, by=order.buyer, amount=Decimal(amount), reason=REASON)
        with django_capture_on_commit_callbacks(execute=True):
            approve_refund(refund, by=order.provider)
        refund.refresh_from_db()
        return refund

    return approved


def refunded_at_sandbox(order: Order) -> dict:
    return sandbox.trade(services.paying_payment(order).out_trade_no).refunds


def seats_taken(order: Order) -> int:
    package = order.lines.get().package
    package.refresh_from_db()
    return package.reserved


@pytest.fixture
def allow_refunds(monkeypatch):
    """The sandbox refuses every refund until ``allow_refunds()`` (staff fixed the cause
    with the gateway)."""
    original = sandbox.refund_trade
    monkeypatch.setattr(sandbox, "refund_trade", lambda *args, **kwargs: REFUSED)
    return lambda: monkeypatch.setattr(sandbox, "refund_trade", original)


@pytest.fixture
def gateway_unreachable(monkeypatch):
    """Refund calls to ``method``'s gateway time out until the returned function is
    called."""
    restore = []

    def unreachable(method: str):
        gateway = GATEWAYS[method]
        original = gateway.refund

        def timed_out(self, **kwargs):
            raise GatewayError(f"{method} could not be reached: timed out")

        monkeypatch.setattr(gateway, "refund", timed_out)
        restore.append(lambda: monkeypatch.setattr(gateway, "refund", original))
        return lambda: restore.pop()()

    return unreachable


# ---- the money goes back ---------------------------------------------------------------------


@pytest.mark.parametrize("method", [Method.ALIPAY, Method.WECHAT])
def test_an_approved_refund_is_paid_back_through_the_gateway(method, paid_order, approved):
    order = paid_order(method)
    assert seats_taken(order) == 1

    refund = approved(order)

    gateway_refund = GatewayRefund.objects.get()
    assert gateway_refund.refund == refund
    assert gateway_refund.payment == services.paying_payment(order)
    assert gateway_refund.reason == GatewayRefund.Reason.ORDER_REFUND
    assert gateway_refund.amount == Decimal("199.00")
    assert gateway_refund.status == GatewayRefund.Status.SUCCEEDED
    assert gateway_refund.attempts == 1
    assert gateway_refund.gateway_refund_no
    assert gateway_refund.succeeded_at is not None
    assert refund.status == Refund.Status.REFUNDED
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert seats_taken(order) == 0
    assert refunded_at_sandbox(order) == {gateway_refund.out_request_no: "199.00"}
    assert Message.objects.filter(user=order.buyer, event="order_refunded").count() == 1


@pytest.mark.parametrize("method", [Method.ALIPAY, Method.WECHAT])
def test_a_partial_refund_leaves_the_order_paid(method, paid_order, approved):
    order = paid_order(method)

    refund = approved(order, "50.00")

    gateway_refund = GatewayRefund.objects.get()
    assert gateway_refund.status == GatewayRefund.Status.SUCCEEDED
    assert gateway_refund.amount == Decimal("50.00")
    assert refund.status == Refund.Status.REFUNDED
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert seats_taken(order) == 1
    assert refunded_at_sandbox(order) == {gateway_refund.out_request_no: "50.00"}


# ---- the gateway refuses ---------------------------------------------------------------------


@pytest.mark.parametrize("method", [Method.ALIPAY, Method.WECHAT])
def test_a_refused_refund_is_failed_and_flagged_and_staff_retry_it(
    method, paid_order, approved, allow_refunds, django_capture_on_commit_callbacks
):
    staff = StaffFactory()
    order = paid_order(method)

    refund = approved(order)

    gateway_refund = GatewayRefund.objects.get()
    assert gateway_refund.status == GatewayRefund.Status.FAILED
    assert gateway_refund.last_error == REFUSAL_MESSAGES[method]
    payment = gateway_refund.payment
    payment.refresh_from_db()
    assert payment.is_flagged is True
    assert gateway_refund.out_request_no in payment.flag_reason
    assert REFUSAL_MESSAGES[method] in payment.flag_reason
    assert Message.objects.filter(user=staff, event="payment_flagged").count() == 1
    assert refund.status == Refund.Status.APPROVED
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert refunded_at_sandbox(order) == {}

    allow_refunds()
    with django_capture_on_commit_callbacks(execute=True):
        services.retry_refund(gateway_refund, by=staff)

    gateway_refund.refresh_from_db()
    assert gateway_refund.status == GatewayRefund.Status.SUCCEEDED
    assert gateway_refund.last_error == ""
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REFUNDED
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert refunded_at_sandbox(order) == {gateway_refund.out_request_no: "199.00"}


def test_staff_retry_a_failed_refund_from_the_admin(
    client, paid_order, approved, allow_refunds, django_capture_on_commit_callbacks
):
    order = paid_order()
    refund = approved(order)
    gateway_refund = GatewayRefund.objects.get()
    assert gateway_refund.status == GatewayRefund.Status.FAILED
    client.force_login(StaffFactory(is_superuser=True))

    allow_refunds()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/payments/gatewayrefund/",
            {"action": "retry", "_selected_action": [gateway_refund.pk]},
        )

    assert response.status_code == 302
    gateway_refund.refresh_from_db()
    assert gateway_refund.status == GatewayRefund.Status.SUCCEEDED
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REFUNDED
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


def test_only_staff_retry_a_refund(paid_order, approved, allow_refunds):
    order = paid_order()
    approved(order)
    gateway_refund = GatewayRefund.objects.get()

    with pytest.raises(errors.PaymentError):
        services.retry_refund(gateway_refund, by=order.buyer)
    with pytest.raises(errors.PaymentError):
        services.mark_refunded_offline(gateway_refund, by=order.provider)

    gateway_refund.refresh_from_db()
    assert gateway_refund.status == GatewayRefund.Status.FAILED


# ---- the gateway cannot be reached -----------------------------------------------------------


@pytest.mark.parametrize("method", [Method.ALIPAY, Method.WECHAT])
def test_an_unreachable_gateway_leaves_the_refund_pending_for_the_sweep(
    method, paid_order, approved, gateway_unreachable, django_capture_on_commit_callbacks
):
    order = paid_order(method)
    reachable = gateway_unreachable(method)

    refund = approved(order)

    gateway_refund = GatewayRefund.objects.get()
    assert gateway_refund.status == GatewayRefund.Status.PENDING
    assert gateway_refund.attempts == 1
    assert gateway_refund.last_error == f"{method} could not be reached: timed out"
    assert gateway_refund.payment.is_flagged is False
    assert refund.status == Refund.Status.APPROVED
    assert services.retry_pending_refunds(now=timezone.now()) == 0  # tried a moment ago

    reachable()
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.retry_pending_refunds(now=timezone.now() + LATER)

    assert sent == 1
    gateway_refund.refresh_from_db()
    assert gateway_refund.status == GatewayRefund.Status.SUCCEEDED
    assert gateway_refund.attempts == 2
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REFUNDED
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert refunded_at_sandbox(order) == {gateway_refund.out_request_no: "199.00"}


def test_a_refund_that_never_gets_through_fails_after_the_last_attempt(
    paid_order, approved, gateway_unreachable, django_capture_on_commit_callbacks
):
    order = paid_order()
    gateway_unreachable(Method.ALIPAY)
    refund = approved(order)
    GatewayRefund.objects.update(attempts=services.REFUND_MAX_ATTEMPTS - 1)

    with django_capture_on_commit_callbacks(execute=True):
        services.retry_pending_refunds(now=timezone.now() + LATER)

    gateway_refund = GatewayRefund.objects.get()
    assert gateway_refund.attempts == services.REFUND_MAX_ATTEMPTS
    assert gateway_refund.status == GatewayRefund.Status.FAILED
    assert gateway_refund.last_error == "alipay could not be reached: timed out"
    assert Payment.objects.get().is_flagged is True
    refund.refresh_from_db()
    assert refund.status == Refund.Status.APPROVED
    assert refunded_at_sandbox(order) == {}


def test_an_approved_refund_whose_hand_over_was_lost_is_picked_up_by_the_sweep(
    paid_order, django_capture_on_commit_callbacks
):
    order = paid_order()
    refund = request_refund(order, by=order.buyer, amount=Decimal("199.00"), reason=REASON)
    approve_refund(refund, by=order.provider)  # its after-commit signal never ran
    assert not GatewayRefund.objects.exists()
    services.retry_pending_refunds(now=timezone.now())
    assert not GatewayRefund.objects.exists()  # approved a moment ago: not lost yet

    with django_capture_on_commit_callbacks(execute=True):
        services.retry_pending_refunds(now=timezone.now() + LATER)

    gateway_refund = GatewayRefund.objects.get()
    assert gateway_refund.refund == refund
    assert gateway_refund.status == GatewayRefund.Status.SUCCEEDED
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REFUNDED
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert refunded_at_sandbox(order) == {gateway_refund.out_request_no: "199.00"}


# ---- no gateway to refund at -----------------------------------------------------------------


def test_a_bank_transfer_is_refunded_by_staff_outside_the_gateway(
    media_root, approved, django_capture_on_commit_callbacks
):
    staff = StaffFactory()
    checkout = placed_checkout("199.00")
    payment, _started = services.start_payment(checkout, method=Method.BANK, client=BROWSER)
    voucher = services.submit_voucher(
        payment,
        by=checkout.buyer,
        file=SimpleUploadedFile("receipt.pdf", b"%PDF-1.4\n%%EOF\n"),
        payer_name="杭州知学教育科技有限公司",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_transfer(voucher, by=staff)
    order = checkout.orders.get()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID

    refund = approved(order)

    gateway_refund = GatewayRefund.objects.get()
    assert gateway_refund.payment == payment
    assert gateway_refund.status == GatewayRefund.Status.FAILED
    assert gateway_refund.last_error == gettext(
        "A bank transfer is refunded by a transfer back to the payer's account: "
        "send it, then mark this refund as refunded."
    )
    payment.refresh_from_db()
    assert payment.is_flagged is True
    assert refund.status == Refund.Status.APPROVED

    with django_capture_on_commit_callbacks(execute=True):
        services.mark_refunded_offline(gateway_refund, by=staff)

    gateway_refund.refresh_from_db()
    assert gateway_refund.status == GatewayRefund.Status.SUCCEEDED
    assert staff.display_name in gateway_refund.last_error
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REFUNDED
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert Message.objects.filter(user=order.buyer, event="order_refunded").count() == 1


def test_an_order_paid_without_a_payment_record_is_settled_at_once(approved):
    order = order_walked_to("paid")  # orders.services.mark_paid, no gateway involved

    refund = approved(order)

    assert refund.status == Refund.Status.REFUNDED
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert not GatewayRefund.objects.exists()
    assert not Payment.objects.exists()
