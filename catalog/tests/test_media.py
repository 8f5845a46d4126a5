"""The gallery: images re-encoded into two WebP widths, video clips checked by content, and
the cover."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from accounts.tests.images import SVG, image_bytes, jpeg_with_exif, png_bomb, upload
from catalog import media
from catalog.models import ServiceMedia
from catalog.services import add_gallery_image, add_video, set_cover
from catalog.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

STORED_IMAGE = re.compile(r"^services/[0-9a-f]{32}\.webp$")
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01" + b"\x00" * 64


@pytest.fixture
def service(media_root):
    return ServiceFactory()


def files_under(root) -> list[str]:
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def stored(field) -> Image.Image:
    with field.open("rb") as f:
        image = Image.open(f)
        image.load()
    return image


def video(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="video/mp4")


# --- images -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "name"), [("PNG", "photo.png"), ("JPEG", "photo.jpg")])
def test_an_image_is_stored_as_webp_1200_and_400_pixels_wide(service, fmt, name):
    item = add_gallery_image(service, upload(image_bytes((2400, 1600), fmt=fmt), name=name))

    assert item.kind == ServiceMedia.Kind.IMAGE
    assert STORED_IMAGE.match(item.image.name)
    assert STORED_IMAGE.match(item.thumbnail.name)
    large, small = stored(item.image), stored(item.thumbnail)
    assert (large.format, large.size) == ("WEBP", (1200, 800))
    assert (small.format, small.size) == ("WEBP", (400, 267))
    assert (item.width, item.height) == (1200, 800)
    assert (item.thumbnail_width, item.thumbnail_height) == (400, 267)


def test_a_small_image_is_never_enlarged(service):
    item = add_gallery_image(service, upload(image_bytes((300, 200))))

    assert stored(item.image).size == (300, 200)
    assert stored(item.thumbnail).size == (300, 200)


def test_a_very_tall_image_fits_within_webps_limit(service):
    # A 长图 1,080 wide and 17,000 tall: WebP cannot hold a side above 16,383 pixels.
    item = add_gallery_image(service, upload(image_bytes((1080, 17000))))

    assert max(stored(item.image).size) <= 16383
    assert stored(item.thumbnail).size[0] <= 400


def test_an_image_between_the_two_widths_is_only_shrunk_for_the_thumbnail(service):
    item = add_gallery_image(service, upload(image_bytes((800, 600))))

    assert stored(item.image).size == (800, 600)
    assert stored(item.thumbnail).size == (400, 300)


def test_the_camera_and_gps_data_are_dropped(service):
    item = add_gallery_image(service, upload(jpeg_with_exif(), name="x.jpg"))

    for field in (item.image, item.thumbnail):
        with field.open("rb") as f:
            content = f.read()
        assert b"SpyCam" not in content
        assert not Image.open(field.path).getexif()


def test_the_first_image_becomes_the_cover_and_later_ones_do_not(service):
    first = add_gallery_image(service, upload(image_bytes((600, 400))), caption="教室")
    second = add_gallery_image(service, upload(image_bytes((600, 400))))

    service.refresh_from_db()
    assert service.cover == first
    assert (first.position, second.position) == (0, 1)
    assert first.caption == "教室"


def test_an_image_after_a_video_still_becomes_the_cover(service):
    add_video(service, url="https://cdn.example.com/intro.mp4")

    image = add_gallery_image(service, upload(image_bytes((600, 400))))

    service.refresh_from_db()
    assert service.cover == image


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"just some text, not an image", "photo.png"),
        (SVG, "logo.svg"),
        (SVG, "logo.png"),
        (b"", "empty.png"),
        (image_bytes((50, 50))[:40], "truncated.png"),
    ],
)
def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_stored(
    service, media_root, content, name
):
    with pytest.raises(ValidationError) as refused:
        add_gallery_image(service, upload(content, name=name))

    assert refused.value.code == "invalid_image"
    assert not ServiceMedia.objects.exists()
    assert files_under(media_root) == []


@pytest.mark.parametrize("size", [(8000, 6000), (20000, 20000)])
def test_an_image_with_too_many_pixels_is_refused_without_being_decoded(
    service, media_root, monkeypatch, size
):
    def no_decoding(self):
        raise AssertionError("the pixels were decoded")

    bomb = upload(png_bomb(*size), name="bomb.png")
    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)

    with pytest.raises(ValidationError) as refused:
        add_gallery_image(service, bomb)

    assert refused.value.code == "too_many_pixels"
    assert not ServiceMedia.objects.exists()
    assert files_under(media_root) == []


def test_an_image_file_above_the_size_limit_is_refused(service, monkeypatch):
    monkeypatch.setattr(media, "IMAGE_MAX_BYTES", 1000)

    with pytest.raises(ValidationError) as refused:
        add_gallery_image(service, upload(image_bytes((600, 400), fmt="BMP"), name="a.png"))

    assert refused.value.code == "too_large"


# --- videos -----------------------------------------------------------------------------------


def test_an_mp4_upload_is_accepted(service):
    item = add_video(service, upload=video(MP4, "intro.mp4"), caption="试听片段")

    assert item.kind == ServiceMedia.Kind.VIDEO
    assert re.match(r"^videos/[0-9a-f]{32}\.mp4$", item.video.name)
    assert item.video_type == "video/mp4"
    assert item.caption == "试听片段"
    with item.video.open("rb") as f:
        assert f.read() == MP4


def test_a_webm_upload_is_accepted(service):
    item = add_video(service, upload=video(WEBM, "intro.webm"))

    assert item.video.name.endswith(".webm")
    assert item.video_type == "video/webm"


def test_the_content_not_the_name_decides_the_video_type(service):
    item = add_video(service, upload=video(WEBM, "intro.mp4"))

    assert item.video.name.endswith(".webm")


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "intro.mp4"),
        (b"plain text renamed", "intro.webm"),
        (b"", "empty.mp4"),
        (b"\x00\x00\x00\x18ftyp", "short.mp4"),
        (image_bytes((50, 50)), "picture.mp4"),
    ],
)
def test_a_file_that_is_not_a_video_is_refused(service, content, name):
    with pytest.raises(ValidationError) as refused:
        add_video(service, upload=video(content, name))

    assert refused.value.code == "invalid_video"
    assert not ServiceMedia.objects.exists()


def test_a_video_above_the_size_limit_is_refused(service, monkeypatch):
    monkeypatch.setattr(media, "VIDEO_MAX_BYTES", len(MP4) - 1)

    with pytest.raises(ValidationError) as refused:
        add_video(service, upload=video(MP4, "intro.mp4"))

    assert refused.value.code == "too_large"
    assert not ServiceMedia.objects.exists()


def test_a_video_at_the_size_limit_is_accepted(service, monkeypatch):
    monkeypatch.setattr(media, "VIDEO_MAX_BYTES", len(MP4))

    assert add_video(service, upload=video(MP4, "intro.mp4")).pk


def test_an_https_video_address_is_accepted(service):
    item = add_video(service, url="https://cdn.example.com/intro.webm")

    assert item.video_url == "https://cdn.example.com/intro.webm"
    assert item.video_src == "https://cdn.example.com/intro.webm"
    assert item.video_type == "video/webm"


@pytest.mark.parametrize(
    "url",
    [
        "http://cdn.example.com/intro.mp4",
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:video/mp4;base64,AAAA",
        "//cdn.example.com/intro.mp4",
        "",
    ],
)
def test_a_video_address_that_is_not_https_is_refused(service, url):
    with pytest.raises(ValidationError):
        add_video(service, url=url)

    assert not ServiceMedia.objects.exists()


def test_a_video_is_never_the_cover(service):
    clip = add_video(service, url="https://cdn.example.com/intro.mp4")

    with pytest.raises(ValidationError):
        set_cover(service, clip)

    service.refresh_from_db()
    assert service.cover is None


def test_the_cover_must_be_an_image_of_the_same_service(service):
    own = add_gallery_image(service, upload(image_bytes((600, 400))))
    other_service = ServiceFactory()
    foreign = add_gallery_image(other_service, upload(image_bytes((600, 400))))

    with pytest.raises(ValidationError):
        set_cover(service, foreign)

    service.refresh_from_db()
    assert service.cover == own


def test_another_image_of_the_gallery_can_become_the_cover(service):
    add_gallery_image(service, upload(image_bytes((600, 400))))
    second = add_gallery_image(service, upload(image_bytes((600, 400))))

    set_cover(service, second)

    service.refresh_from_db()
    assert service.cover == second
