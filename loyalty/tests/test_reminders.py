"""The daily reminder: a member whose membership ends within MEMBERSHIP_REMINDER_DAYS hears
of it once per end date (running the timer again sends nothing), again after renewing
once the new end comes near; memberships far from their end, or already ended, are left
alone."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from accounts.tests.factories import UserFactory
from loyalty import services, tasks
from loyalty.models import Membership
from loyalty.tests.factories import MembershipFactory, MembershipPlanFactory
from notifications.models import Message

pytestmark = pytest.mark.django_db


def reminders(user=None) -> list[Message]:
    messages = Message.objects.filter(event="membership_expiring")
    return list(messages.filter(user=user) if user else messages)


@pytest.fixture
def plan():
    return MembershipPlanFactory(name="月度会员", days=30, discount_rate=Decimal("0.95"))


def test_a_member_near_the_end_is_reminded_once(plan, django_capture_on_commit_callbacks):
    membership = MembershipFactory(plan=plan, ends_at=timezone.now() + timedelta(days=3))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_expiring_memberships() == 1
    assert services.remind_expiring_memberships() == 0

    [message] = reminders(membership.user)
    ends_on = timezone.localdate(membership.ends_at).isoformat()
    assert message.context == {"plan": "月度会员", "until": ends_on, "days": 3}
    assert message.url == "/me/membership/"
    membership.refresh_from_db()
    assert membership.reminded_for == membership.ends_at


def test_only_memberships_ending_within_the_reminder_days_are_reminded(plan, settings):
    settings.MEMBERSHIP_REMINDER_DAYS = 7
    now = timezone.now()
    soon = MembershipFactory(plan=plan, ends_at=now + timedelta(days=7) - timedelta(minutes=1))
    MembershipFactory(plan=plan, ends_at=now + timedelta(days=7, minutes=1))
    MembershipFactory(plan=plan, ends_at=now - timedelta(minutes=1))

    assert services.remind_expiring_memberships() == 1

    assert [message.user for message in reminders()] == [soon.user]


def test_a_renewed_member_is_reminded_again_before_the_new_end(plan):
    learner = UserFactory()
    services.grant_membership(learner, order_no="KS202501010001", plan=plan)
    start = timezone.now()
    # 25 days later: five days left, reminded.
    assert services.remind_expiring_memberships(now=start + timedelta(days=25)) == 1
    assert services.remind_expiring_memberships(now=start + timedelta(days=26)) == 0

    services.grant_membership(learner, order_no="KS202501010002", plan=plan)

    # The new end is 30 days later: nothing until it comes near, then once more.
    assert services.remind_expiring_memberships(now=start + timedelta(days=27)) == 0
    assert services.remind_expiring_memberships(now=start + timedelta(days=55)) == 1
    assert services.remind_expiring_memberships(now=start + timedelta(days=56)) == 0
    assert len(reminders(learner)) == 2


def test_the_daily_task_runs_the_reminder(plan):
    MembershipFactory(plan=plan, ends_at=timezone.now() + timedelta(days=1))

    assert tasks.remind_expiring_memberships.delay().get() == 1
    assert tasks.remind_expiring_memberships.delay().get() == 0
    assert Membership.objects.exclude(reminded_for=None).count() == 1


def test_the_reminder_is_scheduled_daily():
    schedule = django_settings.CELERY_BEAT_SCHEDULE["remind-expiring-memberships"]

    assert schedule["task"] == "loyalty.remind_expiring_memberships"
