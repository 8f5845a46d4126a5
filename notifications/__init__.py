"""Notifications: the site inbox every app writes to through ``notify(user, event, context)``."""
