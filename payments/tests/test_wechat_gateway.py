"""The WeChat Pay (API v2) adapter: against the sandbox (which signs, encrypts and keeps its
own books as WeChat does) and, for what only the real WeChat answers, against a local fake
of api.mch.weixin.qq.com mounted on wechatpy's requests session."""

import dataclasses
import uuid
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest
import requests
import xmltodict
from django.urls import reverse
from django.utils import timezone
from wechatpy.pay import WeChatPay
from wechatpy.pay.utils import calculate_signature, calculate_signature_hmac, dict_to_xml

from payments import sandbox
from payments.gateways import (
    CallbackRejected,
    GatewayError,
    NoticeStatus,
    StartRequest,
    wechat_gateway,
)
from payments.gateways.wechat import WeChatGateway
from payments.models import SandboxTrade
from payments.sandbox.wechat import SandboxAdapter, payment_notify, refund_notify

pytestmark = pytest.mark.django_db

RETURN_URL = "https://ksmall.example/pay/P20240520141047000001/done/?from=wechat"


@pytest.fixture(scope="session")
def sandbox_key_dir(tmp_path_factory):
    # One directory for the session: sandbox keys are generated on first use and cached
    # by path, so every test signs and verifies with the same keys.
    return tmp_path_factory.mktemp("sandbox-keys")


@pytest.fixture(autouse=True)
def _sandbox(settings, sandbox_key_dir):
    settings.PAYMENT_SANDBOX = True
    settings.PAYMENT_SANDBOX_KEY_DIR = sandbox_key_dir


@pytest.fixture
def gateway():
    return wechat_gateway()


def _api_key() -> str:
    return sandbox.keys()["wechat_api_key"]


def _start_request(*, amount="88.00", is_mobile=False, minutes=30) -> StartRequest:
    return StartRequest(
        payment_no="P20240520141047000001",
        out_trade_no="KS" + uuid.uuid4().hex[:20],
        amount=Decimal(amount),
        subject="知识服务 订单",
        is_mobile=is_mobile,
        client_ip="203.0.113.5",
        notify_url="https://ksmall.example/pay/notify/wechat/",
        return_url=RETURN_URL,
        quit_url="https://ksmall.example/orders/",
        expires_at=timezone.now() + timedelta(minutes=minutes),
    )


def _opened_trade(gateway, amount="88.00") -> SandboxTrade:
    request = _start_request(amount=amount)
    gateway.start(request)
    return sandbox.trade(request.out_trade_no)


def _paid_trade(gateway, amount="88.00") -> SandboxTrade:
    trade = _opened_trade(gateway, amount)
    return sandbox.settle_trade(trade.out_trade_no, paid=True)


def _notify_fields(trade: SandboxTrade) -> dict:
    return {
        "return_code": "SUCCESS",
        "result_code": "SUCCESS",
        "appid": sandbox.SANDBOX_WECHAT_APP_ID,
        "mch_id": sandbox.SANDBOX_WECHAT_MCH_ID,
        "nonce_str": uuid.uuid4().hex,
        "out_trade_no": trade.out_trade_no,
        "total_fee": "8800",
        "cash_fee": "8800",
        "fee_type": "CNY",
        "transaction_id": trade.trade_no,
        "trade_type": "NATIVE",
        "time_end": "20240520141047",
        "openid": "oSbx0000000000000000000000",
        "bank_type": "OTHERS",
        "is_subscribe": "N",
    }


def _signed(fields: dict, key: str | None = None) -> bytes:
    return dict_to_xml(fields, calculate_signature(fields, key or _api_key())).encode()


# ---- starting a payment ----------------------------------------------------------------------


def test_computer_start_returns_a_weixin_code_url_and_opens_the_trade(gateway):
    request = _start_request(amount="88.00")

    start = gateway.start(request)

    trade = sandbox.trade(request.out_trade_no)
    assert trade.method == "wechat"
    assert trade.amount == Decimal("88.00")
    assert trade.subject == "知识服务 订单"
    assert start.code_url == "weixin://wxpay/bizpayurl?pr=" + trade.trade_no
    assert start.redirect_url == ""
    assert gateway.is_sandbox


