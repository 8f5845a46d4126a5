"""Reads of membership, points and coupons that pages and checkout share."""

from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser as User
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from catalog.models import Service

from .models import (
    Coupon,
    Membership,
    MembershipGrant,
    MembershipPlan,
    PointsAccount,
    PointsEntry,
    UserCoupon,
)
from .pricing import CouponTerms

BEST_RATE_CACHE_KEY = "loyalty:best-member-rate"
# How long a page may show a membership as it was (the header badge, member prices); a
# grant or revocation clears it at once (``forget_membership``).
MEMBERSHIP_CACHE_SECONDS = 60
_NO_MEMBERSHIP = "none"


# ---- membership ---------------------------------------------------------------------------


def plans_on_sale() -> QuerySet[MembershipPlan]:
    return MembershipPlan.objects.filter(is_active=True, package__isnull=False).select_related(
        "package__service"
    )


def active_membership(user: User) -> Membership | None:
    """The learner's membership if it has not ended, with its plan."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("plan")
        .filter(user=user, ends_at__gt=timezone.now())
        .first()
    )


def membership_key(user_id: int) -> str:
    return f"loyalty:membership:{user_id}"


def viewer_membership(user: User) -> Membership | None:
    """``active_membership`` for what every page shows (the header badge, member prices),
    cached for a minute so that a signed-in page costs no query for it. Checkout reads
    ``active_membership`` itself."""
    if not user.is_authenticated:
        return None
    key = membership_key(user.pk)
    cached = cache.get(key)
    if cached == _NO_MEMBERSHIP:
        return None
    if cached is not None and cached.ends_at > timezone.now():
        return cached
    membership = active_membership(user)
    timeout = MEMBERSHIP_CACHE_SECONDS
    if membership is not None:
        left = (membership.ends_at - timezone.now()).total_seconds()
        timeout = max(1, min(timeout, int(left)))
    cache.set(key, membership if membership is not None else _NO_MEMBERSHIP, timeout)
    return membership


def forget_membership(user_id: int) -> None:
    cache.delete(membership_key(user_id))


def membership_of(user: User) -> Membership | None:
    """The learner's membership, ended or not."""
    return Membership.objects.select_related("plan").filter(user=user).first()


def member_rate(user: User) -> Decimal | None:
    """What the learner pays of a list price as a member now; None for non-members."""
    membership = active_membership(user)
    return membership.plan.discount_rate if membership is not None else None


def best_member_rate() -> Decimal | None:
    """The best rate any plan on sale gives: what the "会员价" teaser shows visitors.
    Cached for a minute (``loyalty.services.save_plan`` clears it)."""
    rate = cache.get(BEST_RATE_CACHE_KEY)
    if rate is None:
        best = (
            plans_on_sale()
            .filter(discount_rate__lt=1)
            .order_by("discount_rate")
            .values_list("discount_rate", flat=True)
            .first()
        )
        rate = str(best) if best is not None else ""
        cache.set(BEST_RATE_CACHE_KEY, rate, 60)
    return Decimal(rate) if rate else None


def membership_grants(user: User) -> QuerySet[MembershipGrant]:
    return MembershipGrant.objects.filter(user=user).select_related("plan")


# ---- points -------------------------------------------------------------------------------


def points_balance(user: User) -> int:
    if not user.is_authenticated:
        return 0
    balance = PointsAccount.objects.filter(user=user).values_list("balance", flat=True).first()
    return balance or 0


def points_history(user: User) -> QuerySet[PointsEntry]:
    return PointsEntry.objects.filter(user=user)


def points_of_order(user: User | int, order_no: str) -> dict[str, int]:
    """How the order's points moved so far, by reason (taken, returned, earned…)."""
    rows = (
        PointsEntry.objects.filter(user=user, order_no=order_no)
        .values("reason")
        .annotate(total=Sum("change"))
    )
    return {row["reason"]: row["total"] for row in rows}


# ---- coupons ------------------------------------------------------------------------------


