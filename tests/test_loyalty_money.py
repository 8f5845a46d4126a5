"""Membership, coupons and points through the services, from checkout to settlement: a
member checks out two providers' services with a provider coupon, a platform 满减 coupon
and points; cancelling and the payment timeout give them back; paying and completing earn
points once; refunds give points back in proportion and take earned points back; the
provider is credited on the learner's money plus what the platform funds; paying for a
plan makes the buyer a member."""

import secrets
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from accounts.tests.factories import ProviderFactory, StaffFactory, UserFactory
from catalog.models import Package
from catalog.tests.factories import CategoryFactory, PackageFactory, ServiceFactory
from loyalty import selectors
from loyalty import services as loyalty
from loyalty.models import Membership, MembershipGrant, PointsEntry, UserCoupon
from loyalty.tests.factories import CouponFactory, MembershipPlanFactory
from notifications.models import Message
from orders import services
from orders.discounts import DiscountChoice
from orders.errors import CheckoutError, InvalidRefundAmount, RefundNotAllowed, TransitionNotAllowed
from orders.models import Checkout, LedgerEntry, Order, OrderLine, Refund
from orders.tests.factories import choice

pytestmark = pytest.mark.django_db

Reason = PointsEntry.Reason
Status = Order.Status
REASON = "课程时间冲突，无法参加"
STARTING_POINTS = 5000


@pytest.fixture
def shop():
    """明德 sells Python (¥400) and Excel (¥59.90), 远航 sells Kana (¥99.90)."""
    mingde = ProviderFactory(profile__display_name="明德教育")
    yuanhang = ProviderFactory(profile__display_name="远航外语")
    it = CategoryFactory(name="IT 技能")
    python = PackageFactory(
        service=ServiceFactory(provider=mingde, category=it, title="Python 数据分析实战营"),
        price=Decimal("400.00"),
        capacity=20,
    )
    excel = PackageFactory(
        service=ServiceFactory(provider=mingde, category=it, title="Excel 速成"),
        price=Decimal("59.90"),
    )
    kana = PackageFactory(
        service=ServiceFactory(provider=yuanhang, title="日语五十音入门"), price=Decimal("99.90")
    )
    return {"mingde": mingde, "yuanhang": yuanhang, "python": python, "excel": excel, "kana": kana}


@pytest.fixture
def plan():
    return MembershipPlanFactory(name="年度会员", discount_rate=Decimal("0.95"))


@pytest.fixture
def member(plan):
    """A learner with a 9.5折 membership and 5,000 points."""
    learner = UserFactory(nickname="小林")
    loyalty.grant_membership(learner, order_no="GIFT-0001", plan=plan)
    loyalty.adjust_points(learner, STARTING_POINTS, note="活动奖励")
    return learner


@pytest.fixture
def coupons(member, shop):
    """The member's claimed 明德 满200减30 and platform 满300减50."""
    return {
        "mingde": loyalty.claim_coupon(
            member,
            CouponFactory(
                provider=shop["mingde"],
                name="明德满200减30",
                amount=Decimal("30.00"),
                threshold=Decimal("200.00"),
            ),
        ),
        "platform": loyalty.claim_coupon(member, CouponFactory(name="满300减50")),
    }


def place(buyer, lines, discount_choice=None, *, token=None) -> Checkout:
    return services.place_orders(
        buyer,
        lines,
        contact_name="小林",
        contact_phone="13800138000",
        token=token or secrets.token_hex(16),
        discount_choice=discount_choice,
    )


def everything(coupons, points=3000) -> DiscountChoice:
    return DiscountChoice(
        platform_coupon=coupons["platform"].pk,
        provider_coupons=(coupons["mingde"].pk,),
        points=points,
    )


def place_everything(member, shop, coupons, points=3000) -> Checkout:
    """Python + Excel from 明德 and Kana from 远航, at member price, with both coupons and
    ``points``."""
    lines = [choice(shop["python"]), choice(shop["excel"]), choice(shop["kana"])]
    return place(member, lines, everything(coupons, points))


def orders_of(checkout: Checkout, shop) -> tuple[Order, Order]:
    """The checkout's 明德 and 远航 orders, fresh from the database."""
    orders = {order.provider_id: order for order in Order.objects.filter(checkout=checkout)}
    return orders[shop["mingde"].pk], orders[shop["yuanhang"].pk]


def claim_status(claim: UserCoupon) -> str:
    return UserCoupon.objects.get(pk=claim.pk).status


