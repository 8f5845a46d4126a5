"""A visitor puts two services from two providers in the cart from their detail pages, then
changes a quantity and unticks a line on /cart/: the total follows without a reload, in
Chromium at phone and desktop widths."""

from decimal import Decimal

import pytest

from accounts.tests.factories import ProviderFactory
from cart.models import Cart
from cart.selectors import cart_contents
from catalog.tests.factories import AddOnFactory, PackageFactory, ServiceFactory
from ksmall.money import format_yuan
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.test_pages import AUDIT_JS


@pytest.fixture
def two_providers():
    python = ServiceFactory(
        provider=ProviderFactory(profile__display_name="明德教育"), title="Python 数据分析实战营"
    )
    standard = PackageFactory(service=python, name="标准班", price=Decimal("1299.00"))
    AddOnFactory(service=python, name="1对1答疑", price=Decimal("200.00"))
    japanese = ServiceFactory(
        provider=ProviderFactory(profile__display_name="远航外语"), title="日语五十音入门"
    )
    kana = PackageFactory(service=japanese, name="自学版", price=Decimal("99.00"))
    return {"python": python, "standard": standard, "japanese": japanese, "kana": kana}


def add_from_detail_page(page, live_server, service) -> None:
    page.goto(live_server.url + service.get_absolute_url())
    page.click(".line-form__actions button[type=submit]:not([name=buy_now])")
    page.wait_for_load_state()
    assert page.url == live_server.url + service.get_absolute_url()


def total_on_page(page):
    return page.locator(".cart-summary__total .price")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_visitor_changes_the_cart_and_the_total_follows(
    new_page, live_server, artifacts, two_providers, viewport
):
    page = new_page(viewport)
    add_from_detail_page(page, live_server, two_providers["python"])
    assert page.locator("#cart-count").inner_text() == "1"
    add_from_detail_page(page, live_server, two_providers["japanese"])
    assert page.locator("#cart-count").inner_text() == "2"

    page.goto(live_server.url + "/cart/")
    assert page.locator(".cart-group__provider").all_inner_texts() == ["明德教育", "远航外语"]
    total_on_page(page).filter(has_text=format_yuan(Decimal("1398.00"))).wait_for()
    assert page.evaluate(AUDIT_JS) == []
    page.evaluate("window.cartPageNotReloaded = true")

    cart = Cart.objects.get()
    python_line = cart.lines.get(package=two_providers["standard"])
    kana_line = cart.lines.get(package=two_providers["kana"])

    # + on the Python line: 2 × 1299 + 99.
    page.click(f"#line-{python_line.pk} .stepper__button[value='1']")
    total_on_page(page).filter(has_text=format_yuan(Decimal("2697.00"))).wait_for()
    assert page.locator(f"#line-{python_line.pk} input[name=quantity]").input_value() == "2"

    # Untick the kana line: only the Python line counts.
    page.uncheck(f"#line-{kana_line.pk} input[type=checkbox][name=selected]")
    total_on_page(page).filter(has_text=format_yuan(Decimal("2598.00"))).wait_for()

    server_total = cart_contents(cart).selected_total
    assert server_total == Decimal("2598.00")
    assert total_on_page(page).inner_text() == format_yuan(server_total)
    assert page.evaluate("window.cartPageNotReloaded") is True
    assert not page.locator(f"#line-{kana_line.pk} input[type=checkbox]").is_checked()
    assert page.locator("#cart-count").inner_text() == "2"
    assert page.evaluate(AUDIT_JS) == []
    page.screenshot(path=str(artifacts / f"cart-{viewport}.png"), full_page=True)
