"""Refunds: what each policy gives back, the learner's request, the provider's or staff's
decision, escalation, the 72-hour timer, and the money going back without a gateway (the
order becomes refunded and its seats come back once)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext

from accounts.tests.factories import ProviderFactory, StaffFactory, UserFactory
from accounts.tests.images import image_bytes
from cart.session import SESSION_BUY_NOW
from catalog.models import Package, Service
from catalog.tests.factories import PackageFactory
from notifications.models import Message
from orders import services, signals
from orders.errors import InvalidRefundAmount, InvalidRefundReason, RefundNotAllowed
from orders.models import Order, Refund, RefundImage
from orders.refunds import refundable_amount
from orders.tests.factories import OrderFactory, order_walked_to

pytestmark = pytest.mark.django_db

Policy = Service.RefundPolicy
Status = Order.Status


def order_in(status: str, *, policy: str = Policy.BEFORE_START, **service) -> Order:
    """An order of one ¥199 line with ``policy``, walked through the real moves to
    ``status``. The package has 5 seats."""
    return order_walked_to(
        status, price=Decimal("199.00"), capacity=5, service__refund_policy=policy, **service
    )


def fresh(order: Order) -> Order:
    return Order.objects.prefetch_related("lines", "refunds").get(pk=order.pk)


def ask(order: Order, amount="199.00", reason="课程时间冲突，无法参加", **kwargs) -> Refund:
    return services.request_refund(
        order, by=order.buyer, amount=Decimal(amount), reason=reason, **kwargs
    )


def events_to(user) -> list[str]:
    return list(Message.objects.filter(user=user).order_by("pk").values_list("event", flat=True))


def seats_taken(order: Order) -> int:
    return Package.objects.get(pk=order.lines.get().package_id).reserved


# --- what each policy gives back ------------------------------------------------------------


@pytest.mark.parametrize("status", ["paid", "awaiting_service"])
@pytest.mark.parametrize("policy", [Policy.BEFORE_START, Policy.PROGRESS, Policy.SEVEN_DAYS])
def test_before_the_service_starts_the_whole_order_comes_back(status, policy):
    order = order_in(status, policy=policy)

    assert refundable_amount(fresh(order)) == Decimal("199.00")


def test_before_start_gives_nothing_once_the_service_has_started():
    order = order_in("in_service", policy=Policy.BEFORE_START)

    assert refundable_amount(fresh(order)) == Decimal("0.00")


def test_progress_gives_back_the_share_of_the_study_period_not_yet_used():
    order = order_in("in_service", policy=Policy.PROGRESS, service__study_days=30)
    started = order.started_at

    assert refundable_amount(fresh(order), now=started) == Decimal("199.00")
    # 10 of 30 days used: 199 × 20/30 = 132.666… → 132.67
    assert refundable_amount(fresh(order), now=started + timedelta(days=10)) == Decimal("132.67")
    assert refundable_amount(fresh(order), now=started + timedelta(days=45)) == Decimal("0.00")


def test_progress_without_a_study_period_gives_nothing_once_started():
    order = order_in("in_service", policy=Policy.PROGRESS, service__study_days=None)

    assert refundable_amount(fresh(order)) == Decimal("0.00")


def test_seven_days_gives_everything_back_within_a_week_of_payment_only():
    order = order_in("in_service", policy=Policy.SEVEN_DAYS)
    paid = order.paid_at

    assert refundable_amount(fresh(order), now=paid + timedelta(days=6)) == Decimal("199.00")
    assert refundable_amount(fresh(order), now=paid + timedelta(days=8)) == Decimal("0.00")


def test_no_refund_policy_gives_nothing_after_payment():
    assert refundable_amount(fresh(order_in("paid", policy=Policy.NONE))) == Decimal("0.00")


@pytest.mark.parametrize("status", ["pending_payment", "completed"])
def test_orders_not_paid_or_already_done_give_nothing(status):
    order = order_in(status, policy=Policy.SEVEN_DAYS)

    assert refundable_amount(fresh(order)) == Decimal("0.00")


def test_cancelled_orders_give_nothing():
    order = order_in("pending_payment")
    services.cancel_order(order, by=order.buyer)

    assert refundable_amount(fresh(order)) == Decimal("0.00")


def test_the_policy_is_the_one_when_it_was_bought():
    order = order_in("in_service", policy=Policy.SEVEN_DAYS)
    Service.objects.filter(pk=order.lines.get().service_id).update(refund_policy=Policy.NONE)

    assert order.lines.get().refund_policy == Policy.SEVEN_DAYS
    assert refundable_amount(fresh(order)) == Decimal("199.00")


def test_money_already_paid_back_is_taken_off(django_capture_on_commit_callbacks):
    order = order_in("paid")
    with django_capture_on_commit_callbacks(execute=True):
        refund = ask(order, amount="50.00")
        services.approve_refund(refund, by=order.provider)

    assert refundable_amount(fresh(order)) == Decimal("149.00")


# --- asking -------------------------------------------------------------------------------


def test_the_buyer_asks_and_the_provider_is_told(django_capture_on_commit_callbacks):
    order = order_in("paid")

    with django_capture_on_commit_callbacks(execute=True):
        refund = ask(order, amount="120.50")

    assert refund.status == Refund.Status.REQUESTED
    assert refund.amount == Decimal("120.50")
    assert refund.respond_by - refund.created_at == timedelta(hours=72)
    message = Message.objects.get(user=order.provider, event="refund_requested")
    assert message.context["amount"] == "¥120.50"
    assert message.context["reason"] == "课程时间冲突，无法参加"
    assert fresh(order).open_refund == refund


@pytest.mark.parametrize("who", ["provider", "stranger", "staff"])
def test_only_the_buyer_can_ask(who):
    order = order_in("paid")
    actor = {"provider": order.provider, "stranger": UserFactory(), "staff": StaffFactory()}[who]

    with pytest.raises(RefundNotAllowed):
        services.request_refund(order, by=actor, amount=Decimal("10"), reason="不想要了不想要了")

    assert not Refund.objects.exists()


@pytest.mark.parametrize("amount", ["0", "-1", "199.01", "1000"])
def test_the_amount_must_be_above_zero_and_within_the_policy(amount):
    order = order_in("paid")

    with pytest.raises(InvalidRefundAmount):
        ask(order, amount=amount)

    assert not Refund.objects.exists()


@pytest.mark.parametrize("reason", ["", "太贵", "长" * 501])
def test_the_reason_is_5_to_500_characters(reason):
    with pytest.raises(InvalidRefundReason):
        ask(order_in("paid"), reason=reason)

    assert not Refund.objects.exists()


def test_one_open_refund_per_order():
    order = order_in("paid")
    ask(order, amount="10.00")

    with pytest.raises(RefundNotAllowed):
        ask(order, amount="10.00")

    assert Refund.objects.count() == 1


def test_an_order_awaiting_payment_cannot_be_refunded():
    with pytest.raises(RefundNotAllowed):
        ask(order_in("pending_payment"))


def test_photos_are_stored_re_encoded(media_root):
    photo = SimpleUploadedFile("receipt.png", image_bytes(), content_type="image/png")

    refund = ask(order_in("paid"), images=[photo])

    image = RefundImage.objects.get(refund=refund)
    assert image.image.name.endswith(".webp")
    assert image.thumbnail_width == 400


def test_a_photo_that_is_not_an_image_saves_nothing(media_root):
    fake = SimpleUploadedFile("receipt.png", b"not an image", content_type="image/png")

    with pytest.raises(ValidationError):
        ask(order_in("paid"), images=[fake])

    assert not Refund.objects.exists()


# --- deciding -------------------------------------------------------------------------------


def test_approval_pays_back_refunds_the_order_and_gives_seats_back_once(
    django_capture_on_commit_callbacks,
):
    order = order_in("awaiting_service")
    refund = ask(order)
    assert seats_taken(order) == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_refund(refund, by=order.provider, note="同意")

    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == Refund.Status.REFUNDED
    assert refund.decided_by == order.provider
    assert refund.refunded_at is not None
    assert order.status == Status.REFUNDED
    assert order.seats_released
    assert seats_taken(order) == 0
    assert events_to(order.buyer)[-2:] == ["refund_approved", "order_refunded"]
    refunded = Message.objects.get(user=order.buyer, event="order_refunded")
    assert refunded.context["amount"] == "¥199.00"
    assert order.events.filter(event="refund", actor_role="system").count() == 1

    services.complete_refund(refund)  # a second settlement does nothing
    assert seats_taken(order) == 0
    assert Message.objects.filter(event="order_refunded").count() == 1


def test_a_partial_refund_keeps_the_order_where_it_is(django_capture_on_commit_callbacks):
    order = order_in("paid")
    refund = ask(order, amount="99.00")

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_refund(refund, by=order.provider)

    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == Refund.Status.REFUNDED
    assert order.status == Status.PAID
    assert seats_taken(order) == 1
    assert Message.objects.get(event="order_refunded").context["amount"] == "¥99.00"


def test_refunding_the_rest_after_a_partial_refund_refunds_the_order(
    django_capture_on_commit_callbacks,
):
    order = order_in("paid")
    for amount in ["99.00", "100.00"]:
        with django_capture_on_commit_callbacks(execute=True):
            services.approve_refund(ask(order, amount=amount), by=order.provider)

    order.refresh_from_db()
    assert order.status == Status.REFUNDED


def test_staff_may_approve(django_capture_on_commit_callbacks):
    order = order_in("paid")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_refund(ask(order), by=StaffFactory())

    assert Refund.objects.get().status == Refund.Status.REFUNDED


@pytest.mark.parametrize("who", ["buyer", "other_provider", "stranger"])
def test_others_cannot_approve_or_reject(who):
    order = order_in("paid")
    refund = ask(order)
    actor = {
        "buyer": order.buyer,
        "other_provider": ProviderFactory(),
        "stranger": UserFactory(),
    }[who]

    with pytest.raises(RefundNotAllowed):
        services.approve_refund(refund, by=actor)
    with pytest.raises(RefundNotAllowed):
        services.reject_refund(refund, by=actor, reason="不符合退款条件")

    refund.refresh_from_db()
    assert refund.status == Refund.Status.REQUESTED


def test_two_approvals_act_once(django_capture_on_commit_callbacks):
    order = order_in("paid")
    refund = ask(order)
    stale = Refund.objects.get(pk=refund.pk)

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_refund(refund, by=order.provider)
    with pytest.raises(RefundNotAllowed), django_capture_on_commit_callbacks(execute=True):
        services.approve_refund(stale, by=StaffFactory())

    assert Message.objects.filter(event="order_refunded").count() == 1
    assert Message.objects.filter(event="refund_approved").count() == 1


def test_rejection_needs_a_reason_and_tells_the_learner(django_capture_on_commit_callbacks):
    order = order_in("paid")
    refund = ask(order)

    with pytest.raises(InvalidRefundReason):
        services.reject_refund(refund, by=order.provider, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_refund(refund, by=order.provider, reason="课程已为您预留名额")

    refund.refresh_from_db()
    assert refund.status == Refund.Status.REJECTED
    assert refund.decision_note == "课程已为您预留名额"
    message = Message.objects.get(user=order.buyer, event="refund_rejected")
    assert message.context["reason"] == "课程已为您预留名额"
    assert fresh(order).open_refund is None


def test_escalation_only_by_the_buyer_after_a_rejection_then_staff_decide(
    django_capture_on_commit_callbacks,
):
    order = order_in("paid")
    refund = ask(order)
    with pytest.raises(RefundNotAllowed):
        services.escalate_refund(refund, by=order.buyer)  # not rejected yet
    services.reject_refund(refund, by=order.provider, reason="不符合退款条件")
    with pytest.raises(RefundNotAllowed):
        services.escalate_refund(refund, by=order.provider)

    services.escalate_refund(refund, by=order.buyer)
    assert refund.status == Refund.Status.ESCALATED
    with pytest.raises(RefundNotAllowed):
        services.approve_refund(refund, by=order.provider)  # the platform decides now

    staff = StaffFactory()
    services.reject_refund(refund, by=staff, reason="经核实，服务已按约定提供")
    with pytest.raises(RefundNotAllowed):
        services.escalate_refund(refund, by=order.buyer)  # once only
    assert refund.status == Refund.Status.REJECTED


def test_staff_approve_an_escalated_refund(django_capture_on_commit_callbacks):
    order = order_in("paid")
    refund = ask(order)
    services.reject_refund(refund, by=order.provider, reason="不符合退款条件")
    services.escalate_refund(refund, by=order.buyer)

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_refund(refund, by=StaffFactory())

    order.refresh_from_db()
    assert order.status == Status.REFUNDED


def test_without_the_settlement_switch_orders_leaves_an_approved_refund_to_payments(
    settings, django_capture_on_commit_callbacks
):
    settings.REFUNDS_SETTLE_WITHOUT_GATEWAY = False
    order = order_in("paid")
    # Only orders' own receiver listens here (payments is tested in payments/tests).
    signals.refund_approved.disconnect(dispatch_uid="payments.refund_at_gateway")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.approve_refund(ask(order), by=order.provider)
    finally:
        from payments.receivers import refund_at_gateway

        signals.refund_approved.connect(
            refund_at_gateway, dispatch_uid="payments.refund_at_gateway"
        )

    assert Refund.objects.get().status == Refund.Status.APPROVED
    assert Order.objects.get(pk=order.pk).status == Status.PAID


# --- the timer ------------------------------------------------------------------------------


def test_unanswered_refunds_are_approved_by_the_system_after_72_hours(
    django_capture_on_commit_callbacks,
):
    order = order_in("paid")
    refund = ask(order)

    assert services.auto_approve_overdue_refunds(now=refund.respond_by - timedelta(minutes=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.auto_approve_overdue_refunds(now=refund.respond_by) == 1

    refund.refresh_from_db()
    assert refund.status == Refund.Status.REFUNDED
    assert refund.decided_by is None
    assert Order.objects.get(pk=order.pk).status == Status.REFUNDED
    assert services.auto_approve_overdue_refunds(now=timezone.now() + timedelta(days=9)) == 0


def test_the_timer_task_runs_the_service():
    from orders.tasks import auto_approve_overdue_refunds

    refund = ask(order_in("paid"))
    Refund.objects.filter(pk=refund.pk).update(respond_by=timezone.now() - timedelta(hours=1))

    assert auto_approve_overdue_refunds.delay().get() == 1


def test_an_order_with_an_open_refund_is_not_completed_by_the_timer():
    order = order_in("in_service", policy=Policy.PROGRESS, service__study_days=1)
    ask(order, amount="50.00")

    assert services.complete_overdue_orders(now=timezone.now() + timedelta(days=30)) == 0


# --- pages ----------------------------------------------------------------------------------


def detail(order: Order) -> str:
    return f"/orders/{order.order_no}/"


def test_the_order_page_offers_the_form_with_the_amount_filled_in(client):
    order = order_in("paid")
    client.force_login(order.buyer)

    response = client.get(detail(order))

    assert response.context["refund_form"].initial["amount"] == Decimal("199.00")
    assert f'action="/orders/{order.order_no}/refund/"'.encode() in response.content


def test_no_form_when_nothing_can_be_refunded(client):
    order = order_in("in_service", policy=Policy.NONE)
    client.force_login(order.buyer)

    response = client.get(detail(order))

    assert response.context["refund_form"] is None
    assert b"/refund/" not in response.content


def test_the_buyer_asks_through_the_form(client, media_root):
    order = order_in("paid")
    client.force_login(order.buyer)
    photo = SimpleUploadedFile("a.png", image_bytes(), content_type="image/png")

    response = client.post(
        f"{detail(order)}refund/",
        {"amount": "80.00", "reason": "临时出差无法上课", "images": [photo]},
    )

    assert response.status_code == 302
    refund = Refund.objects.get()
    assert refund.amount == Decimal("80.00")
    assert refund.images.count() == 1
    page = client.get(detail(order))
    assert page.context["refund_form"] is None
    assert page.context["order"].open_refund == refund
    assert gettext("Refund in progress") in page.content.decode()
    listed = client.get("/orders/").content.decode()
    assert gettext("Refund in progress") in listed


@pytest.mark.parametrize(
    "data, field",
    [
        ({"amount": "80.00", "reason": "短"}, "reason"),
        ({"amount": "abc", "reason": "临时出差无法上课"}, "amount"),
        ({"amount": "500.00", "reason": "临时出差无法上课"}, "amount"),
    ],
)
def test_bad_input_shows_the_form_again_and_saves_nothing(client, data, field):
    order = order_in("paid")
    client.force_login(order.buyer)

    response = client.post(f"{detail(order)}refund/", data)

    assert response.status_code == 200
    assert field in response.context["refund_form"].errors
    assert not Refund.objects.exists()


def test_another_learner_gets_404(client):
    order = order_in("paid")
    refund = ask(order)
    services.reject_refund(refund, by=order.provider, reason="不符合退款条件")
    client.force_login(UserFactory())

    assert client.get(detail(order)).status_code == 404
    assert (
        client.post(f"{detail(order)}refund/", {"amount": "1", "reason": "不想要了"}).status_code
        == 404
    )
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REJECTED
    assert Refund.objects.count() == 1


def escalation_link(order: Order) -> bytes:
    return f"/support/tickets/new/?order={order.order_no}&amp;escalate=1".encode()


def test_the_platform_is_offered_only_after_a_rejection_and_once(client):
    """The order page links to the complaint form (support's tickets: a platform review
    always has a ticket); support/tests/test_escalation.py follows the link through."""
    order = order_in("paid")
    refund = ask(order)
    client.force_login(order.buyer)

    assert escalation_link(order) not in client.get(detail(order)).content

    services.reject_refund(refund, by=order.provider, reason="不符合退款条件")
    page = client.get(detail(order))
    assert escalation_link(order) in page.content
    assert "不符合退款条件" in page.content.decode()

    services.escalate_refund(refund, by=order.buyer)
    assert escalation_link(order) not in client.get(detail(order)).content


def test_the_old_escalate_route_is_gone(client):
    order = order_in("paid")
    refund = ask(order)
    services.reject_refund(refund, by=order.provider, reason="不符合退款条件")
    client.force_login(order.buyer)

    assert client.post(f"{detail(order)}refund/escalate/").status_code == 404
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REJECTED


def test_the_after_sales_tab_lists_orders_with_refunds(client, django_capture_on_commit_callbacks):
    asked = order_in("paid")
    ask(asked, amount="10.00")
    buyer = asked.buyer
    refunded = OrderFactory(checkout__buyer=buyer, status=Status.REFUNDED)
    OrderFactory(checkout__buyer=buyer, status=Status.PAID)
    client.force_login(buyer)

    response = client.get("/orders/", {"tab": "after_sales"})

    listed = {order.pk for order in response.context["page"].object_list}
    assert listed == {asked.pk, refunded.pk}


def test_the_after_sales_tab_has_a_fixed_query_budget(client, django_assert_max_num_queries):
    buyer = UserFactory()
    for _ in range(3):
        order = OrderFactory(checkout__buyer=buyer, status=Status.REFUNDED)
        Refund.objects.create(
            order=order,
            requested_by=buyer,
            amount=Decimal("1.00"),
            reason="不想要了不想要了",
            respond_by=timezone.now(),
            status=Refund.Status.REFUNDED,
        )
    client.force_login(buyer)

    with django_assert_max_num_queries(12):
        client.get("/orders/", {"tab": "after_sales"})


# --- admin ----------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def test_staff_approve_from_the_admin(staff_client, django_capture_on_commit_callbacks):
    order = order_in("paid")
    refund = ask(order)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/orders/refund/", {"action": "approve", "_selected_action": [refund.pk]}
        )

    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REFUNDED


def test_staff_reject_with_a_reason_from_the_admin(staff_client):
    order = order_in("paid")
    refund = ask(order)
    selected = {"action": "reject", "_selected_action": [refund.pk]}

    page = staff_client.post("/admin/orders/refund/", selected)
    assert page.status_code == 200
    assert b'name="reason"' in page.content
    response = staff_client.post(
        "/admin/orders/refund/", {**selected, "apply": "1", "reason": "经核实不符合退款条件"}
    )

    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REJECTED
    assert refund.decision_note == "经核实不符合退款条件"


def test_the_admin_lists_and_finds_refunds(staff_client):
    refund = ask(order_in("paid"))
    ask(order_in("paid"))

    response = staff_client.get("/admin/orders/refund/", {"q": refund.order.order_no})

    assert list(response.context["cl"].result_list) == [refund]
    assert staff_client.get(f"/admin/orders/refund/{refund.pk}/change/").status_code == 200
    assert staff_client.get(f"/admin/orders/order/{refund.order_id}/change/").status_code == 200


# --- the policy where the learner decides ---------------------------------------------------


def test_the_service_page_and_checkout_show_the_refund_policy(client):
    package = PackageFactory(service__refund_policy=Policy.SEVEN_DAYS)
    service = package.service
    text = str(service.refund_policy_text)
    assert text

    assert text in client.get(service.get_absolute_url()).content.decode()

    client.force_login(UserFactory())
    session = client.session
    session[SESSION_BUY_NOW] = {"package_id": package.pk, "addon_ids": [], "quantity": 1}
    session.save()
    assert text in client.get("/checkout/?buy_now=1").content.decode()


# --- money never goes back twice (found in review) -------------------------------------------


def test_an_old_rejected_refund_cannot_be_escalated_after_a_newer_one_paid_back(
    django_capture_on_commit_callbacks,
):
    order = order_in("paid")
    first = ask(order)
    services.reject_refund(first, by=order.provider, reason="不符合退款条件")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_refund(ask(order), by=order.provider)
    assert fresh(order).status == Order.Status.REFUNDED

    with pytest.raises(RefundNotAllowed):
        services.escalate_refund(first, by=order.buyer)

    paid_back = Refund.objects.filter(order=order, status=Refund.Status.REFUNDED)
    assert sum(refund.amount for refund in paid_back) == Decimal("199.00")


def test_an_escalated_refund_is_not_paid_once_the_rest_was_refunded(
    django_capture_on_commit_callbacks,
):
    order = order_in("paid")
    first = ask(order, amount="100.00")
    services.reject_refund(first, by=order.provider, reason="不符合退款条件")
    services.escalate_refund(first, by=order.buyer)
    # Meanwhile staff pay back more than what would be left after the escalated refund.
    refund = Refund.objects.create(
        order=order,
        requested_by=order.buyer,
        amount=Decimal("150.00"),
        reason="另一笔退款",
        status=Refund.Status.REFUNDED,
        respond_by=timezone.now(),
    )
    assert refund.pk

    with pytest.raises(RefundNotAllowed):
        services.approve_refund(first, by=StaffFactory())

    first.refresh_from_db()
    assert first.status == Refund.Status.ESCALATED


def test_a_partial_refund_uses_up_the_policy_instead_of_starting_it_again():
    order = order_in("in_service", policy=Policy.PROGRESS, service__study_days=10)
    started = order.started_at
    Refund.objects.create(
        order=order,
        requested_by=order.buyer,
        amount=Decimal("179.10"),  # what day 1 allowed: 199 × 9/10
        reason="第一天退款",
        status=Refund.Status.REFUNDED,
        respond_by=started,
    )

    # On day 5 the policy allows 99.50 in all, already exceeded: nothing more.
    assert refundable_amount(fresh(order), now=started + timedelta(days=5)) == Decimal("0.00")


def test_an_order_cannot_be_completed_while_a_refund_is_open(client):
    order = order_in("in_service", policy=Policy.PROGRESS, service__study_days=30)
    ask(order, amount="100.00")

    with pytest.raises(services.errors.TransitionNotAllowed):
        services.confirm_order(order, by=order.buyer)
    client.force_login(order.buyer)
    page = client.get(f"/orders/{order.order_no}/").content.decode()

    assert fresh(order).status == Order.Status.IN_SERVICE
    assert f"/orders/{order.order_no}/confirm/" not in page


def test_an_approved_refund_left_open_is_settled_by_the_timer(settings):
    settings.REFUNDS_SETTLE_WITHOUT_GATEWAY = False  # the after-commit settlement "fails"
    order = order_in("paid")
    refund = services.approve_refund(ask(order), by=order.provider)
    assert refund.status == Refund.Status.APPROVED
    settings.REFUNDS_SETTLE_WITHOUT_GATEWAY = True

    assert services.settle_approved_refunds() == 0  # too early: the settlement may be running
    later = timezone.now() + timedelta(minutes=11)
    assert services.settle_approved_refunds(now=later) == 1
    assert services.settle_approved_refunds(now=later) == 0

    refund.refresh_from_db()
    assert refund.status == Refund.Status.REFUNDED
    assert fresh(order).status == Order.Status.REFUNDED


def test_staff_are_told_when_a_refund_is_escalated(django_capture_on_commit_callbacks):
    staff = StaffFactory()
    order = order_in("paid")
    refund = ask(order)
    services.reject_refund(refund, by=order.provider, reason="不符合退款条件")

    with django_capture_on_commit_callbacks(execute=True):
        services.escalate_refund(refund, by=order.buyer)

    [message] = Message.objects.filter(user=staff)
    assert message.event == "refund_escalated"
    assert message.url == f"/admin/orders/refund/{refund.pk}/change/"
