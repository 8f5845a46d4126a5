"""Roles (learner, provider, agent, staff) and the decorators that guard role-only pages."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import ProviderProfile
from accounts.permissions import is_agent, is_provider, is_staff, roles_of
from accounts.services import set_agent
from accounts.tests.factories import (
    AgentFactory,
    ProviderFactory,
    ProviderProfileFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- role tests -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (ProviderProfile.Status.APPROVED, True),
        (ProviderProfile.Status.PENDING, False),
        (ProviderProfile.Status.REJECTED, False),
    ],
)
def test_only_an_approved_profile_makes_a_provider(status, expected):
    profile = ProviderProfileFactory(
        status=status, rejection_reason="资质不全" if status == "rejected" else ""
    )

    assert is_provider(profile.user) is expected


def test_a_user_without_a_profile_and_anonymous_are_not_providers():
    assert not is_provider(UserFactory())
    assert not is_provider(AnonymousUser())


def test_members_of_the_agent_group_and_staff_are_agents():
    assert is_agent(AgentFactory())
    assert is_agent(StaffFactory())
    assert not is_agent(UserFactory())
    assert not is_agent(ProviderFactory())
    assert not is_agent(AnonymousUser())


def test_an_inactive_agent_is_not_an_agent():
    assert not is_agent(AgentFactory(is_active=False))


def test_set_agent_adds_and_removes_the_role():
    user = UserFactory()

    set_agent(user, True)
    assert is_agent(user)

    set_agent(user, False)
    assert not is_agent(user)


def test_staff_means_active_staff():
    assert is_staff(StaffFactory())
    assert not is_staff(StaffFactory(is_active=False))
    assert not is_staff(UserFactory())
    assert not is_staff(AnonymousUser())


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (UserFactory, set()),
        (lambda: ProviderProfileFactory().user, set()),
        (ProviderFactory, {"provider"}),
        (AgentFactory, {"agent"}),
        (StaffFactory, {"staff", "agent"}),
    ],
)
def test_roles_of_reads_every_role_in_one_query(django_assert_num_queries, make, expected):
    user = make()
    with django_assert_num_queries(1):
        assert roles_of(user) == expected
    assert roles_of(AnonymousUser()) == frozenset()


@pytest.mark.parametrize(
    ("make", "links"),
    [
        (UserFactory, set()),
        (ProviderFactory, {"/dashboard/"}),
        (AgentFactory, {"/support/agent/"}),
        (StaffFactory, {"/support/agent/", "/admin/"}),
    ],
)
def test_the_user_menu_links_to_the_consoles_of_the_users_roles(client, make, links):
    client.force_login(make())
    html = client.get("/me/").content.decode()
    consoles = {"/dashboard/", "/support/agent/", "/admin/"}
    assert {url for url in consoles if f'href="{url}"' in html} == links


# --- guarded pages ----------------------------------------------------------------------------

ROLES = {
    "learner": UserFactory,
    "provider": ProviderFactory,
    "pending_provider": lambda: ProviderProfileFactory().user,
    "agent": AgentFactory,
    "staff": StaffFactory,
}

ALLOWED = {
    "/_test/provider/": {"provider"},
    "/_test/agent/": {"agent", "staff"},
    "/_test/staff/": {"staff"},
}


@pytest.mark.urls("accounts.tests.role_urls")
@pytest.mark.parametrize("url", list(ALLOWED))
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.urls("accounts.tests.role_urls")
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("url", list(ALLOWED))
def test_role_pages_answer_200_for_the_role_and_403_for_everyone_else(client, url, role):
    user = ROLES[role]()
    client.force_login(user)

    response = client.get(url)

    if role in ALLOWED[url]:
        assert response.status_code == 200
        assert response.content.decode().endswith(str(user.pk))
    else:
        assert response.status_code == 403
