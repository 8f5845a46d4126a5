"""Two workers running the same delivery at once still send each channel once (PostgreSQL's
row lock on the Delivery row; SQLite has none)."""

import time

import pytest

from accounts.tests.factories import UserFactory
from notifications import sms
from notifications.models import Delivery
from notifications.services import deliver_message, notify
from tests.helpers import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class SlowSMSBackend:
    """Takes a moment to send, so that a second worker arrives while the first one sends."""

    def send(self, phone: str, text: str) -> None:
        time.sleep(0.3)
        sms.outbox.append(sms.TextMessage(phone=phone, text=text))


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