def points_moved(user, order: Order, reason: str) -> int:
    return selectors.points_of_order(user, order.order_no).get(reason, 0)


def written() -> tuple:
    """Counts of everything a checkout writes, to compare before and after a refusal."""
    return (
        Checkout.objects.count(),
        Order.objects.count(),
        OrderLine.objects.count(),
        PointsEntry.objects.count(),
        UserCoupon.objects.filter(status=UserCoupon.Status.USED).count(),
        list(Package.objects.order_by("pk").values_list("reserved", flat=True)),
    )


def deliver(order: Order, *, by_learner: bool = True) -> Order:
    """Take a paid order through accept and start to completed."""
    services.accept_order(order, by=order.provider, schedule="周六 19:00 腾讯会议")
    services.start_order(order, by=order.provider)
    if by_learner:
        services.confirm_order(order, by=order.buyer)
    else:
        services.complete_order(order, by=order.provider, summary="四次课全部完成")
    order.refresh_from_db()
    assert order.status == Status.COMPLETED
    return order


@pytest.fixture
def refund_paid_back(django_capture_on_commit_callbacks):
    """The learner asks ``amount`` back, the provider approves, and what leaves after
    commit runs (payments finds no gateway payment and completes the refund at once)."""

    def refund_paid_back(order: Order, amount: str) -> Refund:
        refund = services.request_refund(
            order, by=order.buyer, amount=Decimal(amount), reason=REASON
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.approve_refund(refund, by=order.provider)
        refund.refresh_from_db()
        order.refresh_from_db()
        assert refund.status == Refund.Status.REFUNDED
        return refund

    return refund_paid_back


@pytest.fixture
def staff_refund(django_capture_on_commit_callbacks):
    """Staff refund ``amount`` of a completed order; the money goes back after commit."""

    def staff_refund(order: Order, amount: str) -> Refund:
        with django_capture_on_commit_callbacks(execute=True):
            refund = services.refund_completed_order(
                order, by=StaffFactory(), amount=Decimal(amount), reason="投诉成立，平台决定退款"
            )
        refund.refresh_from_db()
        order.refresh_from_db()
        assert refund.status == Refund.Status.REFUNDED
        return refund

    return staff_refund


# ---- placing --------------------------------------------------------------------------------


def test_a_member_checkout_with_coupons_and_points_adds_up(member, shop, coupons):
    checkout = place_everything(member, shop, coupons)

    mingde, yuanhang = orders_of(checkout, shop)
    # 明德: 400 → 380.00 and 59.90 → 56.91 (9.5折); 满200减30; 40.54 of the platform's ¥50
    # (406.91 : 94.91); 2,433 of the 3,000 points (366.37 : 85.45).
    assert (
        mingde.subtotal,
        mingde.member_discount,
        mingde.provider_coupon_discount,
        mingde.platform_coupon_discount,
        mingde.points_used,
        mingde.points_discount,
        mingde.total,
    ) == (
        Decimal("459.90"),
        Decimal("22.99"),
        Decimal("30.00"),
        Decimal("40.54"),
        2433,
        Decimal("24.33"),
        Decimal("342.04"),
    )
    assert (
        yuanhang.subtotal,
        yuanhang.member_discount,
        yuanhang.provider_coupon_discount,
        yuanhang.platform_coupon_discount,
        yuanhang.points_used,
        yuanhang.points_discount,
        yuanhang.total,
    ) == (
        Decimal("99.90"),
        Decimal("4.99"),
        Decimal("0.00"),
        Decimal("9.46"),
        567,
        Decimal("5.67"),
        Decimal("79.78"),
    )
    assert checkout.total == mingde.total + yuanhang.total == Decimal("421.82")
    assert mingde.provider_coupon_id == coupons["mingde"].pk
    assert mingde.platform_coupon_id == yuanhang.platform_coupon_id == coupons["platform"].pk
    assert yuanhang.provider_coupon_id is None


def test_every_order_and_line_of_the_checkout_adds_up(member, shop, coupons):
    checkout = place_everything(member, shop, coupons)

    for order in Order.objects.filter(checkout=checkout):
        lines = list(order.lines.all())
        assert order.total == (
            order.subtotal
            - order.member_discount
            - order.provider_coupon_discount
            - order.platform_coupon_discount
            - order.points_discount
        )
        assert sum(line.total for line in lines) == order.subtotal
        assert sum(line.member_discount for line in lines) == order.member_discount
        assert sum(line.coupon_discount for line in lines) == order.coupon_discount
        assert sum(line.points_used for line in lines) == order.points_used
        assert sum(line.points_discount for line in lines) == order.points_discount
        assert sum(line.paid for line in lines) == order.total
        for line in lines:
            assert line.paid == (
                line.total - line.member_discount - line.coupon_discount - line.points_discount
            )
    python = OrderLine.objects.get(order__checkout=checkout, package=shop["python"])
    excel = OrderLine.objects.get(order__checkout=checkout, package=shop["excel"])
    # Both coupons spread over 明德's lines by what each had left.
    assert (python.member_discount, python.coupon_discount) == (Decimal("20.00"), Decimal("61.35"))
    assert (excel.member_discount, excel.coupon_discount) == (Decimal("2.99"), Decimal("9.19"))


@pytest.mark.parametrize("model", [Order, OrderLine])
def test_the_database_refuses_an_amount_that_does_not_add_up(member, shop, coupons, model):
    checkout = place_everything(member, shop, coupons)
    field = "total" if model is Order else "paid"
    rows = model.objects.filter(**{"checkout" if model is Order else "order__checkout": checkout})

    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=rows.first().pk).update(**{field: F(field) + Decimal("0.01")})