def test_a_deadline_closer_than_five_minutes_is_moved_out_so_wechat_accepts_it(gateway):
    request = _start_request(minutes=1)

    start = gateway.start(request)

    assert start.code_url.startswith("weixin://")


def test_phone_start_redirects_to_the_h5_page_and_back(gateway):
    request = _start_request(is_mobile=True)
    cashier = reverse("payments:sandbox", args=[request.payment_no])

    start = gateway.start(request)

    assert start.redirect_url == (
        f"{cashier}?trade={request.out_trade_no}&redirect_url={quote(RETURN_URL, safe='')}"
    )
    assert sandbox.trade(request.out_trade_no).amount == Decimal("88.00")


def test_ordering_again_a_paid_trade_is_a_gateway_error(gateway):
    request = _start_request()
    gateway.start(request)
    sandbox.settle_trade(request.out_trade_no, paid=True)

    with pytest.raises(GatewayError, match="ORDERPAID"):
        gateway.start(request)


def test_the_sandbox_refuses_a_request_signed_with_another_key():
    impostor = WeChatGateway(
        app_id=sandbox.SANDBOX_WECHAT_APP_ID,
        mch_id=sandbox.SANDBOX_WECHAT_MCH_ID,
        api_key="0" * 32,
        adapter=SandboxAdapter(),
    )
    request = _start_request()

    with pytest.raises(GatewayError, match="签名错误"):
        impostor.start(request)
    assert sandbox.trade(request.out_trade_no) is None


# ---- the payment notify --------------------------------------------------------------------


def test_a_genuine_payment_notify_is_paid_with_the_amount_in_yuan(gateway):
    trade = _paid_trade(gateway, amount="88.00")
    body = payment_notify(trade, paid=True, attach="P20240520141047000001")

    notice = gateway.parse_callback(body, kind="payment")

    assert notice.status == NoticeStatus.PAID
    assert notice.event_key == "SUCCESS"
    assert notice.out_trade_no == trade.out_trade_no
    assert notice.amount == Decimal("88.00")
    assert isinstance(notice.amount, Decimal)
    assert notice.currency == "CNY"
    assert notice.gateway_trade_no == trade.trade_no
    assert (notice.app_id, notice.merchant_id) == gateway.identity()
    assert notice.raw == body.decode()


def test_a_failed_payment_notify_is_failed(gateway):
    trade = _opened_trade(gateway)

    notice = gateway.parse_callback(payment_notify(trade, paid=False), kind="payment")

    assert notice.status == NoticeStatus.FAILED
    assert notice.event_key == "FAIL"


def test_a_notify_with_an_empty_field_still_verifies(gateway):
    trade = _paid_trade(gateway)
    fields = _notify_fields(trade) | {"attach": ""}
    body = _signed(fields)
    assert b"<attach><![CDATA[]]></attach>" in body

    assert gateway.parse_callback(body, kind="payment").status == NoticeStatus.PAID


def _tampered_amount(trade):
    return payment_notify(trade, paid=True).replace(b"<total_fee>8800<", b"<total_fee>1<")


def _other_key(trade):
    return _signed(_notify_fields(trade), key="f" * 32)


def _hmac_signed(trade):
    fields = _notify_fields(trade) | {"sign_type": "HMAC-SHA256"}
    return dict_to_xml(fields, calculate_signature_hmac(fields, _api_key())).encode()


def _return_code_fail(trade):
    return dict_to_xml({"return_code": "FAIL", "return_msg": "签名失败"}).encode()


def _entity(trade):
    return (
        b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY fee "8800">]>'
        b"<xml><total_fee>&fee;</total_fee></xml>"
    )


