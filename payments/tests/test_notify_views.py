"""The gateways' notify endpoints and the payer's return page, over HTTP: only a genuine,
matching callback pays orders, once; everything else is refused or flagged, and the
payment pages are the buyer's alone."""

import logging
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest
import xmltodict
from alipay.aop.api.util.SignatureUtils import get_sign_content, sign_with_rsa2
from django.test import Client
from django.urls import reverse
from wechatpy.pay.utils import calculate_signature, dict_to_xml

from accounts.tests.factories import StaffFactory, UserFactory
from notifications.models import Message
from orders.models import Order, OrderEvent
from payments import sandbox, services
from payments.models import GatewayCallback, Payment, SandboxTrade
from payments.sandbox import alipay as sandbox_alipay
from payments.sandbox import wechat as sandbox_wechat
from payments.tests.factories import placed_checkout

pytestmark = pytest.mark.django_db

ALIPAY_NOTIFY = "/pay/notify/alipay/"
WECHAT_NOTIFY = "/pay/notify/wechat/"
WECHAT_REFUND_NOTIFY = "/pay/notify/wechat/refund/"
FORM = "application/x-www-form-urlencoded"
BROWSER = services.Client(is_mobile=False, ip="203.0.113.9", site_url="http://testserver")


# ---- helpers ---------------------------------------------------------------------------------


def _started(method: str = "alipay", prices=("199.00", "88.50")):
    checkout = placed_checkout(*prices)
    payment, _start = services.start_payment(checkout, method=method, client=BROWSER)
    return checkout, payment


def _paid_trade(payment: Payment) -> SandboxTrade:
    """The payer paid at the (sandbox) gateway: its books say so."""
    sandbox.open_trade(payment.method, payment.out_trade_no, payment.amount, "KS Mall")
    return sandbox.settle_trade(payment.out_trade_no, paid=True)


def _statuses(checkout) -> set[str]:
    return set(Order.objects.filter(checkout=checkout).values_list("status", flat=True))


def _pay_events(checkout) -> int:
    return OrderEvent.objects.filter(order__checkout=checkout, event=OrderEvent.Event.PAY).count()


def _alipay_resigned(body: bytes, **changes) -> bytes:
    """A notify signed again with the sandbox's "Alipay" key: genuine, whatever it says."""
    params = dict(parse_qsl(body.decode(), keep_blank_values=True))
    params.update(changes)
    params = {key: value for key, value in params.items() if value is not None}
    params.pop("sign", None)
    params.pop("sign_type", None)
    content = get_sign_content(params)
    params["sign_type"] = "RSA2"
    params["sign"] = sign_with_rsa2(sandbox.keys()["alipay_private_key"], content, "utf-8")
    return urlencode(params).encode()


def _wechat_resigned(body: bytes, **changes) -> bytes:
    fields = dict(xmltodict.parse(body)["xml"])
    fields.pop("sign", None)
    fields.update(changes)
    fields = {key: value for key, value in fields.items() if value not in (None, "")}
    return dict_to_xml(
        fields, calculate_signature(fields, sandbox.keys()["wechat_api_key"])
    ).encode()


def _xml_answer(response) -> dict:
    return xmltodict.parse(response.content)["xml"]


@pytest.fixture
def post_alipay(client, django_capture_on_commit_callbacks):
    """POST a body to the Alipay notify URL as Alipay does, running what is queued after
    commit (applying the callback)."""

    def post(body: bytes):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(ALIPAY_NOTIFY, data=body, content_type=FORM)

    return post


@pytest.fixture
def post_wechat(client, django_capture_on_commit_callbacks):
    def post(body: bytes, path: str = WECHAT_NOTIFY):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data=body, content_type="text/xml")

    return post


# ---- Alipay: a genuine notify --------------------------------------------------------------


def test_a_genuine_notify_is_stored_acknowledged_and_pays_the_orders(client, post_alipay):
    checkout, payment = _started()
    trade = _paid_trade(payment)
    body = sandbox_alipay.payment_notify(trade)

    response = post_alipay(body)

    assert response.status_code == 200
    assert response.content == b"success"
    callback = GatewayCallback.objects.get()
    assert callback.method == "alipay"
    assert callback.kind == GatewayCallback.Kind.PAYMENT
    assert callback.raw_body == body.decode()
    assert callback.out_trade_no == payment.out_trade_no
    assert callback.gateway_trade_no == trade.trade_no
    assert callback.event_key == "TRADE_SUCCESS"
    assert callback.amount == Decimal("287.50")
    assert callback.outcome == GatewayCallback.Outcome.APPLIED
    assert callback.applied_at is not None
    assert callback.payment == payment
    assert callback.remote_addr == "127.0.0.1"
    assert callback.repeats == 0
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.gateway_trade_no == trade.trade_no
    assert not payment.is_flagged
    assert _statuses(checkout) == {Order.Status.PAID}


