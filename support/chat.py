"""Live chat (在线客服): a conversation's moves (``MOVES``) and messages, service hours, and the
reads the learner's chat and the agents' console share. Every write is one transaction here.

Notices (an agent joined, a transfer, the end, after hours) and the smart assistant's lines
are stored as text in the site's language (Simplified Chinese), as email is written: they
are part of the conversation's record, read later by the learner, agents and staff alike.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import is_agent
from ksmall.images import reencode_image
from ksmall.ratelimit import allow
from notifications.services import notify
from orders.numbers import CHINA as BEIJING  # service hours are Beijing time

from . import errors, faq
from .models import CannedReply, ChatMessage, Conversation

Status = Conversation.Status
Side = ChatMessage.Side

MAX_TEXT = 1000  # characters in one message
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000
SUGGESTIONS = 3  # FAQ entries the assistant offers at most
MAX_COMMENT = 300  # characters in a rating comment (the model's column)


# ---- service hours ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceHours:
    """Whether agents are online at a moment and, while not, when they next are."""

    opens: time
    closes: time
    is_open: bool
    next_opening: datetime | None = None  # Beijing time; None while open
    opens_today: bool = False


def service_hours(now: datetime, *, hours: str | None = None) -> ServiceHours:
    """Where ``now`` (aware) falls in the daily hours ``"HH:MM-HH:MM"`` (Beijing time;
    ``settings.SUPPORT_HOURS`` by default), within one day."""
    opening, closing = (hours or settings.SUPPORT_HOURS).split("-")
    opens, closes = time.fromisoformat(opening.strip()), time.fromisoformat(closing.strip())
    local = now.astimezone(BEIJING)
    clock = local.time()
    if opens <= clock < closes:
        return ServiceHours(opens, closes, is_open=True)
    today = clock < opens
    day = local.date() if today else local.date() + timedelta(days=1)
    next_opening = datetime.combine(day, opens, tzinfo=BEIJING)
    return ServiceHours(opens, closes, is_open=False, next_opening=next_opening, opens_today=today)


def hours_text(hours: ServiceHours) -> str:
    """The online hours, and while closed when an agent will answer."""
    times = {"opens": f"{hours.opens:%H:%M}", "closes": f"{hours.closes:%H:%M}"}
    if hours.is_open:
        return _("Customer service is online every day from %(opens)s to %(closes)s.") % times
    if hours.opens_today:
        return (
            _(
                "Customer service is online every day from %(opens)s to %(closes)s. An agent "
                "will answer you today from %(opens)s."
            )
            % times
        )
    return (
        _(
            "Customer service is online every day from %(opens)s to %(closes)s. An agent will "
            "answer you tomorrow from %(opens)s."
        )
        % times
    )


# ---- who may move a conversation -------------------------------------------------------------

LEARNER = "learner"  # the conversation's own learner
AGENT = "agent"  # any agent (group 客服 or staff)
ASSIGNED = "assigned"  # the agent the conversation is with
STAFF = "staff"

CLAIM, TRANSFER, CLOSE = "claim", "transfer", "close"

# The moves of a conversation: (from status, action) -> (to status, who may make it).
# Opening is its creation (— → waiting, with the learner's first message), not a move here;
# an agent's reply to a waiting conversation claims it first.
#
# | from    | action   | to     | who                                     |
# |---------|----------|--------|-----------------------------------------|
# | waiting | claim    | open   | any agent                               |
# | waiting | transfer | open   | any agent (assigning it to a colleague) |
# | open    | transfer | open   | the assigned agent, staff               |
# | waiting | close    | closed | the learner, any agent                  |
# | open    | close    | closed | the learner, the assigned agent, staff  |
MOVES: dict[tuple[str, str], tuple[str, frozenset[str]]] = {
    (Status.WAITING, CLAIM): (Status.OPEN, frozenset({AGENT})),
    (Status.WAITING, TRANSFER): (Status.OPEN, frozenset({AGENT})),
    (Status.OPEN, TRANSFER): (Status.OPEN, frozenset({ASSIGNED, STAFF})),
    (Status.WAITING, CLOSE): (Status.CLOSED, frozenset({LEARNER, AGENT})),
    (Status.OPEN, CLOSE): (Status.CLOSED, frozenset({LEARNER, ASSIGNED, STAFF})),
}


def roles_in(conversation: Conversation, user: User) -> frozenset[str]:
    """What ``user`` is to ``conversation``. An agent chatting as a learner is only the
    learner of their own conversation: nobody answers themselves."""
    if user.pk == conversation.learner_id:
        return frozenset({LEARNER})
    if not is_agent(user):
        return frozenset()
    roles = {AGENT}
    if user.pk == conversation.agent_id:
        roles.add(ASSIGNED)
    if user.is_staff:
        roles.add(STAFF)
    return frozenset(roles)


REPLY = "reply"  # not a move: who may answer, for the console's reply box


def allowed_actions(conversation: Conversation, user: User) -> frozenset[str]:
    """The moves ``user`` may make on ``conversation`` now, and ``REPLY`` when they may
    answer it (for the console's buttons; the services check again)."""
    roles = roles_in(conversation, user)
    actions = {
        action
        for (status, action), (_to, who) in MOVES.items()
        if status == conversation.status and who & roles
    }
    if not conversation.is_closed and (
        roles & {ASSIGNED, STAFF} or (conversation.status == Status.WAITING and AGENT in roles)
    ):
        actions.add(REPLY)
    return frozenset(actions)


def _move(conversation: Conversation, action: str, by: User) -> Conversation:
    """Lock the conversation, check ``MOVES`` for ``by``, and return it in its new status,
    unsaved: the caller sets the rest and saves, in its transaction."""
    locked = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("agent")
        .get(pk=conversation.pk)
    )
    if locked.is_closed:
        raise errors.ConversationClosed()
    move = MOVES.get((locked.status, action))
    if move is None and action == CLAIM and locked.agent is not None:
        raise errors.NotAllowed(
            _("%(name)s is already answering this conversation.")
            % {"name": locked.agent.display_name}
        )
    if move is None or not move[1] & roles_in(locked, by):
        raise errors.NotAllowed()
    locked.status = move[0]
    return locked


