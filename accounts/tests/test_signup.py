"""Signing up by email (link to confirm) and by mobile number (6-digit SMS code)."""

import re
from contextlib import nullcontext
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from accounts.adapter import AccountAdapter
from accounts.models import User
from accounts.tests.factories import PASSWORD, PhoneUserFactory, UserFactory
from tests.helpers import code_in, csrf_token_from, post_form

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Tr0ub4dor&3x-ks"
SIGNUP = "/accounts/signup/"
LOGIN = "/accounts/login/"
VERIFY_PHONE = "/accounts/phone/verify/"


def sign_up(client, capture=None, **data):
    """Submit the sign-up form; ``capture`` (django_capture_on_commit_callbacks) runs the
    on-commit callbacks that queue the SMS or email."""
    with capture(execute=True) if capture else nullcontext():
        return post_form(
            client,
            SIGNUP,
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, **data},
            form_url=f"{SIGNUP}?method={data.get('method', 'phone')}",
        )


def log_in(client, login, password=NEW_PASSWORD):
    return post_form(client, LOGIN, {"login": login, "password": password})


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- by email ---------------------------------------------------------------------------------


def test_email_signup_creates_an_unverified_address_and_mails_a_link(
    csrf_client, django_capture_on_commit_callbacks, mailoutbox
):
    response = sign_up(
        csrf_client, django_capture_on_commit_callbacks, method="email", email="Lin@Example.com"
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get()
    assert user.email.lower() == "lin@example.com"
    assert user.phone is None
    address = EmailAddress.objects.get(user=user)
    assert not address.verified
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    assert "/accounts/confirm-email/" in mailoutbox[0].body
    assert not is_logged_in(csrf_client)


def test_password_login_waits_for_the_email_to_be_confirmed(
    csrf_client, client, django_capture_on_commit_callbacks, mailoutbox
):
    sign_up(
        csrf_client, django_capture_on_commit_callbacks, method="email", email="lin@example.com"
    )

    response = log_in(client, "lin@example.com")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not is_logged_in(client)


def test_following_the_emailed_link_verifies_the_address_then_password_login_works(
    csrf_client, django_capture_on_commit_callbacks, mailoutbox
):
    sign_up(
        csrf_client, django_capture_on_commit_callbacks, method="email", email="lin@example.com"
    )
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mailoutbox[0].body)
    assert link, mailoutbox[0].body

    browser = type(csrf_client)(enforce_csrf_checks=True)
    confirmed = post_form(browser, link.group(1), {})

    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(email="lin@example.com").verified
    response = log_in(browser, "lin@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:me")
    assert is_logged_in(browser)


def test_email_signup_ignores_a_phone_number_posted_alongside(
    csrf_client, django_capture_on_commit_callbacks, mailoutbox, sms_outbox
):
    sign_up(
        csrf_client,
        django_capture_on_commit_callbacks,
        method="email",
        email="lin@example.com",
        phone="13800138123",
    )

    user = User.objects.get()
    assert user.phone is None
    assert sms_outbox == []


# --- by phone ---------------------------------------------------------------------------------