def test_a_notify_started_through_the_cashier_pays_the_orders(client, post_alipay):
    checkout = placed_checkout("66.00")
    client.force_login(checkout.buyer)
    response = client.post(f"/pay/{checkout.payment_no}/start/", {"method": "alipay"})
    assert response.status_code == 302
    assert response["Location"].startswith(f"/pay/sandbox/{checkout.payment_no}/?")
    payment = Payment.objects.get(checkout=checkout)
    client.logout()  # Alipay has no session on the site

    response = post_alipay(sandbox_alipay.payment_notify(_paid_trade(payment)))

    assert response.content == b"success"
    assert _statuses(checkout) == {Order.Status.PAID}


def test_the_same_notify_five_times_pays_once(post_alipay):
    checkout, payment = _started()
    body = sandbox_alipay.payment_notify(_paid_trade(payment))

    answers = [post_alipay(body) for _ in range(5)]

    assert [a.content for a in answers] == [b"success"] * 5
    assert [a.status_code for a in answers] == [200] * 5
    callback = GatewayCallback.objects.get()
    assert callback.repeats == 4
    assert callback.outcome == GatewayCallback.Outcome.APPLIED
    assert callback.attempts == 1
    orders = list(Order.objects.filter(checkout=checkout))
    assert len(orders) == 2
    for order in orders:
        assert order.status == Order.Status.PAID
        assert OrderEvent.objects.filter(order=order, event=OrderEvent.Event.PAY).count() == 1
        paid_messages = Message.objects.filter(
            user=checkout.buyer, event="order_paid", context__order_no=order.order_no
        )
        assert paid_messages.count() == 1
    assert Message.objects.filter(event="order_paid").count() == 2


def test_a_notify_posted_without_a_csrf_token_is_accepted(django_capture_on_commit_callbacks):
    checkout, payment = _started()
    body = sandbox_alipay.payment_notify(_paid_trade(payment))

    with django_capture_on_commit_callbacks(execute=True):
        response = Client(enforce_csrf_checks=True).post(
            ALIPAY_NOTIFY, data=body, content_type=FORM
        )

    assert response.status_code == 200
    assert response.content == b"success"
    assert _statuses(checkout) == {Order.Status.PAID}


@pytest.mark.parametrize("verb", ["GET", "PUT", "PATCH", "DELETE"])
def test_the_notify_url_takes_only_post(client, verb):
    _checkout, payment = _started()
    body = sandbox_alipay.payment_notify(_paid_trade(payment))

    response = client.generic(verb, ALIPAY_NOTIFY, body, content_type=FORM)

    assert response.status_code == 405
    assert not GatewayCallback.objects.exists()


# ---- Alipay: what must not pay -------------------------------------------------------------


def test_a_forged_notify_is_refused_and_changes_nothing(post_alipay, caplog):
    checkout, payment = _started()
    params = dict(parse_qsl(sandbox_alipay.payment_notify(_paid_trade(payment)).decode()))
    params["total_amount"] = "0.01"

    with caplog.at_level(logging.WARNING, logger="payments"):
        response = post_alipay(urlencode(params).encode())

    assert 400 <= response.status_code < 500
    assert response.content != b"success"
    assert not GatewayCallback.objects.exists()
    assert _statuses(checkout) == {Order.Status.PENDING_PAYMENT}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert any(r.levelno == logging.WARNING and "refused" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "body",
    [b"", b"garbage", b"\xff\xfe\x00", b"trade_status=TRADE_SUCCESS&out_trade_no=X&sign=abc"],
    ids=["empty", "garbage", "binary", "unsigned"],
)
def test_a_body_that_is_no_notify_is_refused_without_a_row(post_alipay, body):
    checkout, _payment = _started()

    response = post_alipay(body)

    assert 400 <= response.status_code < 500
    assert response.content != b"success"
    assert not GatewayCallback.objects.exists()
    assert _statuses(checkout) == {Order.Status.PENDING_PAYMENT}


