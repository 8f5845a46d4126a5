"""The notification settings form: which categories also go out by email and by SMS."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .events import CATEGORIES
from .models import PREFERENCE_FIELDS, Channel, NotificationPreference


class PreferencesForm(forms.Form):
    """One checkbox per category and channel, all named ``enabled`` with the preference's
    field name as value (``orders_sms``): a ticked box sends its value, an unticked one
    nothing, and a value that names no preference is refused."""

    enabled = forms.MultipleChoiceField(
        choices=[(name, name) for name in PREFERENCE_FIELDS],
        required=False,
        error_messages={
            "invalid_choice": _(
                "These notification settings could not be read. "
                "Please reload the page and try again."
            )
        },
    )

    def __init__(self, *args, preferences: NotificationPreference | None = None, **kwargs):
        if preferences is not None:
            kwargs.setdefault(
                "initial",
                {"enabled": [name for name in PREFERENCE_FIELDS if getattr(preferences, name)]},
            )
        super().__init__(*args, **kwargs)

    def flags(self) -> dict[str, bool]:
        """Every preference, on or off, as ``set_preferences`` takes them."""
        enabled = set(self.cleaned_data["enabled"])
        return {name: name in enabled for name in PREFERENCE_FIELDS}

    def rows(self) -> list[dict]:
        """The table the page shows: a row per category, a checkbox per channel."""
        if self.is_bound:
            ticked = set(self.data.getlist("enabled")) if hasattr(self.data, "getlist") else set()
        else:
            ticked = set(self.initial.get("enabled", []))
        return [
            {
                "label": label,
                "boxes": [
                    {
                        "name": f"{category}_{channel}",
                        "label": _("%(category)s by %(channel)s")
                        % {"category": label, "channel": channel_label},
                        "checked": f"{category}_{channel}" in ticked,
                    }
                    for channel, channel_label in Channel.choices
                ],
            }
            for category, label in CATEGORIES.items()
        ]
