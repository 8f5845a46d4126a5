"""Member prices wherever a learner sees a price: a member sees their price (the list price
struck through) on cards, the detail page's live price and the cart, the same amount
checkout charges; anyone else sees a "member price" teaser when a plan on sale gives
something off; services that opted out show nothing extra. No query per card."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cart import services as cart_services
from catalog.tests.factories import CategoryFactory, PackageFactory, ServiceFactory
from loyalty import services
from loyalty.tests.factories import MembershipFactory, MembershipPlanFactory

pytestmark = pytest.mark.django_db

LIST = "/services/"


def body_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def card_of(body: str, title: str) -> str:
    for card in re.findall(r'<article class="service-card">.*?</article>', body, re.S):
        if title in card:
            return card
    raise AssertionError(f"no card for {title}")


def cart_line(body: str, line_id: int) -> str:
    match = re.search(rf'<li class="cart-line[^"]*" id="line-{line_id}">(.*?)</li>', body, re.S)
    assert match, f"no cart line {line_id}"
    return match.group(1)


def summary_of(body: str) -> str:
    return re.search(r'<div class="cart-summary">(.*?)</div>', body, re.S).group(1)


@pytest.fixture
def shop():
    category = CategoryFactory()
    python = PackageFactory(
        service=ServiceFactory(title="Python 数据分析", category=category),
        price=Decimal("99.90"),
    )
    coaching = PackageFactory(
        service=ServiceFactory(title="一对一辅导", category=category, has_member_price=False),
        price=Decimal("200.00"),
    )
    return {"python": python, "coaching": coaching}


@pytest.fixture
def plan():
    return MembershipPlanFactory(name="年度会员", discount_rate=Decimal("0.88"))


@pytest.fixture
def member(client, plan):
    user = UserFactory()
    MembershipFactory(user=user, plan=plan)
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return user


@pytest.fixture
def learner(client):
    user = UserFactory()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return user


# ---- cards --------------------------------------------------------------------------------


def test_a_member_sees_the_member_price_on_cards_with_the_list_price_struck(client, member, shop):
    body = body_of(client.get(LIST))

    python = card_of(body, "Python 数据分析")
    # 99.90 × 0.88 = 87.912 → 87.91 (rounded half up, as checkout does).
    assert '<strong class="price">¥87.91</strong><s class="muted small">¥99.90</s>' in python
    assert "member-teaser" not in python
    coaching = card_of(body, "一对一辅导")
    assert '<strong class="price">¥200.00</strong>' in coaching
    assert "member-tag" not in coaching


@pytest.mark.parametrize("signed_in", [False, True])
def test_anyone_else_sees_the_list_price_and_a_teaser_of_the_best_plan(
    client, shop, plan, signed_in
):
    MembershipPlanFactory(name="月度会员", discount_rate=Decimal("0.95"))
    if signed_in:
        client.force_login(UserFactory())

    body = body_of(client.get(LIST))

    python = card_of(body, "Python 数据分析")
    assert '<strong class="price">¥99.90</strong>' in python
    assert re.search(r'class="member-teaser">.*?¥87\.91</span>', python, re.S)
    assert "member-tag" not in card_of(body, "一对一辅导")


def test_a_former_member_sees_the_teaser_again(client, learner, shop, plan):
    MembershipFactory(user=learner, plan=plan, ends_at=timezone.now())

    python = card_of(body_of(client.get(LIST)), "Python 数据分析")

    assert '<strong class="price">¥99.90</strong>' in python
    assert "member-teaser" in python


def test_no_teaser_when_no_plan_gives_anything_off(client, shop):
    MembershipPlanFactory(discount_rate=Decimal("1.00"))
    off_sale = MembershipPlanFactory(discount_rate=Decimal("0.80"), is_active=False)
    services.save_plan(off_sale)

    body = body_of(client.get(LIST))

    assert "member-teaser" not in body and "member-tag" not in body


def test_the_home_page_cards_show_member_prices(client, member, shop):
    shop["python"].service.is_featured = True
    shop["python"].service.save()

    body = body_of(client.get("/"))

    assert "¥87.91</strong><s" in card_of(body, "Python 数据分析")


def test_cards_cost_no_query_each_for_a_member(client, member, plan):
    category = CategoryFactory()
    for n in range(3):
        PackageFactory(service=ServiceFactory(title=f"课程{n}", category=category))
    client.get(LIST)
    with CaptureQueriesContext(connection) as three:
        body_of(client.get(LIST))

    for n in range(3, 20):
        PackageFactory(service=ServiceFactory(title=f"课程{n}", category=category))
    with CaptureQueriesContext(connection) as twenty:
        body = body_of(client.get(LIST))

    assert body.count("member-tag") == 20
    assert len(twenty) == len(three)


# ---- detail page --------------------------------------------------------------------------


def test_the_detail_price_box_shows_a_member_their_total(client, member, shop):
    service = shop["python"].service

    body = body_of(client.get(service.get_absolute_url()))
    live = body_of(
        client.get(
            f"{service.get_absolute_url()}price/",
            {"variant": shop["python"].pk, "quantity": "3"},
            headers={"hx-request": "true"},
        )
    )

    box = re.search(r'<div id="price-box".*?</div>', body, re.S).group(0)
    assert '<strong class="price price--large">¥87.91</strong>' in box
    assert '<s class="muted">¥99.90</s>' in box
    assert "Members save ¥11.99" in box
    # Each unit is rounded, then multiplied: 87.91 × 3, as checkout charges.
    assert '<strong class="price price--large">¥263.73</strong>' in live
    assert '<s class="muted">¥299.70</s>' in live


def test_the_detail_price_box_teases_a_visitor_with_a_link_to_the_plans(client, shop, plan):
    body = body_of(client.get(shop["python"].service.get_absolute_url()))

    box = re.search(r'<div id="price-box".*?</div>', body, re.S).group(0)
    assert '<strong class="price price--large">¥99.90</strong>' in box
    assert re.search(r'<a href="/me/membership/">.*?¥87\.91', box, re.S)


def test_a_service_without_member_price_shows_nothing_extra(client, member, shop):
    body = body_of(client.get(shop["coaching"].service.get_absolute_url()))

    box = re.search(r'<div id="price-box".*?</div>', body, re.S).group(0)
    assert '<strong class="price price--large">¥200.00</strong>' in box
    assert "member" not in box


# ---- cart ---------------------------------------------------------------------------------


def cart_of(user, shop):
    cart = cart_services.cart_for_user(user)
    python = cart_services.add_line(cart, shop["python"], [], 2)
    coaching = cart_services.add_line(cart, shop["coaching"], [], 1)
    return python, coaching


def test_a_member_sees_member_totals_in_the_cart_as_checkout_charges(client, member, shop):
    python, coaching = cart_of(member, shop)

    body = body_of(client.get("/cart/"))

    line = cart_line(body, python.pk)
    assert '<strong class="price">¥175.82</strong>' in line  # 87.91 × 2
    assert '<s class="muted small">¥199.80</s>' in line
    assert "member-tag" not in cart_line(body, coaching.pk)
    summary = summary_of(body)
    assert '<strong class="price price--large">¥375.82</strong>' in summary
    assert '<s class="muted">¥399.80</s>' in summary
    assert client.get("/checkout/").context["total"] == Decimal("375.82")


def test_the_cart_member_total_counts_the_selected_lines_only(client, member, shop):
    python, coaching = cart_of(member, shop)
    client.post(f"/cart/items/{coaching.pk}/", {"selected": "0"})

    summary = summary_of(body_of(client.get("/cart/")))

    assert '<strong class="price price--large">¥175.82</strong>' in summary


def test_anyone_else_sees_what_the_cart_would_cost_a_member(client, learner, shop, plan):
    python, _coaching = cart_of(learner, shop)

    body = body_of(client.get("/cart/"))

    assert '<strong class="price">¥199.80</strong>' in cart_line(body, python.pk)
    summary = summary_of(body)
    assert '<strong class="price price--large">¥399.80</strong>' in summary
    assert re.search(r'<a class="member-teaser" href="/me/membership/">.*?¥375\.82</a>', summary)
