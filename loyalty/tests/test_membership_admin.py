"""Membership and points in the operations console: plans saved through save_plan (the
catalogue package follows), read-only members, purchases and ledger with search and
filters, and the "adjust points" form that always asks why."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import PhoneUserFactory, StaffFactory, UserFactory
from catalog.models import Service
from loyalty import services
from loyalty.models import MembershipPlan, PointsAccount, PointsEntry
from loyalty.tests.factories import MembershipFactory, MembershipPlanFactory
from tests.helpers import post_form

pytestmark = pytest.mark.django_db

PLANS = "/admin/loyalty/membershipplan/"
MEMBERS = "/admin/loyalty/membership/"
GRANTS = "/admin/loyalty/membershipgrant/"
ACCOUNTS = "/admin/loyalty/pointsaccount/"
LEDGER = "/admin/loyalty/pointsentry/"


@pytest.fixture
def admin_client_(csrf_client):
    admin = StaffFactory(is_superuser=True, nickname="运营")
    csrf_client.cookies["django_language"] = "en"
    csrf_client.force_login(admin)
    return csrf_client


def listed(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def plan_data(**changes) -> dict:
    return {
        "name": "季度会员",
        "price": "78.00",
        "days": "90",
        "discount_rate": "0.90",
        "perks": "参与会员价的服务一律 9 折",
        "is_active": "on",
        "position": "1",
        **changes,
    }


# ---- plans --------------------------------------------------------------------------------


def test_adding_a_plan_creates_the_package_it_is_sold_as(admin_client_):
    response = post_form(admin_client_, f"{PLANS}add/", plan_data())

    assert response.status_code == 302
    plan = MembershipPlan.objects.get()
    assert plan.package is not None
    assert (plan.package.name, plan.package.price, plan.package.is_active) == (
        "季度会员",
        Decimal("78.00"),
        True,
    )
    service = plan.package.service
    assert service.kind == Service.Kind.MEMBERSHIP
    assert service.price_from == Decimal("78.00")
    assert not service.has_member_price


def test_editing_a_plan_updates_its_package(admin_client_):
    plan = MembershipPlanFactory(name="季度会员", price=Decimal("78.00"))
    url = f"{PLANS}{plan.pk}/change/"

    response = post_form(admin_client_, url, plan_data(name="季度会员（特惠）", price="68.00"))

    assert response.status_code == 302
    plan.refresh_from_db()
    plan.package.refresh_from_db()
    assert (plan.package.name, plan.package.price) == ("季度会员（特惠）", Decimal("68.00"))
    assert plan.package.service.title == "季度会员（特惠）"

    post_form(admin_client_, url, plan_data(is_active=""))
    plan.package.refresh_from_db()
    assert not plan.package.is_active


@pytest.mark.parametrize(
    "changes",
    [{"discount_rate": "0.30"}, {"price": "0"}, {"days": "0"}, {"name": ""}],
)
def test_bad_plan_values_are_refused_on_the_form(admin_client_, changes):
    response = post_form(admin_client_, f"{PLANS}add/", plan_data(**changes))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not MembershipPlan.objects.exists()
    assert not Service.objects.filter(kind=Service.Kind.MEMBERSHIP).exists()


def test_the_plan_list_counts_active_members_and_plans_cannot_be_deleted(admin_client_):
    plan = MembershipPlanFactory()
    MembershipFactory.create_batch(2, plan=plan)
    MembershipFactory(plan=plan, ends_at=timezone.now() - timedelta(days=1))

    [row] = listed(admin_client_.get(PLANS))

    assert row.member_count == 2
    assert admin_client_.get(f"{PLANS}{plan.pk}/delete/").status_code == 403


# ---- members and purchases ----------------------------------------------------------------


def test_members_are_read_only_and_found_by_email_or_phone(admin_client_):
    by_email = MembershipFactory(user=UserFactory(email="lin@example.com"))
    by_phone = MembershipFactory(user=PhoneUserFactory(phone="+8613912345678"))
    MembershipFactory(ends_at=timezone.now() - timedelta(days=1))

    assert listed(admin_client_.get(MEMBERS, {"q": "lin@example"})) == [by_email]
    assert listed(admin_client_.get(MEMBERS, {"q": "13912345678"})) == [by_phone]
    assert len(listed(admin_client_.get(MEMBERS, {"running": "yes"}))) == 2
    assert len(listed(admin_client_.get(MEMBERS, {"running": "no"}))) == 1
    page = admin_client_.get(f"{MEMBERS}{by_email.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client_.get(f"{MEMBERS}add/").status_code == 403


def test_purchases_are_listed_read_only_with_their_orders(admin_client_):
    plan = MembershipPlanFactory()
    learner = UserFactory()
    services.grant_membership(learner, order_no="KS202501010001", plan=plan)
    services.grant_membership(learner, order_no="KS202501010002", plan=plan)
    services.revoke_membership("KS202501010002")

    assert len(listed(admin_client_.get(GRANTS))) == 2
    [grant] = listed(admin_client_.get(GRANTS, {"q": "KS202501010002"}))
    assert grant.revoked_at is not None
    assert len(listed(admin_client_.get(GRANTS, {"revoked_at__isempty": "1"}))) == 1
    member_page = admin_client_.get(f"{MEMBERS}{learner.membership.pk}/change/")
    assert "KS202501010001" in member_page.content.decode()


# ---- points -------------------------------------------------------------------------------


@pytest.fixture
def account():
    learner = UserFactory(nickname="小林")
    services.adjust_points(learner, 500, note="开户礼")
    return PointsAccount.objects.get(user=learner)


def adjust_url(account) -> str:
    return f"{ACCOUNTS}{account.pk}/adjust/"


def test_adjusting_points_writes_an_entry_with_the_note(admin_client_, account):
    page = admin_client_.get(f"{ACCOUNTS}{account.pk}/change/")
    assert adjust_url(account) in page.content.decode()

    response = post_form(admin_client_, adjust_url(account), {"change": "-120", "note": "重复发放"})

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.balance == 380
    entry = PointsEntry.objects.filter(user=account.user).first()
    assert (entry.change, entry.reason, entry.note, entry.balance_after) == (
        -120,
        PointsEntry.Reason.ADJUST,
        "重复发放",
        380,
    )


@pytest.mark.parametrize(
    "data",
    [
        {"change": "50", "note": ""},
        {"change": "50", "note": "   "},
        {"change": "0", "note": "补偿"},
        {"change": "many", "note": "补偿"},
    ],
)
def test_an_adjustment_without_a_note_or_a_change_is_refused(admin_client_, account, data):
    response = post_form(admin_client_, adjust_url(account), data)

    assert response.status_code == 200
    assert response.context["form"].errors
    account.refresh_from_db()
    assert account.balance == 500
    assert PointsEntry.objects.filter(user=account.user).count() == 1


def test_an_adjustment_below_zero_is_refused_on_the_form(admin_client_, account):
    response = post_form(admin_client_, adjust_url(account), {"change": "-501", "note": "扣回"})

    assert response.status_code == 200
    assert "change" in response.context["form"].errors
    account.refresh_from_db()
    assert account.balance == 500


def test_balances_are_never_edited_by_hand(admin_client_, account):
    page = admin_client_.get(f"{ACCOUNTS}{account.pk}/change/")

    assert page.status_code == 200
    assert 'name="balance"' not in page.content.decode()
    assert admin_client_.get(f"{ACCOUNTS}add/").status_code == 403


def test_the_ledger_is_read_only_with_filters(admin_client_, account):
    services.earn_points(account.user, order_no="KS202501010001", amount=Decimal("99.00"))

    assert len(listed(admin_client_.get(LEDGER))) == 2
    [earned] = listed(admin_client_.get(LEDGER, {"reason__exact": "earn"}))
    assert earned.change == 99
    assert listed(admin_client_.get(LEDGER, {"q": "KS202501010001"})) == [earned]
    assert admin_client_.get(f"{LEDGER}add/").status_code == 403


def test_a_learner_cannot_open_the_adjust_form(client, account):
    client.force_login(UserFactory())

    response = client.get(adjust_url(account))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
