"""The simulated Alipay: it reads the page-pay request the SDK built (checking the app's
signature, as Alipay does), answers the SDK's query, close, refund and refund-query calls
from the sandbox's books, and writes notify and return parameters signed RSA2 with
"Alipay's" sandbox key — the same scheme the real Alipay uses, checked by the same code.
"""

import base64
import binascii
import json
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode

import rsa
from alipay.aop.api.util.SignatureUtils import get_sign_content, sign_with_rsa2
from django.utils import timezone

from orders.numbers import CHINA
from payments import sandbox
from payments.models import SandboxTrade

METHOD_PAGE = "alipay.trade.page.pay"
METHOD_WAP = "alipay.trade.wap.pay"


def _sign(params: dict) -> str:
    content = get_sign_content({k: v for k, v in params.items() if k not in ("sign", "sign_type")})
    return sign_with_rsa2(sandbox.keys()["alipay_private_key"], content, "utf-8")


def _request_signed_by_app(params: dict) -> bool:
    """Alipay checks the app's request signature over every field but ``sign``."""
    try:
        content = get_sign_content({k: v for k, v in params.items() if k != "sign"})
        key = rsa.PublicKey.load_pkcs1_openssl_pem(sandbox.keys()["alipay_app_public_key"].encode())
        signature = base64.b64decode(params.get("sign", ""), validate=True)
        return rsa.verify(content.encode(), signature, key) == "SHA-256"
    except (rsa.VerificationError, binascii.Error, ValueError):
        return False


def page_request(query: dict) -> dict | None:
    """The trade a page-pay or WAP-pay request opens, if the app signed it: a dict with
    out_trade_no, total_amount, subject, notify_url, return_url, quit_url."""
    if query.get("method") not in (METHOD_PAGE, METHOD_WAP) or not _request_signed_by_app(query):
        return None
    if query.get("app_id") != sandbox.SANDBOX_ALIPAY_APP_ID:
        return None
    try:
        biz = json.loads(query.get("biz_content", ""))
        amount = Decimal(biz["total_amount"])
    except (ValueError, KeyError, TypeError, InvalidOperation):
        return None
    return {
        "out_trade_no": biz.get("out_trade_no", ""),
        "amount": amount,
        "subject": biz.get("subject", ""),
        "notify_url": query.get("notify_url", ""),
        "return_url": query.get("return_url", ""),
        "quit_url": biz.get("quit_url", ""),
    }


def _now() -> str:
    return timezone.now().astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def payment_notify(trade: SandboxTrade) -> bytes:
    """The form Alipay POSTs to notify_url when ``trade`` is paid."""
    params = {
        "notify_time": _now(),
        "notify_type": "trade_status_sync",
        "notify_id": sandbox.new_trade_no("N"),
        "charset": "utf-8",
        "version": "1.0",
        "app_id": sandbox.SANDBOX_ALIPAY_APP_ID,
        "auth_app_id": sandbox.SANDBOX_ALIPAY_APP_ID,
        "seller_id": sandbox.SANDBOX_ALIPAY_SELLER_ID,
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "buyer_id": "2088102177846875",
        "trade_status": "TRADE_SUCCESS",
        "total_amount": str(trade.amount),
        "receipt_amount": str(trade.amount),
        "buyer_pay_amount": str(trade.amount),
        "subject": trade.subject,
        "gmt_create": trade.created_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
        "gmt_payment": _now(),
        "fund_bill_list": json.dumps(
            [{"amount": str(trade.amount), "fundChannel": "ALIPAYACCOUNT"}]
        ),
        "passback_params": "",  # empty fields are signed too, and the verifier keeps them
    }
    params["sign_type"] = "RSA2"
    params["sign"] = _sign(params)
    return urlencode(params).encode()


