"""Provider onboarding: applying at /dashboard/apply/, staff review in the admin, re-applying."""

import pytest
from django.test import Client
from django.utils import translation

from accounts.models import ProviderCertificate, ProviderProfile
from accounts.permissions import is_provider
from accounts.tests.factories import (
    ProviderFactory,
    ProviderProfileFactory,
    StaffFactory,
    UserFactory,
)
from accounts.tests.images import image_bytes, upload
from notifications.models import Message
from tests.helpers import csrf_token_from, post_form

pytestmark = pytest.mark.django_db

APPLY = "/dashboard/apply/"
PROFILES = "/admin/accounts/providerprofile/"
RESIDENT_ID = "33010619900101123X"
MASKED_ID = "3301**********123X"
CREDIT_CODE = "91330106MA27XY123U"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def png(name="certificate.png"):
    return upload(image_bytes(size=(300, 200)), name=name)


def pdf(content=PDF, name="diploma.pdf"):
    return upload(content, name=name, content_type="application/pdf")


def application(**overrides) -> dict:
    return {
        "kind": "individual",
        "display_name": "林老师英语",
        "legal_name": "林小华",
        "id_number": RESIDENT_ID,
        "qualifications": "英语专业八级，十年教学经验",
        "introduction": "雅思口语一对一辅导",
        "certificates": [png(), pdf()],
        **overrides,
    }


@pytest.fixture
def applicant(client, media_root):
    user = UserFactory(nickname="小林")
    client.force_login(user)
    return user


@pytest.fixture
def admin_client_(csrf_client):
    csrf_client.force_login(StaffFactory(is_superuser=True))
    return csrf_client


def reject_from_the_admin(admin_client, profile, reason):
    asked = admin_client.post(
        PROFILES,
        {
            "action": "reject",
            "_selected_action": [profile.pk],
            "index": 0,
            "csrfmiddlewaretoken": csrf_token_from(admin_client.get(PROFILES)),
        },
    )
    return admin_client.post(
        PROFILES,
        {
            "action": "reject",
            "_selected_action": [profile.pk],
            "apply": "1",
            "reason": reason,
            "csrfmiddlewaretoken": csrf_token_from(asked),
        },
    )


# --- applying ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(APPLY)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_a_learner_without_an_application_sees_the_form(client, applicant):
    response = client.get(APPLY)

    assert response.status_code == 200
    assert response.templates[0].name == "accounts/apply.html"
    assert 'name="certificates"' in response.content.decode()
    assert "multiple" in response.content.decode()


def test_an_individual_applies_with_an_image_and_a_pdf(
    client, applicant, media_root, private_media_root
):
    response = client.post(APPLY, application())

    assert response.status_code == 302
    profile = ProviderProfile.objects.get(user=applicant)
    assert profile.status == ProviderProfile.Status.PENDING
    assert profile.kind == "individual"
    assert profile.legal_name == "林小华"
    assert profile.id_number == RESIDENT_ID
    names = sorted(c.file.name for c in profile.certificates.all())
    assert len(names) == 2
    assert all(name.startswith("certificates/") for name in names)
    assert {name.rsplit(".", 1)[1] for name in names} == {"jpg", "pdf"}
    # Private: outside MEDIA_ROOT, so the web server never serves them.
    assert all((private_media_root / name).exists() for name in names)
    assert not any((media_root / name).exists() for name in names)
    assert not is_provider(applicant)


def test_an_institution_applies_with_a_credit_code_and_a_logo(client, applicant):
    response = client.post(
        APPLY,
        application(
            kind="institution",
            id_number=CREDIT_CODE.lower(),
            logo=upload(image_bytes(size=(900, 500)), name="logo.png"),
        ),
    )

    assert response.status_code == 302
    profile = ProviderProfile.objects.get(user=applicant)
    assert profile.kind == "institution"
    assert profile.id_number == CREDIT_CODE
    assert profile.logo.name.startswith("provider-logos/")
    assert profile.logo.width == profile.logo.height == 400


@pytest.mark.parametrize(
    ("kind", "number"),
    [
        ("individual", "33010619900101123"),  # 17 characters
        ("individual", "33010619900101123A"),
        ("individual", CREDIT_CODE),
        ("institution", RESIDENT_ID + "X"),
        ("institution", "91330106MA27XY123I"),  # I is never used in a credit code
        ("institution", "913301O6MA27XY1234"),  # a letter where the region code has digits
        ("individual", "330106199001011234"),  # the check digit should be X
        ("institution", "91330106MA27XY1234"),  # the check digit should be U
        ("institution", RESIDENT_ID),  # a person's ID is not a credit code
    ],
)
def test_a_number_that_does_not_fit_the_kind_is_refused(client, applicant, kind, number):
    response = client.post(APPLY, application(kind=kind, id_number=number))

    assert response.status_code == 200
    assert response.context["form"].errors["id_number"]
    assert not ProviderProfile.objects.exists()
    assert not ProviderCertificate.objects.exists()