def test_a_notify_signed_with_sha1_is_refused(post_alipay):
    from alipay.aop.api.util.SignatureUtils import sign_with_rsa

    checkout, payment = _started()
    params = dict(parse_qsl(sandbox_alipay.payment_notify(_paid_trade(payment)).decode()))
    content = get_sign_content({k: v for k, v in params.items() if k not in ("sign", "sign_type")})
    params["sign_type"] = "RSA"
    params["sign"] = sign_with_rsa(sandbox.keys()["alipay_private_key"], content, "utf-8")

    response = post_alipay(urlencode(params).encode())

    assert response.status_code == 400
    assert not GatewayCallback.objects.exists()
    assert _statuses(checkout) == {Order.Status.PENDING_PAYMENT}


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("app_id", "2021009999999999", "2021009999999999"),
        ("seller_id", "2088009999999999", "2088009999999999"),
        ("total_amount", "199.00", "199.00"),
        ("total_amount", "0.01", "0.01"),
        # Alipay names a foreign currency in trans_currency (cross-border trades); the
        # site only ever asks for CNY.
        ("trans_currency", "USD", "USD"),
    ],
    ids=["app_id", "seller_id", "amount", "one-cent", "currency"],
)
def test_a_genuine_notify_that_does_not_match_is_flagged_not_paid(
    post_alipay, caplog, field, value, reason
):
    staff = StaffFactory()
    checkout, payment = _started()
    body = _alipay_resigned(sandbox_alipay.payment_notify(_paid_trade(payment)), **{field: value})

    with caplog.at_level(logging.WARNING, logger="payments"):
        response = post_alipay(body)

    # Genuine: Alipay must stop sending it; the site keeps it for staff.
    assert response.content == b"success"
    callback = GatewayCallback.objects.get()
    assert callback.raw_body == body.decode()
    assert callback.outcome == GatewayCallback.Outcome.FLAGGED
    assert reason in callback.outcome_note
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert payment.is_flagged
    assert reason in payment.flag_reason
    assert _statuses(checkout) == {Order.Status.PENDING_PAYMENT}
    assert _pay_events(checkout) == 0
    flagged = Message.objects.filter(user=staff, event="payment_flagged")
    assert flagged.count() == 1
    assert flagged.get().context["out_trade_no"] == payment.out_trade_no
    assert any(r.levelno == logging.WARNING for r in caplog.records)


def test_a_genuine_notify_for_an_unknown_trade_is_stored_and_ignored(post_alipay):
    checkout, _payment = _started()
    stranger = sandbox.open_trade("alipay", "P20240520000000000000A99", Decimal("287.50"), "?")
    stranger = sandbox.settle_trade(stranger.out_trade_no, paid=True)

    response = post_alipay(sandbox_alipay.payment_notify(stranger))

    assert response.content == b"success"
    callback = GatewayCallback.objects.get()
    assert callback.out_trade_no == "P20240520000000000000A99"
    assert callback.outcome == GatewayCallback.Outcome.IGNORED
    assert callback.payment is None
    assert _statuses(checkout) == {Order.Status.PENDING_PAYMENT}


def test_a_wait_buyer_pay_notify_does_not_pay(post_alipay):
    checkout, payment = _started()
    trade = _paid_trade(payment)
    body = _alipay_resigned(sandbox_alipay.payment_notify(trade), trade_status="WAIT_BUYER_PAY")

    response = post_alipay(body)

    assert response.content == b"success"
    assert _statuses(checkout) == {Order.Status.PENDING_PAYMENT}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_trade_finished_after_trade_success_changes_nothing_more(post_alipay):
    checkout, payment = _started()
    success = sandbox_alipay.payment_notify(_paid_trade(payment))
    finished = _alipay_resigned(success, trade_status="TRADE_FINISHED")
    post_alipay(success)

    response = post_alipay(finished)

    assert response.content == b"success"
    assert GatewayCallback.objects.count() == 2
    later = GatewayCallback.objects.get(event_key="TRADE_FINISHED")
    assert later.outcome == GatewayCallback.Outcome.UNCHANGED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert not payment.is_flagged
    assert _pay_events(checkout) == 2  # one per order
    assert Message.objects.filter(event="order_paid").count() == 2


