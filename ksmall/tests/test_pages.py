"""Every site page renders, for visitors and for a signed-in learner."""

import pytest

from accounts.tests.factories import PhoneUserFactory, UserFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/signup/?method=email",
    "/accounts/signup/?method=phone",
    "/accounts/login/code/",
    "/accounts/password/reset/",
    "/services/",
    "/services/?q=英语&sort=popular",
    "/cart/",
    "/support/",
    "/support/faq/",
    "/support/faq/?q=退款",
    "/coupons/",
]
LEARNER_PAGES = [
    "/me/",
    "/me/profile/",
    "/me/messages/",
    "/me/messages/settings/",
    "/me/favorites/",
    "/me/coupons/",
    "/me/coupons/?tab=used",
    "/me/points/",
    "/me/membership/",
    "/orders/",
    "/orders/?tab=unpaid",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/phone/change/",
    "/support/chat/",
    "/support/tickets/",
    "/support/tickets/new/",
]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_render_for_visitors(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert b"</html>" in response.content


@pytest.mark.parametrize("url", LEARNER_PAGES)
def test_learner_pages_need_a_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("factory", [UserFactory, PhoneUserFactory], ids=["email", "phone"])
@pytest.mark.parametrize("url", LEARNER_PAGES + ["/"])
def test_learner_pages_render_for_a_signed_in_learner(client, url, factory):
    user = factory(nickname="小林")
    client.force_login(user)

    response = client.get(url)

    assert response.status_code == 200
    assert "小林" in response.content.decode()


def test_signed_in_learners_are_sent_on_from_login_and_signup(client):
    client.force_login(UserFactory())

    assert client.get("/accounts/login/").status_code == 302
    assert client.get("/accounts/signup/").status_code == 302


def test_the_signup_page_offers_the_chosen_method(client):
    phone = client.get("/accounts/signup/").content.decode()
    email = client.get("/accounts/signup/?method=email").content.decode()

    assert 'name="phone"' in phone and 'name="email"' not in phone
    assert 'name="email"' in email and 'name="phone"' not in email


def test_the_favicon_points_at_the_logo(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
