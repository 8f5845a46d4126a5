"""Every payment write that matters: starting a payment at a gateway, storing a verified
callback in the inbox and applying it (the one path by which money arriving pays orders),
bank transfers, refunds at the gateway, and the sweeps that catch what a lost callback or
a failed call left behind.

Rules (DESIGN.md "Payments"): a callback is applied under a row lock, once; the app id,
merchant, currency and exact amount must match, else the payment is flagged for staff and
the orders are untouched; money no order needs any more (paid after a timeout, paid twice)
is refunded automatically, never kept and never lost.
"""

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import is_staff
from ksmall.money import format_yuan
from notifications.services import notify
from orders.models import Checkout, Order, Refund
from orders.numbers import CHINA
from orders.services import complete_refund, extend_pay_deadline, mark_paid

from . import errors
from .gateways import GatewayError, Notice, NoticeStatus, Start, StartRequest, get_gateway
from .models import GatewayCallback, GatewayRefund, Method, Payment, TransferVoucher

logger = logging.getLogger(__name__)

METHOD_LETTERS = {Method.ALIPAY: "A", Method.WECHAT: "W", Method.BANK: "B"}
# Ask the gateway about a payment still pending this long after it started (R7) ...
QUERY_AFTER = timedelta(minutes=5)
# ... at most this often, and not after this long past the checkout's deadline.
QUERY_EVERY = timedelta(minutes=1)
QUERY_UNTIL = timedelta(days=1)
# Re-apply a stored callback that was not applied this long after it arrived.
REAPPLY_AFTER = timedelta(minutes=1)
# A refund the gateway has not confirmed is sent (or asked about) again after this long,
# and given up on (failed, for staff to retry) after this many attempts.
REFUND_RETRY_AFTER = timedelta(minutes=5)
REFUND_MAX_ATTEMPTS = 20
SWEEP_BATCH = 100


@dataclass(frozen=True)
class Client:
    """What the cashier knows about the payer's browser."""

    is_mobile: bool
    ip: str
    site_url: str  # scheme and host the payer reached the site on, e.g. https://ksmall.cn


# ---- starting a payment ----------------------------------------------------------------------


# Lock order, everywhere in this module (PostgreSQL deadlocks otherwise): the checkout's
# orders (id order, as ``orders.services.mark_paid`` takes them), then its payments, then a
# payment's refunds. A callback row is locked first, alone, to apply it once.


def _amount_due_locked(checkout: Checkout) -> Decimal:
    """The checkout's amount due, read under locks on its orders (id order, as
    ``mark_paid`` locks them)."""
    orders = Order.objects.select_for_update().filter(checkout=checkout).order_by("pk")
    return sum(
        (o.total for o in orders if o.status == Order.Status.PENDING_PAYMENT), Decimal("0.00")
    )


def _new_out_trade_no(checkout: Checkout, method: str) -> str:
    taken = Payment.objects.filter(checkout=checkout).count()
    return f"{checkout.payment_no}{METHOD_LETTERS[method]}{taken + 1:02d}"


def _subject(checkout: Checkout) -> str:
    titles = [order.title for order in checkout.orders.prefetch_related("lines")]
    return "KS Mall · " + "；".join(titles)[:100]


def start_payment(checkout: Checkout, *, method: str, client: Client) -> tuple[Payment, Start]:
    """Open a payment of the checkout's amount due by ``method`` and say where the payer
    goes next. The same method chosen again for the same amount reuses the open attempt;
    another amount or method starts a new attempt (a fresh trade number), and the older
    attempts are closed at their gateway after commit.

    Raises NothingToPay when no order awaits payment, PaymentExpired after the deadline,
    GatewayUnavailable when the gateway cannot open the trade now.
    """
    if method not in Method.values:
        raise errors.PaymentError(_("Choose a way to pay."))
    channel = _channel(method, client.is_mobile)
    with transaction.atomic():
        due = _amount_due_locked(checkout)
        if due <= 0:
            raise errors.NothingToPay(_("Nothing is left to pay on this payment."))
        checkout.refresh_from_db(fields=["pay_deadline"])
        if checkout.pay_deadline <= timezone.now():
            raise errors.PaymentExpired(_("The time to pay this order has run out."))
        open_attempts = list(
            Payment.objects.select_for_update()
            .filter(checkout=checkout, status=Payment.Status.PENDING)
            .order_by("pk")
        )
        reusable = next(
            (
                p
                for p in open_attempts
                if p.method == method and p.channel == channel and p.amount == due
            ),
            None,
        )
        for stale in open_attempts:
            if stale is not reusable and stale.method != Method.BANK:
                _close_locally(stale)
        if reusable is not None:
            payment = reusable
        else:
            payment = _create_payment(checkout, method=method, channel=channel, amount=due)
        if method == Method.BANK:
            extend_pay_deadline(
                checkout, until=timezone.now() + timedelta(hours=settings.BANK_TRANSFER_HOURS)
            )
            return payment, Start(redirect_url=f"/pay/{checkout.payment_no}/transfer/")
        if reusable is not None and method == Method.WECHAT and payment.start_data.get("code_url"):
            return payment, Start(code_url=payment.start_data["code_url"])
        payment.payer_ip = client.ip or None
        payment.save(update_fields=["payer_ip"])

    gateway = get_gateway(method)
    try:
        start = gateway.start(_start_request(checkout, payment, client))
    except GatewayError as error:
        logger.warning("could not start %s payment %s: %s", method, payment, error)
        raise errors.GatewayUnavailable(
            _("%(method)s is not available right now. Try again, or choose another way to pay.")
            % {"method": payment.get_method_display()}
        ) from error
    Payment.objects.filter(pk=payment.pk).update(
        start_data={"code_url": start.code_url} if start.code_url else {},
        is_sandbox=gateway.is_sandbox,
    )
    return payment, start


def _channel(method: str, is_mobile: bool) -> str:
    if method == Method.BANK:
        return Payment.Channel.TRANSFER
    if method == Method.ALIPAY:
        return Payment.Channel.WAP if is_mobile else Payment.Channel.PAGE
    return Payment.Channel.H5 if is_mobile else Payment.Channel.NATIVE


def _create_payment(checkout: Checkout, *, method: str, channel: str, amount: Decimal) -> Payment:
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return Payment.objects.create(
                    checkout=checkout,
                    method=method,
                    channel=channel,
                    amount=amount,
                    out_trade_no=_new_out_trade_no(checkout, method),
                    is_sandbox=settings.PAYMENT_SANDBOX and method != Method.BANK,
                )
        except IntegrityError:
            continue  # a second tab took the same number: count again
    raise errors.PaymentError(_("Please try again."))


def _start_request(checkout: Checkout, payment: Payment, client: Client) -> StartRequest:
    site = client.site_url.rstrip("/")
    return StartRequest(
        payment_no=checkout.payment_no,
        out_trade_no=payment.out_trade_no,
        amount=payment.amount,
        subject=_subject(checkout),
        is_mobile=client.is_mobile,
        client_ip=client.ip or "127.0.0.1",
        notify_url=f"{site}/pay/notify/{payment.method}/",
        return_url=f"{site}/pay/{checkout.payment_no}/return/",
        quit_url=f"{site}/pay/{checkout.payment_no}/",
        expires_at=checkout.pay_deadline,
    )


def _close_locally(payment: Payment) -> None:
    """Stop offering ``payment`` and close its trade at the gateway after commit. Money
    that still arrives on it is not lost: a paid callback always wins (``_apply_paid``)."""
    payment.status = Payment.Status.CLOSED
    payment.closed_at = timezone.now()
    payment.save(update_fields=["status", "closed_at"])
    if payment.method != Method.BANK:
        from .tasks import close_payment

        payment_id = payment.pk
        transaction.on_commit(lambda: close_payment.delay(payment_id), robust=True)


def close_stale_payments(checkout_id: int) -> int:
    """An order of the checkout was cancelled: close the attempts whose amount is no
    longer what is due (all of them when nothing is due). Returns how many."""
    with transaction.atomic():
        checkout = Checkout.objects.get(pk=checkout_id)
        due = _amount_due_locked(checkout)
        stale = list(
            Payment.objects.select_for_update()
            .filter(checkout=checkout, status=Payment.Status.PENDING)
            .exclude(amount=due)
        )
        for payment in stale:
            _close_locally(payment)
    return len(stale)


