"""notify(): the one door through which every app tells a user something; its delivery by
email and SMS as the user's preferences allow; the preferences themselves."""

from functools import partial

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser as User
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import sms
from .events import EVENTS, category_of, render
from .models import PREFERENCE_FIELDS, Channel, Delivery, Message, NotificationPreference
from .selectors import get_preferences

# What a delivery may fail with and succeed on a later try: the mail server or the SMS
# provider unreachable or slow (smtplib's errors are OSErrors too).
NETWORK_ERRORS: tuple[type[Exception], ...] = (ConnectionError, TimeoutError, OSError)


def notify(user: User, event: str, context: dict | None = None, *, url: str = "") -> Message:
    """Write an inbox message for ``user`` about ``event`` (a key of ``EVENTS``), and once
    the transaction commits, send it by email and SMS as the user's preferences allow.

    ``context`` must be JSON-serialisable (ids, strings, amounts as strings): it is stored
    and the text is rendered when the message is shown, in the reader's language. A
    missing placeholder or a link off the site is a programming error and raises.
    """
    if event not in EVENTS:
        raise KeyError(f"unknown notification event {event!r}")
    context = context or {}
    for part in ("title", "body", "sms"):
        str(EVENTS[event].get(part, "")) % context  # KeyError names a missing placeholder
    if url and (not url.startswith("/") or url.startswith("//") or "\\" in url):
        raise ValueError(f"notification links stay on the site, got {url!r}")
    message = Message.objects.create(user=user, event=event, context=context, url=url)
    # robust: the action that notified has committed; a broker that cannot take the task
    # must not turn it into an error page. The message is in the inbox either way.
    transaction.on_commit(partial(_schedule_delivery, message.pk), robust=True)
    return message


def _schedule_delivery(message_id: int) -> None:
    from .tasks import deliver_message

    deliver_message.delay(message_id)


@transaction.atomic
def mark_read(user: User, message_ids: list[int] | None = None) -> int:
    """Mark the user's messages read: the given ids, or all of them. Returns how many."""
    unread = Message.objects.filter(user=user, read_at__isnull=True)
    if message_ids is not None:
        unread = unread.filter(pk__in=message_ids)
    return unread.update(read_at=timezone.now())


def set_preferences(user: User, **flags: bool) -> NotificationPreference:
    """Switch channels on or off per category: ``set_preferences(user, orders_sms=False)``.
    Flags not given keep their value; an unknown flag raises TypeError."""
    unknown = set(flags) - set(PREFERENCE_FIELDS)
    if unknown:
        raise TypeError(f"unknown notification preferences: {', '.join(sorted(unknown))}")
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={name: bool(value) for name, value in flags.items()}
    )
    return preference


# --- delivery by email and SMS ----------------------------------------------------------------


def deliver_message(message_id: int) -> list[str]:
    """Send an inbox message on every channel the user allows and can receive, each at
    most once however often this runs. Returns the channels sent by this call.

    Each channel is claimed and sent in a transaction of its own: the ``Delivery`` row is
    locked, the message sent only while the row is pending, and the row marked sent in the
    same transaction. A failed send rolls back to pending and raises (after the other
    channels had their turn), so the Celery task retries and sends just what is missing.
    A crash between the send and the commit can still repeat one message on retry: at
    least once rather than at most once.
    """
    message = Message.objects.select_related("user").filter(pk=message_id).first()
    if message is None or message.event not in EVENTS:
        return []
    sent, failures = [], []
    for channel, address in _destinations(message):
        try:
            if _send_once(message, channel, address):
                sent.append(channel)
        except NETWORK_ERRORS as error:
            failures.append(error)
    if failures:
        raise failures[0]
    return sent


def _destinations(message: Message) -> list[tuple[str, str]]:
    """(channel, address) for each channel the user allows for this event and can receive.
    The user model belongs to accounts, which this app does not import: read by name."""
    user = message.user
    if not getattr(user, "is_active", True):
        return []
    preferences = get_preferences(user)
    category = category_of(message.event)
    destinations = []
    if preferences.allows(category, Channel.EMAIL):
        email = _verified_email(user)
        if email:
            destinations.append((Channel.EMAIL.value, email))
    if EVENTS[message.event].get("sms") and preferences.allows(category, Channel.SMS):
        phone = getattr(user, "phone", None)
        if phone and getattr(user, "phone_verified", False):
            destinations.append((Channel.SMS.value, phone))
    return destinations


def _verified_email(user: User) -> str:
    """The account's email, if its owner proved it. allauth keeps the proof (verified
    ``EmailAddress`` rows); an address nobody confirmed may be a stranger's, like an
    unverified phone number."""
    email = getattr(user, "email", "") or ""
    addresses = getattr(user, "emailaddress_set", None)
    if not email or addresses is None:
        return email
    return email if addresses.filter(email__iexact=email, verified=True).exists() else ""


def _send_once(message: Message, channel: str, address: str) -> bool:
    Delivery.objects.get_or_create(message=message, channel=channel)
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(message=message, channel=channel)
        if delivery.status == Delivery.Status.SENT:
            return False
        # There is no per-user language yet: messages go out in the site's default language.
        with translation.override(settings.LANGUAGE_CODE):
            if channel == Channel.EMAIL:
                _send_email(message, address)
            else:
                _send_sms(message, address)
        delivery.status = Delivery.Status.SENT
        delivery.address = address
        delivery.sent_at = timezone.now()
        delivery.save(update_fields=["status", "address", "sent_at"])
    return True


def _absolute(path: str) -> str:
    """A link for outside the site: KSMALL_SITE_URL in front when it is set."""
    return getattr(settings, "KSMALL_SITE_URL", "").rstrip("/") + path


def _send_email(message: Message, address: str) -> None:
    parts = [message.body]
    if message.url:
        parts.append(_("Details: %(link)s") % {"link": _absolute(message.url)})
    parts.append(
        "-- \n"
        + _("Choose which messages also reach you by email or SMS: %(link)s")
        % {"link": _absolute(reverse("notifications:settings"))}
    )
    EmailMessage(
        subject=message.title,
        body="\n\n".join(parts),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
    ).send()


def _send_sms(message: Message, phone: str) -> None:
    text = render(message.event, "sms", message.context)
    sms.send_sms(phone, _("[KS Mall] %(text)s") % {"text": text})


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
