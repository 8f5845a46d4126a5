"""Handing out a private file (``accounts.storage.private_storage``) to someone a view has
already checked: certificates, bank-transfer receipts, support attachments."""

import mimetypes

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control


def private_file_response(
    file: FieldFile, *, as_attachment: bool = False, max_age: int | None = None
) -> FileResponse:
    """The file itself: the type its (site-chosen) name says, ``nosniff`` so that nothing
    else is guessed, and never kept by a shared cache. A missing file is a 404.

    ``max_age``: seconds the viewer's own browser may keep a file that never changes under
    its name (a chat image); by default nothing keeps it (``no-store``)."""
    name = file.name
    try:
        handle = file.storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        as_attachment=as_attachment,
        filename=name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    if max_age is None:
        patch_cache_control(response, private=True, no_store=True)
    else:
        patch_cache_control(response, private=True, max_age=max_age)
    return response
