"""WeChat Pay (API v2) through ``wechatpy`` 1.8: Native (a QR code on a computer) and H5
(MWEB, a phone browser outside WeChat), the payment and refund notifies, query, close,
refund and refund query. The pitfalls it works around are in ``shared/notes/payments.md``
§2: amounts in fen (converted only by ``ksmall.money``), MD5 signing kept (a notify of an
HMAC-signed order cannot be verified by wechatpy), ``client_ip`` always passed (wechatpy
would look up an IP itself), the notify parsers raising anything for a bad body, and the
SDK not checking the signature of API answers.
"""

import json
import logging
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote, urlsplit

import requests
import xmltodict
from django.http import HttpResponse
from django.utils import timezone
from wechatpy.exceptions import WeChatPayException
from wechatpy.pay import WeChatPay
from wechatpy.pay.utils import dict_to_xml

from ksmall.money import fen_to_yuan, yuan_to_fen
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

logger = logging.getLogger(__name__)

SITE_NAME = "KS Mall"
# WeChat refuses a time_expire less than five minutes away; one more for clock drift.
SHORTEST_EXPIRY = timedelta(minutes=6)
TRADE_STATES = {
    "SUCCESS": NoticeStatus.PAID,
    "NOTPAY": NoticeStatus.WAITING,
    "USERPAYING": NoticeStatus.WAITING,
    "CLOSED": NoticeStatus.CLOSED,
    "REVOKED": NoticeStatus.CLOSED,
    "PAYERROR": NoticeStatus.FAILED,
    "REFUND": NoticeStatus.OTHER,
}
REFUND_STATES = {
    "SUCCESS": "succeeded",
    "PROCESSING": "pending",
    "REFUNDCLOSE": "failed",
    "CHANGE": "failed",
}
# Business answers that mean "try again later": WeChat was busy, not that it said no.
RETRY_ERRORS = {"SYSTEMERROR", "BIZERR_NEED_RETRY", "FREQUENCY_LIMITED"}
# Answers to a close that leave nothing to close: a paid trade is found by the query and
# refunded; one never opened by the payer cannot be paid any more.
NOTHING_TO_CLOSE = {"ORDERPAID", "ORDERCLOSED", "ORDERNOTEXIST"}


def _describe(error: WeChatPayException) -> str:
    if error.return_code is None and error.response is not None:
        return f"HTTP {error.response.status_code}"
    if error.return_code != "SUCCESS":
        return f"{error.return_code} {error.return_msg or ''}".strip()
    return f"{error.errcode or ''} {error.errmsg or ''}".strip()


def _raw(answer) -> str:
    if isinstance(answer, WeChatPayException):
        return answer.response.text if answer.response is not None else str(answer)
    return json.dumps(answer, ensure_ascii=False)


def _amount(fen) -> Decimal | None:
    """A fen amount (int in notifies, str in query answers) as yuan; None when absent."""
    try:
        return fen_to_yuan(int(fen))
    except (TypeError, ValueError):
        return None


def _body(subject: str) -> str:
    # WeChat counts the 128 in bytes for some merchants: cut on a character boundary.
    body = (subject or SITE_NAME).encode("utf-8")[:128]
    return body.decode("utf-8", errors="ignore")


