"""Safe handling of uploaded images: every image is opened, checked and re-encoded.

Re-encoding drops EXIF (GPS and camera data) and any bytes hidden after the image data,
so what we store and serve is only pixels. Limits are checked on the header before the
pixels are decoded, so a decompression bomb is refused without being expanded.
"""

import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
WEBP_MAX_SIDE = 16383


def reencode_image(
    upload,
    *,
    max_bytes: int,
    max_pixels: int,
    square: int | None = None,
    max_side: int = 2048,
) -> ContentFile:
    """Return a clean JPEG of ``upload`` or raise ValidationError with a message for the form.

    ``square`` crops the centre to a square of that many pixels (avatars); otherwise the
    image is only shrunk so that its longer side is at most ``max_side``.
    """
    image = open_checked_image(upload, max_bytes=max_bytes, max_pixels=max_pixels)
    if square:
        image = ImageOps.fit(image, (square, square), method=Image.Resampling.LANCZOS)
    else:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return _encode(image, "JPEG")


def reencode_image_widths(
    upload, *, widths: tuple[int, ...], max_bytes: int, max_pixels: int
) -> list[ContentFile]:
    """Clean WebP copies of ``upload``, one per width (never enlarged), for ``srcset``.

    A very tall image (a 长图) is also kept within WebP's 16,383-pixel side."""
    image = open_checked_image(upload, max_bytes=max_bytes, max_pixels=max_pixels)
    copies = []
    for width in widths:
        scale = min(1, width / image.width, WEBP_MAX_SIDE / image.height)
        copy = image
        if scale < 1:
            size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            copy = image.resize(size, Image.Resampling.LANCZOS)
        copies.append(_encode(copy, "WEBP"))
    return copies


def _encode(image: Image.Image, image_format: str) -> ContentFile:
    out = io.BytesIO()
    try:
        if image_format == "WEBP":
            image.save(out, format="WEBP", quality=82, method=4)
            return ContentFile(out.getvalue(), name="image.webp")
        image.save(out, format="JPEG", quality=85, optimize=True)
        return ContentFile(out.getvalue(), name="image.jpg")
    except (OSError, ValueError):  # an encoder limit we did not foresee: refuse, never 500
        raise ValidationError(
            _("This image cannot be processed. Try a smaller JPEG or PNG."), code="invalid_image"
        ) from None


def open_checked_image(upload, *, max_bytes: int, max_pixels: int) -> Image.Image:
    """Open ``upload`` within the limits and return it upright, in RGB, without metadata."""
    if upload.size > max_bytes:
        raise ValidationError(
            _("The image is too large (%(size)s). The limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    not_an_image = ValidationError(
        _("The file is not a valid image. Upload a JPEG, PNG, WebP or GIF image."),
        code="invalid_image",
    )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in ACCEPTED_FORMATS:
                raise not_an_image
            width, height = image.size
            if width * height > max_pixels:
                raise ValidationError(
                    _("The image is %(w)s × %(h)s pixels, too large to process.")
                    % {"w": width, "h": height},
                    code="too_many_pixels",
                )
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard fired while reading the header: far beyond our limit anyway.
        raise ValidationError(
            _("The image has too many pixels to process."), code="too_many_pixels"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_an_image from None

    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
