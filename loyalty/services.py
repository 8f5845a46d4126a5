"""Every write of membership, points and coupons. Each function is one transaction and
locks what it changes: the learner's ``PointsAccount`` row for points, the ``Membership``
row for membership, the ``Coupon`` row for claims, the ``UserCoupon`` rows for use.

Orders call these inside their own transactions (placing, cancelling, paying, completing,
refunding), by order number: this app sits below orders and never imports it.
"""

import logging
from collections.abc import Sequence
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser as User
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Package, Service
from ksmall.money import format_yuan, to_money
from notifications.services import notify

from . import errors
from .models import (
    Coupon,
    Membership,
    MembershipGrant,
    MembershipPlan,
    PointsAccount,
    PointsEntry,
    UserCoupon,
)
from .selectors import BEST_RATE_CACHE_KEY, forget_membership

logger = logging.getLogger(__name__)

Reason = PointsEntry.Reason
PLATFORM_SELLER_USERNAME = "ksmall-platform"


# ---- membership plans as catalogue products -------------------------------------------------


def platform_seller() -> User:
    """The account the platform sells its own products as (never signs in)."""
    user_model = get_user_model()
    seller = user_model.objects.filter(username=PLATFORM_SELLER_USERNAME).first()
    if seller is None:
        seller = user_model(username=PLATFORM_SELLER_USERNAME, nickname="KS Mall", is_active=False)
        seller.set_unusable_password()
        seller.save()
    return seller


