"""The learner's order forms: checkout (who the provider should contact, a note, and the
form's token, so a double submit places one set of orders; lines and prices never come from
the browser), reviews and refund requests."""

from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from accounts.phone import MainlandPhoneField

from .services import MAX_REFUND_IMAGES, MAX_REVIEW_IMAGES, REFUND_REASON_LENGTH


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


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files under one name (``<input multiple>``), at most ``max_files``; each is
    checked and re-encoded as an image by the service that stores it."""

    def __init__(self, *, max_files: int, **kwargs):
        self.max_files = max_files
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/*"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [item for item in (data if isinstance(data, (list, tuple)) else [data]) if item]
        if len(files) > self.max_files:
            raise forms.ValidationError(
                _("Add at most %(n)d photos.") % {"n": self.max_files}, code="too_many_files"
            )
        return [super(MultipleImageField, self).clean(item, initial) for item in files]


class ReviewForm(forms.Form):
    """Stars, words and up to six photos for one line of a completed order."""

    line = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        initial=5,
    )
    text = forms.CharField(
        label=_("Your review"),
        min_length=5,
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("What was it like? What did you get out of it?")}
        ),
    )
    images = MultipleImageField(
        label=_("Photos (up to 6)"), required=False, max_files=MAX_REVIEW_IMAGES
    )


class RefundForm(forms.Form):
    """How much back (at most what the policy allows, checked by the service), why, and up
    to six photos."""

    amount = forms.DecimalField(
        label=_("Refund amount (¥)"), min_value=Decimal("0.01"), max_digits=10, decimal_places=2
    )
    reason = forms.CharField(
        label=_("Reason"),
        min_length=REFUND_REASON_LENGTH[0],
        max_length=REFUND_REASON_LENGTH[1],
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("Tell the provider why you want a refund.")}
        ),
    )
    images = MultipleImageField(
        label=_("Photos (up to 6)"), required=False, max_files=MAX_REFUND_IMAGES
    )
