"""A rejected refund put to the platform through a complaint ticket, end to end: the order
page links to the prefilled complaint form, the ticket escalates the refund, staff decide it
in the console (the platform forces the refund, paid back through the payment sandbox, or
the provider's rejection stands), and the learner reads the decision in the ticket."""

from decimal import Decimal

import pytest

from accounts.tests.factories import AgentFactory, StaffFactory
from notifications.models import Message
from orders import services as order_services
from orders.models import Order, Refund
from orders.tests.factories import order_walked_to
from payments import sandbox
from payments import services as payment_services
from payments.models import GatewayRefund, Method
from payments.sandbox import alipay as sandbox_alipay
from payments.tests.factories import placed_checkout
from support import errors, tickets
from support.models import Ticket

pytestmark = pytest.mark.django_db

NEW = "/support/tickets/new/"
BROWSER = payment_services.Client(is_mobile=False, ip="203.0.113.7", site_url="http://testserver")
REJECTION = "课程已经开始，不符合退款条件"


def paid_in_sandbox(client, capture) -> Order:
    """An order of ¥199.00 paid with Alipay in the sandbox, its callback applied."""
    checkout = placed_checkout("199.00")
    payment, _started = payment_services.start_payment(
        checkout, method=Method.ALIPAY, client=BROWSER
    )
    sandbox.open_trade(Method.ALIPAY, payment.out_trade_no, payment.amount, "KS Mall")
    trade = sandbox.settle_trade(payment.out_trade_no, paid=True)
    with capture(execute=True):
        response = client.post(
            "/pay/notify/alipay/",
            data=sandbox_alipay.payment_notify(trade),
            content_type="application/x-www-form-urlencoded",
        )
    assert response.status_code == 200
    order = checkout.orders.get()
    assert order.status == Order.Status.PAID
    return order


def rejected_refund(order: Order) -> Refund:
    refund = order_services.request_refund(
        order, by=order.buyer, amount=Decimal("199.00"), reason="时间冲突，无法参加"
    )
    return order_services.reject_refund(refund, by=order.provider, reason=REJECTION)


