"""Time filters for the support console."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def within_a_minute(moment: datetime | None) -> bool:
    """True for a time less than a minute ago, which timesince would call "0 minutes"."""
    return moment is not None and timezone.now() - moment < timedelta(minutes=1)
