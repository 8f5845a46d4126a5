"""The learner's ticket pages: the list and its query budget, the new ticket form (checked
attachments, the learner's own orders only, the rate limit), one ticket with its buttons,
and the files, which only the learner and customer service may open."""

import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from accounts.tests.factories import AgentFactory, UserFactory
from accounts.tests.images import image_bytes
from orders.tests.factories import order_walked_to
from support import tickets
from support.models import Ticket, TicketAttachment

pytestmark = pytest.mark.django_db

NEW = "/support/tickets/new/"
LIST = "/support/tickets/"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
# (one of them the header's member badge, read once and then cached)
LIST_BUDGET = 10


def page_of(ticket: Ticket) -> str:
    return f"/support/tickets/{ticket.ticket_no}/"


def png(name="screenshot.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(), content_type="image/png")


def pdf(content=PDF, name="receipt.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def form_data(**fields) -> dict:
    return {
        "kind": "complaint",
        "subject": "老师没有按时上课",
        "body": "约好周六上课，老师没有出现。",
        **fields,
    }


def open_ticket(learner, **kwargs) -> Ticket:
    return tickets.open_ticket(
        learner, kind="suggestion", subject="希望增加夜间课程", body="下班后才有时间。", **kwargs
    )


def private_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def learner(client):
    user = UserFactory(nickname="小林")
    client.force_login(user)
    return user


# ---- the list ---------------------------------------------------------------------------------


def test_visitors_are_sent_to_sign_in(client):
    for url in (LIST, NEW, "/support/tickets/T2026010100000001/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_list_shows_only_the_learners_tickets_with_tab_counts(client, learner):
    mine = open_ticket(learner)
    closed = open_ticket(learner)
    tickets.move(closed, "close", by=learner)
    other = open_ticket(UserFactory())

    response = client.get(LIST)

    page = response.content.decode()
    assert mine.ticket_no in page and closed.ticket_no in page
    assert other.ticket_no not in page
    assert {tab["slug"]: tab["count"] for tab in response.context["tabs"]} == {
        "": 2,
        "open": 1,
        "resolved": 0,
        "closed": 1,
    }
    assert NEW in page

    open_tab = client.get(LIST, {"tab": "open"})
    assert [t.pk for t in open_tab.context["page"].object_list] == [mine.pk]


@pytest.mark.parametrize("count", [2, 25])
def test_the_list_keeps_to_its_query_budget(client, learner, count, django_assert_max_num_queries):
    for _n in range(count):
        Ticket.objects.create(
            ticket_no=tickets.new_ticket_no(),
            learner=learner,
            kind="complaint",
            subject="s",
            body="b",
        )

    with django_assert_max_num_queries(LIST_BUDGET):
        response = client.get(LIST)
    with django_assert_max_num_queries(LIST_BUDGET):
        client.get(LIST, {"tab": "open", "page": "2"})

    assert len(response.context["page"].object_list) == min(count, 10)


# ---- the new ticket form ---------------------------------------------------------------------


def test_a_ticket_with_an_image_and_a_pdf(client, learner, private_media_root):
    response = client.post(NEW, form_data(attachments=[png(), pdf()]))

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_of(ticket)
    assert (ticket.learner, ticket.kind, ticket.subject) == (
        learner,
        "complaint",
        "老师没有按时上课",
    )
    files = list(ticket.attachments.order_by("pk"))
    assert [f.content_type for f in files] == ["image/jpeg", "application/pdf"]
    assert all(f.reply is None for f in files)
    # Stored under random names on private storage, never the names sent.
    stored = [path.name for path in private_files(private_media_root)]
    assert len(stored) == 2 and not {"screenshot.png", "receipt.pdf"} & set(stored)
    page = client.get(page_of(ticket)).content.decode()
    assert f"/support/tickets/{ticket.ticket_no}/files/{files[0].pk}/" in page


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("photo.png", b"not an image at all", content_type="image/png"),
        pdf(PDF.replace(b"/Type /Catalog", b"/Type /Catalog /JavaScript (app.alert(1))")),
        SimpleUploadedFile("huge.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"\n%%EOF\n"),
    ],
    ids=["fake-image", "javascript-pdf", "over-10-mb"],
)
def test_a_bad_file_is_refused_with_a_message_and_nothing_saved(
    client, learner, upload, private_media_root
):
    response = client.post(NEW, form_data(attachments=[png(), upload]))

    assert response.status_code == 200
    errors = response.context["form"].errors["attachments"]
    assert any(upload.name in error for error in errors)
    assert not Ticket.objects.exists()
    assert not TicketAttachment.objects.exists()
    assert private_files(private_media_root) == []


def test_six_files_are_refused(client, learner):
    response = client.post(NEW, form_data(attachments=[png(f"{n}.png") for n in range(6)]))

    assert response.status_code == 200
    assert "attachments" in response.context["form"].errors
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [{"kind": ""}, {"kind": "praise"}, {"subject": ""}, {"subject": "长" * 81}, {"body": ""}],
)
def test_bad_input_shows_the_form_again(client, learner, fields):
    response = client.post(NEW, form_data(**fields))

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Ticket.objects.exists()


def test_the_learners_orders_are_offered_newest_first_and_preselected_by_link(client, learner):
    older = order_walked_to("paid", buyer=learner)
    newer = order_walked_to("paid", buyer=learner)
    foreign = order_walked_to("paid")

    response = client.get(NEW, {"order": older.order_no})

    form = response.context["form"]
    assert [order.pk for order in form.fields["order"].queryset] == [newer.pk, older.pk]
    assert form.initial["order"] == older.order_no
    page = response.content.decode()
    assert re.search(rf'<option value="{older.order_no}"[^>]*selected', page)
    assert foreign.order_no not in page

    ignored = client.get(NEW, {"order": foreign.order_no})
    assert "order" not in ignored.context["form"].initial
    assert f'value="{foreign.order_no}"' not in ignored.content.decode()


def test_the_order_choice_costs_the_same_queries_for_one_order_or_many(client, learner):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(NEW).status_code == 200
        return len(captured)

    order_walked_to("paid", buyer=learner)
    queries()  # the first page of a session warms caches (navigation categories)
    one = queries()
    for _n in range(4):
        order_walked_to("paid", buyer=learner)

    assert queries() == one


def test_someone_elses_order_number_is_refused(client, learner):
    foreign = order_walked_to("paid")

    response = client.post(NEW, form_data(order=foreign.order_no))

    assert response.status_code == 200
    assert "order" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_a_ticket_about_the_learners_order(client, learner):
    order = order_walked_to("paid", buyer=learner)

    client.post(NEW, form_data(order=order.order_no))

    ticket = Ticket.objects.get()
    assert ticket.order == order
    assert f"/orders/{order.order_no}/" in client.get(page_of(ticket)).content.decode()


def test_the_sixth_ticket_in_an_hour_is_refused_on_the_form(client, learner):
    for _n in range(settings.SUPPORT_TICKET_RATE[0]):
        assert client.post(NEW, form_data()).status_code == 302

    response = client.post(NEW, form_data())

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Ticket.objects.count() == 5


# ---- one ticket -------------------------------------------------------------------------------


def test_another_learners_ticket_and_its_pages_are_404(client, learner):
    ticket = open_ticket(UserFactory())

    assert client.get(page_of(ticket)).status_code == 404
    for action in ("reply/", "move/", "rate/"):
        response = client.post(page_of(ticket) + action, {"body": "x", "action": "close"})
        assert response.status_code == 404, action
    ticket.refresh_from_db()
    assert ticket.status == "submitted" and not ticket.replies.exists()


def test_the_learner_replies_with_a_file_and_support_is_told(client, learner):
    agent = AgentFactory()
    ticket = open_ticket(learner)
    tickets.assign(ticket, to=agent, by=agent)

    response = client.post(page_of(ticket) + "reply/", {"body": "补充截图", "attachments": [png()]})

    assert response.status_code == 302
    reply = ticket.replies.get()
    assert (reply.side, reply.body, reply.author) == ("learner", "补充截图", learner)
    assert reply.attachments.count() == 1
    assert agent.inbox_messages.filter(event="ticket_learner_replied").exists()


def test_an_empty_reply_shows_the_form_again(client, learner):
    ticket = open_ticket(learner)

    response = client.post(page_of(ticket) + "reply/", {"body": ""})

    assert response.status_code == 200
    assert "body" in response.context["reply_form"].errors
    assert not ticket.replies.exists()


def test_a_resolved_ticket_offers_confirm_and_reopen(client, learner):
    ticket = open_ticket(learner)
    tickets.move(ticket, "resolve", by=AgentFactory(), note="已为您调整课程时间。")

    page = client.get(page_of(ticket))

    assert page.context["actions"] == {"close", "reopen"}
    assert "已为您调整课程时间。" in page.content.decode()

    client.post(page_of(ticket) + "move/", {"action": "close"})
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    closed = client.get(page_of(ticket))
    assert closed.context["rate_form"] is not None
    assert closed.context["reply_form"] is None
    assert closed.context["reopen_until"] is not None


def test_reopening_needs_a_reason(client, learner):
    ticket = open_ticket(learner)
    tickets.move(ticket, "resolve", by=AgentFactory(), note="已处理")

    response = client.post(page_of(ticket) + "move/", {"action": "reopen", "note": ""})

    assert response.status_code == 200
    assert "note" in response.context["reopen_form"].errors
    ticket.refresh_from_db()
    assert ticket.status == "resolved"

    client.post(page_of(ticket) + "move/", {"action": "reopen", "note": "还是打不开"})
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"


def test_the_learner_withdraws_an_open_ticket(client, learner):
    ticket = open_ticket(learner)

    response = client.post(page_of(ticket) + "move/", {"action": "close"}, follow=True)

    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert response.redirect_chain[-1][0] == page_of(ticket)


def test_a_move_the_learner_may_not_make_is_a_message_not_a_change(client, learner):
    ticket = open_ticket(learner)

    response = client.post(page_of(ticket) + "move/", {"action": "reopen", "note": "再看看"})

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "submitted"
    assert client.post(page_of(ticket) + "move/", {"action": "start"}).status_code == 404


def test_the_learner_rates_a_closed_ticket(client, learner):
    ticket = open_ticket(learner)
    tickets.move(ticket, "close", by=learner)

    bad = client.post(page_of(ticket) + "rate/", {"score": "9"})
    assert bad.status_code == 200 and "score" in bad.context["rate_form"].errors

    client.post(page_of(ticket) + "rate/", {"score": "5", "comment": "很满意"})
    ticket.refresh_from_db()
    assert (ticket.rating, ticket.rating_comment) == (5, "很满意")
    assert client.get(page_of(ticket)).context["rate_form"] is None


# ---- files ------------------------------------------------------------------------------------


@pytest.fixture
def ticket_with_files(learner):
    from support.forms import checked_attachments

    return open_ticket(learner, files=checked_attachments([png(), pdf()]))


def test_the_learner_and_agents_open_the_files_with_safe_headers(
    client, learner, ticket_with_files
):
    image, document = ticket_with_files.attachments.order_by("pk")
    url = f"{page_of(ticket_with_files)}files/{image.pk}/"

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    assert image.file.name.rsplit("/", 1)[-1] in disposition
    assert disposition.endswith('.jpg"') and "screenshot" not in disposition
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "JPEG"

    client.force_login(AgentFactory())
    document_response = client.get(f"{page_of(ticket_with_files)}files/{document.pk}/")
    assert document_response.status_code == 200
    assert document_response["Content-Type"] == "application/pdf"
    assert b"".join(document_response.streaming_content) == PDF


def test_another_learner_gets_404_for_a_file(client, ticket_with_files):
    attachment = ticket_with_files.attachments.first()
    client.force_login(UserFactory())

    assert client.get(f"{page_of(ticket_with_files)}files/{attachment.pk}/").status_code == 404


def test_a_file_under_another_tickets_number_is_404(client, learner, ticket_with_files):
    mine = open_ticket(learner)
    attachment = ticket_with_files.attachments.first()

    assert client.get(f"{page_of(mine)}files/{attachment.pk}/").status_code == 404


def test_a_reply_to_a_closed_ticket_is_a_message_and_saves_nothing(client, learner):
    ticket = open_ticket(learner)
    tickets.move(ticket, "close", by=learner)

    response = client.post(page_of(ticket) + "reply/", {"body": "还有问题"}, follow=True)

    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not ticket.replies.exists()