@pytest.mark.parametrize(
    "files",
    [
        [upload(b"just some text", name="cert.txt", content_type="text/plain")],
        [pdf(PDF.replace(b"/Type /Catalog", b"/Type /Catalog /JavaScript (app.alert(1))"))],
        [pdf(PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction 2 0 R"))],
        [pdf(b"%PDF-1.4\n1 0 obj\n")],  # cut short
        [png(f"c{i}.png") for i in range(6)],
        [],
    ],
    ids=["text", "javascript-pdf", "openaction-pdf", "truncated-pdf", "six-files", "none"],
)
def test_bad_certificates_are_refused_and_nothing_is_saved(client, applicant, media_root, files):
    response = client.post(APPLY, application(certificates=files))

    assert response.status_code == 200
    assert response.context["form"].errors["certificates"]
    assert not ProviderProfile.objects.exists()
    assert not ProviderCertificate.objects.exists()
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_required_fields_are_required(client, applicant):
    response = client.post(APPLY, application(display_name=" ", legal_name="", qualifications=""))

    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"display_name", "legal_name", "qualifications"}
    assert not ProviderProfile.objects.exists()


# --- after applying ---------------------------------------------------------------------------


def test_the_status_page_shows_the_number_masked_only(client, applicant):
    client.post(APPLY, application())

    response = client.get(APPLY)

    body = response.content.decode()
    assert response.templates[0].name == "accounts/apply_status.html"
    assert MASKED_ID in body
    assert RESIDENT_ID not in body
    assert response.context["profile"].status == ProviderProfile.Status.PENDING


def test_a_pending_applicant_cannot_send_a_second_application(client, applicant):
    client.post(APPLY, application())

    response = client.post(APPLY, application(display_name="另一个名字"))

    assert response.status_code == 302
    assert ProviderProfile.objects.get(user=applicant).display_name == "林老师英语"


def test_an_approved_provider_sees_the_status_page_with_a_link_to_the_dashboard(client):
    provider = ProviderFactory()
    client.force_login(provider)

    response = client.get(APPLY)

    assert response.status_code == 200
    assert response.templates[0].name == "accounts/apply_status.html"
    assert 'href="/dashboard/"' in response.content.decode()
    assert 'name="certificates"' not in response.content.decode()


def test_an_approved_provider_cannot_apply_again(client, media_root):
    provider = ProviderFactory()
    client.force_login(provider)

    response = client.post(APPLY, application(display_name="换个名字"))

    assert response.status_code == 403
    provider.provider_profile.refresh_from_db()
    assert provider.provider_profile.status == ProviderProfile.Status.APPROVED
    assert provider.provider_profile.display_name != "换个名字"
    assert not ProviderCertificate.objects.exists()


# --- staff are told ---------------------------------------------------------------------------


def staff_told() -> list:
    return list(
        Message.objects.filter(event="provider_applied")
        .order_by("user_id", "pk")
        .values_list("user_id", "url")
    )


def test_every_active_staff_member_is_told_of_an_application(client, applicant):
    first, second = StaffFactory(), StaffFactory()
    StaffFactory(is_active=False)

    client.post(APPLY, application())

    profile = ProviderProfile.objects.get(user=applicant)
    review = f"{PROFILES}{profile.pk}/change/"
    assert staff_told() == [(first.pk, review), (second.pk, review)]
    message = Message.objects.filter(user=first, event="provider_applied").get()
    with translation.override("en"):
        assert message.title == "Provider application to review: 林老师英语"


def test_staff_are_told_again_when_a_rejected_applicant_applies_again(
    client, applicant, admin_client_
):
    staff = StaffFactory()
    client.post(APPLY, application())
    profile = ProviderProfile.objects.get(user=applicant)
    reject_from_the_admin(admin_client_, profile, "资质证书照片不清晰")

    client.post(APPLY, application(id_number="", certificates=[png("clear.png")]))

    assert Message.objects.filter(user=staff, event="provider_applied").count() == 2


def test_a_refused_application_tells_nobody(client, applicant):
    StaffFactory()

    client.post(APPLY, application(id_number="12345"))

    assert not Message.objects.filter(event="provider_applied").exists()


# --- review -----------------------------------------------------------------------------------


def test_staff_approval_makes_the_applicant_a_provider(client, applicant, admin_client_):
    client.post(APPLY, application())
    profile = ProviderProfile.objects.get(user=applicant)

    response = post_form(
        admin_client_, PROFILES, {"action": "approve", "_selected_action": [profile.pk], "index": 0}
    )

    assert response.status_code == 302
    applicant.refresh_from_db()
    assert is_provider(applicant)
    assert Message.objects.filter(user=applicant, event="provider_approved").count() == 1
    assert 'href="/dashboard/"' in client.get(APPLY).content.decode()


def test_a_rejected_applicant_sees_the_reason_and_applies_again(client, applicant, admin_client_):
    client.post(APPLY, application())
    profile = ProviderProfile.objects.get(user=applicant)
    old_files = {c.file.name for c in profile.certificates.all()}

    assert reject_from_the_admin(admin_client_, profile, "资质证书照片不清晰").status_code == 302

    page = client.get(APPLY)
    body = page.content.decode()
    assert page.templates[0].name == "accounts/apply.html"
    assert "资质证书照片不清晰" in body
    assert "林老师英语" in body  # prefilled with what was sent
    assert RESIDENT_ID not in body
    assert MASKED_ID in body
    assert Message.objects.filter(user=applicant, event="provider_rejected").exists()

    # The number may be left empty (kept); the new files replace the old ones.
    response = client.post(APPLY, application(id_number="", certificates=[png("clear.png")]))

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status == ProviderProfile.Status.PENDING
    assert profile.rejection_reason == ""
    assert profile.id_number == RESIDENT_ID
    [certificate] = profile.certificates.all()
    assert certificate.file.name not in old_files


def test_a_reapplication_without_new_files_keeps_the_old_ones(client, applicant):
    client.post(APPLY, application())
    profile = ProviderProfile.objects.get(user=applicant)
    ProviderProfile.objects.filter(pk=profile.pk).update(
        status=ProviderProfile.Status.REJECTED, rejection_reason="简介太短"
    )
    before = set(profile.certificates.values_list("pk", flat=True))

    response = client.post(APPLY, application(introduction="更详细的简介", certificates=[]))

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status == ProviderProfile.Status.PENDING
    assert profile.introduction == "更详细的简介"
    assert set(profile.certificates.values_list("pk", flat=True)) == before


def test_a_kept_number_must_still_fit_a_changed_kind(client, applicant):
    ProviderProfileFactory(
        user=applicant,
        status=ProviderProfile.Status.REJECTED,
        kind="institution",
        rejection_reason="请以讲师个人身份申请",
        id_number=CREDIT_CODE,
    )

    response = client.post(APPLY, application(kind="individual", id_number=""))

    assert response.status_code == 200
    assert response.context["form"].errors["id_number"]
    assert ProviderProfile.objects.get(user=applicant).status == ProviderProfile.Status.REJECTED


def test_the_admin_shows_the_number_masked_only(admin_client_, media_root):
    profile = ProviderProfileFactory(legal_name="林小华", id_number=RESIDENT_ID)

    listing = admin_client_.get(PROFILES).content.decode()
    detail = admin_client_.get(f"{PROFILES}{profile.pk}/change/").content.decode()

    for body in (listing, detail):
        assert MASKED_ID in body
        assert RESIDENT_ID not in body
    assert 'name="id_number"' not in detail


def test_the_admin_detail_lists_the_certificates(client, applicant, admin_client_):
    client.post(APPLY, application())
    profile = ProviderProfile.objects.get(user=applicant)

    detail = admin_client_.get(f"{PROFILES}{profile.pk}/change/").content.decode()

    for certificate in profile.certificates.all():
        assert f'href="{PROFILES}certificates/{certificate.pk}/"' in detail
    assert "/media/certificates/" not in detail


def test_the_masked_number_keeps_four_characters_each_side():
    assert ProviderProfile(id_number=RESIDENT_ID).masked_id_number == MASKED_ID
    assert ProviderProfile(id_number=CREDIT_CODE).masked_id_number == "9133**********123U"
    assert ProviderProfile(id_number="").masked_id_number == ""


def test_the_admin_is_closed_to_a_plain_user():
    profile = ProviderProfileFactory(id_number=RESIDENT_ID)
    other = Client()
    other.force_login(UserFactory())

    response = other.get(f"{PROFILES}{profile.pk}/change/")

    assert response.status_code in (302, 403)