def return_query(trade: SandboxTrade) -> str:
    """The signed query string Alipay adds to return_url when the payer comes back."""
    params = {
        "charset": "utf-8",
        "out_trade_no": trade.out_trade_no,
        "method": "alipay.trade.page.pay.return",
        "total_amount": str(trade.amount),
        "trade_no": trade.trade_no,
        "auth_app_id": sandbox.SANDBOX_ALIPAY_APP_ID,
        "version": "1.0",
        "app_id": sandbox.SANDBOX_ALIPAY_APP_ID,
        "seller_id": sandbox.SANDBOX_ALIPAY_SELLER_ID,
        "timestamp": _now(),
        "sign_type": "RSA2",
    }
    params["sign"] = _sign(params)
    return urlencode(params)


# ---- the SDK's outbound calls ------------------------------------------------------------------


def _answer(method: str, body: dict) -> bytes:
    """A signed gateway response: {"<method>_response": {...}, "sign": …}, where the sign
    covers the exact text of the inner object (what the SDK checks)."""
    inner = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    sign = sign_with_rsa2(sandbox.keys()["alipay_private_key"], inner, "utf-8")
    name = method.replace(".", "_") + "_response"
    return f'{{"{name}":{inner},"sign":"{sign}"}}'.encode()


def _error(sub_code: str, sub_msg: str) -> dict:
    return {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}


def transport(server_url: str, query_string: str, params: dict) -> bytes:
    """What the SDK's ``do_post`` would get back from Alipay, for the calls the site makes."""
    common = dict(parse_qsl(query_string, keep_blank_values=True))
    method = common.get("method", "")
    if not _request_signed_by_app(common | params):
        return _answer(
            method,
            {
                "code": "40002",
                "msg": "Invalid Arguments",
                "sub_code": "isv.invalid-signature",
                "sub_msg": "验签出错",
            },
        )
    biz = json.loads(params.get("biz_content") or "{}")
    out_trade_no = biz.get("out_trade_no", "")
    found = sandbox.trade(out_trade_no)
    ok = {"code": "10000", "msg": "Success"}
    if method == "alipay.trade.query":
        if found is None:
            return _answer(method, _error("ACQ.TRADE_NOT_EXIST", "交易不存在"))
        status = {
            SandboxTrade.Status.WAITING: "WAIT_BUYER_PAY",
            SandboxTrade.Status.PAID: "TRADE_SUCCESS",
            SandboxTrade.Status.CLOSED: "TRADE_CLOSED",
        }[found.status]
        return _answer(
            method,
            ok
            | {
                "out_trade_no": out_trade_no,
                "trade_no": found.trade_no,
                "trade_status": status,
                "total_amount": str(found.amount),
                "buyer_pay_amount": str(found.amount) if found.paid_at else "0.00",
            },
        )
    if method == "alipay.trade.close":
        result = sandbox.close_trade(out_trade_no)
        if result == "missing":
            return _answer(method, _error("ACQ.TRADE_NOT_EXIST", "交易不存在"))
        if result == "paid":
            return _answer(method, _error("ACQ.TRADE_STATUS_ERROR", "交易状态不合法"))
        return _answer(method, ok | {"out_trade_no": out_trade_no})
    if method == "alipay.trade.refund":
        amount = Decimal(biz.get("refund_amount", "0"))
        result, message = sandbox.refund_trade(out_trade_no, biz.get("out_request_no", ""), amount)
        if result in ("ok", "repeat"):
            return _answer(
                method,
                ok
                | {
                    "out_trade_no": out_trade_no,
                    "trade_no": found.trade_no,
                    "refund_fee": str(amount),
                    "fund_change": "Y" if result == "ok" else "N",
                    "gmt_refund_pay": _now(),
                },
            )
        return _answer(method, _error(f"ACQ.{result}", message))
    if method == "alipay.trade.fastpay.refund.query":
        out_request_no = biz.get("out_request_no", "")
        if found is None or out_request_no not in found.refunds:
            return _answer(method, ok | {"out_trade_no": out_trade_no})
        return _answer(
            method,
            ok
            | {
                "out_trade_no": out_trade_no,
                "out_request_no": out_request_no,
                "refund_amount": found.refunds[out_request_no],
                "total_amount": str(found.amount),
                "refund_status": "REFUND_SUCCESS",
            },
        )
    return _answer(
        method, {"code": "40004", "msg": "Business Failed", "sub_code": "isv.invalid-method"}
    )
