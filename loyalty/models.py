"""Membership plans and members, the points ledger, and coupons.

A ``MembershipPlan`` is sold like any service, through the cart and checkout: it keeps a
catalogue ``Package`` of the platform's own (``Service.Kind.MEMBERSHIP``) in step with its
name and price. Paying for it writes a ``MembershipGrant`` and moves the learner's
``Membership`` on. Points live in one ``PointsAccount`` per learner; every change is a
``PointsEntry`` with the balance after it. A ``Coupon`` is a batch staff or a provider
issues; a learner's claimed copy is a ``UserCoupon``.

Orders sit above this app: rows here refer to them by order number, not by key.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Package, Service
from ksmall.money import format_yuan_short, to_money


def rate_label(rate: Decimal) -> str:
    """A discount rate the Chinese way: 0.85 → "8.5", 0.90 → "9" (as in 8.5 折)."""
    tenths = (rate * 10).normalize()
    return f"{tenths:f}"


def discount_label(rate: Decimal) -> str:
    """What paying ``rate`` of the price is called: "8.5折" in Chinese, "15% off" in
    English (the two count differently, so this is not a translated string)."""
    if get_language().startswith("zh"):
        return f"{rate_label(rate)}折"
    percent = ((1 - rate) * 100).normalize()
    return _("%(percent)s%% off") % {"percent": f"{percent:f}"}


# ---- membership ---------------------------------------------------------------------------


class MembershipPlan(models.Model):
    """A membership staff sell: a price for a number of days at a discount rate."""

    name = models.CharField(_("name"), max_length=30)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    days = models.PositiveSmallIntegerField(_("length (days)"))
    discount_rate = models.DecimalField(
        _("member discount rate"),
        max_digits=3,
        decimal_places=2,
        help_text=_("What members pay of the list price, e.g. 0.90 for 10 percent off."),
    )
    perks = models.TextField(_("perks"), blank=True, help_text=_("One perk per line."))
    is_active = models.BooleanField(_("on sale"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    # The catalogue package the plan is sold as (loyalty.services.save_plan keeps it).
    package = models.OneToOneField(
        Package,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="membership_plan",
        verbose_name=_("package"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("membership plan")
        verbose_name_plural = _("membership plans")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="loyalty_plan_price_gt_0"),
            models.CheckConstraint(
                condition=Q(days__gte=1) & Q(days__lte=3660), name="loyalty_plan_days_1_3660"
            ),
            models.CheckConstraint(
                condition=Q(discount_rate__gte=Decimal("0.50"))
                & Q(discount_rate__lte=Decimal("1.00")),
                name="loyalty_plan_rate_50_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def perk_list(self) -> list[str]:
        return [line.strip() for line in self.perks.splitlines() if line.strip()]

    @property
    def rate_label(self) -> str:
        return rate_label(self.discount_rate)

    @property
    def discount_label(self) -> str:
        return discount_label(self.discount_rate)

    @property
    def has_discount(self) -> bool:
        return self.discount_rate < 1

    @property
    def price_per_day(self) -> Decimal:
        return to_money(self.price / self.days)


class Membership(models.Model):
    """A learner's membership: active until ``ends_at``, at ``plan``'s discount rate (the
    best plan among the periods bought that have not ended)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name=_("member"),
    )
    plan = models.ForeignKey(
        MembershipPlan, on_delete=models.PROTECT, related_name="+", verbose_name=_("plan")
    )
    started_at = models.DateTimeField(_("member since"))
    ends_at = models.DateTimeField(_("ends at"))
    # The end date the expiry reminder was sent for: one reminder per end date.
    reminded_for = models.DateTimeField(_("reminded for"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-ends_at"]
        indexes = [models.Index(fields=["ends_at"], name="loyalty_membership_ends")]

    def __str__(self) -> str:
        return f"{self.user}: {self.plan} → {self.ends_at:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        return self.ends_at > timezone.now()

    @property
    def days_left(self) -> int:
        left = self.ends_at - timezone.now()
        return max(0, left.days + (1 if left.seconds else 0))


class MembershipGrant(models.Model):
    """One paid plan (开通记录): the days it added, from when to when. A fully refunded
    order takes its days back (``revoked_at``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership_grants",
        verbose_name=_("member"),
    )
    plan = models.ForeignKey(
        MembershipPlan, on_delete=models.PROTECT, related_name="grants", verbose_name=_("plan")
    )
    order_no = models.CharField(_("order number"), max_length=32)
    days = models.PositiveIntegerField(_("days"))
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    revoked_at = models.DateTimeField(_("taken back at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("membership purchase")
        verbose_name_plural = _("membership purchases")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["order_no", "plan"], name="loyalty_grant_once"),
        ]

    def __str__(self) -> str:
        return f"{self.order_no}: {self.plan} × {self.days}"


# ---- points -------------------------------------------------------------------------------


class PointsAccount(models.Model):
    """A learner's points balance; its row is the lock every points change takes."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="points_account",
        verbose_name=_("learner"),
    )
    balance = models.IntegerField(_("balance"), default=0)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="loyalty_points_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.balance}"


class PointsEntry(models.Model):
    """One change of a learner's points, with why, the order, and the balance after."""

    class Reason(models.TextChoices):
        EARN = "earn", _("Earned on a completed order")
        REDEEM = "redeem", _("Used at checkout")
        RETURN = "return", _("Returned: order cancelled")
        REFUND_RETURN = "refund_return", _("Returned with a refund")
        RECLAIM = "reclaim", _("Taken back: order refunded")
        ADJUST = "adjust", _("Adjusted by staff")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="points_entries",
        verbose_name=_("learner"),
    )
    change = models.IntegerField(_("change"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    order_no = models.CharField(_("order number"), max_length=32, blank=True)
    # What the change is for within the order (a refund's id), so that each applies once.
    ref = models.CharField(_("reference"), max_length=32, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    balance_after = models.IntegerField(_("balance after"))
    created_at = models.DateTimeField(_("at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="loyalty_points_user")]
        constraints = [
            models.CheckConstraint(condition=~Q(change=0), name="loyalty_points_change_not_0"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="loyalty_points_after_gte_0"
            ),
            models.UniqueConstraint(
                fields=["user", "reason", "order_no", "ref"],
                condition=~Q(order_no=""),
                name="loyalty_points_once_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.change:+d} ({self.reason})"


# ---- coupons ------------------------------------------------------------------------------


class Coupon(models.Model):
    """A batch of coupons (优惠券) learners claim: issued by the platform (any service) or
    by a provider (their own services), for a window of time, in a limited quantity."""

    class Kind(models.TextChoices):
        AMOUNT_OFF = "amount_off", _("Amount off above a threshold")
        PERCENT_OFF = "percent_off", _("Percentage off")
        NEW_USER = "new_user", _("New-user coupon")

    # Empty for the platform's coupons.
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issued_coupons",
        verbose_name=_("issued by provider"),
        limit_choices_to={"provider_profile__isnull": False},
    )
    name = models.CharField(_("name"), max_length=30)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount = models.DecimalField(
        _("amount off"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    rate = models.DecimalField(
        _("pay rate"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("What is paid of the price, e.g. 0.85 for 15 percent off."),
    )
    cap = models.DecimalField(_("most off"), max_digits=10, decimal_places=2, null=True, blank=True)
    threshold = models.DecimalField(
        _("minimum spend"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_("The amount the coupon's services must reach; 0 for none."),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("only for the category"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("only for the service"),
    )
    starts_at = models.DateTimeField(_("valid from"))
    ends_at = models.DateTimeField(_("valid until"))
    total_quantity = models.PositiveIntegerField(_("quantity"))
    claimed_count = models.PositiveIntegerField(_("claimed"), default=0, editable=False)
    per_user_limit = models.PositiveSmallIntegerField(_("per learner"), default=1)
    is_active = models.BooleanField(
        _("claimable"),
        default=True,
        help_text=_("Stopping ends claiming; coupons already claimed stay valid."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["is_active", "ends_at"], name="loyalty_coupon_live"),
            models.Index(fields=["provider", "-created_at"], name="loyalty_coupon_provider"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(claimed_count__lte=F("total_quantity")),
                name="loyalty_coupon_never_over_issued",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="loyalty_coupon_window"
            ),
            models.CheckConstraint(condition=Q(threshold__gte=0), name="loyalty_coupon_threshold"),
            models.CheckConstraint(
                condition=Q(per_user_limit__gte=1), name="loyalty_coupon_per_user_gte_1"
            ),
            models.CheckConstraint(
                condition=(Q(kind="percent_off") & Q(rate__gt=0) & Q(rate__lt=1))
                | (~Q(kind="percent_off") & Q(amount__gt=0)),
                name="loyalty_coupon_kind_values",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_platform(self) -> bool:
        return self.provider_id is None

    @property
    def left(self) -> int:
        return max(0, self.total_quantity - self.claimed_count)

    @property
    def rate_label(self) -> str:
        return rate_label(self.rate) if self.rate is not None else ""

    @property
    def discount_label(self) -> str:
        return discount_label(self.rate) if self.rate is not None else ""

    @property
    def summary(self) -> str:
        """The coupon in a few words: 满300减50, 无门槛减20, 满100打8.5折 最多减30."""
        if self.kind == self.Kind.PERCENT_OFF:
            text = discount_label(self.rate)
            if self.cap is not None:
                text += " " + _("up to %(cap)s off") % {"cap": format_yuan_short(self.cap)}
        else:
            text = _("%(amount)s off") % {"amount": format_yuan_short(self.amount)}
        if self.threshold > 0:
            return _("Spend %(threshold)s, %(offer)s") % {
                "threshold": format_yuan_short(self.threshold),
                "offer": text,
            }
        return _("No minimum, %(offer)s") % {"offer": text}

    def is_running(self, now=None) -> bool:
        """Inside its window of validity."""
        now = now or timezone.now()
        return self.starts_at <= now < self.ends_at


class UserCoupon(models.Model):
    """A coupon a learner claimed: available until used on an order or until the batch's
    window ends. An order that is cancelled before payment gives it back."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        USED = "used", _("Used")

    coupon = models.ForeignKey(
        Coupon, on_delete=models.PROTECT, related_name="claims", verbose_name=_("coupon")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="coupons",
        verbose_name=_("learner"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.AVAILABLE
    )
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now, editable=False)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    # The checkout it was used on (its payment number).
    used_on = models.CharField(_("used on"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("claimed coupon")
        verbose_name_plural = _("claimed coupons")
        ordering = ["-claimed_at", "-pk"]
        indexes = [models.Index(fields=["user", "status"], name="loyalty_usercoupon_user")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.coupon}"
