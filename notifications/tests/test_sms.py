"""Text messages: a backend chosen by settings, sent by a Celery task after the commit."""

import pytest
from django.db import transaction

from notifications import sms
from notifications.tasks import deliver_sms

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_queued_message_leaves_only_after_the_commit(sms_outbox):
    with transaction.atomic():
        sms.queue_sms("+8613800000001", "你好")
        assert sms_outbox == []

    assert sms_outbox == [sms.TextMessage(phone="+8613800000001", text="你好")]


def test_a_rolled_back_transaction_sends_nothing(sms_outbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        sms.queue_sms("+8613800000001", "never sent")
        raise RuntimeError("the order failed")

    assert sms_outbox == []


def test_the_backend_comes_from_settings(settings, capsys, sms_outbox):
    settings.SMS_BACKEND = "notifications.sms.ConsoleBackend"

    sms.send_sms("+8613800000001", "验证码 123456")

    assert "[SMS to +8613800000001] 验证码 123456" in capsys.readouterr().out
    assert sms_outbox == []


def test_the_delivery_task_retries_on_network_errors():
    assert ConnectionError in deliver_sms.autoretry_for
    assert TimeoutError in deliver_sms.autoretry_for
    assert deliver_sms.max_retries and deliver_sms.max_retries <= 10


def test_a_backend_that_cannot_be_imported_fails_the_system_check(settings):
    from notifications.checks import sms_backend_importable

    settings.SMS_BACKEND = "accounts.sms.ConsoleBackend"  # where the backends lived before
    [error] = sms_backend_importable(None)
    assert error.id == "notifications.E001"

    settings.SMS_BACKEND = "notifications.sms.ConsoleBackend"
    assert sms_backend_importable(None) == []
