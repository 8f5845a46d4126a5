"""/services/: search, filters, sort orders, pagination, chips, junk parameters and the
query budget."""

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import ProviderFactory, UserFactory
from catalog.models import Category, Service
from catalog.tests.factories import (
    CategoryFactory,
    InstructorFactory,
    PackageFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/services/"
# Anonymous: the count, the page of cards, the category tree of the side menu, the chosen
# category, and the header's category menu on a cold cache; generous, but fixed.
QUERY_BUDGET = 12
NEXT_LINK = re.compile(r'href="([^"]*)" rel="next"')


def listed(price: str = "199.00", **service_fields) -> Service:
    """A published service with one package, so its price-from and search text are set."""
    service_fields.setdefault("summary", "课程简介")
    package = PackageFactory(service=ServiceFactory(**service_fields), price=Decimal(price))
    package.service.refresh_from_db()
    return package.service


def bulk_listed(count: int, *, category: Category, title: str = "雅思口语", **fields) -> None:
    """``count`` published services in a few queries, with their denormalised columns set
    the way refresh_listing sets them."""
    providers = [ProviderFactory() for _ in range(3)]
    now = timezone.now()
    Service.objects.bulk_create(
        Service(
            provider=providers[n % len(providers)],
            category=category,
            title=f"{title} {n}",
            summary="四周提升口语",
            mode=Service.Mode.LIVE,
            status=Service.Status.PUBLISHED,
            published_at=now - timedelta(minutes=n),
            price_from=Decimal("199.00") + n,
            search_text=f"{title} {n}\n四周提升口语".lower(),
            **fields,
        )
        for n in range(count)
    )


def titles(response) -> list[str]:
    assert response.status_code == 200
    return [service.title for service in response.context["page"].object_list]


def english(client):
    client.cookies["django_language"] = "en"
    return client


# --- search -----------------------------------------------------------------------------------


def test_all_published_services_are_listed(client):
    listed(title="雅思口语冲刺")
    listed(title="考研数学")

    assert sorted(titles(client.get(LIST))) == ["考研数学", "雅思口语冲刺"]


@pytest.mark.parametrize(
    "status",
    [
        Service.Status.DRAFT,
        Service.Status.PENDING,
        Service.Status.REJECTED,
        Service.Status.ARCHIVED,
    ],
)
def test_unpublished_services_are_never_listed(client, status):
    reason = "资质不全" if status == Service.Status.REJECTED else ""
    listed(title="看不见的课", status=status, rejection_reason=reason)
    listed(title="公开课")

    assert titles(client.get(LIST)) == ["公开课"]
    assert titles(client.get(LIST, {"q": "看不见"})) == []
    assert "看不见的课" not in client.get(LIST).content.decode()


def test_search_matches_the_title(client):
    listed(title="雅思口语冲刺")
    listed(title="考研数学")

    assert titles(client.get(LIST, {"q": "口语"})) == ["雅思口语冲刺"]


def test_search_matches_the_summary(client):
    listed(title="A", summary="每周两次直播答疑")
    listed(title="B")

    assert titles(client.get(LIST, {"q": "直播答疑"})) == ["A"]


def test_search_matches_a_tag(client):
    listed(title="A", tags="托福，留学")
    listed(title="B", tags="考研")

    assert titles(client.get(LIST, {"q": "留学"})) == ["A"]


def test_search_matches_the_provider_display_name(client):
    provider = ProviderFactory(profile__display_name="新东方在线")
    listed(title="A", provider=provider)
    listed(title="B")

    assert titles(client.get(LIST, {"q": "新东方"})) == ["A"]


def test_search_follows_a_renamed_provider(client):
    provider = ProviderFactory(profile__display_name="旧名字工作室")
    listed(title="A", provider=provider)
    profile = provider.provider_profile
    profile.display_name = "星火教育"
    profile.save()

    assert titles(client.get(LIST, {"q": "星火"})) == ["A"]
    assert titles(client.get(LIST, {"q": "旧名字"})) == []


def test_search_matches_an_instructor_added_to_the_service(client):
    service = listed(title="A")
    listed(title="B")
    service.instructors.add(InstructorFactory(provider=service.provider, name="王珂"))

    assert titles(client.get(LIST, {"q": "王珂"})) == ["A"]


def test_search_matches_an_instructor_added_from_the_instructor_side(client):
    service = listed(title="A")
    instructor = InstructorFactory(provider=service.provider, name="李静")
    instructor.services.add(service)

    assert titles(client.get(LIST, {"q": "李静"})) == ["A"]


def test_search_follows_a_renamed_instructor(client):
    service = listed(title="A")
    instructor = InstructorFactory(provider=service.provider, name="张三")
    service.instructors.add(instructor)
    instructor.name = "张三丰"
    instructor.save()

    assert titles(client.get(LIST, {"q": "三丰"})) == ["A"]


def test_search_forgets_an_instructor_removed_from_the_service(client):
    service = listed(title="A")
    instructor = InstructorFactory(provider=service.provider, name="赵六")
    service.instructors.add(instructor)
    service.instructors.remove(instructor)

    assert titles(client.get(LIST, {"q": "赵六"})) == []


@pytest.mark.parametrize("how", ["remove", "clear"])
def test_search_forgets_an_instructor_unlinked_from_the_instructor_side(client, how):
    service = listed(title="A")
    instructor = InstructorFactory(provider=service.provider, name="赵六")
    instructor.services.add(service)

    if how == "remove":
        instructor.services.remove(service)
    else:
        instructor.services.clear()

    assert titles(client.get(LIST, {"q": "赵六"})) == []


def test_search_forgets_a_deleted_instructor(client):
    service = listed(title="A")
    instructor = InstructorFactory(provider=service.provider, name="赵六")
    service.instructors.add(instructor)

    instructor.delete()

    assert titles(client.get(LIST, {"q": "赵六"})) == []


def test_every_word_of_a_search_must_match(client):
    listed(title="雅思口语冲刺")
    listed(title="雅思写作精讲")
    listed(title="托福口语")

    assert titles(client.get(LIST, {"q": "雅思 口语"})) == ["雅思口语冲刺"]
    assert titles(client.get(LIST, {"q": "雅思\u3000口语"})) == ["雅思口语冲刺"]


@pytest.mark.parametrize("query", ["python", "PYTHON", "pyThon"])
def test_search_ignores_the_case_of_latin_letters(client, query):
    listed(title="Python 数据分析")
    listed(title="Java 入门")

    assert titles(client.get(LIST, {"q": query})) == ["Python 数据分析"]


def test_a_search_that_matches_nothing_shows_the_empty_state(client):
    listed(title="雅思口语冲刺")

    response = english(client).get(LIST, {"q": "量子力学"})

    assert titles(response) == []
    body = response.content.decode()
    assert "Nothing matches" in body
    assert "empty-state" in body


def test_an_empty_catalogue_says_nothing_is_published_yet(client):
    response = english(client).get(LIST)

    assert titles(response) == []
    assert "No services are published here yet." in response.content.decode()


# --- filters ----------------------------------------------------------------------------------


def test_a_parent_category_includes_its_children(client):
    languages = CategoryFactory(slug="languages", name="语言学习")
    english_cat = CategoryFactory(parent=languages, slug="english", name="英语")
    exams = CategoryFactory(slug="exams", name="考试")
    listed(title="语言综合", category=languages)
    listed(title="英语口语", category=english_cat)
    listed(title="考研数学", category=exams)

    assert sorted(titles(client.get(LIST, {"category": "languages"}))) == ["英语口语", "语言综合"]
    assert titles(client.get(LIST, {"category": "english"})) == ["英语口语"]


def test_the_delivery_mode_filter(client):
    listed(title="直播课", mode=Service.Mode.LIVE)
    listed(title="录播课", mode=Service.Mode.RECORDED)
    listed(title="线下课", mode=Service.Mode.OFFLINE, city="上海")

    assert titles(client.get(LIST, {"mode": "recorded"})) == ["录播课"]
    assert titles(client.get(LIST, {"mode": "offline"})) == ["线下课"]
    assert titles(client.get(LIST, {"mode": "one_to_one"})) == []


def test_the_price_range_is_on_the_lowest_package_price_and_inclusive(client):
    cheap = listed(title="99元", price="99.00")
    PackageFactory(service=cheap, price=Decimal("5000.00"))  # price-from stays 99
    listed(title="299元", price="299.00")
    listed(title="1299元", price="1299.00")

    assert sorted(titles(client.get(LIST, {"price_min": "299"}))) == ["1299元", "299元"]
    assert sorted(titles(client.get(LIST, {"price_max": "299"}))) == ["299元", "99元"]
    assert titles(client.get(LIST, {"price_min": "100", "price_max": "1000"})) == ["299元"]
    assert titles(client.get(LIST, {"price_min": "99.5", "price_max": "99.99"})) == []


def test_the_rating_filter_keeps_services_rated_at_least_that(client):
    for title, rating in [("4.5分", "4.50"), ("4.4分", "4.40"), ("3分", "3.00"), ("2.9分", "2.90")]:
        listed(title=title, rating_avg=Decimal(rating), rating_count=3)

    assert titles(client.get(LIST, {"rating": "4.5"})) == ["4.5分"]
    assert sorted(titles(client.get(LIST, {"rating": "4"}))) == ["4.4分", "4.5分"]
    assert sorted(titles(client.get(LIST, {"rating": "3"}))) == ["3分", "4.4分", "4.5分"]


def test_filters_combine(client):
    category = CategoryFactory(slug="exams")
    listed(title="匹配", category=category, mode=Service.Mode.LIVE, price="500.00")
    listed(title="模式不对", category=category, mode=Service.Mode.RECORDED, price="500.00")
    listed(title="太贵", category=category, mode=Service.Mode.LIVE, price="5000.00")
    listed(title="分类不对", mode=Service.Mode.LIVE, price="500.00")

    response = client.get(LIST, {"category": "exams", "mode": "live", "price_max": "1000"})

    assert titles(response) == ["匹配"]


# --- sort orders ------------------------------------------------------------------------------


@pytest.fixture
def three_services():
    now = timezone.now()
    category = CategoryFactory()
    listed(
        title="A",
        category=category,
        price="300.00",
        sales_count=10,
        rating_avg=Decimal("4.00"),
        rating_count=0,
        published_at=now - timedelta(days=3),
    )
    listed(
        title="B",
        category=category,
        price="100.00",
        sales_count=0,
        rating_avg=Decimal("4.80"),
        rating_count=5,
        published_at=now - timedelta(days=1),
    )
    listed(
        title="C",
        category=category,
        price="200.00",
        sales_count=2,
        rating_avg=Decimal("0.00"),
        rating_count=0,
        published_at=now - timedelta(days=2),
    )


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["B", "A", "C"]),  # sales plus three per review: B 15, A 10, C 2
        ("popular", ["A", "C", "B"]),
        ("newest", ["B", "C", "A"]),
        ("price", ["B", "C", "A"]),
        ("-price", ["A", "C", "B"]),
        ("rating", ["B", "A", "C"]),
    ],
)
def test_each_sort_order(client, three_services, sort, expected):
    assert titles(client.get(LIST, {"sort": sort})) == expected


