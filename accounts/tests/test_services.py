"""Provider review (approve/reject) and the profile write, through accounts.services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import ProviderProfile
from accounts.services import approve_provider, reject_provider, update_profile
from accounts.tests.factories import (
    AgentFactory,
    ProviderProfileFactory,
    StaffFactory,
    UserFactory,
)
from notifications.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def application():
    return ProviderProfileFactory(display_name="王老师工作室")


def test_staff_approves_an_application_and_the_applicant_is_told_once(application):
    staff = StaffFactory()

    profile = approve_provider(application, by=staff)

    assert profile.status == ProviderProfile.Status.APPROVED
    assert profile.reviewed_by == staff
    assert profile.reviewed_at is not None
    [message] = Message.objects.all()
    assert message.user == application.user
    assert message.event == "provider_approved"
    assert "王老师工作室" in message.body


def test_approving_twice_changes_nothing_the_second_time(application):
    staff = StaffFactory()
    approve_provider(application, by=staff)

    approve_provider(application, by=StaffFactory())

    application.refresh_from_db()
    assert application.reviewed_by == staff
    assert Message.objects.count() == 1


def test_staff_rejects_with_a_reason_and_the_applicant_reads_it(application):
    profile = reject_provider(application, by=StaffFactory(), reason="  资质文件不清晰  ")

    assert profile.status == ProviderProfile.Status.REJECTED
    assert profile.rejection_reason == "资质文件不清晰"
    [message] = Message.objects.filter(user=application.user)
    assert message.event == "provider_rejected"
    assert "资质文件不清晰" in message.body


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_a_rejection_needs_a_reason(application, reason):
    with pytest.raises(ValidationError):
        reject_provider(application, by=StaffFactory(), reason=reason)

    application.refresh_from_db()
    assert application.status == ProviderProfile.Status.PENDING
    assert Message.objects.count() == 0


def test_approving_a_rejected_application_clears_the_reason(application):
    reject_provider(application, by=StaffFactory(), reason="缺少证书")

    profile = approve_provider(application, by=StaffFactory())

    assert profile.status == ProviderProfile.Status.APPROVED
    assert profile.rejection_reason == ""
    assert Message.objects.filter(user=application.user).count() == 2


@pytest.mark.parametrize(
    "actor",
    [
        pytest.param(lambda: UserFactory(), id="learner"),
        pytest.param(lambda: AgentFactory(), id="agent"),
        pytest.param(lambda: StaffFactory(is_active=False), id="inactive-staff"),
    ],
)
def test_only_active_staff_may_review_applications(application, actor):
    someone = actor()

    with pytest.raises(PermissionDenied):
        approve_provider(application, by=someone)
    with pytest.raises(PermissionDenied):
        reject_provider(application, by=someone, reason="不行")

    application.refresh_from_db()
    assert application.status == ProviderProfile.Status.PENDING
    assert Message.objects.count() == 0


def test_an_applicant_cannot_approve_their_own_application(application):
    with pytest.raises(PermissionDenied):
        approve_provider(application, by=application.user)


def test_update_profile_keeps_the_avatar_when_none_is_given(media_root):
    from django.core.files.base import ContentFile

    from accounts.tests.images import image_bytes

    user = UserFactory()
    update_profile(user, nickname="a", avatar=ContentFile(image_bytes(fmt="JPEG"), name="x.jpg"))
    name = user.avatar.name

    update_profile(user, nickname="b")

    user.refresh_from_db()
    assert user.nickname == "b"
    assert user.avatar.name == name
