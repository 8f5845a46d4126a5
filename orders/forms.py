"""The checkout form: who the provider should contact, a note, and the form's token (a
double submit of the same form places one set of orders). Lines and prices never come
from the browser."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from accounts.phone import MainlandPhoneField


class CheckoutForm(forms.Form):
    contact_name = forms.CharField(label=_("Contact name"), max_length=40)
    contact_phone = MainlandPhoneField(label=_("Contact mobile number"))
    note = forms.CharField(
        label=_("Note to the provider"),
        max_length=500,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("Preferred times, goals, questions… (optional)")}
        ),
    )
    token = forms.CharField(
        widget=forms.HiddenInput,
        max_length=64,
        validators=[RegexValidator(r"^[0-9a-f]{32}$")],
    )
