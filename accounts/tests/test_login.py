"""Signing in: password by email or mobile number, SMS code, rate limits, sessions, logout."""

from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import PASSWORD, PhoneUserFactory, UserFactory
from tests.helpers import code_in, csrf_token_from, post_form

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
LOGIN_CODE = "/accounts/login/code/"
CONFIRM_LOGIN_CODE = "/accounts/login/code/confirm/"
ME = "/me/"


def log_in(client, login, password=PASSWORD, **extra):
    return post_form(client, LOGIN, {"login": login, "password": password, **extra})


def logged_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def error_codes(response, field="__all__") -> list[str]:
    return [e.code for e in response.context["form"].errors.as_data().get(field, [])]


# --- password ---------------------------------------------------------------------------------


def test_email_and_password_log_in_and_land_on_the_user_centre(csrf_client):
    user = UserFactory(email="lin@example.com")

    response = log_in(csrf_client, "Lin@Example.com")

    assert response.status_code == 302
    assert response["Location"] == ME
    assert logged_in_user_id(csrf_client) == str(user.pk)


def test_phone_in_e164_and_password_log_in(csrf_client):
    user = PhoneUserFactory(phone="+8613800000001")

    response = log_in(csrf_client, "+8613800000001")

    assert response.status_code == 302
    assert logged_in_user_id(csrf_client) == str(user.pk)


@pytest.mark.parametrize("typed", ["13800000001", "138 0000 0001", "+86 138-0000-0001"])
def test_phone_typed_the_usual_way_and_password_log_in(csrf_client, typed):
    user = PhoneUserFactory(phone="+8613800000001")

    response = log_in(csrf_client, typed)

    assert response.status_code == 302, response.context["form"].errors
    assert logged_in_user_id(csrf_client) == str(user.pk)


@pytest.mark.parametrize("login", ["lin@example.com", "+8613800000001"])
def test_a_wrong_password_shows_an_error_and_logs_nobody_in(csrf_client, login):
    UserFactory(email="lin@example.com", phone="+8613800000001", phone_verified=True)

    response = log_in(csrf_client, login, password="not-the-password")

    assert response.status_code == 200
    assert response.context["form"].errors["__all__"]
    assert logged_in_user_id(csrf_client) is None


def test_an_unknown_account_gets_the_same_error_as_a_wrong_password(csrf_client):
    response = log_in(csrf_client, "nobody@example.com", password="whatever-it-is")

    assert response.status_code == 200
    assert error_codes(response)
    assert logged_in_user_id(csrf_client) is None


def test_an_inactive_user_cannot_log_in(csrf_client):
    UserFactory(email="lin@example.com", is_active=False)

    log_in(csrf_client, "lin@example.com")

    assert logged_in_user_id(csrf_client) is None


def test_the_session_key_changes_at_login(csrf_client):
    user = UserFactory(email="lin@example.com")
    before = SessionStore()
    before["cart"] = "anonymous visit"
    before.save()
    csrf_client.cookies["sessionid"] = before.session_key

    log_in(csrf_client, "lin@example.com")

    after = csrf_client.cookies["sessionid"].value
    assert after != before.session_key
    assert not SessionStore().exists(before.session_key)
    assert SessionStore(session_key=after)["_auth_user_id"] == str(user.pk)


def test_logout_by_get_does_not_log_out(csrf_client):
    UserFactory(email="lin@example.com")
    log_in(csrf_client, "lin@example.com")

    response = csrf_client.get(LOGOUT)

    assert response.status_code == 200  # a page asking to confirm with a POST
    assert logged_in_user_id(csrf_client) is not None


def test_logout_by_post_ends_the_session_for_good(csrf_client):
    UserFactory(email="lin@example.com")
    log_in(csrf_client, "lin@example.com")
    old_session = csrf_client.cookies["sessionid"].value

    response = post_form(csrf_client, LOGOUT, {})

    assert response.status_code == 302
    assert logged_in_user_id(csrf_client) is None
    replay = Client()
    replay.cookies["sessionid"] = old_session
    assert replay.get(ME).status_code == 302


