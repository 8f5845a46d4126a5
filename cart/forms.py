"""What the cart page posts for one line: a new quantity (typed, or one step up or down),
ticked or not, or "accept the new price". Junk values are form errors, never a 500."""

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.pricing import MAX_QUANTITY


class LineUpdateForm(forms.Form):
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=MAX_QUANTITY,
        required=False,
        error_messages={
            "min_value": _("Choose a quantity between 1 and 99."),
            "max_value": _("Choose a quantity between 1 and 99."),
            "invalid": _("Choose a quantity between 1 and 99."),
        },
    )
    step = forms.TypedChoiceField(choices=[("-1", "-1"), ("1", "1")], coerce=int, required=False)
    selected = forms.TypedChoiceField(
        choices=[("0", "0"), ("1", "1")], coerce=lambda value: value == "1", required=False
    )
    accept_price = forms.BooleanField(required=False)

    def changes(self, current_quantity: int) -> dict:
        """Keyword arguments for cart.services.update_line."""
        data = self.cleaned_data
        quantity = data.get("quantity")
        if data.get("step") not in (None, ""):
            quantity = current_quantity + data["step"]
            if not 1 <= quantity <= MAX_QUANTITY:
                quantity = None  # − at 1 and + at 99 do nothing
        selected = data.get("selected")
        return {
            "quantity": quantity if quantity != current_quantity else None,
            "selected": None if self.data.get("selected") is None else selected,
            "accept_price": data.get("accept_price", False),
        }
