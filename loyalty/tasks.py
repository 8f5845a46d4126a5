"""Membership timers: thin wrappers around ``loyalty.services``."""

from celery import shared_task

from . import services


@shared_task(name="loyalty.remind_expiring_memberships", acks_late=True)
def remind_expiring_memberships() -> int:
    return services.remind_expiring_memberships()