def test_logout_without_a_csrf_token_is_forbidden(csrf_client):
    UserFactory(email="lin@example.com")
    log_in(csrf_client, "lin@example.com")

    response = csrf_client.post(LOGOUT)

    assert response.status_code == 403
    assert logged_in_user_id(csrf_client) is not None


def test_a_tokenless_login_post_is_forbidden():
    UserFactory(email="lin@example.com")
    client = Client(enforce_csrf_checks=True)

    response = client.post(LOGIN, {"login": "lin@example.com", "password": PASSWORD})

    assert response.status_code == 403
    assert logged_in_user_id(client) is None


# --- rate limits ------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["lin@example.com", "+8613800000001"])
def test_the_sixth_wrong_password_within_five_minutes_is_rate_limited(csrf_client, login):
    UserFactory(email="lin@example.com", phone="+8613800000001", phone_verified=True)
    for _attempt in range(5):
        response = log_in(csrf_client, login, password="not-the-password")
        assert error_codes(response) != ["too_many_login_attempts"]

    response = log_in(csrf_client, login, password="not-the-password")

    assert response.status_code == 200
    assert error_codes(response) == ["too_many_login_attempts"]
    # Even the right password waits until the window has passed.
    response = log_in(csrf_client, login)
    assert logged_in_user_id(csrf_client) is None


def test_the_login_lock_lifts_after_five_minutes(csrf_client, time_machine):
    from django.utils import timezone

    time_machine.move_to(timezone.now(), tick=False)
    user = UserFactory(email="lin@example.com")
    for _attempt in range(6):
        log_in(csrf_client, "lin@example.com", password="not-the-password")

    time_machine.shift(301)
    log_in(csrf_client, "lin@example.com")

    assert logged_in_user_id(csrf_client) == str(user.pk)


def test_wrong_passwords_for_one_email_do_not_lock_out_another_account(csrf_client):
    UserFactory(email="victim@example.com")
    other = UserFactory(email="other@example.com")
    for _attempt in range(5):
        log_in(csrf_client, "victim@example.com", password="not-the-password")

    log_in(csrf_client, "other@example.com")

    assert logged_in_user_id(csrf_client) == str(other.pk)


def test_wrong_passwords_for_one_phone_do_not_lock_out_another_phone(csrf_client):
    """The failed-login bucket is per account: an attacker guessing one number must not
    lock every phone user out of password login."""
    PhoneUserFactory(phone="+8613800000001")
    other = PhoneUserFactory(phone="+8613800000002")
    for _attempt in range(5):
        log_in(csrf_client, "+8613800000001", password="not-the-password")

    response = log_in(csrf_client, "+8613800000002")

    assert response.status_code == 302, response.context["form"].errors
    assert logged_in_user_id(csrf_client) == str(other.pk)


def test_spelling_the_number_differently_does_not_escape_the_lock(csrf_client):
    """The bucket is the number, not the string typed: five spellings are five tries."""
    PhoneUserFactory(phone="+8613800000001")
    spellings = [
        "13800000001",
        "+8613800000001",
        "138 0000 0001",
        "008613800000001",
        "8613800000001",
    ]
    for typed in spellings:
        log_in(csrf_client, typed, password="not-the-password")

    response = log_in(csrf_client, "138-0000-0001", password="not-the-password")

    assert error_codes(response) == ["too_many_login_attempts"]


# --- open redirects ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "http://testserver@evil.example/",
        "\\\\evil.example",
    ],
)
def test_login_never_redirects_off_site(csrf_client, next_url):
    UserFactory(email="lin@example.com")

    response = post_form(
        csrf_client,
        LOGIN,
        {"login": "lin@example.com", "password": PASSWORD, "next": next_url},
        form_url=f"{LOGIN}?{urlencode({'next': next_url})}",
    )

    assert response.status_code == 302
    location = response["Location"]
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert location == ME


def test_login_follows_a_local_next(csrf_client):
    UserFactory(email="lin@example.com")

    response = post_form(
        csrf_client,
        LOGIN,
        {"login": "lin@example.com", "password": PASSWORD, "next": "/me/profile/"},
        form_url=f"{LOGIN}?next=/me/profile/",
    )

    assert response["Location"] == "/me/profile/"