def close_at_gateway(payment_id: int) -> None:
    """Close the trade at the gateway, then ask about it once: a payer who paid at the
    last second is found now, and their money follows the one path of every payment."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.method == Method.BANK:
        return
    gateway = get_gateway(payment.method)
    gateway.close(payment.out_trade_no)  # GatewayError: the task retries
    query_payment(payment.pk)


# ---- the callback inbox ---------------------------------------------------------------------


def record_callback(
    method: str, kind: str, notice: Notice, *, remote_addr: str | None = None, queue: bool = True
) -> GatewayCallback:
    """Store a verified callback (or query answer) once, before it is acknowledged; apply
    it after commit (``queue``). The same statement arriving again is counted on its row
    and queued again only if it was never applied."""
    values = {
        "gateway_trade_no": notice.gateway_trade_no[:64],
        "trade_status": notice.trade_status[:32],
        "status": notice.status,
        "amount": notice.amount,
        "currency": notice.currency[:3],
        "app_id": notice.app_id[:64],
        "merchant_id": notice.merchant_id[:64],
        "refund_no": notice.refund_no[:64],
        "raw_body": notice.raw,
        "remote_addr": remote_addr or None,
    }
    key = {
        "method": method,
        "out_trade_no": notice.out_trade_no[:64],
        "event_key": notice.event_key[:80],
    }
    try:
        with transaction.atomic():
            callback = GatewayCallback.objects.create(kind=kind, **key, **values)
    except IntegrityError:
        # Seen before (or at this very moment, by a second server of the gateway).
        callback = GatewayCallback.objects.get(**key)
        GatewayCallback.objects.filter(pk=callback.pk).update(repeats=F("repeats") + 1)
    if queue and callback.applied_at is None:
        from .tasks import apply_callback as apply_task

        callback_id = callback.pk
        transaction.on_commit(lambda: apply_task.delay(callback_id), robust=True)
    return callback


def record_and_apply(method: str, kind: str, notice: Notice) -> str:
    """Store a statement the site obtained itself (a query answer, staff confirming a
    transfer) and apply it now, by the same path as a callback. Returns the outcome."""
    with transaction.atomic():
        callback = record_callback(method, kind, notice, queue=False)
    return apply_callback(callback.pk)


def apply_callback(callback_id: int) -> str:
    """Apply one stored callback, once, under locks on it and on its payment; returns the
    outcome. Idempotent: an applied callback is left alone, and a statement the payment
    already reflects (a duplicate, a late TRADE_FINISHED, a refund notice) changes nothing.
    """
    with transaction.atomic():
        callback = GatewayCallback.objects.select_for_update().get(pk=callback_id)
        if callback.applied_at is not None:
            return callback.outcome
        found = Payment.objects.filter(
            method=callback.method, out_trade_no=callback.out_trade_no
        ).first()
        payment = None
        if found is not None:
            _amount_due_locked(found.checkout)
            payment = Payment.objects.select_for_update().get(pk=found.pk)
        if payment is None:
            logger.warning(
                "callback %s names an unknown trade %s", callback.pk, callback.out_trade_no
            )
            return _finish(callback, GatewayCallback.Outcome.IGNORED, "unknown trade number")
        callback.payment = payment
        status = callback.status
        if status == NoticeStatus.PAID:
            outcome, note = _apply_paid(payment, callback)
        elif status in (NoticeStatus.CLOSED, NoticeStatus.FAILED):
            outcome, note = _apply_unpaid(payment, status)
        elif status in (NoticeStatus.REFUNDED, NoticeStatus.REFUND_FAILED):
            outcome, note = _apply_refund_notice(payment, callback, status)
        else:
            outcome, note = GatewayCallback.Outcome.UNCHANGED, ""
        return _finish(callback, outcome, note)


def _finish(callback: GatewayCallback, outcome: str, note: str) -> str:
    callback.applied_at = timezone.now()
    callback.outcome = outcome
    callback.outcome_note = note
    callback.attempts += 1
    callback.last_error = ""
    callback.save(
        update_fields=["payment", "applied_at", "outcome", "outcome_note", "attempts", "last_error"]
    )
    return outcome


def _mismatch(payment: Payment, callback: GatewayCallback) -> str:
    """Why a paid statement must not pay the orders, or ""."""
    if callback.kind != GatewayCallback.Kind.TRANSFER:
        app_id, merchant_id = get_gateway(payment.method).identity()
        if app_id and callback.app_id != app_id:
            return _("app id %(got)s is not ours") % {"got": callback.app_id or "—"}
        if merchant_id and callback.merchant_id != merchant_id:
            return _("merchant %(got)s is not ours") % {"got": callback.merchant_id or "—"}
    if callback.currency != "CNY":
        return _("currency %(got)s is not CNY") % {"got": callback.currency}
    if callback.amount != payment.amount:
        return _("amount %(got)s differs from the %(expected)s asked") % {
            "got": callback.amount,
            "expected": payment.amount,
        }
    return ""


def _apply_paid(payment: Payment, callback: GatewayCallback) -> tuple[str, str]:
    mismatch = _mismatch(payment, callback)
    if mismatch:
        logger.warning("payment %s: paid callback %s refused: %s", payment, callback.pk, mismatch)
        _flag(payment, mismatch)
        return GatewayCallback.Outcome.FLAGGED, mismatch
    if payment.status == Payment.Status.PAID:
        if callback.gateway_trade_no and payment.gateway_trade_no not in (
            "",
            callback.gateway_trade_no,
        ):
            note = _("a second gateway trade %(no)s for a paid payment") % {
                "no": callback.gateway_trade_no
            }
            _flag(payment, note)
            return GatewayCallback.Outcome.FLAGGED, note
        return GatewayCallback.Outcome.UNCHANGED, _("already paid")

    payment.status = Payment.Status.PAID
    payment.paid_at = timezone.now()
    payment.gateway_trade_no = callback.gateway_trade_no or payment.gateway_trade_no
    payment.save(update_fields=["status", "paid_at", "gateway_trade_no"])

    checkout = payment.checkout
    due = _amount_due_locked(checkout)
    paid_before = (
        Payment.objects.filter(checkout=checkout, status=Payment.Status.PAID)
        .exclude(pk=payment.pk)
        .exists()
    )
    note = f"{payment.get_method_display()} {payment.gateway_trade_no}".strip()
    if paid_before and due == 0:
        _refund_unneeded(payment, payment.amount, GatewayRefund.Reason.DUPLICATE)
        return GatewayCallback.Outcome.APPLIED, _("paid twice: returned")
    if due == 0:
        _refund_unneeded(payment, payment.amount, GatewayRefund.Reason.LATE_PAYMENT)
        return GatewayCallback.Outcome.APPLIED, _("the orders were cancelled: returned")
    if due > payment.amount:
        note = _("pays %(paid)s of %(due)s due") % {"paid": payment.amount, "due": due}
        _flag(payment, note)
        return GatewayCallback.Outcome.FLAGGED, note
    mark_paid(checkout, note=note)
    if due < payment.amount:
        _refund_unneeded(payment, payment.amount - due, GatewayRefund.Reason.OVERPAID)
    for other in Payment.objects.select_for_update().filter(
        checkout=checkout, status=Payment.Status.PENDING
    ):
        _close_locally(other)
    return GatewayCallback.Outcome.APPLIED, _("orders paid")


def _apply_unpaid(payment: Payment, status: str) -> tuple[str, str]:
    if payment.status != Payment.Status.PENDING:
        return GatewayCallback.Outcome.UNCHANGED, ""
    if status == NoticeStatus.FAILED:
        payment.status = Payment.Status.FAILED
        payment.save(update_fields=["status"])
    else:
        payment.status = Payment.Status.CLOSED
        payment.closed_at = timezone.now()
        payment.save(update_fields=["status", "closed_at"])
    return GatewayCallback.Outcome.APPLIED, payment.get_status_display()


def _apply_refund_notice(
    payment: Payment, callback: GatewayCallback, status: str
) -> tuple[str, str]:
    refund = (
        GatewayRefund.objects.select_for_update()
        .filter(payment=payment, out_request_no=callback.refund_no)
        .first()
    )
    if refund is None:
        if not callback.refund_no:
            # Alipay's full-refund TRADE_CLOSED may not name the refund: the refund's own
            # answer already settled it.
            return GatewayCallback.Outcome.UNCHANGED, ""
        note = _("a refund %(no)s the site did not ask for") % {"no": callback.refund_no}
        _flag(payment, note)
        return GatewayCallback.Outcome.FLAGGED, note
    if refund.status != GatewayRefund.Status.PENDING:
        return GatewayCallback.Outcome.UNCHANGED, refund.get_status_display()
    if status == NoticeStatus.REFUNDED:
        _refund_succeeded(refund)
    else:
        _refund_failed(refund, callback.trade_status or callback.event_key)
    return GatewayCallback.Outcome.APPLIED, refund.get_status_display()


def _flag(payment: Payment, reason: str) -> None:
    Payment.objects.filter(pk=payment.pk).update(
        is_flagged=True, flag_reason=(payment.flag_reason + "\n" + reason).strip()
    )
    payment.is_flagged = True
    context = {"out_trade_no": payment.out_trade_no, "reason": reason}
    for staff in User.objects.filter(is_staff=True, is_active=True):
        notify(
            staff, "payment_flagged", context, url=f"/admin/payments/payment/{payment.pk}/change/"
        )


# ---- gateway answers outside callbacks -------------------------------------------------------


def query_payment(payment_id: int) -> str:
    """Ask the gateway about a payment and apply the answer through the inbox, like a
    callback. Returns the outcome ("" when the gateway could not say)."""
    payment = Payment.objects.get(pk=payment_id)
    Payment.objects.filter(pk=payment.pk).update(last_queried_at=timezone.now())
    try:
        notice = get_gateway(payment.method).query(payment.out_trade_no)
    except GatewayError as error:
        logger.info("query of %s failed: %s", payment, error)
        return ""
    if notice.status in (NoticeStatus.WAITING, NoticeStatus.NOT_FOUND, NoticeStatus.OTHER):
        return GatewayCallback.Outcome.UNCHANGED
    return record_and_apply(payment.method, GatewayCallback.Kind.QUERY, notice)


def query_pending_payments(now=None) -> int:
    """R7: ask the gateways about payments pending longer than five minutes (a callback
    can be lost), each at most once a minute and less often as it ages (every fifth of its
    age), until a day past its checkout's deadline. Returns how many were asked."""
    now = now or timezone.now()
    candidates = (
        Payment.objects.filter(
            status=Payment.Status.PENDING,
            method__in=[Method.ALIPAY, Method.WECHAT],
            created_at__lte=now - QUERY_AFTER,
            checkout__pay_deadline__gte=now - QUERY_UNTIL,
        )
        .exclude(last_queried_at__gt=now - QUERY_EVERY)
        .order_by("last_queried_at", "pk")
        .values_list("pk", "created_at", "last_queried_at")[: SWEEP_BATCH * 5]
    )
    due = [
        pk
        for pk, created_at, last_queried_at in candidates
        if last_queried_at is None or now - last_queried_at >= (now - created_at) / 5
    ][:SWEEP_BATCH]
    for pk in due:
        try:
            query_payment(pk)
        except Exception:
            logger.exception("could not query payment %s", pk)
    return len(due)


