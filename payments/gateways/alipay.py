"""Alipay through ``alipay-sdk-python`` (RSA2, public-key mode): computer-site pay
(FAST_INSTANT_TRADE_PAY) and mobile-site pay (QUICK_WAP_WAY), the async notify, query,
close, refund and refund query. The pitfalls it works around are in
``shared/notes/payments.md`` §1: PKCS#8 keys (converted on load), Decimal amounts (sent as
"88.00" strings), the SDK's notify helper accepting SHA-1 (SHA-256 is required here), and
its HTTP layer raising TypeErrors (every outbound call is wrapped).
"""

import base64
import binascii
import json
import logging
import uuid
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl

import rsa
from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient
from alipay.aop.api.domain.AlipayTradeCloseModel import AlipayTradeCloseModel
from alipay.aop.api.domain.AlipayTradeFastpayRefundQueryModel import (
    AlipayTradeFastpayRefundQueryModel,
)
from alipay.aop.api.domain.AlipayTradePagePayModel import AlipayTradePagePayModel
from alipay.aop.api.domain.AlipayTradeQueryModel import AlipayTradeQueryModel
from alipay.aop.api.domain.AlipayTradeRefundModel import AlipayTradeRefundModel
from alipay.aop.api.domain.AlipayTradeWapPayModel import AlipayTradeWapPayModel
from alipay.aop.api.request.AlipayTradeCloseRequest import AlipayTradeCloseRequest
from alipay.aop.api.request.AlipayTradeFastpayRefundQueryRequest import (
    AlipayTradeFastpayRefundQueryRequest,
)
from alipay.aop.api.request.AlipayTradePagePayRequest import AlipayTradePagePayRequest
from alipay.aop.api.request.AlipayTradeQueryRequest import AlipayTradeQueryRequest
from alipay.aop.api.request.AlipayTradeRefundRequest import AlipayTradeRefundRequest
from alipay.aop.api.request.AlipayTradeWapPayRequest import AlipayTradeWapPayRequest
from alipay.aop.api.util.SignatureUtils import get_sign_content
from alipay.aop.api.util.WebUtils import THREAD_LOCAL
from django.http import HttpResponse

from ksmall.money import to_money
from orders.numbers import CHINA

from .base import (
    CallbackRejected,
    Gateway,
    GatewayError,
    Notice,
    NoticeStatus,
    RefundResult,
    Start,
    StartRequest,
)
from .keys import private_key_pkcs1, public_key_pem

logger = logging.getLogger(__name__)

PAID_STATUSES = {"TRADE_SUCCESS", "TRADE_FINISHED"}
TRADE_STATUSES = {
    "TRADE_SUCCESS": NoticeStatus.PAID,
    "TRADE_FINISHED": NoticeStatus.PAID,
    "WAIT_BUYER_PAY": NoticeStatus.WAITING,
    "TRADE_CLOSED": NoticeStatus.CLOSED,
}
# Answers that mean "try again later": the gateway was busy, not that it said no.
RETRY_CODES = {"20000", "20001"}
RETRY_SUB_CODES = {"ACQ.SYSTEM_ERROR", "ISP.UNKNOW-ERROR"}


class AlipayClient(DefaultAlipayClient):
    """The SDK's client, with an optional transport in place of its HTTP layer (the
    sandbox answers there); requests are still signed, and answers verified, by the SDK."""

    def __init__(self, config: AlipayClientConfig, transport=None):
        super().__init__(alipay_client_config=config, logger=None)
        self._config = config
        self._transport = transport

    def execute(self, request):
        if self._transport is None:
            return super().execute(request)
        THREAD_LOCAL.uuid = str(uuid.uuid1())
        query_string, params = self._DefaultAlipayClient__prepare_request(request)
        body = self._transport(self._config.server_url, query_string, params)
        return self._DefaultAlipayClient__parse_response(body)


def sign_content(params: dict) -> str:
    """What Alipay signs: every field but ``sign`` and ``sign_type``, sorted, k=v&…;
    empty values stay in."""
    return get_sign_content({k: v for k, v in params.items() if k not in ("sign", "sign_type")})


def verify_params(params: dict, public_key: str) -> bool:
    """True when ``params`` carry a valid RSA2 (SHA-256) signature by ``public_key``."""
    if params.get("sign_type") != "RSA2" or not params.get("sign"):
        return False
    try:
        signature = base64.b64decode(params["sign"], validate=True)
        key = rsa.PublicKey.load_pkcs1_openssl_pem(public_key.encode())
        # rsa.verify accepts SHA-1 too (it reads the hash from the signature): insist.
        return rsa.verify(sign_content(params).encode(), signature, key) == "SHA-256"
    except (rsa.VerificationError, binascii.Error, ValueError):
        return False