def _site_language() -> translation.override:
    """Notices are stored in the site's language (see the module's docstring)."""
    return translation.override(settings.LANGUAGE_CODE)


def _notice(conversation: Conversation, text: str, *, at: datetime | None = None) -> ChatMessage:
    return ChatMessage.objects.create(
        conversation=conversation, side=Side.NOTICE, body=text, created_at=at or timezone.now()
    )


def _seat(locked: Conversation, agent: User) -> ChatMessage:
    """Put the conversation, moved by ``_move``, with ``agent``, and tell the learner who it
    is with now."""
    transferred = locked.agent_id is not None or locked.claimed_at is not None
    locked.agent = agent
    locked.claimed_at = locked.claimed_at or timezone.now()
    locked.save(update_fields=["status", "agent", "claimed_at"])
    with _site_language():
        if transferred:
            text = _("Your conversation was transferred to agent %(name)s.")
        else:
            text = _("Agent %(name)s is here to help you.")
        return _notice(locked, text % {"name": agent.display_name})


# ---- moves -------------------------------------------------------------------------------------


def open_conversation(learner: User) -> Conversation:
    """The learner's conversation that is not closed, opened (waiting) when there is none.
    Two requests racing to open one meet the database's one-open-per-learner rule: the
    loser reads the winner's."""
    current = current_conversation(learner)
    if current is not None:
        return current
    try:
        with transaction.atomic():
            return Conversation.objects.create(learner=learner)
    except IntegrityError:
        return Conversation.objects.exclude(status=Status.CLOSED).get(learner=learner)


def claim(conversation: Conversation, agent: User) -> Conversation:
    """``agent`` takes a waiting conversation, and the learner sees who joined. Claiming
    one that is already ``agent``'s changes nothing (a double click)."""
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status == Status.OPEN and locked.agent_id == agent.pk:
            return locked
        locked = _move(locked, CLAIM, agent)
        _seat(locked, agent)
    return locked


def transfer(conversation: Conversation, *, by: User, to: User) -> Conversation:
    """Hand the conversation to another agent (an active member of 客服, or staff); a
    waiting one may be handed by any agent, as an assignment."""
    with transaction.atomic():
        locked = _move(conversation, TRANSFER, by)
        if to.pk == locked.agent_id:
            raise errors.NotAllowed(_("The conversation is already with this agent."))
        if to.pk == locked.learner_id or not is_agent(to):
            raise errors.NotAllowed(_("Choose an agent to transfer the conversation to."))
        _seat(locked, to)
    return locked


