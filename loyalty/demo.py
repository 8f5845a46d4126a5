"""The demo membership plans and coupons that ``manage.py seed_demo`` loads, through the
services (``save_plan``, ``save_coupon``). Idempotent: plans and coupons are found by
name, written only when something differs, and a demo coupon whose window has ended gets
a new one, so a second run right after the first changes nothing."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import services
from .models import Coupon, MembershipPlan

# The provider whose coupon the demo shows (seed_demo's demo provider, 王老师工作室).
DEMO_PROVIDER_EMAIL = "provider@ksmall.local"
COUPON_DAYS = 60
COUPON_QUANTITY = 1000

# name, price, days, rate, perks (one a line). A month to try it, a quarter for a course,
# a year for the committed: the longer the plan, the lower the rate and the price a day.
PLANS = (
    (
        "月度会员",
        "30.00",
        30,
        "0.95",
        "参与会员价的服务一律 9.5 折\n可与优惠券、积分叠加使用\n到期前 7 天提醒续费",
    ),
    (
        "季度会员",
        "78.00",
        90,
        "0.90",
        "参与会员价的服务一律 9 折\n可与优惠券、积分叠加使用\n续费有效期自动顺延",
    ),
    (
        "年度会员",
        "258.00",
        365,
        "0.88",
        "参与会员价的服务一律 8.8 折\n可与优惠券、积分叠加使用\n续费有效期自动顺延\n"
        "折合每天约 ¥0.71，最划算",
    ),
)


@dataclass(frozen=True)
class CouponSpec:
    name: str
    kind: str
    amount: str | None = None
    rate: str | None = None
    cap: str | None = None
    threshold: str = "0.00"
    by_demo_provider: bool = False


COUPONS = (
    CouponSpec("平台满300减50", Coupon.Kind.AMOUNT_OFF, amount="50.00", threshold="300.00"),
    CouponSpec(
        "平台满100享8.5折", Coupon.Kind.PERCENT_OFF, rate="0.85", cap="30.00", threshold="100.00"
    ),
    CouponSpec("新人专享无门槛20元", Coupon.Kind.NEW_USER, amount="20.00"),
    CouponSpec(
        "王老师工作室满500减80",
        Coupon.Kind.AMOUNT_OFF,
        amount="80.00",
        threshold="500.00",
        by_demo_provider=True,
    ),
)


def _money(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def _load_plans() -> int:
    written = 0
    for position, (name, price, days, rate, perks) in enumerate(PLANS):
        wanted = {
            "price": Decimal(price),
            "days": days,
            "discount_rate": Decimal(rate),
            "perks": perks,
            "is_active": True,
            "position": position,
        }
        plan = MembershipPlan.objects.filter(name=name).first() or MembershipPlan(name=name)
        if plan.pk and plan.package_id and all(getattr(plan, k) == v for k, v in wanted.items()):
            continue
        for field, value in wanted.items():
            setattr(plan, field, value)
        services.save_plan(plan)
        written += 1
    return written


def _load_coupons(now) -> int:
    provider = get_user_model().objects.filter(email__iexact=DEMO_PROVIDER_EMAIL).first()
    written = 0
    for spec in COUPONS:
        issuer = provider if spec.by_demo_provider else None
        if spec.by_demo_provider and provider is None:
            continue
        coupon = Coupon.objects.filter(name=spec.name, provider=issuer).first()
        if coupon is not None and coupon.ends_at > now:
            continue
        if coupon is None:
            coupon = Coupon(
                name=spec.name,
                provider=issuer,
                kind=spec.kind,
                amount=_money(spec.amount),
                rate=_money(spec.rate),
                cap=_money(spec.cap),
                threshold=Decimal(spec.threshold),
                total_quantity=COUPON_QUANTITY,
            )
        coupon.starts_at, coupon.ends_at = now, now + timedelta(days=COUPON_DAYS)
        coupon.is_active = True
        services.save_coupon(coupon)
        written += 1
    return written


@transaction.atomic
def load_demo() -> dict:
    """Create or bring up to date the demo plans and coupons. Returns how many of each
    there are and how many rows it wrote."""
    written = _load_plans() + _load_coupons(timezone.now())
    return {"plans": len(PLANS), "coupons": len(COUPONS), "written": written}
