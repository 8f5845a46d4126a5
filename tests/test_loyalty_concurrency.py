"""Coupons and points under concurrency, on PostgreSQL's row locks: twenty learners for the
last five coupons, one learner claiming from five tabs, four checkouts spending the same
points, two checkouts using the same coupon, and the two orders of a checkout cancelled
at the same moment."""

import contextlib
import secrets
import threading
from decimal import Decimal

import pytest

from accounts.tests.factories import ProviderFactory, UserFactory
from catalog.models import Package
from catalog.tests.factories import PackageFactory, ServiceFactory
from loyalty import selectors
from loyalty import services as loyalty
from loyalty.errors import ClaimRefused
from loyalty.models import Coupon, PointsAccount, PointsEntry, UserCoupon
from loyalty.tests.factories import CouponFactory
from orders import services
from orders.discounts import DiscountChoice
from orders.errors import CheckoutError
from orders.models import Checkout, Order, OrderLine
from orders.services import LineChoice, place_orders
from tests.helpers import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def place(buyer, package, discount_choice: DiscountChoice) -> Checkout:
    return place_orders(
        buyer,
        [LineChoice(package.pk, (), 1)],
        contact_name="小林",
        contact_phone="13800138000",
        token=secrets.token_hex(16),
        discount_choice=discount_choice,
    )


def assert_ledger_chain(user) -> None:
    """Every entry's balance is the one before plus its change, never below zero, ending
    at the account's balance."""
    balance = 0
    for entry in PointsEntry.objects.filter(user=user).order_by("pk"):
        balance += entry.change
        assert entry.balance_after == balance
        assert balance >= 0
    assert PointsAccount.objects.get(user=user).balance == balance


def test_twenty_learners_claiming_the_last_five_coupons_get_exactly_five():
    coupon = CouponFactory(total_quantity=30, claimed_count=25)
    learners = [UserFactory() for _ in range(20)]
    claimed, refused = [], []

    def claim(learner):
        try:
            claimed.append(loyalty.claim_coupon(learner, Coupon(pk=coupon.pk)))
        except ClaimRefused as error:
            refused.append(error)

    errors = run_together(*[lambda learner=learner: claim(learner) for learner in learners])

    assert errors == []
    assert (len(claimed), len(refused)) == (5, 15)
    coupon.refresh_from_db()
    assert coupon.claimed_count == coupon.total_quantity == 30
    assert UserCoupon.objects.filter(coupon=coupon).count() == 5
    assert len({claim.user_id for claim in claimed}) == 5


def test_one_learner_claiming_from_five_tabs_gets_one_coupon():
    coupon = CouponFactory(per_user_limit=1, total_quantity=100)
    learner = UserFactory()
    claimed, refused = [], []

    def claim():
        try:
            claimed.append(loyalty.claim_coupon(learner, Coupon(pk=coupon.pk)))
        except ClaimRefused as error:
            refused.append(error)

    errors = run_together(*[claim for _ in range(5)])

    assert errors == []
    assert (len(claimed), len(refused)) == (1, 4)
    coupon.refresh_from_db()
    assert coupon.claimed_count == 1
    assert UserCoupon.objects.filter(coupon=coupon, user=learner).count() == 1


def test_four_checkouts_spending_the_same_points_never_overdraw_the_balance():
    learner = UserFactory()
    loyalty.adjust_points(learner, 1000, note="活动奖励")
    packages = [
        PackageFactory(service=ServiceFactory(provider=ProviderFactory()), capacity=10)
        for _ in range(4)
    ]  # ¥199 each: 400 points (¥4) are well within half
    placed, refused = [], []

    def checkout(package):
        try:
            placed.append(place(learner, package, DiscountChoice(points=400)))
        except CheckoutError as error:
            refused.append(error)

    errors = run_together(*[lambda package=package: checkout(package) for package in packages])

    assert errors == []
    assert (len(placed), len(refused)) == (2, 2)
    assert selectors.points_balance(learner) == 200
    assert_ledger_chain(learner)
    redeemed = PointsEntry.objects.filter(user=learner, reason=PointsEntry.Reason.REDEEM)
    assert sorted(redeemed.values_list("change", flat=True)) == [-400, -400]
    # The refused checkouts wrote nothing: no checkout, order, line or seat.
    assert Checkout.objects.count() == Order.objects.count() == OrderLine.objects.count() == 2
    placed_packages = set(OrderLine.objects.values_list("package_id", flat=True))
    for package in Package.objects.filter(pk__in=[p.pk for p in packages]):
        assert package.reserved == (1 if package.pk in placed_packages else 0)


def test_two_checkouts_using_the_same_coupon_at_once_place_one():
    learner = UserFactory()
    claim = loyalty.claim_coupon(learner, CouponFactory(amount=Decimal("20"), threshold=0))
    package = PackageFactory(capacity=10)
    placed, refused = [], []

    def checkout():
        try:
            placed.append(place(learner, package, DiscountChoice(platform_coupon=claim.pk)))
        except CheckoutError as error:
            refused.append(error)

    errors = run_together(checkout, checkout)

    assert errors == []
    assert (len(placed), len(refused)) == (1, 1)
    claim.refresh_from_db()
    assert claim.status == UserCoupon.Status.USED
    assert claim.used_on == placed[0].payment_no
    assert Checkout.objects.count() == Order.objects.count() == 1
    assert Order.objects.get().platform_coupon_discount == Decimal("20.00")
    assert Package.objects.get(pk=package.pk).reserved == 1


def test_both_orders_of_a_checkout_cancelled_at_once_give_the_shared_coupon_back(monkeypatch):
    learner = UserFactory()
    claim = loyalty.claim_coupon(learner, CouponFactory(amount=Decimal("20"), threshold=0))
    packages = [PackageFactory(service__provider=ProviderFactory()) for _ in range(2)]
    checkout = place_orders(
        learner,
        [LineChoice(package.pk, (), 1) for package in packages],
        contact_name="小林",
        contact_phone="13800138000",
        token=secrets.token_hex(16),
        discount_choice=DiscountChoice(platform_coupon=claim.pk),
    )
    orders = list(checkout.orders.all())
    assert all(order.platform_coupon_id == claim.pk for order in orders)

    # Both cancels reach the giving back together (each with its own order already
    # cancelled, uncommitted); a version that makes one wait for the other earlier simply
    # lets the barrier time out.
    meet = threading.Barrier(2)
    give_back = services._give_back_discounts

    def give_back_together(order):
        with contextlib.suppress(threading.BrokenBarrierError):
            meet.wait(timeout=3)
        give_back(order)

    monkeypatch.setattr(services, "_give_back_discounts", give_back_together)

    errors = run_together(
        *[lambda order=order: services.cancel_order(order, by=learner) for order in orders]
    )

    assert errors == []
    assert set(Order.objects.values_list("status", flat=True)) == {Order.Status.CANCELLED}
    claim.refresh_from_db()
    assert claim.status == UserCoupon.Status.AVAILABLE