@transaction.atomic
def save_plan(plan: MembershipPlan) -> MembershipPlan:
    """Save ``plan`` and keep the catalogue package it is sold as in step: same name and
    price, on sale while the plan is. A membership is self-paced (it starts when paid)
    and not refundable by the learner once paid."""
    plan.save()
    if plan.package_id is None:
        service = Service.objects.create(
            provider=platform_seller(),
            kind=Service.Kind.MEMBERSHIP,
            category=None,
            title=plan.name,
            summary=_("KS Mall membership"),
            mode=Service.Mode.RECORDED,
            fulfilment=Service.Fulfilment.SELF_PACED,
            refund_policy=Service.RefundPolicy.NONE,
            has_member_price=False,
            status=Service.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        plan.package = Package.objects.create(service=service, name=plan.name, price=plan.price)
        plan.save(update_fields=["package"])
    package = plan.package
    Package.objects.filter(pk=package.pk).update(
        name=plan.name[:40], price=plan.price, is_active=plan.is_active
    )
    Service.objects.filter(pk=package.service_id).update(
        title=plan.name, price_from=plan.price, updated_at=timezone.now()
    )
    transaction.on_commit(lambda: cache.delete(BEST_RATE_CACHE_KEY))
    return plan


def _locked_membership(user: User) -> Membership | None:
    """The learner's membership row, locked; the learner's own row is locked first so
    that two first grants at once cannot both create one."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    return Membership.objects.select_for_update().filter(user=user).first()


def grant_membership(user: User, *, order_no: str, plan: MembershipPlan, quantity: int = 1):
    """A paid order bought ``plan`` (``quantity`` times): add its days after the current
    end (or from now when none is active). The better discount rate applies at once.
    Once per order: a second call returns the first grant."""
    with transaction.atomic():
        existing = MembershipGrant.objects.filter(order_no=order_no, plan=plan).first()
        if existing is not None:
            return existing
        now = timezone.now()
        membership = _locked_membership(user)
        days = plan.days * quantity
        if membership is None:
            starts_at = now
            membership = Membership(user=user, plan=plan, started_at=now, ends_at=now)
        elif membership.ends_at <= now:
            starts_at = now
            membership.plan, membership.started_at = plan, now
        else:
            starts_at = membership.ends_at
            if plan.discount_rate < membership.plan.discount_rate:
                membership.plan = plan
        ends_at = starts_at + timedelta(days=days)
        membership.ends_at = ends_at
        membership.save()
        grant = MembershipGrant.objects.create(
            user=user, plan=plan, order_no=order_no, days=days, starts_at=starts_at, ends_at=ends_at
        )
        transaction.on_commit(lambda: forget_membership(user.pk))
        notify(
            user,
            "membership_started",
            {"plan": plan.name, "until": timezone.localdate(ends_at).isoformat()},
            url="/me/membership/",
        )
    return grant


def revoke_membership(order_no: str) -> list[MembershipGrant]:
    """The order that bought a membership was refunded in full: take its days back
    (never before now), and the rate back to the best plan still running."""
    revoked = []
    with transaction.atomic():
        for grant in MembershipGrant.objects.filter(order_no=order_no, revoked_at=None):
            membership = _locked_membership(grant.user)
            grant = MembershipGrant.objects.select_for_update().get(pk=grant.pk)
            if grant.revoked_at is not None or membership is None:
                continue
            now = timezone.now()
            grant.revoked_at = now
            grant.save(update_fields=["revoked_at"])
            membership.ends_at = max(now, membership.ends_at - timedelta(days=grant.days))
            remaining = (
                MembershipGrant.objects.filter(user=grant.user, revoked_at=None, ends_at__gt=now)
                .select_related("plan")
                .order_by("plan__discount_rate")
                .first()
            )
            if remaining is not None:
                membership.plan = remaining.plan
            membership.save(update_fields=["ends_at", "plan"])
            transaction.on_commit(lambda user_id=grant.user_id: forget_membership(user_id))
            revoked.append(grant)
    return revoked


def remind_expiring_memberships(now=None) -> int:
    """Tell members whose membership ends within ``MEMBERSHIP_REMINDER_DAYS`` (once per
    end date). Returns how many were told."""
    now = now or timezone.now()
    due = Membership.objects.filter(
        ends_at__gt=now,
        ends_at__lte=now + timedelta(days=settings.MEMBERSHIP_REMINDER_DAYS),
    ).exclude(reminded_for=F("ends_at"))
    told = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            membership = (
                Membership.objects.select_for_update(skip_locked=True)
                .select_related("plan")
                .filter(pk=pk)
                .first()
            )
            if membership is None or membership.reminded_for == membership.ends_at:
                continue
            notify(
                membership.user,
                "membership_expiring",
                {
                    "plan": membership.plan.name,
                    "until": timezone.localdate(membership.ends_at).isoformat(),
                    "days": membership.days_left,
                },
                url="/me/membership/",
            )
            membership.reminded_for = membership.ends_at
            membership.save(update_fields=["reminded_for"])
            told += 1
    return told


# ---- points -------------------------------------------------------------------------------


def _locked_account(user: User) -> PointsAccount:
    PointsAccount.objects.get_or_create(user=user)
    return PointsAccount.objects.select_for_update().get(user=user)


def _move_points(
    user: User,
    change: int,
    reason: str,
    *,
    order_no: str = "",
    ref: str = "",
    note: str = "",
) -> tuple[PointsEntry | None, bool]:
    """Write one ledger entry under the account's lock; the balance never goes below
    zero (NotEnoughPoints). With an order number, the same (reason, order, ref) applies
    once: a second call returns the first entry. Returns the entry and whether it is new."""
    if change == 0:
        return None, False
    with transaction.atomic():
        account = _locked_account(user)
        if order_no:
            existing = PointsEntry.objects.filter(
                user=user, reason=reason, order_no=order_no, ref=ref
            ).first()
            if existing is not None:
                return existing, False
        if account.balance + change < 0:
            raise errors.NotEnoughPoints(
                _("You have %(n)d points: not enough for this.") % {"n": account.balance}
            )
        account.balance += change
        account.updated_at = timezone.now()
        account.save(update_fields=["balance", "updated_at"])
        entry = PointsEntry.objects.create(
            user=user,
            change=change,
            reason=reason,
            order_no=order_no,
            ref=ref,
            note=note[:200],
            balance_after=account.balance,
            created_at=account.updated_at,
        )
    return entry, True


def redeem_points(user: User, uses: Sequence[tuple[str, int]]) -> int:
    """Take the points each order of a checkout uses (``(order_no, points)`` pairs) in
    one go; NotEnoughPoints and nothing taken when the balance does not cover them all.
    Returns the points taken."""
    wanted = sum(points for _, points in uses)
    if wanted <= 0:
        return 0
    with transaction.atomic():
        account = _locked_account(user)
        if account.balance < wanted:
            raise errors.NotEnoughPoints(
                _("You have %(n)d points: not enough for this order any more.")
                % {"n": account.balance}
            )
        for order_no, points in uses:
            _move_points(user, -points, Reason.REDEEM, order_no=order_no)
    return wanted


def return_points(user: User, *, order_no: str, points: int) -> PointsEntry | None:
    """An unpaid order that used points was cancelled: give them back, once."""
    return _move_points(user, points, Reason.RETURN, order_no=order_no)[0]


def return_refunded_points(
    user: User, *, order_no: str, refund_ref: str, points: int
) -> PointsEntry | None:
    """A refund paid back money of an order that used points: give back its share."""
    return _move_points(user, points, Reason.REFUND_RETURN, order_no=order_no, ref=refund_ref)[0]


def points_earned_for(amount: Decimal) -> int:
    """Points an order earns for ``amount`` paid in money (rounded down)."""
    points = (amount * settings.POINTS_EARNED_PER_YUAN).to_integral_value(rounding=ROUND_DOWN)
    return max(0, int(points))


def earn_points(user: User, *, order_no: str, amount: Decimal) -> PointsEntry | None:
    """A completed order earns points for what was paid in money, once. (The learner
    hears of it with the order's completion and sees it on /me/points/.)"""
    points = points_earned_for(amount)
    if points <= 0:
        return None
    return _move_points(
        user,
        points,
        Reason.EARN,
        order_no=order_no,
        note=_("%(amount)s paid") % {"amount": format_yuan(amount)},
    )[0]


def reclaim_points(user: User, *, order_no: str, refund_ref: str, points: int) -> int:
    """A refund took back money an order earned points for: take back those points, as
    far as the balance allows (points already spent are not recovered; the note says
    so). Returns the points taken."""
    if points <= 0:
        return 0
    with transaction.atomic():
        account = _locked_account(user)
        taken = min(points, account.balance)
        note = ""
        if taken < points:
            note = _("%(n)d points already spent were not taken back") % {"n": points - taken}
            logger.warning("order %s: %d earned points not recovered", order_no, points - taken)
        if taken > 0:
            _move_points(user, -taken, Reason.RECLAIM, order_no=order_no, ref=refund_ref, note=note)
    return taken


def adjust_points(user: User, change: int, *, note: str) -> PointsEntry:
    """Staff add or remove points by hand, with a note the learner sees."""
    note = (note or "").strip()
    if not note:
        raise errors.LoyaltyError(_("Say why the points change."))
    entry, _created = _move_points(user, change, Reason.ADJUST, note=note)
    if entry is None:
        raise errors.LoyaltyError(_("Enter a change other than 0."))
    return entry


# ---- coupons ------------------------------------------------------------------------------


def is_new_customer(user: User) -> bool:
    """Never paid an order: what a new-user coupon asks. (Read through the orders'
    reverse relation: this app does not import orders.)"""
    return not user.orders.filter(paid_at__isnull=False).exists()


def claim_coupon(user: User, coupon: Coupon) -> UserCoupon:
    """The learner claims one coupon of the batch. Under the batch's row lock: it must be
    running, claimable and not all gone, and the learner under the per-learner limit (a
    new-user coupon also only for a learner who never paid an order). The count goes up
    in the same transaction, so concurrent claims never issue more than the quantity."""
    if not user.is_authenticated or not user.is_active:
        raise errors.ClaimRefused()
    with transaction.atomic():
        locked = Coupon.objects.select_for_update().get(pk=coupon.pk)
        now = timezone.now()
        if not locked.is_active or now >= locked.ends_at:
            raise errors.ClaimRefused(_("This coupon is no longer available."))
        if now < locked.starts_at:
            raise errors.ClaimRefused(_("This coupon cannot be claimed yet."))
        if locked.claimed_count >= locked.total_quantity:
            raise errors.ClaimRefused(_("All of these coupons have been claimed."))
        if locked.provider_id == user.pk:
            raise errors.ClaimRefused(_("You cannot claim your own coupon."))
        claimed = UserCoupon.objects.filter(coupon=locked, user=user).count()
        if claimed >= locked.per_user_limit:
            raise errors.ClaimRefused(
                _("You have already claimed this coupon.")
                if locked.per_user_limit == 1
                else _("You can claim at most %(n)d of this coupon.") % {"n": locked.per_user_limit}
            )
        if locked.kind == Coupon.Kind.NEW_USER and not is_new_customer(user):
            raise errors.ClaimRefused(_("This coupon is for learners placing their first order."))
        locked.claimed_count += 1
        locked.save(update_fields=["claimed_count"])
        return UserCoupon.objects.create(coupon=locked, user=user, claimed_at=now)


def issue_new_user_coupons(user: User) -> list[UserCoupon]:
    """Give a learner who just signed up one of each running new-user coupon of the
    platform (as far as there are any left)."""
    now = timezone.now()
    batches = Coupon.objects.filter(
        kind=Coupon.Kind.NEW_USER,
        provider__isnull=True,
        is_active=True,
        starts_at__lte=now,
        ends_at__gt=now,
    )
    issued = []
    for coupon in batches:
        try:
            issued.append(claim_coupon(user, coupon))
        except errors.ClaimRefused:
            continue
    return issued


def use_coupons(user: User, claimed_ids: Sequence[int], *, used_on: str) -> list[UserCoupon]:
    """Mark the learner's coupons used by the checkout ``used_on``, under their row locks;
    CouponUnavailable when one is not the learner's, already used, or out of its window."""
    if not claimed_ids:
        return []
    with transaction.atomic():
        claims = list(
            UserCoupon.objects.select_for_update(of=("self",))
            .select_related("coupon")
            .filter(pk__in=list(claimed_ids))
            .order_by("pk")
        )
        now = timezone.now()
        if len(claims) != len(set(claimed_ids)):
            raise errors.CouponUnavailable()
        for claim in claims:
            if (
                claim.user_id != user.pk
                or claim.status != UserCoupon.Status.AVAILABLE
                or not claim.coupon.is_running(now)
            ):
                raise errors.CouponUnavailable(
                    _("The coupon “%(name)s” can no longer be used.") % {"name": claim.coupon.name}
                )
            claim.status = UserCoupon.Status.USED
            claim.used_at = now
            claim.used_on = used_on
            claim.save(update_fields=["status", "used_at", "used_on"])
    return claims


def lock_claimed_coupon(claimed_id: int) -> UserCoupon | None:
    """Lock a claimed coupon until the transaction ends: orders that share it decide one
    at a time whether it is still in use."""
    return UserCoupon.objects.select_for_update().filter(pk=claimed_id).first()


def release_coupon(claimed_id: int) -> UserCoupon | None:
    """The orders that used the coupon were all cancelled before payment: it is the
    learner's to use again (until its window ends). Idempotent."""
    with transaction.atomic():
        claim = UserCoupon.objects.select_for_update().filter(pk=claimed_id).first()
        if claim is None or claim.status != UserCoupon.Status.USED:
            return claim
        claim.status = UserCoupon.Status.AVAILABLE
        claim.used_at = None
        claim.used_on = ""
        claim.save(update_fields=["status", "used_at", "used_on"])
    return claim


def check_coupon(coupon: Coupon) -> Coupon:
    """Refuse (InvalidCoupon) a batch whose values do not hold together; used by the
    provider's form and by admin before saving."""
    if coupon.ends_at and coupon.starts_at and coupon.ends_at <= coupon.starts_at:
        raise errors.InvalidCoupon(_("The end must be after the start."))
    if coupon.kind == Coupon.Kind.PERCENT_OFF:
        if coupon.rate is None or not Decimal("0.10") <= coupon.rate <= Decimal("0.99"):
            raise errors.InvalidCoupon(
                _("Enter a discount between 1 and 9.9 折 (a rate of 0.10 to 0.99).")
            )
        coupon.amount = None
    else:
        if coupon.amount is None or coupon.amount <= 0:
            raise errors.InvalidCoupon(_("Enter the amount off."))
        if coupon.threshold and coupon.amount >= coupon.threshold:
            raise errors.InvalidCoupon(
                _("The amount off must be less than the minimum spend (满 %(t)s).")
                % {"t": format_yuan(coupon.threshold)}
            )
        coupon.rate = coupon.cap = None
    if coupon.kind == Coupon.Kind.NEW_USER and coupon.provider_id is not None:
        raise errors.InvalidCoupon(_("Only the platform issues new-user coupons."))
    if (
        coupon.service_id
        and coupon.provider_id
        and coupon.service.provider_id != coupon.provider_id
    ):
        raise errors.InvalidCoupon(_("Choose one of your own services."))
    if coupon.total_quantity is None or coupon.total_quantity < max(1, coupon.claimed_count):
        raise errors.InvalidCoupon(_("The quantity cannot be less than what was claimed."))
    for name in ("amount", "cap", "threshold"):
        value = getattr(coupon, name)
        if value is not None:
            setattr(coupon, name, to_money(value))
    return coupon


def save_coupon(coupon: Coupon) -> Coupon:
    with transaction.atomic():
        check_coupon(coupon)
        coupon.save()
    return coupon


def stop_coupon(coupon: Coupon, *, by: User) -> Coupon:
    """Stop a batch: no more claims. Claimed coupons stay valid. Its provider or staff."""
    if coupon.provider_id != by.pk and not by.is_staff:
        raise errors.LoyaltyError(_("You cannot stop this coupon."))
    Coupon.objects.filter(pk=coupon.pk).update(is_active=False)
    coupon.is_active = False
    return coupon
