"""The choice a learner makes on a detail page: package (``variant``), add-ons, quantity.

The cart's POST ``/cart/add/`` takes the same fields, so this form is the one place that
parses them; prices never come from the browser.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .errors import CatalogError
from .models import Service
from .pricing import MAX_QUANTITY, LineQuote, quote_line


class LineChoiceForm(forms.Form):
    variant = forms.ModelChoiceField(
        queryset=None,
        label=_("Package"),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of the packages offered.")},
    )
    addons = forms.ModelMultipleChoiceField(
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