def test_a_partial_refund_notify_for_a_paid_payment_leaves_the_orders_alone(post_alipay):
    checkout, payment = _started()
    success = sandbox_alipay.payment_notify(_paid_trade(payment))
    post_alipay(success)
    refund = _alipay_resigned(
        success,
        refund_fee="10.00",
        gmt_refund="2024-05-21 09:00:00.123",
        out_biz_no="RF202405210000000000000001",
        notify_id="N-refund",
    )

    response = post_alipay(refund)

    assert response.content == b"success"
    callback = GatewayCallback.objects.get(refund_no="RF202405210000000000000001")
    assert callback.status == "refunded"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert _statuses(checkout) == {Order.Status.PAID}
    assert _pay_events(checkout) == 2
    assert Message.objects.filter(event="order_paid").count() == 2


def test_trade_closed_after_trade_success_leaves_the_payment_paid(post_alipay):
    checkout, payment = _started()
    success = sandbox_alipay.payment_notify(_paid_trade(payment))
    post_alipay(success)

    response = post_alipay(_alipay_resigned(success, trade_status="TRADE_CLOSED"))

    assert response.content == b"success"
    closed = GatewayCallback.objects.get(event_key="TRADE_CLOSED")
    assert closed.outcome == GatewayCallback.Outcome.UNCHANGED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert _statuses(checkout) == {Order.Status.PAID}


def test_trade_closed_before_any_payment_closes_the_attempt(post_alipay):
    checkout, payment = _started()
    sandbox.open_trade("alipay", payment.out_trade_no, payment.amount, "KS Mall")
    assert sandbox.close_trade(payment.out_trade_no) == "closed"
    trade = sandbox.trade(payment.out_trade_no)

    response = post_alipay(
        _alipay_resigned(sandbox_alipay.payment_notify(trade), trade_status="TRADE_CLOSED")
    )

    assert response.content == b"success"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CLOSED
    assert _statuses(checkout) == {Order.Status.PENDING_PAYMENT}


# ---- WeChat Pay ----------------------------------------------------------------------------


def test_a_genuine_wechat_notify_pays_the_orders(post_wechat):
    checkout, payment = _started("wechat")
    trade = _paid_trade(payment)

    response = post_wechat(sandbox_wechat.payment_notify(trade, paid=True))

    assert response.status_code == 200
    assert _xml_answer(response) == {"return_code": "SUCCESS", "return_msg": "OK"}
    callback = GatewayCallback.objects.get()
    assert callback.method == "wechat"
    assert callback.gateway_trade_no == trade.trade_no
    assert callback.outcome == GatewayCallback.Outcome.APPLIED
    assert _statuses(checkout) == {Order.Status.PAID}


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml",
        b"<xml><return_code>SUCCESS</return_code>",
        b"<xml></xml>",
        b"<xml><return_code>SUCCESS</return_code></xml>",
    ],
    ids=["empty", "not-xml", "unclosed", "empty-xml", "unsigned"],
)
def test_a_body_that_is_no_wechat_notify_gets_a_fail_answer_and_no_row(post_wechat, body):
    checkout, _payment = _started("wechat")

    response = post_wechat(body)

    assert 400 <= response.status_code < 500
    assert _xml_answer(response)["return_code"] == "FAIL"
    assert not GatewayCallback.objects.exists()
    assert _statuses(checkout) == {Order.Status.PENDING_PAYMENT}


def test_a_wechat_notify_with_a_doctype_is_refused_even_if_its_entities_would_sign(post_wechat):
    checkout, payment = _started("wechat")
    genuine = _wechat_resigned(
        sandbox_wechat.payment_notify(_paid_trade(payment), paid=True), attach="KS"
    )
    # The same notify, its attach written as an entity that expands to what was signed.
    body = genuine.replace(b"<attach><![CDATA[KS]]></attach>", b"<attach>&ks;</attach>")
    assert body != genuine
    body = b'<?xml version="1.0"?>\n<!DOCTYPE xml [<!ENTITY ks "KS">]>\n' + body

    response = post_wechat(body)

    assert 400 <= response.status_code < 500
    assert _xml_answer(response)["return_code"] == "FAIL"
    assert not GatewayCallback.objects.exists()
    assert _statuses(checkout) == {Order.Status.PENDING_PAYMENT}
    # The same notify without the DTD is genuine: only the DTD made it fail.
    assert _xml_answer(post_wechat(genuine))["return_code"] == "SUCCESS"
    assert _statuses(checkout) == {Order.Status.PAID}


