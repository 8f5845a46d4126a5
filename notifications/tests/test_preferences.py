"""Notification preferences: defaults without a row, set_preferences, /me/messages/settings/."""

import re

import pytest

from accounts.tests.factories import PhoneUserFactory, UserFactory
from notifications.models import PREFERENCE_FIELDS, NotificationPreference
from notifications.selectors import get_preferences
from notifications.services import set_preferences
from tests.helpers import post_form

pytestmark = pytest.mark.django_db

SETTINGS = "/me/messages/settings/"
DEFAULTS = {
    "orders_email": True,
    "orders_sms": True,
    "refunds_email": True,
    "refunds_sms": True,
    "account_email": True,
    "account_sms": False,
    "support_email": True,
    "support_sms": False,
}


def flags(preference) -> dict[str, bool]:
    return {name: getattr(preference, name) for name in PREFERENCE_FIELDS}


def ticked(body: str) -> set[str]:
    return {
        match.group(1)
        for match in re.finditer(r'<input type="checkbox" name="enabled" value="(\w+)"[^>]*>', body)
        if " checked" in match.group(0)
    }


# --- selector and service ---------------------------------------------------------------------


def test_every_category_has_an_email_and_an_sms_switch():
    assert set(PREFERENCE_FIELDS) == set(DEFAULTS)
    model_fields = {f.name for f in NotificationPreference._meta.get_fields()}
    assert set(PREFERENCE_FIELDS) <= model_fields


def test_a_user_who_never_chose_gets_the_defaults_without_a_row(django_assert_num_queries):
    user = UserFactory()

    with django_assert_num_queries(1):
        preference = get_preferences(user)

    assert flags(preference) == DEFAULTS
    assert not NotificationPreference.objects.exists()


def test_set_preferences_changes_the_given_flags_and_keeps_the_others():
    user = UserFactory()

    set_preferences(user, orders_sms=False, support_sms=True)
    set_preferences(user, account_email=False)

    assert flags(get_preferences(user)) == {
        **DEFAULTS,
        "orders_sms": False,
        "support_sms": True,
        "account_email": False,
    }
    assert NotificationPreference.objects.count() == 1


def test_an_unknown_preference_is_refused():
    user = UserFactory()

    with pytest.raises(TypeError, match="orders_fax"):
        set_preferences(user, orders_fax=True)

    assert not NotificationPreference.objects.exists()


# --- the settings page ------------------------------------------------------------------------


def test_the_settings_page_needs_a_login(client):
    response = client.get(SETTINGS)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_post_without_login_changes_nothing(client):
    response = client.post(SETTINGS, {"enabled": ["orders_email"]})

    assert response.status_code == 302
    assert not NotificationPreference.objects.exists()


def test_the_settings_page_shows_the_defaults_ticked(client):
    user = UserFactory()
    client.force_login(user)

    response = client.get(SETTINGS)

    assert response.status_code == 200
    body = response.content.decode()
    assert ticked(body) == {name for name, on in DEFAULTS.items() if on}
    assert 'aria-current="page"' in body  # the account nav marks "Messages"
    assert not NotificationPreference.objects.exists()  # looking writes nothing


def test_the_settings_page_is_in_chinese_with_email_and_sms_columns(client):
    client.force_login(UserFactory())

    body = client.get(SETTINGS).content.decode()

    assert '<th scope="col">邮件</th>' in body
    assert '<th scope="col">短信</th>' in body


def test_saving_the_form_stores_every_box(csrf_client):
    user = UserFactory()
    csrf_client.force_login(user)

    response = post_form(csrf_client, SETTINGS, {"enabled": ["orders_email", "support_sms"]})

    assert response.status_code == 302
    assert response["Location"] == SETTINGS
    assert flags(get_preferences(user)) == {
        name: name in {"orders_email", "support_sms"} for name in PREFERENCE_FIELDS
    }
    page = csrf_client.get(SETTINGS).content.decode()
    assert ticked(page) == {"orders_email", "support_sms"}
    assert "flash--success" in page


def test_unticking_everything_switches_every_channel_off(csrf_client):
    user = UserFactory()
    csrf_client.force_login(user)

    post_form(csrf_client, SETTINGS, {})

    assert not any(flags(get_preferences(user)).values())


def test_a_bad_post_is_refused_with_a_message_and_changes_nothing(csrf_client):
    user = UserFactory()
    set_preferences(user, support_sms=True)
    csrf_client.force_login(user)

    response = post_form(csrf_client, SETTINGS, {"enabled": ["orders_email", "is_staff"]})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'class="form__errors"' in response.content.decode()
    assert flags(get_preferences(user)) == {**DEFAULTS, "support_sms": True}


def test_a_post_without_the_csrf_token_changes_nothing(csrf_client):
    user = UserFactory()
    csrf_client.force_login(user)

    response = csrf_client.post(SETTINGS, {"enabled": []})

    assert response.status_code == 403
    assert not NotificationPreference.objects.exists()


def test_saving_touches_only_the_users_own_preferences(csrf_client):
    me, other = UserFactory(), UserFactory()
    set_preferences(other, orders_email=True)
    csrf_client.force_login(me)

    post_form(csrf_client, SETTINGS, {})

    assert flags(get_preferences(other)) == DEFAULTS
    assert not get_preferences(me).orders_email


def test_the_page_says_when_a_channel_cannot_reach_the_user(client):
    client.force_login(PhoneUserFactory())

    body = client.get(SETTINGS).content.decode()

    # Besides the account nav's links: one to add an email, none to add a number.
    assert body.count('href="/accounts/email/"') == 2
    assert body.count('href="/accounts/phone/change/"') == 1


def test_other_methods_are_refused(client):
    client.force_login(UserFactory())

    assert client.put(SETTINGS).status_code == 405


def test_the_inbox_links_to_the_settings(client):
    client.force_login(UserFactory())

    assert f'href="{SETTINGS}"' in client.get("/me/messages/").content.decode()