def test_best_match_puts_a_staff_pick_first_among_equals(client):
    listed(title="普通", sales_count=3)
    listed(title="精选", sales_count=3, is_featured=True)

    assert titles(client.get(LIST)) == ["精选", "普通"]


def test_best_match_puts_services_whose_title_contains_the_search_first(client):
    listed(title="雅思写作", tags="口语", sales_count=100)
    listed(title="雅思口语", sales_count=0)

    assert titles(client.get(LIST, {"q": "口语"})) == ["雅思口语", "雅思写作"]


def test_a_wildcard_in_the_search_does_not_make_every_title_a_best_match(client):
    listed(title="满分冲刺", tags="100%", sales_count=50)
    listed(title="100%通过", sales_count=0)

    assert titles(client.get(LIST, {"q": "%"})) == ["100%通过", "满分冲刺"]


@pytest.mark.parametrize("sort", ["price", "-price"])
def test_a_service_without_a_price_comes_last_in_both_price_orders(client, sort):
    ServiceFactory(title="无套餐")
    listed(title="便宜", price="10.00")
    listed(title="贵", price="1000.00")

    assert titles(client.get(LIST, {"sort": sort}))[-1] == "无套餐"


# --- pagination and chips ---------------------------------------------------------------------


def test_twenty_services_to_a_page_and_the_filters_stay_in_the_page_links(client):
    category = CategoryFactory(slug="ielts")
    bulk_listed(25, category=category)
    ServiceFactory(title="别的分类")

    first = client.get(LIST, {"category": "ielts", "sort": "price"})
    assert len(titles(first)) == 20
    next_link = NEXT_LINK.search(first.content.decode()).group(1).replace("&amp;", "&")
    assert parse_qs(next_link[1:]) == {"category": ["ielts"], "sort": ["price"], "page": ["2"]}

    second = client.get(LIST + next_link)
    assert len(titles(second)) == 5
    assert "别的分类" not in titles(second)
    assert titles(second)[-1] == "雅思口语 24"  # still sorted by price