def close(conversation: Conversation, *, by: User) -> Conversation:
    """End the conversation (the learner, or customer service). The learner may rate it
    then; when customer service ended it, the learner is told (``chat_closed``)."""
    with transaction.atomic():
        locked = _move(conversation, CLOSE, by)
        now = timezone.now()
        locked.closed_at = now
        locked.closed_by = by
        locked.waiting_since = None
        locked.save(update_fields=["status", "closed_at", "closed_by", "waiting_since"])
        by_learner = by.pk == locked.learner_id
        with _site_language():
            if by_learner:
                text = _("The learner ended the conversation.")
            else:
                text = _("Customer service ended the conversation.")
        _notice(locked, text, at=now)
        if not by_learner:
            notify(locked.learner, "chat_closed", url=f"/support/chat/history/{locked.pk}/")
    return locked


def rate(
    conversation: Conversation, *, learner: User, score: int, comment: str = ""
) -> Conversation:
    """The learner rates an ended conversation, once: 1 to 5 stars and a comment."""
    comment = (comment or "").strip()
    if score not in range(1, 6):
        raise errors.NotAllowed(_("Choose from 1 to 5 stars."))
    if len(comment) > MAX_COMMENT:
        raise errors.NotAllowed(
            _("Keep the comment to %(n)d characters or fewer.") % {"n": MAX_COMMENT}
        )
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.learner_id != learner.pk:
            raise errors.NotAllowed()
        if not locked.is_closed:
            raise errors.NotAllowed(_("You can rate the conversation once it has ended."))
        if locked.rating is not None:
            raise errors.NotAllowed(_("You have already rated this conversation."))
        locked.rating = score
        locked.rating_comment = comment
        locked.rated_at = timezone.now()
        locked.save(update_fields=["rating", "rating_comment", "rated_at"])
    return locked


# ---- messages ----------------------------------------------------------------------------------


def post_message(
    conversation: Conversation,
    sender: User,
    *,
    text: str = "",
    image: UploadedFile | None = None,
) -> list[ChatMessage]:
    """Add the sender's image and/or text to the conversation and return every message this
    wrote, in order: an agent's reply to a waiting conversation claims it first (a notice);
    a learner's first message outside service hours gets a notice of the hours; a learner's
    text while no agent has answered gets the smart assistant's FAQ suggestions.

    Refused, with nothing written: more than ``settings.SUPPORT_CHAT_RATE`` messages
    (RateLimited), an ended conversation (ConversationClosed), an open one with another
    agent unless by staff (NotAllowed); a file that is not an image (ValidationError).
    """
    text = (text or "").strip()
    if not text and image is None:
        raise errors.NotAllowed(_("Write a message or choose an image."))
    if len(text) > MAX_TEXT:
        raise errors.NotAllowed(_("A message can be at most %(n)d characters.") % {"n": MAX_TEXT})
    if not allow("chat", sender.pk, rate=settings.SUPPORT_CHAT_RATE):
        raise errors.RateLimited()
    picture = None
    if image is not None:
        picture = reencode_image(image, max_bytes=IMAGE_MAX_BYTES, max_pixels=IMAGE_MAX_PIXELS)

    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.is_closed:
            raise errors.ConversationClosed()
        written: list[ChatMessage] = []
        roles = roles_in(locked, sender)
        if LEARNER in roles:
            side = Side.LEARNER
            first = not locked.messages.filter(side=Side.LEARNER).exists()
        elif locked.status == Status.WAITING and AGENT in roles:
            locked = _move(locked, CLAIM, sender)
            written.append(_seat(locked, sender))
            side = Side.AGENT
        elif roles & {ASSIGNED, STAFF}:
            side = Side.AGENT
        elif AGENT in roles:
            raise errors.NotAllowed(
                _("Another agent is answering this conversation. Ask them to transfer it to you.")
            )
        else:
            raise errors.NotAllowed()

        now = timezone.now()
        own = {"conversation": locked, "side": side, "sender": sender, "created_at": now}
        if picture is not None:
            written.append(ChatMessage.objects.create(image=picture, **own))
        if text:
            written.append(ChatMessage.objects.create(body=text, **own))

        if side == Side.LEARNER:
            hours = service_hours(now)
            if first and not hours.is_open:
                with _site_language():
                    written.append(_notice(locked, hours_text(hours), at=now))
            if text and locked.status == Status.WAITING:
                written.extend(_suggest(locked, text, at=now))
            locked.waiting_since = locked.waiting_since or now
        else:
            locked.waiting_since = None
        locked.last_message_at = now
        locked.save(update_fields=["last_message_at", "waiting_since"])
    return written