def parse_form(body: bytes) -> dict:
    """A form-encoded body as a flat dict; a repeated field is refused."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        raise CallbackRejected("not a form body") from None
    params = dict(pairs)
    if len(params) != len(pairs):
        raise CallbackRejected("a field is repeated")
    return params


MOST = Decimal("99999999.99")  # what an amount column holds (and above Alipay's ceiling)


def _amount(value: str) -> Decimal:
    try:
        amount = Decimal(value)
        exact = amount.is_finite() and amount == amount.quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise CallbackRejected(f"bad amount {value!r}") from None
    if not exact or not 0 < amount <= MOST:
        raise CallbackRejected(f"bad amount {value!r}")
    return amount


def _money(amount: Decimal) -> str:
    return str(to_money(amount))


def _subject(text: str) -> str:
    # Alipay refuses / = & in a subject.
    return "".join(" " if c in "/=&" else c for c in text)[:128] or "KS Mall"


class AlipayGateway(Gateway):
    method = "alipay"

    def __init__(
        self,
        *,
        app_id: str,
        seller_id: str,
        app_private_key: str,
        alipay_public_key: str,
        server_url: str,
        timeout: int = 10,
        transport=None,
        page_url=None,
    ):
        self.app_id = app_id
        self.seller_id = seller_id
        self.app_private_key = app_private_key
        self.alipay_public_key = alipay_public_key
        self.server_url = server_url
        self.timeout = timeout
        self.transport = transport
        # The sandbox shows its own cashier instead of Alipay's: page_url(payment_no).
        self.page_url = page_url
        self.is_sandbox = transport is not None

    def _client(self, server_url: str | None = None) -> AlipayClient:
        config = AlipayClientConfig()
        config.server_url = server_url or self.server_url
        config.app_id = self.app_id
        config.app_private_key = private_key_pkcs1(self.app_private_key)
        config.alipay_public_key = public_key_pem(self.alipay_public_key)
        config.sign_type = "RSA2"
        config.charset = "utf-8"
        config.timeout = self.timeout
        return AlipayClient(config, transport=self.transport)

    def identity(self) -> tuple[str, str]:
        return self.app_id, self.seller_id

    # ---- paying ------------------------------------------------------------------------------

    def start(self, request: StartRequest) -> Start:
        if request.is_mobile:
            model, pay_request = AlipayTradeWapPayModel(), AlipayTradeWapPayRequest
            model.product_code = "QUICK_WAP_WAY"
            model.quit_url = request.quit_url
        else:
            model, pay_request = AlipayTradePagePayModel(), AlipayTradePagePayRequest
            model.product_code = "FAST_INSTANT_TRADE_PAY"
        model.out_trade_no = request.out_trade_no
        model.total_amount = _money(request.amount)
        model.subject = _subject(request.subject)
        model.time_expire = request.expires_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
        pay = pay_request(biz_model=model)
        pay.notify_url = request.notify_url
        pay.return_url = request.return_url
        page = self.page_url(request.payment_no) if self.page_url else None
        url = self._client(page).page_execute(pay, http_method="GET")
        return Start(redirect_url=url)

    # ---- callbacks ---------------------------------------------------------------------------

    def verified_params(self, params: dict) -> dict:
        """``params`` if Alipay signed them (notify or return page), else CallbackRejected."""
        if not verify_params(params, public_key_pem(self.alipay_public_key)):
            raise CallbackRejected("bad signature")
        return params

    def parse_callback(self, body: bytes, *, kind: str = "payment") -> Notice:
        params = self.verified_params(parse_form(body))
        out_trade_no = params.get("out_trade_no", "")
        trade_status = params.get("trade_status", "")
        if not out_trade_no or not trade_status:
            raise CallbackRejected("out_trade_no or trade_status missing")
        common = {
            "out_trade_no": out_trade_no,
            "trade_status": trade_status,
            "amount": _amount(params.get("total_amount", "")),
            "gateway_trade_no": params.get("trade_no", ""),
            "app_id": params.get("app_id", ""),
            "merchant_id": params.get("seller_id", ""),
            "currency": params.get("trans_currency") or "CNY",
            "raw": body.decode("utf-8"),
        }
        if params.get("out_biz_no") or params.get("refund_fee"):
            # A refund of the trade (partial: TRADE_SUCCESS; full: TRADE_CLOSED) is also
            # notified; it is not a payment.
            refund_no = params.get("out_biz_no", "")
            return Notice(
                status=NoticeStatus.REFUNDED,
                event_key=f"refund:{refund_no or trade_status}",
                refund_no=refund_no,
                **common,
            )
        return Notice(
            status=TRADE_STATUSES.get(trade_status, NoticeStatus.OTHER),
            event_key=trade_status,
            **common,
        )

    def acknowledge(self) -> HttpResponse:
        return HttpResponse("success", content_type="text/plain")

    def refuse(self, reason: str) -> HttpResponse:
        return HttpResponse("failure", content_type="text/plain", status=400)

    # ---- asking the gateway --------------------------------------------------------------------

    def _execute(self, request) -> dict:
        try:
            content = self._client().execute(request)
        except Exception as error:  # the SDK raises Request/ResponseException and TypeErrors
            raise GatewayError(f"Alipay could not be reached: {error}") from error
        try:
            answer = json.loads(content)
        except (TypeError, ValueError):
            raise GatewayError("Alipay answered with something unreadable") from None
        if answer.get("code") in RETRY_CODES or answer.get("sub_code") in RETRY_SUB_CODES:
            raise GatewayError(
                f"Alipay is busy: {answer.get('sub_code', answer.get('code'))} "
                f"{answer.get('sub_msg', answer.get('msg', ''))}".strip()
            )
        return answer

    def query(self, out_trade_no: str) -> Notice:
        model = AlipayTradeQueryModel()
        model.out_trade_no = out_trade_no
        answer = self._execute(AlipayTradeQueryRequest(biz_model=model))
        if answer.get("code") != "10000":
            if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
                return Notice(
                    out_trade_no=out_trade_no,
                    status=NoticeStatus.NOT_FOUND,
                    event_key="query:not_found",
                    raw=json.dumps(answer, ensure_ascii=False),
                )
            raise GatewayError(f"Alipay query failed: {answer.get('sub_msg', answer)}")
        trade_status = answer.get("trade_status", "")
        try:
            amount = _amount(answer.get("total_amount", ""))
        except CallbackRejected:
            amount = None
        return Notice(
            out_trade_no=out_trade_no,
            status=TRADE_STATUSES.get(trade_status, NoticeStatus.OTHER),
            event_key=f"query:{trade_status}",
            trade_status=trade_status,
            amount=amount,
            currency=answer.get("trans_currency") or "CNY",
            gateway_trade_no=answer.get("trade_no", ""),
            # A query answer is signed by Alipay for this app; it names no seller.
            app_id=self.app_id,
            merchant_id=self.seller_id,
            raw=json.dumps(answer, ensure_ascii=False),
        )

    def close(self, out_trade_no: str) -> None:
        model = AlipayTradeCloseModel()
        model.out_trade_no = out_trade_no
        answer = self._execute(AlipayTradeCloseRequest(biz_model=model))
        # Not found (the payer never opened the page) or already closed or paid: nothing
        # more to close; a paid trade is found by the query and refunded.
        if answer.get("code") != "10000" and answer.get("sub_code") not in (
            "ACQ.TRADE_NOT_EXIST",
            "ACQ.TRADE_STATUS_ERROR",
        ):
            raise GatewayError(f"Alipay close failed: {answer.get('sub_msg', answer)}")

    def refund(
        self, *, out_trade_no, out_request_no, amount, total, reason, notify_url=""
    ) -> RefundResult:
        model = AlipayTradeRefundModel()
        model.out_trade_no = out_trade_no
        model.out_request_no = out_request_no
        model.refund_amount = _money(amount)
        model.refund_reason = reason[:256]
        answer = self._execute(AlipayTradeRefundRequest(biz_model=model))
        if answer.get("code") == "10000":
            if answer.get("fund_change") == "Y":
                return RefundResult("succeeded", gateway_refund_no=answer.get("trade_no", ""))
            # Accepted, but no money moved by this call (a repeat, or still processing):
            # only the refund query says whether it went through.
            return self.query_refund(
                out_trade_no=out_trade_no, out_request_no=out_request_no, amount=amount
            )
        return RefundResult(
            "failed", message=f"{answer.get('sub_code', '')} {answer.get('sub_msg', '')}".strip()
        )

    def query_refund(self, *, out_trade_no, out_request_no, amount) -> RefundResult:
        model = AlipayTradeFastpayRefundQueryModel()
        model.out_trade_no = out_trade_no
        model.out_request_no = out_request_no
        answer = self._execute(AlipayTradeFastpayRefundQueryRequest(biz_model=model))
        if answer.get("code") == "10000" and answer.get("refund_status") == "REFUND_SUCCESS":
            return RefundResult("succeeded")
        if answer.get("code") == "10000":
            return RefundResult("pending")
        return RefundResult("failed", message=answer.get("sub_msg", ""))
