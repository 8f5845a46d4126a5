"""The daily reconciliation: every gateway payment of a day is checked against the
gateway's own record (here the sandbox's books)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders.models import Order
from orders.numbers import CHINA
from payments import sandbox, services
from payments.gateways import GatewayError
from payments.gateways.alipay import AlipayGateway
from payments.models import Payment
from payments.tests.factories import placed_checkout

pytestmark = pytest.mark.django_db

CLIENT = services.Client(is_mobile=False, ip="203.0.113.9", site_url="https://ksmall.test")


def started(method: str = "alipay", *prices) -> Payment:
    checkout = placed_checkout(*(prices or ("199.00",)))
    payment, _ = services.start_payment(checkout, method=method, client=CLIENT)
    sandbox.open_trade(method, payment.out_trade_no, payment.amount, "demo")
    return payment


def today():
    return timezone.now().astimezone(CHINA).date()


@pytest.mark.parametrize("method", ["alipay", "wechat"])
def test_a_payment_the_site_missed_is_applied(method, django_capture_on_commit_callbacks):
    payment = started(method, "199.00", "50.00")
    sandbox.settle_trade(payment.out_trade_no, paid=True)  # paid, but no callback arrived

    with django_capture_on_commit_callbacks(execute=True):
        report = services.reconcile_day(today())

    assert report.applied == [payment.out_trade_no] and report.flagged == []
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert set(Order.objects.values_list("status", flat=True)) == {Order.Status.PAID}
    assert payment.callbacks.get().kind == "query"


def test_a_payment_paid_here_but_not_at_the_gateway_is_flagged():
    payment = started()
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.PAID)

    report = services.reconcile_day(today())

    assert report.flagged == [payment.out_trade_no]
    payment.refresh_from_db()
    assert (
        payment.is_flagged
        and "Reconciliation" in payment.flag_reason
        or "对账" in payment.flag_reason
    )


def test_agreeing_payments_change_nothing_and_other_days_are_not_checked():
    waiting = started()
    report = services.reconcile_day(today())
    assert (report.checked, report.applied, report.flagged) == (1, [], [])
    waiting.refresh_from_db()
    assert waiting.status == Payment.Status.PENDING and not waiting.is_flagged

    assert services.reconcile_day(today().replace(year=today().year - 1)).checked == 0


def test_a_gateway_that_does_not_answer_is_reported(monkeypatch):
    payment = started()

    def down(self, out_trade_no):
        raise GatewayError("timeout")

    monkeypatch.setattr(AlipayGateway, "query", down)
    report = services.reconcile_day(today())

    assert report.unanswered == [payment.out_trade_no]


def test_the_command_reconciles_a_given_day():
    payment = started()
    sandbox.settle_trade(payment.out_trade_no, paid=True)
    out = StringIO()

    call_command("reconcile_payments", "--date", today().isoformat(), stdout=out)

    assert "1 checked, 1 applied" in out.getvalue()
    assert payment.out_trade_no in out.getvalue()
