"""The Alipay adapter (``payments.gateways.alipay``): against a REAL-mode gateway built with
test keys generated here (notifies signed with the SDK's own signing code, the SDK's HTTP
layer replaced by a local fake of openapi.alipay.com), and against the sandbox, which
keeps its own books in ``SandboxTrade``."""

import base64
import json
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import rsa
from alipay.aop.api.exception.Exception import RequestException
from alipay.aop.api.util.SignatureUtils import get_sign_content, sign_with_rsa, sign_with_rsa2
from Crypto.PublicKey import RSA
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from orders.numbers import CHINA
from payments import sandbox
from payments.gateways import (
    CallbackRejected,
    GatewayError,
    NoticeStatus,
    StartRequest,
    alipay_gateway,
)
from payments.gateways.alipay import AlipayGateway
from payments.gateways.keys import private_key_pkcs1
from payments.models import SandboxTrade
from payments.sandbox import alipay as sandbox_alipay

APP_ID = "2021000123456789"
SELLER_ID = "2088123456789012"
SERVER_URL = "https://openapi.alipay.com/gateway.do"
OUT_TRADE_NO = "P20240520141047000001A01"
TRADE_NO = "2024052022001400000000000001"


# ---- keys and a REAL-mode gateway ----------------------------------------------------------


def _body(pem: str) -> str:
    """The one-line base64 body of a PEM, as Alipay's key tool shows it."""
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


@pytest.fixture(scope="module")
def keys():
    """Generated once per module: the app's pair, "Alipay's" pair, and a stranger's."""
    app, alipay, other = RSA.generate(2048), RSA.generate(2048), RSA.generate(2048)
    return {
        "app_private": app.export_key(pkcs=1).decode(),
        "app_private_pkcs8": app.export_key(pkcs=8).decode(),
        "app_public": app.publickey().export_key().decode(),
        "alipay_private": alipay.export_key(pkcs=1).decode(),
        "alipay_public": alipay.publickey().export_key().decode(),
        "other_private": other.export_key(pkcs=1).decode(),
    }


def _real_gateway(keys, **changes) -> AlipayGateway:
    options = {
        "app_id": APP_ID,
        "seller_id": SELLER_ID,
        "app_private_key": keys["app_private"],
        "alipay_public_key": _body(keys["alipay_public"]),
        "server_url": SERVER_URL,
        "timeout": 7,
    }
    return AlipayGateway(**(options | changes))


@pytest.fixture
def gateway(keys):
    return _real_gateway(keys)


# ---- notifies, signed as Alipay signs them -------------------------------------------------


def _notify_params(**changes) -> dict:
    params = {
        "gmt_create": "2024-05-20 14:10:47",
        "charset": "utf-8",
        "seller_email": "ksmall@example.com",
        "subject": "知识服务：Python 入门咨询",
        "body": "一对一 & 30 分钟 = 1 次",
        "buyer_id": "2088102177846875",
        "invoice_amount": "88.00",
        "notify_id": "2024052000222141049000000000000000",
        "fund_bill_list": json.dumps([{"amount": "88.00", "fundChannel": "ALIPAYACCOUNT"}]),
        "notify_type": "trade_status_sync",
        "trade_status": "TRADE_SUCCESS",
        "receipt_amount": "88.00",
        "buyer_pay_amount": "88.00",
        "app_id": APP_ID,
        "notify_time": "2024-05-20 14:10:49",
        "point_amount": "0.00",
        "total_amount": "88.00",
        "seller_id": SELLER_ID,
        "trade_no": TRADE_NO,
        "auth_app_id": APP_ID,
        "gmt_payment": "2024-05-20 14:10:48",
        "version": "1.0",
        "out_trade_no": OUT_TRADE_NO,
        "passback_params": "",
    }
    params.update(changes)
    return {key: value for key, value in params.items() if value is not None}


def _signed(params: dict, private_key: str, *, sha1: bool = False) -> dict:
    content = get_sign_content({k: v for k, v in params.items() if k not in ("sign", "sign_type")})
    sign = sign_with_rsa if sha1 else sign_with_rsa2
    return params | {
        "sign_type": "RSA" if sha1 else "RSA2",
        "sign": sign(private_key, content, "utf-8"),
    }


def _notify(keys, **changes) -> bytes:
    return urlencode(_signed(_notify_params(**changes), keys["alipay_private"])).encode()


