"""A genuine notify travels the real way: the notify view stores it and queues the apply
task on Redis after commit, and a real Celery worker applies it and pays the orders."""

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections
from django.test import Client
from kombu import Exchange, Queue
from kombu.exceptions import ChannelError

from ksmall.celery import app
from orders.models import Order, OrderEvent
from payments import sandbox, services
from payments.models import GatewayCallback, Method, Payment
from payments.sandbox import alipay as sandbox_alipay
from payments.tests.factories import placed_checkout

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.real_celery,
    pytest.mark.django_db(transaction=True),
]

BROWSER = services.Client(is_mobile=False, ip="203.0.113.7", site_url="http://testserver")


def _close_connections(**kwargs):
    # The worker thread's database connections must not outlive the test database.
    connections.close_all()


@pytest.fixture
def worker():
    """A worker thread of the project's app, on a queue of its own (no other worker on the
    same Redis takes our tasks, and ours takes no one else's)."""
    assert app.conf.task_always_eager is False, "REDIS_URL must send tasks to the broker"
    queue = f"ksmall-pay-test-{uuid.uuid4().hex[:8]}"
    saved = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    task_postrun.connect(_close_connections, weak=False)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=30
        ) as started:
            yield started
            # Let it finish what the test queued (the messages the payment sent).
            wait_for(lambda: _waiting(queue) == 0, timeout=10)
    finally:
        task_postrun.disconnect(_close_connections)
        app.conf.task_default_queue = saved
        with app.connection_for_write() as connection:
            # Declared here first, so that deleting it also removes its binding entries.
            bound = Queue(queue, Exchange(queue), routing_key=queue)(connection.default_channel)
            bound.declare()
            bound.delete()


def _waiting(queue: str) -> int:
    with app.connection_for_write() as connection:
        try:
            return connection.default_channel.queue_declare(queue, passive=True).message_count
        except ChannelError:  # Redis keeps no empty queue: nothing waits
            return 0


def wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_genuine_notify_is_applied_by_the_worker(worker):
    checkout = placed_checkout("199.00", "88.50")
    payment, _started = services.start_payment(checkout, method=Method.ALIPAY, client=BROWSER)
    sandbox.open_trade(Method.ALIPAY, payment.out_trade_no, payment.amount, "KS Mall")
    trade = sandbox.settle_trade(payment.out_trade_no, paid=True)
    body = sandbox_alipay.payment_notify(trade)

    def all_paid() -> bool:
        return (
            not Order.objects.filter(checkout=checkout).exclude(status=Order.Status.PAID).exists()
        )

    started = time.monotonic()
    response = Client().post(
        "/pay/notify/alipay/", data=body, content_type="application/x-www-form-urlencoded"
    )
    answered = time.monotonic() - started
    paid = wait_for(all_paid)
    elapsed = time.monotonic() - started

    print(f"notify answered in {answered:.3f} s; orders paid {elapsed:.3f} s after the POST")
    assert response.status_code == 200
    assert response.content == b"success"
    assert paid, "the worker did not apply the notify within 10 s"
    callback = GatewayCallback.objects.get()
    assert callback.outcome == GatewayCallback.Outcome.APPLIED
    assert callback.attempts == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert OrderEvent.objects.filter(order__checkout=checkout, event="pay").count() == 2
