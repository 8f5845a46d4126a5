"""The checkout page with member price, coupons and points, through HTTP: the best coupons
are preselected, a change recalculates without placing anything, the total placed is the
total shown, and a coupon that is not the learner's (or no longer usable) places nothing.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from accounts.tests.factories import ProviderFactory, UserFactory
from cart import services as cart_services
from catalog.tests.factories import PackageFactory, ServiceFactory
from loyalty import services as loyalty
from loyalty.models import Coupon, MembershipPlan, PointsEntry, UserCoupon
from loyalty.selectors import points_balance
from orders.models import Checkout, Order
from orders.tests.test_views import form_data, inputs

pytestmark = pytest.mark.django_db

CHECKOUT = "/checkout/"


def coupon(provider=None, **fields) -> Coupon:
    now = timezone.now()
    values = {
        "name": "满300减50",
        "kind": Coupon.Kind.AMOUNT_OFF,
        "amount": Decimal("50.00"),
        "threshold": Decimal("300.00"),
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=30),
        "total_quantity": 100,
        **fields,
    }
    return Coupon.objects.create(provider=provider, **values)


@pytest.fixture
def shop():
    mingde = ProviderFactory(profile__display_name="明德教育")
    yuanhang = ProviderFactory(profile__display_name="远航外语")
    python = PackageFactory(
        service=ServiceFactory(provider=mingde, title="Python 数据分析实战营"),
        price=Decimal("400.00"),
    )
    kana = PackageFactory(
        service=ServiceFactory(provider=yuanhang, title="日语五十音入门"), price=Decimal("99.90")
    )
    return {"mingde": mingde, "yuanhang": yuanhang, "python": python, "kana": kana}


@pytest.fixture
def learner():
    return UserFactory(nickname="小林", phone="+8613912345678", phone_verified=True)


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def cart(learner, shop):
    cart = cart_services.cart_for_user(learner)
    cart_services.add_line(cart, shop["python"], [], 1)
    cart_services.add_line(cart, shop["kana"], [], 1)
    return cart


def test_the_best_coupons_are_preselected_and_placed_as_shown(learner_client, learner, cart, shop):
    small = loyalty.claim_coupon(
        learner, coupon(name="满100减10", amount=Decimal("10"), threshold=Decimal("100"))
    )
    big = loyalty.claim_coupon(learner, coupon())
    own = loyalty.claim_coupon(
        learner,
        coupon(
            shop["mingde"],
            name="明德 9折",
            kind=Coupon.Kind.PERCENT_OFF,
            amount=None,
            rate=Decimal("0.90"),
            threshold=Decimal("0"),
        ),
    )

    page = learner_client.get(CHECKOUT)

    choice = page.context["choice"]
    assert choice.platform_coupon == big.pk
    assert choice.provider_coupons == (own.pk,)
    # 400 − 40 (9折) = 360; 360 + 99.90 = 459.90 ≥ 300: − 50.
    assert page.context["total"] == Decimal("409.90")
    html = page.content.decode()
    assert "满300减50" in html and "明德 9折" in html

    response = learner_client.post(
        CHECKOUT,
        form_data(page)
        | {"platform_coupon": str(big.pk), f"provider_coupon_{shop['mingde'].pk}": str(own.pk)},
    )

    checkout = Checkout.objects.get()
    assert response.status_code == 302
    assert checkout.total == Decimal("409.90")
    orders = {order.provider_id: order for order in checkout.orders.all()}
    assert orders[shop["mingde"].pk].provider_coupon_discount == Decimal("40.00")
    assert sum(o.platform_coupon_discount for o in orders.values()) == Decimal("50.00")
    assert UserCoupon.objects.get(pk=big.pk).status == UserCoupon.Status.USED
    assert UserCoupon.objects.get(pk=small.pk).status == UserCoupon.Status.AVAILABLE


def test_changing_a_coupon_recalculates_and_places_nothing(learner_client, learner, cart):
    big = loyalty.claim_coupon(learner, coupon())
    page = learner_client.get(CHECKOUT)
    assert page.context["total"] == Decimal("449.90")

    response = learner_client.post(
        CHECKOUT, form_data(page) | {"recalculate": "1", "platform_coupon": ""}
    )

    assert response.status_code == 200
    assert response.context["total"] == Decimal("499.90")
    assert response.context["choice"].platform_coupon is None
    assert not Checkout.objects.exists()
    assert UserCoupon.objects.get(pk=big.pk).status == UserCoupon.Status.AVAILABLE
    assert not response.context["form"].errors


def test_points_pay_part_of_the_order(learner_client, learner, cart):
    loyalty.adjust_points(learner, 3000, note="活动奖励")
    page = learner_client.get(CHECKOUT)
    assert page.context["points_usable"] == 3000

    shown = learner_client.post(CHECKOUT, form_data(page) | {"recalculate": "1", "use_points": "1"})
    assert shown.context["total"] == Decimal("469.90")

    learner_client.post(CHECKOUT, form_data(shown) | {"use_points": "1"})

    checkout = Checkout.objects.get()
    assert checkout.total == Decimal("469.90")
    assert sum(order.points_used for order in checkout.orders.all()) == 3000
    assert points_balance(learner) == 0
    assert PointsEntry.objects.filter(user=learner, reason="redeem").count() == 2


def test_a_total_that_changed_since_the_page_was_shown_places_nothing(
    learner_client, learner, cart
):
    page = learner_client.get(CHECKOUT)
    loyalty.claim_coupon(learner, coupon())  # arrives after the page was shown

    response = learner_client.post(CHECKOUT, form_data(page) | {"expected_total": "499.90"})

    # The page had no coupon choice for it; the form sent "no platform coupon" and the
    # total it showed, so the order is placed as shown.
    assert response.status_code == 302
    assert Checkout.objects.get().total == Decimal("499.90")


def test_another_learners_coupon_places_nothing(learner_client, learner, cart):
    theirs = loyalty.claim_coupon(UserFactory(), coupon())
    page = learner_client.get(CHECKOUT)

    response = learner_client.post(CHECKOUT, form_data(page) | {"platform_coupon": str(theirs.pk)})

    assert response.status_code == 200
    assert not Checkout.objects.exists()
    [message] = get_messages(response.wsgi_request)
    assert message.level_tag == "error"
    assert UserCoupon.objects.get(pk=theirs.pk).status == UserCoupon.Status.AVAILABLE


def test_a_member_sees_and_pays_the_member_price(learner_client, learner, cart, shop):
    plan = loyalty.save_plan(
        MembershipPlan(
            name="年度会员", price=Decimal("258.00"), days=365, discount_rate=Decimal("0.88")
        )
    )
    loyalty.grant_membership(learner, order_no="KS-TEST-1", plan=plan)
    page = learner_client.get(CHECKOUT)

    # 400 × 0.88 = 352.00; 99.90 × 0.88 = 87.912 → 87.91.
    assert page.context["total"] == Decimal("439.91")
    learner_client.post(CHECKOUT, form_data(page))

    orders = {o.provider_id: o for o in Order.objects.all()}
    assert orders[shop["mingde"].pk].member_discount == Decimal("48.00")
    assert orders[shop["yuanhang"].pk].member_discount == Decimal("11.99")
    assert sum(o.total for o in orders.values()) == Decimal("439.91")


def test_the_page_shows_each_discount(learner_client, learner, cart):
    loyalty.claim_coupon(learner, coupon())
    page = learner_client.get(CHECKOUT)

    values = inputs(page)
    assert values["expected_total"] == "449.90"
    assert values["discounts"] == "1"
    assert "−¥50.00" in page.content.decode()
