"""Private files: stored outside MEDIA_ROOT (``settings.PRIVATE_MEDIA_ROOT``), so the web
server never serves them, and handed out only by views that check who asks (the
applicant's ID and licence scans: ``accounts.onboarding.certificate``)."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """A file system storage under ``PRIVATE_MEDIA_ROOT``, read from settings on every use
    (tests point it at a temporary directory), with no URL: a template or admin widget
    asking for one fails loudly instead of linking to a file nobody may fetch directly."""

    @property
    def base_location(self) -> str:
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError(f"{name!r} is a private file: serve it through a view that checks access")


private_storage = PrivateStorage()