def test_each_chip_removes_only_its_own_filter(client):
    CategoryFactory(slug="exams", name="考试")
    params = {
        "q": "口语",
        "category": "exams",
        "mode": "live",
        "price_min": "100",
        "price_max": "2000",
        "rating": "4",
        "sort": "price",
    }

    response = client.get(LIST, params)

    chips = response.context["chips"]
    assert [chip["name"] for chip in chips] == [
        "q",
        "category",
        "mode",
        "price_min",
        "price_max",
        "rating",
    ]
    body = response.content.decode()
    for chip in chips:
        remaining = {name: [value] for name, value in params.items() if name != chip["name"]}
        assert parse_qs(chip["remove"][1:]) == remaining
        assert f'href="{chip["remove"].replace("&", "&amp;")}"' in body


def test_chips_are_labelled_with_the_filter_values(client):
    CategoryFactory(slug="exams", name="考试")

    response = english(client).get(
        LIST, {"q": "口语", "category": "exams", "price_min": "99.5", "price_max": "2000"}
    )

    labels = [str(chip["label"]) for chip in response.context["chips"]]
    assert labels == ["“口语”", "考试", "From ¥99.5", "Up to ¥2,000"]


def test_no_chips_without_filters(client):
    listed()

    response = client.get(LIST)

    assert response.context["chips"] == []
    assert 'class="chips"' not in response.content.decode()


