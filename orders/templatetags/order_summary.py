"""The learner's orders at a glance, for /me/: ``{% order_counts user as counts %}``."""

from django import template

from orders import selectors

register = template.Library()


@register.simple_tag
def order_counts(user) -> list[tuple[str, str, int]]:
    return selectors.order_counts(user)