def send_as_learner(
    learner: User, *, text: str = "", image: UploadedFile | None = None
) -> list[ChatMessage]:
    """The learner's message from the chat page: into their open conversation, or one
    opened for it. A refused message opens nothing."""
    with transaction.atomic():
        return post_message(open_conversation(learner), learner, text=text, image=image)


def _suggest(conversation: Conversation, text: str, *, at: datetime) -> list[ChatMessage]:
    """The assistant's card of FAQ entries for ``text``, leaving out entries it already
    offered in this conversation; none when nothing new matches well."""
    Suggested = ChatMessage.suggestions.through
    offered = set(
        Suggested.objects.filter(chatmessage__conversation=conversation).values_list(
            "faqentry_id", flat=True
        )
    )
    entries = [entry for entry in faq.suggest(text, limit=SUGGESTIONS) if entry.pk not in offered]
    if not entries:
        return []
    with _site_language():
        intro = _("These questions may help you:")
    card = ChatMessage.objects.create(
        conversation=conversation, side=Side.ASSISTANT, body=intro, created_at=at
    )
    # Rows are written in rank order: the card lists its entries by row id.
    Suggested.objects.bulk_create(
        [Suggested(chatmessage=card, faqentry=entry) for entry in entries]
    )
    return [card]


def reading_side(conversation: Conversation, user: User) -> str | None:
    """Whose read mark ``user`` moves by reading the conversation: the learner's, or the
    agents' when it is the agent answering it; none for a colleague or staff reading along,
    so that the answering agent's unread count stays theirs."""
    if user.pk == conversation.learner_id:
        return Side.LEARNER
    if user.pk == conversation.agent_id:
        return Side.AGENT
    return None


def mark_read(conversation: Conversation, *, side: str, upto_id: int) -> None:
    """``side`` (learner or agent) has seen the conversation's messages up to ``upto_id``.
    One conditional UPDATE, so the mark only moves forward whatever order polls end in."""
    field_name = {Side.LEARNER: "learner_read_id", Side.AGENT: "agent_read_id"}[side]
    if upto_id <= getattr(conversation, field_name):
        return
    Conversation.objects.filter(pk=conversation.pk, **{f"{field_name}__lt": upto_id}).update(
        **{field_name: upto_id}
    )
    setattr(conversation, field_name, upto_id)


# ---- reads -------------------------------------------------------------------------------------


def current_conversation(learner: User) -> Conversation | None:
    """The learner's conversation that is not closed (there is at most one)."""
    return (
        Conversation.objects.exclude(status=Status.CLOSED)
        .select_related("agent")
        .filter(learner=learner)
        .first()
    )


def learner_conversation(learner: User, pk: int) -> Conversation:
    """One of the learner's own conversations, or 404."""
    conversation = (
        Conversation.objects.select_related("agent").filter(learner=learner, pk=pk).first()
    )
    if conversation is None:
        raise Http404
    return conversation


def any_conversation(pk: int) -> Conversation:
    """Any conversation, for the console (agents read every one), or 404."""
    conversation = (
        Conversation.objects.select_related("learner", "agent", "closed_by").filter(pk=pk).first()
    )
    if conversation is None:
        raise Http404
    return conversation


def viewable_image(user: User, message_id: int) -> ChatMessage:
    """A chat message's image, for the conversation's learner and for agents; 404 for
    anyone else, as for an image that does not exist."""
    message = (
        ChatMessage.objects.select_related("conversation")
        .exclude(image="")
        .filter(pk=message_id)
        .first()
    )
    if message is None or not (message.conversation.learner_id == user.pk or is_agent(user)):
        raise Http404
    return message