def test_the_empty_state_offers_the_chips_to_widen_the_search(client):
    listed(title="雅思口语", price="199.00")

    response = english(client).get(LIST, {"q": "雅思", "price_min": "500"})

    body = response.content.decode()
    assert titles(response) == []
    assert "Nothing matches" in body
    assert 'href="?q=%E9%9B%85%E6%80%9D"' in body  # the price chip's remove link


# --- junk parameters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"price_min": "abc"},
        {"price_min": "1e999"},
        {"price_min": "NaN"},
        {"price_min": "Infinity"},
        {"price_max": "-5"},
        {"price_max": "99999999999999"},
        {"rating": "9"},
        {"sort": "evil"},
        {"category": "nope"},
        {"category": "\x00"},
        {"mode": "x"},
        {"page": "abc"},
        {"page": "-1"},
        {"page": "99999"},
        {"q": "x" * 10_000},
        {"q": "\x00"},
        {"q": "   "},
    ],
)
def test_junk_parameters_are_ignored_and_everything_is_listed(client, params):
    listed(title="A")
    listed(title="B")

    response = client.get(LIST, params)

    assert response.status_code == 200
    assert sorted(titles(response)) == ["A", "B"]


def test_an_ignored_filter_is_mentioned(client):
    listed()

    response = english(client).get(LIST, {"price_min": "abc"})

    assert "Some filters were not understood and have been ignored." in (response.content.decode())
    assert response.context["chips"] == []


