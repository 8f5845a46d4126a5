"""A provider runs an order from the dashboard in Chromium: sees it waiting on the
overview, finds it on the order desk, accepts it with a schedule, starts and completes it
with a summary; then decides a refund on the refund desk. Pages are audited for overflow
and unlabelled controls and photographed."""

from decimal import Decimal

import pytest

from orders import services
from orders.models import Order, Refund
from orders.tests.factories import order_walked_to
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.test_checkout import audit, sign_in


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_provider_accepts_starts_and_completes_an_order(
    new_page, live_server, artifacts, viewport
):
    order = order_walked_to("paid", price=Decimal("680.00"))
    provider = order.provider
    page = new_page(viewport)
    sign_in(page, live_server, provider)

    page.goto(live_server.url + "/dashboard/")
    todo = page.locator("a.stat-card[href='/dashboard/orders/?status=paid'] .stat-card__value")
    assert todo.inner_text() == "1"
    audit(page, artifacts, f"desk-overview-{viewport}")

    page.click("a.stat-card[href='/dashboard/orders/?status=paid']")
    page.wait_for_load_state()
    assert order.order_no in page.locator("main").inner_text()
    audit(page, artifacts, f"desk-orders-{viewport}")

    page.click(f"a[href='/dashboard/orders/{order.order_no}/']")
    page.wait_for_load_state()
    audit(page, artifacts, f"desk-order-{viewport}")
    page.fill("textarea[name=schedule]", "周六 10:00，腾讯会议 123 456 789")
    page.click(f"form[action='/dashboard/orders/{order.order_no}/accept/'] button")
    page.wait_for_load_state()
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_SERVICE

    page.click(f"form[action='/dashboard/orders/{order.order_no}/start/'] button")
    page.wait_for_load_state()
    page.fill("textarea[name=summary]", "完成两次一对一辅导，整理了复习要点。")
    page.click(f"form[action='/dashboard/orders/{order.order_no}/complete/'] button")
    page.wait_for_load_state()
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert order.service_summary == "完成两次一对一辅导，整理了复习要点。"
    assert page.locator(".timeline__item").count() == 5  # placed, paid, accepted, started, done
    audit(page, artifacts, f"desk-order-completed-{viewport}")

    page.goto(live_server.url + "/dashboard/stats/")
    assert page.locator("svg.chart").count() == 3
    assert "¥680.00" in page.locator("main").inner_text()
    audit(page, artifacts, f"desk-stats-{viewport}")


def test_a_provider_approves_a_refund_from_the_refund_desk(new_page, live_server, artifacts):
    order = order_walked_to("paid", price=Decimal("199.00"))
    services.request_refund(
        order, by=order.buyer, amount=Decimal("199.00"), reason="时间冲突，无法参加课程。"
    )
    page = new_page("phone")
    sign_in(page, live_server, order.provider)

    page.goto(live_server.url + "/dashboard/refunds/")
    assert "时间冲突" in page.locator("main").inner_text()
    audit(page, artifacts, "desk-refunds-phone")
    page.locator("form[action$='/approve/'] button").click()
    page.wait_for_load_state()

    refund = Refund.objects.get()
    assert refund.status == Refund.Status.REFUNDED  # paid without a gateway payment
    assert Order.objects.get(pk=order.pk).status == Order.Status.REFUNDED