def test_the_coupons_are_marked_used_by_the_checkout(member, shop, coupons):
    checkout = place_everything(member, shop, coupons)

    for claim in coupons.values():
        claim.refresh_from_db()
        assert claim.status == UserCoupon.Status.USED
        assert claim.used_on == checkout.payment_no
        assert claim.used_at is not None


def test_the_points_are_taken_with_one_ledger_row_per_order(member, shop, coupons):
    checkout = place_everything(member, shop, coupons)

    mingde, yuanhang = orders_of(checkout, shop)
    assert selectors.points_balance(member) == STARTING_POINTS - 3000
    redeemed = list(PointsEntry.objects.filter(user=member, reason=Reason.REDEEM).order_by("pk"))
    assert {(entry.order_no, entry.change) for entry in redeemed} == {
        (mingde.order_no, -2433),
        (yuanhang.order_no, -567),
    }
    balance = STARTING_POINTS
    for entry in redeemed:
        balance += entry.change
        assert entry.balance_after == balance
    assert balance == selectors.points_balance(member)


def test_a_coupon_already_used_by_another_checkout_is_refused_and_nothing_written(
    member, shop, coupons
):
    place_everything(member, shop, coupons)
    before = written()

    for reused in (
        DiscountChoice(platform_coupon=coupons["platform"].pk),
        DiscountChoice(provider_coupons=(coupons["mingde"].pk,)),
    ):
        with pytest.raises(CheckoutError):
            place(member, [choice(shop["python"]), choice(shop["kana"])], reused)

    assert written() == before


def test_more_points_than_the_balance_are_refused_and_nothing_written(member, shop):
    before = written()

    with pytest.raises(CheckoutError):
        place(member, [choice(shop["python"])], DiscountChoice(points=STARTING_POINTS + 1))

    assert written() == before
    assert selectors.points_balance(member) == STARTING_POINTS


def test_points_on_a_checkout_already_down_to_one_fen_per_order_are_left_unused(member):
    lines, claims = [], []
    for _ in range(2):
        provider = ProviderFactory()
        package = PackageFactory(
            service=ServiceFactory(provider=provider, has_member_price=False),
            price=Decimal("30.00"),
        )
        lines.append(choice(package))
        no_minimum = CouponFactory(provider=provider, amount=Decimal("50"), threshold=0)
        claims.append(loyalty.claim_coupon(member, no_minimum).pk)

    checkout = place(member, lines, DiscountChoice(provider_coupons=tuple(claims), points=100))

    assert checkout.total == Decimal("0.02")
    assert selectors.points_balance(member) == STARTING_POINTS


# ---- giving back on cancel and timeout ------------------------------------------------------


