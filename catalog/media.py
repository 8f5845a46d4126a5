"""Checks and re-encoding for catalogue uploads: gallery images in two widths, instructor
photos, review images, and video clips (mp4 or webm, checked by content, under a size cap)."""

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ksmall.images import reencode_image, reencode_image_widths

IMAGE_MAX_BYTES = 10 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000
LARGE_WIDTH = 1200
SMALL_WIDTH = 400
VIDEO_MAX_BYTES = 50 * 1024 * 1024  # below nginx's client_max_body_size (deploy/nginx.conf)


def gallery_image_files(upload) -> tuple[ContentFile, ContentFile]:
    """(large, small) WebP copies, 1200 and 400 pixels wide, or a ValidationError."""
    large, small = reencode_image_widths(
        upload,
        widths=(LARGE_WIDTH, SMALL_WIDTH),
        max_bytes=IMAGE_MAX_BYTES,
        max_pixels=IMAGE_MAX_PIXELS,
    )
    return large, small


def portrait_file(upload) -> ContentFile:
    """A square 400-pixel JPEG for an instructor's photo."""
    return reencode_image(
        upload, max_bytes=IMAGE_MAX_BYTES, max_pixels=IMAGE_MAX_PIXELS, square=SMALL_WIDTH
    )


def check_video(upload) -> str:
    """Return the clip's extension (``mp4`` or ``webm``) or raise a ValidationError.

    The name is not trusted: the first bytes must be an MP4 ``ftyp`` box or the EBML
    header that starts every WebM file."""
    if upload.size > VIDEO_MAX_BYTES:
        raise ValidationError(
            _("The video is too large (%(size)s). The limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(VIDEO_MAX_BYTES)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    if len(head) == 12 and head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    raise ValidationError(_("The file is not an MP4 or WebM video."), code="invalid_video")
