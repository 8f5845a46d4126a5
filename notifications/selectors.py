"""Reads of the inbox shared by pages (the header count, the messages page) and preferences."""

from django.contrib.auth.base_user import AbstractBaseUser as User
from django.db.models import QuerySet

from .models import Message, NotificationPreference


def unread_count(user: User) -> int:
    return Message.objects.filter(user=user, read_at__isnull=True).count()


def inbox(user: User) -> QuerySet[Message]:
    return Message.objects.filter(user=user).order_by("-created_at", "-pk")


def get_preferences(user: User) -> NotificationPreference:
    """The user's channel choices; the defaults, unsaved, for a user who never chose."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )
