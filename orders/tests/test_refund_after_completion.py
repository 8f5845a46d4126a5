"""Staff refund a completed order (the platform decides a complaint): through the service
and the admin form, paid back at the sandbox gateway, the provider's settlement debited for
their share (the ledger still adds up), the learner's and provider's pages showing it, and
every refused case changing nothing."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from accounts.tests.factories import StaffFactory, UserFactory
from notifications.models import Message
from orders import errors, services, settlement
from orders.models import LedgerEntry, Order, OrderEvent, Refund
from orders.states import Event, Role, Status
from orders.tests.factories import order_walked_to
from payments import sandbox
from payments import services as payments
from payments.models import GatewayRefund, Method
from payments.sandbox import alipay as sandbox_alipay
from payments.tests.factories import placed_checkout

pytestmark = pytest.mark.django_db

BROWSER = payments.Client(is_mobile=False, ip="203.0.113.7", site_url="http://testserver")
REASON = "投诉成立：讲师缺席两次课，平台决定退款"
Kind = LedgerEntry.Kind


@pytest.fixture
def completed_order(client, django_capture_on_commit_callbacks):
    """An order of ``price`` paid by Alipay in the sandbox (its notify applied), then
    delivered and confirmed by the learner: completed, its provider credited."""

    def completed_order(price: str = "99.99") -> Order:
        checkout = placed_checkout(price)
        payment, _start = payments.start_payment(checkout, method=Method.ALIPAY, client=BROWSER)
        sandbox.open_trade(Method.ALIPAY, payment.out_trade_no, payment.amount, "KS Mall")
        trade = sandbox.settle_trade(payment.out_trade_no, paid=True)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/pay/notify/alipay/",
                data=sandbox_alipay.payment_notify(trade),
                content_type="application/x-www-form-urlencoded",
            )
        assert response.status_code == 200
        order = checkout.orders.get()
        if order.status == Status.PAID:
            services.accept_order(order, by=order.provider, schedule="周六 19:00 腾讯会议")
        if order.status == Status.AWAITING_SERVICE:
            services.start_order(order, by=order.provider)
        services.confirm_order(order, by=order.buyer)
        order.refresh_from_db()
        assert order.status == Status.COMPLETED
        return order

    return completed_order


@pytest.fixture
def refund_paid_back(django_capture_on_commit_callbacks):
    """Staff refund ``amount`` of ``order``, and what leaves after commit runs (payments
    refunds at the sandbox gateway, which completes the refund)."""

    def refund_paid_back(order: Order, amount: str, *, by=None) -> Refund:
        with django_capture_on_commit_callbacks(execute=True):
            refund = services.refund_completed_order(
                order, by=by or StaffFactory(), amount=Decimal(amount), reason=REASON
            )
        refund.refresh_from_db()
        order.refresh_from_db()
        return refund

    return refund_paid_back


def refunded_at_sandbox(order: Order) -> dict:
    return sandbox.trade(payments.paying_payment(order).out_trade_no).refunds


def seats_taken(order: Order) -> int:
    package = order.lines.get().package
    package.refresh_from_db()
    return package.reserved


def ledger_sum(provider_id: int) -> Decimal:
    sums = dict(
        LedgerEntry.objects.filter(provider_id=provider_id)
        .values_list("kind")
        .annotate(s=Sum("amount"))
    )
    zero = Decimal("0.00")
    return sums.get(Kind.CREDIT, zero) - sums.get(Kind.DEBIT, zero) - sums.get(Kind.PAYOUT, zero)


def assert_ledger_adds_up(provider_id: int) -> None:
    balance = settlement.provider_balance(provider_id)
    last = LedgerEntry.objects.filter(provider_id=provider_id).order_by("-pk").first()
    assert ledger_sum(provider_id) == balance == last.balance_after


# ---- the service, paid back at the gateway ---------------------------------------------------


def test_a_full_refund_pays_everything_back_and_debits_the_whole_credit(
    completed_order, refund_paid_back
):
    order = completed_order("99.99")
    assert settlement.provider_balance(order.provider_id) == Decimal("89.99")
    staff = StaffFactory()

    refund = refund_paid_back(order, "99.99", by=staff)

    assert refund.kind == Refund.Kind.AFTER_COMPLETION
    assert refund.status == Refund.Status.REFUNDED
    assert (refund.requested_by, refund.decided_by, refund.decision_note) == (staff, staff, REASON)
    gateway_refund = GatewayRefund.objects.get(refund=refund)
    assert gateway_refund.status == GatewayRefund.Status.SUCCEEDED
    assert refunded_at_sandbox(order) == {gateway_refund.out_request_no: "99.99"}
    assert order.status == Status.REFUNDED and order.refunded_at is not None
    event = OrderEvent.objects.get(order=order, event=Event.REFUND)
    assert (event.from_status, event.to_status, event.actor_role) == (
        Status.COMPLETED,
        Status.REFUNDED,
        Role.SYSTEM,
    )
    debit = LedgerEntry.objects.get(refund=refund)
    assert (debit.kind, debit.amount, debit.order) == (Kind.DEBIT, Decimal("89.99"), order)
    assert order.order_no in debit.note and "¥99.99" in debit.note
    assert settlement.provider_balance(order.provider_id) == Decimal("0.00")
    assert_ledger_adds_up(order.provider_id)
    told = Message.objects.filter(user=order.buyer).values_list("event", flat=True)
    assert {"refund_approved", "order_refunded"} <= set(told)
    [to_provider] = Message.objects.filter(user=order.provider, event="platform_refunded")
    assert to_provider.context["amount"] == "¥99.99"
    assert to_provider.url == f"/dashboard/orders/{order.order_no}/"


def test_a_completed_order_keeps_its_seats_when_refunded(completed_order, refund_paid_back):
    order = completed_order()
    assert seats_taken(order) == 1

    refund_paid_back(order, str(order.total))

    assert order.status == Status.REFUNDED
    assert seats_taken(order) == 1
    assert order.seats_released is False


def test_partial_refunds_leave_the_order_completed_until_nothing_is_left(
    completed_order, refund_paid_back
):
    order = completed_order("99.99")

    first = refund_paid_back(order, "33.33")

    assert first.status == Refund.Status.REFUNDED
    assert order.status == Status.COMPLETED
    # The provider's share, computed as the credit was: 33.33 less 3.33 commission.
    assert LedgerEntry.objects.get(refund=first).amount == Decimal("30.00")
    assert settlement.provider_balance(order.provider_id) == Decimal("59.99")
    assert_ledger_adds_up(order.provider_id)

    second = refund_paid_back(order, "66.66")

    assert order.status == Status.REFUNDED
    # 66.66 less 6.67 commission: the two debits take back exactly the credit.
    assert LedgerEntry.objects.get(refund=second).amount == Decimal("59.99")
    assert settlement.provider_balance(order.provider_id) == Decimal("0.00")
    assert_ledger_adds_up(order.provider_id)
    assert sorted(refunded_at_sandbox(order).values()) == ["33.33", "66.66"]


def test_a_refund_after_a_payout_takes_back_only_what_the_balance_holds(
    completed_order, refund_paid_back
):
    staff = StaffFactory()
    paid_out = completed_order("99.99")
    batch = settlement.create_payout_batch([paid_out.provider_id], by=staff)
    settlement.mark_batch_paid(batch, by=staff, bank_reference="ICBC-1")
    newer = order_walked_to(
        "completed", price=Decimal("20.00"), service__provider=paid_out.provider
    )
    assert settlement.provider_balance(paid_out.provider_id) == Decimal("18.00")

    refund = refund_paid_back(paid_out, "99.99", by=staff)

    debit = LedgerEntry.objects.get(refund=refund)
    assert debit.amount == Decimal("18.00")
    assert "¥71.99" in debit.note  # what could not be taken back
    assert settlement.provider_balance(newer.provider_id) == Decimal("0.00")
    assert_ledger_adds_up(paid_out.provider_id)


# ---- refused, and nothing changes ------------------------------------------------------------


def snapshot(order: Order) -> tuple:
    fresh = Order.objects.get(pk=order.pk)
    return (
        fresh.status,
        fresh.refunded_at,
        Refund.objects.count(),
        LedgerEntry.objects.count(),
        settlement.provider_balance(order.provider_id),
        Message.objects.filter(user=order.buyer).count(),
    )


def refused_unchanged(order: Order, capture, error=errors.RefundError, **kwargs) -> None:
    arguments = {"by": StaffFactory(), "amount": Decimal("10.00"), "reason": REASON, **kwargs}
    before = snapshot(order)
    with capture() as callbacks, pytest.raises(error):
        services.refund_completed_order(order, **arguments)
    assert callbacks == []
    assert snapshot(order) == before


@pytest.mark.parametrize("who", ["buyer", "provider", "learner", "inactive staff", "staff buyer"])
def test_only_staff_refund_a_completed_order(who, django_capture_on_commit_callbacks):
    order = order_walked_to("completed")
    if who == "staff buyer":
        order.buyer.is_staff = True
        order.buyer.save(update_fields=["is_staff"])
    by = {
        "buyer": order.buyer,
        "provider": order.provider,
        "learner": UserFactory(),
        "inactive staff": StaffFactory(is_active=False),
        "staff buyer": order.buyer,
    }[who]

    refused_unchanged(order, django_capture_on_commit_callbacks, errors.RefundNotAllowed, by=by)


@pytest.mark.parametrize("status", ["paid", "in_service"])
def test_an_order_not_completed_is_refused(status, django_capture_on_commit_callbacks):
    order = order_walked_to(status)

    refused_unchanged(order, django_capture_on_commit_callbacks, errors.RefundNotAllowed)


def test_a_refunded_order_is_refused(refund_paid_back, django_capture_on_commit_callbacks):
    order = order_walked_to("completed", price=Decimal("50.00"))
    refund_paid_back(order, "50.00")
    assert order.status == Status.REFUNDED

    refused_unchanged(order, django_capture_on_commit_callbacks, errors.RefundNotAllowed)


@pytest.mark.parametrize("amount", ["0", "0.00", "-1", "100.00", "99999999999"])
def test_an_amount_outside_what_is_left_is_refused(amount, django_capture_on_commit_callbacks):
    order = order_walked_to("completed", price=Decimal("99.99"))

    refused_unchanged(
        order, django_capture_on_commit_callbacks, errors.InvalidRefundAmount, amount=amount
    )


def test_what_was_refunded_before_is_not_refunded_again(
    refund_paid_back, django_capture_on_commit_callbacks
):
    order = order_walked_to("completed", price=Decimal("99.99"))
    refund_paid_back(order, "90.00")

    refused_unchanged(
        order,
        django_capture_on_commit_callbacks,
        errors.InvalidRefundAmount,
        amount=Decimal("10.00"),
    )


@pytest.mark.parametrize("reason", ["", "   ", "退款", "x" * 501, "含\x00字符的理由"])
def test_a_reason_outside_5_to_500_characters_is_refused(
    reason, django_capture_on_commit_callbacks
):
    order = order_walked_to("completed")

    refused_unchanged(
        order, django_capture_on_commit_callbacks, errors.InvalidRefundReason, reason=reason
    )


def test_a_second_refund_while_one_is_open_is_refused(django_capture_on_commit_callbacks):
    order = order_walked_to("completed", price=Decimal("99.99"))
    with django_capture_on_commit_callbacks():  # not paid back yet: still approved
        services.refund_completed_order(
            order, by=StaffFactory(), amount=Decimal("10.00"), reason=REASON
        )

    refused_unchanged(order, django_capture_on_commit_callbacks, errors.RefundNotAllowed)


def test_a_learner_cannot_ask_for_a_refund_of_a_completed_order():
    order = order_walked_to("completed")

    with pytest.raises(errors.RefundNotAllowed):
        services.request_refund(order, by=order.buyer, amount=Decimal("1.00"), reason=REASON)


# ---- what the learner and the provider see ---------------------------------------------------


def test_the_learner_sees_the_refund_on_the_order_page(client, refund_paid_back):
    order = order_walked_to("completed", price=Decimal("99.99"))
    refund_paid_back(order, "33.33")
    client.force_login(order.buyer)

    body = client.get(f"/orders/{order.order_no}/").content.decode()

    assert "¥33.33" in body
    assert body.count(REASON) == 1  # the reason, not repeated as the answer
    assert str(Refund.Kind.AFTER_COMPLETION.label) in body


def test_the_provider_sees_the_refund_on_the_order_and_in_the_refund_desk(client, refund_paid_back):
    order = order_walked_to("completed", price=Decimal("99.99"))
    refund_paid_back(order, "33.33")
    client.force_login(order.provider)

    for url in [f"/dashboard/orders/{order.order_no}/", "/dashboard/refunds/?status=all"]:
        body = client.get(url).content.decode()
        assert "¥33.33" in body, url
        assert body.count(REASON) == 1, url
        assert str(Refund.Kind.AFTER_COMPLETION.label) in body, url


def test_the_provider_sees_the_debit_on_the_settlement_page(client, refund_paid_back):
    order = order_walked_to("completed", price=Decimal("99.99"))
    refund_paid_back(order, "33.33")
    client.force_login(order.provider)

    body = client.get("/dashboard/settlement/").content.decode()

    assert "−¥30.00" in body
    assert LedgerEntry.objects.get(kind=Kind.DEBIT).note in body


# ---- the admin form ----------------------------------------------------------------------------

ORDERS = "/admin/orders/order/"


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def test_the_order_page_has_the_button_only_when_completed(staff_client):
    completed = order_walked_to("completed")
    in_service = order_walked_to("in_service")

    button = f"{ORDERS}{completed.pk}/refund/"
    assert button in staff_client.get(f"{ORDERS}{completed.pk}/change/").content.decode()
    body = staff_client.get(f"{ORDERS}{in_service.pk}/change/").content.decode()
    assert f"{ORDERS}{in_service.pk}/refund/" not in body


def test_the_form_is_prefilled_with_what_is_left(staff_client, refund_paid_back):
    order = order_walked_to("completed", price=Decimal("99.99"))
    refund_paid_back(order, "33.33")

    response = staff_client.get(f"{ORDERS}{order.pk}/refund/")

    assert response.status_code == 200
    assert response.context["form"].initial["amount"] == Decimal("66.66")
    assert 'name="reason"' in response.content.decode()


def test_posting_the_form_refunds_the_order(staff_client, django_capture_on_commit_callbacks):
    order = order_walked_to("completed", price=Decimal("99.99"))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"{ORDERS}{order.pk}/refund/", {"amount": "99.99", "reason": REASON}
        )

    assert response.status_code == 302
    assert response["Location"] == f"{ORDERS}{order.pk}/change/"
    refund = Refund.objects.get(order=order)
    assert (refund.kind, refund.status, refund.amount) == (
        Refund.Kind.AFTER_COMPLETION,
        Refund.Status.REFUNDED,
        Decimal("99.99"),
    )
    order.refresh_from_db()
    assert order.status == Status.REFUNDED
    page = staff_client.get(response["Location"]).content.decode()
    assert "¥99.99" in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "100.00", "reason": REASON}, "amount"),
        ({"amount": "abc", "reason": REASON}, "amount"),
        ({"amount": "", "reason": REASON}, "amount"),
        ({"amount": "10.00", "reason": "退款"}, "reason"),
        ({"amount": "10.00", "reason": ""}, "reason"),
    ],
)
def test_a_bad_form_shows_the_error_and_changes_nothing(
    staff_client, data, field, django_capture_on_commit_callbacks
):
    order = order_walked_to("completed", price=Decimal("99.99"))

    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(f"{ORDERS}{order.pk}/refund/", data)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert callbacks == []
    assert not Refund.objects.exists()


def test_a_refusal_by_the_service_shows_on_the_form(
    staff_client, django_capture_on_commit_callbacks
):
    order = order_walked_to("completed", price=Decimal("99.99"))
    with django_capture_on_commit_callbacks():
        services.refund_completed_order(
            order, by=StaffFactory(), amount=Decimal("10.00"), reason=REASON
        )

    response = staff_client.post(f"{ORDERS}{order.pk}/refund/", {"amount": "5", "reason": REASON})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Refund.objects.count() == 1


def test_an_order_not_completed_goes_back_to_its_page_with_a_message(staff_client):
    order = order_walked_to("in_service")

    response = staff_client.get(f"{ORDERS}{order.pk}/refund/", follow=True)

    assert response.redirect_chain == [(f"{ORDERS}{order.pk}/change/", 302)]
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    response = staff_client.post(
        f"{ORDERS}{order.pk}/refund/", {"amount": "1.00", "reason": REASON}
    )
    assert response.status_code == 302
    assert not Refund.objects.exists()


def test_the_form_is_for_staff_who_decide_refunds(client):
    order = order_walked_to("completed")
    url = f"{ORDERS}{order.pk}/refund/"

    client.force_login(order.buyer)
    assert client.get(url).status_code == 302  # to the admin login
    client.force_login(StaffFactory())  # staff without the refund permission
    assert client.get(url).status_code == 403
    assert client.post(url, {"amount": "1.00", "reason": REASON}).status_code == 403
    assert not Refund.objects.exists()
