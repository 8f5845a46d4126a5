"""manage.py seed_demo --accounts-only: the five demo accounts, idempotent, ready to sign in.
(The demo catalogue it also loads by default is tested in catalog/tests/test_demo.py.)"""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from accounts.models import AGENT_GROUP, ProviderProfile, User
from accounts.permissions import is_agent, is_provider
from tests.helpers import post_form

pytestmark = pytest.mark.django_db

DEMO_EMAILS = {
    "admin@ksmall.local",
    "provider@ksmall.local",
    "learner@ksmall.local",
    "learner2@ksmall.local",
    "agent@ksmall.local",
}


@pytest.fixture
def seeded():
    call_command("seed_demo", "--accounts-only", stdout=io.StringIO())


def test_running_it_twice_gives_exactly_the_five_demo_users(seeded):
    call_command("seed_demo", "--accounts-only", stdout=io.StringIO())

    assert set(User.objects.values_list("email", flat=True)) == DEMO_EMAILS
    assert User.objects.count() == 5
    assert EmailAddress.objects.count() == 5
    assert ProviderProfile.objects.count() == 1


def test_every_demo_user_has_a_verified_primary_email(seeded):
    for user in User.objects.all():
        [address] = EmailAddress.objects.filter(user=user)
        assert address.email == user.email
        assert address.verified and address.primary


def test_the_demo_roles(seeded):
    learners = User.objects.filter(email__startswith="learner").order_by("phone")
    assert [(u.phone, u.phone_verified) for u in learners] == [
        ("+8613800000001", True),
        ("+8613800000002", True),
    ]
    provider = User.objects.get(email="provider@ksmall.local")
    assert is_provider(provider)
    agent = User.objects.get(email="agent@ksmall.local")
    assert agent.groups.filter(name=AGENT_GROUP).exists() and is_agent(agent)
    admin = User.objects.get(email="admin@ksmall.local")
    assert admin.is_staff and admin.is_superuser
    for user in (provider, agent, *learners):
        assert not user.is_staff and not user.is_superuser


def test_the_command_prints_the_demo_accounts(capsys):
    call_command("seed_demo", "--accounts-only")

    out = capsys.readouterr().out
    for email in DEMO_EMAILS:
        assert email in out
    assert "13800000001" in out


@pytest.mark.parametrize("login", ["learner@ksmall.local", "+8613800000001"])
def test_the_demo_learner_signs_in_with_the_demo_password(seeded, csrf_client, login):
    response = post_form(
        csrf_client, "/accounts/login/", {"login": login, "password": "ksmall-demo"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert csrf_client.session["_auth_user_id"] == str(
        User.objects.get(email="learner@ksmall.local").pk
    )


def test_reseeding_keeps_a_password_the_user_changed(seeded):
    learner = User.objects.get(email="learner@ksmall.local")
    learner.set_password("a-new-and-long-password")
    learner.save()

    call_command("seed_demo", "--accounts-only", stdout=io.StringIO())

    learner.refresh_from_db()
    assert learner.check_password("a-new-and-long-password")
