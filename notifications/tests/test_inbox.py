"""The site inbox: notify() writes, the header counts, /me/messages/ lists and marks read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from notifications.models import Message
from notifications.services import mark_read, notify
from tests.helpers import post_form

pytestmark = pytest.mark.django_db

MESSAGES = "/me/messages/"
MARK_ALL_READ = "/me/messages/read/"
# Session, user, unread count, roles and the category menu on a cold cache (header), page
# count and page rows, and the request's own transaction (a savepoint and its release under
# the test's transaction), the header's member badge (cached after the first page): the
# same for any length.
QUERY_BUDGET = 10


def approved(user, name="王老师"):
    return notify(user, "provider_approved", {"name": name})


# --- notify() ---------------------------------------------------------------------------------


def test_notify_writes_an_unread_message_rendered_from_the_event():
    user = UserFactory()

    message = notify(user, "provider_rejected", {"name": "王老师", "reason": "证书过期"}, url="/x/")

    stored = Message.objects.get()
    assert stored == message
    assert stored.user == user
    assert stored.event == "provider_rejected"
    assert stored.context == {"name": "王老师", "reason": "证书过期"}
    assert stored.url == "/x/"
    assert not stored.is_read
    assert "证书过期" in stored.body
    assert str(stored.title)


def test_an_unknown_event_raises_and_writes_nothing():
    with pytest.raises(KeyError):
        notify(UserFactory(), "order_teleported", {})

    assert not Message.objects.exists()


def test_a_missing_placeholder_is_refused_when_the_message_is_written():
    with pytest.raises(KeyError, match="reason"):
        notify(UserFactory(), "provider_rejected", {"name": "王老师"})
    assert not Message.objects.exists()


@pytest.mark.parametrize("url", ["https://evil.example/x", "//evil.example", "/\\evil.example"])
def test_a_link_off_the_site_is_refused(url):
    with pytest.raises(ValueError):
        notify(UserFactory(), "provider_approved", {"name": "王老师"}, url=url)


def test_a_stored_message_whose_event_text_changed_still_renders():
    message = notify(UserFactory(), "provider_approved", {"name": "王老师"})
    Message.objects.filter(pk=message.pk).update(context={})
    message.refresh_from_db()

    assert isinstance(message.body, str)


def test_mark_read_marks_only_the_given_users_messages():
    me, other = UserFactory(), UserFactory()
    mine = [approved(me), approved(me)]
    theirs = approved(other)

    assert mark_read(me, [mine[0].pk, theirs.pk]) == 1
    assert mark_read(me) == 1
    assert mark_read(me) == 0

    theirs.refresh_from_db()
    assert not theirs.is_read
    assert all(m.is_read for m in Message.objects.filter(user=me))


# --- pages ------------------------------------------------------------------------------------


def test_the_header_shows_the_unread_count(client):
    user = UserFactory()
    for _ in range(3):
        approved(user)
    approved(UserFactory())
    client.force_login(user)

    body = client.get("/").content.decode()

    assert 'class="badge badge--count"' in body
    assert ">3</span>" in body


def test_the_header_has_no_badge_when_everything_is_read(client):
    user = UserFactory()
    approved(user)
    mark_read(user)
    client.force_login(user)

    assert "badge--count" not in client.get("/").content.decode()


def test_the_inbox_needs_a_login(client):
    response = client.get(MESSAGES)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_inbox_lists_only_the_users_own_messages(client):
    me, other = UserFactory(), UserFactory()
    approved(me, name="我的工作室")
    approved(other, name="别人的工作室")
    client.force_login(me)

    response = client.get(MESSAGES)

    assert response.status_code == 200
    body = response.content.decode()
    assert "我的工作室" in body
    assert "别人的工作室" not in body
    assert [m.user for m in response.context["page"].object_list] == [me]


def test_the_inbox_shows_the_newest_first_twenty_to_a_page(client):
    user = UserFactory()
    for n in range(25):
        approved(user, name=f"studio-{n:02d}")
    client.force_login(user)

    first = client.get(MESSAGES).context["page"]
    second = client.get(MESSAGES, {"page": 2}).context["page"]

    assert len(first.object_list) == 20
    assert first.object_list[0].context["name"] == "studio-24"
    assert len(second.object_list) == 5
    assert client.get(MESSAGES, {"page": "not-a-number"}).status_code == 200
    assert client.get(MESSAGES, {"page": 999}).status_code == 200


@pytest.mark.parametrize("count", [1, 30])
def test_the_inbox_query_budget_does_not_grow_with_the_messages(
    client, count, django_assert_max_num_queries
):
    user = UserFactory()
    other = UserFactory()
    for n in range(count):
        approved(user, name=f"studio-{n}")
        approved(other)
    client.force_login(user)

    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(MESSAGES)

    assert response.status_code == 200


def test_one_and_thirty_messages_cost_the_same_number_of_queries(client):
    user = UserFactory()
    client.force_login(user)
    approved(user)
    client.get(MESSAGES)  # warm up the session and caches
    with CaptureQueriesContext(connection) as one:
        client.get(MESSAGES)
    for _ in range(29):
        approved(user)
    with CaptureQueriesContext(connection) as thirty:
        client.get(MESSAGES)

    assert len(thirty) == len(one)


def test_mark_all_read_refuses_get(client):
    user = UserFactory()
    approved(user)
    client.force_login(user)

    response = client.get(MARK_ALL_READ)

    assert response.status_code == 405
    assert not Message.objects.get().is_read


def test_mark_all_read_marks_only_the_users_own(csrf_client):
    me, other = UserFactory(), UserFactory()
    approved(me)
    approved(me)
    approved(other)
    csrf_client.force_login(me)

    response = post_form(csrf_client, MARK_ALL_READ, {}, form_url=MESSAGES)

    assert response.status_code == 302
    assert response["Location"] == MESSAGES
    assert Message.objects.filter(user=me, read_at__isnull=True).count() == 0
    assert Message.objects.filter(user=other, read_at__isnull=True).count() == 1
    assert "badge--count" not in csrf_client.get(MESSAGES).content.decode()


def test_mark_all_read_needs_a_csrf_token(csrf_client):
    user = UserFactory()
    approved(user)
    csrf_client.force_login(user)

    response = csrf_client.post(MARK_ALL_READ)

    assert response.status_code == 403
    assert not Message.objects.get().is_read


def test_mark_all_read_needs_a_login(client):
    response = client.post(MARK_ALL_READ)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_message_links_and_text_are_escaped(client):
    user = UserFactory()
    notify(user, "provider_rejected", {"name": "x", "reason": "<script>alert(1)</script>"})
    client.force_login(user)

    body = client.get(MESSAGES).content.decode()

    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body
