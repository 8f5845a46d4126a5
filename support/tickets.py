"""Tickets (工单): a learner's complaints and suggestions, worked by customer service. The
state table ``MOVES`` and ``move``, the one function that applies it; every other ticket
write (open, reply, assign, rate, the platform's refund decision, auto-close); the reads
the learner's pages, the console and the admin share.

| from                   | action  | to          | who                                             |
|------------------------|---------|-------------|-------------------------------------------------|
| submitted              | start   | in_progress | agent                                           |
| submitted, in_progress | resolve | resolved    | agent, with a resolution (posted as a reply)    |
| resolved               | close   | closed      | learner (confirms), agent, system (auto-close   |
|                        |         |             | after TICKET_AUTO_CLOSE_DAYS)                   |
| submitted, in_progress | close   | closed      | learner (withdraws), agent                      |
| resolved               | reopen  | in_progress | learner, with a reason (posted as a reply)      |
| closed                 | reopen  | in_progress | learner, with a reason, within                  |
|                        |         |             | TICKET_REOPEN_DAYS of closed_at                 |

"agent" is ``accounts.permissions.is_agent`` (group 客服, or staff); "system" is the
auto-close timer. Besides the table: an agent's reply on a submitted ticket starts it; a
learner's reply on a resolved ticket reopens it; nobody replies to a closed ticket (reopen
it first). The first agent who replies to, starts or resolves an unassigned ticket takes
it. A complaint that put a refund to the platform (``Ticket.refund``, escalated) is
resolved by staff's decision only (``decide_refund``): until then nobody resolves or
closes it another way, so an escalation never ends without a decision.

Every write is one transaction under a lock on the ticket row, checks who acts, raises a
``support.errors`` error the page shows, writes the timeline (``TicketEvent``), and
notifies the other side (``notifications.services.notify``: the inbox row now, email after
the commit).
"""

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import User
from accounts.permissions import is_agent, is_staff
from accounts.selectors import active_agents
from ksmall.documents import DOCUMENT_MAX_BYTES
from ksmall.money import format_yuan
from ksmall.ratelimit import allow
from notifications.services import notify
from orders import services as order_services
from orders.errors import OrderError
from orders.models import Order, Refund
from orders.numbers import CHINA, insert_numbered
from orders.refunds import escalatable_refund

from . import errors
from .models import Ticket, TicketAttachment, TicketEvent, TicketReply

logger = logging.getLogger(__name__)

Status = Ticket.Status
Kind = Ticket.Kind
Side = TicketReply.Side

LEARNER, AGENT, SYSTEM = "learner", "agent", "system"

SUBJECT_LENGTH = 80
BODY_LENGTH = 2000
DECISION_LENGTH = 500  # the platform's decision is also the refund's answer (max 500)
RATING_COMMENT_LENGTH = 300
EVENT_NOTE_LENGTH = 300
MAX_ATTACHMENTS = 5
ATTACHMENT_MAX_BYTES = DOCUMENT_MAX_BYTES
OPEN_STATUSES = (Status.SUBMITTED, Status.IN_PROGRESS)


# ---- the state table ------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    to_status: str
    roles: frozenset[str]
    # The actor must say something: the resolution for the learner, the reason to reopen.
    needs_note: bool = False
    # Only within TICKET_REOPEN_DAYS of closed_at.
    within_reopen_days: bool = False


MOVES: dict[tuple[str, str], Move] = {
    (Status.SUBMITTED, "start"): Move(Status.IN_PROGRESS, frozenset({AGENT})),
    (Status.SUBMITTED, "resolve"): Move(Status.RESOLVED, frozenset({AGENT}), needs_note=True),
    (Status.IN_PROGRESS, "resolve"): Move(Status.RESOLVED, frozenset({AGENT}), needs_note=True),
    (Status.RESOLVED, "close"): Move(Status.CLOSED, frozenset({LEARNER, AGENT, SYSTEM})),
    (Status.SUBMITTED, "close"): Move(Status.CLOSED, frozenset({LEARNER, AGENT})),
    (Status.IN_PROGRESS, "close"): Move(Status.CLOSED, frozenset({LEARNER, AGENT})),
    (Status.RESOLVED, "reopen"): Move(Status.IN_PROGRESS, frozenset({LEARNER}), needs_note=True),
    (Status.CLOSED, "reopen"): Move(
        Status.IN_PROGRESS, frozenset({LEARNER}), needs_note=True, within_reopen_days=True
    ),
}