def test_cancelling_one_order_gives_back_its_points_and_keeps_the_shared_coupon_used(
    member, shop, coupons
):
    checkout = place_everything(member, shop, coupons)
    mingde, yuanhang = orders_of(checkout, shop)

    services.cancel_order(mingde, by=member)

    assert selectors.points_balance(member) == STARTING_POINTS - 567
    assert points_moved(member, mingde, Reason.RETURN) == 2433
    assert claim_status(coupons["mingde"]) == UserCoupon.Status.AVAILABLE
    assert claim_status(coupons["platform"]) == UserCoupon.Status.USED  # 远航 still uses it

    services.cancel_order(yuanhang, by=member)

    assert selectors.points_balance(member) == STARTING_POINTS
    assert points_moved(member, yuanhang, Reason.RETURN) == 567
    released = UserCoupon.objects.get(pk=coupons["platform"].pk)
    assert released.status == UserCoupon.Status.AVAILABLE
    assert (released.used_on, released.used_at) == ("", None)


def test_points_of_a_cancelled_order_are_given_back_once(member, shop, coupons):
    mingde, _yuanhang = orders_of(place_everything(member, shop, coupons), shop)
    services.cancel_order(mingde, by=member)

    with pytest.raises(TransitionNotAllowed):
        services.cancel_order(mingde, by=member)
    loyalty.return_points(member, order_no=mingde.order_no, points=mingde.points_used)

    assert PointsEntry.objects.filter(user=member, reason=Reason.RETURN).count() == 1
    assert selectors.points_balance(member) == STARTING_POINTS - 567


def test_the_payment_timeout_gives_back_the_points_and_coupons(member, shop, coupons):
    checkout = place_everything(member, shop, coupons)
    Checkout.objects.filter(pk=checkout.pk).update(
        pay_deadline=timezone.now() - timedelta(minutes=1)
    )

    assert services.cancel_expired_orders() == 2

    assert set(Order.objects.filter(checkout=checkout).values_list("status", flat=True)) == {
        Status.CANCELLED
    }
    assert selectors.points_balance(member) == STARTING_POINTS
    assert PointsEntry.objects.filter(user=member, reason=Reason.RETURN).count() == 2
    assert claim_status(coupons["mingde"]) == UserCoupon.Status.AVAILABLE
    assert claim_status(coupons["platform"]) == UserCoupon.Status.AVAILABLE


def test_the_timeout_of_the_last_live_order_releases_the_shared_coupon(member, shop, coupons):
    checkout = place_everything(member, shop, coupons)
    mingde, yuanhang = orders_of(checkout, shop)
    services.cancel_order(yuanhang, by=member)
    assert claim_status(coupons["platform"]) == UserCoupon.Status.USED
    Checkout.objects.filter(pk=checkout.pk).update(
        pay_deadline=timezone.now() - timedelta(minutes=1)
    )

    assert services.cancel_expired_orders() == 1

    assert claim_status(coupons["platform"]) == UserCoupon.Status.AVAILABLE
    assert claim_status(coupons["mingde"]) == UserCoupon.Status.AVAILABLE
    assert points_moved(member, mingde, Reason.RETURN) == 2433
    assert selectors.points_balance(member) == STARTING_POINTS


def test_a_released_coupon_can_be_used_again(member, shop, coupons):
    first = place_everything(member, shop, coupons)
    for order in Order.objects.filter(checkout=first):
        services.cancel_order(order, by=member)

    second = place_everything(member, shop, coupons)

    assert second.total == first.total
    assert UserCoupon.objects.get(pk=coupons["platform"].pk).used_on == second.payment_no


def test_paying_keeps_the_coupons_used_and_the_points_taken(member, shop, coupons):
    checkout = place_everything(member, shop, coupons)

    services.mark_paid(checkout)

    assert claim_status(coupons["platform"]) == UserCoupon.Status.USED
    assert claim_status(coupons["mingde"]) == UserCoupon.Status.USED
    assert selectors.points_balance(member) == STARTING_POINTS - 3000
    assert not PointsEntry.objects.filter(user=member, reason=Reason.EARN).exists()


# ---- earning on completion ------------------------------------------------------------------


@override_settings(POINTS_EARNED_PER_YUAN=Decimal("1.5"))
def test_completing_a_paid_order_earns_points_on_the_money_paid_once(member, shop, coupons):
    checkout = place_everything(member, shop, coupons)
    services.mark_paid(checkout)
    mingde, yuanhang = orders_of(checkout, shop)

    deliver(mingde, by_learner=False)
    deliver(yuanhang)

    # 342.04 × 1.5 = 513.06 and 79.78 × 1.5 = 119.67, rounded down.
    assert points_moved(member, mingde, Reason.EARN) == 513
    assert points_moved(member, yuanhang, Reason.EARN) == 119
    balance = STARTING_POINTS - 3000 + 513 + 119
    assert selectors.points_balance(member) == balance

    with pytest.raises(TransitionNotAllowed):
        services.confirm_order(mingde, by=member)
    again = loyalty.earn_points(member, order_no=mingde.order_no, amount=mingde.total)
    assert services.mark_paid(checkout) == []

    assert again == PointsEntry.objects.get(order_no=mingde.order_no, reason=Reason.EARN)
    assert PointsEntry.objects.filter(user=member, reason=Reason.EARN).count() == 2
    assert selectors.points_balance(member) == balance
    assert PointsEntry.objects.filter(user=member).first().balance_after == balance


