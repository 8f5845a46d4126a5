"""Mainland mobile numbers: what people type becomes E.164, anything else is refused."""

import pytest
from django.core.exceptions import ValidationError

from accounts.phone import MainlandPhoneField, mask_phone, national_number, normalize_phone


@pytest.mark.parametrize(
    "typed",
    [
        "13800138000",
        "138 0013 8000",
        "+86 138-0013-8000",
        "008613800138000",
        "8613800138000",
        " 138-0013-8000 ",
        "(+86) 13800138000",
        "１３８００１３８０００",  # full-width digits, as a Chinese input method types them
        "＋８６ １３８００１３８０００",
    ],
)
def test_usual_ways_of_typing_a_mainland_mobile_become_e164(typed):
    assert normalize_phone(typed) == "+8613800138000"


@pytest.mark.parametrize(
    "typed",
    [
        "12345",
        "23800138000",  # does not start with 1
        "12800138000",  # 12x is not a mobile range
        "+1 2025550123",  # a US number
        "",
        "abc",
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "+8613800138000 ext 1",
        "13٨٠٠١٣٨٠٠٠",  # Arabic-Indic digits
        "+852 91234567",  # Hong Kong
    ],
)
def test_anything_else_is_refused_with_a_clear_message(typed):
    with pytest.raises(ValidationError) as excinfo:
        normalize_phone(typed)
    assert excinfo.value.code == "invalid_phone"


def test_none_is_refused():
    with pytest.raises(ValidationError):
        normalize_phone(None)


def test_numbers_are_shown_masked_in_the_middle():
    assert mask_phone("+8613800138000") == "138****8000"
    assert national_number("+8613800138000") == "13800138000"


def test_the_form_field_cleans_to_e164_and_shows_the_national_number():
    field = MainlandPhoneField()
    assert field.clean("138 0013 8000") == "+8613800138000"
    assert field.prepare_value("+8613800138000") == "13800138000"
    with pytest.raises(ValidationError):
        field.clean("12345")


@pytest.mark.parametrize("typed", ["13８００１３８０００", "13٨٠٠١٣٨٠٠٠"])
def test_non_ascii_digits_never_reach_the_database(typed):
    """Full-width or Arabic-Indic digits are either read as the same number or refused:
    a stored number is always "+86" and 11 ASCII digits, so one number is one account."""
    try:
        result = normalize_phone(typed)
    except ValidationError:
        return
    assert result == "+8613800138000"
