"""orders.services.transition and the helpers around it: the whole table walked (every
allowed move succeeds and is written once, every other status × event × role is refused
and changes nothing), who counts as the buyer, the provider or staff, seats given back
once, payment of a checkout, self-paced orders, and the messages each move sends."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.tests.factories import ProviderFactory, StaffFactory, UserFactory
from catalog.models import Package, Service
from catalog.tests.factories import ServiceFactory
from notifications.models import Message
from orders import errors, signals
from orders.models import Order, OrderEvent
from orders.services import (
    accept_order,
    cancel_order,
    complete_order,
    confirm_order,
    extend_pay_deadline,
    mark_paid,
    start_order,
    transition,
)
from orders.states import TRANSITIONS, Event, Role, Status, allowed_events
from orders.tests.factories import CheckoutFactory, OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db

SCHEDULE = "3月1日 周六 19:00，腾讯会议 123-456-789"
SUMMARY = "完成 4 次口语陪练，发音与流利度均有提升。"

ALLOWED = [
    (from_status, event, role)
    for (from_status, event), move in TRANSITIONS.items()
    for role in sorted(move.roles)
]
REFUSED = [
    (status, event, role)
    for status in Status.values
    for event in Event.values
    for role in Role.values
    if (status, event, role) not in set(ALLOWED)
]


def actor_for(order: Order, role: str):
    if role == Role.LEARNER:
        return order.buyer
    if role == Role.PROVIDER:
        return order.provider
    if role == Role.STAFF:
        return StaffFactory()
    return None


def fields_for(event: str) -> dict:
    return {
        Event.ACCEPT: {"schedule": SCHEDULE},
        Event.COMPLETE: {"service_summary": SUMMARY},
    }.get(event, {})


def row(order: Order) -> dict:
    fresh = Order.objects.get(pk=order.pk)
    return {field.attname: getattr(fresh, field.attname) for field in Order._meta.concrete_fields}


def reserved(package) -> int:
    package.refresh_from_db()
    return package.reserved


def limited_order(status=Status.PENDING_PAYMENT, **kwargs) -> Order:
    """An order of 2 seats of a package with 5, all 5 taken."""
    return OrderFactory(
        status=status,
        line__quantity=2,
        line__package__capacity=5,
        line__package__reserved=5,
        **kwargs,
    )


def refused_unchanged(order: Order, call, capture) -> None:
    before = row(order)
    package = order.lines.get().package
    seats = reserved(package)
    with capture() as callbacks, pytest.raises(errors.OrderError):
        call()
    assert row(order) == before
    assert not OrderEvent.objects.filter(order=order).exists()
    assert reserved(package) == seats
    assert callbacks == []


# --- the table, walked ------------------------------------------------------------------------


def test_the_table_has_every_move_of_the_design():
    assert {(from_status, event) for from_status, event in TRANSITIONS} == {
        ("pending_payment", "pay"),
        ("pending_payment", "cancel"),
        ("pending_payment", "timeout"),
        ("paid", "accept"),
        ("awaiting_service", "start"),
        ("in_service", "complete"),
        ("paid", "refund"),
        ("awaiting_service", "refund"),
        ("in_service", "refund"),
        ("completed", "refund"),
    }
    assert len(ALLOWED) == 15
    assert len(REFUSED) == 7 * 8 * 5 - 15


@pytest.mark.parametrize(("from_status", "event", "role"), ALLOWED)
def test_every_allowed_move_succeeds_and_is_written_once(from_status, event, role):
    order = limited_order(from_status)
    actor = actor_for(order, role)
    move = TRANSITIONS[(from_status, event)]

    returned = transition(order, event, actor=actor, role=role, note="备注", **fields_for(event))

    fresh = Order.objects.get(pk=order.pk)
    assert returned is order
    assert order.status == fresh.status == move.to_status
    assert getattr(fresh, move.stamp) is not None
    logged = OrderEvent.objects.get(order=order)
    assert (logged.event, logged.from_status, logged.to_status) == (
        event,
        from_status,
        move.to_status,
    )
    assert (logged.actor, logged.actor_role, logged.note) == (actor, role, "备注")
    for name, value in fields_for(event).items():
        assert getattr(fresh, name) == value


@pytest.mark.parametrize(("status", "event", "role"), REFUSED)
def test_every_other_move_is_refused_and_changes_nothing(
    status, event, role, django_capture_on_commit_callbacks
):
    order = limited_order(status)
    actor = actor_for(order, role)

    refused_unchanged(
        order,
        lambda: transition(order, event, actor=actor, role=role, **fields_for(event)),
        django_capture_on_commit_callbacks,
    )


def test_allowed_events_lists_the_buttons_of_a_role():
    assert allowed_events(Status.PENDING_PAYMENT, Role.LEARNER) == [Event.CANCEL]
    assert allowed_events(Status.IN_SERVICE, Role.PROVIDER) == [Event.COMPLETE]
    assert allowed_events(Status.COMPLETED, Role.PROVIDER) == []


# --- who may act ------------------------------------------------------------------------------


def test_a_learner_who_is_not_the_buyer_is_refused(django_capture_on_commit_callbacks):
    order = limited_order()

    refused_unchanged(
        order,
        lambda: transition(order, Event.CANCEL, actor=UserFactory(), role=Role.LEARNER),
        django_capture_on_commit_callbacks,
    )


def test_a_learner_who_is_not_the_buyer_cannot_confirm(django_capture_on_commit_callbacks):
    order = limited_order(Status.IN_SERVICE)

    refused_unchanged(
        order,
        lambda: confirm_order(order, by=UserFactory()),
        django_capture_on_commit_callbacks,
    )


def test_a_provider_who_is_not_the_orders_provider_is_refused(
    django_capture_on_commit_callbacks,
):
    order = limited_order(Status.PAID)

    refused_unchanged(
        order,
        lambda: accept_order(order, by=ProviderFactory(), schedule=SCHEDULE),
        django_capture_on_commit_callbacks,
    )


def test_the_buyer_cannot_act_as_the_provider(django_capture_on_commit_callbacks):
    order = limited_order(Status.AWAITING_SERVICE)

    refused_unchanged(
        order,
        lambda: transition(order, Event.START, actor=order.buyer, role=Role.PROVIDER),
        django_capture_on_commit_callbacks,
    )


def test_someone_who_is_not_staff_cannot_act_as_staff(django_capture_on_commit_callbacks):
    order = limited_order()

    refused_unchanged(
        order,
        lambda: transition(order, Event.CANCEL, actor=UserFactory(), role=Role.STAFF),
        django_capture_on_commit_callbacks,
    )


def test_deactivated_staff_cannot_act(django_capture_on_commit_callbacks):
    order = limited_order()
    staff = StaffFactory(is_active=False)

    refused_unchanged(
        order,
        lambda: transition(order, Event.CANCEL, actor=staff, role=Role.STAFF),
        django_capture_on_commit_callbacks,
    )


@pytest.mark.parametrize("role", [Role.LEARNER, Role.PROVIDER, Role.STAFF])
def test_a_person_role_needs_an_actor(role, django_capture_on_commit_callbacks):
    order = limited_order()

    refused_unchanged(
        order,
        lambda: transition(order, Event.CANCEL, actor=None, role=role),
        django_capture_on_commit_callbacks,
    )


def test_an_unknown_event_is_refused(django_capture_on_commit_callbacks):
    order = limited_order()

    refused_unchanged(
        order,
        lambda: transition(order, "teleport", role=Role.SYSTEM),
        django_capture_on_commit_callbacks,
    )


def test_the_refusal_says_what_and_why():
    order = OrderFactory(status=Status.PAID)

    with pytest.raises(errors.TransitionNotAllowed) as raised:
        cancel_order(order, by=order.buyer)

    assert str(Order.Status.PAID.label) in raised.value.message


# --- what each move needs and sets -----------------------------------------------------------


@pytest.mark.parametrize("schedule", ["", "   "])
def test_the_provider_must_give_a_schedule_to_accept(schedule, django_capture_on_commit_callbacks):
    order = limited_order(Status.PAID)

    refused_unchanged(
        order,
        lambda: accept_order(order, by=order.provider, schedule=schedule),
        django_capture_on_commit_callbacks,
    )


def test_the_provider_must_write_a_summary_to_complete(django_capture_on_commit_callbacks):
    order = limited_order(Status.IN_SERVICE)

    with pytest.raises(errors.DetailsMissing):
        complete_order(order, by=order.provider, summary=" ")
    refused_unchanged(
        order,
        lambda: transition(order, Event.COMPLETE, actor=order.provider, role=Role.PROVIDER),
        django_capture_on_commit_callbacks,
    )


def test_the_learner_confirms_without_a_summary():
    order = OrderFactory(status=Status.IN_SERVICE)

    confirm_order(order, by=order.buyer)

    assert order.status == Status.COMPLETED
    assert order.service_summary == ""
    assert OrderEvent.objects.get(order=order).actor_role == Role.LEARNER


def test_accept_start_and_complete_keep_what_the_provider_wrote():
    order = OrderFactory(status=Status.PAID)

    accept_order(order, by=order.provider, schedule=f"  {SCHEDULE}  ")
    start_order(order, by=order.provider)
    complete_order(order, by=order.provider, summary=SUMMARY)

    fresh = Order.objects.get(pk=order.pk)
    assert fresh.status == Status.COMPLETED
    assert (fresh.schedule, fresh.service_summary) == (SCHEDULE, SUMMARY)
    assert fresh.accepted_at <= fresh.started_at <= fresh.completed_at
    assert list(OrderEvent.objects.filter(order=order).values_list("event", flat=True)) == [
        "accept",
        "start",
        "complete",
    ]


def test_a_field_the_event_does_not_set_is_a_programming_error():
    order = OrderFactory()

    with pytest.raises(TypeError):
        transition(order, Event.CANCEL, actor=order.buyer, role=Role.LEARNER, schedule="x")
    assert Order.objects.get(pk=order.pk).status == Status.PENDING_PAYMENT


def test_a_stale_copy_of_the_order_cannot_move_it_twice():
    order = OrderFactory()
    stale = Order.objects.get(pk=order.pk)
    cancel_order(order, by=order.buyer)

    with pytest.raises(errors.TransitionNotAllowed):
        transition(stale, Event.PAY, role=Role.PAYMENT)

    assert Order.objects.get(pk=order.pk).status == Status.CANCELLED


# --- cancel helpers ---------------------------------------------------------------------------


def test_the_buyer_cancels_as_learner_and_staff_as_staff():
    mine, theirs = OrderFactory(), OrderFactory()
    staff = StaffFactory()

    cancel_order(mine, by=mine.buyer, note="买错了")
    cancel_order(theirs, by=staff)

    assert OrderEvent.objects.get(order=mine).actor_role == Role.LEARNER
    assert OrderEvent.objects.get(order=mine).note == "买错了"
    assert OrderEvent.objects.get(order=theirs).actor_role == Role.STAFF
    assert OrderEvent.objects.get(order=theirs).actor == staff


def test_a_stranger_cannot_cancel(django_capture_on_commit_callbacks):
    order = limited_order()

    refused_unchanged(
        order, lambda: cancel_order(order, by=UserFactory()), django_capture_on_commit_callbacks
    )


# --- seats ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "event", "role"),
    [
        (Status.PENDING_PAYMENT, Event.CANCEL, Role.LEARNER),
        (Status.PENDING_PAYMENT, Event.CANCEL, Role.STAFF),
        (Status.PENDING_PAYMENT, Event.TIMEOUT, Role.SYSTEM),
        (Status.PAID, Event.REFUND, Role.SYSTEM),
        (Status.AWAITING_SERVICE, Event.REFUND, Role.SYSTEM),
        (Status.IN_SERVICE, Event.REFUND, Role.SYSTEM),
    ],
)
def test_cancel_timeout_and_refund_give_the_seats_back(status, event, role):
    order = limited_order(status)
    package = order.lines.get().package

    transition(order, event, actor=actor_for(order, role), role=role)

    assert reserved(package) == 3
    assert Order.objects.get(pk=order.pk).seats_released


def test_seats_are_given_back_only_once():
    order = limited_order()
    package = order.lines.get().package
    cancel_order(order, by=order.buyer)

    with pytest.raises(errors.TransitionNotAllowed):
        cancel_order(order, by=order.buyer)
    with pytest.raises(errors.TransitionNotAllowed):
        transition(order, Event.TIMEOUT, role=Role.SYSTEM)

    assert reserved(package) == 3


def test_an_order_whose_seats_went_back_gives_none_on_refund():
    order = limited_order(Status.PAID, seats_released=True)
    package = order.lines.get().package

    transition(order, Event.REFUND, role=Role.SYSTEM)

    assert reserved(package) == 5


@pytest.mark.parametrize(
    ("status", "event"),
    [
        (Status.PENDING_PAYMENT, Event.PAY),
        (Status.PAID, Event.ACCEPT),
        (Status.AWAITING_SERVICE, Event.START),
        (Status.IN_SERVICE, Event.COMPLETE),
        (Status.COMPLETED, Event.REFUND),  # the service was delivered: its seats were used
    ],
)
def test_other_moves_keep_the_seats(status, event):
    order = limited_order(status)
    package = order.lines.get().package

    transition(order, event, role=Role.PAYMENT if event == Event.PAY else Role.SYSTEM)

    assert reserved(package) == 5
    assert not Order.objects.get(pk=order.pk).seats_released


def test_a_line_whose_package_was_deleted_cancels_all_the_same():
    order = limited_order()
    package = order.lines.get().package
    Package.objects.filter(pk=package.pk).delete()

    cancel_order(order, by=order.buyer)

    assert order.status == Status.CANCELLED


# --- paying -----------------------------------------------------------------------------------


def test_paying_counts_the_sale():
    order = OrderFactory(line__quantity=3)
    service = order.lines.get().service

    transition(order, Event.PAY, role=Role.PAYMENT)

    service.refresh_from_db()
    assert service.sales_count == 3


def test_mark_paid_pays_every_order_of_the_checkout_once():
    checkout = CheckoutFactory()
    orders = [OrderFactory(checkout=checkout, line__quantity=2) for _ in range(2)]
    services = [order.lines.get().service for order in orders]

    first = mark_paid(checkout)
    second = mark_paid(checkout)

    assert {order.pk for order in first} == {order.pk for order in orders}
    assert second == []
    for order in orders:
        assert Order.objects.get(pk=order.pk).status == Status.PAID
        assert OrderEvent.objects.filter(order=order, event=Event.PAY).count() == 1
    for service in services:
        service.refresh_from_db()
        assert service.sales_count == 2


def test_mark_paid_leaves_orders_already_moved_on_alone():
    checkout = CheckoutFactory()
    cancelled = OrderFactory(checkout=checkout, status=Status.CANCELLED)
    accepted = OrderFactory(checkout=checkout, status=Status.AWAITING_SERVICE)
    pending = OrderFactory(checkout=checkout)

    paid = mark_paid(checkout)

    assert [order.pk for order in paid] == [pending.pk]
    assert Order.objects.get(pk=cancelled.pk).status == Status.CANCELLED
    assert Order.objects.get(pk=accepted.pk).status == Status.AWAITING_SERVICE
    assert not OrderEvent.objects.filter(order__in=[cancelled, accepted]).exists()


def test_mark_paid_records_who_confirmed_a_bank_transfer():
    checkout = CheckoutFactory()
    order = OrderFactory(checkout=checkout)
    staff = StaffFactory()

    mark_paid(checkout, actor=staff, note="对公转账 凭证已核对")

    logged = OrderEvent.objects.get(order=order)
    assert (logged.actor, logged.actor_role, logged.note) == (
        staff,
        Role.PAYMENT,
        "对公转账 凭证已核对",
    )


def test_a_self_paced_order_goes_into_service_once_paid():
    service = ServiceFactory(fulfilment=Service.Fulfilment.SELF_PACED)
    order = OrderFactory(line__package__service=service)

    transition(order, Event.PAY, role=Role.PAYMENT)

    fresh = Order.objects.get(pk=order.pk)
    assert order.status == fresh.status == Status.IN_SERVICE
    assert fresh.paid_at and fresh.accepted_at and fresh.started_at
    assert list(
        OrderEvent.objects.filter(order=order).values_list("event", "to_status", "actor_role")
    ) == [
        ("pay", "paid", "payment"),
        ("accept", "awaiting_service", "system"),
        ("start", "in_service", "system"),
    ]


def test_an_order_with_a_scheduled_line_waits_for_the_provider():
    order = OrderFactory(
        line__package__service=ServiceFactory(fulfilment=Service.Fulfilment.SELF_PACED)
    )
    OrderLineFactory(order=order)  # scheduled

    mark_paid(order.checkout)

    assert Order.objects.get(pk=order.pk).status == Status.PAID
    assert OrderEvent.objects.filter(order=order).count() == 1


# --- messages ---------------------------------------------------------------------------------


def messages_to(user) -> dict[str, Message]:
    return {message.event: message for message in Message.objects.filter(user=user)}


def test_paying_tells_the_learner_and_the_provider(django_capture_on_commit_callbacks):
    buyer = UserFactory(nickname="小林")
    order = OrderFactory(
        checkout__buyer=buyer,
        total=Decimal("1299.00"),
        line__package__service__title="雅思口语冲刺班",
    )

    with django_capture_on_commit_callbacks(execute=True):
        mark_paid(order.checkout)

    learner = messages_to(buyer)
    provider = messages_to(order.provider)
    assert set(learner) == {"order_paid"}
    assert learner["order_paid"].context == {
        "order_no": order.order_no,
        "title": "雅思口语冲刺班",
        "amount": "¥1,299.00",
    }
    assert learner["order_paid"].url == f"/orders/{order.order_no}/"
    assert set(provider) == {"order_received"}
    assert provider["order_received"].context["buyer"] == "小林"
    assert provider["order_received"].context["amount"] == "¥1,299.00"
    assert provider["order_received"].url == f"/dashboard/orders/{order.order_no}/"


def test_a_self_paced_learner_hears_paid_and_started(django_capture_on_commit_callbacks):
    order = OrderFactory(
        line__package__service=ServiceFactory(fulfilment=Service.Fulfilment.SELF_PACED)
    )

    with django_capture_on_commit_callbacks(execute=True):
        mark_paid(order.checkout)

    assert set(messages_to(order.buyer)) == {"order_paid", "order_started"}


@pytest.mark.parametrize(
    ("status", "call", "event", "context"),
    [
        (
            Status.PAID,
            lambda order: accept_order(order, by=order.provider, schedule=SCHEDULE),
            "order_accepted",
            {"schedule": SCHEDULE},
        ),
        (
            Status.AWAITING_SERVICE,
            lambda order: start_order(order, by=order.provider),
            "order_started",
            {},
        ),
        (
            Status.IN_SERVICE,
            lambda order: complete_order(order, by=order.provider, summary=SUMMARY),
            "order_completed",
            {},
        ),
        (
            Status.IN_SERVICE,
            lambda order: confirm_order(order, by=order.buyer),
            "order_completed",
            {},
        ),
        (
            Status.PENDING_PAYMENT,
            lambda order: cancel_order(order, by=order.buyer, note="买错了"),
            "order_cancelled",
            {"reason": "买错了"},
        ),
    ],
)
def test_each_move_tells_the_learner(
    status, call, event, context, django_capture_on_commit_callbacks
):
    order = OrderFactory(status=status)

    with django_capture_on_commit_callbacks(execute=True):
        call(order)

    messages = messages_to(order.buyer)
    assert set(messages) == {event}
    expected = {"order_no": order.order_no, "title": order.lines.get().title, **context}
    assert messages[event].context == expected
    assert not Message.objects.filter(user=order.provider).exists()


def test_a_timed_out_order_tells_the_learner_why(django_capture_on_commit_callbacks):
    order = OrderFactory()

    with django_capture_on_commit_callbacks(execute=True):
        transition(order, Event.TIMEOUT, role=Role.SYSTEM)

    assert messages_to(order.buyer)["order_cancelled"].context["reason"]


def test_a_move_rolled_back_tells_nobody(django_capture_on_commit_callbacks):
    order = OrderFactory()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        mark_paid(order.checkout)
        raise RuntimeError("the payment callback failed later on")

    assert callbacks == []
    assert not Message.objects.exists()
    assert Order.objects.get(pk=order.pk).status == Status.PENDING_PAYMENT


def test_a_cancelled_order_tells_the_apps_above_after_commit(
    django_capture_on_commit_callbacks,
):
    order, expired = OrderFactory(), OrderFactory()
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    signals.order_cancelled.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            cancel_order(order, by=order.buyer)
            transition(expired, Event.TIMEOUT, role=Role.SYSTEM)
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        signals.order_cancelled.disconnect(receiver)

    assert [
        (signal["order_id"], signal["checkout_id"], signal["event"]) for signal in received
    ] == [(order.pk, order.checkout_id, "cancel"), (expired.pk, expired.checkout_id, "timeout")]


# --- payment deadline -------------------------------------------------------------------------


def test_the_payment_deadline_can_be_extended_but_never_shortened():
    checkout = CheckoutFactory()
    later = timezone.now() + timedelta(hours=72)

    extend_pay_deadline(checkout, until=later)
    extend_pay_deadline(checkout, until=timezone.now())

    checkout.refresh_from_db()
    assert checkout.pay_deadline == later
