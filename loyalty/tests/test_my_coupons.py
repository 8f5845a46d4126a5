"""/me/coupons/: the learner's coupons on three tabs with their counts, the used ones with
the checkout they went to, only the learner's own, and a fixed query budget."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import ProviderFactory, UserFactory
from catalog.tests.factories import ServiceFactory
from loyalty.models import UserCoupon
from loyalty.tests.factories import CouponFactory, UserCouponFactory

pytestmark = pytest.mark.django_db

WALLET = "/me/coupons/"
# Session, user, the page's count and coupons (with issuer, category and service), the
# tab counts, the header's unread count, membership and roles: 8 measured; the category
# menu on a cold cache and one to spare.
WALLET_BUDGET = 10


def body_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def learner(client):
    user = UserFactory()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return user


def ended_coupon():
    now = timezone.now()
    return CouponFactory(starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=1))


@pytest.fixture
def wallet(learner):
    """Two usable, one used, one expired coupon of the learner; one of someone else."""
    UserCouponFactory(user=learner, coupon__name="可用券甲")
    UserCouponFactory(user=learner, coupon__name="可用券乙")
    UserCouponFactory(
        user=learner,
        coupon__name="已用券",
        status=UserCoupon.Status.USED,
        used_at=timezone.now(),
        used_on="P20250301123456",
    )
    UserCouponFactory(user=learner, coupon=ended_coupon())
    UserCouponFactory(coupon__name="别人的券")
    return learner


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(WALLET)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/me/coupons/"


def test_the_usable_tab_is_the_default_and_the_tabs_show_counts(client, wallet):
    response = client.get(WALLET)

    body = body_of(response)
    assert [(key, count) for key, _label, count in response.context["tabs"]] == [
        ("usable", 2),
        ("used", 1),
        ("expired", 1),
    ]
    assert "可用券甲" in body and "可用券乙" in body
    assert "已用券" not in body
    assert "Use it" in body
    assert 'href="?tab=usable" aria-current="page"' in body


def test_the_used_tab_shows_the_checkout_each_went_to(client, wallet):
    body = body_of(client.get(WALLET, {"tab": "used"}))

    assert "已用券" in body
    assert "On payment P20250301123456" in body
    assert "可用券甲" not in body


def test_the_expired_tab_shows_expired_coupons_faded(client, wallet):
    response = client.get(WALLET, {"tab": "expired"})

    body = body_of(response)
    assert len(response.context["page"].object_list) == 1
    assert "coupon coupon--done" in body
    assert "Expired" in body


def test_an_unknown_tab_falls_back_to_usable(client, wallet):
    response = client.get(WALLET, {"tab": "nonsense"})

    assert response.context["tab"] == "usable"


def test_the_learner_sees_only_their_own_coupons(client, wallet):
    bodies = [body_of(client.get(WALLET, {"tab": tab})) for tab in ["usable", "used", "expired"]]

    assert all("别人的券" not in body for body in bodies)


def test_a_coupon_not_yet_valid_says_from_when(client, learner):
    later = timezone.now() + timedelta(days=2)
    coupon = CouponFactory(starts_at=later, ends_at=later + timedelta(days=5))
    UserCoupon.objects.create(coupon=coupon, user=learner)

    body = body_of(client.get(WALLET))

    assert "Not yet valid" in body
    assert "Valid from" in body


def test_use_it_leads_to_the_service_the_coupon_is_for(client, learner):
    service = ServiceFactory()
    UserCouponFactory(user=learner, coupon__provider=service.provider, coupon__service=service)

    body = body_of(client.get(WALLET))

    assert f'href="/services/{service.slug}/">Use it' in body


def test_an_empty_tab_points_to_the_coupon_centre(client, learner):
    body = body_of(client.get(WALLET))

    assert 'href="/coupons/"' in body
    assert "You have no coupons to use" in body


def test_the_account_menu_links_to_the_coupons(client, learner):
    body = body_of(client.get(WALLET))

    assert 'href="/me/coupons/" aria-current="page"' in body


def test_the_wallet_is_paginated(client, learner):
    for _ in range(21):
        UserCouponFactory(user=learner)

    second = client.get(WALLET, {"page": 2})

    assert len(second.context["page"].object_list) == 1


def fill(learner, count: int) -> None:
    for n in range(count):
        UserCouponFactory(
            user=learner,
            coupon__provider=ProviderFactory() if n % 2 else None,
            coupon__service=ServiceFactory() if n % 3 == 0 else None,
        )


@pytest.mark.parametrize("count", [2, 15])
def test_the_wallet_has_a_fixed_query_budget(client, learner, django_assert_max_num_queries, count):
    fill(learner, count)

    with django_assert_max_num_queries(WALLET_BUDGET):
        body_of(client.get(WALLET))


def test_the_wallet_costs_the_same_with_two_or_fifteen_coupons(client, learner):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            body_of(client.get(WALLET))
        return len(captured)

    fill(learner, 2)
    client.get(WALLET)  # warm the category menu
    small = queries()
    fill(learner, 13)

    assert queries() == small
