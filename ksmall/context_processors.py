"""Values every page's header needs: the site name, the unread count and the user's roles."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.permissions import roles_of
from notifications.selectors import unread_count


def site(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "site_name": settings.KSMALL_SITE_NAME,
        "payment_sandbox": settings.PAYMENT_SANDBOX,
        "unread_messages": unread_count(user) if signed_in else 0,
        # Lazy: the query runs only on pages whose template asks for a role.
        "roles": SimpleLazyObject(lambda: roles_of(user)) if signed_in else frozenset(),
    }