ACTIONS = ("start", "resolve", "close", "reopen")

# The timeline's words for each event (``TicketEvent.action``).
EVENT_LABELS = {
    "open": pgettext_lazy("ticket event", "Submitted"),
    "start": pgettext_lazy("ticket event", "Being handled"),
    "resolve": pgettext_lazy("ticket event", "Resolved"),
    "close": pgettext_lazy("ticket event", "Closed"),
    "reopen": pgettext_lazy("ticket event", "Reopened"),
    "assign": pgettext_lazy("ticket event", "Assigned"),
}

# "You cannot %(action)s this ticket."
ACTION_VERBS = {
    "start": pgettext_lazy("ticket action", "start"),
    "resolve": pgettext_lazy("ticket action", "resolve"),
    "close": pgettext_lazy("ticket action", "close"),
    "reopen": pgettext_lazy("ticket action", "reopen"),
}


def role_of(ticket: Ticket, user: User | None) -> str | None:
    """The role ``user`` acts in on ``ticket``: None is the system; None back is nobody.
    On their own ticket an agent is its learner."""
    if user is None:
        return SYSTEM
    if not user.is_authenticated or not user.is_active:
        return None
    if user.pk == ticket.learner_id:
        return LEARNER
    if is_agent(user):
        return AGENT
    return None


def reopen_until(ticket: Ticket) -> datetime | None:
    """Until when a closed ticket may be reopened (None: it is not closed)."""
    if ticket.status != Status.CLOSED or ticket.closed_at is None:
        return None
    return ticket.closed_at + timedelta(days=settings.TICKET_REOPEN_DAYS)


def closes_at(ticket: Ticket) -> datetime | None:
    """When a resolved ticket closes by itself (None: it is not resolved)."""
    if ticket.status != Status.RESOLVED or ticket.resolved_at is None:
        return None
    return ticket.resolved_at + timedelta(days=settings.TICKET_AUTO_CLOSE_DAYS)


def awaits_platform(ticket: Ticket) -> bool:
    """The ticket carries a refund staff have not decided yet (select_related ``refund``
    to read it without a query)."""
    return ticket.refund_id is not None and ticket.refund.status == Refund.Status.ESCALATED


def allowed_actions(ticket: Ticket, role: str | None, now: datetime | None = None) -> set[str]:
    """The moves ``role`` may make on ``ticket`` now (for the buttons; ``move`` checks
    again)."""
    now = now or timezone.now()
    return {
        action
        for action in ACTIONS
        if _refusal(ticket, action, role, now, escalation=awaits_platform(ticket)) is None
    }


def _refusal(ticket: Ticket, action: str, role: str | None, now: datetime, *, escalation: bool):
    """Why ``role`` may not ``action`` ``ticket`` now (a SupportError), or None."""
    move = MOVES.get((ticket.status, action))
    if move is None:
        return errors.NotAllowed(
            _("This ticket is “%(status)s” and cannot be changed that way.")
            % {"status": ticket.get_status_display()}
        )
    if role not in move.roles:
        return errors.NotAllowed(
            _("You cannot %(action)s this ticket.") % {"action": ACTION_VERBS[action]}
        )
    until = reopen_until(ticket)
    if move.within_reopen_days and (until is None or now > until):
        return errors.NotAllowed(
            _(
                "This ticket was closed more than %(days)d days ago and cannot be reopened. "
                "Please submit a new ticket."
            )
            % {"days": settings.TICKET_REOPEN_DAYS}
        )
    if escalation and action in ("resolve", "close"):
        return errors.NotAllowed(
            _(
                "The refund on this ticket is waiting for the platform's decision: the "
                "ticket is resolved with that decision."
            )
        )
    return None


