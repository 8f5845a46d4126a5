"""The order state machine: every move an order can make, in one table.

``TRANSITIONS[(from_status, event)]`` says where the move leads, who may make it, which
timestamp it sets, what an actor in a given role must say and whether the order's seats
go back. Placing an order is its creation (``place``: — → pending_payment, by the
learner) and so is not a move here. ``orders.services.transition`` is the one function
that applies the table.

| from             | event    | to               | who                                  | seats |
|------------------|----------|------------------|--------------------------------------|-------|
| pending_payment  | pay      | paid             | payment (the gateway callback)       |       |
| pending_payment  | cancel   | cancelled        | learner, staff                       | back  |
| pending_payment  | timeout  | cancelled        | system (the payment deadline passed) | back  |
| paid             | accept   | awaiting_service | provider (with a schedule), system   |       |
| awaiting_service | start    | in_service       | provider, system (start date)        |       |
| in_service       | complete | completed        | provider (with a summary), learner   |       |
|                  |          |                  | (confirms), system (period over)     |       |
| paid, awaiting_service, in_service | refund | refunded | system (the refund flow)       | back  |
| completed        | refund   | refunded         | system (a refund staff decided after |       |
|                  |          |                  | completion, paying back the rest)    |       |

A completed order keeps its seats when refunded: the service was delivered, they were used.
"""

from dataclasses import dataclass, field
from types import MappingProxyType

from django.utils.translation import gettext_lazy as _

from .models import Order, OrderEvent, Refund

Status = Order.Status
Event = OrderEvent.Event
Role = OrderEvent.Role


@dataclass(frozen=True)
class Transition:
    to_status: str
    roles: frozenset[str]
    stamp: str  # the Order timestamp field set by the move
    # role -> the Order field an actor in that role must fill in for this move
    requires: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    # The move gives the order's seats back (once: ``Order.seats_released``).
    releases_seats: bool = False


def _move(to_status, roles, stamp, requires=None, *, releases_seats=False) -> Transition:
    return Transition(
        to_status, frozenset(roles), stamp, MappingProxyType(requires or {}), releases_seats
    )


_REFUND = _move(Status.REFUNDED, {Role.SYSTEM}, "refunded_at", releases_seats=True)

TRANSITIONS: dict[tuple[str, str], Transition] = {
    (Status.PENDING_PAYMENT, Event.PAY): _move(Status.PAID, {Role.PAYMENT}, "paid_at"),
    (Status.PENDING_PAYMENT, Event.CANCEL): _move(
        Status.CANCELLED, {Role.LEARNER, Role.STAFF}, "cancelled_at", releases_seats=True
    ),
    (Status.PENDING_PAYMENT, Event.TIMEOUT): _move(
        Status.CANCELLED, {Role.SYSTEM}, "cancelled_at", releases_seats=True
    ),
    (Status.PAID, Event.ACCEPT): _move(
        Status.AWAITING_SERVICE,
        {Role.PROVIDER, Role.SYSTEM},
        "accepted_at",
        requires={Role.PROVIDER: "schedule"},
    ),
    (Status.AWAITING_SERVICE, Event.START): _move(
        Status.IN_SERVICE, {Role.PROVIDER, Role.SYSTEM}, "started_at"
    ),
    (Status.IN_SERVICE, Event.COMPLETE): _move(
        Status.COMPLETED,
        {Role.PROVIDER, Role.LEARNER, Role.SYSTEM},
        "completed_at",
        requires={Role.PROVIDER: "service_summary"},
    ),
    (Status.PAID, Event.REFUND): _REFUND,
    (Status.AWAITING_SERVICE, Event.REFUND): _REFUND,
    (Status.IN_SERVICE, Event.REFUND): _REFUND,
    # The service was delivered: its seats were used and stay taken.
    (Status.COMPLETED, Event.REFUND): _move(Status.REFUNDED, {Role.SYSTEM}, "refunded_at"),
}

# Fields an event may set besides the status and its timestamp.
EVENT_FIELDS: dict[str, frozenset[str]] = {
    Event.ACCEPT: frozenset({"schedule"}),
    Event.COMPLETE: frozenset({"service_summary"}),
}

# What each event does, for messages ("You cannot %(action)s an order that is …").
EVENT_ACTIONS = {
    Event.PAY: _("pay"),
    Event.CANCEL: _("cancel"),
    Event.TIMEOUT: _("cancel for non-payment"),
    Event.ACCEPT: _("accept"),
    Event.START: _("start"),
    Event.COMPLETE: _("complete"),
    Event.REFUND: _("refund"),
}


def allowed_events(status: str, role: str) -> list[str]:
    """The events an actor in ``role`` may apply to an order in ``status`` (for buttons)."""
    return [
        event
        for (from_status, event), move in TRANSITIONS.items()
        if from_status == status and role in move.roles
    ]


# ---- refunds -------------------------------------------------------------------------------

# The moves of a ``Refund``: (from status, action) -> (to status, who may act). Applied by
# the refund services in ``orders.services``; ``escalate`` also needs the refund never to
# have been escalated before (the platform decides once). Creating a refund is not a move:
# the buyer's request starts it ``requested`` (``request_refund``, on an order in
# REFUNDABLE_STATUSES); staff refunding a completed order start it ``approved``
# (``refund_completed_order``, kind ``after_completion``), and it is paid back like any
# approved refund.
#
# | from      | action   | to        | who                                        |
# |-----------|----------|-----------|--------------------------------------------|
# | requested | approve  | approved  | provider, staff, system (no answer in 72 h)|
# | requested | reject   | rejected  | provider, staff                            |
# | rejected  | escalate | escalated | learner (the buyer)                        |
# | escalated | approve  | approved  | staff                                      |
# | escalated | reject   | rejected  | staff                                      |
# | approved  | complete | refunded  | system (the money is back)                 |
RefundStatus = Refund.Status

REFUND_MOVES: dict[tuple[str, str], tuple[str, frozenset[str]]] = {
    (RefundStatus.REQUESTED, "approve"): (
        RefundStatus.APPROVED,
        frozenset({Role.PROVIDER, Role.STAFF, Role.SYSTEM}),
    ),
    (RefundStatus.REQUESTED, "reject"): (
        RefundStatus.REJECTED,
        frozenset({Role.PROVIDER, Role.STAFF}),
    ),
    (RefundStatus.REJECTED, "escalate"): (RefundStatus.ESCALATED, frozenset({Role.LEARNER})),
    (RefundStatus.ESCALATED, "approve"): (RefundStatus.APPROVED, frozenset({Role.STAFF})),
    (RefundStatus.ESCALATED, "reject"): (RefundStatus.REJECTED, frozenset({Role.STAFF})),
    (RefundStatus.APPROVED, "complete"): (RefundStatus.REFUNDED, frozenset({Role.SYSTEM})),
}

# Orders whose money can still be asked back.
REFUNDABLE_STATUSES = frozenset({Status.PAID, Status.AWAITING_SERVICE, Status.IN_SERVICE})

# Orders only the platform may still refund (DESIGN: "no refund after payment, except when
# the platform decides otherwise"): the service was delivered.
REFUNDABLE_BY_PLATFORM_STATUSES = frozenset({Status.COMPLETED})