def _rejected(gateway, body: bytes) -> None:
    with pytest.raises(CallbackRejected):
        gateway.parse_callback(body, kind="payment")


def test_a_genuine_notify_is_read_as_paid(gateway, keys):
    body = _notify(keys)

    notice = gateway.parse_callback(body, kind="payment")

    assert notice.status == NoticeStatus.PAID
    assert notice.out_trade_no == OUT_TRADE_NO
    assert notice.trade_status == "TRADE_SUCCESS"
    assert notice.amount == Decimal("88.00")
    assert isinstance(notice.amount, Decimal)
    assert notice.currency == "CNY"
    assert notice.gateway_trade_no == TRADE_NO
    assert notice.app_id == APP_ID
    assert notice.merchant_id == SELLER_ID
    assert notice.refund_no == ""
    assert notice.raw == body.decode()


def test_the_amount_edited_after_signing_is_refused(gateway, keys):
    params = _signed(_notify_params(), keys["alipay_private"])
    params["total_amount"] = "0.01"

    _rejected(gateway, urlencode(params).encode())


def test_a_notify_signed_by_another_key_is_refused(gateway, keys):
    params = _signed(_notify_params(), keys["other_private"])

    _rejected(gateway, urlencode(params).encode())


def test_a_notify_signed_by_the_apps_own_key_is_refused(gateway, keys):
    # The most common mistake: verifying with the app's key instead of Alipay's.
    params = _signed(_notify_params(), keys["app_private"])

    _rejected(gateway, urlencode(params).encode())


@pytest.mark.parametrize(
    "sign",
    [
        None,  # missing
        "",
        "c2lnbmF0dXJl",  # base64, but not a signature
        base64.b64encode(b"\xff" * 256).decode(),  # the key's length, but above its modulus
        "not base64 at all!",
        "QUJD=garbage",
    ],
    ids=["missing", "empty", "garbage", "too-large", "not-base64", "bad-padding"],
)
def test_a_missing_or_garbage_sign_is_refused(gateway, keys, sign):
    params = _signed(_notify_params(), keys["alipay_private"])
    if sign is None:
        del params["sign"]
    else:
        params["sign"] = sign

    _rejected(gateway, urlencode(params).encode())


def test_a_sha1_signature_is_refused_though_the_sdk_helper_accepts_it(gateway, keys):
    from alipay.aop.api.util.SignatureUtils import verify_with_rsa

    params = _signed(_notify_params(), keys["alipay_private"], sha1=True)
    content = get_sign_content({k: v for k, v in params.items() if k not in ("sign", "sign_type")})
    # The SDK's helper reads the hash from the signature, and so accepts SHA-1:
    assert verify_with_rsa(keys["alipay_public"], content.encode(), params["sign"])

    _rejected(gateway, urlencode(params).encode())
    # ... also when the notify claims RSA2 for its SHA-1 signature.
    _rejected(gateway, urlencode(params | {"sign_type": "RSA2"}).encode())


def test_a_missing_sign_type_is_refused(gateway, keys):
    params = _signed(_notify_params(), keys["alipay_private"])
    del params["sign_type"]

    _rejected(gateway, urlencode(params).encode())


def test_empty_fields_stay_in_the_signed_content(gateway, keys):
    params = _signed(_notify_params(passback_params=""), keys["alipay_private"])
    assert gateway.parse_callback(urlencode(params).encode()).status == NoticeStatus.PAID

    del params["passback_params"]

    _rejected(gateway, urlencode(params).encode())


def test_a_repeated_field_is_refused(gateway, keys):
    body = _notify(keys) + b"&total_amount=0.01"

    _rejected(gateway, body)


def test_a_body_that_is_not_utf8_is_refused(gateway, keys):
    body = _notify(keys) + "&subject=知识服务".encode("gbk")

    _rejected(gateway, body)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b'{"trade_status": "TRADE_SUCCESS", "out_trade_no": "P1"}',
        b"<xml><trade_status>TRADE_SUCCESS</trade_status></xml>",
        b"&&&",
    ],
    ids=["empty", "json", "xml", "ampersands"],
)
def test_a_body_that_is_not_a_form_is_refused(gateway, body):
    _rejected(gateway, body)


