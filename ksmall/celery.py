"""The Celery app. Without REDIS_URL tasks run eagerly in-process; with it, on real workers."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ksmall.settings")

app = Celery("ksmall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="ksmall.ping")
def ping() -> str:
    """Answer "pong": used by the health check's broker probe and by the worker test."""
    return "pong"
