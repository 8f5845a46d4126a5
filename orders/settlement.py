"""The provider settlement ledger (结算): credits when orders complete, debits when money of
a completed order goes back, payouts staff make in batches — and the reads behind the
provider's settlement page. Every write locks the provider's ``ProviderBalance`` row, so
the entries of one provider are written one after another and always add up to it.

Credits and debits are written inside the order's own transaction (``orders.services``
calls them); payouts run in their own.
"""

import csv
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import is_staff
from catalog.models import Service
from ksmall.money import format_yuan, to_money

from . import errors
from .models import (
    PROVIDER_PRICE,
    CommissionRate,
    LedgerEntry,
    Order,
    Payout,
    PayoutBatch,
    ProviderBalance,
    Refund,
)
from .numbers import CHINA

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
Kind = LedgerEntry.Kind

# Orders paid for but not completed yet: their money is pending, not owed yet.
PENDING_STATUSES = (Order.Status.PAID, Order.Status.AWAITING_SERVICE, Order.Status.IN_SERVICE)


class SettlementError(errors.OrderError):
    """A payout that cannot be made as asked; ``message`` says why, for staff."""


# ---- rates and balances ---------------------------------------------------------------------


def commission_rate(provider_id: int) -> Decimal:
    """The share of each completed order the platform keeps from this provider."""
    own = CommissionRate.objects.filter(provider_id=provider_id).values_list("rate", flat=True)
    rate = own.first()
    return Decimal(rate if rate is not None else settings.PLATFORM_COMMISSION_RATE)


def commission_on(base: Decimal, rate: Decimal) -> Decimal:
    """The platform's commission on ``base``: rounded to the fen once, here, half up."""
    return to_money(base * rate)


def _locked_balance(provider_id: int) -> ProviderBalance:
    """The provider's balance row, created on first use and locked until commit."""
    ProviderBalance.objects.get_or_create(provider_id=provider_id)
    return ProviderBalance.objects.select_for_update().get(provider_id=provider_id)


def _write(balance: ProviderBalance, kind: str, amount: Decimal, **fields) -> LedgerEntry:
    """Add one entry to the locked ``balance`` and move the balance with it."""
    signed = amount if kind == Kind.CREDIT else -amount
    balance.balance = to_money(balance.balance + signed)
    balance.updated_at = timezone.now()
    balance.save(update_fields=["balance", "updated_at"])
    return LedgerEntry.objects.create(
        provider_id=balance.provider_id,
        kind=kind,
        amount=amount,
        balance_after=balance.balance,
        created_at=balance.updated_at,
        **fields,
    )


def _refunded_amount(order: Order) -> Decimal:
    paid_back = order.refunds.filter(status=Refund.Status.REFUNDED).aggregate(s=Sum("amount"))
    return paid_back["s"] or ZERO


# ---- credits and debits (inside the order's transaction) ------------------------------------


def _sold_by_platform(order: Order) -> bool:
    """The platform's own products (membership plans) owe no provider anything."""
    return order.lines.filter(service__kind=Service.Kind.MEMBERSHIP).exists()


def credit_completed_order(order: Order) -> LedgerEntry | None:
    """The order has just completed: owe its provider what the learner kept paid, less the
    commission. Called by ``orders.services.transition`` under the order's lock; once per
    order (a second call returns the first credit). Nothing is written for an order whose
    money all went back (or at a 100% rate)."""
    with transaction.atomic():
        balance = _locked_balance(order.provider_id)
        existing = LedgerEntry.objects.filter(order=order, kind=Kind.CREDIT).first()
        if existing is not None:
            return existing
        if _sold_by_platform(order):
            return None
        # The provider's price: what the learner kept paid, plus the platform's coupon and
        # the points on it (the platform funds those; ``Order.provider_share``).
        base = order.provider_share(order.total - _refunded_amount(order))
        rate = commission_rate(order.provider_id)
        commission = commission_on(base, rate)
        credit = base - commission
        if credit <= 0:
            return None
        note = _("%(order_no)s: %(base)s less %(rate)s%% commission %(commission)s") % {
            "order_no": order.order_no,
            "base": format_yuan(base),
            "rate": f"{rate * 100:.2f}".rstrip("0").rstrip("."),
            "commission": format_yuan(commission),
        }
        return _write(
            balance, Kind.CREDIT, credit, order=order, commission_rate=rate, note=note[:200]
        )


