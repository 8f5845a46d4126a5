"""The settlement ledger: credits when orders complete (less the commission, rounded
once), debits for money of completed orders going back, payout batches, the provider's
page, and a property test that the ledger always adds up to the balance."""

import csv
import io
import random
from decimal import Decimal

import pytest
from django.db.models import Sum

from accounts.tests.factories import ProviderFactory, StaffFactory
from orders import services, settlement
from orders.models import CommissionRate, LedgerEntry, PayoutBatch, Refund
from orders.tests.factories import order_walked_to

pytestmark = pytest.mark.django_db

Kind = LedgerEntry.Kind


def refund_now(order, amount, capture):
    """Ask, approve and (no payment record: at once) pay back ``amount`` of ``order``."""
    with capture(execute=True):
        refund = services.request_refund(
            order, by=order.buyer, amount=Decimal(amount), reason="课程时间冲突了"
        )
        services.approve_refund(refund, by=order.provider)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REFUNDED
    return refund


def walk_on(order):
    """Move a paid order on to completed through the services."""
    if order.status == "paid":
        services.accept_order(order, by=order.provider, schedule="周六")
    if order.status == "awaiting_service":
        services.start_order(order, by=order.provider)
    services.confirm_order(order, by=order.buyer)
    order.refresh_from_db()
    assert order.status == "completed"


def refund_after_completion(order, amount, capture):
    """Staff refund ``amount`` of a completed order, and (no payment record: at once) it
    is paid back, which debits the provider."""
    with capture(execute=True):
        refund = services.refund_completed_order(
            order, by=StaffFactory(), amount=Decimal(amount), reason="投诉成立，平台决定退款"
        )
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REFUNDED
    return refund


def ledger_sum(provider_id):
    sums = {
        row["kind"]: row["s"]
        for row in LedgerEntry.objects.filter(provider_id=provider_id)
        .values("kind")
        .annotate(s=Sum("amount"))
    }
    zero = Decimal("0.00")
    return sums.get(Kind.CREDIT, zero) - sums.get(Kind.DEBIT, zero) - sums.get(Kind.PAYOUT, zero)


def test_completion_credits_the_order_less_a_commission_rounded_half_up():
    order = order_walked_to("completed", price=Decimal("99.99"))

    credit = LedgerEntry.objects.get(order=order)
    assert credit.kind == Kind.CREDIT
    assert credit.amount == Decimal("89.99")  # commission 9.999 → ¥10.00
    assert credit.balance_after == Decimal("89.99")
    assert "¥10.00" in credit.note and "¥99.99" in credit.note
    assert settlement.provider_balance(order.provider_id) == Decimal("89.99")


def test_a_provider_rate_replaces_the_platform_rate():
    provider = ProviderFactory()
    CommissionRate.objects.create(provider=provider, rate=Decimal("0.0500"))
    order = order_walked_to("completed", price=Decimal("200.00"), service__provider=provider)

    assert LedgerEntry.objects.get(order=order).amount == Decimal("190.00")


def test_a_partial_refund_before_completion_reduces_the_credit(
    django_capture_on_commit_callbacks,
):
    order = order_walked_to("paid", price=Decimal("300.00"))
    refund_now(order, "100.00", django_capture_on_commit_callbacks)
    walk_on(order)

    assert LedgerEntry.objects.get(order=order).amount == Decimal("180.00")


def test_a_refund_after_completion_debits_the_providers_share(
    django_capture_on_commit_callbacks,
):
    order = order_walked_to("completed", price=Decimal("99.99"))
    refund = refund_after_completion(order, "33.33", django_capture_on_commit_callbacks)

    debit = LedgerEntry.objects.get(refund=refund)
    assert debit.kind == Kind.DEBIT
    assert debit.amount == Decimal("30.00")  # 33.33 × 0.9 = 29.997
    assert settlement.provider_balance(order.provider_id) == Decimal("59.99")
    assert debit.balance_after == Decimal("59.99")


def test_debits_never_exceed_the_credit_and_happen_once_per_refund(
    django_capture_on_commit_callbacks,
):
    order = order_walked_to("completed", price=Decimal("10.00"))
    first = refund_after_completion(order, "10.00", django_capture_on_commit_callbacks)
    settlement.debit_refund(first, order)  # the hook running twice changes nothing

    assert LedgerEntry.objects.filter(kind=Kind.DEBIT).count() == 1
    assert settlement.provider_balance(order.provider_id) == Decimal("0.00")


def test_a_refund_of_an_order_not_completed_debits_nothing(django_capture_on_commit_callbacks):
    order = order_walked_to("paid", price=Decimal("50.00"))
    refund_now(order, "50.00", django_capture_on_commit_callbacks)

    assert not LedgerEntry.objects.exists()


def test_an_order_is_credited_once():
    order = order_walked_to("completed", price=Decimal("99.99"))
    again = settlement.credit_completed_order(order)

    assert LedgerEntry.objects.filter(order=order).count() == 1
    assert again.amount == Decimal("89.99")
    assert settlement.provider_balance(order.provider_id) == Decimal("89.99")


def test_pending_amount_is_paid_orders_not_completed_less_refunds(
    django_capture_on_commit_callbacks,
):
    provider = ProviderFactory()
    paid = order_walked_to("paid", price=Decimal("120.00"), service__provider=provider)
    order_walked_to("in_service", price=Decimal("80.00"), service__provider=provider)
    order_walked_to("completed", price=Decimal("500.00"), service__provider=provider)
    refund_now(paid, "20.00", django_capture_on_commit_callbacks)

    assert settlement.pending_amount(provider.pk) == Decimal("180.00")


