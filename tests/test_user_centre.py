"""The user centre: /me/ (orders by status, membership, points, coupons, messages,
favourites, recently viewed), adding a favourite to the cart, and the recently viewed
services the detail page records."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cart.models import CartLine
from catalog import services as catalog_services
from catalog.models import RecentView, Service
from catalog.tests.factories import PackageFactory, ReviewFactory, ServiceFactory
from loyalty import services as loyalty
from loyalty.tests.factories import CouponFactory, MembershipPlanFactory, UserCouponFactory
from orders.models import Order
from orders.tests.factories import OrderFactory, order_walked_to
from tests.helpers import post_form

pytestmark = pytest.mark.django_db

ME = "/me/"
FAVORITES = "/me/favorites/"
CLEAR_RECENT = "/me/recent/clear/"
# Session, user, roles, unread count and categories for the layout; the order counts
# (one aggregate), points and usable coupons, the favourites' count and newest four, the
# recently viewed services, the member badge on a cold cache; the request's savepoint and
# its release. However many orders, favourites and views there are.
ME_BUDGET = 15


@pytest.fixture
def learner(client):
    user = UserFactory(nickname="小林")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return user


def body_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def order_counts(body: str) -> dict[str, int]:
    """The /me/ order strip as {tab: count}."""
    return {
        tab: int(count)
        for tab, count in re.findall(
            r'href="/orders/\?tab=(\w+)">\s*<strong class="me-orders__count[^"]*">(\d+)</strong>',
            body,
        )
    }


def titles(html: str, pattern: str) -> list[str]:
    """The service titles matching ``pattern`` in page order, each once (a card names its
    service in the title and the cover's alt text)."""
    return list(dict.fromkeys(re.findall(pattern, html)))


def section(body: str, title_id: str) -> str:
    match = re.search(rf'aria-labelledby="{title_id}".*?</section>', body, re.S)
    return match.group(0) if match else ""


# ---- /me/ ------------------------------------------------------------------------------------


def test_signing_in_is_needed(client):
    response = client.get(ME)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_orders_are_counted_by_status_with_completed_ones_still_to_review(client, learner):
    OrderFactory.create_batch(2, checkout__buyer=learner)
    OrderFactory(checkout__buyer=learner, status=Order.Status.PAID)
    OrderFactory(checkout__buyer=learner, status=Order.Status.AWAITING_SERVICE)
    OrderFactory(checkout__buyer=learner, status=Order.Status.IN_SERVICE)
    OrderFactory(checkout__buyer=learner, status=Order.Status.REFUNDED)
    OrderFactory(checkout__buyer=learner, status=Order.Status.CANCELLED)
    unreviewed = order_walked_to("completed", buyer=learner)
    reviewed = order_walked_to("completed", buyer=learner)
    line = reviewed.lines.get()
    line.review = ReviewFactory(service=line.service, author=learner)
    line.save(update_fields=["review"])
    OrderFactory(status=Order.Status.PENDING_PAYMENT)  # someone else's

    counts = order_counts(body_of(client.get(ME)))

    # 待付款, 待服务, 进行中, 待评价 (links to the completed tab), 退款/售后
    assert counts == {"unpaid": 2, "upcoming": 2, "active": 1, "done": 1, "after_sales": 1}
    assert unreviewed.status == Order.Status.COMPLETED


def test_membership_points_and_coupons_show_what_the_learner_has(
    client, learner, django_capture_on_commit_callbacks
):
    body = body_of(client.get(ME))
    assert "Not a member" in body

    with django_capture_on_commit_callbacks(execute=True):
        loyalty.grant_membership(
            learner, order_no="KS202611240001", plan=MembershipPlanFactory(name="年度会员")
        )
    loyalty.adjust_points(learner, 1250, note="活动奖励")
    UserCouponFactory.create_batch(2, user=learner)
    UserCouponFactory(user=learner, coupon=CouponFactory(ends_at=timezone.now()))  # expired
    UserCouponFactory(user=learner, status="used", used_on="P1")

    body = body_of(client.get(ME))

    assets = re.sub(r"\s+", " ", body[body.index('class="me-assets"') :])
    assert "年度会员" in assets
    assert re.search(r'href="/me/points/">.*?<strong class="me-asset__value">1250</strong>', assets)
    assert "Worth ¥12.50" in assets
    assert re.search(r'href="/me/coupons/">.*?<strong class="me-asset__value">2</strong>', assets)


def test_favourites_show_the_newest_four_on_sale_and_the_count(client, learner):
    services = [PackageFactory(service__title=f"收藏课程{n}").service for n in range(6)]
    for service in services:
        catalog_services.set_favorite(learner, service, on=True)
    Service.objects.filter(pk=services[5].pk).update(status=Service.Status.ARCHIVED)

    shelf = section(body_of(client.get(ME)), "me-favorites-title")

    assert '<span class="muted small">6</span>' in shelf
    assert titles(shelf, r"收藏课程\d") == ["收藏课程4", "收藏课程3", "收藏课程2", "收藏课程1"]


def test_recently_viewed_lists_the_last_opened_first_and_can_be_cleared(client, learner):
    first, second = (PackageFactory(service__title=t).service for t in ("口语课", "写作课"))
    client.get(first.get_absolute_url())
    client.get(second.get_absolute_url())
    client.get(first.get_absolute_url())

    shelf = section(body_of(client.get(ME)), "me-recent-title")
    assert titles(shelf, r"口语课|写作课") == ["口语课", "写作课"]
    assert RecentView.objects.filter(user=learner).count() == 2

    response = post_form(client, CLEAR_RECENT, {}, form_url=ME)

    assert response.status_code == 302
    assert response["Location"] == ME
    assert not RecentView.objects.filter(user=learner).exists()
    assert "Services you open appear here." in body_of(client.get(ME))


def test_clearing_someone_elses_views_is_not_possible(client, learner):
    other = UserFactory()
    catalog_services.record_view(PackageFactory().service, other)

    post_form(client, CLEAR_RECENT, {}, form_url=ME)

    assert RecentView.objects.filter(user=other).count() == 1


def test_me_keeps_to_its_query_budget_however_much_the_learner_has(
    client, learner, django_assert_max_num_queries
):
    def fill(n: int) -> None:
        for _ in range(n):
            service = PackageFactory().service
            OrderFactory(checkout__buyer=learner, provider=service.provider)
            catalog_services.set_favorite(learner, service, on=True)
            catalog_services.record_view(service, learner)
            UserCouponFactory(user=learner)

    fill(1)
    with CaptureQueriesContext(connection) as few:
        body_of(client.get(ME))
    fill(12)
    with django_assert_max_num_queries(ME_BUDGET):
        body_of(client.get(ME))
    with CaptureQueriesContext(connection) as many:
        body_of(client.get(ME))

    assert len(many) <= len(few)


# ---- recently viewed, as the detail page records it ----------------------------------------


def test_a_visitor_leaves_no_trace_and_a_learner_one_row_per_service(client):
    service = PackageFactory().service
    client.get(service.get_absolute_url())
    assert not RecentView.objects.exists()

    user = UserFactory()
    client.force_login(user)
    client.get(service.get_absolute_url())
    first = RecentView.objects.get(user=user)
    RecentView.objects.filter(pk=first.pk).update(viewed_at=timezone.now() - timedelta(days=3))
    client.get(service.get_absolute_url())

    again = RecentView.objects.get(user=user)
    assert again.pk == first.pk
    assert again.viewed_at > timezone.now() - timedelta(minutes=1)


def test_only_the_latest_views_are_kept(learner, monkeypatch):
    monkeypatch.setattr(catalog_services, "RECENT_VIEWS_KEPT", 3)
    services = [ServiceFactory() for _ in range(5)]
    start = timezone.now() - timedelta(hours=1)
    for n, service in enumerate(services):
        catalog_services.record_view(service, learner)
        RecentView.objects.filter(service=service).update(viewed_at=start + timedelta(minutes=n))

    catalog_services.record_view(services[0], learner)  # already gone: a new row, and a prune
    kept = set(RecentView.objects.filter(user=learner).values_list("service_id", flat=True))

    assert kept == {services[0].pk, services[3].pk, services[4].pk}


# ---- /me/favorites/: add to cart ---------------------------------------------------------------


def test_a_favourite_with_one_package_goes_into_the_cart_in_one_click(client, learner):
    package = PackageFactory(price=Decimal("299.00"))
    catalog_services.set_favorite(learner, package.service, on=True)
    body = body_of(client.get(FAVORITES))
    assert f'<input type="hidden" name="variant" value="{package.pk}">' in body

    response = post_form(
        client,
        "/cart/add/",
        {"variant": package.pk, "quantity": 1, "next": FAVORITES},
        form_url=FAVORITES,
    )

    assert response.status_code == 302
    assert response["Location"] == FAVORITES
    assert CartLine.objects.get(cart__user=learner).package == package


def test_a_favourite_with_several_packages_offers_them_to_choose_from(client, learner):
    service = PackageFactory(name="基础班").service
    PackageFactory(service=service, name="进阶班", price=Decimal("599.00"))
    PackageFactory(service=service, name="停售班", is_active=False)
    catalog_services.set_favorite(learner, service, on=True)

    body = body_of(client.get(FAVORITES))

    options = re.findall(r"<option value=\"\d+\">([^<]+)</option>", body)
    assert options == ["基础班 · ¥199.00", "进阶班 · ¥599.00"]


def test_a_favourite_no_longer_on_sale_offers_no_cart_button(client, learner):
    service = PackageFactory().service
    catalog_services.set_favorite(learner, service, on=True)
    Service.objects.filter(pk=service.pk).update(status=Service.Status.ARCHIVED)

    body = body_of(client.get(FAVORITES))

    assert "No longer on sale" in body
    assert 'action="/cart/add/"' not in body