def debit_refund(refund: Refund, order: Order) -> LedgerEntry | None:
    """Money of ``order`` went back to the learner (``refund`` is now refunded). Only an
    order already credited owes anything back (a completed order, which only staff can
    refund: ``orders.services.refund_completed_order``). The provider returns the refund
    less the platform's commission on it, computed as the credit was (``commission_on``,
    at the credit's rate), so that a full refund takes back exactly the credit; the
    platform returns its commission. Never more than is left of the order's credit, nor
    more than the balance holds (what was paid out already is not taken back here: the
    note says what was not recovered). Once per refund."""
    with transaction.atomic():
        balance = _locked_balance(order.provider_id)
        credit = LedgerEntry.objects.filter(order=order, kind=Kind.CREDIT).first()
        if credit is None:
            return None
        existing = LedgerEntry.objects.filter(refund=refund, kind=Kind.DEBIT).first()
        if existing is not None:
            return existing
        rate = credit.commission_rate
        if rate is None:
            rate = commission_rate(order.provider_id)
        refunded_base = order.provider_share(refund.amount)
        share = refunded_base - commission_on(refunded_base, rate)
        debited = (
            LedgerEntry.objects.filter(order=order, kind=Kind.DEBIT).aggregate(s=Sum("amount"))["s"]
            or ZERO
        )
        if _refunded_amount(order) >= order.total:
            share = credit.amount - debited  # nothing of the order is left: all of it back
        owed = min(share, credit.amount - debited)
        amount = min(owed, balance.balance)
        if amount < owed:
            # Paid out already: the balance cannot go below zero. Staff recover the rest
            # by hand (there is no receivable in the ledger).
            logger.warning(
                "refund %s of order %s: %s of provider %s's share not recovered",
                refund.pk,
                order.order_no,
                owed - amount,
                order.provider_id,
            )
        if amount <= 0:
            return None
        note = _("%(order_no)s: refund %(refund)s less %(rate)s%% commission") % {
            "order_no": order.order_no,
            "refund": format_yuan(refund.amount),
            "rate": f"{rate * 100:.2f}".rstrip("0").rstrip("."),
        }
        if amount < share:
            note += " " + _("(%(short)s not recovered)") % {"short": format_yuan(share - amount)}
        return _write(
            balance,
            Kind.DEBIT,
            amount,
            order=order,
            refund=refund,
            commission_rate=rate,
            note=note[:200],
        )


# ---- payouts (staff) ------------------------------------------------------------------------


def create_payout_batch(provider_ids: Iterable[int], *, by: User) -> PayoutBatch:
    """Draft one batch paying each of these providers their whole current balance.

    Providers with nothing owed are left out; a provider already in an unpaid batch
    cannot be put in another (SettlementError), nor can an empty batch be made."""
    if not is_staff(by):
        raise SettlementError(_("Only staff can make payouts."))
    with transaction.atomic():
        balances = list(
            ProviderBalance.objects.select_for_update()
            .filter(provider_id__in=set(provider_ids))
            .order_by("provider_id")
        )
        owed = [balance for balance in balances if balance.balance > 0]
        busy = set(
            Payout.objects.filter(
                provider_id__in=[balance.provider_id for balance in owed],
                batch__status=PayoutBatch.Status.DRAFT,
            ).values_list("provider_id", flat=True)
        )
        if busy:
            names = User.objects.filter(pk__in=busy).order_by("pk")
            raise SettlementError(
                _("Already in an unpaid batch: %(providers)s.")
                % {"providers": ", ".join(user.display_name for user in names)}
            )
        if not owed:
            raise SettlementError(_("None of these providers is owed anything."))
        batch = PayoutBatch.objects.create(created_by=by)
        Payout.objects.bulk_create(
            Payout(batch=batch, provider_id=balance.provider_id, amount=balance.balance)
            for balance in owed
        )
    return batch


