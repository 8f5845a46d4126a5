"""Reads of accounts shared by pages: users by role (admin filter, later staff lists)."""

from django.db.models import Q, QuerySet

from .models import AGENT_GROUP, ProviderProfile, User

_PROVIDER = Q(provider_profile__status=ProviderProfile.Status.APPROVED)
# Staff are agents too (accounts.permissions.is_agent).
_AGENT = Q(groups__name=AGENT_GROUP) | Q(is_staff=True)
_STAFF = Q(is_staff=True)


def users_with_role(role: str, users: QuerySet[User] | None = None) -> QuerySet[User]:
    """Users holding ``role`` ("provider", "agent", "staff"), or, for "learner", the
    users with no role besides learner (every user is a learner)."""
    users = User.objects.all() if users is None else users
    match role:
        case "provider":
            return users.filter(_PROVIDER)
        case "agent":
            return users.filter(pk__in=User.objects.filter(_AGENT).values("pk"))
        case "staff":
            return users.filter(_STAFF)
        case "learner":
            others = User.objects.filter(_PROVIDER | _AGENT).values("pk")
            return users.exclude(pk__in=others)
    raise ValueError(f"unknown role {role!r}")


def active_agents() -> QuerySet[User]:
    """Everyone who may answer chats and work tickets: active agents and staff, by name."""
    return users_with_role("agent", User.objects.filter(is_active=True)).order_by("nickname", "pk")
