"""The choice a learner makes on a detail page: package (``variant``), add-ons, quantity;
and the provider's reply to a review.

The cart's POST ``/cart/add/`` takes the same fields, so this form is the one place that
parses them; prices never come from the browser.
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .errors import CatalogError
from .models import Review, Service
from .pricing import MAX_QUANTITY, LineQuote, quote_line

MAX_ID = 2**63 - 1


class AddOnChoiceField(forms.ModelMultipleChoiceField):
    """Ids that cannot be a primary key are refused before they reach the database (a
    20-digit id overflows SQLite's integer and must not become a 500)."""

    def _check_values(self, value):
        for item in value:
            if not re.fullmatch(r"[0-9]{1,19}", str(item)) or int(item) > MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super()._check_values(value)


class LineChoiceForm(forms.Form):
    variant = forms.ModelChoiceField(
        queryset=None,
        label=_("Package"),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of the packages offered.")},
    )
    addons = AddOnChoiceField(
        queryset=None,
        label=_("Add-ons"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose among the add-ons offered.")},
    )
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1
    )

    def __init__(self, service: Service, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.service = service
        self.fields["variant"].queryset = service.packages.filter(is_active=True).select_related(
            "service"
        )
        self.fields["addons"].queryset = service.addons.filter(is_active=True)
        self.quote: LineQuote | None = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.quote = quote_line(data["variant"], data.get("addons") or (), data["quantity"])
        except CatalogError as error:
            raise forms.ValidationError(error.message) from None
        return data


REPLY_MAX_LENGTH = Review._meta.get_field("reply").max_length


class ReplyForm(forms.Form):
    """The provider's public reply to a review (/dashboard/reviews/)."""

    text = forms.CharField(max_length=REPLY_MAX_LENGTH, label=_("Your reply"))