def mark_batch_paid(batch: PayoutBatch, *, by: User, bank_reference: str) -> PayoutBatch:
    """The bank transfer of a draft batch went out: write one payout entry per provider,
    reducing their balances. Refused (SettlementError) for a batch already paid, without a
    bank reference, or when a provider's balance fell below the payout meanwhile."""
    bank_reference = (bank_reference or "").strip()
    if not is_staff(by):
        raise SettlementError(_("Only staff can make payouts."))
    if not bank_reference or len(bank_reference) > 64:
        raise SettlementError(_("Enter the bank reference (at most 64 characters)."))
    with transaction.atomic():
        locked = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != PayoutBatch.Status.DRAFT:
            raise SettlementError(_("Batch %(batch)s is already paid.") % {"batch": locked})
        payouts = list(locked.payouts.select_related("provider").order_by("provider_id"))
        for payout in payouts:
            balance = _locked_balance(payout.provider_id)
            if balance.balance < payout.amount:
                raise SettlementError(
                    _("%(provider)s is now owed only %(balance)s: make a new batch.")
                    % {"provider": payout.provider, "balance": format_yuan(balance.balance)}
                )
            _write(
                balance,
                Kind.PAYOUT,
                payout.amount,
                payout=payout,
                note=(_("Payout batch %(batch)s, bank reference %(ref)s"))
                % {"batch": locked, "ref": bank_reference},
            )
        locked.status = PayoutBatch.Status.PAID
        locked.paid_at = timezone.now()
        locked.bank_reference = bank_reference
        locked.save(update_fields=["status", "paid_at", "bank_reference"])
    batch.status, batch.paid_at, batch.bank_reference = (
        locked.status,
        locked.paid_at,
        locked.bank_reference,
    )
    return batch


CSV_HEADERS = ["服务商", "金额", "批次", "状态", "银行流水号"]


def payout_csv(batches: Iterable[PayoutBatch]) -> str:
    """The payouts of ``batches`` as CSV for the bank, with a BOM so that Excel reads the
    Chinese headers as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_HEADERS)
    for batch in batches:
        for payout in batch.payouts.select_related("provider__provider_profile").order_by(
            "provider_id"
        ):
            writer.writerow(
                [
                    payout.provider.public_name,
                    f"{payout.amount:.2f}",
                    str(batch),
                    batch.get_status_display(),
                    batch.bank_reference,
                ]
            )
    return out.getvalue()


# ---- reads ----------------------------------------------------------------------------------


def provider_balance(provider_id: int) -> Decimal:
    row = ProviderBalance.objects.filter(provider_id=provider_id).values_list("balance", flat=True)
    return row.first() or ZERO


def pending_amount(provider_id: int) -> Decimal:
    """Money of paid orders not completed yet (at the provider's price), less what
    already went back."""
    orders = Order.objects.filter(provider_id=provider_id, status__in=PENDING_STATUSES)
    totals = orders.aggregate(s=Sum(PROVIDER_PRICE))["s"] or ZERO
    refunded = (
        Refund.objects.filter(order__in=orders, status=Refund.Status.REFUNDED).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )
    return to_money(totals - refunded)


def ledger_entries(provider_id: int, month: date | None = None) -> QuerySet[LedgerEntry]:
    """The provider's ledger, newest first; ``month`` (its first day) keeps one month of
    China time."""
    entries = LedgerEntry.objects.filter(provider_id=provider_id).select_related("order")
    if month is not None:
        start = datetime(month.year, month.month, 1, tzinfo=CHINA)
        end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=CHINA)
        entries = entries.filter(created_at__gte=start, created_at__lt=end)
    return entries.order_by("-created_at", "-pk")


@dataclass(frozen=True)
class MonthlyStatement:
    month: date
    credits: Decimal
    debits: Decimal
    payouts: Decimal
    closing_balance: Decimal


def monthly_statements(provider_id: int) -> list[MonthlyStatement]:
    """Per month (China time), newest first: credits, debits, payouts and the balance at
    the end of the month. One query."""
    rows = (
        LedgerEntry.objects.filter(provider_id=provider_id)
        .annotate(month=TruncMonth("created_at", tzinfo=CHINA))
        .values("month")
        .annotate(
            credits=Sum("amount", filter=Q(kind=Kind.CREDIT)),
            debits=Sum("amount", filter=Q(kind=Kind.DEBIT)),
            payouts=Sum("amount", filter=Q(kind=Kind.PAYOUT)),
        )
        .order_by("month")
    )
    statements, running = [], ZERO
    for row in rows:
        credits, debits, payouts = (row[k] or ZERO for k in ("credits", "debits", "payouts"))
        running = running + credits - debits - payouts
        month = row["month"]
        month = month.date() if isinstance(month, datetime) else month
        statements.append(
            MonthlyStatement(month.replace(day=1), credits, debits, payouts, to_money(running))
        )
    return statements[::-1]