# ---- notifications --------------------------------------------------------------------------


def learner_url(ticket: Ticket) -> str:
    return f"/support/tickets/{ticket.ticket_no}/"


def console_url(ticket: Ticket) -> str:
    return f"/support/agent/tickets/{ticket.ticket_no}/"


def _site_text(text) -> str:
    """``text`` in the site's language. A message's context is stored as text when it is
    written, for a reader who is not the one acting; it is written in the language email
    and SMS go out in (there is no per-user language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def _context(ticket: Ticket, **extra: str) -> dict:
    return {
        "ticket_no": ticket.ticket_no,
        "subject": ticket.subject,
        "kind": _site_text(ticket.get_kind_display()),
        "learner": ticket.learner.display_name,
        **extra,
    }


def _tell_learner(ticket: Ticket, event: str, **extra: str) -> None:
    notify(User(pk=ticket.learner_id), event, _context(ticket, **extra), url=learner_url(ticket))


def _tell_support(ticket: Ticket, event: str, **extra: str) -> None:
    """The assignee, or every agent while nobody is assigned."""
    recipients = [ticket.assignee] if ticket.assignee_id else active_agents()
    context = _context(ticket, **extra)
    for agent in recipients:
        if agent.pk != ticket.learner_id:
            notify(agent, event, context, url=console_url(ticket))


# ---- opening a ticket -----------------------------------------------------------------------


def new_ticket_no() -> str:
    """``T`` + yyyymmdd (Beijing) + 8 random digits: 17 characters."""
    day = timezone.now().astimezone(CHINA).strftime("%Y%m%d")
    return f"T{day}{secrets.randbelow(10**8):08d}"


def open_ticket(
    learner: User,
    *,
    kind: str,
    subject: str,
    body: str,
    files: Sequence[ContentFile] = (),
    order: Order | None = None,
    escalate: bool = False,
) -> Ticket:
    """A learner's complaint or suggestion, optionally about one of their own orders.

    ``files`` are already checked (``support.forms.checked_attachments``: clean JPEGs and
    PDFs). With ``escalate`` the ticket is a complaint that puts the order's rejected
    refund to the platform: ``orders.services.escalate_refund`` runs in this transaction,
    and a refusal there saves nothing. Every agent is told. At most
    ``settings.SUPPORT_TICKET_RATE`` tickets per learner (errors.RateLimited).
    """
    if kind not in Kind.values:
        raise errors.SupportError(_("Choose whether this is a complaint or a suggestion."))
    subject = _clean_text(subject, most=SUBJECT_LENGTH, missing=_("Give the ticket a subject."))
    body = _clean_text(body, most=BODY_LENGTH, missing=_("Describe what happened."))
    _check_file_count(files)
    if escalate and kind != Kind.COMPLAINT:
        raise errors.SupportError(
            _("Asking the platform to step in on a refund is a complaint: choose “Complaint”.")
        )
    if escalate and order is None:
        raise errors.SupportError(_("Choose the order whose refund the platform should review."))
    with transaction.atomic():
        if order is not None:
            order = Order.objects.prefetch_related("refunds").filter(pk=order.pk).first()
            if order is None or order.buyer_id != learner.pk:
                raise errors.NotAllowed(_("Choose one of your own orders."))
        refund = escalatable_refund(order) if escalate else None
        if escalate and refund is None:
            raise errors.NotAllowed(
                _("This order has no rejected refund for the platform to review.")
            )
        if not allow("ticket", learner.pk, rate=settings.SUPPORT_TICKET_RATE):
            raise errors.RateLimited(
                _("You have submitted several tickets in a short time. Please try again later.")
            )
        if refund is not None:
            try:
                order_services.escalate_refund(refund, by=learner)
            except OrderError as error:
                raise errors.NotAllowed(error.message) from None
        now = timezone.now()
        ticket = insert_numbered(
            Ticket,
            "ticket_no",
            new_ticket_no,
            learner=learner,
            kind=kind,
            subject=subject,
            body=body,
            order=order,
            refund=refund,
            created_at=now,
            updated_at=now,
        )
        _write_event(ticket, "open", "", by=learner, now=now)
        _attach(ticket, files, now=now)
        context = _context(ticket)
        for agent in active_agents().exclude(pk=learner.pk):
            notify(agent, "ticket_submitted", context, url=console_url(ticket))
    return ticket


def _clean_text(text: str, *, most: int, missing: str) -> str:
    text = (text or "").strip()
    if not text or "\x00" in text:
        raise errors.SupportError(missing)
    if len(text) > most:
        raise errors.SupportError(
            _("Keep it within %(most)d characters (now %(length)d).")
            % {"most": most, "length": len(text)}
        )
    return text


def _check_file_count(files: Sequence[ContentFile]) -> None:
    if len(files) > MAX_ATTACHMENTS:
        raise errors.SupportError(_("Attach at most %(n)d files.") % {"n": MAX_ATTACHMENTS})


def _attach(
    ticket: Ticket, files: Sequence[ContentFile], *, reply: TicketReply | None = None, now
) -> None:
    """Store checked files under random names on private storage. Called last in a
    transaction, after every check, so a refusal leaves no file behind."""
    for content in files:
        is_pdf = content.name.lower().endswith(".pdf")
        attachment = TicketAttachment(
            ticket=ticket,
            reply=reply,
            content_type="application/pdf" if is_pdf else "image/jpeg",
            size=content.size,
            created_at=now,
        )
        attachment.file.save(content.name, content, save=False)
        attachment.save()


def _write_event(
    ticket: Ticket, action: str, from_status: str, *, by: User | None, now, note: str = ""
) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        action=action,
        from_status=from_status,
        to_status=ticket.status,
        actor=by,
        note=_event_note(note),
        created_at=now,
    )


def _event_note(note: str) -> str:
    note = " ".join(note.split())
    if len(note) > EVENT_NOTE_LENGTH:
        return note[: EVENT_NOTE_LENGTH - 1] + "…"
    return note


# ---- moves ----------------------------------------------------------------------------------


def move(ticket: Ticket, action: str, *, by: User | None, note: str = "") -> Ticket:
    """Apply ``action`` (start, resolve, close, reopen) to ``ticket`` as ``by`` (None: the
    system) along ``MOVES``; errors.NotAllowed, and nothing changes, when the table, the
    actor or the reopen window says no. A resolution note or a reason to reopen is posted
    in the thread as well."""
    with transaction.atomic():
        locked = _locked(ticket)
        role = role_of(locked, by)
        now = timezone.now()
        _apply(locked, action, role=role, by=by, note=note, now=now)
        if action == "resolve":
            TicketReply.objects.create(
                ticket=locked, side=Side.SUPPORT, author=by, body=note.strip(), created_at=now
            )
        elif action == "reopen":
            TicketReply.objects.create(
                ticket=locked, side=Side.LEARNER, author=by, body=note.strip(), created_at=now
            )
    return _copy(locked, ticket)


def _apply(
    ticket: Ticket,
    action: str,
    *,
    role: str | None,
    by: User | None,
    note: str,
    now: datetime,
    announce: bool = True,
) -> None:
    """Move a locked ticket, write its timeline event and tell the other side."""
    refusal = _refusal(ticket, action, role, now, escalation=_awaits_platform_now(ticket))
    if refusal is not None:
        raise refusal
    note = note.strip()
    if MOVES[(ticket.status, action)].needs_note:
        if not note:
            raise errors.SupportError(
                _("Write the resolution for the learner.")
                if action == "resolve"
                else _("Tell us why you want to reopen the ticket.")
            )
        _clean_text(note, most=BODY_LENGTH, missing="")
    from_status = ticket.status
    ticket.status = MOVES[(from_status, action)].to_status
    if action == "resolve":
        ticket.resolved_at = now
    elif action == "close":
        ticket.closed_at = now
    elif action == "reopen":
        ticket.resolved_at = ticket.closed_at = None
    ticket.updated_at = now
    if role == AGENT and action in ("start", "resolve"):
        _take_if_unassigned(ticket, by, now)
    ticket.save(update_fields=["status", "resolved_at", "closed_at", "assignee", "updated_at"])
    _write_event(ticket, action, from_status, by=by, now=now, note=note)
    if not announce:
        return
    if role != LEARNER:
        _tell_learner(
            ticket,
            "ticket_status_changed",
            status=_site_text(ticket.get_status_display()),
            note=note,
        )
    if action == "reopen":
        _tell_support(ticket, "ticket_reopened", note=note)


def _awaits_platform_now(ticket: Ticket) -> bool:
    return (
        ticket.refund_id is not None
        and Refund.objects.filter(pk=ticket.refund_id, status=Refund.Status.ESCALATED).exists()
    )


def _take_if_unassigned(ticket: Ticket, agent: User, now: datetime) -> None:
    """The first agent to work an unassigned ticket takes it (saved by the caller)."""
    if ticket.assignee_id is None:
        ticket.assignee = agent
        _write_event(ticket, "assign", ticket.status, by=agent, now=now, note=agent.display_name)


def _locked(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("learner", "assignee")
        .get(pk=ticket.pk)
    )


def _copy(source: Ticket, target: Ticket) -> Ticket:
    for field in Ticket._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


# ---- replies, assignment, rating ------------------------------------------------------------


def reply(
    ticket: Ticket, *, author: User, body: str, files: Sequence[ContentFile] = ()
) -> TicketReply:
    """A message in the thread from the ticket's learner or from customer service, with
    checked files. An agent's reply starts a submitted ticket (and takes it if nobody
    has); a learner's reply reopens a resolved one. A closed ticket takes no reply."""
    body = _clean_text(body, most=BODY_LENGTH, missing=_("Write your reply."))
    _check_file_count(files)
    with transaction.atomic():
        locked = _locked(ticket)
        role = role_of(locked, author)
        if role not in (LEARNER, AGENT):
            raise errors.NotAllowed(_("You cannot reply to this ticket."))
        if locked.status == Status.CLOSED:
            raise errors.NotAllowed(
                _("This ticket is closed. Reopen it to add a reply.")
                if role == LEARNER
                else _("This ticket is closed: the learner can reopen it.")
            )
        now = timezone.now()
        message = TicketReply.objects.create(
            ticket=locked,
            side=Side.LEARNER if role == LEARNER else Side.SUPPORT,
            author=author,
            body=body,
            created_at=now,
        )
        if role == AGENT:
            if locked.status == Status.SUBMITTED:
                _apply(locked, "start", role=role, by=author, note="", now=now, announce=False)
            _take_if_unassigned(locked, author, now)
            _tell_learner(locked, "ticket_replied")
        elif locked.status == Status.RESOLVED:
            _apply(locked, "reopen", role=role, by=author, note=body, now=now)
        else:
            _tell_support(locked, "ticket_learner_replied")
        locked.updated_at = now
        locked.save(update_fields=["assignee", "updated_at"])
        _attach(locked, files, reply=message, now=now)
    _copy(locked, ticket)
    return message


