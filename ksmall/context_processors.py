"""Values every page's header needs: the site name and the signed-in user's unread count."""

from django.conf import settings
from django.http import HttpRequest

from notifications.selectors import unread_count


def site(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {
        "site_name": settings.KSMALL_SITE_NAME,
        "unread_messages": unread_count(user) if user and user.is_authenticated else 0,
    }