def test_a_wechat_notify_with_an_external_entity_is_refused(post_wechat):
    body = (
        b'<?xml version="1.0"?>\n<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b"<xml><return_code>SUCCESS</return_code><out_trade_no>&x;</out_trade_no></xml>"
    )

    response = post_wechat(body)

    assert 400 <= response.status_code < 500
    assert b"root:" not in response.content
    assert not GatewayCallback.objects.exists()


def test_a_genuine_wechat_notify_in_another_currency_is_flagged(post_wechat):
    staff = StaffFactory()
    checkout, payment = _started("wechat")
    body = _wechat_resigned(
        sandbox_wechat.payment_notify(_paid_trade(payment), paid=True), fee_type="USD"
    )

    response = post_wechat(body)

    assert _xml_answer(response)["return_code"] == "SUCCESS"
    callback = GatewayCallback.objects.get()
    assert callback.currency == "USD"
    assert callback.outcome == GatewayCallback.Outcome.FLAGGED
    payment.refresh_from_db()
    assert payment.is_flagged
    assert "USD" in payment.flag_reason
    assert payment.status == Payment.Status.PENDING
    assert _statuses(checkout) == {Order.Status.PENDING_PAYMENT}
    assert Message.objects.filter(user=staff, event="payment_flagged").count() == 1


def test_a_wechat_refund_notify_for_a_refund_never_asked_is_stored_and_flagged(post_wechat):
    staff = StaffFactory()
    checkout, payment = _started("wechat")
    trade = _paid_trade(payment)
    post_wechat(sandbox_wechat.payment_notify(trade, paid=True))

    response = post_wechat(
        sandbox_wechat.refund_notify(trade, "RF-NEVER-ASKED", Decimal("10.00")),
        path=WECHAT_REFUND_NOTIFY,
    )

    assert _xml_answer(response)["return_code"] == "SUCCESS"
    callback = GatewayCallback.objects.get(kind=GatewayCallback.Kind.REFUND)
    assert callback.refund_no == "RF-NEVER-ASKED"
    assert callback.outcome == GatewayCallback.Outcome.FLAGGED
    payment.refresh_from_db()
    assert payment.is_flagged
    assert "RF-NEVER-ASKED" in payment.flag_reason
    assert payment.status == Payment.Status.PAID
    assert _statuses(checkout) == {Order.Status.PAID}
    assert Message.objects.filter(user=staff, event="payment_flagged").count() == 1


def test_a_wechat_refund_notify_that_does_not_decrypt_is_refused(post_wechat):
    body = dict_to_xml(
        {"return_code": "SUCCESS", "appid": "wx1", "mch_id": "1", "req_info": "bm90IGl0"}
    ).encode()

    response = post_wechat(body, path=WECHAT_REFUND_NOTIFY)

    assert 400 <= response.status_code < 500
    assert _xml_answer(response)["return_code"] == "FAIL"
    assert not GatewayCallback.objects.exists()


# ---- the return page -------------------------------------------------------------------------


def test_a_forged_return_leaves_the_orders_unpaid(client, caplog):
    checkout, payment = _started()
    sandbox.open_trade("alipay", payment.out_trade_no, payment.amount, "KS Mall")
    client.force_login(checkout.buyer)
    forged = urlencode(
        {
            "out_trade_no": payment.out_trade_no,
            "trade_status": "TRADE_SUCCESS",
            "total_amount": "287.50",
            "app_id": sandbox.SANDBOX_ALIPAY_APP_ID,
            "seller_id": sandbox.SANDBOX_ALIPAY_SELLER_ID,
            "method": "alipay.trade.page.pay.return",
            "sign_type": "RSA2",
            "sign": "Zm9yZ2VkIHNpZ25hdHVyZQ==",
        }
    )

    with caplog.at_level(logging.WARNING, logger="payments"):
        response = client.get(f"/pay/{checkout.payment_no}/return/?{forged}")

    assert response.status_code == 200
    state = response.context["state"]
    assert not state.is_paid
    assert state.pending == payment
    assert _statuses(checkout) == {Order.Status.PENDING_PAYMENT}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert payment.last_queried_at is None  # a forged return does not even make it ask
    assert not GatewayCallback.objects.exists()
    assert any("forged" in r.getMessage() for r in caplog.records)


