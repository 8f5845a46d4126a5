"""Template helpers for catalogue pages: Markdown descriptions, stars, masked reviewer names."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.safestring import mark_safe

from catalog import selectors
from catalog.markdown import render_markdown
from catalog.models import Service

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    # Safe: render_markdown escapes raw HTML and nh3 sanitises the result.
    return mark_safe(render_markdown(text or ""))  # noqa: S308


@register.filter
def star_class(rating) -> str:
    """``stars--45`` for 4.5: ratings rounded to half stars, drawn by CSS classes (the
    Content-Security-Policy forbids inline styles)."""
    try:
        halves = round(Decimal(rating or 0) * 2)
    except (InvalidOperation, TypeError):
        halves = 0
    return f"stars--{max(0, min(10, halves)) * 5}"


@register.filter
def masked_name(name: str) -> str:
    """How a reviewer appears to others: 小林 → 小*, 学习达人 → 学**人."""
    name = str(name or "")
    if len(name) <= 1:
        return name + "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * min(len(name) - 2, 3) + name[-1]


@register.simple_tag
def recently_viewed(user, limit: int = 8) -> list:
    """``{% recently_viewed user as services %}``: the learner's last opened services."""
    return selectors.recently_viewed(user, limit=limit)


@register.simple_tag
def latest_favorites(user, limit: int = 4) -> dict:
    """``{% latest_favorites user as favorites %}``: how many the learner saved and the
    newest few still on sale (two queries)."""
    saved = selectors.favorites_of(user)
    return {
        "count": saved.count(),
        "services": [
            favorite.service
            for favorite in saved.filter(service__status=Service.Status.PUBLISHED)[:limit]
        ],
    }
