"""The help centre pages: /support/, the FAQ list and search, one entry, the helpful vote
(plain POST and htmx), and the FAQ admin for staff."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.tests.factories import StaffFactory, UserFactory
from support.demo import load_support_demo
from support.models import FaqEntry, FaqVote
from support.tests.factories import FaqCategoryFactory, FaqEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_faq():
    load_support_demo()


@pytest.fixture
def entry():
    return FaqEntryFactory(
        slug="refund-time",
        question="退款多久到账？",
        answer="服务商在 **72 小时**内处理。\n\n- 支付宝\n- 微信支付",
        category=FaqCategoryFactory(name="退款与售后", slug="refunds"),
    )


def many_entries(count: int) -> None:
    categories = FaqCategoryFactory.create_batch(3)
    for n in range(count):
        FaqEntryFactory(category=categories[n % 3], question=f"第{n}个退款问题怎么办？")


# ---- help centre -------------------------------------------------------------------------------


def test_the_help_centre_shows_search_topics_popular_questions_and_channels(client, demo_faq):
    response = client.get("/support/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'action="/support/faq/"' in page and 'name="q"' in page
    assert "退款与售后" in page and "/support/faq/?category=refunds" in page
    assert "如何购买课程或服务？" in page  # a popular question
    for link in ("/support/chat/", "/support/tickets/new/", "/support/tickets/"):
        assert f'href="{link}"' in page
    assert "09:00-21:00" in page


@pytest.mark.parametrize("count", [3, 30])
def test_the_help_centre_has_a_fixed_query_budget(client, count, django_assert_max_num_queries):
    many_entries(count)

    # categories, popular questions, the site's menu, and the request's savepoint pair
    with django_assert_max_num_queries(5):
        assert client.get("/support/").status_code == 200


# ---- FAQ list and search -----------------------------------------------------------------------


def test_the_faq_lists_every_published_entry_under_its_category(client, demo_faq):
    FaqEntryFactory(question="草稿问题不显示", is_published=False)

    page = client.get("/support/faq/").content.decode()

    assert "对公转账与发票" in page and "如何开具发票？" in page
    assert "草稿问题不显示" not in page
    assert (
        page.count('class="faq-list__link"') == FaqEntry.objects.filter(is_published=True).count()
    )


def test_a_category_shows_only_its_entries(client, demo_faq):
    page = client.get("/support/faq/?category=refunds").content.decode()

    assert "如何申请退款？" in page
    assert "如何开具发票？" not in page
    assert 'href="/support/faq/?category=refunds" aria-current="page"' in page


def test_an_unknown_category_shows_everything(client, demo_faq):
    response = client.get("/support/faq/?category=nope")

    assert response.status_code == 200
    assert "如何开具发票？" in response.content.decode()


def test_search_shows_ranked_results_with_their_count(client, demo_faq):
    response = client.get("/support/faq/", {"q": "退款多久到账"})

    page = response.content.decode()
    results = response.context["results"]
    assert results[0].slug == "refund-arrival-time"
    assert page.index("退款多久到账？退到哪里？") < page.index(results[1].question)
    assert f"{len(results)}" in page


def test_a_search_finding_nothing_offers_chat_and_a_ticket(client, demo_faq):
    response = client.get("/support/faq/", {"q": "asdfgh"})

    assert response.context["results"] == []
    page = response.content.decode()
    assert "/support/chat/" in page and "/support/tickets/new/" in page


def test_a_faq_search_stays_out_of_the_header_catalogue_search(client, demo_faq):
    faq_page = client.get("/support/faq/", {"q": "退款多久到账"}).content.decode()
    catalogue = client.get("/services/", {"q": "雅思"}).content.decode()

    assert 'id="site-search" type="search" name="q" value=""' in faq_page
    assert 'id="site-search" type="search" name="q" value="雅思"' in catalogue


def test_markup_in_a_search_is_escaped(client, demo_faq):
    page = client.get("/support/faq/", {"q": "<script>alert(1)</script>"}).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("query", ["", "?category=category-0", "?q=退款问题"])
def test_the_faq_has_a_fixed_query_budget(client, count, query, django_assert_max_num_queries):
    many_entries(count)
    client.get(f"/support/faq/{query}")  # the search index is built once per change

    # categories, the entries (or: is the index current? the results), the site's menu, and
    # the request's savepoint pair
    with django_assert_max_num_queries(6):
        response = client.get(f"/support/faq/{query}")
    assert response.status_code == 200
    assert "问题" in response.content.decode()


# ---- one entry ---------------------------------------------------------------------------------


def test_an_entry_shows_its_answer_breadcrumb_and_related_questions(client, entry):
    other = FaqEntryFactory(category=entry.category, question="退款被拒绝怎么办？")
    FaqEntryFactory(category=entry.category, question="不发布的问题", is_published=False)

    response = client.get("/support/faq/refund-time/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "<strong>72 小时</strong>" in page and "<li>微信支付</li>" in page
    assert 'href="/support/faq/?category=refunds"' in page  # the breadcrumb
    assert other.get_absolute_url() in page
    assert "不发布的问题" not in page
    assert 'name="helpful" value="yes"' in page


def test_an_entry_has_a_fixed_query_budget(client, entry, django_assert_max_num_queries):
    FaqEntryFactory.create_batch(20, category=entry.category)

    # the entry, related questions, the site's menu, and the request's savepoint pair
    with django_assert_max_num_queries(5):
        assert client.get("/support/faq/refund-time/").status_code == 200


def test_an_answer_cannot_carry_script(client, entry):
    entry.answer = '<script>alert("x")</script> [link](javascript:alert(1)) **ok**'
    entry.save()

    page = client.get("/support/faq/refund-time/").content.decode()

    assert '<script>alert("x")</script>' not in page
    assert 'href="javascript' not in page
    assert "<strong>ok</strong>" in page


@pytest.mark.parametrize("slug", ["nope", "draft"])
def test_an_unknown_or_unpublished_entry_is_404(client, slug):
    FaqEntryFactory(slug="draft", is_published=False)

    assert client.get(f"/support/faq/{slug}/").status_code == 404
    assert client.post(f"/support/faq/{slug}/vote/", {"helpful": "yes"}).status_code == 404
    assert not FaqVote.objects.exists()


# ---- votes -------------------------------------------------------------------------------------


def test_a_visitor_votes_with_a_plain_post_and_is_thanked(entry):
    client = Client()

    response = client.post("/support/faq/refund-time/vote/", {"helpful": "yes"}, follow=True)

    assert response.redirect_chain[-1][0] == "/support/faq/refund-time/#feedback"
    page = response.content.decode()
    assert 'class="faq-feedback__thanks"' in page
    [vote] = FaqVote.objects.all()
    assert vote.user is None and vote.session_key == client.session.session_key
    assert Session.objects.filter(session_key=vote.session_key).exists()
    entry.refresh_from_db()
    assert entry.helpful_count == 1


def test_a_visitor_voting_again_changes_the_vote(entry):
    client = Client()
    client.post("/support/faq/refund-time/vote/", {"helpful": "yes"})
    client.post("/support/faq/refund-time/vote/", {"helpful": "no"})

    entry.refresh_from_db()
    assert (entry.helpful_count, entry.unhelpful_count) == (0, 1)
    assert FaqVote.objects.count() == 1


def test_a_signed_in_vote_with_htmx_returns_the_thanks_and_counts(client, entry):
    client.force_login(UserFactory())
    FaqVote.objects.create(entry=entry, session_key="x" * 32, is_helpful=True)
    FaqEntry.objects.filter(pk=entry.pk).update(helpful_count=1)

    response = client.post(
        "/support/faq/refund-time/vote/", {"helpful": "no"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert [t.name for t in response.templates] == ["support/_faq_vote.html"]
    page = response.content.decode()
    assert 'id="feedback"' in page and "/support/tickets/new/" in page
    assert response.context["entry"].helpful_count == 1
    assert response.context["entry"].unhelpful_count == 1


def test_the_entry_page_remembers_the_vote(client, entry):
    client.force_login(UserFactory())
    client.post("/support/faq/refund-time/vote/", {"helpful": "yes"})

    response = client.get("/support/faq/refund-time/")

    assert response.context["voted"] is True
    assert 'class="faq-feedback__thanks"' in response.content.decode()


@pytest.mark.parametrize("helpful", ["", "maybe", None])
def test_a_vote_without_a_choice_changes_nothing(client, entry, helpful):
    data = {} if helpful is None else {"helpful": helpful}

    response = client.post("/support/faq/refund-time/vote/", data, follow=True)

    assert response.status_code == 200
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert not FaqVote.objects.exists()
    htmx = client.post("/support/faq/refund-time/vote/", data, headers={"HX-Request": "true"})
    assert 'class="flash flash--error"' in htmx.content.decode()


def test_a_vote_must_be_posted(client, entry):
    assert client.get("/support/faq/refund-time/vote/?helpful=yes").status_code == 405


def test_a_vote_needs_the_csrf_token(csrf_client, entry):
    response = csrf_client.post("/support/faq/refund-time/vote/", {"helpful": "yes"})

    assert response.status_code == 403
    assert not FaqVote.objects.exists()


# ---- admin -------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def test_staff_see_the_faq_admin_lists_and_filters(staff_client, demo_faq):
    for url in (
        "/admin/support/faqcategory/",
        "/admin/support/faqentry/",
        "/admin/support/faqentry/?is_published__exact=1&q=发票",
    ):
        response = staff_client.get(url)
        assert response.status_code == 200, url
    assert "如何开具发票？" in response.content.decode()


def test_the_entry_change_page_previews_the_answer_safely(staff_client, entry):
    entry.answer = "**粗体** <script>alert(1)</script>"
    entry.save()

    page = staff_client.get(f"/admin/support/faqentry/{entry.pk}/change/").content.decode()

    assert '<div class="faq-answer-preview"><p><strong>粗体</strong>' in page
    assert "<script>alert(1)</script>" not in page


def test_staff_add_an_entry_in_admin(staff_client, entry):
    response = staff_client.post(
        "/admin/support/faqentry/add/",
        {
            "category": entry.category.pk,
            "question": "积分怎么用？",
            "slug": "points-use",
            "position": 0,
            "is_published": "on",
            "answer": "积分可以抵扣。",
            "similar_questions": "积分有什么用",
        },
    )

    assert response.status_code == 302
    assert FaqEntry.objects.get(slug="points-use").question == "积分怎么用？"


def test_the_publish_actions_hide_and_show_entries(staff_client, entry):
    staff_client.post(
        "/admin/support/faqentry/", {"action": "unpublish", "_selected_action": [entry.pk]}
    )
    assert staff_client.get("/support/faq/refund-time/").status_code == 404

    staff_client.post(
        "/admin/support/faqentry/", {"action": "publish", "_selected_action": [entry.pk]}
    )
    assert staff_client.get("/support/faq/refund-time/").status_code == 200


def test_learners_cannot_open_the_faq_admin(client):
    client.force_login(UserFactory())

    response = client.get("/admin/support/faqentry/")

    assert response.status_code == 302 and "/login/" in response["Location"]
