"""Email leaves through a Celery task after the commit, never inside the request's transaction."""

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db import transaction

from notifications.services import queue_email

pytestmark = pytest.mark.django_db


def _message() -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        "主题", "正文", "KS Mall <noreply@ksmall.local>", ["a@example.com"]
    )
    message.attach_alternative("<p>正文</p>", "text/html")
    return message


def test_a_queued_email_is_sent_after_the_commit_with_its_html(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queue_email(_message())
        assert mailoutbox == []
    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    sent = mailoutbox[0]
    assert (sent.subject, sent.body, sent.to) == ("主题", "正文", ["a@example.com"])
    assert sent.alternatives[0][0] == "<p>正文</p>"


def test_a_rolled_back_action_sends_no_email(django_capture_on_commit_callbacks, mailoutbox):
    class Abort(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Abort),
        transaction.atomic(),
    ):
        queue_email(_message())
        raise Abort
    assert mailoutbox == []


def test_allauth_mail_names_the_site_not_the_host(
    csrf_client, django_capture_on_commit_callbacks, mailoutbox
):
    from tests.helpers import post_form

    with django_capture_on_commit_callbacks(execute=True):
        post_form(
            csrf_client,
            "/accounts/signup/",
            {
                "method": "email",
                "email": "new@example.com",
                "password1": "Zhishi-2026-abc",
                "password2": "Zhishi-2026-abc",
            },
        )
    assert len(mailoutbox) == 1
    assert "KS Mall" in mailoutbox[0].body
    assert mailoutbox[0].subject.startswith("[KS Mall] ")