# ---- refunds --------------------------------------------------------------------------------


def test_a_partial_refund_returns_points_in_proportion_and_the_last_refund_the_rest(
    member, shop, coupons, refund_paid_back
):
    checkout = place_everything(member, shop, coupons)
    services.mark_paid(checkout)
    _mingde, yuanhang = orders_of(checkout, shop)  # paid 79.78 and 567 points

    first = refund_paid_back(yuanhang, "39.89")

    assert yuanhang.status == Status.PAID
    returned = PointsEntry.objects.get(reason=Reason.REFUND_RETURN, ref=str(first.pk))
    assert (returned.order_no, returned.change) == (yuanhang.order_no, 284)  # 283.5, half up
    with pytest.raises(InvalidRefundAmount):
        services.request_refund(yuanhang, by=member, amount=Decimal("39.90"), reason=REASON)

    last = refund_paid_back(yuanhang, "39.89")

    assert yuanhang.status == Status.REFUNDED
    assert PointsEntry.objects.get(reason=Reason.REFUND_RETURN, ref=str(last.pk)).change == 283
    assert points_moved(member, yuanhang, Reason.REFUND_RETURN) == yuanhang.points_used
    assert first.amount + last.amount == yuanhang.total
    assert selectors.points_balance(member) == STARTING_POINTS - 2433
    with pytest.raises(RefundNotAllowed):
        services.request_refund(yuanhang, by=member, amount=Decimal("0.01"), reason=REASON)


def test_the_learner_is_told_of_the_points_that_came_back_with_the_money(
    member, shop, coupons, refund_paid_back
):
    checkout = place_everything(member, shop, coupons)
    services.mark_paid(checkout)
    _mingde, yuanhang = orders_of(checkout, shop)

    refund_paid_back(yuanhang, "39.89")

    told = Message.objects.get(user=member, event="order_refunded_with_points")
    assert told.context == {
        "order_no": yuanhang.order_no,
        "title": yuanhang.title,
        "amount": "¥39.89",
        "points": "284",
    }


def test_a_refund_never_pays_back_more_than_the_order_paid(member, shop, coupons):
    checkout = place_everything(member, shop, coupons)
    services.mark_paid(checkout)
    mingde, _yuanhang = orders_of(checkout, shop)  # list 459.90, paid 342.04

    with pytest.raises(InvalidRefundAmount):
        services.request_refund(mingde, by=member, amount=Decimal("342.05"), reason=REASON)

    assert not Refund.objects.exists()


def test_a_staff_refund_after_completion_takes_back_earned_points_in_proportion(
    member, shop, coupons, staff_refund
):
    checkout = place_everything(member, shop, coupons)
    services.mark_paid(checkout)
    mingde, _yuanhang = orders_of(checkout, shop)
    deliver(mingde)
    assert points_moved(member, mingde, Reason.EARN) == 342
    balance = STARTING_POINTS - 3000 + 342

    half = staff_refund(mingde, "171.02")

    # Half the money back: half of the 2,433 points used (1,216.5, half up) come back, and
    # half of the 342 earned go.
    moved = {entry.reason: entry.change for entry in PointsEntry.objects.filter(ref=str(half.pk))}
    assert moved == {Reason.REFUND_RETURN: 1217, Reason.RECLAIM: -171}
    assert selectors.points_balance(member) == balance + 1217 - 171

    staff_refund(mingde, "171.02")

    assert mingde.status == Status.REFUNDED
    assert points_moved(member, mingde, Reason.REFUND_RETURN) == 2433
    assert points_moved(member, mingde, Reason.RECLAIM) == -342
    assert selectors.points_balance(member) == STARTING_POINTS - 567  # 远航's points stay spent


