"""Audit log of sign-ins (successes and failures, never the password or the code), and
the mark a sign-in by code leaves in the session."""

import logging
import time

from allauth.account.signals import authentication_step_completed
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

log = logging.getLogger("ksmall.auth")


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs) -> None:
    log.info("login ok user=%s ip=%s", user.pk, _client_ip(request))


@receiver(user_login_failed)
def log_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # credentials are already cleansed by Django; record only which kind of login it was.
    kind = "phone" if credentials.get("phone") else "email" if credentials.get("email") else "other"
    log.warning("login failed kind=%s ip=%s", kind, _client_ip(request))


CODE_SIGN_IN_AT = "accounts_code_sign_in_at"


@receiver(authentication_step_completed)
def remember_code_sign_in(sender, request, method, user, **kwargs) -> None:
    """A sign-in by SMS or email code proves the number or address just now; for a few
    minutes that is enough to set a new password without the old one (people who signed
    up by phone have no email to reset it by)."""
    if method == "code" and request is not None:
        request.session[CODE_SIGN_IN_AT] = time.time()
