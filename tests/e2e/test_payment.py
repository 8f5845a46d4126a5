"""A learner pays in the sandbox, in Chromium: with Alipay (the simulated Alipay page, its
signed callback through the real notify endpoint, back to the result page) and with WeChat
Pay (the QR code page, a simulated scan); a company pays by bank transfer and uploads the
receipt. Every page is audited for overflow and unlabelled controls and photographed."""

import io
import time

import pytest
from PIL import Image

from accounts.tests.factories import UserFactory
from orders.models import Order
from payments.models import GatewayCallback, Payment, TransferVoucher
from payments.tests.factories import placed_checkout
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.test_checkout import audit, sign_in

pytestmark = pytest.mark.usefixtures("media_root")


@pytest.fixture
def learner():
    return UserFactory(email="payer@example.com", nickname="小林")


def pay_in_sandbox(page) -> float:
    """Press 支付成功 on the sandbox cashier; seconds until the result page says paid."""
    started = time.monotonic()
    page.click("button[name=outcome][value=success]")
    page.locator(".result-title--ok").wait_for()
    return time.monotonic() - started


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_learner_pays_two_providers_with_alipay_in_the_sandbox(
    new_page, live_server, artifacts, learner, viewport
):
    checkout = placed_checkout("199.00", "88.50", buyer=learner)
    page = new_page(viewport)
    sign_in(page, live_server, learner)

    page.goto(f"{live_server.url}/pay/{checkout.payment_no}/")
    assert "¥287.50" in page.locator(".cashier__amount").inner_text()
    assert page.locator(".sandbox-banner").is_visible()
    assert page.locator(".countdown").inner_text()  # the countdown runs
    audit(page, artifacts, f"pay-cashier-{viewport}")

    page.check("input[name=method][value=alipay]")
    page.click("form.pay-methods button[type=submit]")
    page.wait_for_load_state()
    assert f"/pay/sandbox/{checkout.payment_no}/" in page.url
    assert "¥287.50" in page.locator(".cashier__amount").inner_text()
    audit(page, artifacts, f"pay-sandbox-alipay-{viewport}")

    seconds = pay_in_sandbox(page)
    print(f"\nAlipay sandbox: 支付成功 → orders paid on the result page in {seconds:.2f} s")
    assert seconds < 5
    assert f"/pay/{checkout.payment_no}/return/" in page.url
    assert "支付成功" in page.locator("main").inner_text()
    audit(page, artifacts, f"pay-result-{viewport}")

    assert set(Order.objects.filter(checkout=checkout).values_list("status", flat=True)) == {
        Order.Status.PAID
    }
    callback = GatewayCallback.objects.get()
    assert (callback.kind, callback.outcome) == ("payment", "applied")
    order = checkout.orders.first()
    page.goto(f"{live_server.url}/orders/{order.order_no}/")
    assert page.locator(".order-head__status").inner_text().strip() == "已付款"


def test_a_learner_pays_with_wechat_by_scanning_the_qr_code(
    new_page, live_server, artifacts, learner
):
    checkout = placed_checkout("399.00", buyer=learner)
    page = new_page("desktop")
    sign_in(page, live_server, learner)

    page.goto(f"{live_server.url}/pay/{checkout.payment_no}/")
    page.check("input[name=method][value=wechat]")
    page.click("form.pay-methods button[type=submit]")
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/pay/{checkout.payment_no}/wechat/"
    assert page.locator(".qr-box svg").is_visible()
    audit(page, artifacts, "pay-wechat-qr-desktop")

    page.click(".qr-box a.btn")  # the sandbox stands in for the phone that scans
    page.wait_for_load_state()
    audit(page, artifacts, "pay-sandbox-wechat-desktop")
    seconds = pay_in_sandbox(page)
    print(f"\nWeChat sandbox: 支付成功 → orders paid on the result page in {seconds:.2f} s")
    assert Payment.objects.get().status == Payment.Status.PAID
    assert Order.objects.get(checkout=checkout).status == Order.Status.PAID


def test_the_qr_page_moves_on_by_itself_once_paid(new_page, live_server, learner):
    """The payer scans with a phone: the computer's QR page notices within seconds."""
    from django.test import Client

    from payments import sandbox
    from payments.sandbox.wechat import payment_notify

    checkout = placed_checkout("99.00", buyer=learner)
    page = new_page("desktop")
    sign_in(page, live_server, learner)
    page.goto(f"{live_server.url}/pay/{checkout.payment_no}/")
    page.check("input[name=method][value=wechat]")
    page.click("form.pay-methods button[type=submit]")
    page.locator(".qr-box svg").wait_for()

    payment = Payment.objects.get()
    trade = sandbox.settle_trade(payment.out_trade_no, paid=True)
    response = Client().post(
        "/pay/notify/wechat/", data=payment_notify(trade, paid=True), content_type="text/xml"
    )
    assert b"SUCCESS" in response.content

    page.locator(".result-title--ok").wait_for(timeout=20_000)  # polls every 2 s
    assert page.url == f"{live_server.url}/pay/{checkout.payment_no}/return/"


def test_a_company_pays_by_bank_transfer_and_uploads_the_receipt(
    new_page, live_server, artifacts, learner
):
    checkout = placed_checkout("2999.00", buyer=learner)
    page = new_page("phone")
    sign_in(page, live_server, learner)
    page.goto(f"{live_server.url}/pay/{checkout.payment_no}/")
    page.check("input[name=method][value=bank]")
    page.click("form.pay-methods button[type=submit]")
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/pay/{checkout.payment_no}/transfer/"
    text = page.locator("main").inner_text()
    assert checkout.payment_no in text and "¥2,999.00" in text
    audit(page, artifacts, "pay-transfer-phone")

    receipt = io.BytesIO()
    Image.new("RGB", (600, 400), "white").save(receipt, format="PNG")
    page.fill("input[name=payer_name]", "杭州某某科技有限公司")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "回单.png", "mimeType": "image/png", "buffer": receipt.getvalue()}],
    )
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    assert TransferVoucher.objects.get().status == TransferVoucher.Status.SUBMITTED
    assert page.locator(".flash--success").is_visible()
    audit(page, artifacts, "pay-transfer-submitted-phone")