# --- by SMS code ------------------------------------------------------------------------------


def request_code(client, capture, phone):
    with capture(execute=True):
        return post_form(client, LOGIN_CODE, {"phone": phone})


def test_a_code_texted_to_a_known_phone_logs_in(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox
):
    user = PhoneUserFactory(phone="+8613800000001")

    response = request_code(csrf_client, django_capture_on_commit_callbacks, "13800000001")

    assert response.status_code == 302
    assert response["Location"] == CONFIRM_LOGIN_CODE
    assert [m.phone for m in sms_outbox] == ["+8613800000001"]
    code = code_in(sms_outbox[0].text)
    response = post_form(csrf_client, CONFIRM_LOGIN_CODE, {"code": code})
    assert response.status_code == 302
    assert logged_in_user_id(csrf_client) == str(user.pk)


def test_a_wrong_login_code_does_not_log_in(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox
):
    PhoneUserFactory(phone="+8613800000001")
    request_code(csrf_client, django_capture_on_commit_callbacks, "13800000001")
    right = code_in(sms_outbox[0].text)

    response = post_form(
        csrf_client, CONFIRM_LOGIN_CODE, {"code": "000000" if right != "000000" else "111111"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert logged_in_user_id(csrf_client) is None


def test_a_login_code_dies_after_three_wrong_tries(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox
):
    PhoneUserFactory(phone="+8613800000001")
    request_code(csrf_client, django_capture_on_commit_callbacks, "13800000001")
    right = code_in(sms_outbox[0].text)
    wrong = "000000" if right != "000000" else "111111"
    page = csrf_client.get(CONFIRM_LOGIN_CODE)
    token = csrf_token_from(page)
    for _attempt in range(3):
        csrf_client.post(CONFIRM_LOGIN_CODE, {"code": wrong, "csrfmiddlewaretoken": token})

    csrf_client.post(CONFIRM_LOGIN_CODE, {"code": right, "csrfmiddlewaretoken": token})

    assert logged_in_user_id(csrf_client) is None


def test_an_expired_login_code_is_refused(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox, time_machine
):
    from datetime import timedelta

    from django.utils import timezone

    time_machine.move_to(timezone.now(), tick=False)
    PhoneUserFactory(phone="+8613800000001")
    request_code(csrf_client, django_capture_on_commit_callbacks, "13800000001")
    code = code_in(sms_outbox[0].text)
    token = csrf_token_from(csrf_client.get(CONFIRM_LOGIN_CODE))

    time_machine.shift(timedelta(minutes=11))
    csrf_client.post(CONFIRM_LOGIN_CODE, {"code": code, "csrfmiddlewaretoken": token})

    assert logged_in_user_id(csrf_client) is None


def test_a_fourth_code_request_within_a_minute_sends_no_fourth_sms(
    django_capture_on_commit_callbacks, sms_outbox
):
    PhoneUserFactory(phone="+8613800000001")
    responses = []
    for _attempt in range(4):
        # A fresh browser each time, as a script hammering the endpoint would be.
        client = Client(enforce_csrf_checks=True)
        responses.append(request_code(client, django_capture_on_commit_callbacks, "13800000001"))

    assert len(sms_outbox) == 3
    assert responses[3].status_code == 200
    assert error_codes(responses[3], "phone") == ["too_many_login_attempts"]


def test_a_code_request_for_an_unknown_phone_looks_the_same_and_texts_nothing(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox
):
    response = request_code(csrf_client, django_capture_on_commit_callbacks, "13800000009")

    assert response.status_code == 302
    assert response["Location"] == CONFIRM_LOGIN_CODE
    assert sms_outbox == []


def test_a_malformed_phone_for_a_code_gets_a_form_error(csrf_client, sms_outbox):
    response = post_form(csrf_client, LOGIN_CODE, {"phone": "12345"})

    assert response.status_code == 200
    assert error_codes(response, "phone") == ["invalid_phone"]
    assert sms_outbox == []


def test_the_login_page_links_to_code_login():
    page = Client().get(LOGIN)
    assert reverse("account_request_login_code") in page.content.decode()