@dataclass
class Reconciliation:
    """What a day's reconciliation found: payments asked about, differences applied
    through the inbox (money the site had missed), and differences flagged for staff."""

    day: object
    checked: int = 0
    applied: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)


def reconcile_day(day, *, now=None) -> Reconciliation:
    """Check every gateway payment started on ``day`` (China time) against the gateway:
    paid there but not here is applied through the inbox (the usual path); paid here but
    not there is flagged for staff. Runs daily from beat for the day before."""
    now = now or timezone.now()
    start = datetime.combine(day, time.min, tzinfo=CHINA)
    report = Reconciliation(day=day)
    payments = Payment.objects.filter(
        method__in=[Method.ALIPAY, Method.WECHAT],
        created_at__gte=start,
        created_at__lt=start + timedelta(days=1),
    ).order_by("pk")
    for payment in payments.iterator():
        report.checked += 1
        try:
            notice = get_gateway(payment.method).query(payment.out_trade_no)
        except GatewayError:
            report.unanswered.append(payment.out_trade_no)
            continue
        if notice.status == NoticeStatus.PAID and payment.status != Payment.Status.PAID:
            record_and_apply(payment.method, GatewayCallback.Kind.QUERY, notice)
            report.applied.append(payment.out_trade_no)
        elif payment.status == Payment.Status.PAID and notice.status not in (
            NoticeStatus.PAID,
            NoticeStatus.OTHER,  # WeChat's REFUND: paid, then refunded
            NoticeStatus.CLOSED,  # Alipay closes a trade once it is fully refunded
        ):
            with transaction.atomic():
                _flag(
                    payment,
                    _("Reconciliation: paid here, but the gateway says %(status)s.")
                    % {"status": notice.trade_status or notice.status},
                )
            report.flagged.append(payment.out_trade_no)
    logger.info(
        "reconciliation of %s: %d checked, %d applied, %d flagged, %d unanswered",
        day,
        report.checked,
        len(report.applied),
        len(report.flagged),
        len(report.unanswered),
    )
    return report


