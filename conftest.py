"""Fixtures every test shares: in-memory SMS, a private cache, synchronous Celery, fast hashing.

Tests that need PostgreSQL or Redis are marked ``postgres`` / ``redis`` and skipped, with the
reason, when DATABASE_URL / REDIS_URL do not point at them (see pytest.ini for the markers).
"""

import os

import pytest
from django.test import Client


def _has_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def _has_redis() -> bool:
    return os.environ.get("REDIS_URL", "").startswith(("redis://", "rediss://"))


def pytest_configure(config) -> None:
    # WhiteNoise warns that STATIC_ROOT (filled by collectstatic) is missing: not a test concern.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")
    config.addinivalue_line(
        "markers",
        "real_cache: keep the configured cache (Redis when REDIS_URL is set) instead of the "
        "per-test LocMemCache",
    )
    config.addinivalue_line(
        "markers",
        "real_celery: keep Celery's configured mode (a real broker when REDIS_URL is set) "
        "instead of running tasks eagerly in the test process",
    )


def pytest_collection_modifyitems(config, items) -> None:
    skip_postgres = pytest.mark.skip(
        reason="needs PostgreSQL: set DATABASE_URL=postgres://… to run it"
    )
    skip_redis = pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://… to run it")
    for item in items:
        if item.get_closest_marker("postgres") and not _has_postgres():
            item.add_marker(skip_postgres)
        if item.get_closest_marker("redis") and not _has_redis():
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Text messages go to ``notifications.sms.outbox`` (a list of TextMessage), emptied per
    test."""
    from notifications import sms

    settings.SMS_BACKEND = "notifications.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _private_cache(request, settings):
    """A fresh local-memory cache per test: allauth's rate limits live in the cache, so
    tests must neither share buckets nor touch a real Redis. ``@pytest.mark.real_cache``
    keeps the configured cache for tests that check it (and never flushes it: the Redis
    database may hold other processes' Celery queues)."""
    if request.node.get_closest_marker("real_cache") is not None:
        yield
        return
    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{request.node.nodeid}",
        }
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Run Celery tasks in the test process so that SMS codes can be read right away.

    With REDIS_URL set the project queues tasks on Redis (CELERY_TASK_ALWAYS_EAGER is
    decided when settings load); ``@pytest.mark.real_celery`` keeps that for worker tests.
    """
    from ksmall.celery import app

    if request.node.get_closest_marker("real_celery") is not None:
        yield
        return
    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
    # Eager tasks run in several threads at once (the concurrency tests) race on Celery's
    # global "joining a result would block" flag and can leave it set, which later makes
    # every AsyncResult.get() refuse. Put it back for the next test.
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture
def csrf_client() -> Client:
    """A test client that enforces CSRF like a browser-facing server does."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def private_media_root(settings, tmp_path):
    """Private uploads (ID and licence scans: ``accounts.storage``) go to the test's own
    directory, never to var/private."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture(scope="session")
def _sandbox_key_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("payment-sandbox")


@pytest.fixture(autouse=True)
def payment_sandbox(settings, _sandbox_key_dir, monkeypatch):
    """The simulated gateway, with keys generated once per test session, whose callbacks
    reach the notify views through the test client instead of HTTP."""
    from payments.sandbox import delivery

    settings.PAYMENT_SANDBOX = True
    settings.PAYMENT_SANDBOX_KEY_DIR = _sandbox_key_dir

    def post_through_test_client(base: str, path: str, body: bytes, content_type: str) -> bool:
        response = Client().post(path, data=body, content_type=content_type)
        return response.status_code == 200

    monkeypatch.setattr(delivery, "post_callback", post_through_test_client)
