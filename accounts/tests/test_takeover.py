"""A number or address belongs to whoever proves it: nobody can open an account with a
stranger's phone or email and a password of their own, then wait for the owner to verify
it for them (pre-account takeover). Also the edges found around these flows."""

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from accounts.tests.factories import PhoneUserFactory, UserFactory
from tests.helpers import code_in, post_form

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
LOGIN = "/accounts/login/"
LOGIN_CODE = "/accounts/login/code/"
CONFIRM_LOGIN_CODE = "/accounts/login/code/confirm/"
VERIFY_PHONE = "/accounts/phone/verify/"
ATTACKER_PASSWORD = "Attacker-2026-xyz"
OWNER_PASSWORD = "Owner-2026-abcde"


def sign_up_by_phone(client, capture, phone, password):
    with capture(execute=True):
        return post_form(
            client,
            SIGNUP,
            {"method": "phone", "phone": phone, "password1": password, "password2": password},
            form_url=f"{SIGNUP}?method=phone",
        )


def signed_in_user(client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def test_an_unverified_sign_up_cannot_capture_the_owners_number(
    django_capture_on_commit_callbacks, sms_outbox
):
    attacker, owner = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    sign_up_by_phone(attacker, django_capture_on_commit_callbacks, "13800000099", ATTACKER_PASSWORD)
    squatter = User.objects.get(phone="+8613800000099")
    sms_outbox.clear()

    # The owner asks for a sign-in code: the unverified account is not theirs to enter.
    with django_capture_on_commit_callbacks(execute=True):
        post_form(owner, LOGIN_CODE, {"phone": "13800000099"})
    assert sms_outbox == []

    # Later (past the one-code-per-30-seconds limit), the owner signs up with their number,
    # proves it, and the number is theirs.
    cache.clear()
    sign_up_by_phone(owner, django_capture_on_commit_callbacks, "13800000099", OWNER_PASSWORD)
    [sms] = sms_outbox
    post_form(owner, VERIFY_PHONE, {"code": code_in(sms.text)})
    me = signed_in_user(owner)
    assert me is not None and me != squatter
    assert (me.phone, me.phone_verified) == ("+8613800000099", True)
    squatter.refresh_from_db()
    assert squatter.phone is None

    # The attacker's password opens nothing of the owner's, from a fresh browser.
    later = Client(enforce_csrf_checks=True)
    post_form(later, LOGIN, {"login": "13800000099", "password": ATTACKER_PASSWORD})
    assert signed_in_user(later) is None


def test_a_sign_in_code_is_never_sent_for_an_unverified_email(
    csrf_client, django_capture_on_commit_callbacks, mailoutbox
):
    UserFactory(email="victim@example.com", verified_email=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(csrf_client, LOGIN_CODE, {"email": "victim@example.com"})

    assert response.status_code == 302  # looks the same as for any address
    assert mailoutbox == []


def test_a_phone_learner_who_adds_an_email_still_signs_in_by_phone(csrf_client):
    user = PhoneUserFactory(phone="+8613800000077")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email="typo@exmaple.com", verified=False, primary=True)

    response = post_form(
        csrf_client, LOGIN, {"login": "13800000077", "password": "Correct-Horse-42"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert signed_in_user(csrf_client) == user


def test_an_empty_code_request_gets_a_message_not_an_error(csrf_client):
    response = post_form(csrf_client, LOGIN_CODE, {"phone": "", "email": ""})

    assert response.status_code == 200
    assert "请填写手机号或邮箱" in response.content.decode()


def test_signing_up_twice_with_one_number_in_a_row_is_a_429_and_writes_nothing(
    django_capture_on_commit_callbacks, sms_outbox
):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    sign_up_by_phone(first, django_capture_on_commit_callbacks, "13800000055", OWNER_PASSWORD)
    count = User.objects.count()

    response = sign_up_by_phone(
        second, django_capture_on_commit_callbacks, "13800000055", OWNER_PASSWORD
    )

    assert response.status_code == 429
    assert "操作过于频繁" in response.content.decode()
    assert User.objects.count() == count
    assert len(sms_outbox) == 1


def test_an_over_long_email_is_refused_on_the_form(csrf_client):
    email = "a" * 250 + "@example.com"

    response = post_form(
        csrf_client,
        SIGNUP,
        {
            "method": "email",
            "email": email,
            "password1": OWNER_PASSWORD,
            "password2": OWNER_PASSWORD,
        },
        form_url=f"{SIGNUP}?method=email",
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not User.objects.exists()