def _site_root(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _xml_text(value: str) -> str:
    # A reason must not end the CDATA section it is written into.
    return value.replace("]]>", "]] >")


class WeChatGateway(Gateway):
    method = "wechat"

    def __init__(
        self,
        *,
        app_id: str,
        mch_id: str,
        api_key: str,
        mch_cert: str = "",
        mch_key: str = "",
        timeout: int = 10,
        adapter: requests.adapters.BaseAdapter | None = None,
    ):
        self.app_id = app_id
        self.mch_id = mch_id
        self.client = WeChatPay(
            appid=app_id,
            api_key=api_key,
            mch_id=mch_id,
            mch_cert=mch_cert or None,
            mch_key=mch_key or None,
            timeout=timeout,
        )
        # The sandbox answers in place of WeChat's servers; signing and XML stay wechatpy's.
        if adapter is not None:
            self.client._http.mount(WeChatPay.API_BASE_URL, adapter)
        self.is_sandbox = adapter is not None

    def identity(self) -> tuple[str, str]:
        return self.app_id, self.mch_id

    def _call(self, api, **params) -> dict:
        """One API call: the answer's fields. A business refusal (result_code FAIL) is
        raised as the SDK's WeChatPayException for the caller to read; a network error, a
        failed call (return_code FAIL), a busy WeChat or an unreadable answer is a
        GatewayError."""
        try:
            answer = api(**params)
        except WeChatPayException as error:
            if error.return_code != "SUCCESS" or error.errcode in RETRY_ERRORS:
                raise GatewayError(f"WeChat Pay: {_describe(error)}") from error
            raise
        # The SDK reads the answer with a bare data["return_code"]: KeyError, TypeError.
        except (requests.RequestException, KeyError, TypeError, ValueError) as error:
            raise GatewayError(f"WeChat Pay could not be reached: {error!r}") from error
        if not isinstance(answer, dict):
            raise GatewayError("WeChat Pay answered with something unreadable")
        # The SDK does not check answers; WeChat signs them with our key (like WxJava,
        # check the signature when there is one).
        if answer.get("sign") and not self.client.check_signature(answer):
            raise GatewayError("WeChat Pay's answer does not carry a valid signature")
        return answer

    # ---- paying ------------------------------------------------------------------------------

    def start(self, request: StartRequest) -> Start:
        deadline = max(request.expires_at, timezone.now() + SHORTEST_EXPIRY)
        params = {
            "body": _body(request.subject),
            "total_fee": yuan_to_fen(request.amount),
            "notify_url": request.notify_url,
            "client_ip": request.client_ip,
            "out_trade_no": request.out_trade_no,
            "attach": request.payment_no,
            "time_expire": deadline.astimezone(CHINA),
            # MD5, never HMAC-SHA256: WeChat signs the notify the way the order was signed,
            # and wechatpy verifies notifies with MD5 only.
            "sign_type": "MD5",
        }
        if request.is_mobile:
            # wap_url must be on the H5 domain registered with WeChat: the site's own.
            scene = {
                "type": "Wap",
                "wap_url": _site_root(request.return_url),
                "wap_name": SITE_NAME,
            }
            answer = self._order(trade_type="MWEB", scene_info={"h5_info": scene}, **params)
            # mweb_url lives five minutes; WeChat sends the payer back to redirect_url.
            return Start(
                redirect_url=answer["mweb_url"]
                + "&redirect_url="
                + quote(request.return_url, safe="")
            )
        answer = self._order(trade_type="NATIVE", product_id=request.out_trade_no, **params)
        return Start(code_url=answer["code_url"])

    def _order(self, **params) -> dict:
        try:
            answer = self._call(self.client.order.create, **params)
        except WeChatPayException as error:
            raise GatewayError(f"WeChat Pay refused the order: {_describe(error)}") from error
        url_field = "mweb_url" if params["trade_type"] == "MWEB" else "code_url"
        if not answer.get(url_field):
            raise GatewayError(f"WeChat Pay's order answer has no {url_field}")
        return answer

    # ---- callbacks ---------------------------------------------------------------------------

    def parse_callback(self, body: bytes, *, kind: str = "payment") -> Notice:
        if kind == "refund":
            return self._parse_refund(body)
        try:
            # Raises InvalidSignatureException, but also ValueError (a DTD), AttributeError
            # (<xml></xml>), ...: whatever it raises, the body is not a genuine notify.
            data = self.client.parse_payment_result(body)
        except Exception as error:
            raise CallbackRejected(f"not a genuine WeChat Pay notify: {error!r}") from None
        result_code = data.get("result_code") or ""
        if data.get("return_code") != "SUCCESS" or result_code not in ("SUCCESS", "FAIL"):
            raise CallbackRejected("return_code or result_code is not SUCCESS/FAIL")
        out_trade_no = data.get("out_trade_no") or ""
        if not out_trade_no:
            raise CallbackRejected("out_trade_no missing")
        is_paid = result_code == "SUCCESS"
        amount = _amount(data.get("total_fee"))
        if is_paid and amount is None:
            raise CallbackRejected("total_fee missing")
        return Notice(
            out_trade_no=out_trade_no,
            status=NoticeStatus.PAID if is_paid else NoticeStatus.FAILED,
            event_key=result_code,
            trade_status=result_code,
            amount=amount,
            currency=data.get("fee_type") or "CNY",
            gateway_trade_no=data.get("transaction_id") or "",
            app_id=data.get("appid") or "",
            merchant_id=data.get("mch_id") or "",
            raw=body.decode("utf-8", errors="replace"),
        )

    def _parse_refund(self, body: bytes) -> Notice:
        try:
            outer = xmltodict.parse(body)["xml"]
            # Not signed: only the merchant's key decrypts req_info. A wrong key, a FAIL
            # notify (no req_info), another appid or mch_id: all raise, each differently.
            data = self.client.parse_refund_notify_result(outer)
        except Exception as error:
            raise CallbackRejected(f"not a genuine WeChat Pay refund notify: {error!r}") from None
        if outer.get("return_code") != "SUCCESS" or not isinstance(data, dict):
            raise CallbackRejected("return_code is not SUCCESS or req_info is empty")
        out_trade_no = data.get("out_trade_no") or ""
        out_refund_no = data.get("out_refund_no") or ""
        refund_status = data.get("refund_status") or ""
        if not out_trade_no or not out_refund_no or not refund_status:
            raise CallbackRejected("out_trade_no, out_refund_no or refund_status missing")
        is_refunded = refund_status == "SUCCESS"
        return Notice(
            out_trade_no=out_trade_no,
            status=NoticeStatus.REFUNDED if is_refunded else NoticeStatus.REFUND_FAILED,
            event_key=f"refund:{out_refund_no}:{refund_status}",
            trade_status=refund_status,
            amount=_amount(data.get("refund_fee")),
            gateway_trade_no=data.get("transaction_id") or "",
            app_id=outer.get("appid") or "",
            merchant_id=outer.get("mch_id") or "",
            refund_no=out_refund_no,
            raw=body.decode("utf-8", errors="replace"),
        )

    def acknowledge(self) -> HttpResponse:
        return HttpResponse(
            dict_to_xml({"return_code": "SUCCESS", "return_msg": "OK"}), content_type="text/xml"
        )

    def refuse(self, reason: str) -> HttpResponse:
        # Anything but SUCCESS makes WeChat send the notify again later.
        return HttpResponse(
            dict_to_xml({"return_code": "FAIL", "return_msg": _xml_text(reason)}),
            content_type="text/xml",
            status=400,
        )

    # ---- asking the gateway --------------------------------------------------------------------

    def query(self, out_trade_no: str) -> Notice:
        try:
            answer = self._call(self.client.order.query, out_trade_no=out_trade_no)
        except WeChatPayException as error:
            if error.errcode == "ORDERNOTEXIST":
                return Notice(
                    out_trade_no=out_trade_no,
                    status=NoticeStatus.NOT_FOUND,
                    event_key="query:not_found",
                    trade_status="ORDERNOTEXIST",
                    raw=_raw(error),
                )
            raise GatewayError(f"WeChat Pay query failed: {_describe(error)}") from error
        trade_state = answer.get("trade_state") or ""
        return Notice(
            out_trade_no=out_trade_no,
            status=TRADE_STATES.get(trade_state, NoticeStatus.OTHER),
            event_key=f"query:{trade_state}",
            trade_status=trade_state,
            amount=_amount(answer.get("total_fee")),
            currency=answer.get("fee_type") or "CNY",
            gateway_trade_no=answer.get("transaction_id") or "",
            app_id=answer.get("appid") or "",
            merchant_id=answer.get("mch_id") or "",
            raw=_raw(answer),
        )

    def close(self, out_trade_no: str) -> None:
        try:
            self._call(self.client.order.close, out_trade_no=out_trade_no)
        except WeChatPayException as error:
            if error.errcode not in NOTHING_TO_CLOSE:
                raise GatewayError(f"WeChat Pay close failed: {_describe(error)}") from error

    def refund(
        self, *, out_trade_no, out_request_no, amount, total, reason, notify_url=""
    ) -> RefundResult:
        if not self.is_sandbox and not (self.client.mch_cert and self.client.mch_key):
            # secapi/pay/refund answers only a client holding the merchant certificate.
            return RefundResult(
                "failed", message="商户证书未配置 (WECHAT_MCH_CERT / WECHAT_MCH_KEY)"
            )
        try:
            answer = self._call(
                self.client.refund.apply,
                total_fee=yuan_to_fen(total),
                refund_fee=yuan_to_fen(amount),
                out_refund_no=out_request_no,
                out_trade_no=out_trade_no,
                refund_desc=reason[:80] or None,
                notify_url=notify_url or None,
            )
        except WeChatPayException as error:
            return RefundResult("failed", message=_describe(error))
        refund_no = answer.get("refund_id") or ""
        # Accepted is not refunded yet: ask once; the refund notify or a later query
        # finishes a refund still in progress.
        try:
            result = self.query_refund(
                out_trade_no=out_trade_no, out_request_no=out_request_no, amount=amount
            )
        except GatewayError:
            logger.warning("WeChat Pay refund %s accepted, query failed", out_request_no)
            return RefundResult("pending", gateway_refund_no=refund_no)
        if result.status == "succeeded":
            return RefundResult("succeeded", gateway_refund_no=refund_no)
        return RefundResult("pending", gateway_refund_no=refund_no)

    def query_refund(self, *, out_trade_no, out_request_no, amount) -> RefundResult:
        try:
            answer = self._call(self.client.refund.query, out_refund_no=out_request_no)
        except WeChatPayException as error:
            if error.errcode == "REFUNDNOTEXIST":
                return RefundResult("failed", message=_describe(error))
            raise GatewayError(f"WeChat Pay refund query failed: {_describe(error)}") from error
        refund_status = answer.get("refund_status_0") or ""
        status = REFUND_STATES.get(refund_status, "pending")
        return RefundResult(
            status,
            message="" if status == "succeeded" else refund_status,
            gateway_refund_no=answer.get("refund_id_0") or "",
        )