def test_phone_signup_stores_e164_unverified_and_texts_a_six_digit_code(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox, mailoutbox
):
    response = sign_up(
        csrf_client, django_capture_on_commit_callbacks, method="phone", phone="13800138123"
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_verify_phone")
    user = User.objects.get()
    assert user.phone == "+8613800138123"
    assert not user.phone_verified
    assert user.email == ""
    assert len(sms_outbox) == 1
    assert sms_outbox[0].phone == "+8613800138123"
    assert re.search(r"(?<!\d)\d{6}(?!\d)", sms_outbox[0].text)
    assert mailoutbox == []
    assert not is_logged_in(csrf_client)
    assert csrf_client.get(response["Location"]).status_code == 200


def test_the_right_sms_code_verifies_the_phone_and_logs_in(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox
):
    sign_up(csrf_client, django_capture_on_commit_callbacks, method="phone", phone="13800138123")
    code = code_in(sms_outbox[0].text)

    response = post_form(csrf_client, VERIFY_PHONE, {"code": code, "action": "verify"})

    assert response.status_code == 302
    user = User.objects.get()
    assert user.phone_verified
    assert csrf_client.session["_auth_user_id"] == str(user.pk)


def test_wrong_sms_code_is_refused_and_changes_nothing(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox
):
    sign_up(csrf_client, django_capture_on_commit_callbacks, method="phone", phone="13800138123")
    right = code_in(sms_outbox[0].text)
    wrong = "000000" if right != "000000" else "111111"

    response = post_form(csrf_client, VERIFY_PHONE, {"code": wrong, "action": "verify"})

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not User.objects.get().phone_verified
    assert not is_logged_in(csrf_client)


def test_three_wrong_codes_kill_the_code_even_for_the_right_one(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox
):
    sign_up(csrf_client, django_capture_on_commit_callbacks, method="phone", phone="13800138123")
    right = code_in(sms_outbox[0].text)
    wrong = "000000" if right != "000000" else "111111"
    for _attempt in range(3):
        post_form(csrf_client, VERIFY_PHONE, {"code": wrong, "action": "verify"})

    response = csrf_client.post(
        VERIFY_PHONE,
        {
            "code": right,
            "action": "verify",
            "csrfmiddlewaretoken": csrf_client.cookies["csrftoken"].value,
        },
    )

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not User.objects.get().phone_verified
    assert not is_logged_in(csrf_client)


def test_an_expired_sms_code_is_refused(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    sign_up(csrf_client, django_capture_on_commit_callbacks, method="phone", phone="13800138123")
    code = code_in(sms_outbox[0].text)
    page = csrf_client.get(VERIFY_PHONE)

    time_machine.shift(timedelta(minutes=11))
    response = csrf_client.post(
        VERIFY_PHONE,
        {"code": code, "action": "verify", "csrfmiddlewaretoken": csrf_token_from(page)},
    )

    assert response.status_code in (200, 302)
    assert not User.objects.get().phone_verified
    assert not is_logged_in(csrf_client)


def test_a_code_used_once_cannot_log_in_a_second_browser(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox
):
    sign_up(csrf_client, django_capture_on_commit_callbacks, method="phone", phone="13800138123")
    code = code_in(sms_outbox[0].text)
    post_form(csrf_client, VERIFY_PHONE, {"code": code, "action": "verify"})

    other = type(csrf_client)(enforce_csrf_checks=True)
    response = other.get(VERIFY_PHONE)

    assert response.status_code == 302
    assert not is_logged_in(other)


def test_a_phone_learner_logs_in_by_password_after_verifying(
    csrf_client, client, django_capture_on_commit_callbacks, sms_outbox
):
    sign_up(csrf_client, django_capture_on_commit_callbacks, method="phone", phone="13800138123")
    post_form(csrf_client, VERIFY_PHONE, {"code": code_in(sms_outbox[0].text), "action": "verify"})

    response = log_in(client, "13800138123")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:me")
    assert is_logged_in(client)


# --- bad input --------------------------------------------------------------------------------


def test_a_malformed_phone_gets_the_chinese_message_and_no_user(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox
):
    response = sign_up(
        csrf_client, django_capture_on_commit_callbacks, method="phone", phone="12345"
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert [e.code for e in form.errors.as_data()["phone"]] == ["invalid_phone"]
    message = form.errors["phone"][0]
    assert re.search("[\u4e00-\u9fff]", message), f"not in Chinese: {message!r}"
    assert escape(message) in response.content.decode()
    assert User.objects.count() == 0
    assert sms_outbox == []


@pytest.mark.parametrize("password", ["password123", "Xk7#mQ2!p", "1234567890123"])
def test_weak_passwords_get_a_form_error_and_no_user(
    csrf_client, django_capture_on_commit_callbacks, password, mailoutbox
):
    response = post_form(
        csrf_client,
        SIGNUP,
        {
            "method": "email",
            "email": "lin@example.com",
            "password1": password,
            "password2": password,
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert User.objects.count() == 0
    assert mailoutbox == []


def test_mismatched_passwords_get_a_form_error(csrf_client):
    response = post_form(
        csrf_client,
        SIGNUP,
        {
            "method": "phone",
            "phone": "13800138123",
            "password1": NEW_PASSWORD,
            "password2": "x" + NEW_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert User.objects.count() == 0


def test_phone_signup_without_a_phone_is_refused(csrf_client):
    response = sign_up(csrf_client, method="phone", phone="")

    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    assert User.objects.count() == 0


def test_email_signup_without_an_email_is_refused(csrf_client):
    response = sign_up(csrf_client, method="email", email="")

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert User.objects.count() == 0


def test_a_duplicate_email_creates_no_second_account(
    csrf_client, django_capture_on_commit_callbacks, mailoutbox
):
    UserFactory(email="lin@example.com")

    response = sign_up(
        csrf_client, django_capture_on_commit_callbacks, method="email", email="LIN@example.com"
    )

    # Enumeration prevention: the page looks like any sign-up; the owner gets an email.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.count() == 1
    assert [m.to for m in mailoutbox] == [["lin@example.com"]]


def test_a_duplicate_phone_creates_no_second_account_and_tells_the_owner(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox
):
    PhoneUserFactory(phone="+8613800138123")

    response = sign_up(
        csrf_client, django_capture_on_commit_callbacks, method="phone", phone="138-0013-8123"
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_verify_phone")
    assert User.objects.count() == 1
    [sent] = sms_outbox
    assert sent.phone == "+8613800138123"
    assert not re.search(r"(?<!\d)\d{6}(?!\d)", sent.text), "no code for a stranger to use"
    sms_outbox.clear()
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        AccountAdapter().send_account_already_exists_sms("+8613800138123")
    assert sent.text == sms_outbox[0].text  # the "this number already has an account" notice


def test_signup_without_a_csrf_token_is_forbidden(csrf_client):
    response = csrf_client.post(
        SIGNUP,
        {
            "method": "phone",
            "phone": "13800138123",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 403
    assert User.objects.count() == 0


def test_a_factory_learner_can_sign_in(csrf_client):
    # Guards the factory every other test builds on.
    UserFactory(email="known@example.com")
    response = log_in(csrf_client, "known@example.com", PASSWORD)
    assert is_logged_in(csrf_client), response
