"""Account changes that need a fresh sign-in, enumeration, and secrets kept out of the logs."""

import logging
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import PASSWORD, PhoneUserFactory, UserFactory
from tests.helpers import code_in, post_form

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
CHANGE_PHONE = "/accounts/phone/change/"
EMAIL = "/accounts/email/"
RESET = "/accounts/password/reset/"
REAUTHENTICATE = "/accounts/reauthenticate/"


def log_in(client, login, password=PASSWORD):
    response = post_form(client, LOGIN, {"login": login, "password": password})
    assert response.status_code == 302, response.context["form"].errors
    return response


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


def change_phone(client, phone):
    """Ask for a new number; confirm the password first if the site asks for it."""
    response = post_form(client, CHANGE_PHONE, {"phone": phone})
    if response.status_code == 302 and response["Location"].startswith(REAUTHENTICATE):
        # allauth replays the suspended POST once the password is confirmed.
        response = post_form(client, response["Location"], {"password": PASSWORD})
    return response


def test_a_learner_changes_the_phone_with_a_code_sent_to_the_new_number(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox
):
    user = PhoneUserFactory(phone="+8613800000001", email="lin@example.com")
    log_in(csrf_client, "lin@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = change_phone(csrf_client, "13900000000")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/phone/verify/"
    [sent] = sms_outbox
    assert sent.phone == "+8613900000000"
    user.refresh_from_db()
    assert user.phone == "+8613800000001", "the old number stays until the new one is verified"

    post_form(
        csrf_client, "/accounts/phone/verify/", {"code": code_in(sent.text), "action": "verify"}
    )

    user.refresh_from_db()
    assert (user.phone, user.phone_verified) == ("+8613900000000", True)


def test_a_stale_session_must_sign_in_again_to_change_the_phone(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox, frozen
):
    user = PhoneUserFactory(phone="+8613800000001", email="lin@example.com")
    log_in(csrf_client, "lin@example.com")
    frozen.shift(timedelta(minutes=6))

    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(csrf_client, CHANGE_PHONE, {"phone": "13900000000"})

    assert response.status_code == 302
    assert response["Location"].startswith(REAUTHENTICATE)
    assert sms_outbox == []
    user.refresh_from_db()
    assert user.phone == "+8613800000001"


def test_a_stale_session_must_sign_in_again_to_add_an_email(
    csrf_client, django_capture_on_commit_callbacks, mailoutbox, frozen
):
    user = UserFactory(email="lin@example.com")
    log_in(csrf_client, "lin@example.com")
    frozen.shift(timedelta(minutes=6))

    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(
            csrf_client, EMAIL, {"email": "attacker@example.com", "action_add": ""}
        )

    assert response.status_code == 302
    assert response["Location"].startswith(REAUTHENTICATE)
    assert not EmailAddress.objects.filter(user=user, email="attacker@example.com").exists()
    assert mailoutbox == []


def test_a_phone_already_in_use_cannot_be_taken_over(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox
):
    owner = PhoneUserFactory(phone="+8613900000000")
    user = UserFactory(email="lin@example.com")
    log_in(csrf_client, "lin@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        post_form(csrf_client, CHANGE_PHONE, {"phone": "13900000000"})
    for message in sms_outbox:
        post_form(
            csrf_client,
            "/accounts/phone/verify/",
            {"code": code_in(message.text), "action": "verify"},
        )

    user.refresh_from_db()
    assert user.phone != "+8613900000000"
    assert User.objects.get(phone="+8613900000000") == owner


def test_password_reset_looks_the_same_for_known_and_unknown_emails(csrf_client, mailoutbox):
    UserFactory(email="known@example.com")

    known = post_form(csrf_client, RESET, {"email": "known@example.com"})
    unknown = post_form(csrf_client, RESET, {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_passwords_and_codes_never_reach_the_logs(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox, caplog
):
    caplog.set_level(logging.INFO)
    PhoneUserFactory(phone="+8613800000001")
    post_form(csrf_client, LOGIN, {"login": "+8613800000001", "password": "Wrong-Secret-991"})
    with django_capture_on_commit_callbacks(execute=True):
        post_form(csrf_client, "/accounts/login/code/", {"phone": "13800000001"})
    code = code_in(sms_outbox[0].text)
    post_form(csrf_client, "/accounts/login/code/confirm/", {"code": code})

    assert "_auth_user_id" in csrf_client.session
    assert "login failed" in caplog.text and "login ok" in caplog.text
    assert "Wrong-Secret-991" not in caplog.text
    assert code not in caplog.text
    assert csrf_client.cookies["sessionid"].value not in caplog.text
