"""/healthz: database, cache and (with Redis) the Celery broker; 200 when all answer, else 503."""

import pytest

from ksmall import health

pytestmark = pytest.mark.django_db

HEALTHZ = "/healthz"


def test_healthz_answers_200_with_database_and_cache_ok(client, settings):
    settings.REDIS_URL = ""

    response = client.get(HEALTHZ)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["status"] == "ok"
    assert data["checks"]["database"]["ok"] is True
    assert data["checks"]["cache"]["ok"] is True
    assert "broker" not in data["checks"]


def test_healthz_is_never_cached(client):
    response = client.get(HEALTHZ)

    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    def broken():
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(health, "_check_database", broken)

    response = client.get(HEALTHZ)

    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "unavailable"
    assert data["checks"]["database"] == {"ok": False, "error": "ConnectionError"}
    assert data["checks"]["cache"]["ok"] is True


def test_healthz_answers_503_when_the_cache_is_down(client, monkeypatch):
    monkeypatch.setattr(health, "_check_cache", lambda: 1 / 0)

    response = client.get(HEALTHZ)

    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False


def test_healthz_does_not_reveal_error_details(client, monkeypatch):
    def broken():
        raise RuntimeError("password=hunter2 host=10.0.0.5")

    monkeypatch.setattr(health, "_check_database", broken)

    body = client.get(HEALTHZ).content.decode()

    assert "hunter2" not in body and "10.0.0.5" not in body


def test_healthz_needs_no_login_and_refuses_post(client):
    assert client.get(HEALTHZ).status_code == 200
    assert client.post(HEALTHZ).status_code == 405


@pytest.mark.redis
@pytest.mark.real_cache
def test_with_redis_the_broker_and_redis_cache_are_checked(client, settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")

    response = client.get(HEALTHZ)

    data = response.json()
    assert response.status_code == 200, data
    assert data["checks"]["broker"]["ok"] is True
    assert data["checks"]["cache"]["ok"] is True


@pytest.mark.redis
def test_with_redis_an_unreachable_broker_answers_503(client, monkeypatch):
    def broken():
        raise ConnectionRefusedError

    monkeypatch.setattr(health, "_check_broker", broken)

    response = client.get(HEALTHZ)

    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


@pytest.mark.django_db
def test_healthz_answers_head_for_load_balancers(client):
    assert client.head("/healthz").status_code == 200