@pytest.mark.parametrize(
    "forge",
    [
        _tampered_amount,
        _other_key,
        _hmac_signed,
        _return_code_fail,
        _entity,
        lambda trade: b"not xml",
        lambda trade: b"",
        lambda trade: b"<xml></xml>",
    ],
    ids=[
        "tampered_total_fee",
        "other_key",
        "hmac_sha256",
        "return_code_fail",
        "doctype_entity",
        "not_xml",
        "empty",
        "empty_xml",
    ],
)
def test_a_payment_notify_that_is_not_genuine_is_rejected(gateway, forge):
    trade = _paid_trade(gateway)

    with pytest.raises(CallbackRejected):
        gateway.parse_callback(forge(trade), kind="payment")


def test_the_answers_to_wechat_are_its_xml(gateway):
    ok = gateway.acknowledge()
    refused = gateway.refuse("bad signature")

    assert ok.status_code == 200
    assert ok["Content-Type"] == "text/xml"
    assert ok.content.decode() == (
        "<xml>\n<return_code><![CDATA[SUCCESS]]></return_code>\n"
        "<return_msg><![CDATA[OK]]></return_msg>\n</xml>"
    )
    assert refused.status_code == 400
    assert xmltodict.parse(refused.content)["xml"] == {
        "return_code": "FAIL",
        "return_msg": "bad signature",
    }


# ---- query and close -----------------------------------------------------------------------


def test_query_says_waiting_before_the_payer_pays_and_paid_after(gateway):
    trade = _opened_trade(gateway, amount="12.34")

    before = gateway.query(trade.out_trade_no)
    sandbox.settle_trade(trade.out_trade_no, paid=True)
    after = gateway.query(trade.out_trade_no)

    assert (before.status, before.event_key) == (NoticeStatus.WAITING, "query:NOTPAY")
    assert (after.status, after.event_key) == (NoticeStatus.PAID, "query:SUCCESS")
    assert after.amount == Decimal("12.34")
    assert after.gateway_trade_no == trade.trade_no
    assert (after.app_id, after.merchant_id) == gateway.identity()


def test_query_of_a_trade_wechat_never_saw_is_not_found(gateway):
    notice = gateway.query("KS-never-opened")

    assert notice.status == NoticeStatus.NOT_FOUND
    assert notice.event_key == "query:not_found"


def test_closing_a_waiting_trade_closes_it_in_the_books(gateway):
    trade = _opened_trade(gateway)

    gateway.close(trade.out_trade_no)

    assert sandbox.trade(trade.out_trade_no).status == SandboxTrade.Status.CLOSED
    assert gateway.query(trade.out_trade_no).status == NoticeStatus.CLOSED


def test_closing_a_paid_or_unknown_trade_is_no_error(gateway):
    trade = _paid_trade(gateway)

    gateway.close(trade.out_trade_no)
    gateway.close("KS-never-opened")

    assert sandbox.trade(trade.out_trade_no).status == SandboxTrade.Status.PAID


# ---- refunds -------------------------------------------------------------------------------


def _refund(gateway, trade, out_request_no, amount):
    return gateway.refund(
        out_trade_no=trade.out_trade_no,
        out_request_no=out_request_no,
        amount=Decimal(amount),
        total=trade.amount,
        reason="课程取消",
        notify_url="https://ksmall.example/pay/notify/wechat/refund/",
    )


def test_a_refund_succeeds_once_for_its_number(gateway):
    trade = _paid_trade(gateway, amount="88.00")

    first = _refund(gateway, trade, "R1", "30.00")
    repeat = _refund(gateway, trade, "R1", "30.00")

    assert first.status == "succeeded"
    assert first.gateway_refund_no
    assert repeat.status == "succeeded"
    assert repeat.gateway_refund_no == first.gateway_refund_no
    assert sandbox.trade(trade.out_trade_no).refunded == Decimal("30.00")


def test_refunding_more_than_was_paid_fails_with_the_reason(gateway):
    trade = _paid_trade(gateway, amount="88.00")
    _refund(gateway, trade, "R1", "80.00")

    result = _refund(gateway, trade, "R2", "10.00")

    assert result.status == "failed"
    assert "退款金额超限" in result.message
    assert sandbox.trade(trade.out_trade_no).refunded == Decimal("80.00")