def assign(ticket: Ticket, *, to: User, by: User) -> Ticket:
    """An agent gives the ticket to an agent (themselves or another); the new assignee is
    told unless they took it themselves."""
    with transaction.atomic():
        locked = _locked(ticket)
        if role_of(locked, by) != AGENT:
            raise errors.NotAllowed(_("Only customer service can assign tickets."))
        if to is None or not is_agent(to) or to.pk == locked.learner_id:
            raise errors.NotAllowed(_("A ticket can only be assigned to customer service."))
        if locked.status == Status.CLOSED:
            raise errors.NotAllowed(_("A closed ticket cannot be assigned."))
        if locked.assignee_id == to.pk:
            raise errors.NotAllowed(
                _("The ticket is already assigned to %(name)s.") % {"name": to.display_name}
            )
        now = timezone.now()
        locked.assignee = to
        locked.updated_at = now
        locked.save(update_fields=["assignee", "updated_at"])
        _write_event(locked, "assign", locked.status, by=by, now=now, note=to.display_name)
        if to.pk != by.pk:
            notify(to, "ticket_assigned", _context(locked), url=console_url(locked))
    return _copy(locked, ticket)


def rate(ticket: Ticket, *, learner: User, score: int, comment: str = "") -> Ticket:
    """The learner rates how their closed ticket was handled, once: 1 to 5 and a word."""
    if score not in range(1, 6):
        raise errors.SupportError(_("Choose from 1 to 5 stars."))
    comment = (comment or "").strip()
    if len(comment) > RATING_COMMENT_LENGTH:
        raise errors.SupportError(
            _("Keep the comment within %(most)d characters.") % {"most": RATING_COMMENT_LENGTH}
        )
    with transaction.atomic():
        locked = _locked(ticket)
        if role_of(locked, learner) != LEARNER:
            raise errors.NotAllowed(_("Only the learner who submitted the ticket can rate it."))
        if locked.status != Status.CLOSED:
            raise errors.NotAllowed(_("You can rate the ticket once it is closed."))
        if locked.rating is not None:
            raise errors.NotAllowed(_("You have already rated this ticket."))
        locked.rating = score
        locked.rating_comment = comment
        locked.save(update_fields=["rating", "rating_comment"])
    return _copy(locked, ticket)