@pytest.mark.parametrize("amount", ["abc", "1.001", "NaN", "sNaN", "Infinity", "", "1E+30"])
def test_a_signed_notify_with_an_unreadable_amount_is_refused(gateway, keys, amount):
    # "1E+30" is a number, but too large to be brought to two places.
    _rejected(gateway, _notify(keys, total_amount=amount))


def test_a_signed_notify_without_out_trade_no_is_refused(gateway, keys):
    _rejected(gateway, _notify(keys, out_trade_no=None))


def test_a_signed_notify_without_trade_status_is_refused(gateway, keys):
    _rejected(gateway, _notify(keys, trade_status=None))


def test_trade_finished_is_paid_but_a_different_statement_than_trade_success(gateway, keys):
    success = gateway.parse_callback(_notify(keys, trade_status="TRADE_SUCCESS"))
    finished = gateway.parse_callback(_notify(keys, trade_status="TRADE_FINISHED"))

    assert finished.status == NoticeStatus.PAID
    assert finished.amount == Decimal("88.00")
    assert finished.event_key != success.event_key


def test_wait_buyer_pay_is_waiting(gateway, keys):
    notice = gateway.parse_callback(_notify(keys, trade_status="WAIT_BUYER_PAY"))

    assert notice.status == NoticeStatus.WAITING


def test_trade_closed_is_closed(gateway, keys):
    notice = gateway.parse_callback(_notify(keys, trade_status="TRADE_CLOSED"))

    assert notice.status == NoticeStatus.CLOSED


def test_an_unknown_trade_status_means_nothing_to_act_on(gateway, keys):
    notice = gateway.parse_callback(_notify(keys, trade_status="TRADE_PENDING"))

    assert notice.status == NoticeStatus.OTHER


def test_a_partial_refund_notify_is_a_refund_never_a_payment(gateway, keys):
    body = _notify(
        keys,
        trade_status="TRADE_SUCCESS",
        refund_fee="12.50",
        gmt_refund="2024-05-21 09:00:00.123",
        out_biz_no="RF202405210000000000000001",
    )

    notice = gateway.parse_callback(body)

    assert notice.status == NoticeStatus.REFUNDED
    assert notice.status != NoticeStatus.PAID
    assert notice.refund_no == "RF202405210000000000000001"
    paid = gateway.parse_callback(_notify(keys))
    assert notice.event_key != paid.event_key


# ---- starting a payment --------------------------------------------------------------------


def _start_request(*, amount="88.00", is_mobile=False, subject="知识服务 订单") -> StartRequest:
    return StartRequest(
        payment_no="P20240520141047000001",
        out_trade_no=OUT_TRADE_NO,
        amount=Decimal(amount),
        subject=subject,
        is_mobile=is_mobile,
        client_ip="203.0.113.5",
        notify_url="https://ksmall.example/pay/notify/alipay/",
        return_url="https://ksmall.example/pay/P20240520141047000001/return/",
        quit_url="https://ksmall.example/pay/P20240520141047000001/",
        expires_at=timezone.now() + timedelta(minutes=30),
    )


def _query_of(url: str) -> dict:
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    assert len(dict(pairs)) == len(pairs)
    return dict(pairs)


def _signed_by(params: dict, public_key_pem: str) -> bool:
    """Alipay checks a request's signature over every parameter but ``sign``."""
    content = get_sign_content({k: v for k, v in params.items() if k != "sign"})
    key = rsa.PublicKey.load_pkcs1_openssl_pem(public_key_pem.encode())
    try:
        return rsa.verify(content.encode(), base64.b64decode(params["sign"]), key) == "SHA-256"
    except rsa.VerificationError:
        return False


def test_a_computer_start_gives_a_signed_page_pay_url(gateway, keys):
    request = _start_request(amount="88")

    start = gateway.start(request)

    assert start.redirect_url.startswith(SERVER_URL + "?")
    assert start.code_url == ""
    query = _query_of(start.redirect_url)
    assert query["method"] == "alipay.trade.page.pay"
    assert query["app_id"] == APP_ID
    assert query["sign_type"] == "RSA2"
    assert query["charset"] == "utf-8"
    assert query["notify_url"] == request.notify_url
    assert query["return_url"] == request.return_url
    biz = json.loads(query["biz_content"])
    assert biz["product_code"] == "FAST_INSTANT_TRADE_PAY"
    assert biz["out_trade_no"] == OUT_TRADE_NO
    assert biz["total_amount"] == "88.00"  # a string with two places, never a number
    assert biz["subject"] == "知识服务 订单"
    assert biz["time_expire"] == request.expires_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
    assert "quit_url" not in biz
    assert _signed_by(query, keys["app_public"])
    assert not gateway.is_sandbox


