"""The console's ticket pages (agents and staff) and the tickets in the admin: who may
come in, the queue's filters, waiting times and query budget, and every step of handling a
ticket going through the services."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.tests.factories import AgentFactory, StaffFactory, UserFactory
from notifications.models import Message
from orders.tests.factories import order_walked_to
from support import tickets
from support.forms import checked_attachments
from support.models import Ticket, TicketReply
from support.tests.test_tickets_views import pdf, png

pytestmark = pytest.mark.django_db

QUEUE = "/support/agent/tickets/"
# (one of them the header's member badge, read once and then cached)
QUEUE_BUDGET = 11


def console_page(ticket: Ticket) -> str:
    return f"/support/agent/tickets/{ticket.ticket_no}/"


def open_ticket(learner=None, **kwargs) -> Ticket:
    fields = {"kind": "complaint", "subject": "老师迟到了半小时", "body": "上课迟到。", **kwargs}
    return tickets.open_ticket(learner or UserFactory(nickname="小林"), **fields)


@pytest.fixture
def agent(client):
    user = AgentFactory(nickname="小王")
    client.force_login(user)
    return user


# ---- who may come in ---------------------------------------------------------------------


def console_urls(ticket: Ticket) -> list[tuple[str, str]]:
    page = console_page(ticket)
    return [
        ("get", QUEUE),
        ("get", page),
        ("post", page + "reply/"),
        ("post", page + "move/"),
        ("post", page + "assign/"),
        ("post", page + "decide/"),
    ]


def test_visitors_are_sent_to_sign_in_and_learners_refused(client):
    ticket = open_ticket()
    for method, url in console_urls(ticket):
        response = getattr(client, method)(url, {"action": "start", "body": "x"})
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")

    client.force_login(ticket.learner)
    for method, url in console_urls(ticket):
        response = getattr(client, method)(url, {"action": "start", "body": "x"})
        assert response.status_code == 403, url
    ticket.refresh_from_db()
    assert ticket.status == "submitted" and not ticket.replies.exists()


def test_an_unknown_ticket_is_404(client, agent):
    assert client.get("/support/agent/tickets/T2020010100000000/").status_code == 404


# ---- the queue -----------------------------------------------------------------------------


def test_the_queue_shows_open_tickets_longest_waiting_first(client, agent):
    first = open_ticket(subject="第一个")
    second = open_ticket(subject="第二个")
    answered = open_ticket(subject="已经回复")
    tickets.reply(answered, author=agent, body="我们在处理")
    done = open_ticket(subject="已经关闭")
    tickets.move(done, "close", by=done.learner)
    Ticket.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=30))

    response = client.get(QUEUE)

    listed = [ticket.pk for ticket in response.context["page"].object_list]
    assert listed == [first.pk, second.pk, answered.pk]
    waits = {t.pk: t.waiting_since for t in response.context["page"].object_list}
    assert waits[answered.pk] is None and waits[second.pk] is not None
    assert "console-wait--long" in response.content.decode()
    counts = {tab["slug"]: tab["count"] for tab in response.context["tabs"]}
    assert counts == {
        "open": 3,
        "submitted": 2,
        "in_progress": 1,
        "resolved": 0,
        "closed": 1,
        "all": 4,
    }


def test_a_learner_message_after_the_answer_waits_again(client, agent):
    ticket = open_ticket()
    tickets.reply(ticket, author=agent, body="请提供订单号")
    tickets.reply(ticket, author=ticket.learner, body="订单号是 KS123")

    [row] = client.get(QUEUE).context["page"].object_list

    assert row.waiting_since == ticket.replies.get(side="learner").created_at


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "closed"}, ["closed"]),
        ({"status": "all"}, ["mine", "free", "closed", "suggestion"]),
        ({"kind": "suggestion", "status": "all"}, ["suggestion"]),
        ({"owner": "mine"}, ["mine"]),
        ({"owner": "unassigned"}, ["free", "suggestion"]),
        ({"q": "打不开"}, ["free"]),
        ({"q": "searchme@example"}, ["mine"]),
        ({"q": "13912345678"}, ["suggestion"]),
        ({"status": "nonsense", "kind": "??", "owner": "x"}, ["mine", "free", "suggestion"]),
    ],
)
def test_the_queue_filters(client, agent, query, expected):
    made = {
        "mine": open_ticket(UserFactory(email="searchme@example.com"), subject="退款问题"),
        "free": open_ticket(subject="视频打不开"),
        "closed": open_ticket(subject="已撤回"),
        "suggestion": open_ticket(
            UserFactory(phone="+8613912345678"), kind="suggestion", subject="建议"
        ),
    }
    tickets.assign(made["mine"], to=agent, by=agent)
    tickets.move(made["closed"], "close", by=made["closed"].learner)

    response = client.get(QUEUE, query)

    assert response.status_code == 200
    listed = {ticket.pk for ticket in response.context["page"].object_list}
    assert listed == {made[name].pk for name in expected}


def test_a_ticket_number_is_found_from_part_of_it(client, agent):
    ticket = open_ticket()

    response = client.get(QUEUE, {"q": ticket.ticket_no[-8:]})

    assert [t.pk for t in response.context["page"].object_list] == [ticket.pk]


@pytest.mark.parametrize("count", [2, 25])
def test_the_queue_keeps_to_its_query_budget(client, agent, count, django_assert_max_num_queries):
    other = AgentFactory()
    for n in range(count):
        ticket = Ticket.objects.create(
            ticket_no=tickets.new_ticket_no(),
            learner=UserFactory(),
            kind="complaint",
            subject=f"工单{n}",
            body="b",
            assignee=other if n % 2 else None,
        )
        TicketReply.objects.create(ticket=ticket, side="support", author=other, body="在处理")
        TicketReply.objects.create(ticket=ticket, side="learner", author=ticket.learner, body="好")

    with django_assert_max_num_queries(QUEUE_BUDGET):
        response = client.get(QUEUE)
    with django_assert_max_num_queries(QUEUE_BUDGET):
        client.get(QUEUE, {"status": "all", "owner": "unassigned", "q": "工单", "page": "2"})

    assert len(response.context["page"].object_list) == min(count, 20)


# ---- one ticket ------------------------------------------------------------------------------


def test_the_console_page_shows_the_thread_contact_and_recent_orders(client, agent):
    learner = UserFactory(nickname="小林", phone="+8613912345678")
    order = order_walked_to("paid", buyer=learner)
    ticket = open_ticket(learner, order=order, files=checked_attachments([png(), pdf()]))
    tickets.reply(ticket, author=learner, body="补充说明一下")

    response = client.get(console_page(ticket))

    page = response.content.decode()
    assert response.status_code == 200
    assert "补充说明一下" in page and learner.email in page and "139" in page
    assert order.order_no in page
    for attachment in ticket.attachments.all():
        assert f"/support/tickets/{ticket.ticket_no}/files/{attachment.pk}/" in page
    assert response.context["actions"] == {"start", "resolve", "close"}


def test_an_agent_replies_with_a_file_and_the_ticket_starts(client, agent):
    ticket = open_ticket()

    response = client.post(
        console_page(ticket) + "reply/", {"body": "您好，已联系老师。", "attachments": [png()]}
    )

    assert response.status_code == 302
    assert response["Location"] == console_page(ticket)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == ("in_progress", agent)
    reply = ticket.replies.get()
    assert (reply.side, reply.author, reply.attachments.count()) == ("support", agent, 1)
    assert Message.objects.filter(user=ticket.learner, event="ticket_replied").exists()


def test_a_bad_reply_shows_the_form_again_and_saves_nothing(client, agent):
    ticket = open_ticket()
    bad = [SimpleUploadedFile("x.png", b"GIF89a-not-really", content_type="image/gif")]

    response = client.post(console_page(ticket) + "reply/", {"body": "看附件", "attachments": bad})

    assert response.status_code == 200
    assert "attachments" in response.context["reply_form"].errors
    assert not ticket.replies.exists()


def test_start_resolve_and_close_from_the_console(client, agent):
    ticket = open_ticket()
    page = console_page(ticket)

    client.post(page + "move/", {"action": "start"})
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"

    missing = client.post(page + "move/", {"action": "resolve", "note": ""})
    assert missing.status_code == 200 and "note" in missing.context["resolve_form"].errors
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"

    client.post(page + "move/", {"action": "resolve", "note": "已经和老师确认，补课一次。"})
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    assert ticket.replies.last().body == "已经和老师确认，补课一次。"

    client.post(page + "move/", {"action": "close"})
    ticket.refresh_from_db()
    assert ticket.status == "closed"

    refused = client.post(page + "move/", {"action": "start"}, follow=True)
    assert [str(m) for m in refused.context["messages"]]
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert client.post(page + "move/", {"action": "reopen"}).status_code == 404


def test_assign_to_me_and_to_another_agent(client, agent):
    ticket = open_ticket()
    other = AgentFactory(nickname="小李")

    client.post(console_page(ticket) + "assign/", {"to": "me"})
    ticket.refresh_from_db()
    assert ticket.assignee == agent

    client.post(console_page(ticket) + "assign/", {"assignee": other.pk})
    ticket.refresh_from_db()
    assert ticket.assignee == other
    assert Message.objects.filter(user=other, event="ticket_assigned").count() == 1

    learner = UserFactory()
    response = client.post(console_page(ticket) + "assign/", {"assignee": learner.pk})
    assert response.status_code == 200
    assert "assignee" in response.context["assign_form"].errors
    ticket.refresh_from_db()
    assert ticket.assignee == other


def test_an_agents_own_ticket_opens_on_the_learner_page(client, agent):
    ticket = open_ticket(agent)

    response = client.get(console_page(ticket))

    assert response.status_code == 302
    assert response["Location"] == f"/support/tickets/{ticket.ticket_no}/"


# ---- admin -------------------------------------------------------------------------------------


class _Inputs(HTMLParser):
    """The values a browser would send back from the admin's change form."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") == "hidden":
            self.values[attrs["name"]] = attrs.get("value") or ""


