"""Notifications: the site inbox every app writes to through ``notify(user, event, context)``,
and its delivery by email and SMS as each user's preferences allow."""
