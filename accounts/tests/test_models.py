"""The user and provider profile models: display names and database invariants."""

import pytest
from django.db import IntegrityError, transaction

from accounts.models import ProviderProfile, User
from accounts.tests.factories import ProviderProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_display_name_prefers_nickname_then_masked_phone_then_email_name():
    assert UserFactory(nickname="小林", phone="+8613800138001").display_name == "小林"
    assert UserFactory(phone="+8613800138000").display_name == "138****8000"
    assert UserFactory(email="lin.w@example.com").display_name == "lin.w"
    bare = User.objects.create(email="")
    assert bare.display_name == bare.username
    assert str(bare) == bare.username


def test_every_user_gets_a_distinct_internal_handle():
    first, second = UserFactory(), UserFactory()

    assert first.username != second.username
    assert first.username.startswith("ks")


def test_two_accounts_cannot_share_an_email_whatever_its_case():
    UserFactory(email="lin@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="LIN@example.com")


def test_many_accounts_may_have_no_email():
    User.objects.create(email="", phone="+8613800000001")
    User.objects.create(email="", phone="+8613800000002")

    assert User.objects.filter(email="").count() == 2


def test_two_accounts_cannot_share_a_phone():
    UserFactory(phone="+8613800000001")

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(phone="+8613800000001")


def test_a_rejected_profile_must_carry_a_reason():
    profile = ProviderProfileFactory()
    profile.status = ProviderProfile.Status.REJECTED
    profile.rejection_reason = ""

    with pytest.raises(IntegrityError), transaction.atomic():
        profile.save()
