"""Deployment settings, response headers, hosts, CSRF and error pages."""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.tests.factories import PASSWORD, UserFactory

BASE_DIR = Path(__file__).resolve().parents[2]

# Views that may accept a POST without a CSRF token: the payment gateways' callbacks, which
# are verified by signature instead; anything else is a hole.
CSRF_EXEMPT_ALLOWED: set[str] = {
    "pay/notify/alipay/",
    "pay/notify/wechat/",
    "pay/notify/wechat/refund/",
}


def production_env(**variables) -> dict:
    """A clean environment, as a server would have: the system basics plus ``variables``.
    Nothing leaks in from the test run (REDIS_URL, DEBUG, DJANGO_ALLOW_ASYNC_UNSAFE…)."""
    basics = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return {**basics, "DJANGO_SETTINGS_MODULE": "ksmall.settings", **variables}


def test_check_deploy_passes_with_production_settings(tmp_path):
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = production_env(
        DEBUG="False",
        SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(60)),
        ALLOWED_HOSTS="ksmall.example.com",
        SMS_BACKEND="notifications.sms.ConsoleBackend",
        EMAIL_URL="smtp+tls://mailer:secret@smtp.example.com:587",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}",
    )

    result = subprocess.run(  # noqa: S603 (fixed argv: this interpreter, our manage.py)
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_no_security_check_is_silenced(settings):
    silenced = getattr(settings, "SILENCED_SYSTEM_CHECKS", [])
    assert not [check for check in silenced if check.startswith("security.")]


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS"),
        ("SMS_BACKEND", "SMS_BACKEND and EMAIL_URL"),
        ("EMAIL_URL", "SMS_BACKEND and EMAIL_URL"),
    ],
)
def test_production_refuses_to_start_on_development_defaults(tmp_path, missing, message):
    """With DEBUG off, hosts and the SMS and email backends must be chosen on purpose: the
    console backends would print codes and reset links into the logs."""
    variables = {
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "ksmall.example.com",
        "SMS_BACKEND": "notifications.sms.ConsoleBackend",
        "EMAIL_URL": "consolemail://",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
    }
    del variables[missing]

    result = subprocess.run(  # noqa: S603 (fixed argv: this interpreter, our manage.py)
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=production_env(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_to_start_with_the_public_dev_key(tmp_path):
    env = production_env(
        DEBUG="False",
        ALLOWED_HOSTS="ksmall.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
    )

    result = subprocess.run(  # noqa: S603 (fixed argv: this interpreter, our manage.py)
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client):
    response = client.get("/")

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    # Video clips given by an https address must be able to play.
    assert "media-src 'self' https:" in csp
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_session_cookie_is_http_only(client):
    UserFactory(email="lin@example.com")
    client.post("/accounts/login/", {"login": "lin@example.com", "password": PASSWORD})

    assert client.cookies["sessionid"]["httponly"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "host", ["evil.example", "ksmall.example.com.evil.example", "localhost:80@evil"]
)
def test_an_unknown_host_header_gets_400(client, host):
    response = client.get("/", HTTP_HOST=host)

    assert response.status_code == 400


@pytest.mark.django_db
def test_a_tokenless_post_to_login_is_forbidden():
    UserFactory(email="lin@example.com")
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"login": "lin@example.com", "password": PASSWORD})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_post_with_a_forged_token_is_forbidden():
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")

    response = client.post(
        "/accounts/login/",
        {"login": "x@example.com", "password": "y", "csrfmiddlewaretoken": "A" * 64},
    )

    assert response.status_code == 403


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_only_allowlisted_views_skip_csrf():
    exempt = {
        route
        for route, view in _walk(get_resolver().url_patterns)
        if getattr(view, "csrf_exempt", False)
    }

    assert exempt <= CSRF_EXEMPT_ALLOWED, exempt - CSRF_EXEMPT_ALLOWED


@pytest.mark.django_db
def test_a_missing_page_shows_the_site_404_without_debug_details(client, settings):
    settings.DEBUG = False

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    body = response.content.decode()
    assert "Traceback" not in body and "URLconf" not in body
    assert "404.html" in [t.name for t in response.templates]


@pytest.mark.django_db
@pytest.mark.urls("ksmall.tests.crash_urls")
def test_a_crash_shows_the_plain_500_page(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    response = client.get("/crash/")

    assert response.status_code == 500
    body = response.content.decode()
    assert "Traceback" not in body and "secret detail" not in body
