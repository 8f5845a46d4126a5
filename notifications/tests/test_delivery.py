"""Email and SMS for inbox messages: by the user's preferences, after the commit, to a
verified address or number only, and once per channel however often the task runs."""

import pytest
from django.db import transaction
from django.utils import translation

from accounts.tests.factories import PhoneUserFactory, UserFactory
from notifications import sms
from notifications.models import Delivery, Message
from notifications.services import deliver_message, notify, set_preferences
from notifications.tasks import DELIVERY_OPTIONS
from notifications.tasks import deliver_message as deliver_message_task

pytestmark = pytest.mark.django_db

PHONE = "+8613900000001"
PAID = {"order_no": "KS20261124123456789012", "title": "Python 入门", "amount": "¥1,299.00"}
ORDER_URL = "/orders/KS20261124123456789012/"


def learner(**kwargs):
    """A learner with a verified email and a verified mobile number."""
    return UserFactory(phone=PHONE, phone_verified=True, **kwargs)


def paid(user, capture):
    with capture(execute=True):
        return notify(user, "order_paid", PAID, url=ORDER_URL)


def test_an_order_update_goes_by_email_and_sms_once_each(
    django_capture_on_commit_callbacks, mailoutbox, sms_outbox
):
    user = learner()

    message = paid(user, django_capture_on_commit_callbacks)

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    assert [m.phone for m in sms_outbox] == [PHONE]
    assert set(message.deliveries.values_list("channel", "status")) == {
        ("email", "sent"),
        ("sms", "sent"),
    }