def test_query_refund_reads_the_refund(gateway):
    trade = _paid_trade(gateway)
    _refund(gateway, trade, "R1", "8.80")

    found = gateway.query_refund(
        out_trade_no=trade.out_trade_no, out_request_no="R1", amount=Decimal("8.80")
    )
    missing = gateway.query_refund(
        out_trade_no=trade.out_trade_no, out_request_no="R-none", amount=Decimal("1.00")
    )

    assert found.status == "succeeded"
    assert (missing.status, missing.message.split()[0]) == ("failed", "REFUNDNOTEXIST")


def test_a_refund_notify_is_read_from_its_encrypted_part(gateway):
    trade = _paid_trade(gateway)
    _refund(gateway, trade, "R1", "8.80")

    notice = gateway.parse_callback(refund_notify(trade, "R1", Decimal("8.80")), kind="refund")

    assert notice.status == NoticeStatus.REFUNDED
    assert notice.out_trade_no == trade.out_trade_no
    assert notice.refund_no == "R1"
    assert notice.event_key == "refund:R1:SUCCESS"
    assert notice.amount == Decimal("8.80")
    assert (notice.app_id, notice.merchant_id) == gateway.identity()


def test_a_closed_refund_notify_is_a_failed_refund(gateway):
    trade = _paid_trade(gateway)

    notice = gateway.parse_callback(
        refund_notify(trade, "R1", Decimal("8.80"), status="REFUNDCLOSE"), kind="refund"
    )

    assert notice.status == NoticeStatus.REFUND_FAILED
    assert notice.event_key == "refund:R1:REFUNDCLOSE"


def _with_field(body: bytes, name: str, value: str) -> bytes:
    fields = xmltodict.parse(body)["xml"]
    fields[name] = value
    return dict_to_xml(fields).encode()


@pytest.mark.parametrize(
    "forge",
    [
        lambda body: _with_field(body, "mch_id", "1900000999"),
        lambda body: _with_field(body, "appid", "wx-someone-else"),
        lambda body: _with_field(body, "req_info", "bm90IGVuY3J5cHRlZA=="),
        lambda body: _with_field(body, "req_info", "%%% not base64"),
        lambda body: dict_to_xml({"return_code": "FAIL", "return_msg": "error"}).encode(),
        lambda body: b"not xml",
    ],
    ids=["other_mch_id", "other_appid", "garbage_req_info", "not_base64", "fail", "not_xml"],
)
def test_a_refund_notify_that_is_not_genuine_is_rejected(gateway, forge):
    trade = _paid_trade(gateway)
    body = refund_notify(trade, "R1", Decimal("8.80"))

    with pytest.raises(CallbackRejected):
        gateway.parse_callback(forge(body), kind="refund")


def test_a_refund_notify_encrypted_with_another_key_is_rejected(gateway):
    trade = _paid_trade(gateway)
    other = WeChatGateway(
        app_id=sandbox.SANDBOX_WECHAT_APP_ID,
        mch_id=sandbox.SANDBOX_WECHAT_MCH_ID,
        api_key="e" * 32,
        adapter=SandboxAdapter(),
    )

    with pytest.raises(CallbackRejected):
        other.parse_callback(refund_notify(trade, "R1", Decimal("8.80")), kind="refund")


# ---- the real adapter, against a local fake of WeChat's servers ---------------------------

REAL_KEY = "k" * 32
REAL_APP_ID = "wx1234567890abcdef"
REAL_MCH_ID = "1900000109"


