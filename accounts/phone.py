"""Mainland China mobile numbers: parse what people type, store E.164 (+86…), show masked."""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# 11 digits starting 13–19: every mainland mobile range in use.
_MAINLAND_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_SEPARATORS = re.compile(r"[\s\-()]")


def normalize_phone(raw: str) -> str:
    """Return "+86XXXXXXXXXXX" for a mainland mobile number typed in any usual way.

    Accepts "13800138000", "138 0013 8000", "+86 138-0013-8000" and "008613800138000".
    Raises ValidationError for anything else.
    """
    # NFKC turns full-width digits and plus signs (typed with a Chinese IME) into ASCII;
    # any other non-ASCII digit then fails the pattern, so one number is one account.
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not _MAINLAND_MOBILE.match(digits):
        raise ValidationError(
            _("Enter a valid mainland China mobile number, e.g. 13800138000."),
            code="invalid_phone",
        )
    return "+86" + digits


def national_number(phone: str) -> str:
    """ "+8613800138000" -> "13800138000"."""
    return phone[3:] if phone and phone.startswith("+86") else phone or ""


def mask_phone(phone: str) -> str:
    """ "+8613800138000" -> "138****8000", the way Chinese sites show a number."""
    number = national_number(phone)
    if len(number) != 11:
        return number
    return f"{number[:3]}****{number[-4:]}"


class MainlandPhoneField(forms.CharField):
    """A form field that takes a mainland mobile number and cleans it to E.164."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 24)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "type": "tel",
                    "autocomplete": "tel-national",
                    "inputmode": "numeric",
                    "placeholder": _("11-digit mobile number"),
                }
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_phone(value) if value else value

    def prepare_value(self, value):
        return national_number(value) if isinstance(value, str) else value
