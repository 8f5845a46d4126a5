"""Payments: one row per attempt to pay a checkout at a gateway, the inbox of verified
gateway callbacks, refunds sent to the gateway, bank-transfer vouchers, and the sandbox's
own record of the trades it simulates.

Every change of a payment's state goes through ``payments.services``; a callback is first
stored here (``GatewayCallback``) and only then applied, so none is lost or applied twice.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.storage import private_storage
from catalog.models import UploadTo
from orders.models import Checkout, Refund


class Method(models.TextChoices):
    ALIPAY = "alipay", _("Alipay")
    WECHAT = "wechat", _("WeChat Pay")
    BANK = "bank", _("Bank transfer")


class Payment(models.Model):
    """One attempt to pay a checkout's amount due, with one gateway trade number.

    A learner who switches from Alipay to WeChat Pay, or comes back after one of the
    orders was cancelled, starts a new attempt (a fresh ``out_trade_no``); the older one is
    closed at the gateway. Money that arrives on an attempt the orders no longer need (a
    late or a second payment) is refunded automatically (``GatewayRefund.Reason``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("payment status", "Awaiting payment")
        PAID = "paid", pgettext_lazy("payment status", "Paid")
        CLOSED = "closed", pgettext_lazy("payment status", "Closed")
        FAILED = "failed", pgettext_lazy("payment status", "Failed")

    class Channel(models.TextChoices):
        PAGE = "page", _("Computer website")
        WAP = "wap", _("Mobile website")
        NATIVE = "native", _("QR code")
        H5 = "h5", _("Mobile browser")
        TRANSFER = "transfer", _("Bank transfer")

    checkout = models.ForeignKey(
        Checkout, on_delete=models.PROTECT, related_name="payments", verbose_name=_("checkout")
    )
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    out_trade_no = models.CharField(_("trade number"), max_length=32, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    # Made against the simulated gateway: no real money moved.
    is_sandbox = models.BooleanField(_("sandbox"), default=False)
    gateway_trade_no = models.CharField(_("gateway trade number"), max_length=64, blank=True)
    # What the cashier shows again when the learner comes back: the WeChat QR code's
    # content (``code_url``, valid two hours) or the gateway page to go to.
    start_data = models.JSONField(_("gateway start data"), default=dict, blank=True)
    payer_ip = models.GenericIPAddressField(_("payer IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("payment started at"), default=timezone.now, editable=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    last_queried_at = models.DateTimeField(_("last asked the gateway"), null=True, blank=True)
    # Something staff must look at: an amount or merchant mismatch, a refund that failed.
    is_flagged = models.BooleanField(_("needs attention"), default=False)
    flag_reason = models.TextField(_("why it needs attention"), blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="payments_pending_sweep"),
            models.Index(fields=["gateway_trade_no"], name="payments_gateway_trade_no"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return self.out_trade_no

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class GatewayCallback(models.Model):
    """One verified message from a gateway, stored before it is acknowledged and applied
    by a Celery task (``payments.services.apply_callback``).

    ``event_key`` names what the message says about the trade (``TRADE_SUCCESS``, a refund
    number, a query's answer): the same message sent again finds its row and is applied
    once. Also rows for what the site learns by asking the gateway (``kind=query``) and for
    staff confirming a bank transfer, so that every way money arrives takes one path.
    """

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment notification")
        REFUND = "refund", _("Refund notification")
        QUERY = "query", _("Gateway query")
        TRANSFER = "transfer", _("Bank transfer confirmed")

    class Outcome(models.TextChoices):
        PENDING = "", _("Not applied yet")
        APPLIED = "applied", _("Applied")
        UNCHANGED = "unchanged", _("Nothing to change")
        FLAGGED = "flagged", _("Flagged for staff")
        IGNORED = "ignored", _("Ignored")

    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    event_key = models.CharField(_("event"), max_length=80)
    out_trade_no = models.CharField(_("trade number"), max_length=64)
    gateway_trade_no = models.CharField(_("gateway trade number"), max_length=64, blank=True)
    trade_status = models.CharField(_("gateway status"), max_length=32, blank=True)
    # What it says, in the site's words (payments.gateways.NoticeStatus).
    status = models.CharField(_("meaning"), max_length=16)
    amount = models.DecimalField(
        _("amount"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    app_id = models.CharField(_("app id"), max_length=64, blank=True)
    merchant_id = models.CharField(_("merchant id"), max_length=64, blank=True)
    refund_no = models.CharField(_("refund number"), max_length=64, blank=True)
    raw_body = models.TextField(_("raw message"))
    remote_addr = models.GenericIPAddressField(_("sent from"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, editable=False)
    # How many times the same message arrived again after the first.
    repeats = models.PositiveIntegerField(_("repeats"), default=0)
    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks",
        verbose_name=_("payment"),
    )
    applied_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, blank=True, default=""
    )
    outcome_note = models.TextField(_("outcome note"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("gateway callback")
        verbose_name_plural = _("gateway callbacks")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["method", "out_trade_no", "event_key"], name="payments_callback_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                name="payments_callback_unapplied",
                condition=Q(applied_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.out_trade_no} {self.event_key}"


class GatewayRefund(models.Model):
    """Money sent back through the gateway a payment came from: an approved ``Refund`` of
    an order, or a payment the orders no longer needed. ``out_request_no`` makes a retry
    of the same refund refund once."""

    class Reason(models.TextChoices):
        ORDER_REFUND = "order", _("Refund of an order")
        LATE_PAYMENT = "late", _("Paid after the orders were cancelled")
        DUPLICATE = "duplicate", _("Paid twice")
        OVERPAID = "overpaid", _("Paid more than the orders still due")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("gateway refund status", "Sending")
        SUCCEEDED = "succeeded", pgettext_lazy("gateway refund status", "Refunded")
        FAILED = "failed", pgettext_lazy("gateway refund status", "Failed")

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    refund = models.OneToOneField(
        Refund,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gateway_refund",
        verbose_name=_("order refund"),
    )
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    out_request_no = models.CharField(_("refund number"), max_length=64, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    gateway_refund_no = models.CharField(_("gateway refund number"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The gateway's own words when it refused or failed.
    last_error = models.TextField(_("gateway message"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    succeeded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("gateway refund")
        verbose_name_plural = _("gateway refunds")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return self.out_request_no


class TransferVoucher(models.Model):
    """The receipt (回单) a company uploads after paying by bank transfer; staff confirm
    the money arrived, which pays the orders, or reject it with a reason."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("voucher status", "Awaiting confirmation")
        CONFIRMED = "confirmed", pgettext_lazy("voucher status", "Confirmed")
        REJECTED = "rejected", pgettext_lazy("voucher status", "Rejected")

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("payment")
    )
    # Private: a company's bank details. Staff open it through the admin's file view.
    file = models.FileField(_("voucher"), upload_to=UploadTo("vouchers"), storage=private_storage)
    payer_name = models.CharField(_("paying account name"), max_length=100)
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reject_reason = models.TextField(_("reason for rejection"), blank=True)

    class Meta:
        verbose_name = _("transfer voucher")
        verbose_name_plural = _("transfer vouchers")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.payment} · {self.payer_name}"


class SandboxTrade(models.Model):
    """The simulated gateway's own books: what it was asked to charge, whether the payer
    paid, and what it refunded. Queries, closes and refunds in the sandbox answer from
    here, never from ``Payment``, so the site checks itself against an outside record."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for the payer")
        PAID = "paid", _("Paid")
        CLOSED = "closed", _("Closed")

    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    out_trade_no = models.CharField(_("trade number"), max_length=64, unique=True)
    trade_no = models.CharField(_("gateway trade number"), max_length=64, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    subject = models.CharField(_("subject"), max_length=256, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.WAITING
    )
    # {out_request_no: "12.00"}: each refund number refunds once.
    refunds = models.JSONField(_("refunds"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sandbox trade")
        verbose_name_plural = _("sandbox trades")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.out_trade_no

    @property
    def refunded(self) -> Decimal:
        return sum((Decimal(v) for v in self.refunds.values()), Decimal("0.00"))
