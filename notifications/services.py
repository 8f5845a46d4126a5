"""notify(): the one door through which every app tells a user something."""

from django.contrib.auth.base_user import AbstractBaseUser as User
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from .events import EVENTS
from .models import Message


def notify(user: User, event: str, context: dict | None = None, *, url: str = "") -> Message:
    """Write an inbox message for ``user`` about ``event`` (a key of ``EVENTS``).

    ``context`` must be JSON-serialisable (ids, strings, amounts as strings): it is stored
    and the text is rendered when the message is shown, in the reader's language. A
    missing placeholder or a link off the site is a programming error and raises.
    """
    if event not in EVENTS:
        raise KeyError(f"unknown notification event {event!r}")
    context = context or {}
    for part in ("title", "body"):
        str(EVENTS[event].get(part, "")) % context  # KeyError names a missing placeholder
    if url and (not url.startswith("/") or url.startswith("//") or "\\" in url):
        raise ValueError(f"notification links stay on the site, got {url!r}")
    return Message.objects.create(user=user, event=event, context=context, url=url)


@transaction.atomic
def mark_read(user: User, message_ids: list[int] | None = None) -> int:
    """Mark the user's messages read: the given ids, or all of them. Returns how many."""
    unread = Message.objects.filter(user=user, read_at__isnull=True)
    if message_ids is not None:
        unread = unread.filter(pk__in=message_ids)
    return unread.update(read_at=timezone.now())


def queue_email(message: EmailMessage) -> None:
    """Send a rendered EmailMessage from a Celery task once the transaction has committed.

    The request never waits on the mail server, and a rolled-back action sends nothing.
    """
    from .tasks import deliver_email

    html = next(
        (
            content
            for content, mimetype in getattr(message, "alternatives", [])
            if mimetype == "text/html"
        ),
        None,
    )
    args = (message.subject, message.body, message.from_email, list(message.to), html)
    transaction.on_commit(lambda: deliver_email.delay(*args))
