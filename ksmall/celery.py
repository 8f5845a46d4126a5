"""The Celery app. Without REDIS_URL tasks run eagerly in-process; with it, on real workers."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ksmall.settings")

app = Celery("ksmall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="ksmall.ping")
def ping() -> str:
    """Answer "pong": a round trip through broker, worker and result backend (the worker
    test uses it; so can an operator: `celery -A ksmall call ksmall.ping`)."""
    return "pong"
