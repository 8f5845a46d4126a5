"""The order forms: the learner's checkout (who the provider should contact, a note, and
the form's token, so a double submit places one set of orders; lines and prices never come
from the browser), reviews and refund requests; the provider's accept and complete."""

from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from accounts.phone import MainlandPhoneField
from ksmall.fields import MultipleFileField, MultipleFileInput

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


def photos_field(most: int, **kwargs) -> MultipleFileField:
    """Up to ``most`` photos under one name; each is checked and re-encoded as an image by
    the service that stores it."""
    return MultipleFileField(
        max_files=most,
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
        error_messages={"too_many_files": _("Add at most %(n)d photos.")},
        **kwargs,
    )


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
    images = photos_field(MAX_REVIEW_IMAGES, label=_("Photos (up to 6)"), required=False)


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
    images = photos_field(MAX_REFUND_IMAGES, label=_("Photos (up to 6)"), required=False)


class AcceptForm(forms.Form):
    """The provider accepts a paid order with when and where the service takes place."""

    schedule = forms.CharField(
        label=_("Service schedule"),
        help_text=_("When and where: time, address or join link."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CompleteForm(forms.Form):
    """The provider completes an order with a service summary (服务总结)."""

    summary = forms.CharField(
        label=_("Service summary"),
        help_text=_("What was done, and what the learner should do next."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
