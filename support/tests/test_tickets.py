"""Ticket services: the state table walked row by row (and every refused pair), replies
that start and reopen, assignment, rating, who is told of what, the auto-close timer and
the rate limit on new tickets."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.tests.factories import AgentFactory, StaffFactory, UserFactory
from notifications.models import Message
from orders.tests.factories import order_walked_to
from support import errors, tasks, tickets
from support.models import Ticket, TicketEvent, TicketReply

pytestmark = pytest.mark.django_db

Status = Ticket.Status
ALL_STATUSES = [Status.SUBMITTED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED]
ROLES = ["learner", "agent", "system", "stranger"]


def open_ticket(learner=None, **kwargs) -> Ticket:
    kwargs = {
        "kind": "complaint",
        "subject": "课程内容与描述不符",
        "body": "上课内容不一样。",
        **kwargs,
    }
    return tickets.open_ticket(learner or UserFactory(nickname="小林"), **kwargs)


def ticket_in(status: str, *, agent=None) -> Ticket:
    """A ticket walked through the services to ``status``."""
    ticket = open_ticket()
    agent = agent or AgentFactory(nickname="小王")
    steps = [
        lambda t: tickets.move(t, "start", by=agent),
        lambda t: tickets.move(t, "resolve", by=agent, note="已为您处理。"),
        lambda t: tickets.move(t, "close", by=t.learner),
    ]
    for step in steps[: ALL_STATUSES.index(status)]:
        step(ticket)
    ticket.refresh_from_db()
    assert ticket.status == status
    return ticket


def actor(ticket: Ticket, role: str):
    return {
        "learner": ticket.learner,
        "agent": AgentFactory(),
        "system": None,
        "stranger": UserFactory(),
    }[role]


def events_of(user) -> list[str]:
    return list(Message.objects.filter(user=user).order_by("pk").values_list("event", flat=True))


def note_for(action: str) -> str:
    return "问题已经处理好了。" if action == "resolve" else "问题还在，请再看一下。"


# ---- the state table ------------------------------------------------------------------------


ALLOWED = [
    (from_status, action, role)
    for (from_status, action), move in tickets.MOVES.items()
    for role in sorted(move.roles)
]
REFUSED = [
    (from_status, action, role)
    for from_status in ALL_STATUSES
    for action in tickets.ACTIONS
    for role in ROLES
    if (from_status, action, role) not in ALLOWED
]


def test_the_table_reads_as_the_docstring_says():
    assert {key: (move.to_status, move.roles) for key, move in tickets.MOVES.items()} == {
        ("submitted", "start"): ("in_progress", {"agent"}),
        ("submitted", "resolve"): ("resolved", {"agent"}),
        ("in_progress", "resolve"): ("resolved", {"agent"}),
        ("resolved", "close"): ("closed", {"learner", "agent", "system"}),
        ("submitted", "close"): ("closed", {"learner", "agent"}),
        ("in_progress", "close"): ("closed", {"learner", "agent"}),
        ("resolved", "reopen"): ("in_progress", {"learner"}),
        ("closed", "reopen"): ("in_progress", {"learner"}),
    }


@pytest.mark.parametrize(("from_status", "action", "role"), ALLOWED)
def test_every_move_of_the_table(from_status, action, role):
    ticket = ticket_in(from_status)
    by = actor(ticket, role)
    events = TicketEvent.objects.filter(ticket=ticket).count()

    tickets.move(ticket, action, by=by, note=note_for(action))

    ticket.refresh_from_db()
    assert ticket.status == tickets.MOVES[(from_status, action)].to_status
    event = TicketEvent.objects.filter(ticket=ticket).exclude(action="assign").last()
    assert (event.action, event.from_status, event.to_status) == (
        action,
        from_status,
        ticket.status,
    )
    assert event.actor == by
    assert TicketEvent.objects.filter(ticket=ticket).count() > events
    if action == "resolve":
        assert ticket.resolved_at is not None
    if action == "close":
        assert ticket.closed_at is not None
    if action == "reopen":
        assert ticket.resolved_at is None and ticket.closed_at is None


@pytest.mark.parametrize(("from_status", "action", "role"), REFUSED)
def test_every_move_not_in_the_table_is_refused_and_changes_nothing(from_status, action, role):
    ticket = ticket_in(from_status)
    by = actor(ticket, role)
    before = (ticket.status, ticket.updated_at, ticket.events.count(), ticket.replies.count())

    with pytest.raises(errors.NotAllowed):
        tickets.move(ticket, action, by=by, note=note_for(action))

    ticket.refresh_from_db()
    assert (ticket.status, ticket.updated_at, ticket.events.count(), ticket.replies.count()) == (
        before
    )


def test_a_closed_ticket_reopens_only_within_the_window():
    ticket = ticket_in(Status.CLOSED)
    days = settings.TICKET_REOPEN_DAYS
    Ticket.objects.filter(pk=ticket.pk).update(
        closed_at=timezone.now() - timedelta(days=days, minutes=1)
    )
    ticket.refresh_from_db()

    with pytest.raises(errors.NotAllowed, match=str(days)):
        tickets.move(ticket, "reopen", by=ticket.learner, note="问题又出现了")
    assert "reopen" not in tickets.allowed_actions(ticket, tickets.LEARNER)

    Ticket.objects.filter(pk=ticket.pk).update(
        closed_at=timezone.now() - timedelta(days=days, minutes=-1)
    )
    ticket.refresh_from_db()
    assert "reopen" in tickets.allowed_actions(ticket, tickets.LEARNER)
    tickets.move(ticket, "reopen", by=ticket.learner, note="问题又出现了")
    assert ticket.status == Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("from_status", "action"), [("in_progress", "resolve"), ("resolved", "reopen")]
)
def test_resolving_and_reopening_need_a_note_which_goes_into_the_thread(from_status, action):
    ticket = ticket_in(from_status)
    by = ticket.learner if action == "reopen" else AgentFactory()

    with pytest.raises(errors.SupportError):
        tickets.move(ticket, action, by=by, note="   ")
    ticket.refresh_from_db()
    assert ticket.status == from_status

    tickets.move(ticket, action, by=by, note="说明一下原因")
    last = ticket.replies.last()
    assert (last.body, last.author) == ("说明一下原因", by)
    assert last.side == ("learner" if action == "reopen" else "support")


def test_an_agent_who_starts_an_unassigned_ticket_takes_it():
    ticket = open_ticket()
    agent = AgentFactory()

    tickets.move(ticket, "start", by=agent)

    assert ticket.assignee == agent
    assert list(ticket.events.values_list("action", flat=True)) == ["open", "assign", "start"]


# ---- replies --------------------------------------------------------------------------------


def test_an_agent_reply_starts_a_submitted_ticket_and_tells_the_learner_once():
    ticket = open_ticket()
    agent = AgentFactory()

    tickets.reply(ticket, author=agent, body="您好，我们正在核实。")

    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.assignee == agent
    assert events_of(ticket.learner) == ["ticket_replied"]
    message = Message.objects.get(user=ticket.learner)
    assert message.url == f"/support/tickets/{ticket.ticket_no}/"
    assert message.context["ticket_no"] == ticket.ticket_no


def test_a_learner_reply_goes_to_the_assignee_only():
    agent, other = AgentFactory(), AgentFactory()
    ticket = ticket_in(Status.IN_PROGRESS, agent=agent)
    Message.objects.all().delete()

    tickets.reply(ticket, author=ticket.learner, body="补充一下情况。")

    assert events_of(agent) == ["ticket_learner_replied"]
    assert events_of(other) == []
    assert Message.objects.get(user=agent).url == f"/support/agent/tickets/{ticket.ticket_no}/"


def test_a_learner_reply_on_an_unassigned_ticket_goes_to_every_agent():
    agents = [AgentFactory(), AgentFactory(), StaffFactory()]
    AgentFactory(is_active=False)
    ticket = open_ticket()
    Message.objects.all().delete()

    tickets.reply(ticket, author=ticket.learner, body="补充一下情况。")

    assert Message.objects.filter(event="ticket_learner_replied").count() == 3
    for agent in agents:
        assert events_of(agent) == ["ticket_learner_replied"]


def test_a_learner_reply_reopens_a_resolved_ticket_and_tells_the_assignee():
    agent = AgentFactory()
    ticket = ticket_in(Status.RESOLVED, agent=agent)
    Message.objects.all().delete()

    tickets.reply(ticket, author=ticket.learner, body="还是不行。")

    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert events_of(agent) == ["ticket_reopened"]
    assert events_of(ticket.learner) == []
    assert ticket.events.last().action == "reopen"


def test_nobody_replies_to_a_closed_ticket():
    ticket = ticket_in(Status.CLOSED)
    replies = TicketReply.objects.filter(ticket=ticket).count()

    for author in (ticket.learner, AgentFactory()):
        with pytest.raises(errors.NotAllowed):
            tickets.reply(ticket, author=author, body="还有一个问题")
    assert TicketReply.objects.filter(ticket=ticket).count() == replies


def test_a_stranger_cannot_reply():
    ticket = open_ticket()

    with pytest.raises(errors.NotAllowed):
        tickets.reply(ticket, author=UserFactory(), body="我也有问题")
    assert not ticket.replies.exists()


@pytest.mark.parametrize("body", ["", "   ", "长" * 2001])
def test_an_empty_or_too_long_reply_is_refused(body):
    ticket = open_ticket()

    with pytest.raises(errors.SupportError):
        tickets.reply(ticket, author=ticket.learner, body=body)
    assert not ticket.replies.exists()


# ---- who is told of moves and assignments ---------------------------------------------------


def test_every_active_agent_and_staff_member_hears_of_a_new_ticket():
    agent, staff = AgentFactory(), StaffFactory()
    AgentFactory(is_active=False)
    learner = UserFactory()

    ticket = open_ticket(learner)

    assert events_of(agent) == events_of(staff) == ["ticket_submitted"]
    assert Message.objects.filter(event="ticket_submitted").count() == 2
    assert events_of(learner) == []
    assert Message.objects.get(user=agent).url == f"/support/agent/tickets/{ticket.ticket_no}/"


@pytest.mark.parametrize(
    ("from_status", "action"),
    [
        ("submitted", "start"),
        ("in_progress", "resolve"),
        ("resolved", "close"),
        ("in_progress", "close"),
    ],
)
def test_the_learner_hears_of_each_move_customer_service_makes(from_status, action):
    agent = AgentFactory()
    ticket = ticket_in(from_status, agent=agent)
    Message.objects.all().delete()

    tickets.move(ticket, action, by=agent, note=note_for(action))

    assert events_of(ticket.learner) == ["ticket_status_changed"]
    message = Message.objects.get(user=ticket.learner)
    assert message.context["status"]
    assert message.url == f"/support/tickets/{ticket.ticket_no}/"


def test_the_learner_is_not_told_of_their_own_moves_but_the_assignee_hears_of_a_reopen():
    agent = AgentFactory()
    ticket = ticket_in(Status.RESOLVED, agent=agent)
    Message.objects.all().delete()

    tickets.move(ticket, "reopen", by=ticket.learner, note="问题还在")
    tickets.move(ticket, "close", by=ticket.learner)

    assert events_of(ticket.learner) == []
    assert events_of(agent) == ["ticket_reopened"]
    assert Message.objects.get(user=agent).context["note"] == "问题还在"


def test_a_reopen_of_an_unassigned_ticket_goes_to_every_agent():
    agents = [AgentFactory(), AgentFactory()]
    ticket = ticket_in(Status.RESOLVED, agent=agents[0])
    Ticket.objects.filter(pk=ticket.pk).update(assignee=None)
    ticket.refresh_from_db()
    Message.objects.all().delete()

    tickets.move(ticket, "reopen", by=ticket.learner, note="问题还在")

    for agent in agents:
        assert events_of(agent) == ["ticket_reopened"]


def test_assigning_tells_the_new_assignee_unless_they_took_it_themselves():
    ticket = open_ticket()
    first, second = AgentFactory(), AgentFactory()

    tickets.assign(ticket, to=first, by=first)
    assert events_of(first) == []

    tickets.assign(ticket, to=second, by=first)
    assert events_of(second) == ["ticket_assigned"]
    assert Message.objects.get(user=second).url == f"/support/agent/tickets/{ticket.ticket_no}/"
    assert ticket.assignee == second
    assert list(ticket.events.filter(action="assign").values_list("actor", flat=True)) == [
        first.pk,
        first.pk,
    ]


@pytest.mark.parametrize("who", ["learner", "stranger"])
def test_only_agents_assign(who):
    ticket = open_ticket()
    by = ticket.learner if who == "learner" else UserFactory()

    with pytest.raises(errors.NotAllowed):
        tickets.assign(ticket, to=AgentFactory(), by=by)
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_a_ticket_is_assigned_to_agents_only():
    ticket = open_ticket()

    with pytest.raises(errors.NotAllowed):
        tickets.assign(ticket, to=UserFactory(), by=AgentFactory())
    ticket.refresh_from_db()
    assert ticket.assignee is None


# ---- rating ---------------------------------------------------------------------------------


def test_the_learner_rates_a_closed_ticket_once():
    ticket = ticket_in(Status.CLOSED)

    tickets.rate(ticket, learner=ticket.learner, score=4, comment="回复很及时")

    ticket.refresh_from_db()
    assert (ticket.rating, ticket.rating_comment) == (4, "回复很及时")
    with pytest.raises(errors.NotAllowed):
        tickets.rate(ticket, learner=ticket.learner, score=1)
    ticket.refresh_from_db()
    assert ticket.rating == 4


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.IN_PROGRESS, Status.RESOLVED])
def test_an_open_ticket_cannot_be_rated(status):
    ticket = ticket_in(status)

    with pytest.raises(errors.NotAllowed):
        tickets.rate(ticket, learner=ticket.learner, score=5)


def test_only_its_learner_rates_a_ticket_with_1_to_5():
    ticket = ticket_in(Status.CLOSED)

    with pytest.raises(errors.NotAllowed):
        tickets.rate(ticket, learner=UserFactory(), score=5)
    for score in (0, 6):
        with pytest.raises(errors.SupportError):
            tickets.rate(ticket, learner=ticket.learner, score=score)
    ticket.refresh_from_db()
    assert ticket.rating is None


# ---- opening --------------------------------------------------------------------------------


def test_a_ticket_gets_a_dated_unique_number_and_an_opening_event():
    ticket = open_ticket()

    today = timezone.now().astimezone(tickets.CHINA).strftime("%Y%m%d")
    assert ticket.ticket_no.startswith(f"T{today}") and len(ticket.ticket_no) == 17
    assert ticket.status == Status.SUBMITTED
    assert list(ticket.events.values_list("action", "to_status")) == [("open", "submitted")]


def test_a_number_already_taken_is_drawn_again(monkeypatch):
    taken = open_ticket()
    numbers = iter([taken.ticket_no, "T2026010100000001"])
    monkeypatch.setattr(tickets, "new_ticket_no", lambda: next(numbers))

    ticket = open_ticket()

    assert ticket.ticket_no == "T2026010100000001"


def test_the_sixth_ticket_in_an_hour_is_refused():
    learner = UserFactory()
    for _n in range(settings.SUPPORT_TICKET_RATE[0]):
        open_ticket(learner)

    with pytest.raises(errors.RateLimited):
        open_ticket(learner)
    assert Ticket.objects.filter(learner=learner).count() == 5


def test_a_ticket_about_someone_elses_order_is_refused():
    order = order_walked_to("paid")

    with pytest.raises(errors.NotAllowed):
        open_ticket(UserFactory(), order=order)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "praise"},
        {"subject": ""},
        {"subject": "长" * 81},
        {"body": " "},
        {"body": "长" * 2001},
    ],
)
def test_bad_input_opens_nothing(fields):
    with pytest.raises(errors.SupportError):
        open_ticket(**fields)
    assert not Ticket.objects.exists()


# ---- auto-close -----------------------------------------------------------------------------


def test_resolved_tickets_close_by_themselves_after_the_waiting_days_once():
    agent = AgentFactory()
    due = ticket_in(Status.RESOLVED, agent=agent)
    recent = ticket_in(Status.RESOLVED, agent=agent)
    Ticket.objects.filter(pk=due.pk).update(
        resolved_at=timezone.now() - timedelta(days=settings.TICKET_AUTO_CLOSE_DAYS, minutes=1)
    )
    Message.objects.all().delete()

    assert tasks.close_resolved_tickets.delay().get() == 1
    assert tasks.close_resolved_tickets.delay().get() == 0

    due.refresh_from_db()
    recent.refresh_from_db()
    assert due.status == Status.CLOSED and due.closed_at is not None
    assert recent.status == Status.RESOLVED
    event = due.events.last()
    assert (event.action, event.actor) == ("close", None)
    assert events_of(due.learner) == ["ticket_status_changed"]
    assert events_of(recent.learner) == []
