"""A learner signs in, puts services from two providers in the cart, unticks one line,
checks out the other, lands on the cashier page, finds the order under /orders/ and cancels
it, in Chromium at phone and desktop widths. Every page is audited for horizontal overflow
and unlabelled controls, and photographed into test-artifacts/."""

from decimal import Decimal

import pytest

from accounts.tests.factories import PASSWORD, ProviderFactory, UserFactory
from cart.models import CartLine
from catalog.models import Package
from catalog.tests.factories import AddOnFactory, PackageFactory, ServiceFactory
from ksmall.money import format_yuan
from orders.models import Checkout, Order
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.test_pages import AUDIT_JS


@pytest.fixture
def shop():
    python = ServiceFactory(
        provider=ProviderFactory(profile__display_name="明德教育"), title="Python 数据分析实战营"
    )
    standard = PackageFactory(
        service=python, name="标准班", price=Decimal("1299.00"), capacity=30, reserved=0
    )
    AddOnFactory(service=python, name="1对1答疑", price=Decimal("200.00"))
    japanese = ServiceFactory(
        provider=ProviderFactory(profile__display_name="远航外语"), title="日语五十音入门"
    )
    kana = PackageFactory(service=japanese, name="自学版", price=Decimal("99.00"))
    return {"python": python, "standard": standard, "japanese": japanese, "kana": kana}


@pytest.fixture
def learner():
    return UserFactory(
        email="buyer@example.com", nickname="小林", phone="+8613912345678", phone_verified=True
    )


def sign_in(page, live_server, learner) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=login]", learner.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/me/"


def add_to_cart(page, live_server, service) -> None:
    page.goto(live_server.url + service.get_absolute_url())
    page.click(".line-form__actions button[type=submit]:not([name=buy_now])")
    page.wait_for_load_state()
    assert page.url == live_server.url + service.get_absolute_url()


def audit(page, artifacts, name: str) -> None:
    problems = page.evaluate(AUDIT_JS)
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    assert problems == [], (name, page.url, problems)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_learner_checks_out_one_provider_and_cancels_the_order(
    new_page, live_server, artifacts, shop, learner, viewport
):
    page = new_page(viewport)
    sign_in(page, live_server, learner)
    add_to_cart(page, live_server, shop["python"])
    add_to_cart(page, live_server, shop["japanese"])
    assert page.locator("#cart-count").inner_text() == "2"

    # The cart: untick the 远航外语 line, the total follows.
    page.goto(live_server.url + "/cart/")
    kana_line = CartLine.objects.get(cart__user=learner, package=shop["kana"])
    page.uncheck(f"#line-{kana_line.pk} input[type=checkbox][name=selected]")
    page.locator(".cart-summary__total .price").filter(
        has_text=format_yuan(Decimal("1299.00"))
    ).wait_for()
    audit(page, artifacts, f"checkout-cart-{viewport}")

    # Checkout: only the ticked line, the contact prefilled from the account.
    page.click("a.cart-summary__checkout")
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/checkout/"
    assert page.locator(".cart-group__provider").all_inner_texts() == ["明德教育"]
    assert "日语五十音入门" not in page.locator("main").inner_text()
    assert page.input_value("input[name=contact_name]") == "小林"
    assert page.input_value("input[name=contact_phone]") == "13912345678"
    assert format_yuan(Decimal("1299.00")) in page.locator(".cart-summary__total").inner_text()
    audit(page, artifacts, f"checkout-confirm-{viewport}")
    page.fill("textarea[name=note]", "希望周末上课")
    page.click("form.checkout button[type=submit]")
    page.wait_for_load_state()

    # The cashier page of the one checkout.
    checkout = Checkout.objects.get(buyer=learner)
    order = Order.objects.get(checkout=checkout)
    assert page.url == f"{live_server.url}/pay/{checkout.payment_no}/"
    assert checkout.total == Decimal("1299.00")
    assert format_yuan(Decimal("1299.00")) in page.locator(".cashier__amount").inner_text()
    assert page.locator(".cashier__orders li").count() == 1
    assert page.locator("#cart-count").inner_text() == "1"  # the unticked line stays
    assert list(CartLine.objects.filter(cart__user=learner)) == [kana_line]
    audit(page, artifacts, f"checkout-cashier-{viewport}")

    # The order list, then the order.
    page.goto(live_server.url + "/orders/")
    cards = page.locator(".order-card")
    assert cards.count() == 1
    assert order.order_no in cards.first.inner_text()
    audit(page, artifacts, f"checkout-orders-{viewport}")
    cards.first.locator(".order-card__body").click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/orders/{order.order_no}/"
    assert "希望周末上课" in page.locator("main").inner_text()
    assert "139 1234 5678" in page.locator("main").inner_text()
    audit(page, artifacts, f"checkout-order-{viewport}")

    # Cancel it: the status, the timeline and the seats follow.
    page.click(f"form[action='/orders/{order.order_no}/cancel/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/orders/{order.order_no}/"
    assert page.locator(".order-head__status").inner_text().strip() == "已取消"
    assert page.locator(".timeline__item").count() == 2
    assert page.locator(f"form[action='/orders/{order.order_no}/cancel/']").count() == 0
    assert "订单已取消" in page.locator(".flash-list").inner_text()
    audit(page, artifacts, f"checkout-cancelled-{viewport}")
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert Package.objects.get(pk=shop["standard"].pk).reserved == 0
