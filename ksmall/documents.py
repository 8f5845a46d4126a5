"""Checked document uploads: an image (re-encoded to a clean JPEG) or a PDF (checked by
content, without active content), for receipts and certificates. The name a client sent
is never used."""

import re

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .images import reencode_image

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_MAX_PIXELS = 40_000_000
# PDF features that run something when the file is opened: refused.
ACTIVE_PDF = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|OpenAction|AA|RichMedia|XFA)\b")


def checked_document(upload, *, max_bytes: int = DOCUMENT_MAX_BYTES) -> ContentFile:
    """A clean copy of ``upload`` (JPEG or PDF) or a ValidationError for the form."""
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is too large (%(size)s). The limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        return reencode_image(upload, max_bytes=max_bytes, max_pixels=DOCUMENT_MAX_PIXELS)
    content = upload.read()
    upload.seek(0)
    if b"%%EOF" not in content[-2048:]:
        raise ValidationError(_("The PDF file is damaged or incomplete."), code="invalid_pdf")
    if ACTIVE_PDF.search(content):
        raise ValidationError(
            _("PDF files with scripts, attachments or actions are not accepted."),
            code="active_pdf",
        )
    return ContentFile(content, name="document.pdf")
