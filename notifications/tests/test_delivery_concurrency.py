"""Two workers running the same delivery at once still send each channel once (PostgreSQL's
row lock on the Delivery row; SQLite has none)."""

import threading
import time

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from notifications import sms
from notifications.models import Delivery
from notifications.services import deliver_message, notify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class SlowSMSBackend:
    """Takes a moment to send, so that a second worker arrives while the first one sends."""

    def send(self, phone: str, text: str) -> None:
        time.sleep(0.3)
        sms.outbox.append(sms.TextMessage(phone=phone, text=text))


def run_together(*calls) -> list[Exception]:
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
        except Exception as exc:  # collected and asserted by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_workers_racing_on_one_message_send_each_channel_once(settings, mailoutbox, sms_outbox):
    settings.SMS_BACKEND = f"{__name__}.SlowSMSBackend"
    user = UserFactory(phone="+8613900000009", phone_verified=True)
    # notify in autocommit runs the delivery at once (eager Celery): undo it to race on it.
    message = notify(user, "order_paid", {"order_no": "KS1", "title": "课", "amount": "¥1.00"})
    Delivery.objects.filter(message=message).delete()
    mailoutbox.clear()
    sms_outbox.clear()

    errors = run_together(*[lambda: deliver_message(message.pk) for _ in range(4)])

    assert errors == []
    assert len(sms_outbox) == 1
    assert len(mailoutbox) == 1
    assert Delivery.objects.filter(message=message, status="sent").count() == 2