def apply_pending_callbacks(now=None) -> int:
    """Apply stored callbacks that were not applied within a minute (a lost task, a crash).
    Returns how many were applied now."""
    now = now or timezone.now()
    due = (
        GatewayCallback.objects.filter(
            applied_at__isnull=True, received_at__lte=now - REAPPLY_AFTER
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    applied = 0
    for pk in list(due):
        try:
            apply_callback(pk)
            applied += 1
        except Exception as error:
            logger.exception("could not apply callback %s", pk)
            note_callback_error(pk, error)
    return applied


def note_callback_error(callback_id: int, error: Exception) -> None:
    GatewayCallback.objects.filter(pk=callback_id).update(
        attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
    )


# ---- refunds at the gateway -----------------------------------------------------------------


def _new_out_request_no() -> str:
    return (
        "RF"
        + timezone.now().astimezone(CHINA).strftime("%Y%m%d")
        + f"{secrets.randbelow(10**16):016d}"
    )


def paying_payment(order: Order) -> Payment | None:
    """The payment that paid ``order``: the first paid attempt of its checkout (a later
    one paid twice and is returned on its own)."""
    return (
        Payment.objects.filter(checkout_id=order.checkout_id, status=Payment.Status.PAID)
        .order_by("paid_at", "pk")
        .first()
    )


def refund_approved(refund_id: int) -> GatewayRefund | None:
    """An order refund was approved: send its money back the way it came. An order paid
    without a payment record (paid by staff before payments existed, demo data) has
    nothing to send back at a gateway and is settled at once."""
    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update(of=("self",)).select_related("order").get(pk=refund_id)
        )
        if refund.status != Refund.Status.APPROVED:
            return None
        existing = GatewayRefund.objects.filter(refund=refund).first()
        if existing is not None:
            return existing
        payment = paying_payment(refund.order)
        if payment is None:
            logger.warning(
                "refund %s: order %s has no payment to refund at", refund.pk, refund.order
            )
            complete_refund(refund)
            return None
        gateway_refund = GatewayRefund.objects.create(
            payment=payment,
            refund=refund,
            reason=GatewayRefund.Reason.ORDER_REFUND,
            out_request_no=_new_out_request_no(),
            amount=refund.amount,
        )
        _send_after_commit(gateway_refund)
    return gateway_refund


def _refund_unneeded(payment: Payment, amount: Decimal, reason: str) -> GatewayRefund:
    """Return money that no order needs, automatically (DESIGN: never kept, never lost)."""
    gateway_refund = GatewayRefund.objects.create(
        payment=payment, reason=reason, out_request_no=_new_out_request_no(), amount=amount
    )
    logger.warning("payment %s: %s of %s is returned (%s)", payment, amount, payment.amount, reason)
    _send_after_commit(gateway_refund)
    return gateway_refund


def _send_after_commit(gateway_refund: GatewayRefund) -> None:
    from .tasks import send_refund as send_task

    refund_id = gateway_refund.pk
    transaction.on_commit(lambda: send_task.delay(refund_id), robust=True)


def send_refund(gateway_refund_id: int) -> str:
    """Send (or send again) a pending refund to its gateway; returns its status. The
    gateway call happens outside any lock; the same ``out_request_no`` refunds once, so a
    second sender does no harm. GatewayError propagates for the task to retry."""
    with transaction.atomic():
        refund = (
            GatewayRefund.objects.select_for_update(of=("self",))
            .select_related("payment")
            .get(pk=gateway_refund_id)
        )
        if refund.status != GatewayRefund.Status.PENDING:
            return refund.status
        refund.attempts += 1
        refund.last_attempt_at = timezone.now()
        refund.save(update_fields=["attempts", "last_attempt_at"])
        payment = refund.payment
        if payment.method == Method.BANK:
            _refund_failed(
                refund,
                _(
                    "A bank transfer is refunded by a transfer back to the payer's account: "
                    "send it, then mark this refund as refunded."
                ),
            )
            return refund.status
    gateway = get_gateway(payment.method)
    try:
        if refund.attempts > 1:
            # Sent before: ask first, the refund may have gone through already.
            result = gateway.query_refund(
                out_trade_no=payment.out_trade_no,
                out_request_no=refund.out_request_no,
                amount=refund.amount,
            )
            if result.status != "succeeded":
                result = _ask_refund(gateway, payment, refund)
        else:
            result = _ask_refund(gateway, payment, refund)
    except GatewayError as error:
        GatewayRefund.objects.filter(pk=refund.pk).update(last_error=str(error)[:2000])
        if refund.attempts >= REFUND_MAX_ATTEMPTS:
            with transaction.atomic():
                locked = _locked_refund(refund.pk)
                if locked.status == GatewayRefund.Status.PENDING:
                    _refund_failed(locked, str(error))
            return GatewayRefund.Status.FAILED
        raise
    with transaction.atomic():
        locked = _locked_refund(refund.pk)
        if locked.status != GatewayRefund.Status.PENDING:
            return locked.status
        if result.gateway_refund_no:
            locked.gateway_refund_no = result.gateway_refund_no[:64]
            locked.save(update_fields=["gateway_refund_no"])
        if result.status == "succeeded":
            _refund_succeeded(locked)
        elif result.status == "failed":
            _refund_failed(locked, result.message)
        return locked.status


def _locked_refund(gateway_refund_id: int) -> GatewayRefund:
    """A gateway refund under lock, after its checkout's orders and its payment (the
    module's lock order): settling it moves orders and flags the payment."""
    payment = Payment.objects.select_related("checkout").get(refunds__pk=gateway_refund_id)
    _amount_due_locked(payment.checkout)
    Payment.objects.select_for_update().filter(pk=payment.pk).first()
    return GatewayRefund.objects.select_for_update().get(pk=gateway_refund_id)


def _ask_refund(gateway, payment: Payment, refund: GatewayRefund):
    return gateway.refund(
        out_trade_no=payment.out_trade_no,
        out_request_no=refund.out_request_no,
        amount=refund.amount,
        total=payment.amount,
        reason=refund.get_reason_display(),
        notify_url=_refund_notify_url(payment.method),
    )


def _refund_notify_url(method: str) -> str:
    site = (settings.KSMALL_SITE_URL or settings.PAYMENT_SANDBOX_CALLBACK_BASE).rstrip("/")
    return f"{site}/pay/notify/{method}/refund/" if site and method == Method.WECHAT else ""


def _refund_succeeded(refund: GatewayRefund, *, note: str = "") -> None:
    refund.status = GatewayRefund.Status.SUCCEEDED
    refund.succeeded_at = timezone.now()
    refund.last_error = note
    refund.save(update_fields=["status", "succeeded_at", "last_error"])
    if refund.refund_id is not None:
        complete_refund(refund.refund)
        return
    payment = refund.payment
    checkout = payment.checkout
    notify(
        User(pk=checkout.buyer_id),
        "payment_returned",
        {
            "amount": format_yuan(refund.amount),
            "payment_no": checkout.payment_no,
            "reason": refund.get_reason_display(),
        },
        url="/orders/",
    )


def _refund_failed(refund: GatewayRefund, message: str) -> None:
    refund.status = GatewayRefund.Status.FAILED
    refund.last_error = (message or _("The gateway refused the refund."))[:2000]
    refund.save(update_fields=["status", "last_error"])
    logger.error("refund %s failed: %s", refund, refund.last_error)
    _flag(
        refund.payment,
        _("Refund %(no)s failed: %(message)s")
        % {
            "no": refund.out_request_no,
            "message": refund.last_error,
        },
    )


def retry_refund(refund: GatewayRefund, *, by: User) -> GatewayRefund:
    """Staff send a failed refund again (after fixing its cause at the gateway)."""
    if not is_staff(by):
        raise errors.PaymentError(_("Only staff can retry a refund."))
    with transaction.atomic():
        locked = GatewayRefund.objects.select_for_update().get(pk=refund.pk)
        if locked.status == GatewayRefund.Status.FAILED:
            locked.status = GatewayRefund.Status.PENDING
            locked.attempts = 0  # a fresh round of attempts
            locked.save(update_fields=["status", "attempts"])
            _send_after_commit(locked)
    refund.refresh_from_db()
    return refund


def mark_refunded_offline(refund: GatewayRefund, *, by: User) -> GatewayRefund:
    """Staff record that the money went back outside the gateway (a bank transfer back
    to a company's account)."""
    if not is_staff(by):
        raise errors.PaymentError(_("Only staff can record a refund."))
    with transaction.atomic():
        locked = _locked_refund(refund.pk)
        if locked.status != GatewayRefund.Status.SUCCEEDED:
            _refund_succeeded(
                locked,
                note=_("Refunded outside the gateway, recorded by %(who)s.")
                % {"who": by.display_name},
            )
    refund.refresh_from_db()
    return refund


def clear_flag(payment: Payment, *, by: User) -> Payment:
    """Staff have dealt with what flagged the payment; the reasons stay on record."""
    if not is_staff(by):
        raise errors.PaymentError(_("Only staff can clear a payment's flag."))
    reason = payment.flag_reason
    note = _("Resolved by %(who)s at %(when)s.") % {
        "who": by.display_name,
        "when": timezone.now().astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
    }
    Payment.objects.filter(pk=payment.pk).update(
        is_flagged=False, flag_reason=(reason + "\n" + note).strip()
    )
    payment.refresh_from_db()
    return payment


def retry_pending_refunds(now=None) -> int:
    """Send again the refunds still pending a while after their last attempt (a lost
    task, a gateway that said "processing"). Returns how many were sent."""
    now = now or timezone.now()
    due = (
        GatewayRefund.objects.filter(status=GatewayRefund.Status.PENDING)
        .exclude(last_attempt_at__gt=now - REFUND_RETRY_AFTER)
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    # Approved refunds whose after-commit hand-over was lost (a broker down) start here.
    missed = (
        Refund.objects.filter(
            status=Refund.Status.APPROVED,
            decided_at__lte=now - REFUND_RETRY_AFTER,
            gateway_refund__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for pk in list(missed):
        try:
            refund_approved(pk)
        except Exception:
            logger.exception("could not hand refund %s to its gateway", pk)
    sent = 0
    for pk in list(due):
        try:
            send_refund(pk)
        except GatewayError as error:
            logger.info("refund %s still not sent: %s", pk, error)
        except Exception:
            logger.exception("could not send refund %s", pk)
        sent += 1
    return sent


# ---- bank transfer --------------------------------------------------------------------------


def submit_voucher(
    payment: Payment, *, by: User, file, payer_name: str, note: str = ""
) -> TransferVoucher:
    """The payer uploads the receipt of a bank transfer; staff are told to check it."""
    payer_name = (payer_name or "").strip()
    if not payer_name:
        raise errors.PaymentError(_("Enter the name of the account you paid from."))
    with transaction.atomic():
        locked = Payment.objects.select_for_update().select_related("checkout").get(pk=payment.pk)
        if locked.method != Method.BANK or locked.checkout.buyer_id != by.pk:
            raise errors.PaymentError(_("This is not your bank transfer."))
        if locked.status != Payment.Status.PENDING:
            raise errors.PaymentError(_("This payment is no longer awaiting a transfer."))
        if locked.vouchers.filter(status=TransferVoucher.Status.SUBMITTED).exists():
            raise errors.PaymentError(_("Your receipt is already being checked."))
        voucher = TransferVoucher.objects.create(
            payment=locked, file=file, payer_name=payer_name[:100], note=(note or "").strip()[:200]
        )
        context = {
            "payment_no": locked.checkout.payment_no,
            "amount": format_yuan(locked.amount),
            "payer": payer_name[:100],
        }
        for staff in User.objects.filter(is_staff=True, is_active=True):
            notify(
                staff,
                "transfer_submitted",
                context,
                url=f"/admin/payments/transfervoucher/{voucher.pk}/change/",
            )
    return voucher


def confirm_transfer(voucher: TransferVoucher, *, by: User) -> TransferVoucher:
    """Staff saw the money arrive: the voucher is confirmed and the payment applied
    through the inbox, like a gateway's paid callback."""
    if not is_staff(by):
        raise errors.PaymentError(_("Only staff can confirm a transfer."))
    with transaction.atomic():
        locked = (
            TransferVoucher.objects.select_for_update().select_related("payment").get(pk=voucher.pk)
        )
        if locked.status != TransferVoucher.Status.SUBMITTED:
            raise errors.PaymentError(_("This receipt has already been reviewed."))
        locked.status = TransferVoucher.Status.CONFIRMED
        locked.reviewed_by = by
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        payment = locked.payment
        notice = Notice(
            out_trade_no=payment.out_trade_no,
            status=NoticeStatus.PAID,
            event_key=f"transfer:{locked.pk}",
            trade_status="CONFIRMED",
            amount=payment.amount,
            gateway_trade_no=f"V{locked.pk}",
            raw=(
                f"voucher {locked.pk} confirmed by staff {by.pk} ({by.display_name}); "
                f"payer {locked.payer_name}"
            ),
        )
        record_and_apply(Method.BANK, GatewayCallback.Kind.TRANSFER, notice)
    voucher.refresh_from_db()
    return voucher


def reject_transfer(voucher: TransferVoucher, *, by: User, reason: str) -> TransferVoucher:
    """Staff could not find the money: the payer is told why and may upload again."""
    if not is_staff(by):
        raise errors.PaymentError(_("Only staff can reject a transfer."))
    reason = (reason or "").strip()
    if not reason:
        raise errors.PaymentError(_("Tell the payer why the transfer is not confirmed."))
    with transaction.atomic():
        locked = (
            TransferVoucher.objects.select_for_update()
            .select_related("payment__checkout")
            .get(pk=voucher.pk)
        )
        if locked.status != TransferVoucher.Status.SUBMITTED:
            raise errors.PaymentError(_("This receipt has already been reviewed."))
        locked.status = TransferVoucher.Status.REJECTED
        locked.reviewed_by = by
        locked.reviewed_at = timezone.now()
        locked.reject_reason = reason[:500]
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "reject_reason"])
        checkout = locked.payment.checkout
        notify(
            User(pk=checkout.buyer_id),
            "transfer_rejected",
            {"payment_no": checkout.payment_no, "reason": reason[:500]},
            url=f"/pay/{checkout.payment_no}/transfer/",
        )
    voucher.refresh_from_db()
    return voucher