class FakeWeChat(requests.adapters.BaseAdapter):
    """Answers like api.mch.weixin.qq.com: checks our MD5 signature, then replies with
    ``reply(path, fields)`` (a dict, signed here), or raises ``error``."""

    def __init__(self, reply=None, *, error=None, status=200, sign_with=REAL_KEY):
        super().__init__()
        self.reply = reply
        self.error = error
        self.status = status
        self.sign_with = sign_with
        self.calls = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        fields = xmltodict.parse(request.body)["xml"]
        path = request.url.removeprefix(WeChatPay.API_BASE_URL)
        self.calls.append({"path": path, "fields": fields, "cert": cert, "timeout": timeout})
        if self.error is not None:
            raise self.error
        unsigned = {k: v for k, v in fields.items() if k != "sign"}
        if fields.get("sign") != calculate_signature(unsigned, REAL_KEY):
            answer = {"return_code": "FAIL", "return_msg": "签名错误"}
            body = dict_to_xml(answer)
        else:
            answer = {"return_code": "SUCCESS", "appid": REAL_APP_ID, "mch_id": REAL_MCH_ID}
            answer |= {"nonce_str": uuid.uuid4().hex, **self.reply(path, fields)}
            body = dict_to_xml(answer, calculate_signature(answer, self.sign_with))
        response = requests.Response()
        response.status_code = self.status
        response._content = body.encode()
        response.encoding = "utf-8"
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


def _real_gateway(fake, *, with_cert=True) -> WeChatGateway:
    gateway = WeChatGateway(
        app_id=REAL_APP_ID,
        mch_id=REAL_MCH_ID,
        api_key=REAL_KEY,
        mch_cert="/etc/ksmall/apiclient_cert.pem" if with_cert else "",
        mch_key="/etc/ksmall/apiclient_key.pem" if with_cert else "",
        timeout=7,
    )
    gateway.client._http.mount(WeChatPay.API_BASE_URL, fake)
    return gateway


def _code_url(path, fields):
    return {"result_code": "SUCCESS", "prepay_id": "wx201410272009395522657a690389285100"} | {
        "trade_type": "NATIVE",
        "code_url": "weixin://wxpay/bizpayurl?pr=abc123",
    }


def test_the_real_adapter_sends_a_signed_native_order():
    fake = FakeWeChat(_code_url)
    request = _start_request(amount="88.00")

    start = _real_gateway(fake).start(request)

    assert start.code_url == "weixin://wxpay/bizpayurl?pr=abc123"
    (call,) = fake.calls
    sent = call["fields"]
    assert call["path"] == "pay/unifiedorder"
    assert call["timeout"] == 7
    assert sent["sign_type"] == "MD5"
    assert sent["total_fee"] == "8800"
    assert sent["spbill_create_ip"] == "203.0.113.5"
    assert sent["out_trade_no"] == sent["product_id"] == request.out_trade_no
    assert sent["attach"] == request.payment_no
    assert sent["notify_url"] == request.notify_url
    assert sent["trade_type"] == "NATIVE"
    assert sent["time_expire"] > sent["time_start"]


def test_the_real_adapter_asks_for_h5_with_the_site_as_scene():
    fake = FakeWeChat(
        lambda path, fields: {
            "result_code": "SUCCESS",
            "mweb_url": "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1",
        }
    )

    start = _real_gateway(fake).start(_start_request(is_mobile=True))

    assert start.redirect_url == (
        "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1"
        "&redirect_url=https%3A%2F%2Fksmall.example%2Fpay%2FP20240520141047000001%2Fdone%2F"
        "%3Ffrom%3Dwechat"
    )
    sent = fake.calls[0]["fields"]
    assert sent["trade_type"] == "MWEB"
    assert '"wap_url": "https://ksmall.example"' in sent["scene_info"]


def test_a_refused_order_is_a_gateway_error_with_wechats_words():
    fake = FakeWeChat(
        lambda path, fields: {
            "result_code": "FAIL",
            "err_code": "ORDERPAID",
            "err_code_des": "该订单已支付",
        }
    )

    with pytest.raises(GatewayError, match="ORDERPAID 该订单已支付"):
        _real_gateway(fake).start(_start_request())


def test_a_network_error_is_a_gateway_error():
    fake = FakeWeChat(error=requests.ConnectionError("connection refused"))

    with pytest.raises(GatewayError):
        _real_gateway(fake).start(_start_request())
    with pytest.raises(GatewayError):
        _real_gateway(fake).query("KS1")