def learner_history(learner: User) -> QuerySet[Conversation]:
    """The learner's ended conversations, newest first, each with the start of its first
    message (``opening``)."""
    first_text = (
        ChatMessage.objects.filter(conversation=OuterRef("pk"), side=Side.LEARNER)
        .exclude(body="")
        .order_by("pk")
        .values("body")[:1]
    )
    return (
        Conversation.objects.filter(learner=learner, status=Status.CLOSED)
        .select_related("agent")
        .annotate(opening=Subquery(first_text))
        .order_by("-closed_at", "-pk")
    )


def messages_after(conversation: Conversation, after_id: int) -> list[ChatMessage]:
    """The conversation's messages after ``after_id`` (0: all), oldest first, with their
    senders and the assistant's suggestions. Two queries at most."""
    messages = list(
        conversation.messages.filter(pk__gt=after_id).select_related("sender").order_by("pk")
    )
    return with_suggestions(messages)


def poll(
    pk: int, after_id: int, *, learner: User | None = None
) -> tuple[Conversation, list[ChatMessage]]:
    """For the 2-second polls: conversation ``pk`` (the learner's own, when given; else
    404) and its messages after ``after_id``. New messages come with their conversation in
    one query; only an empty poll reads the conversation on its own."""
    messages = ChatMessage.objects.filter(conversation_id=pk, pk__gt=after_id)
    conversations = Conversation.objects.filter(pk=pk)
    if learner is not None:
        messages = messages.filter(conversation__learner=learner)
        conversations = conversations.filter(learner=learner)
    found = list(messages.select_related("conversation__agent", "sender").order_by("pk"))
    if found:
        return found[0].conversation, with_suggestions(found)
    conversation = conversations.first()
    if conversation is None:
        raise Http404
    return conversation, []


def with_suggestions(messages: list[ChatMessage]) -> list[ChatMessage]:
    """Give each assistant card its published FAQ entries, in the order it offered them
    (``card.entries``); one query, and none without cards."""
    cards = {message.pk: message for message in messages if message.side == Side.ASSISTANT}
    for card in cards.values():
        card.entries = []
    if cards:
        rows = (
            ChatMessage.suggestions.through.objects.filter(
                chatmessage_id__in=cards, faqentry__is_published=True
            )
            .select_related("faqentry")
            .order_by("pk")
        )
        for row in rows:
            cards[row.chatmessage_id].entries.append(row.faqentry)
    return messages


def last_id(messages: list[ChatMessage], after_id: int = 0) -> int:
    return messages[-1].pk if messages else after_id


@dataclass
class Queue:
    """The console's three lists: waiting for an agent, the agent's own, the others'."""

    waiting: list[Conversation]
    mine: list[Conversation]
    others: list[Conversation]


def agent_queue(agent: User) -> Queue:
    """Every conversation that is not closed, in one query, each with ``preview`` (the first
    line of its latest learner or agent message) and ``unread`` (learner messages after the
    agents' read mark). Waiting ones oldest first; the agent's own with those
    waiting for an answer first; the others' by latest message."""
    latest = ChatMessage.objects.filter(
        conversation=OuterRef("pk"), side__in=[Side.LEARNER, Side.AGENT]
    ).order_by("-pk")
    unread = (
        ChatMessage.objects.filter(
            conversation=OuterRef("pk"), side=Side.LEARNER, pk__gt=OuterRef("agent_read_id")
        )
        .values("conversation")
        .annotate(n=Count("pk"))
    )
    conversations = (
        Conversation.objects.exclude(status=Status.CLOSED)
        .select_related("learner", "agent")
        .annotate(
            last_text=Subquery(latest.values("body")[:1]),
            last_image=Subquery(latest.values("image")[:1]),
            unread=Coalesce(Subquery(unread.values("n")), 0),
        )
        .order_by(F("waiting_since").asc(nulls_last=True), "created_at", "pk")
    )
    queue = Queue([], [], [])
    for conversation in conversations:
        conversation.preview = _first_line(conversation.last_text) or (
            _("[Image]") if conversation.last_image else ""
        )
        if conversation.status == Status.WAITING:
            queue.waiting.append(conversation)
        elif conversation.agent_id == agent.pk:
            queue.mine.append(conversation)
        else:
            queue.others.append(conversation)
    queue.others.sort(key=lambda conversation: conversation.last_message_at, reverse=True)
    return queue


def _first_line(text: str | None) -> str:
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


def canned_replies() -> QuerySet[CannedReply]:
    """The ready answers agents may insert, in the order staff set."""
    return CannedReply.objects.filter(is_active=True)
