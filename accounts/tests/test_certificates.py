"""Qualification files (ID and licence scans) are private: kept outside MEDIA_ROOT, opened
by their applicant at /dashboard/apply/certificates/<id>/ and by staff from the admin,
a 404 for everyone else, and never reachable under /media/."""

import importlib

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.models import ProviderCertificate, ProviderProfile
from accounts.tests.factories import (
    ProviderFactory,
    ProviderProfileFactory,
    StaffFactory,
    UserFactory,
)
from accounts.tests.test_onboarding import APPLY, application, png

pytestmark = pytest.mark.django_db

PROFILES = "/admin/accounts/providerprofile/"


def mine(pk: int) -> str:
    return f"/dashboard/apply/certificates/{pk}/"


def in_admin(pk: int) -> str:
    return f"{PROFILES}certificates/{pk}/"


@pytest.fixture
def applicant(client, media_root):
    """A learner who applied with a photo (re-encoded to JPEG) and a PDF."""
    user = UserFactory(nickname="小林")
    client.force_login(user)
    assert client.post(APPLY, application()).status_code == 302
    client.logout()
    return user


def certificates(user) -> dict[str, ProviderCertificate]:
    """The user's certificates by extension: {"jpg": …, "pdf": …}."""
    return {
        c.file.name.rsplit(".", 1)[1]: c
        for c in ProviderCertificate.objects.filter(profile__user=user)
    }


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_applicant_opens_their_files_inline(client, applicant, private_media_root):
    client.force_login(applicant)

    for extension, content_type in [("jpg", "image/jpeg"), ("pdf", "application/pdf")]:
        certificate = certificates(applicant)[extension]
        response = client.get(mine(certificate.pk))

        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"].startswith("inline;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert content(response) == (private_media_root / certificate.file.name).read_bytes()


def test_the_status_page_links_to_the_files_through_the_view(client, applicant):
    client.force_login(applicant)

    body = client.get(APPLY).content.decode()

    for certificate in certificates(applicant).values():
        assert f'href="{mine(certificate.pk)}"' in body
    assert "/media/certificates/" not in body


def test_a_rejected_applicant_sees_the_files_sent_before(client, applicant):
    ProviderProfile.objects.filter(user=applicant).update(
        status=ProviderProfile.Status.REJECTED, rejection_reason="证书不清晰"
    )
    client.force_login(applicant)

    body = client.get(APPLY).content.decode()

    assert all(f'href="{mine(c.pk)}"' in body for c in certificates(applicant).values())


def test_staff_open_the_files_from_the_admin(client, applicant):
    client.force_login(StaffFactory(is_superuser=True))
    certificate = certificates(applicant)["pdf"]

    response = client.get(in_admin(certificate.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert content(response).startswith(b"%PDF-")


@pytest.mark.parametrize("who", ["another provider", "a learner", "staff"])
def test_anyone_else_gets_a_404_at_the_applicants_address(client, applicant, who):
    other = {"another provider": ProviderFactory, "a learner": UserFactory}.get(who, StaffFactory)()
    client.force_login(other)

    for certificate in certificates(applicant).values():
        assert client.get(mine(certificate.pk)).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(client, applicant):
    certificate = certificates(applicant)["jpg"]

    response = client.get(mine(certificate.pk))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_the_admin_address_is_for_staff_who_may_see_applications(client, applicant):
    url = in_admin(certificates(applicant)["jpg"].pk)

    assert client.get(url).status_code == 302  # anonymous: to the admin login
    client.force_login(applicant)
    assert client.get(url).status_code in (302, 403)  # not staff
    client.force_login(StaffFactory())  # staff without the permission to view profiles
    assert client.get(url).status_code == 404


def test_a_missing_file_or_certificate_is_a_404(client, applicant, private_media_root):
    certificate = certificates(applicant)["jpg"]
    (private_media_root / certificate.file.name).unlink()
    client.force_login(applicant)

    assert client.get(mine(certificate.pk)).status_code == 404
    assert client.get(mine(certificate.pk + 1000)).status_code == 404


def test_the_files_are_not_under_media(client, applicant, media_root):
    for certificate in certificates(applicant).values():
        assert not (media_root / certificate.file.name).exists()
        assert client.get(f"/media/{certificate.file.name}").status_code == 404
        with pytest.raises(ValueError, match="private file"):
            certificate.file.url  # noqa: B018 (no public address, by design)


def test_files_replaced_by_a_new_application_are_deleted(
    client, applicant, private_media_root, django_capture_on_commit_callbacks
):
    ProviderProfile.objects.filter(user=applicant).update(
        status=ProviderProfile.Status.REJECTED, rejection_reason="证书不清晰"
    )
    old = [private_media_root / c.file.name for c in certificates(applicant).values()]
    client.force_login(applicant)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(APPLY, application(id_number="", certificates=[png("new.png")]))

    assert response.status_code == 302
    assert not any(path.exists() for path in old)
    [new] = certificates(applicant).values()
    assert (private_media_root / new.file.name).exists()


def test_files_uploaded_before_move_out_of_media(media_root, private_media_root):
    """The migration that made the files private moves the ones already under MEDIA_ROOT."""
    name = default_storage.save("certificates/old.jpg", ContentFile(b"old scan"))
    certificate = ProviderCertificate.objects.create(profile=ProviderProfileFactory(), file=name)
    migration = importlib.import_module("accounts.migrations.0005_private_certificates")

    migration.to_private(apps, None)

    assert (private_media_root / name).read_bytes() == b"old scan"
    assert not (media_root / name).exists()
    certificate.refresh_from_db()
    assert certificate.file.name == name

    migration.to_public(apps, None)

    assert (media_root / name).read_bytes() == b"old scan"
    assert not (private_media_root / name).exists()