# ---- the platform decides an escalated refund -----------------------------------------------


def decide_refund(ticket: Ticket, *, by: User, approve: bool, note: str) -> Ticket:
    """Staff decide the refund this complaint put to the platform: approve (the platform
    forces the refund: ``orders.services.approve_refund``; payments pays it back through
    the gateway after the commit) or maintain the provider's rejection
    (``orders.services.reject_refund``). The decision is posted in the thread and the
    ticket is resolved, all in one transaction."""
    note = _clean_text(
        note, most=DECISION_LENGTH, missing=_("Explain the decision to the learner.")
    )
    with transaction.atomic():
        locked = _locked(ticket)
        if not is_staff(by) or role_of(locked, by) != AGENT:
            raise errors.NotAllowed(_("Only operations staff decide refunds put to the platform."))
        refund = (
            Refund.objects.filter(pk=locked.refund_id, status=Refund.Status.ESCALATED)
            .select_related("order")
            .first()
        )
        if refund is None:
            raise errors.NotAllowed(_("No refund on this ticket is waiting for a decision."))
        try:
            if approve:
                order_services.approve_refund(refund, by=by, note=note)
            else:
                order_services.reject_refund(refund, by=by, reason=note)
        except OrderError as error:
            raise errors.NotAllowed(error.message) from None
        now = timezone.now()
        if approve:
            verdict = _site_text(
                gettext_lazy(
                    "Platform decision: the refund of %(amount)s is approved and goes back "
                    "to your original payment method."
                )
            ) % {"amount": format_yuan(refund.amount)}
        else:
            verdict = _site_text(
                gettext_lazy("Platform decision: the provider's rejection of the refund stands.")
            )
        TicketReply.objects.create(
            ticket=locked, side=Side.SUPPORT, author=by, body=f"{verdict}\n{note}", created_at=now
        )
        _apply(locked, "resolve", role=AGENT, by=by, note=f"{verdict} {note}", now=now)
    return _copy(locked, ticket)


