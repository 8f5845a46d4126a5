"""Celery tasks of support: the ticket timer, a thin wrapper around ``support.tickets``.

Idempotent (a second run finds nothing left to close), so beat may run it often and a
redelivered task does no harm.
"""

from celery import shared_task

from . import tickets


@shared_task(name="support.close_resolved_tickets", acks_late=True)
def close_resolved_tickets() -> int:
    return tickets.close_resolved_tickets()
