"""Template filters for phone numbers: {{ user.phone|phone_display }} → 139 8881 3555."""

from django import template

from accounts.phone import mask_phone, national_number

register = template.Library()


@register.filter
def phone_display(phone: str) -> str:
    number = national_number(phone)
    if len(number) != 11:
        return number
    return f"{number[:3]} {number[3:7]} {number[7:]}"


@register.filter
def phone_masked(phone: str) -> str:
    return mask_phone(phone)