def admin_post(client, ticket: Ticket, **fields):
    url = f"/admin/support/ticket/{ticket.pk}/change/"
    inputs = _Inputs()
    inputs.feed(client.get(url).content.decode())
    return client.post(url, {**inputs.values, **fields}, follow=True)


@pytest.fixture
def superuser(client):
    user = StaffFactory(is_superuser=True, nickname="运营")
    client.force_login(user)
    return user


def test_the_admin_lists_and_searches_tickets(client, superuser):
    ticket = open_ticket(UserFactory(email="findme@example.com"))
    open_ticket(subject="另一个")

    response = client.get("/admin/support/ticket/", {"q": "findme@"})

    assert response.status_code == 200
    assert ticket.ticket_no in response.content.decode()
    assert response.context["cl"].result_count == 1
    for query in ({"status__exact": "submitted"}, {"kind__exact": "complaint"}):
        assert client.get("/admin/support/ticket/", query).status_code == 200


def test_the_admin_change_page_links_files_order_and_refund(client, superuser):
    order = order_walked_to("paid")
    ticket = open_ticket(order.buyer, order=order, files=checked_attachments([png(), pdf()]))
    tickets.reply(ticket, author=ticket.learner, body="再补充", files=checked_attachments([png()]))

    response = client.get(f"/admin/support/ticket/{ticket.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    for attachment in ticket.attachments.all():
        assert f"/support/tickets/{ticket.ticket_no}/files/{attachment.pk}/" in page
    assert f"/admin/orders/order/{order.pk}/change/" in page
    assert "/admin/support/ticket/add/" not in page


def test_the_admin_form_goes_through_the_services(client, superuser):
    ticket = open_ticket()
    agent = AgentFactory()

    response = admin_post(client, ticket, assign_to=agent.pk, action="start")

    assert response.status_code == 200
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == ("in_progress", agent)
    assert list(ticket.events.values_list("action", flat=True)) == ["open", "assign", "start"]
    assert Message.objects.filter(user=ticket.learner, event="ticket_status_changed").exists()

    admin_post(client, ticket, note="请您提供付款截图。")
    reply = ticket.replies.get()
    assert (reply.side, reply.author) == ("support", superuser)


def test_a_move_the_admin_form_cannot_make_shows_an_error_and_changes_nothing(client, superuser):
    ticket = open_ticket()
    agent = AgentFactory()

    response = admin_post(client, ticket, assign_to=agent.pk, action="resolve", note="")

    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == ("submitted", None)
    assert list(ticket.events.values_list("action", flat=True)) == ["open"]
    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert [tag for tag, _text in shown] == ["error"]
