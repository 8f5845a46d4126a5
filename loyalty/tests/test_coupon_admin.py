"""Coupons in the operations console: the list, staff issuing platform batches (checked by
``services.check_coupon``: bad values are a form error), the "stop claiming" action, and
the read-only list of claimed coupons with search by learner."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import PhoneUserFactory, ProviderFactory, StaffFactory
from catalog.tests.factories import ServiceFactory
from loyalty.models import Coupon, UserCoupon
from loyalty.tests.factories import CouponFactory, UserCouponFactory
from tests.helpers import post_form

pytestmark = pytest.mark.django_db

COUPONS = "/admin/loyalty/coupon/"
CLAIMS = "/admin/loyalty/usercoupon/"


@pytest.fixture
def admin_client_(csrf_client):
    admin = StaffFactory(is_superuser=True, nickname="运营")
    csrf_client.cookies["django_language"] = "en"
    csrf_client.force_login(admin)
    return csrf_client


def listed(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def add_data(**changes) -> dict:
    start = timezone.localtime() - timedelta(hours=1)
    end = start + timedelta(days=30)
    data = {
        "name": "全场满300减50",
        "kind": Coupon.Kind.AMOUNT_OFF,
        "provider": "",
        "amount": "50",
        "rate": "",
        "cap": "",
        "threshold": "300",
        "category": "",
        "service": "",
        "starts_at_0": start.strftime("%Y-%m-%d"),
        "starts_at_1": start.strftime("%H:%M:%S"),
        "ends_at_0": end.strftime("%Y-%m-%d"),
        "ends_at_1": end.strftime("%H:%M:%S"),
        "total_quantity": "1000",
        "per_user_limit": "1",
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_the_list_shows_issuer_value_claimed_and_window(admin_client_):
    CouponFactory(name="平台券", claimed_count=3, total_quantity=10)
    CouponFactory(name="店铺券", provider=ProviderFactory(profile__display_name="王老师工作室"))

    response = admin_client_.get(COUPONS)

    body = response.content.decode()
    assert len(listed(response)) == 2
    assert "Platform" in body and "王老师工作室" in body
    assert "3 / 10" in body


def test_the_list_filters_by_issuer_and_searches_by_name(admin_client_):
    CouponFactory(name="平台券")
    CouponFactory(name="店铺券", provider=ProviderFactory())

    platform = listed(admin_client_.get(COUPONS, {"issuer": "platform"}))
    found = listed(admin_client_.get(COUPONS, {"q": "店铺"}))

    assert [c.name for c in platform] == ["平台券"]
    assert [c.name for c in found] == ["店铺券"]


def test_staff_issue_a_platform_new_user_coupon(admin_client_):
    response = post_form(
        admin_client_,
        f"{COUPONS}add/",
        add_data(kind=Coupon.Kind.NEW_USER, threshold="0", amount="20"),
    )

    assert response.status_code == 302
    coupon = Coupon.objects.get()
    assert coupon.provider is None
    assert coupon.kind == Coupon.Kind.NEW_USER
    assert coupon.amount == Decimal("20.00")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "500"}, "The amount off must be less than the minimum spend"),
        ({"kind": "percent_off", "rate": "0.05"}, "Enter a discount between 1 and 9.9 折"),
        ({"ends_at_0": "2000-01-01"}, "The end must be after the start."),
        ({"total_quantity": "0"}, "The quantity cannot be less than what was claimed."),
    ],
)
def test_bad_values_are_a_form_error_and_nothing_is_saved(admin_client_, changes, message):
    response = post_form(admin_client_, f"{COUPONS}add/", add_data(**changes))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Coupon.objects.exists()


def test_a_providers_coupon_must_be_for_their_own_service(admin_client_):
    provider = ProviderFactory()
    response = post_form(
        admin_client_,
        f"{COUPONS}add/",
        add_data(provider=str(provider.pk), service=str(ServiceFactory().pk)),
    )

    assert response.status_code == 200
    assert "Choose one of your own services." in response.content.decode()
    assert not Coupon.objects.exists()


def test_a_provider_may_not_have_new_user_coupons(admin_client_):
    response = post_form(
        admin_client_,
        f"{COUPONS}add/",
        add_data(provider=str(ProviderFactory().pk), kind=Coupon.Kind.NEW_USER, threshold="0"),
    )

    assert "Only the platform issues new-user coupons." in response.content.decode()
    assert not Coupon.objects.exists()


def test_the_claimed_count_is_read_only(admin_client_):
    coupon = CouponFactory(claimed_count=5)
    url = f"{COUPONS}{coupon.pk}/change/"

    page = admin_client_.get(url)
    post_form(admin_client_, url, add_data(claimed_count="0", name="改名"))

    assert "claimed_count" not in page.context["adminform"].form.fields
    coupon.refresh_from_db()
    assert coupon.name == "改名"
    assert coupon.claimed_count == 5


def test_the_stop_claiming_action_stops_the_selected_batches(admin_client_):
    chosen = CouponFactory(provider=ProviderFactory())
    other = CouponFactory()

    response = post_form(
        admin_client_,
        COUPONS,
        {"action": "stop_claiming", "_selected_action": [chosen.pk], "index": 0},
        follow=True,
    )

    assert response.status_code == 200
    chosen.refresh_from_db()
    other.refresh_from_db()
    assert not chosen.is_active
    assert other.is_active
    assert "Claiming stopped for 1 coupon." in response.content.decode()


def test_claimed_coupons_are_listed_read_only_and_found_by_email_or_phone(admin_client_):
    used = UserCouponFactory(
        user__email="xiaolin@example.com", status=UserCoupon.Status.USED, used_on="P2025"
    )
    by_phone = UserCouponFactory(user=PhoneUserFactory(phone="+8613912345678"))

    everything = admin_client_.get(CLAIMS)
    by_email = listed(admin_client_.get(CLAIMS, {"q": "xiaolin"}))
    phone = listed(admin_client_.get(CLAIMS, {"q": "13912345678"}))

    assert len(listed(everything)) == 2
    assert "P2025" in everything.content.decode()
    assert by_email == [used]
    assert phone == [by_phone]
    assert admin_client_.get(f"{CLAIMS}add/").status_code == 403
    page = admin_client_.get(f"{CLAIMS}{used.pk}/change/")
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
