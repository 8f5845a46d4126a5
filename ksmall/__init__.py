"""KS Mall project package: settings, URLs, the Celery app and project-wide helpers."""

from .celery import app as celery_app

__all__ = ("celery_app",)
