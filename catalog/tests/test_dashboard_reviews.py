"""The provider's reviews page through HTTP: /dashboard/reviews/ (own reviews only, the
filters, photos, hidden reviews, the query budget) and its reply/ (write, edit, refuse an
empty reply, another provider's review a 404, learners 403, visitors to the login page)."""

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from accounts.tests.factories import ProviderFactory, UserFactory
from catalog.models import Review, ReviewImage
from catalog.tests.factories import ReviewFactory, ServiceFactory
from notifications.models import Message

pytestmark = pytest.mark.django_db

REVIEWS = "/dashboard/reviews/"
# The shell (session, user, provider profile, unread messages, roles, the header's member
# badge: 6), the page count, the reviews with their services and authors, their photos (3),
# and the SAVEPOINT/RELEASE pair of the request's transaction (ATOMIC_REQUESTS).
QUERY_BUDGET = 11


def reply_url(review: Review) -> str:
    return f"{REVIEWS}{review.pk}/reply/"


def flashed(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


def with_photo(review: Review, n: int = 0) -> ReviewImage:
    return ReviewImage.objects.create(
        review=review,
        image=f"reviews/{review.pk}-{n}.webp",
        width=1200,
        height=800,
        thumbnail=f"reviews/{review.pk}-{n}-s.webp",
        thumbnail_width=400,
        thumbnail_height=267,
    )


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_only_the_providers_own_reviews(client):
    mine = ReviewFactory(text="讲得很清楚", package_name="基础班", rating=4)
    theirs = ReviewFactory(text="别人家的评价")
    photo = with_photo(mine)
    provider = mine.service.provider
    client.force_login(provider)

    response = client.get(REVIEWS)

    assert response.status_code == 200
    page = response.content.decode()
    assert "讲得很清楚" in page
    assert "基础班" in page
    assert f'href="{mine.service.get_absolute_url()}"' in page
    assert mine.service.title in page
    assert mine.author.display_name in page
    assert "stars--40" in page
    assert f'src="{photo.thumbnail.url}"' in page
    assert f'action="{reply_url(mine)}"' in page
    assert "别人家的评价" not in page
    assert reply_url(theirs) not in page


def test_reviews_come_newest_first(client):
    service = ServiceFactory()
    older = ReviewFactory(service=service, text="第一条评价")
    newer = ReviewFactory(service=service, text="第二条评价")
    client.force_login(service.provider)

    page = client.get(REVIEWS).content.decode()

    assert page.index(newer.text) < page.index(older.text)


def test_the_filters_show_unanswered_reviews_and_one_rating(client):
    service = ServiceFactory()
    answered = ReviewFactory(service=service, rating=5, text="五星已回复", reply="谢谢支持")
    waiting = ReviewFactory(service=service, rating=5, text="五星待回复")
    low = ReviewFactory(service=service, rating=2, text="两星待回复")
    hidden = ReviewFactory(service=service, rating=1, text="被隐藏的评价", is_hidden=True)
    client.force_login(service.provider)

    unanswered = client.get(f"{REVIEWS}?show=unanswered").content.decode()
    two_stars = client.get(f"{REVIEWS}?show=2").content.decode()
    everything = client.get(f"{REVIEWS}?show=nonsense").content.decode()

    assert waiting.text in unanswered and low.text in unanswered
    assert answered.text not in unanswered and hidden.text not in unanswered
    assert low.text in two_stars
    assert waiting.text not in two_stars and answered.text not in two_stars
    assert all(r.text in everything for r in (answered, waiting, low, hidden))


def test_a_hidden_review_has_a_badge_and_no_reply_form(client):
    review = ReviewFactory(is_hidden=True)
    client.force_login(review.service.provider)

    page = client.get(REVIEWS).content.decode()

    assert review.text in page
    with translation.override(settings.LANGUAGE_CODE):
        assert gettext("Hidden by the platform") in page
    assert reply_url(review) not in page


def test_the_list_pages_by_twenty(client):
    service = ServiceFactory()
    for i in range(21):
        ReviewFactory(service=service, text=f"评价编号{i:02d}号")
    client.force_login(service.provider)

    first = client.get(REVIEWS).content.decode()
    second = client.get(f"{REVIEWS}?show=all&page=2").content.decode()

    assert first.count('class="review"') == 20
    assert "评价编号00号" not in first
    assert "评价编号00号" in second
    assert "show=all&amp;page=2" in first


def test_the_list_runs_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    service = ServiceFactory()
    client.force_login(service.provider)

    def add_reviews(n: int) -> None:
        for _ in range(n):
            review = ReviewFactory(service=service, author=UserFactory())
            with_photo(review, 0)
            with_photo(review, 1)

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(REVIEWS)
        assert response.status_code == 200
        return len(captured)

    add_reviews(1)
    client.get(REVIEWS)  # warm up: the first request of a session writes more
    one = queries_for_list()
    add_reviews(24)
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(REVIEWS)
    assert response.content.decode().count('class="review"') == 20
    assert queries_for_list() == one


# --- replying ---------------------------------------------------------------------------------


def test_a_reply_is_saved_and_the_author_is_notified(client):
    review = ReviewFactory()
    client.force_login(review.service.provider)

    response = client.post(
        reply_url(review), {"text": "  感谢认可！ ", "next": f"{REVIEWS}?show=unanswered"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{REVIEWS}?show=unanswered"
    review.refresh_from_db()
    assert review.reply == "感谢认可！"
    assert review.replied_at is not None
    assert Message.objects.filter(user=review.author, event="review_replied").count() == 1
    assert [level for level, _text in flashed(response)] == [messages.SUCCESS]


def test_the_reply_can_be_edited(client):
    review = ReviewFactory(reply="谢谢")
    client.force_login(review.service.provider)

    page = client.get(REVIEWS).content.decode()
    response = client.post(reply_url(review), {"text": "谢谢，下期见"})

    assert ">谢谢</textarea>" in page
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.reply == "谢谢，下期见"
    assert [level for level, _text in flashed(response)] == [messages.SUCCESS]


@pytest.mark.parametrize("text", ["", "   ", "长" * 1001])
def test_a_bad_reply_is_refused_with_a_message(client, text):
    review = ReviewFactory(reply="原来的回复")
    client.force_login(review.service.provider)

    response = client.post(reply_url(review), {"text": text, "next": f"{REVIEWS}?page=2"})

    assert response.status_code == 302
    assert response["Location"] == f"{REVIEWS}?page=2"
    review.refresh_from_db()
    assert review.reply == "原来的回复"
    assert not Message.objects.filter(event="review_replied").exists()
    assert [level for level, _text in flashed(response)] == [messages.ERROR]


def test_another_providers_review_is_a_404_and_unchanged(client):
    review = ReviewFactory()
    client.force_login(ProviderFactory())

    response = client.post(reply_url(review), {"text": "冒名回复"})

    assert response.status_code == 404
    review.refresh_from_db()
    assert review.reply == ""
    assert not Message.objects.filter(event="review_replied").exists()


def test_a_hidden_review_cannot_be_answered(client):
    review = ReviewFactory(is_hidden=True)
    client.force_login(review.service.provider)

    response = client.post(reply_url(review), {"text": "解释一下"})

    assert response.status_code == 404
    review.refresh_from_db()
    assert review.reply == ""


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/dashboard/", "javascript:alert(1)"]
)
def test_an_unsafe_next_is_ignored(client, unsafe):
    review = ReviewFactory()
    client.force_login(review.service.provider)

    response = client.post(reply_url(review), {"text": "谢谢", "next": unsafe})

    assert response.status_code == 302
    assert response["Location"] == REVIEWS


def test_get_on_reply_is_not_allowed(client):
    review = ReviewFactory()
    client.force_login(review.service.provider)

    assert client.get(reply_url(review)).status_code == 405


# --- who may come -----------------------------------------------------------------------------


def test_learners_are_refused(client):
    review = ReviewFactory()
    client.force_login(UserFactory())

    assert client.get(REVIEWS).status_code == 403
    assert client.post(reply_url(review), {"text": "谢谢"}).status_code == 403
    review.refresh_from_db()
    assert review.reply == ""


def test_visitors_are_sent_to_the_login_page(client):
    review = ReviewFactory()

    for response in (client.get(REVIEWS), client.post(reply_url(review), {"text": "谢谢"})):
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
