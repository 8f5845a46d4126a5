"""Celery tasks of accounts: thin, retried wrappers around the SMS backend."""

from celery import shared_task

from . import sms


@shared_task(
    name="accounts.deliver_sms",
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=5,
    retry_jitter=True,
    max_retries=5,
)
def deliver_sms(phone: str, text: str) -> None:
    sms.send_sms(phone, text)
