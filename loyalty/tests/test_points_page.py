"""/me/points/: the balance and what it is worth, the rules from the settings, and the
learner's own ledger, newest first and paginated, in a fixed number of queries."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from loyalty import services

pytestmark = pytest.mark.django_db

PAGE = "/me/points/"
# Session, user, balance, the ledger's count and page, the header's unread count,
# membership and roles: 8 measured; the category menu on a cold cache and one to spare.
PAGE_BUDGET = 10


def body_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def rows(body: str) -> list[str]:
    tbody = re.search(r"<tbody>(.*?)</tbody>", body, re.S)
    return re.findall(r"<tr>(.*?)</tr>", tbody.group(1), re.S) if tbody else []


@pytest.fixture
def learner(client):
    user = UserFactory()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return user


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_learner_without_points_sees_zero_and_the_rules(client, learner):
    body = body_of(client.get(PAGE))

    assert '<strong class="points-balance__figure">0</strong>' in body
    assert "Worth ¥0.00 at checkout" in body
    assert "Every ¥1 you pay earns 1 point once the order is completed." in body
    assert "100 points pay ¥1, for up to 50% of an order" in body
    assert "No points yet." in body


def test_the_rules_follow_the_settings(client, learner, settings):
    settings.POINTS_PER_YUAN = 50
    settings.POINTS_MAX_SHARE = Decimal("0.30")
    settings.POINTS_EARNED_PER_YUAN = Decimal("2")

    body = body_of(client.get(PAGE))

    assert "earns 2 point" in body
    assert "50 points pay ¥1, for up to 30% of an order" in body


def test_the_balance_and_its_worth(client, learner):
    services.adjust_points(learner, 12345, note="客诉补偿")

    body = body_of(client.get(PAGE))

    assert '<strong class="points-balance__figure">12345</strong>' in body
    assert "Worth ¥123.45 at checkout" in body


def test_the_history_shows_each_change_with_its_order_and_the_balance_after(client, learner):
    services.earn_points(learner, order_no="KS202501010001", amount=Decimal("300.00"))
    services.redeem_points(learner, [("KS202501010002", 120)])
    services.adjust_points(learner, -30, note="重复发放，扣回")
    services.adjust_points(UserFactory(), 999, note="别人的积分")

    body = body_of(client.get(PAGE))
    newest, redeemed, earned = rows(body)

    assert "Adjusted by staff" in newest and "points-change--out" in newest
    assert ">-30<" in newest and ">150<" in newest and "重复发放，扣回" in newest
    assert '<a href="/orders/KS202501010002/">KS202501010002</a>' in redeemed
    assert ">-120<" in redeemed and ">180<" in redeemed
    assert "Earned on a completed order" in earned and "points-change--in" in earned
    assert ">+300<" in earned and ">300<" in earned and "¥300.00 paid" in earned
    assert "别人的积分" not in body


def test_the_history_is_paginated(client, learner):
    for n in range(25):
        services.adjust_points(learner, n + 1, note=f"第{n + 1}次")

    first = body_of(client.get(PAGE))
    second = body_of(client.get(PAGE, {"page": 2}))

    assert len(rows(first)) == 20 and "第25次" in first
    assert len(rows(second)) == 5 and "第1次" in second
    assert len(rows(body_of(client.get(PAGE, {"page": "x"})))) == 20


def test_the_page_has_a_fixed_query_budget(client, learner, django_assert_max_num_queries):
    services.adjust_points(learner, 10, note="一")
    services.adjust_points(learner, 10, note="二")
    client.get(PAGE)
    with CaptureQueriesContext(connection) as two:
        assert len(rows(body_of(client.get(PAGE)))) == 2

    for n in range(28):
        services.earn_points(learner, order_no=f"KS2025{n:08d}", amount=Decimal("10.00"))
    with django_assert_max_num_queries(PAGE_BUDGET), CaptureQueriesContext(connection) as thirty:
        assert len(rows(body_of(client.get(PAGE)))) == 20

    assert len(thirty) == len(two)
