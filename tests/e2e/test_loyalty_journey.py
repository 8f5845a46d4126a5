"""Membership, coupons and points as a learner uses them, in Chromium: buy a membership in
the sandbox and see member prices at once, claim a 满300减50 coupon, pay part of an order
with points, then get the money and the points back when the order is refunded. Every
page is audited for overflow and unlabelled controls and photographed."""

from decimal import Decimal

import pytest

from accounts.tests.factories import ProviderFactory, UserFactory
from catalog.tests.factories import PackageFactory, ServiceFactory
from loyalty import selectors
from loyalty import services as loyalty
from loyalty.models import PointsEntry, UserCoupon
from loyalty.tests.factories import CouponFactory, MembershipPlanFactory
from orders.models import Order, Refund
from tests.e2e.test_checkout import audit, sign_in
from tests.e2e.test_payment import pay_in_sandbox

pytestmark = pytest.mark.usefixtures("media_root")

STARTING_POINTS = 10_000  # worth ¥100


@pytest.fixture
def shop():
    service = ServiceFactory(
        provider=ProviderFactory(profile__display_name="明德教育"), title="Python 数据分析实战营"
    )
    PackageFactory(service=service, name="标准班", price=Decimal("400.00"))
    plan = MembershipPlanFactory(
        name="季度会员", price=Decimal("78.00"), days=90, discount_rate=Decimal("0.90")
    )
    coupon = CouponFactory(name="平台满300减50", amount=Decimal("50"), threshold=Decimal("300"))
    return {"service": service, "plan": plan, "coupon": coupon}


@pytest.fixture
def learner():
    user = UserFactory(
        email="member@example.com", nickname="小林", phone="+8613912345678", phone_verified=True
    )
    loyalty.adjust_points(user, STARTING_POINTS, note="新人活动奖励")
    return user


def pay_with_alipay(page) -> None:
    """From the checkout page: place the order, choose Alipay, press 支付成功."""
    page.click("button.cart-summary__checkout")
    page.wait_for_url(lambda url: "/pay/" in url)
    page.check("input[name=method][value=alipay]")
    page.click("form.pay-methods button[type=submit]")
    page.wait_for_url(lambda url: "/pay/sandbox/" in url)
    pay_in_sandbox(page)


def test_a_member_pays_with_a_coupon_and_points_and_gets_both_back_on_refund(
    new_page, live_server, artifacts, shop, learner
):
    service, plan, coupon = shop["service"], shop["plan"], shop["coupon"]
    page = new_page("desktop")
    sign_in(page, live_server, learner)

    # 1. Buy a membership: /me/membership/ → checkout → the sandbox cashier.
    page.goto(f"{live_server.url}/me/membership/")
    assert page.locator("a.member-badge").count() == 0
    audit(page, artifacts, "loyalty-membership-before")
    page.click(f"button[aria-describedby='plan-{plan.pk}']")
    page.wait_for_url(lambda url: "/checkout/?buy_now=1" in url)
    assert "¥78.00" in page.locator(".cart-summary__total").inner_text()
    pay_with_alipay(page)
    plan_order = Order.objects.get(buyer=learner)
    assert plan_order.status == Order.Status.IN_SERVICE  # a membership starts at once
    assert selectors.active_membership(learner).plan == plan

    # 2. Member prices at once: the badge in the header, 9折 on the detail page.
    page.goto(live_server.url + service.get_absolute_url())
    assert page.locator("a.member-badge").is_visible()
    price = page.locator(".price-box__total").inner_text()
    assert "会员价" in price and "¥360.00" in price and "¥400.00" in price
    audit(page, artifacts, "loyalty-detail-member")

    # 3. Claim the 满300减50 coupon in the coupon centre; it waits in /me/coupons/.
    page.goto(f"{live_server.url}/coupons/")
    page.click(f"#coupon-{coupon.pk} button[type=submit]")
    page.locator(f"#coupon-{coupon.pk}").get_by_text("去使用").wait_for()
    claimed = UserCoupon.objects.get(user=learner, coupon=coupon)
    page.goto(f"{live_server.url}/me/coupons/")
    assert "平台满300减50" in page.locator("main").inner_text()
    audit(page, artifacts, "loyalty-my-coupons")

    # 4. Buy the service: the coupon is preselected, points are ticked, the page recounts.
    page.goto(live_server.url + service.get_absolute_url())
    page.click("button[name=buy_now]")
    page.wait_for_url(lambda url: "/checkout/?buy_now=1" in url)
    assert page.locator("#platform-coupon").input_value() == str(claimed.pk)
    page.check("input[name=use_points]")
    page.locator(".amounts").get_by_text("积分抵扣（10000）").wait_for()
    amounts = page.locator(".cart-group .amounts").inner_text()
    for shown in ("¥400.00", "−¥40.00", "−¥50.00", "−¥100.00", "¥210.00"):
        assert shown in amounts, (shown, amounts)
    assert "¥210.00" in page.locator(".cart-summary__total").inner_text()
    audit(page, artifacts, "loyalty-checkout")
    pay_with_alipay(page)

    order = Order.objects.exclude(pk=plan_order.pk).get(buyer=learner)
    assert order.status == Order.Status.PAID
    assert (order.subtotal, order.member_discount, order.platform_coupon_discount) == (
        Decimal("400.00"),
        Decimal("40.00"),
        Decimal("50.00"),
    )
    assert (order.points_used, order.points_discount, order.total) == (
        10_000,
        Decimal("100.00"),
        Decimal("210.00"),
    )
    assert sum(line.paid for line in order.lines.all()) == order.total
    assert selectors.points_balance(learner) == 0
    claimed.refresh_from_db()
    assert claimed.status == UserCoupon.Status.USED

    # 5. The learner asks for everything back; the provider approves on the refund desk.
    page.goto(f"{live_server.url}/orders/{order.order_no}/")
    page.click(".refund-form summary")
    page.fill("input[name=amount]", "210.00")
    page.fill("textarea[name=reason]", "时间冲突，这期课程没法参加了。")
    page.click(".refund-form form button[type=submit]")
    page.wait_for_load_state()
    assert Refund.objects.get(order=order).status == Refund.Status.REQUESTED

    desk = new_page("phone")
    sign_in(desk, live_server, order.provider)
    desk.goto(f"{live_server.url}/dashboard/refunds/")
    desk.locator("form[action$='/approve/'] button").click()
    desk.wait_for_load_state()

    refund = Refund.objects.get(order=order)
    assert refund.status == Refund.Status.REFUNDED
    assert refund.amount == order.total
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED

    # 6. The order reads 已退款; the money went back and the points are all back.
    page.goto(f"{live_server.url}/orders/{order.order_no}/")
    assert page.locator(".order-head__status").inner_text().strip() == "已退款"
    audit(page, artifacts, "loyalty-order-refunded")
    assert selectors.points_balance(learner) == STARTING_POINTS
    returned = PointsEntry.objects.get(user=learner, reason="refund_return")
    assert (returned.order_no, returned.change) == (order.order_no, 10_000)
    page.goto(f"{live_server.url}/me/points/")
    history = page.locator("main").inner_text()
    assert "退款退回" in history and "10000" in history
    audit(page, artifacts, "loyalty-points")