def usable_coupons(user: User, now=None) -> list[UserCoupon]:
    """The learner's claimed coupons that can be used now, with their batch."""
    now = now or timezone.now()
    return list(
        UserCoupon.objects.filter(
            user=user,
            status=UserCoupon.Status.AVAILABLE,
            coupon__starts_at__lte=now,
            coupon__ends_at__gt=now,
        )
        .select_related("coupon__provider__provider_profile", "coupon__category", "coupon__service")
        .order_by("coupon__ends_at", "pk")
    )


def usable_coupon_count(user: User, now=None) -> int:
    """How many of ``usable_coupons`` the learner has (one count query)."""
    now = now or timezone.now()
    return UserCoupon.objects.filter(
        user=user,
        status=UserCoupon.Status.AVAILABLE,
        coupon__starts_at__lte=now,
        coupon__ends_at__gt=now,
    ).count()


def terms_of(claimed: UserCoupon) -> CouponTerms:
    coupon = claimed.coupon
    return CouponTerms(
        id=claimed.pk,
        provider_id=coupon.provider_id,
        kind=coupon.kind,
        amount=coupon.amount,
        rate=coupon.rate,
        cap=coupon.cap,
        threshold=coupon.threshold,
        category_id=coupon.category_id,
        service_id=coupon.service_id,
    )


WALLET_TABS = ("usable", "used", "expired")


def wallet(user: User, tab: str, now=None) -> QuerySet[UserCoupon]:
    """The learner's coupons on one tab of /me/coupons/: usable (including those whose
    window has not opened yet), used, expired."""
    now = now or timezone.now()
    claims = UserCoupon.objects.filter(user=user).select_related(
        "coupon__provider__provider_profile", "coupon__category", "coupon__service"
    )
    available = Q(status=UserCoupon.Status.AVAILABLE)
    if tab == "used":
        return claims.filter(status=UserCoupon.Status.USED).order_by("-used_at", "-pk")
    if tab == "expired":
        return claims.filter(available, coupon__ends_at__lte=now).order_by("-coupon__ends_at")
    return claims.filter(available, coupon__ends_at__gt=now).order_by("coupon__ends_at", "pk")


def wallet_counts(user: User, now=None) -> dict[str, int]:
    now = now or timezone.now()
    available = Q(status=UserCoupon.Status.AVAILABLE)
    return UserCoupon.objects.filter(user=user).aggregate(
        usable=Count("pk", filter=available & Q(coupon__ends_at__gt=now)),
        used=Count("pk", filter=Q(status=UserCoupon.Status.USED)),
        expired=Count("pk", filter=available & Q(coupon__ends_at__lte=now)),
    )


def claimable_coupons(now=None) -> QuerySet[Coupon]:
    """Batches learners can claim now: running, not stopped, some left."""
    now = now or timezone.now()
    return Coupon.objects.filter(
        is_active=True, starts_at__lte=now, ends_at__gt=now
    ).select_related("provider__provider_profile", "category", "service")


def claimed_counts(user: User, coupon_ids) -> dict[int, int]:
    """How many of each batch the learner has claimed."""
    if not user.is_authenticated:
        return {}
    rows = (
        UserCoupon.objects.filter(user=user, coupon_id__in=list(coupon_ids))
        .values("coupon_id")
        .annotate(n=Count("pk"))
    )
    return {row["coupon_id"]: row["n"] for row in rows}


def coupons_for_service(service: Service, now=None) -> list[Coupon]:
    """Running batches with some left that cover ``service``: the platform's (any
    service, or its category) and its provider's (all their services, the category, or
    this service)."""
    if service.kind != Service.Kind.SERVICE:
        return []
    categories = [
        pk for pk in (service.category_id, getattr(service.category, "parent_id", None)) if pk
    ]
    scope = (Q(service__isnull=True) | Q(service=service)) & (
        Q(category__isnull=True) | Q(category__in=categories)
    )
    issuer = Q(provider__isnull=True) | Q(provider_id=service.provider_id)
    coupons = claimable_coupons(now).filter(scope & issuer).order_by("provider_id", "threshold")
    return [coupon for coupon in coupons if coupon.left > 0]
