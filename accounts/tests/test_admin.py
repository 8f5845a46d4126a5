"""The operations console (/admin/): who gets in, finding users, reviewing providers."""

import pytest
from django.test import Client

from accounts.models import ProviderProfile, User
from accounts.tests.factories import (
    AgentFactory,
    PhoneUserFactory,
    ProviderFactory,
    ProviderProfileFactory,
    StaffFactory,
    UserFactory,
)
from notifications.models import Message
from tests.helpers import csrf_token_from, post_form

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"
PROFILES = "/admin/accounts/providerprofile/"


@pytest.fixture
def admin_client_(csrf_client):
    """A browser signed in as a superuser (staff with every permission)."""
    admin = StaffFactory(email="ops@example.com", is_superuser=True, nickname="运营")
    csrf_client.force_login(admin)
    csrf_client.admin = admin
    return csrf_client


# --- getting in -------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_site_login(client):
    response = client.get("/admin/", follow=True)

    final_url, status = response.redirect_chain[-1]
    assert status == 302
    assert final_url == "/accounts/login/?next=%2Fadmin%2F"
    assert response.status_code == 200


def test_the_admin_login_form_is_not_offered(client):
    response = client.get("/admin/login/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_signed_in_non_staff_user_is_refused(client):
    client.force_login(UserFactory())

    assert client.get("/admin/login/").status_code == 403
    assert client.get(USERS, follow=True).status_code == 403


def test_the_console_carries_its_chinese_title(admin_client_):
    response = admin_client_.get("/admin/")

    assert response.status_code == 200
    assert "KS Mall 运营后台" in response.content.decode()


# --- users ------------------------------------------------------------------------------------


def listed(response) -> set:
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def test_staff_sees_the_user_list(admin_client_):
    learner = UserFactory(nickname="小林")

    response = admin_client_.get(USERS)

    assert learner in listed(response)
    assert "小林" in response.content.decode()


@pytest.mark.parametrize("query", ["13800138000", "+8613800138000", "lin@example", "小林同学"])
def test_users_can_be_found_by_phone_email_or_nickname(admin_client_, query):
    wanted = UserFactory(email="lin@example.com", phone="+8613800138000", nickname="小林同学")
    UserFactory(email="other@example.com", phone="+8613900000000", nickname="别人")

    response = admin_client_.get(USERS, {"q": query})

    assert listed(response) == {wanted}


def test_the_user_list_shows_phones_masked(admin_client_):
    PhoneUserFactory(phone="+8613800138000")

    body = admin_client_.get(USERS).content.decode()

    assert "138****8000" in body
    assert "13800138000" not in body


def test_the_role_filter_picks_each_role(admin_client_):
    learner = UserFactory()
    pending = ProviderProfileFactory().user
    provider = ProviderFactory()
    agent = AgentFactory()
    staff = StaffFactory()
    admin = admin_client_.admin

    assert listed(admin_client_.get(USERS, {"role": "provider"})) == {provider}
    assert listed(admin_client_.get(USERS, {"role": "agent"})) == {agent, staff, admin}
    assert listed(admin_client_.get(USERS, {"role": "staff"})) == {staff, admin}
    assert listed(admin_client_.get(USERS, {"role": "learner"})) == {learner, pending}
    assert listed(admin_client_.get(USERS)) == {learner, pending, provider, agent, staff, admin}


# --- provider review --------------------------------------------------------------------------


def run_action(client, action, profiles, **extra):
    return post_form(
        client,
        PROFILES,
        {"action": action, "_selected_action": [p.pk for p in profiles], "index": 0, **extra},
    )


def test_staff_approves_applications_from_the_list(admin_client_):
    first, second = ProviderProfileFactory(), ProviderProfileFactory()
    untouched = ProviderProfileFactory()

    response = run_action(admin_client_, "approve", [first, second])

    assert response.status_code == 302
    for profile in (first, second):
        profile.refresh_from_db()
        assert profile.status == ProviderProfile.Status.APPROVED
        assert profile.reviewed_by == admin_client_.admin
        assert Message.objects.filter(user=profile.user, event="provider_approved").count() == 1
    untouched.refresh_from_db()
    assert untouched.status == ProviderProfile.Status.PENDING
    assert not Message.objects.filter(user=untouched.user).exists()


def test_staff_rejects_applications_with_a_reason_from_the_list(admin_client_):
    profile = ProviderProfileFactory()

    asked = run_action(admin_client_, "reject", [profile])
    assert asked.status_code == 200
    assert 'name="reason"' in asked.content.decode()
    profile.refresh_from_db()
    assert profile.status == ProviderProfile.Status.PENDING

    response = admin_client_.post(
        PROFILES,
        {
            "action": "reject",
            "_selected_action": [profile.pk],
            "apply": "1",
            "reason": "营业执照已过期",
            "csrfmiddlewaretoken": csrf_token_from(asked),
        },
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status == ProviderProfile.Status.REJECTED
    assert profile.rejection_reason == "营业执照已过期"
    [message] = Message.objects.filter(user=profile.user)
    assert message.event == "provider_rejected"


def test_a_rejection_from_the_list_without_a_reason_changes_nothing(admin_client_):
    profile = ProviderProfileFactory()
    asked = run_action(admin_client_, "reject", [profile])

    response = admin_client_.post(
        PROFILES,
        {
            "action": "reject",
            "_selected_action": [profile.pk],
            "apply": "1",
            "reason": "   ",
            "csrfmiddlewaretoken": csrf_token_from(asked),
        },
    )

    assert response.status_code in (200, 302)
    profile.refresh_from_db()
    assert profile.status == ProviderProfile.Status.PENDING
    assert not Message.objects.exists()


def test_a_non_staff_user_cannot_run_review_actions():
    profile = ProviderProfileFactory()
    client = Client()
    client.force_login(UserFactory())

    response = client.post(PROFILES, {"action": "approve", "_selected_action": [profile.pk]})

    assert response.status_code in (302, 403)
    profile.refresh_from_db()
    assert profile.status == ProviderProfile.Status.PENDING


# --- user forms -------------------------------------------------------------------------------


def test_staff_adding_a_user_stores_the_phone_the_way_sign_up_does(admin_client_):
    response = post_form(
        admin_client_,
        "/admin/accounts/user/add/",
        {
            "phone": "138 0013 8000",
            "email": "",
            "password1": "Zhishi-2026-abc",
            "password2": "Zhishi-2026-abc",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.filter(phone="+8613800138000").exists()


@pytest.mark.parametrize("phone", ["12345", "+852 91234567"])
def test_staff_cannot_store_a_malformed_phone(admin_client_, phone):
    before = User.objects.count()
    response = post_form(
        admin_client_, "/admin/accounts/user/add/", {"phone": phone, "email": "x@example.com"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["phone"]
    assert User.objects.count() == before


def test_a_user_needs_an_email_or_a_phone(admin_client_):
    before = User.objects.count()
    response = post_form(admin_client_, "/admin/accounts/user/add/", {"phone": "", "email": ""})

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert User.objects.count() == before