def test_an_http_error_is_a_gateway_error():
    fake = FakeWeChat(_code_url, status=502)

    with pytest.raises(GatewayError, match="HTTP 502"):
        _real_gateway(fake).start(_start_request())


def test_an_answer_not_signed_with_our_key_is_a_gateway_error():
    fake = FakeWeChat(_code_url, sign_with="x" * 32)

    with pytest.raises(GatewayError, match="signature"):
        _real_gateway(fake).start(_start_request())


def test_a_busy_wechat_is_a_gateway_error_for_a_query():
    fake = FakeWeChat(
        lambda path, fields: {
            "result_code": "FAIL",
            "err_code": "SYSTEMERROR",
            "err_code_des": "系统错误",
        }
    )

    with pytest.raises(GatewayError, match="SYSTEMERROR"):
        _real_gateway(fake).query("KS1")


def test_a_query_answer_reads_total_fee_from_text():
    fake = FakeWeChat(
        lambda path, fields: {
            "result_code": "SUCCESS",
            "out_trade_no": fields["out_trade_no"],
            "trade_state": "USERPAYING",
            "total_fee": "1999",
        }
    )

    notice = _real_gateway(fake).query("KS1")

    assert (notice.status, notice.event_key) == (NoticeStatus.WAITING, "query:USERPAYING")
    assert notice.amount == Decimal("19.99")
    assert (notice.app_id, notice.merchant_id) == (REAL_APP_ID, REAL_MCH_ID)


def test_a_real_refund_without_the_merchant_certificate_fails_without_calling():
    fake = FakeWeChat(_code_url)

    result = _real_gateway(fake, with_cert=False).refund(
        out_trade_no="KS1", out_request_no="R1", amount=Decimal("1"), total=Decimal("2"), reason=""
    )

    assert result.status == "failed"
    assert "商户证书未配置" in result.message
    assert fake.calls == []


def test_a_real_refund_sends_the_certificate_and_reads_a_refusal():
    fake = FakeWeChat(
        lambda path, fields: {
            "result_code": "FAIL",
            "err_code": "NOTENOUGH",
            "err_code_des": "基本账户余额不足，请充值后重新发起",
        }
    )

    result = _real_gateway(fake).refund(
        out_trade_no="KS1",
        out_request_no="R1",
        amount=Decimal("10.00"),
        total=Decimal("88.00"),
        reason="课程取消",
    )

    assert result.status == "failed"
    assert result.message.startswith("NOTENOUGH 基本账户余额不足")
    (call,) = fake.calls
    assert call["path"] == "secapi/pay/refund"
    assert call["cert"] == ("/etc/ksmall/apiclient_cert.pem", "/etc/ksmall/apiclient_key.pem")
    assert (call["fields"]["total_fee"], call["fields"]["refund_fee"]) == ("8800", "1000")
    assert "notify_url" not in call["fields"]


def test_an_accepted_refund_still_processing_is_pending():
    def reply(path, fields):
        if path == "secapi/pay/refund":
            return {"result_code": "SUCCESS", "refund_id": "50000000000000000000001"}
        return {"result_code": "SUCCESS", "refund_status_0": "PROCESSING", "refund_count": "1"}

    fake = FakeWeChat(reply)

    result = _real_gateway(fake).refund(
        out_trade_no="KS1",
        out_request_no="R1",
        amount=Decimal("10.00"),
        total=Decimal("88.00"),
        reason="课程取消",
    )

    assert (result.status, result.gateway_refund_no) == ("pending", "50000000000000000000001")
    assert [call["path"] for call in fake.calls] == ["secapi/pay/refund", "pay/refundquery"]


def test_a_long_subject_is_cut_to_wechats_128_bytes():
    fake = FakeWeChat(_code_url)
    request = dataclasses.replace(_start_request(), subject="知识服务" * 40)

    _real_gateway(fake).start(request)

    body = fake.calls[0]["fields"]["body"]
    assert len(body.encode()) <= 128
    assert body == "知识服务" * 10 + "知识"
