"""Checkouts, orders, their lines and timelines.

A ``Checkout`` is one submitted checkout form: one payment covers it (合并支付). It holds
one ``Order`` per provider (拆单), each with ``OrderLine`` snapshots of what was bought at
what price, and an ``OrderEvent`` timeline. Orders change state only through
``orders.services.transition`` along the table in ``orders.states``. A ``Refund`` is one
request to pay money back on an order, with its photos (``RefundImage``).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from catalog.models import Package, Review, Service, UploadTo, refund_policy_text
from ksmall.money import to_money
from loyalty.models import UserCoupon

NUMBER_LENGTH = 32  # order and payment numbers are gateway out_trade_no values


def adds_up(field: str, amount) -> Q:
    """``field`` equals ``amount`` to the fen. (Within half a fen: SQLite computes decimals
    as floating point; PostgreSQL's numeric is exact, where this means equal.)"""
    half_fen = Decimal("0.005")
    return Q(**{f"{field}__gte": amount - half_fen}) & Q(**{f"{field}__lte": amount + half_fen})


def lines_title(titles: list[str]) -> str:
    """The first line's title, and how many more: "雅思口语冲刺班 等 3 项"."""
    if len(titles) <= 1:
        return titles[0] if titles else ""
    more = len(titles) - 1
    return ngettext("%(title)s and %(n)d more", "%(title)s and %(n)d more", more) % {
        "title": titles[0],
        "n": more,
    }


class Checkout(models.Model):
    """One submitted checkout and the single payment that will cover its orders (the
    payments app attaches its gateway payment to it by ``payment_no``)."""

    payment_no = models.CharField(_("payment number"), max_length=NUMBER_LENGTH, unique=True)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="checkouts",
        verbose_name=_("buyer"),
    )
    total = models.DecimalField(_("total"), max_digits=10, decimal_places=2)
    # The checkout form's idempotency key: submitting the same form twice gives back the
    # first checkout instead of a second one.
    token = models.CharField(_("form token"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("placed at"), default=timezone.now, editable=False)
    pay_deadline = models.DateTimeField(_("pay before"))

    class Meta:
        verbose_name = _("checkout")
        verbose_name_plural = _("checkouts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["buyer", "token"], name="orders_checkout_token_once"),
            models.CheckConstraint(condition=Q(total__gte=0), name="orders_checkout_total_gte_0"),
        ]

    def __str__(self) -> str:
        return self.payment_no

    @property
    def amount_due(self):
        """What is still to pay: the orders awaiting payment (one may have been cancelled
        since the checkout). Prefetch ``orders``."""
        pending = [o.total for o in self.orders.all() if o.status == Order.Status.PENDING_PAYMENT]
        return sum(pending, Decimal("0.00"))


# What an order is worth to its provider: the learner's money plus what the platform funds
# (its coupon and the points). Sum it for the provider's revenue figures.
PROVIDER_PRICE = F("total") + F("platform_coupon_discount") + F("points_discount")
# The same for one line: what the learner paid for it, plus what the platform paid.
LINE_PROVIDER_PRICE = F("paid") + F("platform_coupon_discount") + F("points_discount")


class Order(models.Model):
    """What one learner bought from one provider in one checkout."""

    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
        PAID = "paid", _("Paid")
        AWAITING_SERVICE = "awaiting_service", _("Awaiting service")
        IN_SERVICE = "in_service", _("In service")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    order_no = models.CharField(_("order number"), max_length=NUMBER_LENGTH, unique=True)
    checkout = models.ForeignKey(
        Checkout, on_delete=models.PROTECT, related_name="orders", verbose_name=_("checkout")
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("buyer"),
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="provider_orders",
        verbose_name=_("provider"),
    )
    provider_name = models.CharField(_("provider name"), max_length=60)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT
    )
    # What the learner pays in money: ``subtotal`` less the member price, coupons and points
    # (loyalty.pricing applies them; the lines carry each one's share).
    total = models.DecimalField(_("total"), max_digits=10, decimal_places=2)
    subtotal = models.DecimalField(_("list price"), max_digits=10, decimal_places=2)
    member_discount = models.DecimalField(
        _("member discount"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    provider_coupon_discount = models.DecimalField(
        _("provider coupon"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    platform_coupon_discount = models.DecimalField(
        _("platform coupon"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    points_used = models.PositiveIntegerField(_("points used"), default=0)
    points_discount = models.DecimalField(
        _("paid with points"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    provider_coupon = models.ForeignKey(
        UserCoupon,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("provider coupon used"),
    )
    platform_coupon = models.ForeignKey(
        UserCoupon,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("platform coupon used"),
    )
    contact_name = models.CharField(_("contact name"), max_length=40)
    contact_phone = models.CharField(_("contact mobile number"), max_length=16)
    note = models.TextField(_("note to the provider"), max_length=500, blank=True)
    schedule = models.TextField(
        _("schedule"), blank=True, help_text=_("When and where: time, address or join link.")
    )
    service_summary = models.TextField(_("service summary"), blank=True)
    created_at = models.DateTimeField(_("placed at"), default=timezone.now, editable=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    # Set when the order gives its seats back (cancel, timeout, refund), so it does once.
    seats_released = models.BooleanField(_("seats given back"), default=False)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["buyer", "-created_at"], name="orders_order_buyer"),
            models.Index(fields=["provider", "status", "-created_at"], name="orders_order_desk"),
            models.Index(fields=["status", "created_at"], name="orders_order_timers"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="orders_order_total_gte_0"),
            models.CheckConstraint(
                condition=adds_up(
                    "total",
                    F("subtotal")
                    - F("member_discount")
                    - F("provider_coupon_discount")
                    - F("platform_coupon_discount")
                    - F("points_discount"),
                ),
                name="orders_order_total_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return self.order_no

    @property
    def coupon_discount(self) -> Decimal:
        return self.provider_coupon_discount + self.platform_coupon_discount

    @property
    def has_discounts(self) -> bool:
        return self.subtotal != self.total

    @property
    def platform_subsidy(self) -> Decimal:
        """What the platform pays the provider on top of the learner's money: its coupon
        and the points (the member price and the provider's coupon are the provider's)."""
        return self.platform_coupon_discount + self.points_discount

    def provider_share(self, money: Decimal) -> Decimal:
        """The part of the provider's price that ``money`` paid by the learner stands for:
        ``money`` plus the platform's subsidy on it, in proportion (rounded half up)."""
        if self.total <= 0:
            return to_money(money)
        return to_money(money * (self.total + self.platform_subsidy) / self.total)

    @property
    def is_payable(self) -> bool:
        return self.status == self.Status.PENDING_PAYMENT

    @property
    def title(self) -> str:
        """What the order is called in lists and messages (prefetch ``lines``)."""
        return lines_title([line.title for line in self.lines.all()])

    @property
    def is_self_paced(self) -> bool:
        """Every line starts at once after payment (prefetch ``lines``)."""
        lines = list(self.lines.all())
        return bool(lines) and all(
            line.fulfilment == Service.Fulfilment.SELF_PACED for line in lines
        )

    @property
    def open_refund(self) -> "Refund | None":
        """The refund being handled now (待处理, 已同意 or 平台介入中), if any; prefetch
        ``refunds`` to read it without a query."""
        return next((refund for refund in self.refunds.all() if refund.is_open), None)


class OrderLine(models.Model):
    """One package bought, with snapshots of what it was when it was bought: later edits
    to the listing change nothing here."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_lines",
        verbose_name=_("service"),
    )
    package = models.ForeignKey(
        Package,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_lines",
        verbose_name=_("package"),
    )
    title = models.CharField(_("title"), max_length=80)
    package_name = models.CharField(_("package"), max_length=40)
    # [{"id": 3, "name": "1对1答疑", "price": "200.00"}, …] at purchase time.
    addons = models.JSONField(_("add-ons"), default=list, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    quantity = models.PositiveSmallIntegerField(_("quantity"))
    # unit_price × quantity, at list price.
    total = models.DecimalField(_("total"), max_digits=10, decimal_places=2)
    # This line's share of each discount of the order, and what is left to pay in money.
    member_discount = models.DecimalField(
        _("member discount"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    provider_coupon_discount = models.DecimalField(
        _("provider coupon"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    platform_coupon_discount = models.DecimalField(
        _("platform coupon"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    points_used = models.PositiveIntegerField(_("points used"), default=0)
    points_discount = models.DecimalField(
        _("paid with points"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    paid = models.DecimalField(_("paid"), max_digits=10, decimal_places=2)
    fulfilment = models.CharField(
        _("fulfilment"), max_length=16, choices=Service.Fulfilment.choices
    )
    starts_on = models.DateField(_("start date"), null=True, blank=True)
    study_days = models.PositiveSmallIntegerField(_("study period (days)"), null=True, blank=True)
    # The service's refund policy when it was bought: later edits do not change the rule.
    refund_policy = models.CharField(
        _("refund policy"),
        max_length=16,
        choices=Service.RefundPolicy.choices,
        default=Service.RefundPolicy.BEFORE_START,
    )
    # The learner's review of this line, once the order is complete: one per line.
    review = models.OneToOneField(
        Review,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_line",
        verbose_name=_("review"),
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=99),
                name="orders_line_quantity_1_99",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="orders_line_unit_price_gte_0"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="orders_line_total_gte_0"),
            models.CheckConstraint(
                condition=adds_up(
                    "paid",
                    F("total")
                    - F("member_discount")
                    - F("provider_coupon_discount")
                    - F("platform_coupon_discount")
                    - F("points_discount"),
                ),
                name="orders_line_paid_adds_up",
            ),
            models.CheckConstraint(condition=Q(paid__gte=0), name="orders_line_paid_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.package_name} × {self.quantity}"

    @property
    def coupon_discount(self) -> Decimal:
        return self.provider_coupon_discount + self.platform_coupon_discount

    @property
    def refund_policy_text(self) -> str:
        return refund_policy_text(self.refund_policy)


class OrderEvent(models.Model):
    """One entry of an order's timeline: who moved it from which status to which."""

    class Event(models.TextChoices):
        PLACE = "place", _("Order placed")
        PAY = "pay", _("Paid")
        CANCEL = "cancel", _("Cancelled")
        TIMEOUT = "timeout", _("Not paid in time")
        ACCEPT = "accept", _("Accepted by the provider")
        START = "start", _("Service started")
        COMPLETE = "complete", _("Completed")
        REFUND = "refund", _("Refunded")

    class Role(models.TextChoices):
        LEARNER = "learner", _("Learner")
        PROVIDER = "provider", _("Provider")
        STAFF = "staff", _("Customer service")
        SYSTEM = "system", _("System")
        PAYMENT = "payment", _("Payment")

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order")
    )
    event = models.CharField(_("event"), max_length=16, choices=Event.choices)
    from_status = models.CharField(
        _("from status"), max_length=20, choices=Order.Status.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=20, choices=Order.Status.choices)
    # Null for moves made by the system: timers, the payment callback, the refund flow.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    actor_role = models.CharField(_("acting as"), max_length=16, choices=Role.choices)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("happened at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order timeline")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.event} → {self.to_status}"


class Refund(models.Model):
    """Money paid back on an order: usually the buyer's request, which the provider
    answers within ``respond_by`` (else it is approved automatically); a rejection can be
    escalated once to the platform, whose staff approve or reject it again. After an order
    is completed only staff can refund it: such a refund (kind ``after_completion``) starts
    approved. An approved refund is paid back (``refunded``) by the gateway; see
    ``orders.services`` ("refunds") for every move and ``orders.states.REFUND_MOVES``.
    """

    class Kind(models.TextChoices):
        REQUEST = "request", _("Requested by the learner")
        AFTER_COMPLETION = "after_completion", _("Platform refund after completion")

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("refund status", "Pending")
        APPROVED = "approved", pgettext_lazy("refund status", "Approved")
        REJECTED = "rejected", pgettext_lazy("refund status", "Rejected")
        ESCALATED = "escalated", pgettext_lazy("refund status", "Under platform review")
        REFUNDED = "refunded", pgettext_lazy("refund status", "Refunded")

    # Being handled: at most one such refund per order.
    OPEN_STATUSES = (Status.REQUESTED, Status.APPROVED, Status.ESCALATED)

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("order")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    reason = models.TextField(_("reason"), max_length=500)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    # Who started it: the buyer (on an order not completed yet) or staff (on a completed
    # order; ``orders.states.REFUNDABLE_BY_PLATFORM_STATUSES``).
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REQUEST)
    respond_by = models.DateTimeField(_("provider responds by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Null when the system decided (no answer in time).
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_note = models.TextField(_("answer"), blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "respond_by"], name="orders_refund_timer"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="orders_refund_amount_gt_0"),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=["requested", "approved", "escalated"]),
                name="orders_refund_one_open_per_order",
            ),
            # The platform's refund is decided when it is made: never pending or rejected.
            models.CheckConstraint(
                condition=~Q(kind="after_completion") | Q(status__in=["approved", "refunded"]),
                name="orders_refund_platform_starts_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.amount} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_after_completion(self) -> bool:
        return self.kind == self.Kind.AFTER_COMPLETION

    @property
    def can_be_escalated(self) -> bool:
        """Rejected and not yet put to the platform (the platform decides once)."""
        return self.status == self.Status.REJECTED and self.escalated_at is None


class RefundImage(models.Model):
    """A photo the learner attached to a refund, re-encoded like gallery images."""

    refund = models.ForeignKey(
        Refund, on_delete=models.CASCADE, related_name="images", verbose_name=_("refund")
    )
    image = models.ImageField(
        _("image"), upload_to=UploadTo("refunds"), width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    thumbnail = models.ImageField(
        _("thumbnail"),
        upload_to=UploadTo("refunds"),
        width_field="thumbnail_width",
        height_field="thumbnail_height",
    )
    thumbnail_width = models.PositiveIntegerField(null=True, editable=False)
    thumbnail_height = models.PositiveIntegerField(null=True, editable=False)

    class Meta:
        verbose_name = _("refund photo")
        verbose_name_plural = _("refund photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.image.name


# ---- settlement (结算) ------------------------------------------------------------------------
# The platform keeps a commission on each completed order and owes the provider the rest.
# Every movement of that money is a ``LedgerEntry``; ``ProviderBalance`` is the running
# total, locked while an entry is written. ``orders.settlement`` writes them all.


class CommissionRate(models.Model):
    """A provider's own commission rate; providers without one pay
    ``settings.PLATFORM_COMMISSION_RATE``."""

    provider = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="commission_rate",
        verbose_name=_("provider"),
    )
    rate = models.DecimalField(
        _("commission rate"),
        max_digits=4,
        decimal_places=4,
        help_text=_("The platform's share of each completed order, e.g. 0.1000 for 10%."),
    )

    class Meta:
        verbose_name = _("commission rate")
        verbose_name_plural = _("commission rates")
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=1), name="orders_commission_rate_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.rate}"


class ProviderBalance(models.Model):
    """What the platform owes a provider now: the sum of their ledger entries. Its row is
    the lock that puts a provider's ledger writes one after another."""

    provider = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="settlement_balance",
        verbose_name=_("provider"),
    )
    balance = models.DecimalField(_("balance"), max_digits=12, decimal_places=2, default=0)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("provider balance")
        verbose_name_plural = _("provider balances")
        ordering = ["-balance", "provider_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="orders_provider_balance_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.balance}"


class PayoutBatch(models.Model):
    """Payouts staff make together: drafted from the providers' balances, then paid by
    bank transfer (``bank_reference``), which writes one payout entry per provider."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PAID = "paid", _("Paid")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("payout batch")
        verbose_name_plural = _("payout batches")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk}"


class Payout(models.Model):
    """One provider's share of a payout batch: their whole balance when it was drafted."""

    batch = models.ForeignKey(
        PayoutBatch, on_delete=models.CASCADE, related_name="payouts", verbose_name=_("batch")
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="payouts",
        verbose_name=_("provider"),
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["batch_id", "provider_id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="orders_payout_amount_gt_0"),
            models.UniqueConstraint(
                fields=["batch", "provider"], name="orders_payout_one_per_provider"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.provider_id} {self.amount}"


class LedgerEntry(models.Model):
    """One movement of a provider's settlement balance: a credit when an order completes,
    a debit when money of a completed order goes back to the learner, a payout when the
    platform pays the provider. ``balance_after`` is the balance once it is written."""

    class Kind(models.TextChoices):
        CREDIT = "credit", _("Credit")
        DEBIT = "debit", _("Debit")
        PAYOUT = "payout", _("Payout")

    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("provider"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("order"),
    )
    refund = models.ForeignKey(
        Refund,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("refund"),
    )
    payout = models.ForeignKey(
        Payout,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("payout"),
    )
    # The commission rate a credit was computed with; its debits use the same rate.
    commission_rate = models.DecimalField(
        _("commission rate"), max_digits=4, decimal_places=4, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    balance_after = models.DecimalField(_("balance after"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("settlement ledger")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["provider", "-created_at"], name="orders_ledger_provider"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="orders_ledger_amount_gt_0"),
            models.UniqueConstraint(
                fields=["order"], condition=Q(kind="credit"), name="orders_ledger_one_credit"
            ),
            models.UniqueConstraint(
                fields=["refund"], condition=Q(kind="debit"), name="orders_ledger_one_debit"
            ),
            models.UniqueConstraint(
                fields=["payout"], condition=Q(kind="payout"), name="orders_ledger_one_payout"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.kind} {self.amount}"