# ---- the timer ------------------------------------------------------------------------------


def close_resolved_tickets(now: datetime | None = None) -> int:
    """Close, as the system, the tickets resolved at least ``TICKET_AUTO_CLOSE_DAYS`` ago
    that the learner neither confirmed nor reopened. Returns how many; a second run finds
    nothing left."""
    now = now or timezone.now()
    days = settings.TICKET_AUTO_CLOSE_DAYS
    due = (
        Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=now - timedelta(days=days))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    note = _site_text(gettext_lazy("Closed automatically %(days)d days after it was resolved.")) % {
        "days": days
    }
    closed = 0
    for pk in list(due):
        try:
            with transaction.atomic():
                locked = (
                    Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("learner")
                    .filter(pk=pk, status=Status.RESOLVED)
                    .first()
                )
                if locked is None:
                    continue  # reopened or closed meanwhile, or being changed right now
                _apply(locked, "close", role=SYSTEM, by=None, note=note, now=now)
        except Exception:
            # One broken ticket must not stop the timer for the others.
            logger.exception("could not close resolved ticket %s", pk)
            continue
        closed += 1
    return closed


# ---- reads ----------------------------------------------------------------------------------

# The learner's tabs: (slug, label, statuses); the first shows every ticket.
LEARNER_TABS = [
    ("", gettext_lazy("All"), ()),
    ("open", pgettext_lazy("ticket status", "Open"), OPEN_STATUSES),
    ("resolved", Status.RESOLVED.label, (Status.RESOLVED,)),
    ("closed", Status.CLOSED.label, (Status.CLOSED,)),
]