@pytest.mark.parametrize("query", ["' OR 1=1 --", "%", "_", "\\", "%%", "a%b", '"; DROP TABLE'])
def test_search_characters_with_a_meaning_in_sql_match_only_themselves(client, query):
    listed(title="A")
    listed(title="B")

    response = client.get(LIST, {"q": query})

    assert response.status_code == 200
    assert titles(response) == []


@pytest.mark.parametrize(("query", "title"), [("%", "100%通过"), ("_", "snake_case 入门")])
def test_a_wildcard_character_is_found_literally(client, query, title):
    listed(title=title)
    listed(title="其他课程")

    assert titles(client.get(LIST, {"q": query})) == [title]


def test_a_search_is_shown_escaped(client):
    listed()

    body = client.get(LIST, {"q": "<script>alert(1)</script>"}).content.decode()

    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# --- query budget -----------------------------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"q": "雅思 口语"}, {"category": "ielts", "sort": "price"}])
def test_the_list_query_budget_does_not_grow_with_the_services(
    client, params, django_assert_max_num_queries
):
    category = CategoryFactory(slug="ielts")
    bulk_listed(20, category=category)
    client.get(LIST, params)  # warm up: the category menu is cached after the first page

    with django_assert_max_num_queries(QUERY_BUDGET):
        client.get(LIST, params)
    with CaptureQueriesContext(connection) as twenty:
        assert len(titles(client.get(LIST, params))) == 20

    bulk_listed(180, category=category)
    with CaptureQueriesContext(connection) as two_hundred:
        response = client.get(LIST, params)

    assert response.context["page"].paginator.count == 200
    assert len(two_hundred) == len(twenty)


def test_the_list_query_budget_for_a_signed_in_learner(client, django_assert_max_num_queries):
    category = CategoryFactory(slug="ielts")
    bulk_listed(20, category=category)
    client.force_login(UserFactory())
    client.get(LIST)
    with CaptureQueriesContext(connection) as twenty:
        client.get(LIST)

    bulk_listed(180, category=category)
    with (
        django_assert_max_num_queries(QUERY_BUDGET + 4),
        CaptureQueriesContext(connection) as two_hundred,
    ):
        client.get(LIST)

    assert len(two_hundred) == len(twenty)


def test_paging_through_the_default_list_reaches_every_service_once(client):
    category = CategoryFactory()
    bulk_listed(45, category=category)
    # Sales differ from the newest-first order, so the two orders cannot be confused.
    for n, service in enumerate(Service.objects.order_by("pk")):
        Service.objects.filter(pk=service.pk).update(sales_count=(n * 7) % 45)

    seen = []
    for page in (1, 2, 3):
        params = {} if page == 1 else {"page": page}
        seen += titles(client.get(LIST, params))

    assert len(seen) == 45
    assert len(set(seen)) == 45
    best_first = client.get(LIST).context["page"].object_list[0]
    assert best_first.sales_count == max(Service.objects.values_list("sales_count", flat=True))


@pytest.mark.postgres
@pytest.mark.parametrize("query", ["python", "数据分析"])
def test_the_search_lookup_is_one_the_trigram_index_serves(query):
    """Search must stay a LIKE on search_text, which the GIN trigram index serves (an
    icontains on other columns would not). A test table is far too small for the planner
    to prefer an index, so sequential scans are switched off to ask whether it can."""
    from catalog.filters import ServiceFilter

    bulk_listed(3, category=CategoryFactory(), title="Python 数据分析实战")
    found = ServiceFilter().search(Service.objects.all(), "q", query)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")

    plan = found.explain()

    assert "catalog_service_search_trgm" in plan, plan
    assert found.count() == 3
