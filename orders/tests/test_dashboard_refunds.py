"""The provider's refund desk through HTTP: /dashboard/refunds/ (own refunds only, those to
decide by default, the query budget) and its approve/ and reject/ (the service's answer as
a message, another provider's refund a 404, learners 403, visitors to the login page)."""

from decimal import Decimal

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import ProviderFactory
from accounts.tests.images import image_bytes
from notifications.models import Message
from orders import services
from orders.models import Order, Refund
from orders.tests.factories import OrderFactory, order_walked_to

pytestmark = pytest.mark.django_db

REFUNDS = "/dashboard/refunds/"
# The shell (session, user, provider profile, unread messages, roles: 5), the page count,
# the refunds with their orders and learners, their lines, their photos (4), and the
# SAVEPOINT/RELEASE pair of the request's transaction (ATOMIC_REQUESTS).
QUERY_BUDGET = 11


def approve_url(refund: Refund) -> str:
    return f"{REFUNDS}{refund.pk}/approve/"


def reject_url(refund: Refund) -> str:
    return f"{REFUNDS}{refund.pk}/reject/"


def ask(order: Order, *, images=()) -> Refund:
    return services.request_refund(
        order,
        by=order.buyer,
        amount=order.total,
        reason="时间冲突无法参加",
        images=images,
    )


def refund_of_paid_order() -> Refund:
    """A refund asked on a ¥199 order paid without a payment record (no gateway to call)."""
    return ask(order_walked_to("paid", price=Decimal("199.00")))


def flashed(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("receipt.png", image_bytes(size=(60, 40)), content_type="image/png")


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_only_the_providers_own_refunds(client):
    mine = refund_of_paid_order()
    theirs = refund_of_paid_order()
    client.force_login(mine.order.provider)

    response = client.get(f"{REFUNDS}?status=all")

    assert response.status_code == 200
    page = response.content.decode()
    assert mine.order.order_no in page
    assert f"/dashboard/orders/{mine.order.order_no}/" in page
    assert mine.order.buyer.display_name in page
    assert "时间冲突无法参加" in page
    assert theirs.order.order_no not in page


def test_by_default_only_the_refunds_to_decide_are_shown(client):
    provider = ProviderFactory()
    to_decide = ask(OrderFactory(provider=provider, status=Order.Status.PAID))
    rejected = ask(OrderFactory(provider=provider, status=Order.Status.PAID))
    services.reject_refund(rejected, by=provider, reason="课程已开始")
    client.force_login(provider)

    default = client.get(REFUNDS).content.decode()
    everything = client.get(f"{REFUNDS}?status=all").content.decode()

    assert to_decide.order.order_no in default
    assert rejected.order.order_no not in default
    assert f'action="{approve_url(to_decide)}"' in default
    assert rejected.order.order_no in everything
    assert f'action="{approve_url(rejected)}"' not in everything


def test_an_escalated_refund_shows_platform_review_without_buttons(client):
    refund = refund_of_paid_order()
    provider = refund.order.provider
    services.reject_refund(refund, by=provider, reason="课程已开始")
    services.escalate_refund(refund, by=refund.order.buyer)
    client.force_login(provider)

    page = client.get(f"{REFUNDS}?status=all").content.decode()

    assert refund.order.order_no in page
    assert 'class="badge refund-status refund-status--escalated"' in page
    assert approve_url(refund) not in page
    assert reject_url(refund) not in page


def test_the_list_shows_photos_and_the_time_left(client, media_root):
    provider = ProviderFactory()
    refund = ask(OrderFactory(provider=provider, status=Order.Status.PAID), images=[photo()])
    image = refund.images.get()
    client.force_login(provider)

    page = client.get(REFUNDS).content.decode()

    assert f'href="{image.image.url}"' in page
    assert f'src="{image.thumbnail.url}"' in page
    assert 'name="reason"' in page
    assert "csrfmiddlewaretoken" in page


def test_the_list_runs_in_a_fixed_number_of_queries(
    client, media_root, django_assert_max_num_queries
):
    provider = ProviderFactory()
    client.force_login(provider)

    def add_refunds(n: int) -> None:
        for _ in range(n):
            ask(OrderFactory(provider=provider, status=Order.Status.PAID), images=[photo()])

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(REFUNDS)
        assert response.status_code == 200
        return len(captured)

    client.get(REFUNDS)  # the first page after signing in also writes the session
    add_refunds(2)
    few = queries_for_list()
    add_refunds(13)
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(REFUNDS)

    assert response.content.decode().count('class="card refund"') == 15
    assert queries_for_list() == few


# --- approving --------------------------------------------------------------------------------


def test_approving_pays_the_money_back_and_tells_the_learner(
    client, django_capture_on_commit_callbacks
):
    refund = refund_of_paid_order()
    client.force_login(refund.order.provider)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(approve_url(refund))

    assert response.status_code == 302
    assert response["Location"] == REFUNDS
    assert [level for level, _text in flashed(response)] == [messages.SUCCESS]
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REFUNDED
    assert refund.decided_by == refund.order.provider
    assert Order.objects.get(pk=refund.order_id).status == Order.Status.REFUNDED
    assert Message.objects.filter(user=refund.order.buyer, event="refund_approved").count() == 1


def test_approving_twice_is_refused_the_second_time(client, django_capture_on_commit_callbacks):
    refund = refund_of_paid_order()
    client.force_login(refund.order.provider)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(approve_url(refund))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(approve_url(refund))

    assert response.status_code == 302
    # The first approval's success message is still waiting to be shown.
    assert [level for level, _text in flashed(response)] == [messages.SUCCESS, messages.ERROR]
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REFUNDED
    assert Message.objects.filter(event="refund_approved").count() == 1
    assert Message.objects.filter(event="order_refunded").count() == 1


# --- rejecting --------------------------------------------------------------------------------


def test_rejecting_with_a_reason_tells_the_learner(client, django_capture_on_commit_callbacks):
    refund = refund_of_paid_order()
    client.force_login(refund.order.provider)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reject_url(refund), {"reason": "课程已经开始，无法退款"})

    assert response.status_code == 302
    assert [level for level, _text in flashed(response)] == [messages.SUCCESS]
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REJECTED
    assert refund.decision_note == "课程已经开始，无法退款"
    message = Message.objects.get(user=refund.order.buyer, event="refund_rejected")
    assert message.context["reason"] == "课程已经开始，无法退款"