# The console's status filter: (slug, label, statuses); "open" is the default.
CONSOLE_STATUSES = [
    ("open", pgettext_lazy("ticket status", "Open"), OPEN_STATUSES),
    ("submitted", Status.SUBMITTED.label, (Status.SUBMITTED,)),
    ("in_progress", Status.IN_PROGRESS.label, (Status.IN_PROGRESS,)),
    ("resolved", Status.RESOLVED.label, (Status.RESOLVED,)),
    ("closed", Status.CLOSED.label, (Status.CLOSED,)),
    ("all", gettext_lazy("All"), ()),
]


def _tab_counts(tickets: QuerySet, tabs) -> dict[str, int]:
    """How many of ``tickets`` each tab holds, in one query."""
    counts = tickets.order_by().aggregate(
        **{
            f"tab_{slug or 'all'}": (
                Count("pk", filter=Q(status__in=statuses)) if statuses else Count("pk")
            )
            for slug, _label, statuses in tabs
        }
    )
    return {slug: counts[f"tab_{slug or 'all'}"] for slug, _label, _statuses in tabs}


def learner_tickets(learner: User, tab: str = "") -> tuple[QuerySet, list[dict]]:
    """The learner's tickets in ``tab``, last updated first, and the tabs with counts."""
    mine = Ticket.objects.filter(learner=learner)
    counts = _tab_counts(mine, LEARNER_TABS)
    tabs = [
        {"slug": slug, "label": label, "count": counts[slug]} for slug, label, _s in LEARNER_TABS
    ]
    statuses = {slug: statuses for slug, _label, statuses in LEARNER_TABS}.get(tab, ())
    if statuses:
        mine = mine.filter(status__in=statuses)
    return mine.order_by("-updated_at", "-pk"), tabs


def _with_thread(tickets: QuerySet) -> QuerySet:
    return tickets.select_related("learner", "assignee", "order", "refund").prefetch_related(
        Prefetch(
            "replies",
            queryset=TicketReply.objects.select_related("author").prefetch_related("attachments"),
        ),
        # The files sent with the ticket itself; a reply's files come with the reply.
        Prefetch(
            "attachments",
            queryset=TicketAttachment.objects.filter(reply__isnull=True),
            to_attr="opening_files",
        ),
        Prefetch("events", queryset=TicketEvent.objects.select_related("actor")),
    )


