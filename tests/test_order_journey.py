"""The order journey across apps: a learner fills a cart from two providers, checks out
only some lines, sees two orders waiting for one payment, cancels one (its seats come
back), and follows the other through to a review, with an inbox message at every step.

The learner acts through HTTP. Paying and the provider's moves go through the services
that the cashier (payments) and the provider dashboard will call.
"""

import re
from decimal import Decimal

import pytest

from accounts.tests.factories import ProviderFactory, UserFactory
from catalog.models import Package, Review
from catalog.tests.factories import PackageFactory, ServiceFactory
from notifications.models import Message
from orders import services
from orders.models import Checkout, Order

pytestmark = pytest.mark.django_db


def hidden(page, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page.content.decode()).group(1)


def inbox(user) -> list[str]:
    return list(Message.objects.filter(user=user).order_by("pk").values_list("event", flat=True))


def test_a_learner_orders_from_two_providers_and_follows_one_order_to_a_review(
    client, django_capture_on_commit_callbacks
):
    learner = UserFactory(nickname="小林", phone="+8613800000009", phone_verified=True)
    mingde = ProviderFactory(profile__display_name="明德教育")
    yuanhang = ProviderFactory(profile__display_name="远航外语")
    python = PackageFactory(
        service=ServiceFactory(provider=mingde, title="Python 数据分析实战营"),
        price=Decimal("1299.00"),
        capacity=10,
    )
    japanese = PackageFactory(
        service=ServiceFactory(provider=yuanhang, title="日语五十音入门"),
        price=Decimal("99.00"),
        capacity=5,
    )
    excel = PackageFactory(
        service=ServiceFactory(provider=mingde, title="Excel 高效办公"), price=Decimal("199.00")
    )
    client.force_login(learner)

    # A cart from two providers; one line stays behind.
    for package in (python, japanese, excel):
        client.post("/cart/add/", {"variant": package.pk, "quantity": 1})
    excel_line = learner.cart.lines.get(package=excel)
    client.post(f"/cart/items/{excel_line.pk}/", {"selected": "0"})

    # Checkout of the ticked lines: two orders, one payment.
    page = client.get("/checkout/")
    with django_capture_on_commit_callbacks(execute=True):
        placed = client.post(
            "/checkout/",
            {
                "token": hidden(page, "token"),
                "fingerprint": hidden(page, "fingerprint"),
                "discounts": hidden(page, "discounts"),
                "expected_total": hidden(page, "expected_total"),
                "contact_name": "小林",
                "contact_phone": "13800000009",
            },
        )
    checkout = Checkout.objects.get(buyer=learner)
    assert placed["Location"] == f"/pay/{checkout.payment_no}/"
    assert checkout.total == Decimal("1398.00")
    orders = {order.provider_id: order for order in checkout.orders.all()}
    assert set(orders) == {mingde.pk, yuanhang.pk}
    assert all(order.status == Order.Status.PENDING_PAYMENT for order in orders.values())
    assert list(learner.cart.lines.values_list("package", flat=True)) == [excel.pk]
    assert client.get(f"/pay/{checkout.payment_no}/").status_code == 200
    assert inbox(learner).count("order_placed") == 2

    # Cancel the Japanese order: its seat comes back.
    assert Package.objects.get(pk=japanese.pk).reserved == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/orders/{orders[yuanhang.pk].order_no}/cancel/")
    assert Package.objects.get(pk=japanese.pk).reserved == 0
    assert "order_cancelled" in inbox(learner)
    # The cashier now asks only for the order still awaiting payment.
    cashier = client.get(f"/pay/{checkout.payment_no}/").content.decode()
    assert "¥1,299.00" in cashier and "¥1,398.00" in cashier  # due, of the total ordered
    checkout.refresh_from_db()
    assert Checkout.objects.get(pk=checkout.pk).amount_due == Decimal("1299.00")

    # The payment arrives; the provider accepts, starts and completes with a summary.
    python_order = orders[mingde.pk]
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_paid(checkout)
    python_order.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_order(python_order, by=mingde, schedule="每周六 10:00 腾讯会议")
        services.start_order(python_order, by=mingde)
        services.complete_order(python_order, by=mingde, summary="完成 8 次直播与 3 个项目")
    python_order.refresh_from_db()
    assert python_order.status == Order.Status.COMPLETED
    assert "order_received" in inbox(mingde)

    # The learner reviews the line; the service's rating follows.
    line = python_order.lines.get()
    with django_capture_on_commit_callbacks(execute=True):
        reviewed = client.post(
            f"/orders/{python_order.order_no}/review/",
            {"line": line.pk, "rating": 5, "text": "项目很实用，老师讲得清楚。"},
        )
    assert reviewed.status_code == 302
    assert Review.objects.get().service == python.service
    python.service.refresh_from_db()
    assert (python.service.rating_count, python.service.rating_avg) == (1, 5)

    # A message at every step, and the timeline tells the whole story.
    assert inbox(learner) == [
        "order_placed",
        "order_placed",
        "order_cancelled",
        "order_paid",
        "order_accepted",
        "order_started",
        "order_completed",
    ]
    detail = client.get(f"/orders/{python_order.order_no}/").content.decode()
    for step in ("提交订单", "已付款", "服务商已接单", "服务已开始", "已完成"):
        assert step in detail
