"""Celery tasks of notifications: delivery of email, retried on network errors."""

from celery import shared_task
from django.core.mail import EmailMultiAlternatives


@shared_task(
    name="notifications.deliver_email",
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=10,
    retry_jitter=True,
    max_retries=5,
)
def deliver_email(
    subject: str, body: str, from_email: str, to: list[str], html: str | None = None
) -> None:
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
