"""Tasks travel through Redis to a real Celery worker and their results come back."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from ksmall.celery import app, ping
from notifications.tasks import deliver_sms

BASE_DIR = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.redis, pytest.mark.real_celery]


@pytest.fixture
def worker(tmp_path):
    """A worker process on a queue of its own, so that no other worker takes our tasks."""
    queue = f"ksmall-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    env = {**os.environ, "SMS_BACKEND": "notifications.sms.ConsoleBackend"}
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ksmall",
                "worker",
                "--pool",
                "solo",
                "--queues",
                queue,
                "--hostname",
                f"{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield queue, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_tasks_are_not_run_in_process_when_redis_is_configured():
    assert app.conf.task_always_eager is False
    assert app.conf.broker_url.startswith("redis://")


def test_ping_returns_pong_through_the_broker_and_result_backend(worker):
    queue, log = worker

    result = ping.apply_async(queue=queue)

    try:
        assert result.get(timeout=30) == "pong"
    except Exception:
        print(log.read_text())
        raise
    assert result.successful()


def test_an_sms_task_is_delivered_by_the_worker(worker):
    queue, log = worker

    deliver_sms.apply_async(("+8613800000001", "worker says hi 424242"), queue=queue).get(
        timeout=30
    )

    deadline = time.monotonic() + 5
    while "worker says hi 424242" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "[SMS to +8613800000001] worker says hi 424242" in log.read_text()
