"""The order timers: unpaid orders cancelled after the deadline, accepted orders started on
their start date, orders in service completed after their study period; the Celery tasks
and the run_timers command that wrap them."""

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.tests.factories import ServiceFactory
from orders import tasks
from orders.models import Order, OrderEvent
from orders.numbers import CHINA
from orders.services import cancel_expired_orders, complete_overdue_orders, start_due_orders
from orders.states import Event, Role, Status
from orders.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 4, 0, tzinfo=CHINA)  # 04:00 on 1 March in Beijing


def status_of(order) -> str:
    return Order.objects.get(pk=order.pk).status


def unpaid(deadline: datetime, **kwargs) -> Order:
    return OrderFactory(checkout__pay_deadline=deadline, **kwargs)


def awaiting(starts_on: date | None) -> Order:
    return OrderFactory(status=Status.AWAITING_SERVICE, line__package__service__starts_on=starts_on)


def in_service(started_days_ago: float, study_days: int | None = None) -> Order:
    return OrderFactory(
        status=Status.IN_SERVICE,
        started_at=NOW - timedelta(days=started_days_ago),
        line__package__service__study_days=study_days,
    )


# --- unpaid orders ----------------------------------------------------------------------------


def test_orders_unpaid_past_the_deadline_are_cancelled_and_give_their_seats_back():
    late = unpaid(
        NOW - timedelta(minutes=1),
        line__quantity=2,
        line__package__capacity=5,
        line__package__reserved=2,
    )
    in_time = unpaid(NOW + timedelta(minutes=1))

    assert cancel_expired_orders(now=NOW) == 1

    assert status_of(late) == Status.CANCELLED
    assert status_of(in_time) == Status.PENDING_PAYMENT
    package = late.lines.get().package
    package.refresh_from_db()
    assert package.reserved == 0
    logged = OrderEvent.objects.get(order=late)
    assert (logged.event, logged.actor, logged.actor_role) == (Event.TIMEOUT, None, Role.SYSTEM)


def test_every_order_of_an_expired_checkout_is_cancelled():
    first = unpaid(NOW - timedelta(minutes=5))
    second = OrderFactory(checkout=first.checkout)

    assert cancel_expired_orders(now=NOW) == 2

    assert status_of(first) == status_of(second) == Status.CANCELLED


def test_paid_orders_are_not_cancelled_by_the_deadline():
    paid = unpaid(NOW - timedelta(hours=1), status=Status.PAID)

    assert cancel_expired_orders(now=NOW) == 0

    assert status_of(paid) == Status.PAID


def test_cancelling_expired_orders_twice_cancels_once():
    unpaid(NOW - timedelta(minutes=1))

    assert cancel_expired_orders(now=NOW) == 1
    assert cancel_expired_orders(now=NOW) == 0
    assert OrderEvent.objects.count() == 1


def test_the_deadline_defaults_to_now():
    late = unpaid(timezone.now() - timedelta(seconds=1))

    assert cancel_expired_orders() == 1
    assert status_of(late) == Status.CANCELLED


# --- starting ---------------------------------------------------------------------------------


def test_accepted_orders_start_on_their_start_date_in_china():
    # 04:00 on 1 March in Beijing is still 28 February in UTC.
    due = awaiting(date(2026, 3, 1))
    overdue = awaiting(date(2026, 2, 20))
    later = awaiting(date(2026, 3, 2))
    undated = awaiting(None)

    assert start_due_orders(now=NOW) == 2

    assert status_of(due) == status_of(overdue) == Status.IN_SERVICE
    assert status_of(later) == status_of(undated) == Status.AWAITING_SERVICE
    logged = OrderEvent.objects.get(order=due)
    assert (logged.event, logged.actor_role) == (Event.START, Role.SYSTEM)


def test_an_order_of_several_lines_starts_with_its_first_line_and_once():
    order = awaiting(date(2026, 3, 10))
    OrderLineFactory(order=order, package__service=ServiceFactory(starts_on=date(2026, 2, 1)))
    OrderLineFactory(order=order, package__service=ServiceFactory(starts_on=date(2026, 2, 2)))

    assert start_due_orders(now=NOW) == 1

    assert OrderEvent.objects.filter(order=order).count() == 1


def test_paid_orders_not_yet_accepted_are_not_started():
    order = OrderFactory(status=Status.PAID, line__package__service__starts_on=date(2026, 2, 1))

    assert start_due_orders(now=NOW) == 0
    assert status_of(order) == Status.PAID


# --- completing -------------------------------------------------------------------------------


def test_orders_complete_a_week_after_they_started_by_default():
    done = in_service(started_days_ago=7)
    ongoing = in_service(started_days_ago=6.9)

    assert complete_overdue_orders(now=NOW) == 1

    assert status_of(done) == Status.COMPLETED
    assert status_of(ongoing) == Status.IN_SERVICE
    logged = OrderEvent.objects.get(order=done)
    assert (logged.event, logged.actor_role) == (Event.COMPLETE, Role.SYSTEM)


def test_a_longer_study_period_is_waited_out():
    course = in_service(started_days_ago=20, study_days=28)
    finished = in_service(started_days_ago=28, study_days=28)

    assert complete_overdue_orders(now=NOW) == 1

    assert status_of(course) == Status.IN_SERVICE
    assert status_of(finished) == Status.COMPLETED


def test_a_shorter_study_period_still_waits_the_minimum():
    order = in_service(started_days_ago=3, study_days=1)

    assert complete_overdue_orders(now=NOW) == 0
    assert status_of(order) == Status.IN_SERVICE


def test_the_minimum_follows_the_setting(settings):
    settings.ORDER_AUTO_COMPLETE_DAYS = 3
    order = in_service(started_days_ago=3)

    assert complete_overdue_orders(now=NOW) == 1
    assert status_of(order) == Status.COMPLETED


def test_the_study_period_bought_is_kept_when_the_listing_changes():
    order = in_service(started_days_ago=10, study_days=30)
    service = order.lines.get().service
    service.study_days = 2
    service.save()

    assert complete_overdue_orders(now=NOW) == 0


# --- tasks and command ------------------------------------------------------------------------


def test_the_tasks_run_the_timers_and_are_safe_to_run_twice():
    unpaid(timezone.now() - timedelta(minutes=1))
    awaiting(timezone.localdate() - timedelta(days=1))
    OrderFactory(status=Status.IN_SERVICE, started_at=timezone.now() - timedelta(days=30))

    assert tasks.cancel_expired_orders.delay().get() == 1
    assert tasks.start_due_orders.delay().get() == 1
    assert tasks.complete_overdue_orders.delay().get() == 1
    assert tasks.cancel_expired_orders.delay().get() == 0
    assert tasks.start_due_orders.delay().get() == 0
    assert tasks.complete_overdue_orders.delay().get() == 0


def test_run_timers_runs_every_timer_and_prints_the_counts():
    unpaid(timezone.now() - timedelta(minutes=1))
    unpaid(timezone.now() - timedelta(minutes=2))
    awaiting(timezone.localdate())
    out = StringIO()

    call_command("run_timers", stdout=out)

    assert out.getvalue().splitlines() == [
        "cancelled unpaid: 2",
        "started: 1",
        "completed: 0",
        "refunds approved: 0",
        "refunds settled: 0",
    ]
