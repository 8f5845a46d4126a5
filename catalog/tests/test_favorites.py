"""Favourites: the button (plain POST and htmx), /me/favorites/, and the home page's
"recommended for you" shelf that favourites and visits feed."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import ProviderFactory, UserFactory
from catalog.models import CategoryInterest, Favorite, Service
from catalog.services import set_favorite
from catalog.tests.factories import CategoryFactory, PackageFactory, ServiceFactory
from tests.helpers import post_form

pytestmark = pytest.mark.django_db

FAVORITES = "/me/favorites/"
# Session, user, unread count, roles, the count and the page of favourites (with their
# services in the same query), and the category menu on a cold cache; one to spare.
QUERY_BUDGET = 8


def favorite_url(service: Service) -> str:
    return f"/services/{service.slug}/favorite/"


def favorited(user) -> list[Service]:
    return [f.service for f in Favorite.objects.filter(user=user)]


def section(body: str, shelf: str) -> str:
    match = re.search(rf'id="shelf-{shelf}".*?</section>', body, re.S)
    return match.group(0) if match else ""


@pytest.fixture
def service():
    return PackageFactory(service__title="雅思口语冲刺班").service


@pytest.fixture
def learner(client):
    user = UserFactory()
    client.force_login(user)
    return user


# --- the button -------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page_and_nothing_is_saved(client, service):
    response = client.post(favorite_url(service), {"on": "1"})

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/services/{service.slug}/"
    assert not Favorite.objects.exists()


def test_an_anonymous_htmx_click_is_redirected_to_the_login_page(client, service):
    response = client.post(favorite_url(service), {"on": "1"}, HTTP_HX_REQUEST="true")

    assert response["HX-Redirect"] == f"/accounts/login/?next=%2Fservices%2F{service.slug}%2F"
    assert not Favorite.objects.exists()


def test_on_1_adds_a_favourite_and_twice_is_the_same_as_once(client, learner, service):
    client.post(favorite_url(service), {"on": "1"})
    response = client.post(favorite_url(service), {"on": "1"})

    assert response.status_code == 302
    assert favorited(learner) == [service]


def test_on_0_removes_the_favourite(client, learner, service):
    set_favorite(learner, service, on=True)

    client.post(favorite_url(service), {"on": "0"})
    client.post(favorite_url(service), {"on": "0"})

    assert favorited(learner) == []


def test_removing_one_users_favourite_keeps_the_others(client, learner, service):
    other = UserFactory()
    set_favorite(other, service, on=True)
    set_favorite(learner, service, on=True)

    client.post(favorite_url(service), {"on": "0"})

    assert favorited(other) == [service]


def test_the_favourite_button_needs_a_post(client, learner, service):
    assert client.get(favorite_url(service), {"on": "1"}).status_code == 405
    assert not Favorite.objects.exists()


def test_the_favourite_button_needs_a_csrf_token(csrf_client, service):
    csrf_client.force_login(UserFactory())

    response = csrf_client.post(favorite_url(service), {"on": "1"})

    assert response.status_code == 403
    assert not Favorite.objects.exists()


def test_the_button_on_the_page_works_as_a_plain_form(csrf_client, service):
    user = UserFactory()
    csrf_client.force_login(user)

    response = post_form(
        csrf_client,
        favorite_url(service),
        {"on": "1", "next": f"/services/{service.slug}/"},
        form_url=f"/services/{service.slug}/",
    )

    assert response.status_code == 302
    assert response["Location"] == f"/services/{service.slug}/"
    assert favorited(user) == [service]


def test_an_htmx_click_gets_the_button_back_in_its_new_state(client, learner, service):
    response = client.post(favorite_url(service), {"on": "1"}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith('<form class="favorite-form"')
    assert "<html" not in body
    assert 'aria-pressed="true"' in body
    assert 'name="on" value="0"' in body  # the next click removes it

    response = client.post(favorite_url(service), {"on": "0"}, HTTP_HX_REQUEST="true")

    assert 'aria-pressed="false"' in response.content.decode()
    assert favorited(learner) == []


def test_a_plain_post_goes_back_to_a_page_of_the_site(client, learner, service):
    response = client.post(favorite_url(service), {"on": "0", "next": FAVORITES})

    assert response["Location"] == FAVORITES


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_a_next_address_off_the_site_is_ignored(client, learner, service, next_url):
    response = client.post(favorite_url(service), {"on": "1", "next": next_url})

    assert response.status_code == 302
    assert response["Location"] == f"/services/{service.slug}/"


@pytest.mark.parametrize(
    "status",
    [
        Service.Status.DRAFT,
        Service.Status.PENDING,
        Service.Status.REJECTED,
        Service.Status.ARCHIVED,
    ],
)
def test_an_unpublished_service_of_someone_else_cannot_be_favourited(client, learner, status):
    reason = "资质不全" if status == Service.Status.REJECTED else ""
    service = ServiceFactory(status=status, rejection_reason=reason)

    response = client.post(favorite_url(service), {"on": "1"})

    assert response.status_code == 404
    assert not Favorite.objects.exists()


def test_an_unpublished_service_is_not_found_for_anonymous_visitors_either(client):
    service = ServiceFactory(status=Service.Status.DRAFT)

    assert client.post(favorite_url(service), {"on": "1"}).status_code == 404


def test_the_detail_page_shows_whether_it_is_a_favourite(client, learner, service):
    assert 'aria-pressed="false"' in client.get(f"/services/{service.slug}/").content.decode()

    set_favorite(learner, service, on=True)

    assert 'aria-pressed="true"' in client.get(f"/services/{service.slug}/").content.decode()


# --- /me/favorites/ ---------------------------------------------------------------------------


def test_the_favourites_page_needs_a_login(client):
    response = client.get(FAVORITES)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={FAVORITES}"


def test_the_favourites_page_lists_the_users_favourites_newest_first(client, learner):
    first = PackageFactory(service__title="先收藏的").service
    second = PackageFactory(service__title="后收藏的").service
    set_favorite(learner, first, on=True)
    set_favorite(learner, second, on=True)

    response = client.get(FAVORITES)

    assert [f.service for f in response.context["page"].object_list] == [second, first]
    body = response.content.decode()
    assert "先收藏的" in body and "后收藏的" in body
    assert "¥199.00" in body


def test_another_users_favourites_are_not_shown(client, learner, service):
    set_favorite(UserFactory(), service, on=True)

    response = client.get(FAVORITES)

    assert list(response.context["page"].object_list) == []
    assert "雅思口语冲刺班" not in response.content.decode()


def test_a_favourite_taken_off_sale_says_so(client, learner, service):
    set_favorite(learner, service, on=True)
    Service.objects.filter(pk=service.pk).update(status=Service.Status.ARCHIVED)
    client.cookies["django_language"] = "en"

    body = client.get(FAVORITES).content.decode()

    assert "雅思口语冲刺班" in body
    assert "No longer on sale" in body


def test_a_favourite_taken_off_sale_can_still_be_removed(client, learner, service):
    set_favorite(learner, service, on=True)
    Service.objects.filter(pk=service.pk).update(status=Service.Status.ARCHIVED)
    assert f'action="/services/{service.slug}/favorite/"' in client.get(FAVORITES).content.decode()

    response = client.post(favorite_url(service), {"on": "0", "next": FAVORITES})

    assert response.status_code == 302
    assert favorited(learner) == []


def test_the_favourites_page_shows_twenty_a_page(client, learner):
    provider, category = ProviderFactory(), CategoryFactory()
    for _ in range(23):
        set_favorite(learner, ServiceFactory(provider=provider, category=category), on=True)

    assert len(client.get(FAVORITES).context["page"].object_list) == 20
    assert len(client.get(FAVORITES, {"page": 2}).context["page"].object_list) == 3
    assert client.get(FAVORITES, {"page": "abc"}).status_code == 200


def test_the_favourites_page_costs_the_same_for_one_or_twenty_favourites(
    client, learner, django_assert_max_num_queries
):
    category = CategoryFactory()
    set_favorite(learner, PackageFactory(service__category=category).service, on=True)
    client.get(FAVORITES)  # warm up the category menu
    with CaptureQueriesContext(connection) as one:
        client.get(FAVORITES)
    for _ in range(19):
        service = PackageFactory(service__category=category).service
        set_favorite(learner, service, on=True)

    with django_assert_max_num_queries(QUERY_BUDGET), CaptureQueriesContext(connection) as twenty:
        response = client.get(FAVORITES)

    assert len(response.context["page"].object_list) == 20
    assert len(twenty) == len(one)


# --- recommended for you ----------------------------------------------------------------------


@pytest.fixture
def two_categories():
    languages = CategoryFactory(name="语言学习", slug="languages")
    english = CategoryFactory(name="英语", slug="english", parent=languages)
    exams = CategoryFactory(name="考研", slug="exams")
    viewed = PackageFactory(service__title="英语口语", service__category=english).service
    PackageFactory(service__title="英语写作", service__category=english)
    PackageFactory(service__title="语言综合", service__category=languages)
    PackageFactory(service__title="考研数学", service__category=exams, service__sales_count=999)
    return viewed


def test_viewing_a_service_recommends_its_category_on_the_home_page(
    client, learner, two_categories
):
    client.get(f"/services/{two_categories.slug}/")

    body = client.get("/").content.decode()

    shelf = section(body, "recommended")
    assert "英语口语" in shelf
    assert "英语写作" in shelf
    assert "语言综合" in shelf  # the parent category counts too
    assert "考研数学" not in shelf
    assert "考研数学" in section(body, "popular")


def test_favouriting_a_service_recommends_its_category(client, learner, two_categories):
    client.post(favorite_url(two_categories), {"on": "1"})

    shelf = section(client.get("/").content.decode(), "recommended")

    assert "英语写作" in shelf
    assert "考研数学" not in shelf


def test_interest_is_recorded_for_the_category_and_its_parent(client, learner, two_categories):
    client.get(f"/services/{two_categories.slug}/")
    client.post(favorite_url(two_categories), {"on": "1"})
    client.post(favorite_url(two_categories), {"on": "1"})  # counted once

    scores = dict(
        CategoryInterest.objects.filter(user=learner).values_list("category__slug", "score")
    )
    assert scores == {"english": 4, "languages": 4}


def test_a_learner_without_interests_gets_best_sellers_instead(client, learner, two_categories):
    body = client.get("/").content.decode()

    assert section(body, "recommended") == ""
    assert "考研数学" in section(body, "popular")


def test_anonymous_visitors_get_best_sellers_and_no_recommendations(client, two_categories):
    client.get(f"/services/{two_categories.slug}/")

    body = client.get("/").content.decode()

    assert section(body, "recommended") == ""
    assert "考研数学" in section(body, "popular")
    assert not CategoryInterest.objects.exists()


def test_recommendations_never_show_unpublished_services(client, learner, two_categories):
    PackageFactory(
        service__title="英语草稿",
        service__category=two_categories.category,
        service__status=Service.Status.DRAFT,
    )
    client.get(f"/services/{two_categories.slug}/")

    assert "英语草稿" not in client.get("/").content.decode()


def test_the_home_page_costs_the_same_with_few_or_many_services(
    client, learner, two_categories, django_assert_max_num_queries
):
    client.get(f"/services/{two_categories.slug}/")  # an interest: the personal shelf shows
    client.get("/")  # warm up the category menu
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for _ in range(12):
        PackageFactory(service__category=two_categories.category, service__is_featured=True)
        PackageFactory(service__category=two_categories.category)

    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as many:
        response = client.get("/")

    assert response.context["sections"].is_personal
    assert len(response.context["sections"].recommended) == 8
    assert len(many) == len(few)
