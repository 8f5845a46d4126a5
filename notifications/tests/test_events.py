"""The event table: every event has a category, its texts fill in, its SMS fits one message."""

import re

import pytest
from django.utils import translation

from notifications.events import CATEGORIES, EVENTS, render
from notifications.services import notify

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# Realistic worst cases for the values an SMS may carry (order numbers are 22 characters).
SAMPLE = {
    "order_no": "KS20261124123456789012",
    "amount": "¥12,999.00",
    "name": "王老师",
    "deadline": "11-26 14:30",
    "until": "2026-12-31",
    "points": "100000",
}
ORDER_EVENTS = {
    "order_placed": {"order_no", "title", "amount", "deadline"},
    "order_paid": {"order_no", "title", "amount"},
    "order_received": {"order_no", "title", "amount", "buyer"},
    "order_cancelled": {"order_no", "title", "reason"},
    "order_accepted": {"order_no", "title", "schedule"},
    "order_started": {"order_no", "title"},
    "order_completed": {"order_no", "title"},
    "refund_requested": {"order_no", "title", "amount", "reason"},
    "refund_approved": {"order_no", "title", "amount"},
    "refund_rejected": {"order_no", "title", "reason"},
    "order_refunded": {"order_no", "title", "amount"},
    "order_refunded_with_points": {"order_no", "title", "amount", "points"},
}


def placeholders(event: str) -> set[str]:
    spec = EVENTS[event]
    return {
        name
        for part in ("title", "body", "sms")
        for name in PLACEHOLDER.findall(str(spec.get(part, "")))
    }


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_every_event_has_a_category_a_title_and_a_body(event):
    spec = EVENTS[event]

    assert spec["category"] in CATEGORIES
    assert str(spec["title"]) and str(spec["body"])


@pytest.mark.parametrize(("event", "keys"), sorted(ORDER_EVENTS.items()))
def test_order_and_refund_events_read_exactly_the_agreed_context(event, keys):
    assert placeholders(event) == keys
    assert EVENTS[event]["category"] == ("refunds" if "refund" in event else "orders")


@pytest.mark.parametrize("event", sorted(e for e in EVENTS if "sms" in EVENTS[e]))
def test_a_text_message_fits_one_sms_in_chinese(event):
    context = {name: SAMPLE.get(name, "x" * 30) for name in placeholders(event)}
    assert not {"title", "reason", "schedule", "buyer"} & set(
        PLACEHOLDER.findall(str(EVENTS[event]["sms"]))
    ), "free text has no place in an SMS: it could be any length"

    with translation.override("zh-hans"):
        text = "【KS Mall】" + render(event, "sms", context)

    assert len(text) <= 70, (len(text), text)


@pytest.mark.django_db
def test_a_missing_placeholder_in_the_sms_text_is_refused():
    from accounts.tests.factories import UserFactory

    with pytest.raises(KeyError, match="amount"):
        notify(UserFactory(), "order_refunded", {"order_no": "KS1", "title": "课"})


def test_an_unknown_event_renders_its_name_and_no_sms():
    assert render("gone_event", "title", {}) == "gone_event"
    assert render("gone_event", "sms", {}) == ""
