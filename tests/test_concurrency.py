"""Writes that two people may make at the same moment, on PostgreSQL's row locks."""

import pytest
from django.db import connection

from accounts.models import ProviderProfile
from accounts.services import approve_provider
from accounts.tests.factories import ProviderProfileFactory, StaffFactory
from notifications.models import Message
from tests.helpers import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_staff_approving_at_once_tell_the_applicant_once():
    profile = ProviderProfileFactory()
    reviewers = [StaffFactory() for _ in range(4)]

    errors = run_together(
        *[lambda staff=staff: approve_provider(profile, by=staff) for staff in reviewers]
    )

    assert errors == []
    profile.refresh_from_db()
    assert profile.status == ProviderProfile.Status.APPROVED
    assert Message.objects.filter(user=profile.user, event="provider_approved").count() == 1


def test_the_database_is_postgresql():
    assert connection.vendor == "postgresql"
