"""/me/membership/: the learner's status (none, active, expired), the plans on sale with a
form that buys one through the cart's buy-now, what they bought, and the whole way from
the plan's card to a paid order that makes the learner a member (a second plan stacks
after the first)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cart.session import SESSION_BUY_NOW
from loyalty import selectors, services
from loyalty.models import MembershipGrant
from loyalty.tests.factories import MembershipFactory, MembershipPlanFactory
from orders.models import Order
from orders.services import mark_paid, place_orders
from orders.tests.factories import choice

pytestmark = pytest.mark.django_db

PAGE = "/me/membership/"
# Session, user, the learner's membership, the plans with their packages, the purchases'
# count and page, the header's unread count, membership and roles: 9 measured; the
# category menu on a cold cache and one to spare.
PAGE_BUDGET = 11


def body_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def learner(client):
    user = UserFactory()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return user


@pytest.fixture
def plans():
    return [
        MembershipPlanFactory(
            name="月度会员",
            price=Decimal("30.00"),
            days=30,
            discount_rate=Decimal("0.95"),
            perks="参与会员价的服务一律 9.5 折\n可与优惠券叠加",
            position=0,
        ),
        MembershipPlanFactory(
            name="年度会员",
            price=Decimal("258.00"),
            days=365,
            discount_rate=Decimal("0.88"),
            position=1,
        ),
    ]


def plan_forms(body: str) -> list[dict[str, str]]:
    """The hidden fields of every form posting to the cart."""
    forms = re.findall(
        r'<form class="plan-card__buy" method="post" action="/cart/add/">(.*?)</form>', body, re.S
    )
    return [dict(re.findall(r'name="(\w+)" value="([^"]*)"', form)) for form in forms]


def place_and_pay(buyer, plan, token: str, capture) -> Order:
    checkout = place_orders(
        buyer,
        [choice(plan.package)],
        contact_name="林小姐",
        contact_phone="13800138000",
        token=token,
    )
    with capture(execute=True):
        mark_paid(checkout)
    return checkout.orders.get()


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_learner_who_never_joined_sees_the_plans_to_join(client, learner, plans):
    body = body_of(client.get(PAGE))

    assert "Not a member" in body
    assert "月度会员" in body and "年度会员" in body
    assert "9.5折" in body or "5% off" in body
    assert "¥30.00" in body and "¥258.00" in body
    assert "¥1.00 a day" in body  # 30 / 30 days
    assert "¥0.71 a day" in body  # 258 / 365 = 0.7068
    assert "参与会员价的服务一律 9.5 折" in body
    assert body.count(">Join</button>") == 2
    assert "Renew" not in body


def test_each_plan_posts_its_package_to_buy_now(client, learner, plans):
    forms = plan_forms(body_of(client.get(PAGE)))

    assert [form["variant"] for form in forms] == [str(plan.package_id) for plan in plans]
    assert all(form["buy_now"] == "1" and form["quantity"] == "1" for form in forms)


def test_a_plan_off_sale_is_not_offered(client, learner, plans):
    plans[0].is_active = False
    services.save_plan(plans[0])

    forms = plan_forms(body_of(client.get(PAGE)))

    assert [form["variant"] for form in forms] == [str(plans[1].package_id)]


def test_a_member_sees_the_plan_rate_end_and_days_left(client, learner, plans):
    ends_at = timezone.now() + timedelta(days=12, hours=3)
    MembershipFactory(user=learner, plan=plans[1], ends_at=ends_at)

    body = body_of(client.get(PAGE))

    assert "member-status--active" in body
    assert "12% off" in body  # 0.88 in English; 8.8折 in Chinese
    assert timezone.localtime(ends_at).strftime("%Y-%m-%d %H:%M") in body
    assert "13 days" in body
    assert body.count(">Renew</button>") == 2
    # Renewing stacks after the current end, and the card says so.
    end_day = timezone.localtime(ends_at).strftime("%Y-%m-%d")
    assert f"Adds 30 days after your membership ends on {end_day}." in body


def test_an_expired_member_is_told_when_it_ended(client, learner, plans):
    ended = timezone.now() - timedelta(days=3)
    MembershipFactory(user=learner, plan=plans[0], ends_at=ended)

    body = body_of(client.get(PAGE))

    assert f"expired on {timezone.localtime(ended):%Y-%m-%d}" in body
    assert "member-status--active" not in body
    assert body.count(">Join</button>") == 2


def test_the_header_shows_the_member_badge_only_to_an_active_member(
    client, learner, plans, django_capture_on_commit_callbacks
):
    assert 'class="member-badge"' not in body_of(client.get("/"))

    with django_capture_on_commit_callbacks(execute=True):
        services.grant_membership(learner, order_no="KS202501010001", plan=plans[0])

    assert f'<a class="member-badge" href="{PAGE}"' in body_of(client.get("/"))


def test_the_purchases_link_their_orders_and_say_when_taken_back(client, learner, plans):
    services.grant_membership(learner, order_no="KS202501010001", plan=plans[0])
    services.grant_membership(learner, order_no="KS202501010002", plan=plans[1])
    services.revoke_membership("KS202501010002")
    services.grant_membership(UserFactory(), order_no="KS202501010003", plan=plans[1])

    body = body_of(client.get(PAGE))

    assert '<a href="/orders/KS202501010001/">KS202501010001</a>' in body
    assert '<a href="/orders/KS202501010002/">KS202501010002</a>' in body
    assert "KS202501010003" not in body
    assert body.count("Taken back") == 1


def test_choosing_a_plan_goes_straight_to_checkout_with_its_package(client, learner, plans):
    response = client.post(
        "/cart/add/", {"variant": plans[1].package_id, "quantity": "1", "buy_now": "1"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/checkout/?buy_now=1"
    assert client.session[SESSION_BUY_NOW]["package_id"] == plans[1].package_id
    checkout = client.get(response["Location"])
    assert checkout.status_code == 200
    assert "年度会员" in checkout.content.decode()


def test_paying_for_a_plan_makes_the_learner_a_member_and_a_second_stacks(
    client, learner, plans, django_capture_on_commit_callbacks
):
    before = timezone.now()
    first = place_and_pay(learner, plans[0], "a" * 32, django_capture_on_commit_callbacks)

    membership = selectors.active_membership(learner)
    assert membership is not None and membership.plan == plans[0]
    assert before + timedelta(days=30) <= membership.ends_at <= timezone.now() + timedelta(days=30)
    first_end = membership.ends_at

    second = place_and_pay(learner, plans[1], "b" * 32, django_capture_on_commit_callbacks)

    membership = selectors.active_membership(learner)
    assert membership.ends_at == first_end + timedelta(days=365)
    assert membership.plan == plans[1]  # the better rate applies at once
    grants = MembershipGrant.objects.filter(user=learner).order_by("pk")
    assert [(g.order_no, g.starts_at, g.ends_at) for g in grants] == [
        (first.order_no, first_end - timedelta(days=30), first_end),
        (second.order_no, first_end, first_end + timedelta(days=365)),
    ]
    body = body_of(client.get(PAGE))
    assert f'href="/orders/{first.order_no}/"' in body
    assert f'href="/orders/{second.order_no}/"' in body


def test_the_page_has_a_fixed_query_budget(client, learner, plans, django_assert_max_num_queries):
    services.grant_membership(learner, order_no="KS-1", plan=plans[0])
    client.get(PAGE)
    with CaptureQueriesContext(connection) as one:
        body_of(client.get(PAGE))

    for n in range(2, 26):
        services.grant_membership(learner, order_no=f"KS-{n}", plan=plans[n % 2])
    with django_assert_max_num_queries(PAGE_BUDGET), CaptureQueriesContext(connection) as many:
        body_of(client.get(PAGE))

    assert len(many) == len(one)