def test_the_start_url_is_signed_by_the_app_not_by_anyone_else(gateway, keys):
    query = _query_of(gateway.start(_start_request()).redirect_url)
    query["biz_content"] = query["biz_content"].replace("88.00", "0.01")

    assert not _signed_by(query, keys["app_public"])


def test_a_phone_start_gives_a_wap_pay_url_with_a_way_back(gateway, keys):
    request = _start_request(is_mobile=True, amount="12.5")

    query = _query_of(gateway.start(request).redirect_url)

    assert query["method"] == "alipay.trade.wap.pay"
    biz = json.loads(query["biz_content"])
    assert biz["product_code"] == "QUICK_WAP_WAY"
    assert biz["quit_url"] == request.quit_url
    assert biz["total_amount"] == "12.50"
    assert _signed_by(query, keys["app_public"])


def test_a_subject_loses_the_characters_alipay_refuses(gateway):
    query = _query_of(gateway.start(_start_request(subject="A/B=C&D")).redirect_url)

    assert json.loads(query["biz_content"])["subject"] == "A B C D"


# ---- keys ------------------------------------------------------------------------------------


def test_a_pkcs8_private_key_pem_is_converted_to_pkcs1(keys):
    assert private_key_pkcs1(keys["app_private_pkcs8"]) == keys["app_private"]


def test_a_pkcs8_private_key_body_is_converted_to_pkcs1(keys):
    assert private_key_pkcs1(_body(keys["app_private_pkcs8"])) == keys["app_private"]


def test_a_pkcs1_private_key_body_is_read(keys):
    assert private_key_pkcs1(_body(keys["app_private"])) == keys["app_private"]


@pytest.mark.parametrize("form", ["pkcs8-pem", "pkcs8-body", "pkcs1-body", "pem-file"])
def test_a_gateway_signs_with_the_private_key_in_any_form(keys, tmp_path, form):
    if form == "pkcs8-pem":
        value = keys["app_private_pkcs8"]
    elif form == "pkcs8-body":
        value = _body(keys["app_private_pkcs8"])
    elif form == "pkcs1-body":
        value = _body(keys["app_private"])
    else:
        path = tmp_path / "app_private_key.pem"
        path.write_text(keys["app_private_pkcs8"])
        value = str(path)
    gateway = _real_gateway(keys, app_private_key=value)

    query = _query_of(gateway.start(_start_request()).redirect_url)

    assert _signed_by(query, keys["app_public"])


def test_the_alipay_public_key_may_be_a_pem_or_a_pem_file(keys, tmp_path):
    path = tmp_path / "alipay_public_key.pem"
    path.write_text(keys["alipay_public"])
    body = _notify(keys)

    for value in (keys["alipay_public"], str(path)):
        notice = _real_gateway(keys, alipay_public_key=value).parse_callback(body)
        assert notice.status == NoticeStatus.PAID


@pytest.mark.parametrize("value", ["garbage", "MIIgarbage", "", "/no/such/key.pem"])
def test_a_private_key_that_cannot_be_read_is_improperly_configured(keys, value):
    with pytest.raises(ImproperlyConfigured):
        private_key_pkcs1(value)
    with pytest.raises(ImproperlyConfigured):
        _real_gateway(keys, app_private_key=value).start(_start_request())


def test_an_alipay_public_key_that_cannot_be_read_is_improperly_configured(keys):
    with pytest.raises(ImproperlyConfigured):
        _real_gateway(keys, alipay_public_key="garbage").parse_callback(_notify(keys))


# ---- asking openapi.alipay.com (its HTTP layer replaced by a local fake) -------------------


def _response(method: str, inner: dict, private_key: str, *, tamper: bool = False) -> bytes:
    """What Alipay answers: the inner object's exact text, signed, next to it."""
    text = json.dumps(inner, ensure_ascii=False, separators=(",", ":"))
    sign = sign_with_rsa2(private_key, text, "utf-8")
    if tamper:
        text = text.replace("88.00", "0.01").replace("TRADE_NOT_EXIST", "SYSTEM_ERROR")
    name = method.replace(".", "_") + "_response"
    return f'{{"{name}":{text},"sign":"{sign}"}}'.encode()


