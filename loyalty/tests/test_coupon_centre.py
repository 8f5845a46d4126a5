"""/coupons/: what the coupon centre lists and to whom, claiming through HTTP (plain POST
and htmx) with every refusal, the strip of coupons on a service page, and query budgets."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import ProviderFactory, UserFactory
from catalog.tests.factories import CategoryFactory, PackageFactory, ServiceFactory
from loyalty.models import Coupon, UserCoupon
from loyalty.tests.factories import CouponFactory, UserCouponFactory
from orders.models import Order
from orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

CENTRE = "/coupons/"
# Session, user, "never paid?", the page's count and coupons (with issuer, category and
# service), the learner's claims, the header's unread count, membership and roles: 9
# measured; the category menu on a cold cache and one to spare.
CENTRE_BUDGET = 11


def claim_url(coupon: Coupon) -> str:
    return f"/coupons/{coupon.pk}/claim/"


def english(client):
    client.cookies["django_language"] = "en"
    return client


def body_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def flash(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def paid_learner():
    learner = UserFactory()
    OrderFactory(buyer=learner, status=Order.Status.PAID, paid_at=timezone.now())
    return learner


@pytest.fixture
def learner(client):
    user = UserFactory()
    english(client).force_login(user)
    return user


# --- what the centre lists ---------------------------------------------------------------------


def test_the_centre_lists_the_platforms_coupons_before_the_providers(client):
    provider = ProviderFactory(profile__display_name="王老师工作室")
    CouponFactory(provider=provider, name="店铺满200减20", threshold=Decimal("200.00"))
    CouponFactory(name="平台满300减50")

    body = body_of(english(client).get(CENTRE))

    assert body.index("平台满300减50") < body.index("店铺满200减20")
    assert "王老师工作室" in body
    assert "Spend ¥300 or more" in body
    assert "Claim now" in body


def test_a_coupon_face_shows_its_value_cap_scope_and_stock(client):
    service = ServiceFactory(title="雅思口语冲刺班")
    CouponFactory(
        provider=service.provider,
        kind=Coupon.Kind.PERCENT_OFF,
        amount=None,
        rate=Decimal("0.85"),
        cap=Decimal("20.00"),
        threshold=Decimal("0.00"),
        service=service,
        total_quantity=10,
        claimed_count=4,
    )

    body = body_of(english(client).get(CENTRE))

    assert "15% off" in body
    assert "No minimum spend" in body
    assert "Up to ¥20 off" in body
    assert f'href="/services/{service.slug}/"' in body
    assert "雅思口语冲刺班" in body
    assert 'max="10" value="4"' in body
    assert "6 left" in body


def test_the_centre_shows_the_discount_the_chinese_way_by_default(client):
    CouponFactory(
        kind=Coupon.Kind.PERCENT_OFF, amount=None, rate=Decimal("0.85"), cap=Decimal("20.00")
    )

    body = body_of(client.get(CENTRE))

    assert "8.5折" in body


def test_coupons_all_gone_stopped_ended_or_not_started_are_not_listed(client):
    now = timezone.now()
    CouponFactory(name="已抢光的券", total_quantity=5, claimed_count=5)
    CouponFactory(name="已停止的券", is_active=False)
    CouponFactory(name="已结束的券", starts_at=now - timedelta(days=9), ends_at=now)
    CouponFactory(name="未开始的券", starts_at=now + timedelta(days=1))
    CouponFactory(name="可以领的券")

    body = body_of(client.get(CENTRE))

    assert "可以领的券" in body
    for name in ["已抢光的券", "已停止的券", "已结束的券", "未开始的券"]:
        assert name not in body


def test_new_user_coupons_show_to_visitors_and_to_learners_who_never_paid(client, learner):
    CouponFactory(name="新人专享券", kind=Coupon.Kind.NEW_USER, threshold=Decimal("0.00"))

    assert "新人专享券" in body_of(client.get(CENTRE))
    client.logout()
    assert "新人专享券" in body_of(client.get(CENTRE))


def test_new_user_coupons_do_not_show_to_a_learner_who_paid_an_order(client):
    CouponFactory(name="新人专享券", kind=Coupon.Kind.NEW_USER, threshold=Decimal("0.00"))
    client.force_login(paid_learner())

    assert "新人专享券" not in body_of(client.get(CENTRE))


def test_a_coupon_claimed_to_the_limit_shows_claimed_and_a_link_to_use_it(client, learner):
    service = ServiceFactory()
    coupon = CouponFactory(provider=service.provider, service=service)
    UserCouponFactory(coupon=coupon, user=learner)

    body = body_of(client.get(CENTRE))

    assert "Claimed" in body
    assert "Claim now" not in body
    assert f'href="/services/{service.slug}/">Use it' in body


def test_more_than_thirty_coupons_are_paginated(client):
    for _ in range(31):
        CouponFactory()

    first = client.get(CENTRE)
    second = client.get(CENTRE, {"page": 2})

    assert len(first.context["platform_cards"]) == 30
    assert len(second.context["platform_cards"]) == 1


def test_an_empty_centre_says_so(client):
    body = body_of(english(client).get(CENTRE))

    assert "No coupons to claim at the moment" in body


@pytest.mark.parametrize("count", [2, 15])
def test_the_centre_has_a_fixed_query_budget(client, learner, django_assert_max_num_queries, count):
    for n in range(count):
        coupon = CouponFactory(
            provider=ProviderFactory() if n % 2 else None,
            category=CategoryFactory() if n % 3 == 0 else None,
        )
        if n % 4 == 0:
            UserCouponFactory(coupon=coupon, user=learner)

    with django_assert_max_num_queries(CENTRE_BUDGET):
        body_of(client.get(CENTRE))


def test_the_centre_costs_the_same_with_two_or_fifteen_coupons(client, learner):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            body_of(client.get(CENTRE))
        return len(captured)

    for _ in range(2):
        CouponFactory(provider=ProviderFactory())
    client.get(CENTRE)  # warm the category menu
    small = queries()
    for _ in range(13):
        CouponFactory(service=ServiceFactory())

    assert queries() == small


# --- claiming ------------------------------------------------------------------------------------


def test_claiming_gives_the_learner_one_and_counts_it(client, learner):
    coupon = CouponFactory()

    response = client.post(claim_url(coupon), follow=True)

    assert response.redirect_chain[-1][0] == CENTRE
    assert flash(response) == ["Coupon claimed."]
    assert UserCoupon.objects.filter(user=learner, coupon=coupon).count() == 1
    coupon.refresh_from_db()
    assert coupon.claimed_count == 1


def test_a_claim_goes_back_to_a_safe_next_only(client, learner):
    coupon = CouponFactory(per_user_limit=3)
    service = ServiceFactory()

    back = client.post(claim_url(coupon), {"next": f"/services/{service.slug}/"})
    away = client.post(claim_url(coupon), {"next": "https://evil.example/"})

    assert back["Location"] == f"/services/{service.slug}/"
    assert away["Location"] == CENTRE


def test_a_second_claim_over_the_per_learner_limit_is_refused(client, learner):
    coupon = CouponFactory()
    client.post(claim_url(coupon), follow=True)

    response = client.post(claim_url(coupon), follow=True)

    assert flash(response) == ["You have already claimed this coupon."]
    assert UserCoupon.objects.filter(user=learner).count() == 1
    coupon.refresh_from_db()
    assert coupon.claimed_count == 1


def test_a_learner_may_claim_up_to_the_limit(client, learner):
    coupon = CouponFactory(per_user_limit=2)

    for _ in range(3):
        client.post(claim_url(coupon))

    assert UserCoupon.objects.filter(user=learner, coupon=coupon).count() == 2


def test_claiming_a_coupon_all_gone_is_refused(client, learner):
    coupon = CouponFactory(total_quantity=1, claimed_count=1)

    response = client.post(claim_url(coupon), follow=True)

    assert flash(response) == ["All of these coupons have been claimed."]
    assert not UserCoupon.objects.exists()


def test_claiming_a_coupon_not_started_is_refused(client, learner):
    coupon = CouponFactory(starts_at=timezone.now() + timedelta(hours=1))

    response = client.post(claim_url(coupon), follow=True)

    assert flash(response) == ["This coupon cannot be claimed yet."]
    assert not UserCoupon.objects.exists()


def test_claiming_a_stopped_coupon_is_refused(client, learner):
    coupon = CouponFactory(is_active=False)

    response = client.post(claim_url(coupon), follow=True)

    assert flash(response) == ["This coupon is no longer available."]
    assert not UserCoupon.objects.exists()


def test_a_new_user_coupon_is_refused_to_a_learner_who_paid_and_given_to_a_new_one(client):
    coupon = CouponFactory(kind=Coupon.Kind.NEW_USER, threshold=Decimal("0.00"))
    english(client).force_login(paid_learner())

    refused = client.post(claim_url(coupon), follow=True)
    newcomer = UserFactory()
    client.force_login(newcomer)
    client.post(claim_url(coupon))

    assert flash(refused) == ["This coupon is for learners placing their first order."]
    assert list(UserCoupon.objects.values_list("user", flat=True)) == [newcomer.pk]


def test_a_provider_cannot_claim_their_own_coupon(client):
    provider = ProviderFactory()
    coupon = CouponFactory(provider=provider)
    english(client).force_login(provider)

    response = client.post(claim_url(coupon), follow=True)

    assert flash(response) == ["You cannot claim your own coupon."]
    assert not UserCoupon.objects.exists()


def test_a_visitor_is_sent_to_sign_in_and_back_and_nothing_is_claimed(client):
    coupon = CouponFactory()

    from_centre = client.post(claim_url(coupon))
    from_service = client.post(claim_url(coupon), {"next": "/services/abc/"})

    assert from_centre.status_code == 302
    assert from_centre["Location"] == "/accounts/login/?next=%2Fcoupons%2F"
    assert from_service["Location"] == "/accounts/login/?next=%2Fservices%2Fabc%2F"
    assert not UserCoupon.objects.exists()


def test_a_visitors_htmx_claim_redirects_the_page_to_sign_in(client):
    coupon = CouponFactory()

    response = client.post(claim_url(coupon), HTTP_HX_REQUEST="true")

    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fcoupons%2F"
    assert not UserCoupon.objects.exists()


def test_claiming_is_post_only_and_an_unknown_coupon_is_404(client, learner):
    coupon = CouponFactory()

    assert client.get(claim_url(coupon)).status_code == 405
    assert client.post("/coupons/999999/claim/").status_code == 404


def test_an_htmx_claim_swaps_just_that_coupons_card(client, learner):
    coupon = CouponFactory(total_quantity=10)

    response = client.post(
        claim_url(coupon), {"next": CENTRE, "layout": "centre"}, HTTP_HX_REQUEST="true"
    )

    body = body_of(response)
    assert body.lstrip().startswith(f'<article class="coupon coupon--done" id="coupon-{coupon.pk}"')
    assert "Coupon claimed." in body
    assert "Claimed" in body and "Use it" in body
    assert 'max="10" value="1"' in body
    assert "<html" not in body


def test_an_htmx_claim_refused_shows_why_in_the_card(client, learner):
    coupon = CouponFactory(is_active=False)

    body = body_of(client.post(claim_url(coupon), HTTP_HX_REQUEST="true"))

    assert "This coupon is no longer available." in body
    assert "coupon__notice--error" in body


def test_an_htmx_claim_from_a_service_page_swaps_the_strip_row(client, learner):
    coupon = CouponFactory()

    body = body_of(
        client.post(
            claim_url(coupon), {"layout": "strip", "next": "/services/x/"}, HTTP_HX_REQUEST="true"
        )
    )

    assert body.lstrip().startswith(f'<div class="coupon-row" id="strip-coupon-{coupon.pk}"')
    assert "Coupon claimed." in body


# --- the strip on a service page ------------------------------------------------------------------


@pytest.fixture
def service():
    return PackageFactory(price=Decimal("399.00")).service


def test_the_service_page_offers_the_coupons_that_cover_it(client, service):
    CouponFactory(name="平台券")
    CouponFactory(provider=service.provider, name="本店券", service=service)
    CouponFactory(provider=ProviderFactory(), name="别家券")
    CouponFactory(name="别的分类", category=CategoryFactory())

    body = body_of(english(client).get(f"/services/{service.slug}/"))

    assert "Claim coupons" in body
    assert body.count('class="coupon-row"') == 2
    assert "coupon-chip" in body
    assert f'<input type="hidden" name="next" value="/services/{service.slug}/">' in body
    assert "coupons.css" in body


def test_the_service_page_has_no_strip_without_coupons(client, service):
    body = body_of(english(client).get(f"/services/{service.slug}/"))

    assert "coupon-strip" not in body


def test_a_claim_from_the_service_page_comes_back_to_it(client, learner, service):
    coupon = CouponFactory(provider=service.provider)
    page = f"/services/{service.slug}/"

    response = client.post(claim_url(coupon), {"next": page}, follow=True)

    assert response.redirect_chain[-1][0] == page
    assert flash(response) == ["Coupon claimed."]
    assert "coupon__stamp--ok" in response.content.decode()


def test_the_strip_hides_new_user_coupons_from_learners_who_do_not_hold_one(client, service):
    CouponFactory(name="新人券", kind=Coupon.Kind.NEW_USER, threshold=Decimal("0.00"))

    visitor = body_of(client.get(f"/services/{service.slug}/"))
    client.force_login(UserFactory())
    learner = body_of(client.get(f"/services/{service.slug}/"))

    assert "coupon-row" in visitor
    assert "coupon-row" not in learner


def render_strip(user, service) -> str:
    request = RequestFactory().get(f"/services/{service.slug}/")
    request.user = user
    template = Template("{% load coupon_tags %}{% service_coupons service %}")
    return template.render(Context({"request": request, "service": service}))


def test_the_strip_costs_at_most_two_queries(service):
    learner = UserFactory()
    for n in range(6):
        coupon = CouponFactory(provider=service.provider if n % 2 else None)
        UserCouponFactory(coupon=coupon, user=learner)
    service.refresh_from_db()
    service.category  # the detail page loads it with the service  # noqa: B018

    with CaptureQueriesContext(connection) as captured:
        html = render_strip(learner, service)

    assert html.count('class="coupon-row"') == 6
    assert len(captured) <= 2