def test_the_email_is_the_message_in_chinese_with_a_link_to_the_site(
    django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.KSMALL_SITE_URL = "https://ksmall.example.com/"
    user = learner()

    with translation.override("en"):  # whoever triggers it, the learner reads Chinese
        message = paid(user, django_capture_on_commit_callbacks)

    [email] = mailoutbox
    with translation.override("zh-hans"):
        assert email.subject == message.title
        assert message.body in email.body
    assert email.subject == "付款成功"
    assert "¥1,299.00" in email.body
    assert f"https://ksmall.example.com{ORDER_URL}" in email.body
    assert "https://ksmall.example.com/me/messages/settings/" in email.body


def test_without_a_site_url_the_links_are_relative(
    django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.KSMALL_SITE_URL = ""

    paid(learner(), django_capture_on_commit_callbacks)

    assert f"：{ORDER_URL}\n" in mailoutbox[0].body
    assert "http" not in mailoutbox[0].body


def test_the_text_message_is_short_signed_and_in_chinese(
    django_capture_on_commit_callbacks, sms_outbox
):
    paid(learner(), django_capture_on_commit_callbacks)

    [text] = sms_outbox
    assert text.text.startswith("【KS Mall】")
    assert "KS20261124123456789012" in text.text
    assert "¥1,299.00" in text.text
    assert len(text.text) <= 70


def test_running_the_task_again_sends_nothing_twice(
    django_capture_on_commit_callbacks, mailoutbox, sms_outbox
):
    message = paid(learner(), django_capture_on_commit_callbacks)

    assert deliver_message(message.pk) == []
    assert deliver_message_task.apply(args=(message.pk,)).get() == []

    assert len(mailoutbox) == 1
    assert len(sms_outbox) == 1
    assert Delivery.objects.count() == 2


def test_a_duplicated_task_sends_once(mailoutbox, sms_outbox):
    # The broker may hand the same task to two workers (acks_late, a lost worker).
    message = notify(learner(), "order_paid", PAID)  # no commit here: nothing scheduled

    first = deliver_message_task.apply(args=(message.pk,)).get()
    second = deliver_message_task.apply(args=(message.pk,)).get()

    assert sorted(first) == ["email", "sms"]
    assert second == []
    assert (len(mailoutbox), len(sms_outbox)) == (1, 1)


def test_a_rolled_back_transaction_sends_nothing(
    django_capture_on_commit_callbacks, mailoutbox, sms_outbox
):
    user = learner()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(user, "order_paid", PAID)
        raise RuntimeError("the payment failed")

    assert callbacks == []
    assert not Message.objects.exists()
    assert mailoutbox == []
    assert sms_outbox == []


def test_nothing_leaves_before_the_commit(
    django_capture_on_commit_callbacks, mailoutbox, sms_outbox
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(learner(), "order_paid", PAID)
        assert mailoutbox == [] and sms_outbox == []

    assert len(callbacks) == 1
    assert (len(mailoutbox), len(sms_outbox)) == (1, 1)


# --- preferences and what the user can receive ------------------------------------------------


def test_a_channel_switched_off_stays_quiet(
    django_capture_on_commit_callbacks, mailoutbox, sms_outbox
):
    user = learner()
    set_preferences(user, orders_sms=False)

    paid(user, django_capture_on_commit_callbacks)

    assert len(mailoutbox) == 1
    assert sms_outbox == []
    assert not Delivery.objects.filter(channel="sms").exists()


def test_email_switched_off_for_a_category_still_writes_the_inbox(
    django_capture_on_commit_callbacks, mailoutbox, sms_outbox
):
    user = learner()
    set_preferences(user, refunds_email=False, refunds_sms=False)

    with django_capture_on_commit_callbacks(execute=True):
        notify(user, "refund_approved", PAID)

    assert Message.objects.filter(user=user, event="refund_approved").exists()
    assert mailoutbox == []
    assert sms_outbox == []


def test_account_messages_go_by_email_but_not_by_sms_by_default(
    django_capture_on_commit_callbacks, mailoutbox, sms_outbox
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(learner(), "provider_approved", {"name": "王老师"})

    assert len(mailoutbox) == 1
    assert sms_outbox == []


def test_account_messages_go_by_sms_once_switched_on(
    django_capture_on_commit_callbacks, sms_outbox
):
    user = learner()
    set_preferences(user, account_sms=True)

    with django_capture_on_commit_callbacks(execute=True):
        notify(user, "provider_approved", {"name": "王老师"})

    assert len(sms_outbox) == 1


def test_an_event_without_a_text_message_never_goes_by_sms(
    django_capture_on_commit_callbacks, mailoutbox, sms_outbox
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(learner(), "order_started", {"order_no": "KS1", "title": "Python 入门"})

    assert len(mailoutbox) == 1
    assert sms_outbox == []


def test_a_learner_without_email_gets_only_the_sms(
    django_capture_on_commit_callbacks, mailoutbox, sms_outbox
):
    user = PhoneUserFactory()

    paid(user, django_capture_on_commit_callbacks)

    assert mailoutbox == []
    assert [m.phone for m in sms_outbox] == [user.phone]


def test_an_unconfirmed_email_gets_nothing(
    django_capture_on_commit_callbacks, mailoutbox, sms_outbox
):
    # Anyone can type a stranger's address; it is written to only once its owner confirmed it.
    user = UserFactory(verified_email=False, phone=PHONE, phone_verified=True)

    paid(user, django_capture_on_commit_callbacks)

    assert mailoutbox == []
    assert len(sms_outbox) == 1


def test_an_unverified_phone_gets_no_sms(
    django_capture_on_commit_callbacks, mailoutbox, sms_outbox
):
    user = UserFactory(phone=PHONE, phone_verified=False)

    paid(user, django_capture_on_commit_callbacks)

    assert len(mailoutbox) == 1
    assert sms_outbox == []


def test_a_deactivated_account_gets_only_the_inbox(
    django_capture_on_commit_callbacks, mailoutbox, sms_outbox
):
    user = learner(is_active=False)

    paid(user, django_capture_on_commit_callbacks)

    assert Message.objects.filter(user=user).exists()
    assert mailoutbox == []
    assert sms_outbox == []


def test_a_message_deleted_before_the_task_ran_sends_nothing(mailoutbox, sms_outbox):
    message = notify(learner(), "order_paid", PAID)
    message_id = message.pk
    message.delete()

    assert deliver_message(message_id) == []
    assert (mailoutbox, sms_outbox) == ([], [])


# --- failures and retries ---------------------------------------------------------------------


class FlakySMSBackend:
    """Fails the first ``failures`` sends with a network error, then delivers to the outbox."""

    failures = 0
    attempts = 0

    def send(self, phone: str, text: str) -> None:
        FlakySMSBackend.attempts += 1
        if FlakySMSBackend.attempts <= FlakySMSBackend.failures:
            raise ConnectionError("SMS gateway unreachable")
        sms.outbox.append(sms.TextMessage(phone=phone, text=text))


class DownEmailBackend:
    """An SMTP server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


@pytest.fixture
def worker_like():
    """Eager tasks that keep their failures in the result, as a worker does, instead of
    raising them into the test (a retry is then run at once, in the same process)."""
    from ksmall.celery import app

    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = saved


@pytest.fixture
def flaky_sms(settings):
    settings.SMS_BACKEND = f"{__name__}.FlakySMSBackend"
    FlakySMSBackend.attempts = 0
    FlakySMSBackend.failures = 1
    return FlakySMSBackend


def test_the_delivery_tasks_share_their_retry_options():
    from notifications.tasks import deliver_email, deliver_sms

    for task in (deliver_message_task, deliver_email, deliver_sms):
        assert ConnectionError in task.autoretry_for
        assert TimeoutError in task.autoretry_for
        assert task.max_retries == DELIVERY_OPTIONS["max_retries"] == 5
        assert task.retry_backoff and task.retry_jitter
        assert task.acks_late


def test_a_failed_sms_is_retried_and_then_sent_once(flaky_sms, worker_like, mailoutbox, sms_outbox):
    message = notify(learner(), "order_paid", PAID)

    result = deliver_message_task.apply(args=(message.pk,))

    assert result.successful()
    assert flaky_sms.attempts == 2
    assert len(sms_outbox) == 1
    assert len(mailoutbox) == 1  # sent on the first try, not again on the retry
    assert Delivery.objects.filter(status="sent").count() == 2


def test_a_failed_send_leaves_the_channel_pending_and_raises_for_celery(
    flaky_sms, mailoutbox, sms_outbox
):
    message = notify(learner(), "order_paid", PAID)

    with pytest.raises(ConnectionError):
        deliver_message(message.pk)

    assert len(mailoutbox) == 1  # the other channel had its turn
    assert message.deliveries.get(channel="sms").status == "pending"
    assert message.deliveries.get(channel="email").status == "sent"

    assert deliver_message(message.pk) == ["sms"]
    assert deliver_message(message.pk) == []
    assert (len(mailoutbox), len(sms_outbox)) == (1, 1)


def test_a_gateway_down_for_good_gives_up_after_five_retries(flaky_sms, worker_like, sms_outbox):
    flaky_sms.failures = 100
    message = notify(learner(), "order_paid", PAID)

    result = deliver_message_task.apply(args=(message.pk,))

    assert result.failed()
    assert isinstance(result.result, ConnectionError)
    assert flaky_sms.attempts == 1 + 5
    assert sms_outbox == []
    assert message.deliveries.get(channel="sms").status == "pending"


def test_a_mail_server_down_does_not_hold_back_the_sms(settings, mailoutbox, sms_outbox):
    settings.EMAIL_BACKEND = f"{__name__}.DownEmailBackend"
    message = notify(learner(), "order_paid", PAID)

    with pytest.raises(ConnectionError):
        deliver_message(message.pk)

    assert len(sms_outbox) == 1
    assert message.deliveries.get(channel="email").status == "pending"