def escalate_through_the_form(client, order: Order) -> Ticket:
    """The learner follows the order page's link and sends the prefilled complaint."""
    client.force_login(order.buyer)
    link = f"/support/tickets/new/?order={order.order_no}&amp;escalate=1"
    assert link in client.get(f"/orders/{order.order_no}/").content.decode()

    form = client.get(NEW, {"order": order.order_no, "escalate": "1"}).context["form"]
    assert form.initial["escalate"] is True
    assert form.initial["kind"] == "complaint"
    response = client.post(
        NEW,
        {
            "kind": "complaint",
            "order": order.order_no,
            "escalate": "on",
            "subject": form.initial["subject"],
            "body": "课程第一节就取消了，服务商却拒绝退款。",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/support/tickets/{ticket.ticket_no}/"
    return ticket


@pytest.fixture
def staff():
    return StaffFactory(nickname="运营小周")


@pytest.mark.parametrize("approve", [True, False], ids=["refund-forced", "rejection-stands"])
def test_a_rejected_refund_is_decided_by_the_platform_through_a_ticket(
    client, django_capture_on_commit_callbacks, staff, approve
):
    order = paid_in_sandbox(client, django_capture_on_commit_callbacks)
    refund = rejected_refund(order)
    agent = AgentFactory()

    ticket = escalate_through_the_form(client, order)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.ESCALATED
    assert (ticket.kind, ticket.order, ticket.refund) == ("complaint", order, refund)
    staff_events = set(Message.objects.filter(user=staff).values_list("event", flat=True))
    assert {"refund_escalated", "ticket_submitted"} <= staff_events
    assert Message.objects.filter(user=agent, event="ticket_submitted").exists()
    learner_page = client.get(f"/support/tickets/{ticket.ticket_no}/")
    assert learner_page.context["awaits_platform"] is True
    assert learner_page.context["actions"] == set()  # no withdrawing an escalation

    # An agent who is not staff sees the case but cannot decide it.
    client.force_login(agent)
    agent_page = client.get(f"/support/agent/tickets/{ticket.ticket_no}/")
    assert agent_page.context["may_decide"] is False
    assert "resolve" not in agent_page.context["actions"]
    refused = client.post(
        f"/support/agent/tickets/{ticket.ticket_no}/decide/",
        {"decision": "approve", "note": "同意退款"},
    )
    assert refused.status_code == 302
    refund.refresh_from_db()
    assert refund.status == Refund.Status.ESCALATED

    # Staff decide in the console.
    client.force_login(staff)
    staff_page = client.get(f"/support/agent/tickets/{ticket.ticket_no}/")
    assert staff_page.context["may_decide"] is True
    missing_note = client.post(
        f"/support/agent/tickets/{ticket.ticket_no}/decide/", {"decision": "approve", "note": ""}
    )
    assert "note" in missing_note.context["decision_form"].errors
    note = (
        "核实课程确已取消，平台同意全额退款。" if approve else "课程已正常交付，维持服务商的决定。"
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/support/agent/tickets/{ticket.ticket_no}/decide/",
            {"decision": "approve" if approve else "reject", "note": note},
        )

    refund.refresh_from_db()
    order.refresh_from_db()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    assert ticket.assignee == staff
    if approve:
        assert refund.status == Refund.Status.REFUNDED
        assert refund.decided_by == staff
        assert GatewayRefund.objects.get(refund=refund).status == GatewayRefund.Status.SUCCEEDED
        assert order.status == Order.Status.REFUNDED
        assert Message.objects.filter(user=order.buyer, event="order_refunded").exists()
    else:
        assert refund.status == Refund.Status.REJECTED
        assert refund.decision_note == note
        assert not refund.can_be_escalated  # the platform decides once
        assert order.status == Order.Status.PAID
        assert not GatewayRefund.objects.exists()
        # The last word is the platform's: the learner is not invited to escalate again.
        learner_events = Message.objects.filter(user=order.buyer).values_list("event", flat=True)
        assert list(learner_events).count("refund_rejected") == 1  # the provider's
        assert "refund_rejection_upheld" in learner_events

    # The learner reads the decision in the ticket and can confirm it.
    client.force_login(order.buyer)
    page = client.get(f"/support/tickets/{ticket.ticket_no}/")
    decision = ticket.replies.last()
    assert (decision.side, decision.author) == ("support", staff)
    assert note in decision.body
    assert note in page.content.decode()
    assert page.context["actions"] == {"close", "reopen"}
    assert Message.objects.filter(user=order.buyer, event="ticket_status_changed").exists()


def test_the_platform_decides_once():
    order = order_walked_to("paid")
    refund = rejected_refund(order)
    staff = StaffFactory()
    ticket = tickets.open_ticket(
        order.buyer,
        kind="complaint",
        subject="平台介入",
        body="请平台处理",
        order=order,
        escalate=True,
    )
    tickets.decide_refund(ticket, by=staff, approve=False, note="维持原决定")

    with pytest.raises(errors.NotAllowed):
        tickets.decide_refund(ticket, by=staff, approve=True, note="改为同意")
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REJECTED


def test_escalating_needs_a_rejected_refund_and_saves_nothing_otherwise(client):
    order = order_walked_to("paid")
    refund = order_services.request_refund(
        order, by=order.buyer, amount=Decimal("10.00"), reason="时间冲突，无法参加"
    )
    client.force_login(order.buyer)

    response = client.post(
        NEW,
        {
            "kind": "complaint",
            "order": order.order_no,
            "escalate": "on",
            "subject": "平台介入",
            "body": "请平台处理",
        },
    )

    assert response.status_code == 200
    assert "escalate" in response.context["form"].errors
    assert not Ticket.objects.exists()
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REQUESTED


def test_an_escalation_is_a_complaint(client):
    order = order_walked_to("paid")
    rejected_refund(order)
    client.force_login(order.buyer)

    response = client.post(
        NEW,
        {
            "kind": "suggestion",
            "order": order.order_no,
            "escalate": "on",
            "subject": "平台介入",
            "body": "请平台处理",
        },
    )

    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_a_refusal_from_orders_becomes_a_message_and_saves_nothing(client, monkeypatch):
    from orders.errors import RefundNotAllowed

    order = order_walked_to("paid")
    refund = rejected_refund(order)
    client.force_login(order.buyer)

    def refuse(refund, *, by):
        raise RefundNotAllowed("This order can no longer be refunded.")

    monkeypatch.setattr(order_services, "escalate_refund", refuse)
    response = client.post(
        NEW,
        {
            "kind": "complaint",
            "order": order.order_no,
            "escalate": "on",
            "subject": "平台介入",
            "body": "请平台处理",
        },
    )

    assert response.status_code == 200
    assert "This order can no longer be refunded." in response.context["form"].non_field_errors()
    assert not Ticket.objects.exists()
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REJECTED


def test_someone_elses_rejected_refund_cannot_be_escalated(client):
    order = order_walked_to("paid")
    refund = rejected_refund(order)
    stranger = order_walked_to("paid").buyer
    client.force_login(stranger)

    response = client.post(
        NEW,
        {
            "kind": "complaint",
            "order": order.order_no,
            "escalate": "on",
            "subject": "平台介入",
            "body": "请平台处理",
        },
    )

    assert response.status_code == 200
    assert "order" in response.context["form"].errors
    assert not Ticket.objects.exists()
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REJECTED
    with pytest.raises(errors.NotAllowed):
        tickets.open_ticket(
            stranger, kind="complaint", subject="x", body="y", order=order, escalate=True
        )
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REJECTED
