"""``{{ price|yuan }}`` shows an amount as ``¥1,299.00``."""

from django import template

from ksmall.money import format_yuan

register = template.Library()


@register.filter
def yuan(amount) -> str:
    if amount is None or amount == "":
        return ""
    return format_yuan(amount)