def _labelled(ticket: Ticket | None) -> Ticket:
    """The ticket, each timeline event with its words (``event.label``); 404 for None."""
    if ticket is None:
        raise Http404
    for event in ticket.events.all():
        event.label = EVENT_LABELS.get(event.action, event.action)
    return ticket


def learner_ticket(learner: User, ticket_no: str) -> Ticket:
    """The learner's own ticket with its thread and timeline; 404 for anyone else's."""
    return _labelled(
        _with_thread(Ticket.objects.filter(learner=learner, ticket_no=ticket_no)).first()
    )


def console_ticket(ticket_no: str) -> Ticket:
    """Any ticket, for the console, with its thread and timeline; 404 if there is none."""
    return _labelled(_with_thread(Ticket.objects.filter(ticket_no=ticket_no)).first())


def viewable_attachment(user: User, ticket_no: str, attachment_id: int) -> TicketAttachment:
    """A file of a ticket, for its learner and for customer service; 404 for anyone
    else, as for a file that does not exist."""
    attachment = (
        TicketAttachment.objects.select_related("ticket")
        .filter(pk=attachment_id, ticket__ticket_no=ticket_no)
        .first()
    )
    if attachment is None or role_of(attachment.ticket, user) not in (LEARNER, AGENT):
        raise Http404
    return attachment


def console_tickets(
    *,
    agent: User,
    status: str = "open",
    kind: str = "",
    owner: str = "all",
    query: str = "",
) -> tuple[QuerySet, list[dict]]:
    """The console's queue: tickets filtered by kind, owner ("mine", "unassigned", "all")
    and a search (ticket number, subject, learner's email or phone), with the status tabs
    and their counts under those filters; longest waiting first, then last updated."""
    tickets = Ticket.objects.all()
    if kind in Kind.values:
        tickets = tickets.filter(kind=kind)
    if owner == "mine":
        tickets = tickets.filter(assignee=agent)
    elif owner == "unassigned":
        tickets = tickets.filter(assignee__isnull=True)
    query = query.strip()
    if query:
        tickets = tickets.filter(
            Q(ticket_no__icontains=query)
            | Q(subject__icontains=query)
            | Q(learner__email__icontains=query)
            | Q(learner__phone__contains=query)
        )
    counts = _tab_counts(tickets, CONSOLE_STATUSES)
    tabs = [
        {"slug": slug, "label": label, "count": counts[slug]}
        for slug, label, _s in CONSOLE_STATUSES
    ]
    statuses = {slug: statuses for slug, _label, statuses in CONSOLE_STATUSES}[status]
    if statuses:
        tickets = tickets.filter(status__in=statuses)
    answered = Subquery(
        TicketReply.objects.filter(ticket=OuterRef("pk"), side=Side.SUPPORT)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    first_unanswered = Subquery(
        TicketReply.objects.filter(
            ticket=OuterRef("pk"), side=Side.LEARNER, created_at__gt=OuterRef("answered")
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )
    tickets = (
        tickets.select_related("learner", "assignee")
        .annotate(answered=answered)
        .annotate(
            waiting_since=Case(
                When(~Q(status__in=OPEN_STATUSES), then=Value(None)),
                When(answered__isnull=True, then=F("created_at")),
                default=first_unanswered,
                output_field=DateTimeField(),
            )
        )
        .order_by(F("waiting_since").asc(nulls_last=True), "-updated_at", "-pk")
    )
    return tickets, tabs


def learner_orders_for_form(learner: User) -> QuerySet:
    """The learner's orders a ticket may be about, newest first."""
    return (
        Order.objects.filter(buyer=learner).prefetch_related("lines").order_by("-created_at", "-pk")
    )


def escalatable_order_nos(learner: User) -> set[str]:
    """The learner's orders with a rejected refund not yet put to the platform (the
    form's hint; ``open_ticket`` checks again with ``escalatable_refund``)."""
    return set(
        Refund.objects.filter(
            order__buyer=learner, status=Refund.Status.REJECTED, escalated_at__isnull=True
        ).values_list("order__order_no", flat=True)
    )