@pytest.mark.parametrize("data", [{}, {"reason": ""}, {"reason": "   "}])
def test_rejecting_without_a_reason_changes_nothing(client, data):
    refund = refund_of_paid_order()
    client.force_login(refund.order.provider)

    response = client.post(reject_url(refund), data)

    assert response.status_code == 302
    assert [level for level, _text in flashed(response)] == [messages.ERROR]
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REQUESTED
    assert not Message.objects.filter(event="refund_rejected").exists()


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [approve_url, reject_url])
def test_another_providers_refund_is_a_404_and_unchanged(client, url):
    refund = refund_of_paid_order()
    client.force_login(ProviderFactory())

    response = client.post(url(refund), {"reason": "不想退"})

    assert response.status_code == 404
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REQUESTED
    assert refund.decided_at is None


@pytest.mark.parametrize("url", [lambda refund: REFUNDS, approve_url, reject_url])
def test_learners_get_403(client, url):
    refund = refund_of_paid_order()
    client.force_login(refund.order.buyer)

    assert client.get(url(refund)).status_code == 403
    assert client.post(url(refund), {"reason": "自己批准"}).status_code == 403
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REQUESTED


@pytest.mark.parametrize("url", [lambda refund: REFUNDS, approve_url, reject_url])
def test_visitors_are_sent_to_log_in(client, url):
    refund = refund_of_paid_order()

    response = client.post(url(refund))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REQUESTED


@pytest.mark.parametrize("url", [approve_url, reject_url])
def test_approve_and_reject_take_only_post(client, url):
    refund = refund_of_paid_order()
    client.force_login(refund.order.provider)

    assert client.get(url(refund)).status_code == 405
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REQUESTED
