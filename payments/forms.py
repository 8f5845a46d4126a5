"""Forms of the payment pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ksmall.documents import checked_document


class VoucherForm(forms.Form):
    """The receipt (回单) of a bank transfer: a photo or scan, or the bank's PDF."""

    payer_name = forms.CharField(
        label=_("Paying account name"),
        max_length=100,
        help_text=_("The company or person the transfer came from."),
    )
    file = forms.FileField(
        label=_("Transfer receipt"),
        help_text=_("A photo, scan or PDF of the bank's receipt, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean_file(self):
        return checked_document(self.cleaned_data["file"])