OK = {"code": "10000", "msg": "Success"}


def _failure(sub_code: str, sub_msg: str, code: str = "40004") -> dict:
    return {"code": code, "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}


class FakeAlipay:
    """Stands in for ``do_post``: records what the SDK sent, answers what it is told to."""

    def __init__(self, keys, answer: dict | None = None, *, raises=None, **options):
        self.keys = keys
        self.answer = answer or OK
        self.raises = raises
        self.options = options
        self.calls = []

    def __call__(
        self, url, query_string=None, headers=None, params=None, charset="utf-8", timeout=15
    ):
        common = dict(parse_qsl(query_string, keep_blank_values=True))
        self.calls.append(
            {
                "url": url,
                "common": common,
                "biz": json.loads((params or {}).get("biz_content") or "{}"),
                "signed_by_app": _signed_by(common | (params or {}), self.keys["app_public"]),
                "timeout": timeout,
            }
        )
        if self.raises is not None:
            raise self.raises
        if self.options.get("unsigned"):
            inner = json.dumps(self.answer, separators=(",", ":"))
            return f'{{"{common["method"].replace(".", "_")}_response":{inner}}}'.encode()
        key = self.keys["other_private" if self.options.get("foreign") else "alipay_private"]
        return _response(common["method"], self.answer, key, tamper=self.options.get("tamper"))

    @property
    def call(self) -> dict:
        assert len(self.calls) == 1
        return self.calls[0]


@pytest.fixture
def fake_alipay(monkeypatch, keys):
    def install(answer=None, **options) -> FakeAlipay:
        fake = FakeAlipay(keys, answer, **options)
        monkeypatch.setattr("alipay.aop.api.DefaultAlipayClient.do_post", fake)
        return fake

    return install


PAID_ANSWER = OK | {
    "out_trade_no": OUT_TRADE_NO,
    "trade_no": TRADE_NO,
    "trade_status": "TRADE_SUCCESS",
    "total_amount": "88.00",
    "buyer_pay_amount": "88.00",
    "buyer_logon_id": "159****5620",
    "send_pay_date": "2024-05-20 14:10:48",
}


def test_a_query_of_a_paid_trade_is_a_paid_notice(gateway, fake_alipay):
    fake = fake_alipay(PAID_ANSWER)

    notice = gateway.query(OUT_TRADE_NO)

    assert notice.status == NoticeStatus.PAID
    assert notice.amount == Decimal("88.00")
    assert notice.gateway_trade_no == TRADE_NO
    assert notice.out_trade_no == OUT_TRADE_NO
    assert (notice.app_id, notice.merchant_id) == (APP_ID, SELLER_ID)
    assert notice.event_key != "TRADE_SUCCESS"  # not the notify's statement
    call = fake.call
    assert call["url"] == SERVER_URL
    assert call["common"]["method"] == "alipay.trade.query"
    assert call["common"]["app_id"] == APP_ID
    assert call["biz"] == {"out_trade_no": OUT_TRADE_NO}
    assert call["signed_by_app"]
    assert call["timeout"] == 7


def test_a_query_of_a_waiting_trade_is_waiting(gateway, fake_alipay):
    fake_alipay(PAID_ANSWER | {"trade_status": "WAIT_BUYER_PAY", "buyer_pay_amount": "0.00"})

    assert gateway.query(OUT_TRADE_NO).status == NoticeStatus.WAITING


def test_a_query_of_a_trade_alipay_does_not_know_is_not_found(gateway, fake_alipay):
    fake_alipay(_failure("ACQ.TRADE_NOT_EXIST", "交易不存在"))

    notice = gateway.query(OUT_TRADE_NO)

    assert notice.status == NoticeStatus.NOT_FOUND
    assert notice.out_trade_no == OUT_TRADE_NO


@pytest.mark.parametrize(
    "options",
    [{"tamper": True}, {"unsigned": True}, {"foreign": True}],
    ids=["tampered", "unsigned", "signed-by-another-key"],
)
def test_an_answer_not_signed_by_alipay_is_a_gateway_error(gateway, fake_alipay, options):
    fake_alipay(PAID_ANSWER, **options)

    with pytest.raises(GatewayError):
        gateway.query(OUT_TRADE_NO)


@pytest.mark.parametrize(
    "error",
    [
        RequestException("[uuid]post connect failed. [Errno 111] Connection refused"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError("timed out"),
        # The SDK's own bug on a non-200 status (payments.md §1.4):
        TypeError('can only concatenate str (not "bytes") to str'),
    ],
    ids=["connect-failed", "reset", "timeout", "sdk-typeerror"],
)
def test_a_call_that_cannot_reach_alipay_is_a_gateway_error(gateway, fake_alipay, error):
    fake_alipay(raises=error)

    with pytest.raises(GatewayError):
        gateway.query(OUT_TRADE_NO)
    with pytest.raises(GatewayError):
        gateway.close(OUT_TRADE_NO)
    with pytest.raises(GatewayError):
        gateway.refund(
            out_trade_no=OUT_TRADE_NO,
            out_request_no="RF1",
            amount=Decimal("1.00"),
            total=Decimal("88.00"),
            reason="退款",
        )


@pytest.mark.parametrize(
    "answer",
    [
        _failure("ACQ.SYSTEM_ERROR", "系统错误"),
        _failure("isp.unknow-error", "服务暂不可用", code="20000"),
        {"code": "20001", "msg": "Insufficient Token Permissions"},
    ],
    ids=["system-error", "unknown-error", "20001"],
)
def test_a_busy_alipay_is_a_gateway_error_to_retry(gateway, fake_alipay, answer):
    fake_alipay(answer)

    with pytest.raises(GatewayError):
        gateway.query(OUT_TRADE_NO)


def test_a_query_refused_for_another_reason_is_a_gateway_error(gateway, fake_alipay):
    fake_alipay(_failure("ACQ.INVALID_PARAMETER", "参数无效"))

    with pytest.raises(GatewayError):
        gateway.query(OUT_TRADE_NO)


def test_closing_a_trade_sends_its_number(gateway, fake_alipay):
    fake = fake_alipay(OK | {"out_trade_no": OUT_TRADE_NO, "trade_no": TRADE_NO})

    assert gateway.close(OUT_TRADE_NO) is None

    assert fake.call["common"]["method"] == "alipay.trade.close"
    assert fake.call["biz"] == {"out_trade_no": OUT_TRADE_NO}
    assert fake.call["signed_by_app"]


@pytest.mark.parametrize(
    "answer",
    [
        _failure("ACQ.TRADE_STATUS_ERROR", "交易状态不合法"),  # already paid (or closed)
        _failure("ACQ.TRADE_NOT_EXIST", "交易不存在"),  # never opened by the payer
    ],
    ids=["paid", "never-opened"],
)
def test_closing_a_trade_there_is_nothing_to_close_of_is_no_error(gateway, fake_alipay, answer):
    fake_alipay(answer)

    assert gateway.close(OUT_TRADE_NO) is None


def test_a_close_alipay_cannot_do_now_is_a_gateway_error(gateway, fake_alipay):
    fake_alipay(_failure("ACQ.SYSTEM_ERROR", "系统错误"))

    with pytest.raises(GatewayError):
        gateway.close(OUT_TRADE_NO)


def _refund(gateway, amount="12.50", out_request_no="RF202405210000000000000001"):
    return gateway.refund(
        out_trade_no=OUT_TRADE_NO,
        out_request_no=out_request_no,
        amount=Decimal(amount),
        total=Decimal("88.00"),
        reason="Refund of an order",
    )


def test_a_refund_alipay_made_succeeded(gateway, fake_alipay):
    fake = fake_alipay(
        OK
        | {
            "out_trade_no": OUT_TRADE_NO,
            "trade_no": TRADE_NO,
            "refund_fee": "12.50",
            "fund_change": "Y",
            "gmt_refund_pay": "2024-05-21 09:00:00",
        }
    )

    result = _refund(gateway, amount="12.5")

    assert result.status == "succeeded"
    assert fake.call["common"]["method"] == "alipay.trade.refund"
    biz = fake.call["biz"]
    assert biz["out_trade_no"] == OUT_TRADE_NO
    assert biz["out_request_no"] == "RF202405210000000000000001"
    assert biz["refund_amount"] == "12.50"  # a string with two places
    assert biz["refund_reason"] == "Refund of an order"
    assert fake.call["signed_by_app"]


def test_a_refund_accepted_without_moving_money_is_not_yet_succeeded(gateway, fake_alipay):
    # Alipay: code 10000 only means the request was accepted; fund_change=Y is a refund
    # made, fund_change=N (or none) must be confirmed by the refund query.
    fake_alipay(OK | {"out_trade_no": OUT_TRADE_NO, "trade_no": TRADE_NO, "fund_change": "N"})

    assert _refund(gateway).status == "pending"


def test_a_refund_alipay_refuses_failed_with_its_reason(gateway, fake_alipay):
    fake_alipay(_failure("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限"))

    result = _refund(gateway, amount="100.00")

    assert result.status == "failed"
    assert "退款金额超限" in result.message


def test_a_refund_alipay_is_too_busy_for_is_a_gateway_error(gateway, fake_alipay):
    fake_alipay(_failure("ACQ.SYSTEM_ERROR", "系统错误"))

    with pytest.raises(GatewayError):
        _refund(gateway)


def test_a_refund_query_of_a_refund_made_succeeded(gateway, fake_alipay):
    fake = fake_alipay(
        OK
        | {
            "out_trade_no": OUT_TRADE_NO,
            "out_request_no": "RF202405210000000000000001",
            "refund_amount": "12.50",
            "total_amount": "88.00",
            "refund_status": "REFUND_SUCCESS",
        }
    )

    result = gateway.query_refund(
        out_trade_no=OUT_TRADE_NO,
        out_request_no="RF202405210000000000000001",
        amount=Decimal("12.50"),
    )

    assert result.status == "succeeded"
    assert fake.call["common"]["method"] == "alipay.trade.fastpay.refund.query"
    assert fake.call["biz"] == {
        "out_trade_no": OUT_TRADE_NO,
        "out_request_no": "RF202405210000000000000001",
    }


def test_a_refund_query_that_finds_no_refund_is_pending(gateway, fake_alipay):
    # code 10000 without refund_status: the query worked, the refund is not (yet) there.
    fake_alipay(OK | {"out_trade_no": OUT_TRADE_NO})

    result = gateway.query_refund(
        out_trade_no=OUT_TRADE_NO, out_request_no="RF1", amount=Decimal("12.50")
    )

    assert result.status == "pending"


# ---- the sandbox ---------------------------------------------------------------------------


@pytest.fixture
def sandbox_gateway():
    return alipay_gateway()


def _sandbox_trade(amount="88.00", *, paid: bool) -> SandboxTrade:
    out_trade_no = sandbox.new_trade_no("T")[:32]
    sandbox.open_trade("alipay", out_trade_no, Decimal(amount), "知识服务")
    return sandbox.settle_trade(out_trade_no, paid=paid)


def test_the_sandbox_gateway_is_alipay_in_sandbox_mode(sandbox_gateway):
    assert sandbox_gateway.is_sandbox
    assert sandbox_gateway.identity() == (
        sandbox.SANDBOX_ALIPAY_APP_ID,
        sandbox.SANDBOX_ALIPAY_SELLER_ID,
    )


def test_a_sandbox_start_goes_to_the_sandbox_cashier_with_a_request_it_accepts(sandbox_gateway):
    request = _start_request(amount="66")

    url = sandbox_gateway.start(request).redirect_url

    assert url.startswith(f"/pay/sandbox/{request.payment_no}/?")
    asked = sandbox_alipay.page_request(_query_of(url))
    assert asked is not None
    assert asked["out_trade_no"] == OUT_TRADE_NO
    assert asked["amount"] == Decimal("66.00")
    assert asked["notify_url"] == request.notify_url


def test_a_sandbox_notify_is_read_as_paid(sandbox_gateway, db):
    trade = _sandbox_trade(paid=True)

    notice = sandbox_gateway.parse_callback(sandbox_alipay.payment_notify(trade))

    assert notice.status == NoticeStatus.PAID
    assert notice.amount == Decimal("88.00")
    assert notice.gateway_trade_no == trade.trade_no


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("paid", "expected"), [(True, NoticeStatus.PAID), (False, NoticeStatus.WAITING)]
)
def test_a_sandbox_query_answers_from_the_sandbox_books(sandbox_gateway, paid, expected):
    trade = _sandbox_trade("45.60", paid=paid)

    notice = sandbox_gateway.query(trade.out_trade_no)

    assert notice.status == expected
    assert notice.amount == Decimal("45.60")
    assert notice.gateway_trade_no == trade.trade_no


@pytest.mark.django_db
def test_a_sandbox_query_of_a_trade_never_opened_is_not_found(sandbox_gateway):
    assert sandbox_gateway.query("P20240520000000000000Z01").status == NoticeStatus.NOT_FOUND


@pytest.mark.django_db
def test_a_sandbox_close_closes_a_waiting_trade(sandbox_gateway):
    trade = _sandbox_trade(paid=False)

    sandbox_gateway.close(trade.out_trade_no)

    trade.refresh_from_db()
    assert trade.status == SandboxTrade.Status.CLOSED
    assert sandbox_gateway.query(trade.out_trade_no).status == NoticeStatus.CLOSED


@pytest.mark.django_db
def test_a_sandbox_close_of_a_paid_trade_is_no_error_and_it_stays_paid(sandbox_gateway):
    trade = _sandbox_trade(paid=True)

    sandbox_gateway.close(trade.out_trade_no)

    trade.refresh_from_db()
    assert trade.status == SandboxTrade.Status.PAID


@pytest.mark.django_db
def test_a_sandbox_close_of_a_trade_never_opened_is_no_error(sandbox_gateway):
    sandbox_gateway.close("P20240520000000000000Z02")


@pytest.mark.django_db
def test_a_sandbox_refund_refunds_once_per_refund_number(sandbox_gateway):
    trade = _sandbox_trade("88.00", paid=True)
    refund = {
        "out_trade_no": trade.out_trade_no,
        "amount": Decimal("12.50"),
        "total": Decimal("88.00"),
        "reason": "退款",
    }

    first = sandbox_gateway.refund(out_request_no="RF-A", **refund)
    repeat = sandbox_gateway.refund(out_request_no="RF-A", **refund)

    assert first.status == "succeeded"
    assert repeat.status != "failed"
    trade.refresh_from_db()
    assert trade.refunds == {"RF-A": "12.50"}
    assert trade.refunded == Decimal("12.50")
    confirmed = sandbox_gateway.query_refund(
        out_trade_no=trade.out_trade_no, out_request_no="RF-A", amount=Decimal("12.50")
    )
    assert confirmed.status == "succeeded"


@pytest.mark.django_db
def test_sandbox_refunds_beyond_what_was_paid_fail(sandbox_gateway):
    trade = _sandbox_trade("88.00", paid=True)
    refund = {"out_trade_no": trade.out_trade_no, "total": Decimal("88.00"), "reason": "退款"}

    most = sandbox_gateway.refund(out_request_no="RF-1", amount=Decimal("80.00"), **refund)
    over = sandbox_gateway.refund(out_request_no="RF-2", amount=Decimal("8.01"), **refund)

    assert most.status == "succeeded"
    assert over.status == "failed"
    assert over.message
    trade.refresh_from_db()
    assert trade.refunded == Decimal("80.00")


@pytest.mark.django_db
def test_a_sandbox_refund_of_an_unpaid_trade_fails(sandbox_gateway):
    trade = _sandbox_trade(paid=False)

    result = sandbox_gateway.refund(
        out_trade_no=trade.out_trade_no,
        out_request_no="RF-3",
        amount=Decimal("1.00"),
        total=Decimal("88.00"),
        reason="退款",
    )

    assert result.status == "failed"


@pytest.mark.django_db
def test_a_sandbox_refund_query_of_a_refund_never_made_is_pending(sandbox_gateway):
    trade = _sandbox_trade(paid=True)

    result = sandbox_gateway.query_refund(
        out_trade_no=trade.out_trade_no, out_request_no="RF-NONE", amount=Decimal("1.00")
    )

    assert result.status == "pending"


@pytest.mark.django_db
def test_the_sandbox_refuses_calls_not_signed_by_the_site(keys):
    # A gateway with another app key: the sandbox answers isv.invalid-signature.
    from payments.sandbox.alipay import transport

    gateway = AlipayGateway(
        app_id=sandbox.SANDBOX_ALIPAY_APP_ID,
        seller_id=sandbox.SANDBOX_ALIPAY_SELLER_ID,
        app_private_key=keys["other_private"],
        alipay_public_key=sandbox.keys()["alipay_public_key"],
        server_url="https://openapi-sandbox.ksmall.invalid/gateway.do",
        transport=transport,
    )
    trade = _sandbox_trade(paid=True)

    with pytest.raises(GatewayError):
        gateway.query(trade.out_trade_no)
