"""/dashboard/coupons/: the provider's own batches with claimed, used and status; a new
batch through the form (bad input is a form error and writes nothing; another provider's
service is refused); stopping one's own batch only."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import ProviderFactory, UserFactory
from catalog.models import Service
from catalog.tests.factories import CategoryFactory, ServiceFactory
from loyalty.models import Coupon, UserCoupon
from loyalty.tests.factories import CouponFactory, UserCouponFactory

pytestmark = pytest.mark.django_db

LIST = "/dashboard/coupons/"
NEW = "/dashboard/coupons/new/"
# Session, user, provider check, the page's count and batches (with category, service
# and used count), the header's unread count, membership and roles: 8 measured; the
# category menu on a cold cache and one to spare.
LIST_BUDGET = 10


def stop_url(coupon: Coupon) -> str:
    return f"/dashboard/coupons/{coupon.pk}/stop/"


def body_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def provider(client):
    user = ProviderFactory()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return user


def form_data(**changes) -> dict:
    now = timezone.now()
    data = {
        "kind": Coupon.Kind.AMOUNT_OFF,
        "name": "满300减50",
        "amount": "50",
        "rate": "",
        "cap": "",
        "threshold": "300",
        "scope": "all",
        "category": "",
        "service": "",
        "starts_at": local(now),
        "ends_at": local(now + timedelta(days=30)),
        "total_quantity": "100",
        "per_user_limit": "1",
    }
    data.update(changes)
    return data


# --- who may come in --------------------------------------------------------------------------


def test_a_learner_without_the_provider_role_is_refused(client):
    client.force_login(UserFactory())

    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(LIST)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the list -----------------------------------------------------------------------------------


def test_the_list_shows_own_batches_with_claimed_used_and_status(client, provider):
    now = timezone.now()
    running = CouponFactory(provider=provider, name="进行中的券", total_quantity=50)
    UserCouponFactory(coupon=running)
    UserCouponFactory(coupon=running, status=UserCoupon.Status.USED, used_on="P1")
    CouponFactory(provider=provider, name="已停止的券", is_active=False)
    CouponFactory(provider=provider, name="未开始的券", starts_at=now + timedelta(days=1))
    CouponFactory(
        provider=provider,
        name="已结束的券",
        starts_at=now - timedelta(days=9),
        ends_at=now - timedelta(days=1),
    )
    CouponFactory(provider=ProviderFactory(), name="别家的券")
    CouponFactory(name="平台的券")

    response = client.get(LIST)

    body = body_of(response)
    assert "别家的券" not in body and "平台的券" not in body
    statuses = {coupon.name: status for coupon, status, _label in response.context["rows"]}
    assert statuses == {
        "进行中的券": "running",
        "已停止的券": "stopped",
        "未开始的券": "scheduled",
        "已结束的券": "ended",
    }
    assert "2 / 50" in body
    used = {coupon.name: coupon.used_count for coupon, _s, _l in response.context["rows"]}
    assert used["进行中的券"] == 1
    assert body.count(">Stop claiming</summary>") == 2  # running and not yet started
    assert 'href="/dashboard/coupons/" aria-current="page"' in body


def test_an_empty_list_invites_a_first_coupon(client, provider):
    body = body_of(client.get(LIST))

    assert "No coupons yet" in body
    assert 'href="/dashboard/coupons/new/"' in body


def fill(provider, count: int) -> None:
    for n in range(count):
        coupon = CouponFactory(
            provider=provider,
            service=ServiceFactory(provider=provider) if n % 2 else None,
            category=CategoryFactory() if n % 3 == 0 else None,
        )
        UserCouponFactory(coupon=coupon, status=UserCoupon.Status.USED)


@pytest.mark.parametrize("count", [2, 15])
def test_the_list_has_a_fixed_query_budget(client, provider, django_assert_max_num_queries, count):
    fill(provider, count)

    with django_assert_max_num_queries(LIST_BUDGET):
        body_of(client.get(LIST))


def test_the_list_costs_the_same_with_two_or_fifteen_batches(client, provider):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            body_of(client.get(LIST))
        return len(captured)

    fill(provider, 2)
    client.get(LIST)  # warm the category menu
    small = queries()
    fill(provider, 13)

    assert queries() == small


# --- a new batch ----------------------------------------------------------------------------


def test_the_form_offers_only_the_providers_published_services(client, provider):
    own = ServiceFactory(provider=provider, title="我的课")
    ServiceFactory(provider=provider, title="我的草稿", status=Service.Status.DRAFT)
    ServiceFactory(title="别人的课")

    response = client.get(NEW)

    body = body_of(response)
    assert list(response.context["form"].fields["service"].queryset) == [own]
    assert "别人的课" not in body and "我的草稿" not in body
    assert 'type="datetime-local"' in body


def test_a_provider_creates_an_amount_off_batch_of_their_own(client, provider):
    response = client.post(NEW, form_data(), follow=True)

    assert response.redirect_chain[-1][0] == LIST
    coupon = Coupon.objects.get()
    assert coupon.provider == provider
    assert coupon.amount == Decimal("50.00")
    assert coupon.threshold == Decimal("300.00")
    assert coupon.rate is None and coupon.category is None and coupon.service is None
    assert coupon.claimed_count == 0 and coupon.is_active
    assert "is ready for learners" in response.content.decode()


def test_a_provider_creates_a_percentage_batch_for_one_service(client, provider):
    service = ServiceFactory(provider=provider)

    client.post(
        NEW,
        form_data(
            kind=Coupon.Kind.PERCENT_OFF,
            amount="30",  # left over from the other kind: dropped
            rate="8.5",  # 折
            cap="20",
            threshold="0",
            scope="service",
            service=str(service.pk),
            category=str(CategoryFactory().pk),  # left over from the other scope: dropped
        ),
    )

    coupon = Coupon.objects.get()
    assert (coupon.kind, coupon.rate, coupon.cap) == (
        Coupon.Kind.PERCENT_OFF,
        Decimal("0.85"),
        Decimal("20.00"),
    )
    assert coupon.amount is None
    assert coupon.service == service and coupon.category is None


def test_a_batch_for_one_category(client, provider):
    category = CategoryFactory()

    client.post(NEW, form_data(scope="category", category=str(category.pk)))

    assert Coupon.objects.get().category == category


def test_the_provider_is_set_by_the_server_not_the_form(client, provider):
    other = ProviderFactory()

    client.post(NEW, form_data(provider=str(other.pk)))

    assert Coupon.objects.get().provider == provider


def test_a_provider_cannot_scope_a_batch_to_another_providers_service(client, provider):
    theirs = ServiceFactory()

    response = client.post(NEW, form_data(scope="service", service=str(theirs.pk)))

    assert response.status_code == 200
    assert response.context["form"].errors["service"]
    assert not Coupon.objects.exists()


def test_a_provider_cannot_issue_new_user_coupons(client, provider):
    response = client.post(NEW, form_data(kind=Coupon.Kind.NEW_USER))

    assert response.context["form"].errors["kind"]
    assert not Coupon.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "300"}, "The amount off must be less than the minimum spend"),
        ({"amount": ""}, "Enter the amount off."),
        ({"kind": "percent_off", "rate": "10"}, None),
        ({"kind": "percent_off", "rate": "0.5"}, None),
        ({"kind": "percent_off", "rate": "8.55"}, None),
        ({"kind": "percent_off", "rate": ""}, "Enter a discount between 1 and 9.9 折"),
        ({"ends_at": local(timezone.now() - timedelta(days=1))}, "The end must be after"),
        ({"total_quantity": "0"}, "The quantity cannot be less than what was claimed."),
        ({"scope": "service"}, "Choose the service."),
        ({"scope": "category"}, "Choose the category."),
        ({"threshold": "-1"}, None),
        ({"per_user_limit": "0"}, None),
        ({"starts_at": "tomorrow"}, None),
        ({"name": ""}, None),
    ],
)
def test_bad_input_is_a_form_error_and_creates_nothing(client, provider, changes, message):
    response = client.post(NEW, form_data(**changes))

    assert response.status_code == 200
    assert response.context["form"].errors
    body = response.content.decode()
    if message:
        assert message in body
    assert "loyalty_coupon_" not in body  # the model's constraint names never show
    assert not Coupon.objects.exists()


# --- stopping --------------------------------------------------------------------------------


def test_a_provider_stops_their_own_batch_and_claimed_coupons_stay(client, provider):
    coupon = CouponFactory(provider=provider)
    claimed = UserCouponFactory(coupon=coupon)

    response = client.post(stop_url(coupon), follow=True)

    assert response.redirect_chain[-1][0] == LIST
    coupon.refresh_from_db()
    claimed.refresh_from_db()
    assert not coupon.is_active
    assert claimed.status == UserCoupon.Status.AVAILABLE
    assert "Coupons already claimed stay valid." in response.content.decode()


def test_another_providers_batch_is_404_and_stays_claimable(client, provider):
    theirs = CouponFactory(provider=ProviderFactory())
    platform = CouponFactory()

    assert client.post(stop_url(theirs)).status_code == 404
    assert client.post(stop_url(platform)).status_code == 404
    theirs.refresh_from_db()
    platform.refresh_from_db()
    assert theirs.is_active and platform.is_active


def test_stopping_is_post_only(client, provider):
    coupon = CouponFactory(provider=provider)

    assert client.get(stop_url(coupon)).status_code == 405
    coupon.refresh_from_db()
    assert coupon.is_active