def test_a_genuine_return_before_the_notify_asks_alipay_and_pays(
    client, django_capture_on_commit_callbacks
):
    checkout, payment = _started()
    trade = _paid_trade(payment)  # paid at Alipay; its notify is lost
    client.force_login(checkout.buyer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            f"/pay/{checkout.payment_no}/return/?{sandbox_alipay.return_query(trade)}"
        )

    assert response.status_code == 200
    assert response.context["state"].is_paid
    assert _statuses(checkout) == {Order.Status.PAID}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.last_queried_at is not None
    callback = GatewayCallback.objects.get()
    assert callback.kind == GatewayCallback.Kind.QUERY
    assert callback.outcome == GatewayCallback.Outcome.APPLIED
    assert _pay_events(checkout) == 2


def test_a_genuine_return_for_a_trade_not_paid_yet_shows_the_wait(client):
    checkout, payment = _started()
    sandbox.open_trade("alipay", payment.out_trade_no, payment.amount, "KS Mall")
    trade = sandbox.trade(payment.out_trade_no)
    client.force_login(checkout.buyer)

    response = client.get(
        f"/pay/{checkout.payment_no}/return/?{sandbox_alipay.return_query(trade)}"
    )

    assert response.status_code == 200
    assert not response.context["state"].is_paid
    assert _statuses(checkout) == {Order.Status.PENDING_PAYMENT}


def test_a_return_signed_for_another_checkout_pays_nothing_here(client):
    checkout, payment = _started()
    other_checkout, other_payment = _started()
    other_trade = _paid_trade(other_payment)
    _paid_trade(payment)
    client.force_login(checkout.buyer)

    response = client.get(
        f"/pay/{checkout.payment_no}/return/?{sandbox_alipay.return_query(other_trade)}"
    )

    assert response.status_code == 200
    assert _statuses(checkout) == {Order.Status.PENDING_PAYMENT}
    assert _statuses(other_checkout) == {Order.Status.PENDING_PAYMENT}


# ---- whose pages -----------------------------------------------------------------------------

BUYER_PAGES = ["", "return/", "wechat/", "transfer/", "status/"]


@pytest.mark.parametrize("page", BUYER_PAGES)
def test_another_user_gets_404_on_a_payment_page(client, page):
    checkout, _payment = _started()
    client.force_login(UserFactory())

    response = client.get(f"/pay/{checkout.payment_no}/{page}")

    assert response.status_code == 404


def test_another_user_gets_404_on_the_sandbox_cashier(client):
    checkout, payment = _started()
    sandbox.open_trade("alipay", payment.out_trade_no, payment.amount, "KS Mall")
    client.force_login(UserFactory())

    get = client.get(f"/pay/sandbox/{checkout.payment_no}/")
    post = client.post(
        f"/pay/sandbox/{checkout.payment_no}/",
        {"trade": payment.out_trade_no, "outcome": "success"},
    )

    assert get.status_code == 404
    assert post.status_code == 404
    assert sandbox.trade(payment.out_trade_no).status == SandboxTrade.Status.WAITING
    assert _statuses(checkout) == {Order.Status.PENDING_PAYMENT}


def test_another_user_cannot_start_a_payment(client):
    checkout = placed_checkout("66.00")
    client.force_login(UserFactory())

    response = client.post(f"/pay/{checkout.payment_no}/start/", {"method": "alipay"})

    assert response.status_code == 404
    assert not Payment.objects.exists()


@pytest.mark.parametrize("page", [*BUYER_PAGES, "sandbox"])
def test_an_anonymous_visitor_is_sent_to_log_in(client, page):
    checkout, _payment = _started()
    path = (
        f"/pay/sandbox/{checkout.payment_no}/"
        if page == "sandbox"
        else f"/pay/{checkout.payment_no}/{page}"
    )

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


def test_the_sandbox_cashier_is_404_when_the_sandbox_is_off(client, settings):
    checkout, payment = _started()
    client.force_login(checkout.buyer)
    settings.PAYMENT_SANDBOX = False

    get = client.get(f"/pay/sandbox/{checkout.payment_no}/?trade={payment.out_trade_no}")
    post = client.post(
        f"/pay/sandbox/{checkout.payment_no}/",
        {"trade": payment.out_trade_no, "outcome": "success"},
    )

    assert get.status_code == 404
    assert post.status_code == 404
    assert _statuses(checkout) == {Order.Status.PENDING_PAYMENT}