def test_a_staff_refund_takes_back_earned_points_only_as_far_as_the_balance_allows(
    member, shop, staff_refund
):
    checkout = place(member, [choice(shop["kana"])])
    services.mark_paid(checkout)
    order = deliver(checkout.orders.get())  # paid 94.91: 94 points earned
    loyalty.adjust_points(member, -(selectors.points_balance(member) - 10), note="兑换礼品")

    staff_refund(order, "94.91")

    reclaimed = PointsEntry.objects.get(user=member, reason=Reason.RECLAIM)
    assert reclaimed.change == -10
    assert reclaimed.balance_after == 0
    assert "84" in reclaimed.note
    assert selectors.points_balance(member) == 0


def test_a_staff_refund_takes_back_the_share_of_points_earned_on_the_money_kept(
    shop, refund_paid_back, staff_refund
):
    learner = UserFactory()
    package = PackageFactory(service__provider=shop["mingde"], price=Decimal("100.00"))
    checkout = place(learner, [choice(package)])
    services.mark_paid(checkout)
    order = checkout.orders.get()
    refund_paid_back(order, "50.00")
    deliver(order)
    assert points_moved(learner, order, Reason.EARN) == 50

    staff_refund(order, "25.00")

    assert points_moved(learner, order, Reason.RECLAIM) == -25
    assert selectors.points_balance(learner) == 25


# ---- settlement -----------------------------------------------------------------------------


def test_the_provider_is_credited_on_the_money_plus_the_platform_coupon_and_points(
    member, shop, coupons, staff_refund
):
    checkout = place_everything(member, shop, coupons)
    services.mark_paid(checkout)
    mingde, yuanhang = orders_of(checkout, shop)
    deliver(mingde)
    deliver(yuanhang)

    credits = {
        entry.order_id: entry.amount
        for entry in LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CREDIT)
    }
    # 明德: 342.04 + 40.54 + 24.33 = 406.91 (459.90 less its member price and its own
    # coupon), less 10% (40.69). 远航: 79.78 + 9.46 + 5.67 = 94.91, less 9.49.
    assert mingde.provider_share(mingde.total) == Decimal("406.91")
    assert credits == {mingde.pk: Decimal("366.22"), yuanhang.pk: Decimal("85.42")}

    refund = staff_refund(mingde, "171.02")

    debit = LedgerEntry.objects.get(kind=LedgerEntry.Kind.DEBIT, refund=refund)
    # Half the money: 203.455 → 203.46 of the provider's price, less 20.35 commission.
    assert debit.amount == Decimal("183.11")
    assert debit.provider_id == shop["mingde"].pk


# ---- membership -----------------------------------------------------------------------------


def test_paying_for_a_plan_makes_the_buyer_a_member(plan):
    learner = UserFactory()
    assert selectors.member_rate(learner) is None

    checkout = place(learner, [choice(plan.package)])
    before = timezone.now()
    services.mark_paid(checkout)

    assert selectors.member_rate(learner) == Decimal("0.95")
    membership = Membership.objects.get(user=learner)
    assert membership.plan == plan
    assert before + timedelta(days=365) <= membership.ends_at
    assert membership.ends_at <= timezone.now() + timedelta(days=365)
    order = checkout.orders.get()
    assert MembershipGrant.objects.get(user=learner).order_no == order.order_no
    assert order.total == plan.price  # no member price on a plan


def test_a_second_plan_adds_its_days_after_the_end_and_its_better_rate_at_once(plan):
    learner = UserFactory()
    services.mark_paid(place(learner, [choice(plan.package)]))
    first_end = Membership.objects.get(user=learner).ends_at
    monthly = MembershipPlanFactory(
        name="月度会员", price=Decimal("29.90"), days=30, discount_rate=Decimal("0.90")
    )

    order = place(learner, [choice(monthly.package)]).orders.get()
    services.mark_paid(order.checkout)

    membership = Membership.objects.get(user=learner)
    assert membership.ends_at == first_end + timedelta(days=30)
    assert membership.plan == monthly
    assert selectors.member_rate(learner) == Decimal("0.90")
    grant = MembershipGrant.objects.get(order_no=order.order_no)
    assert (grant.starts_at, grant.days) == (first_end, 30)


def test_a_plan_takes_no_coupon(member, plan):
    anything = loyalty.claim_coupon(member, CouponFactory(amount=Decimal("10"), threshold=0))

    with pytest.raises(CheckoutError):
        place(member, [choice(plan.package)], DiscountChoice(platform_coupon=anything.pk))

    assert not Checkout.objects.exists()
    assert claim_status(anything) == UserCoupon.Status.AVAILABLE
