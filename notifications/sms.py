"""Sending text messages through a configurable backend, like Django's email backends.

settings.SMS_BACKEND names a class with a ``send(phone, text)`` method:
- ``notifications.sms.ConsoleBackend`` (default): prints the message, for development;
- ``notifications.sms.LocmemBackend``: keeps messages in ``notifications.sms.outbox``, for
  tests;
- a provider adapter (Aliyun, Tencent Cloud…) implementing the same method, with a timeout
  on its network calls; it raises ``ConnectionError`` / ``TimeoutError`` (or another
  ``OSError``) when the message may be retried.
Messages leave through a Celery task after the commit: ``notifications.tasks.deliver_sms``
for a ready text (sign-in codes), ``deliver_message`` for an inbox message.
"""

import sys
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TextMessage:
    phone: str
    text: str


outbox: list[TextMessage] = []


class BaseBackend:
    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Prints each message to standard output (the demo's way of "receiving" a code)."""

    def send(self, phone: str, text: str) -> None:
        sys.stdout.write(f"\n[SMS to {phone}] {text}\n\n")
        sys.stdout.flush()


class LocmemBackend(BaseBackend):
    """Keeps messages in memory so tests can read the code that was sent."""

    def send(self, phone: str, text: str) -> None:
        outbox.append(TextMessage(phone=phone, text=text))


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, text: str) -> None:
    """Send one message now, through the configured backend."""
    get_backend().send(phone, text)


def queue_sms(phone: str, text: str) -> None:
    """Send one message from a Celery task once the current transaction has committed."""
    from .tasks import deliver_sms

    transaction.on_commit(lambda: deliver_sms.delay(phone, text))
