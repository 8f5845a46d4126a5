"""/services/<slug>/: what the page shows, who may see an unpublished listing, the view
counter, the live price partial, the reviews page and the query budget."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import ProviderFactory, StaffFactory, UserFactory
from catalog.models import ReviewImage, Service, ServiceMedia, SyllabusItem
from catalog.services import refresh_rating
from catalog.tests.factories import (
    AddOnFactory,
    CategoryFactory,
    InstructorFactory,
    PackageFactory,
    ReviewFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db

# The coupon strip ({% service_coupons %}) adds its coupons and, for a signed-in learner
# when there are any, their claims: +1 and +2.
ANONYMOUS_BUDGET = 13
SIGNED_IN_BUDGET = 20
UNPUBLISHED = [
    Service.Status.DRAFT,
    Service.Status.PENDING,
    Service.Status.REJECTED,
    Service.Status.ARCHIVED,
]


def detail(service: Service) -> str:
    return f"/services/{service.slug}/"


def price_url(service: Service) -> str:
    return f"/services/{service.slug}/price/"


def english(client):
    client.cookies["django_language"] = "en"
    return client


def body_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def unpublished(status: str) -> Service:
    reason = "资质证明不清晰" if status == Service.Status.REJECTED else ""
    package = PackageFactory(service__status=status, service__rejection_reason=reason)
    return package.service


@pytest.fixture
def service():
    service = ServiceFactory(
        title="雅思口语冲刺班",
        summary="四周提升一个分数段",
        description="## 课程介绍\n\n**每周两次直播**，课后*一对一*批改。",
        outcomes="- 掌握 Part 2 答题结构\n- 口语提高 0.5–1 分\n\n",
        tags="雅思，口语、留学",
    )
    PackageFactory(service=service, name="标准班", price=Decimal("1299.00"), position=1)
    PackageFactory(
        service=service,
        name="VIP 班",
        price=Decimal("2999.00"),
        original_price=Decimal("3999.00"),
        position=2,
    )
    AddOnFactory(service=service, name="1对1答疑", price=Decimal("200.00"))
    service.refresh_from_db()
    return service


# --- what the page shows ----------------------------------------------------------------------


def test_the_page_shows_the_title_summary_and_packages_with_formatted_prices(client, service):
    body = body_of(client.get(detail(service)))

    assert "雅思口语冲刺班" in body
    assert "四周提升一个分数段" in body
    assert "标准班" in body and "VIP 班" in body
    assert "¥1,299.00" in body
    assert "¥2,999.00" in body
    assert "¥3,999.00" in body  # the original price, struck through


def test_the_page_shows_the_add_ons_with_their_price(client, service):
    body = body_of(client.get(detail(service)))

    assert "1对1答疑" in body
    assert "+¥200.00" in body


def test_an_add_on_off_sale_and_a_package_off_sale_are_not_offered(client, service):
    PackageFactory(service=service, name="停售套餐", is_active=False)
    AddOnFactory(service=service, name="停售增值项", is_active=False)

    body = body_of(client.get(detail(service)))

    assert "停售套餐" not in body
    assert "停售增值项" not in body


def test_the_syllabus_marks_free_previews(client, service):
    SyllabusItem.objects.create(service=service, position=1, title="第一讲：评分标准", minutes=45)
    SyllabusItem.objects.create(
        service=service, position=0, title="试听：Part 1 热身", is_free_preview=True
    )

    body = body_of(english(client).get(detail(service)))

    assert body.index("试听：Part 1 热身") < body.index("第一讲：评分标准")
    free = re.search(r"试听：Part 1 热身</span>\s*<span class=\"badge badge--ok\">([^<]+)<", body)
    assert free and free.group(1) == "Free preview"
    assert body.count("badge--ok") == 1


def test_the_instructors_are_shown(client, service):
    service.instructors.add(
        InstructorFactory(provider=service.provider, name="王珂", credentials="剑桥 CELTA")
    )

    body = body_of(client.get(detail(service)))

    assert "王珂" in body
    assert "剑桥 CELTA" in body


def test_the_outcomes_are_shown_one_per_line(client, service):
    body = body_of(client.get(detail(service)))

    assert "<li>掌握 Part 2 答题结构</li>" in body
    assert "<li>口语提高 0.5–1 分</li>" in body


def test_each_tag_links_to_a_search(client, service):
    body = body_of(client.get(detail(service)))

    for tag in ["雅思", "口语", "留学"]:
        assert f">#{tag}</a>" in body
    assert 'href="/services/?q=%E9%9B%85%E6%80%9D"' in body


def test_the_description_markdown_is_rendered(client, service):
    body = body_of(client.get(detail(service)))

    assert "<strong>每周两次直播</strong>" in body
    assert "<em>一对一</em>" in body
    assert "<h2>课程介绍</h2>" in body


def test_markup_in_the_description_is_never_rendered_as_markup(client):
    service = PackageFactory(
        service__description=(
            "# 标题\n\n<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
            "[点我](javascript:alert(1))\n\n<iframe src='https://evil.example'></iframe>"
        )
    ).service

    body = body_of(client.get(detail(service)))

    assert "<script>alert('x')</script>" not in body
    assert "&lt;script&gt;" in body
    assert "<img src=x" not in body
    assert "<iframe" not in body
    assert 'href="javascript:' not in body
    assert "<h1>标题</h1>" not in body  # headings are demoted below the page's own h1


def test_a_package_with_few_seats_says_how_many_are_left(client, service):
    PackageFactory(service=service, name="小班", capacity=10, reserved=7)

    body = body_of(english(client).get(detail(service)))

    assert "Only 3 seats left" in body


def test_the_seats_left_badge_is_in_chinese_by_default(client, service):
    PackageFactory(service=service, name="小班", capacity=10, reserved=7)

    body = body_of(client.get(detail(service)))

    assert "仅剩" in body


def test_a_package_with_many_seats_left_has_no_badge(client, service):
    PackageFactory(service=service, name="大班", capacity=100, reserved=7)

    assert "badge--warn" not in body_of(client.get(detail(service)))


def test_a_sold_out_package_cannot_be_chosen(client, service):
    full = PackageFactory(service=service, name="周末班", capacity=5, reserved=5)

    body = body_of(english(client).get(detail(service)))

    radio = re.search(rf'<input type="radio" name="variant" value="{full.pk}"[^>]*>', body)
    assert radio and "disabled" in radio.group(0)
    assert "Sold out" in body
    assert "Add to cart" in body  # the other packages can still be bought


def test_a_service_whose_packages_are_all_sold_out_offers_no_purchase(client):
    full = PackageFactory(capacity=5, reserved=5)

    response = english(client).get(detail(full.service))

    body = body_of(response)
    assert "Sold out. Save it to your favourites" in body
    assert "Add to cart" not in body
    assert response.context["quote"] is None


def test_the_first_package_not_sold_out_is_chosen_and_priced(client):
    full = PackageFactory(price=Decimal("99.00"), capacity=5, reserved=5, position=0)
    PackageFactory(service=full.service, price=Decimal("1299.00"), position=1)

    response = client.get(detail(full.service))

    assert response.context["quote"].total == Decimal("1299.00")


def test_the_rating_summary_and_the_latest_reviews_are_shown(client, service):
    for rating, nickname in [(5, "学习达人"), (4, "小林"), (5, "张同学"), (2, "李四")]:
        ReviewFactory(
            service=service, rating=rating, author__nickname=nickname, text=f"评价{rating}"
        )
    ReviewFactory(service=service, rating=1, is_hidden=True, text="隐藏的差评")
    refresh_rating(service)

    response = english(client).get(detail(service))

    body = body_of(response)
    assert "<strong>4.0</strong>" in body
    assert "4 reviews" in body
    assert "评价5" in body and "评价2" in body
    assert "隐藏的差评" not in body
    assert "学**人" in body and "学习达人" not in body
    bars = re.findall(r'<meter min="0" max="100" value="(\d+)"', body)
    assert bars == ["50", "25", "0", "25", "0"]  # 5 stars down to 1


def test_only_the_five_latest_reviews_are_on_the_page_with_a_link_to_the_rest(client, service):
    for n in range(7):
        ReviewFactory(service=service, text=f"第{n}条评价")
    refresh_rating(service)

    response = client.get(detail(service))

    assert [r.text for r in response.context["reviews"]] == [
        f"第{n}条评价" for n in range(6, 1, -1)
    ]
    assert f'href="/services/{service.slug}/reviews/"' in body_of(response)


def test_a_page_without_reviews_says_so(client, service):
    body = body_of(english(client).get(detail(service)))

    assert "No reviews yet" in body
    assert "rating-summary" not in body


def test_an_unknown_slug_is_not_found(client):
    assert client.get("/services/no-such-service/").status_code == 404


# --- unpublished listings ---------------------------------------------------------------------


@pytest.mark.parametrize("status", UNPUBLISHED)
@pytest.mark.parametrize("path", ["", "price/", "reviews/"])
def test_an_unpublished_listing_is_not_found_for_anonymous_visitors(client, status, path):
    service = unpublished(status)

    assert client.get(detail(service) + path).status_code == 404


@pytest.mark.parametrize("status", UNPUBLISHED)
@pytest.mark.parametrize("who", ["learner", "provider"])
@pytest.mark.parametrize("path", ["", "price/", "reviews/"])
def test_an_unpublished_listing_is_not_found_for_another_user(client, status, who, path):
    service = unpublished(status)
    client.force_login(UserFactory() if who == "learner" else ProviderFactory())

    assert client.get(detail(service) + path).status_code == 404


@pytest.mark.parametrize("status", UNPUBLISHED)
def test_the_provider_previews_an_unpublished_listing_with_a_banner(client, status):
    service = unpublished(status)
    client.force_login(service.provider)

    response = english(client).get(detail(service))

    body = body_of(response)
    assert 'class="preview-banner"' in body
    assert "Preview" in body
    assert response.context["is_preview"]
    assert "Add to cart" not in body
    assert "Buy now" not in body


@pytest.mark.parametrize("status", UNPUBLISHED)
def test_staff_preview_an_unpublished_listing_with_a_banner(client, status):
    service = unpublished(status)
    client.force_login(StaffFactory())

    body = body_of(client.get(detail(service)))

    assert 'class="preview-banner"' in body


def test_the_preview_of_a_rejected_listing_shows_the_reason(client):
    service = unpublished(Service.Status.REJECTED)
    client.force_login(service.provider)

    assert "资质证明不清晰" in body_of(client.get(detail(service)))


def test_a_published_listing_has_no_preview_banner(client, service):
    client.force_login(service.provider)

    assert "preview-banner" not in body_of(client.get(detail(service)))


# --- the view counter -------------------------------------------------------------------------


def test_each_visit_to_a_published_page_is_counted(client, service):
    client.get(detail(service))
    client.get(detail(service))
    client.force_login(UserFactory())
    client.get(detail(service))

    service.refresh_from_db()
    assert service.view_count == 3


def test_previews_and_refused_visits_are_not_counted(client):
    service = unpublished(Service.Status.PENDING)
    client.get(detail(service))  # 404
    client.force_login(service.provider)
    client.get(detail(service))

    service.refresh_from_db()
    assert service.view_count == 0


def test_the_price_partial_and_the_reviews_page_do_not_count_as_visits(client, service):
    client.get(price_url(service), {"variant": service.packages.first().pk, "quantity": 1})
    client.get(detail(service) + "reviews/")

    service.refresh_from_db()
    assert service.view_count == 0


# --- the live price ---------------------------------------------------------------------------


def test_the_price_partial_totals_the_package_and_add_ons_times_the_quantity(client, service):
    standard = service.packages.get(name="标准班")
    qa = service.addons.get()
    notes = AddOnFactory(service=service, name="讲义", price=Decimal("99.50"))

    response = client.get(
        price_url(service), {"variant": standard.pk, "addons": [qa.pk, notes.pk], "quantity": 3}
    )

    body = body_of(response)
    assert response.context["quote"].total == Decimal("4795.50")
    assert "¥4,795.50" in body
    assert "price-box__error" not in body
    assert "<html" not in body  # a fragment for htmx, not a page


def test_the_price_partial_shows_the_saving_against_the_original_price(client, service):
    vip = service.packages.get(name="VIP 班")

    response = english(client).get(price_url(service), {"variant": vip.pk, "quantity": 2})

    body = body_of(response)
    assert "¥5,998.00" in body
    assert "¥7,998.00" in body
    assert "You save ¥2,000.00" in body


@pytest.mark.parametrize("addon", ["99999999999999999999", "-1", "abc", "1.5"])
def test_an_impossible_add_on_id_is_a_message_not_a_500(client, service, addon):
    standard = service.packages.get(name="标准班")

    response = client.get(
        price_url(service), {"variant": standard.pk, "addons": addon, "quantity": 1}
    )

    assert response.status_code == 200
    assert "price-box__error" in body_of(response)


def test_related_services_come_from_the_category_then_its_siblings(client):
    parent = CategoryFactory()
    here, sibling, elsewhere = (
        CategoryFactory(parent=parent),
        CategoryFactory(parent=parent),
        CategoryFactory(),
    )
    service = PackageFactory(service=ServiceFactory(category=here)).service
    same = PackageFactory(service=ServiceFactory(category=here, title="同类")).service
    near = PackageFactory(service=ServiceFactory(category=sibling, title="相邻")).service
    PackageFactory(service=ServiceFactory(category=elsewhere, title="无关"))
    Service.objects.filter(pk=near.pk).update(sales_count=999)

    related = client.get(service.get_absolute_url()).context["related"]

    assert [s.title for s in related] == [same.title, near.title]


def test_a_price_posted_by_the_browser_is_ignored(client, service):
    standard = service.packages.get(name="标准班")

    response = client.get(
        price_url(service),
        {"variant": standard.pk, "quantity": 1, "price": "0.01", "total": "0.01"},
    )

    assert response.context["quote"].total == Decimal("1299.00")


def price_error(response) -> str:
    body = body_of(response)
    match = re.search(r'<p class="price-box__error" role="alert">([^<]+)</p>', body)
    assert match, "no error in the price box"
    assert response.context["quote"] is None
    return match.group(1)


def test_an_add_on_of_another_service_gives_an_error_not_a_total(client, service):
    standard = service.packages.get(name="标准班")
    foreign = AddOnFactory(price=Decimal("1.00"))

    response = client.get(
        price_url(service), {"variant": standard.pk, "addons": [foreign.pk], "quantity": 1}
    )

    assert price_error(response)


def test_a_package_of_another_service_gives_an_error(client, service):
    foreign = PackageFactory(price=Decimal("1.00"))

    response = client.get(price_url(service), {"variant": foreign.pk, "quantity": 1})

    assert price_error(response)


def test_a_package_off_sale_gives_an_error(client, service):
    retired = PackageFactory(service=service, is_active=False)

    response = client.get(price_url(service), {"variant": retired.pk, "quantity": 1})

    assert price_error(response)


@pytest.mark.parametrize("quantity", ["0", "100", "-1", "abc", "1.5", "", "9" * 30])
def test_a_quantity_outside_1_to_99_gives_an_error(client, service, quantity):
    standard = service.packages.get(name="标准班")

    response = client.get(price_url(service), {"variant": standard.pk, "quantity": quantity})

    assert price_error(response)


@pytest.mark.parametrize(
    "params",
    [{}, {"variant": "abc"}, {"variant": "\x00"}, {"variant": "1", "addons": ["x", "\x00"]}],
)
def test_a_malformed_choice_gives_an_error(client, service, params):
    assert price_error(client.get(price_url(service), params))


def test_more_than_the_seats_left_gives_the_seats_left_message(client, service):
    small = PackageFactory(service=service, capacity=5, reserved=3)

    response = english(client).get(price_url(service), {"variant": small.pk, "quantity": 3})

    assert price_error(response) == "Only 2 seats left."


def test_a_sold_out_package_gives_an_error(client, service):
    full = PackageFactory(service=service, capacity=5, reserved=5)

    response = english(client).get(price_url(service), {"variant": full.pk, "quantity": 1})

    assert price_error(response) == "Sold out."


def test_a_preview_is_never_priced(client):
    service = unpublished(Service.Status.PENDING)
    client.force_login(service.provider)

    response = client.get(price_url(service), {"variant": service.packages.get().pk})

    assert price_error(response)


# --- the reviews page -------------------------------------------------------------------------


def test_the_reviews_page_lists_ten_visible_reviews_a_page(client, service):
    for n in range(12):
        ReviewFactory(service=service, text=f"评价{n:02d}")
    ReviewFactory(service=service, text="隐藏", is_hidden=True)
    refresh_rating(service)
    reviews = detail(service) + "reviews/"

    first = client.get(reviews)
    second = client.get(reviews, {"page": 2})

    assert [r.text for r in first.context["reviews"]] == [f"评价{n:02d}" for n in range(11, 1, -1)]
    assert first.context["has_next"]
    assert [r.text for r in second.context["reviews"]] == ["评价01", "评价00"]
    assert not second.context["has_next"]
    assert "隐藏" not in body_of(first) + body_of(second)


@pytest.mark.parametrize("page", ["abc", "-3", "0", "99999999999999999999", "\x00"])
def test_the_reviews_page_survives_a_junk_page_number(client, service, page):
    response = client.get(detail(service) + "reviews/", {"page": page})

    assert response.status_code == 200


# --- query budget -----------------------------------------------------------------------------


def rich_service(n: int) -> Service:
    """A published service with ``n`` of everything the detail page lists."""
    provider = ProviderFactory()
    category = CategoryFactory(parent=CategoryFactory())
    service = ServiceFactory(
        provider=provider, category=category, description="**要点**", outcomes="一\n二"
    )
    for i in range(n):
        PackageFactory(service=service, capacity=10 if i % 2 else None, reserved=8 if i % 2 else 0)
        AddOnFactory(service=service)
        SyllabusItem.objects.create(
            service=service, position=i, title=f"第{i + 1}讲", is_free_preview=i == 0
        )
        service.instructors.add(InstructorFactory(provider=provider))
        review = ReviewFactory(service=service, reply="谢谢" if i % 2 else "")
        ReviewImage.objects.create(
            review=review,
            image=f"reviews/{i}.webp",
            width=1200,
            height=800,
            thumbnail=f"reviews/{i}-s.webp",
            thumbnail_width=400,
            thumbnail_height=267,
        )
        media = ServiceMedia.objects.create(
            service=service,
            position=i,
            image=f"services/{i}.webp",
            width=1200,
            height=800,
            thumbnail=f"services/{i}-s.webp",
            thumbnail_width=400,
            thumbnail_height=267,
        )
        if i == 0:
            Service.objects.filter(pk=service.pk).update(cover=media)
        ServiceFactory(provider=provider, category=category, cover=media)  # related
    ServiceMedia.objects.create(
        service=service, kind=ServiceMedia.Kind.VIDEO, video_url="https://cdn.example/a.mp4"
    )
    refresh_rating(service)
    return service


def queries_for(client, service: Service) -> int:
    client.get(detail(service))  # warm up: category menu cached, interest rows exist
    with CaptureQueriesContext(connection) as queries:
        response = client.get(detail(service))
    assert response.status_code == 200
    return len(queries)


def test_the_anonymous_detail_page_has_a_fixed_query_budget(client, django_assert_max_num_queries):
    service = rich_service(15)
    client.get(detail(service))

    with django_assert_max_num_queries(ANONYMOUS_BUDGET):
        client.get(detail(service))


def test_the_anonymous_detail_page_costs_the_same_with_one_or_fifteen_of_everything(client):
    assert queries_for(client, rich_service(1)) == queries_for(client, rich_service(15))


def test_the_signed_in_detail_page_costs_the_same_with_one_or_fifteen_of_everything(
    client, django_assert_max_num_queries
):
    client.force_login(UserFactory())
    small = queries_for(client, rich_service(1))
    large = rich_service(15)
    large_count = queries_for(client, large)

    with django_assert_max_num_queries(SIGNED_IN_BUDGET):
        client.get(detail(large))
    assert small == large_count
