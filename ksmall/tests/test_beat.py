"""Every task Celery beat is told to run exists under that name."""

from django.conf import settings

from ksmall.celery import app


def test_every_scheduled_task_is_a_registered_task():
    app.loader.import_default_modules()

    missing = [
        entry["task"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] not in app.tasks
    ]

    assert settings.CELERY_BEAT_SCHEDULE
    assert missing == []
