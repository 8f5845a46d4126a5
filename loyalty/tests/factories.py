"""factory-boy factories for coupons and membership plans. A coupon batch is the
platform's 满300减50, running since yesterday for a month, unless told otherwise; a plan
is saved through ``loyalty.services.save_plan`` so that it has its catalogue package."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.db.models import F
from django.utils import timezone

from accounts.tests.factories import UserFactory
from loyalty import services
from loyalty.models import Coupon, Membership, MembershipPlan, UserCoupon


class CouponFactory(factory.django.DjangoModelFactory):
    """A running batch of the platform's 满300减50 coupons; ``provider=`` for a
    provider's, ``kind=Coupon.Kind.PERCENT_OFF, amount=None, rate=…`` for a percentage."""

    class Meta:
        model = Coupon

    provider = None
    name = factory.Sequence(lambda n: f"满300减50 {n}")
    kind = Coupon.Kind.AMOUNT_OFF
    amount = Decimal("50.00")
    threshold = Decimal("300.00")
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    total_quantity = 100


class MembershipPlanFactory(factory.django.DjangoModelFactory):
    """A year's membership at 9.5折 for ¥199, on sale as its catalogue package."""

    class Meta:
        model = MembershipPlan

    name = factory.Sequence(lambda n: f"年度会员 {n}")
    price = Decimal("199.00")
    days = 365
    discount_rate = Decimal("0.95")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.save_plan(model_class(*args, **kwargs))


PlanFactory = MembershipPlanFactory


class MembershipFactory(factory.django.DjangoModelFactory):
    """A learner's membership of a plan with 30 days to run (``ends_at=`` in the past for
    one that has ended), written straight to the table: to buy one the way a learner does,
    pay an order of the plan's package (or call ``services.grant_membership``)."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    plan = factory.SubFactory(MembershipPlanFactory)
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class UserCouponFactory(factory.django.DjangoModelFactory):
    """A coupon a learner holds, available by default; the batch's claimed count follows
    (``status=UserCoupon.Status.USED, used_on="P…"`` for one used at a checkout)."""

    class Meta:
        model = UserCoupon

    coupon = factory.SubFactory(CouponFactory)
    user = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        claimed = super()._create(model_class, *args, **kwargs)
        Coupon.objects.filter(pk=claimed.coupon_id).update(claimed_count=F("claimed_count") + 1)
        claimed.coupon.refresh_from_db(fields=["claimed_count"])
        return claimed