def test_a_paid_batch_brings_the_balance_to_zero_and_exports_csv():
    staff = StaffFactory()
    first = order_walked_to("completed", price=Decimal("99.99"))
    second = order_walked_to("completed", price=Decimal("10.00"))
    providers = [first.provider_id, second.provider_id]

    batch = settlement.create_payout_batch(providers, by=staff)
    assert sorted(batch.payouts.values_list("amount", flat=True)) == [
        Decimal("9.00"),
        Decimal("89.99"),
    ]
    with pytest.raises(settlement.SettlementError):
        settlement.create_payout_batch(providers, by=staff)  # already in an unpaid batch

    settlement.mark_batch_paid(batch, by=staff, bank_reference="ICBC20250301001")

    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.PAID
    for provider_id in providers:
        assert settlement.provider_balance(provider_id) == Decimal("0.00")
        assert ledger_sum(provider_id) == Decimal("0.00")
    with pytest.raises(settlement.SettlementError):
        settlement.mark_batch_paid(batch, by=staff, bank_reference="again")

    text = settlement.payout_csv([batch])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["服务商", "金额", "批次", "状态", "银行流水号"]
    assert sorted(row[1] for row in rows[1:]) == ["89.99", "9.00"]
    assert {row[4] for row in rows[1:]} == {"ICBC20250301001"}


def test_only_staff_make_payouts():
    order = order_walked_to("completed", price=Decimal("99.99"))
    with pytest.raises(settlement.SettlementError):
        settlement.create_payout_batch([order.provider_id], by=order.provider)


def test_admin_actions_create_a_batch_and_export_it(client):
    staff = StaffFactory(is_superuser=True)
    order = order_walked_to("completed", price=Decimal("99.99"))
    client.force_login(staff)
    balance = order.provider.settlement_balance

    response = client.post(
        "/admin/orders/providerbalance/",
        {"action": "create_batch", "_selected_action": [balance.pk]},
    )
    assert response.status_code == 302
    batch = PayoutBatch.objects.get()
    response = client.post(
        "/admin/orders/payoutbatch/",
        {
            "action": "mark_paid",
            "_selected_action": [batch.pk],
            "apply": "1",
            "bank_reference": "CMB-778899",
        },
    )
    assert response.status_code == 302
    assert settlement.provider_balance(order.provider_id) == Decimal("0.00")
    response = client.post(
        "/admin/orders/payoutbatch/", {"action": "export_csv", "_selected_action": [batch.pk]}
    )
    assert response.content.decode("utf-8").startswith("\ufeff服务商,金额")


def test_the_settlement_page_shows_the_providers_own_ledger(client):
    mine = order_walked_to("completed", price=Decimal("99.99"))
    theirs = order_walked_to("completed", price=Decimal("77.77"))
    client.force_login(mine.provider)

    response = client.get("/dashboard/settlement/")

    assert response.status_code == 200
    body = response.content.decode()
    assert mine.order_no in body and "¥89.99" in body
    assert theirs.order_no not in body
    month = mine.completed_at.strftime("%Y-%m")
    assert client.get(f"/dashboard/settlement/?month={month}").status_code == 200
    assert theirs.order_no not in client.get("/dashboard/settlement/?month=bad").content.decode()


def test_the_settlement_page_is_for_providers(client):
    order = order_walked_to("completed", price=Decimal("99.99"))
    client.force_login(order.buyer)
    assert client.get("/dashboard/settlement/").status_code in (302, 403, 404)


def test_monthly_statements_close_on_the_balance(django_capture_on_commit_callbacks):
    staff = StaffFactory()
    order = order_walked_to("completed", price=Decimal("99.99"))
    refund_after_completion(order, "10.00", django_capture_on_commit_callbacks)
    batch = settlement.create_payout_batch([order.provider_id], by=staff)
    settlement.mark_batch_paid(batch, by=staff, bank_reference="X1")

    (statement,) = settlement.monthly_statements(order.provider_id)
    assert statement.credits == Decimal("89.99")
    assert statement.debits == Decimal("9.00")
    assert statement.payouts == Decimal("80.99")
    assert statement.closing_balance == Decimal("0.00")


@pytest.mark.parametrize("seed", range(30))
def test_the_ledger_always_adds_up_to_the_balance(seed, django_capture_on_commit_callbacks):
    rng = random.Random(seed)
    staff = StaffFactory()
    provider = ProviderFactory()

    def check():
        balance = settlement.provider_balance(provider.pk)
        last = LedgerEntry.objects.filter(provider=provider).order_by("-pk").first()
        assert ledger_sum(provider.pk) == balance
        assert balance == (last.balance_after if last else Decimal("0.00"))
        assert balance >= 0
        assert not LedgerEntry.objects.filter(provider=provider, balance_after__lt=0).exists()

    for _step in range(rng.randint(2, 4)):
        action = rng.choice(["complete", "refund_before", "refund_after", "payout"])
        price = Decimal(rng.randint(1, 99999)) / 100
        if action == "payout":
            if settlement.provider_balance(provider.pk) > 0:
                batch = settlement.create_payout_batch([provider.pk], by=staff)
                settlement.mark_batch_paid(batch, by=staff, bank_reference=f"R{seed}")
        elif action == "refund_before":
            order = order_walked_to("paid", price=price, service__provider=provider)
            amount = Decimal(rng.randint(1, int(price * 100))) / 100
            refund_now(order, amount, django_capture_on_commit_callbacks)
            order.refresh_from_db()
            if order.status != "refunded":
                walk_on(order)
        else:
            order = order_walked_to("completed", price=price, service__provider=provider)
            if action == "refund_after":
                amount = Decimal(rng.randint(1, int(price * 100))) / 100
                refund_after_completion(order, amount, django_capture_on_commit_callbacks)
        check()
