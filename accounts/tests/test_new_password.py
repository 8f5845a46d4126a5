"""Forgot the password, signed up by phone: sign in with an SMS code, then set a new
password without the old one, for ten minutes."""

import pytest
from django.test import Client

from accounts.tests.factories import PASSWORD, PhoneUserFactory, UserFactory
from tests.helpers import code_in, post_form

pytestmark = pytest.mark.django_db

NEW = "/me/password/new/"
NEW_PASSWORD = "Brand-New-2026-pw"


def sign_in_by_code(client, capture, sms_outbox, phone="13800000066"):
    with capture(execute=True):
        post_form(client, "/accounts/login/code/", {"phone": phone})
    post_form(client, "/accounts/login/code/confirm/", {"code": code_in(sms_outbox[-1].text)})
    assert "_auth_user_id" in client.session


def password_works(phone: str, password: str) -> bool:
    client = Client(enforce_csrf_checks=True)
    post_form(client, "/accounts/login/", {"login": phone, "password": password})
    return "_auth_user_id" in client.session


def test_after_a_code_sign_in_a_new_password_needs_no_old_one(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox
):
    PhoneUserFactory(phone="+8613800000066")
    sign_in_by_code(csrf_client, django_capture_on_commit_callbacks, sms_outbox)

    assert "设置新密码" in csrf_client.get("/me/").content.decode()
    response = post_form(
        csrf_client, NEW, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert "_auth_user_id" in csrf_client.session  # still signed in
    assert password_works("13800000066", NEW_PASSWORD)
    assert not password_works("13800000066", PASSWORD)
    # Used once: the page now asks for the old password again.
    assert csrf_client.get(NEW)["Location"] == "/accounts/password/change/"


def test_a_password_sign_in_does_not_open_the_page(csrf_client):
    user = UserFactory()
    csrf_client.force_login(user)

    response = csrf_client.get(NEW)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/"


def test_the_window_closes_after_ten_minutes(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox, time_machine
):
    time_machine.move_to("2026-11-23 10:00:00+08:00", tick=False)
    PhoneUserFactory(phone="+8613800000066")
    sign_in_by_code(csrf_client, django_capture_on_commit_callbacks, sms_outbox)

    time_machine.shift(11 * 60)

    assert csrf_client.get(NEW).status_code == 302


def test_a_weak_new_password_is_refused_and_nothing_changes(
    csrf_client, django_capture_on_commit_callbacks, sms_outbox
):
    PhoneUserFactory(phone="+8613800000066")
    sign_in_by_code(csrf_client, django_capture_on_commit_callbacks, sms_outbox)

    response = post_form(csrf_client, NEW, {"new_password1": "123", "new_password2": "123"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert password_works("13800000066", PASSWORD)


def test_the_page_needs_a_login(client):
    assert client.get(NEW)["Location"].startswith("/accounts/login/")
