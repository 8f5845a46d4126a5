"""Form fields shared by several apps."""

from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name ("Uploading multiple files" in Django's docs), at most
    ``max_files`` when given; cleans to a list, empty when nothing was sent. What each file
    must be is checked by the service that stores it."""

    default_error_messages = {"too_many_files": _("Send at most %(n)d files.")}

    def __init__(self, *args, max_files: int | None = None, **kwargs) -> None:
        self.max_files = max_files
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if self.max_files is not None and len(files) > self.max_files:
            raise forms.ValidationError(
                self.error_messages["too_many_files"] % {"n": self.max_files},
                code="too_many_files",
            )
        return [super(MultipleFileField, self).clean(item, initial) for item in files]
