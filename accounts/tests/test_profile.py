"""The user centre (/me/) and the profile page (/me/profile/): nickname and avatar."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from accounts.forms import AVATAR_MAX_BYTES
from accounts.models import User
from accounts.tests.factories import PhoneUserFactory, UserFactory
from accounts.tests.images import SVG, image_bytes, jpeg_with_exif, png_bomb, upload
from tests.helpers import csrf_token_from, post_form

pytestmark = pytest.mark.django_db

PROFILE = "/me/profile/"
AVATAR_NAME = re.compile(r"^avatars/[0-9a-f]{32}\.jpg$")


@pytest.fixture
def learner(csrf_client, media_root):
    user = UserFactory(email="lin@example.com", nickname="小林")
    csrf_client.force_login(user)
    return user


def save_profile(client, **data):
    return post_form(client, PROFILE, data)


def stored_image(user) -> Image.Image:
    user.refresh_from_db()
    with user.avatar.open("rb") as f:
        image = Image.open(io.BytesIO(f.read()))
        image.load()
    return image


def files_under(root) -> set[str]:
    return (
        {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
        if root.exists()
        else set()
    )


# --- /me/ -------------------------------------------------------------------------------------


def test_the_user_centre_needs_a_login(client):
    response = client.get("/me/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/me/"


def test_the_user_centre_shows_the_display_name(csrf_client, learner):
    response = csrf_client.get("/me/")

    assert response.status_code == 200
    assert "小林" in response.content.decode()


def test_a_phone_learner_without_nickname_is_shown_by_masked_number(csrf_client):
    user = PhoneUserFactory(phone="+8613800138000")
    csrf_client.force_login(user)

    body = csrf_client.get("/me/").content.decode()

    assert "138****8000" in body
    assert "13800138000" not in body


def test_the_profile_page_needs_a_login(client):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


# --- nickname ---------------------------------------------------------------------------------


def test_the_nickname_is_saved(csrf_client, learner):
    response = save_profile(csrf_client, nickname="林同学")

    assert response.status_code == 302
    assert response["Location"] == PROFILE
    learner.refresh_from_db()
    assert learner.nickname == "林同学"
    assert "林同学" in csrf_client.get("/me/").content.decode()


def test_runs_of_whitespace_in_the_nickname_are_collapsed(csrf_client, learner):
    save_profile(csrf_client, nickname="  林   同学 ")

    learner.refresh_from_db()
    assert learner.nickname == "林 同学"


@pytest.mark.parametrize(
    "nickname",
    ["evil\u202etxt.exe", "zero\u200bwidth", "bom\ufeff", "tab\x07bell"],
)
def test_invisible_control_characters_in_the_nickname_are_refused(csrf_client, learner, nickname):
    response = save_profile(csrf_client, nickname=nickname)

    assert response.status_code == 200
    assert response.context["form"].errors["nickname"]
    learner.refresh_from_db()
    assert learner.nickname == "小林"


def test_a_nickname_longer_than_30_characters_is_refused(csrf_client, learner):
    response = save_profile(csrf_client, nickname="长" * 31)

    assert response.context["form"].errors["nickname"]
    learner.refresh_from_db()
    assert learner.nickname == "小林"


def test_a_nickname_with_markup_is_shown_escaped(csrf_client, learner):
    save_profile(csrf_client, nickname="<script>x</script>")

    body = csrf_client.get("/me/").content.decode()

    assert "<script>x</script>" not in body
    assert "&lt;script&gt;x&lt;/script&gt;" in body


def test_the_profile_form_ignores_fields_it_does_not_offer(csrf_client, learner):
    save_profile(
        csrf_client,
        nickname="林",
        is_staff="on",
        is_superuser="on",
        email="boss@example.com",
        phone="+8613900000000",
        phone_verified="on",
    )

    learner.refresh_from_db()
    assert learner.nickname == "林"
    assert not learner.is_staff and not learner.is_superuser
    assert learner.email == "lin@example.com"
    assert learner.phone is None and not learner.phone_verified


def test_saving_the_profile_needs_a_csrf_token(csrf_client, learner):
    response = csrf_client.post(PROFILE, {"nickname": "hacked"})

    assert response.status_code == 403
    learner.refresh_from_db()
    assert learner.nickname == "小林"


# --- avatar -----------------------------------------------------------------------------------


def test_a_png_avatar_is_stored_as_a_256px_jpeg_under_a_random_name(csrf_client, learner):
    response = save_profile(
        csrf_client, nickname="小林", avatar=upload(image_bytes((800, 600)), name="me.png")
    )

    assert response.status_code == 302
    learner.refresh_from_db()
    assert AVATAR_NAME.match(learner.avatar.name), learner.avatar.name
    image = stored_image(learner)
    assert image.format == "JPEG"
    assert image.size == (256, 256)
    assert learner.avatar.url in csrf_client.get("/me/").content.decode()


def test_exif_is_stripped_from_an_uploaded_avatar(csrf_client, learner):
    original = Image.open(io.BytesIO(jpeg_with_exif()))
    assert original.getexif(), "the test image should carry EXIF"

    save_profile(
        csrf_client,
        nickname="小林",
        avatar=upload(jpeg_with_exif(), name="IMG_0001.jpg", content_type="image/jpeg"),
    )

    image = stored_image(learner)
    assert not image.getexif()
    assert "exif" not in image.info
    with learner.avatar.open("rb") as f:
        raw = f.read()
    assert b"SpyCam" not in raw and b"Exif\x00\x00" not in raw


def test_the_uploaded_file_name_is_never_used(csrf_client, learner, media_root):
    save_profile(
        csrf_client,
        nickname="小林",
        avatar=upload(image_bytes((64, 64)), name="../../etc/passwd.png"),
    )

    learner.refresh_from_db()
    assert AVATAR_NAME.match(learner.avatar.name)
    assert all(AVATAR_NAME.match(name) for name in files_under(media_root))


def test_bytes_hidden_after_the_image_are_dropped(csrf_client, learner):
    polyglot = image_bytes((64, 64)) + b"<html><script>alert(1)</script></html>"

    save_profile(csrf_client, nickname="小林", avatar=upload(polyglot))

    learner.refresh_from_db()
    assert learner.avatar
    with learner.avatar.open("rb") as f:
        assert b"<script>" not in f.read()


def test_replacing_the_avatar_deletes_the_old_file_after_commit(
    csrf_client, learner, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        save_profile(csrf_client, nickname="小林", avatar=upload(image_bytes()))
    learner.refresh_from_db()
    first = learner.avatar.name

    with django_capture_on_commit_callbacks(execute=True):
        save_profile(csrf_client, nickname="小林", avatar=upload(image_bytes(color=(0, 0, 255))))

    learner.refresh_from_db()
    assert learner.avatar.name != first
    assert files_under(media_root) == {learner.avatar.name}


def test_clearing_the_avatar_removes_it(
    csrf_client, learner, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        save_profile(csrf_client, nickname="小林", avatar=upload(image_bytes()))

    with django_capture_on_commit_callbacks(execute=True):
        save_profile(csrf_client, nickname="小林", remove_avatar="on")

    learner.refresh_from_db()
    assert not learner.avatar
    assert files_under(media_root) == set()


def test_the_remove_box_is_offered_only_when_there_is_an_avatar(csrf_client, learner, media_root):
    csrf_client.force_login(learner)
    assert 'name="remove_avatar"' not in csrf_client.get("/me/profile/").content.decode()
    learner.avatar.save("seed.jpg", ContentFile(image_bytes((256, 256), fmt="JPEG")))
    assert 'name="remove_avatar"' in csrf_client.get("/me/profile/").content.decode()


@pytest.fixture
def learner_with_avatar(learner, media_root):
    learner.avatar.save("seed.jpg", ContentFile(image_bytes((256, 256), fmt="JPEG")))
    return learner


@pytest.mark.parametrize(
    "bad_file",
    [
        pytest.param(lambda: upload(b"just some text, not an image\n" * 10), id="text-named-png"),
        pytest.param(
            lambda: upload(SVG, name="avatar.svg", content_type="image/svg+xml"), id="svg"
        ),
        pytest.param(lambda: upload(SVG, name="avatar.png"), id="svg-named-png"),
        pytest.param(
            lambda: upload(image_bytes((16, 16))[:40] + b"\x00" * (AVATAR_MAX_BYTES + 1)),
            id="over-5MB",
        ),
        pytest.param(lambda: upload(png_bomb(20000, 20000)), id="decompression-bomb"),
        pytest.param(lambda: upload(png_bomb(7000, 7000)), id="over-the-pixel-limit"),
        pytest.param(lambda: upload(image_bytes((64, 64))[:60]), id="truncated-png"),
        pytest.param(
            lambda: upload(
                image_bytes((64, 64), fmt="BMP"), name="a.bmp", content_type="image/bmp"
            ),
            id="bmp",
        ),
        pytest.param(lambda: upload(b"", name="empty.png"), id="empty"),
    ],
)
def test_a_bad_avatar_file_gets_a_form_error_and_changes_nothing(
    csrf_client, learner_with_avatar, media_root, bad_file
):
    learner = learner_with_avatar
    avatar_before = learner.avatar.name
    files_before = files_under(media_root)

    response = save_profile(csrf_client, nickname="改了名字", avatar=bad_file())

    assert response.status_code == 200
    assert response.context["form"].errors["avatar"]
    learner.refresh_from_db()
    assert learner.avatar.name == avatar_before
    assert learner.nickname == "小林"
    assert files_under(media_root) == files_before


def test_the_avatar_limit_message_names_the_limit(csrf_client, learner):
    response = save_profile(
        csrf_client, nickname="小林", avatar=upload(b"\x89PNG" + b"\x00" * (AVATAR_MAX_BYTES + 1))
    )

    [error] = response.context["form"].errors.as_data()["avatar"]
    assert error.code == "too_large"


def test_a_profile_page_with_errors_keeps_the_csrf_token(csrf_client, learner):
    response = save_profile(csrf_client, nickname="bad\u202e")

    assert csrf_token_from(response)


def test_only_the_signed_in_user_is_changed(csrf_client, learner):
    other = UserFactory(nickname="别人")

    save_profile(csrf_client, nickname="我自己")

    other.refresh_from_db()
    assert other.nickname == "别人"
    assert User.objects.get(pk=learner.pk).nickname == "我自己"
