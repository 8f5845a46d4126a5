"""Celery tasks of notifications: thin wrappers that send email and SMS, retried on network
errors.

All three share ``DELIVERY_OPTIONS``. ``acks_late`` means a message taken by a worker
that dies is delivered again: ``deliver_message`` is idempotent (a ``Delivery`` row per
message and channel); a ready email or text (sign-in codes, allauth's mail) may then
arrive twice, which beats never.
"""

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

from . import services, sms

DELIVERY_OPTIONS = {
    "autoretry_for": services.NETWORK_ERRORS,
    "retry_backoff": 10,  # 10 s, 20 s, 40 s… with jitter, capped by retry_backoff_max (10 min)
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
}


@shared_task(name="notifications.deliver_message", **DELIVERY_OPTIONS)
def deliver_message(message_id: int) -> list[str]:
    return services.deliver_message(message_id)


@shared_task(name="notifications.deliver_email", **DELIVERY_OPTIONS)
def deliver_email(
    subject: str, body: str, from_email: str, to: list[str], html: str | None = None
) -> None:
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@shared_task(name="notifications.deliver_sms", **DELIVERY_OPTIONS)
def deliver_sms(phone: str, text: str) -> None:
    sms.send_sms(phone, text)
