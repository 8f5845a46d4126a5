"""Roles and the decorators that guard role-only pages.

Roles: learner (every signed-in user), provider (an approved ProviderProfile), member
(arrives with loyalty), agent (group 客服, or staff), staff (``is_staff``). Anonymous
visitors are sent to the login page; signed-in users without the role get a 403 page.
"""

import time
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from .models import AGENT_GROUP, ProviderProfile, User
from .signals import CODE_SIGN_IN_AT


def is_provider(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    try:
        return user.provider_profile.status == ProviderProfile.Status.APPROVED
    except ProviderProfile.DoesNotExist:
        return False


def is_agent(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_staff or user.groups.filter(name=AGENT_GROUP).exists()


def is_staff(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.is_active and user.is_staff


def roles_of(user: User | AnonymousUser) -> frozenset[str]:
    """Every role of ``user`` in one query: a subset of {"provider", "agent", "staff"}.

    For pages that show several role-dependent links (the header menu); a guard for one
    role uses the is_… function of that role.
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    flags = (
        User.objects.filter(pk=user.pk)
        .annotate(
            provider=Exists(
                ProviderProfile.objects.filter(
                    user=OuterRef("pk"), status=ProviderProfile.Status.APPROVED
                )
            ),
            agent=Exists(Group.objects.filter(user=OuterRef("pk"), name=AGENT_GROUP)),
        )
        .values("provider", "agent")
        .get()
    )
    roles = {role for role, has in flags.items() if has}
    if user.is_staff:
        roles |= {"staff", "agent"}
    return frozenset(roles)


# How long after a sign-in by code a new password may be set without the old one.
NEW_PASSWORD_WINDOW = 10 * 60


def may_set_password_without_old(request: HttpRequest) -> bool:
    """True for a few minutes after a sign-in by SMS or email code (the mark is left by
    accounts.signals.remember_code_sign_in): the code proved the number or address."""
    at = request.session.get(CODE_SIGN_IN_AT)
    return at is not None and time.time() - at < NEW_PASSWORD_WINDOW


def role_required(test: Callable[[object], bool]) -> Callable:
    """Decorator factory: login first, then ``test(request.user)`` or PermissionDenied."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not test(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


provider_required = role_required(is_provider)
agent_required = role_required(is_agent)
staff_required = role_required(is_staff)
