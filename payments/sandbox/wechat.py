"""The simulated WeChat Pay (API v2). ``SandboxAdapter``, mounted on wechatpy's requests
session, answers unifiedorder, orderquery, closeorder, refund and refundquery from the
sandbox's books, checking and signing XML the way WeChat does; ``payment_notify`` and
``refund_notify`` build the messages WeChat would POST to the site (the payment notify
signed with MD5, the refund notify encrypted), so the site's own verification runs.
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import requests
import xmltodict
from django.urls import reverse
from django.utils import timezone
from wechatpy.crypto import RefundCrypto
from wechatpy.pay.utils import calculate_signature, calculate_signature_hmac, dict_to_xml

from ksmall.money import fen_to_yuan, yuan_to_fen
from orders.numbers import CHINA
from payments import sandbox
from payments.models import Method, SandboxTrade

TRADE_STATES = {
    SandboxTrade.Status.WAITING: ("NOTPAY", "订单未支付"),
    SandboxTrade.Status.PAID: ("SUCCESS", "支付成功"),
    SandboxTrade.Status.CLOSED: ("CLOSED", "订单已关闭"),
}
# sandbox.refund_trade's refusals in WeChat's words.
REFUND_ERRORS = {
    "TRADE_NOT_EXIST": "ORDERNOTEXIST",
    "TRADE_STATUS_ERROR": "ERROR",
    "REFUND_AMT_NOT_EQUAL_TOTAL": "ERROR",
}
SHORTEST_EXPIRY = timedelta(minutes=5)
TIME_FORMAT = "%Y%m%d%H%M%S"


def _api_key() -> str:
    return sandbox.keys()["wechat_api_key"]


def _nonce() -> str:
    return secrets.token_hex(16)


def _signed_xml(fields: dict) -> str:
    fields = {key: value for key, value in fields.items() if value not in (None, "")}
    return dict_to_xml(fields, calculate_signature(fields, _api_key()))


def _fen(amount: Decimal) -> str:
    return str(yuan_to_fen(amount))


def _refund_id(trade: SandboxTrade, out_refund_no: str) -> str:
    # The same refund number always has the same refund id, as at WeChat.
    digest = hashlib.sha256(f"{trade.trade_no}:{out_refund_no}".encode()).hexdigest()
    return "50" + str(int(digest, 16))[:27]


def _wechat_trade(out_trade_no: str) -> SandboxTrade | None:
    trade = sandbox.trade(out_trade_no or "")
    return trade if trade is not None and trade.method == Method.WECHAT else None


# ---- the API -----------------------------------------------------------------------------


def _failed_call(message: str) -> dict:
    """The call itself failed (signature, format): WeChat does not sign this answer."""
    return {"return_code": "FAIL", "return_msg": message}


def _answer(**fields) -> dict:
    return {
        "return_code": "SUCCESS",
        "return_msg": "OK",
        "appid": sandbox.SANDBOX_WECHAT_APP_ID,
        "mch_id": sandbox.SANDBOX_WECHAT_MCH_ID,
        "nonce_str": _nonce(),
        "result_code": "SUCCESS",
        **fields,
    }


def _refusal(err_code: str, err_code_des: str) -> dict:
    return _answer(result_code="FAIL", err_code=err_code, err_code_des=err_code_des)


def _unified_order(fields: dict) -> dict:
    out_trade_no = fields.get("out_trade_no", "")
    trade_type = fields.get("trade_type", "")
    try:
        total_fee = int(fields.get("total_fee", ""))
        expires = datetime.strptime(fields.get("time_expire") or "", TIME_FORMAT)
    except (TypeError, ValueError):
        return _refusal("PARAM_ERROR", "total_fee 或 time_expire 格式错误")
    missing = [
        name
        for name in ("body", "out_trade_no", "notify_url", "spbill_create_ip", "attach")
        if not fields.get(name)
    ]
    if trade_type == "NATIVE" and not fields.get("product_id"):
        missing.append("product_id")
    if trade_type == "MWEB" and not fields.get("scene_info"):
        missing.append("scene_info")
    if missing or total_fee <= 0 or trade_type not in ("NATIVE", "MWEB"):
        return _refusal("PARAM_ERROR", "缺少参数或参数错误: " + ",".join(missing or [trade_type]))
    if expires.replace(tzinfo=CHINA) < timezone.now() + SHORTEST_EXPIRY:
        return _refusal("PARAM_ERROR", "time_expire时间过短，刷卡至少1分钟，其他5分钟")
    existing = sandbox.trade(out_trade_no)
    if existing is not None and (
        existing.method != Method.WECHAT or yuan_to_fen(existing.amount) != total_fee
    ):
        return _refusal("INVALID_REQUEST", "201 商户订单号重复")
    trade = sandbox.open_trade(Method.WECHAT, out_trade_no, fen_to_yuan(total_fee), fields["body"])
    if trade.status == SandboxTrade.Status.PAID:
        return _refusal("ORDERPAID", "该订单已支付")
    if trade.status == SandboxTrade.Status.CLOSED:
        return _refusal("ORDERCLOSED", "该订单已关")
    answer = _answer(trade_type=trade_type, prepay_id="wx" + trade.trade_no)
    if trade_type == "NATIVE":
        answer["code_url"] = "weixin://wxpay/bizpayurl?pr=" + trade.trade_no
    else:
        # The sandbox cashier stands in for WeChat's H5 page (a path on this site).
        cashier = reverse("payments:sandbox", args=[fields["attach"]])
        answer["mweb_url"] = cashier + "?trade=" + out_trade_no
    return answer


def _order_query(fields: dict) -> dict:
    trade = _wechat_trade(fields.get("out_trade_no"))
    if trade is None:
        return _refusal("ORDERNOTEXIST", "订单不存在")
    trade_state, description = TRADE_STATES[trade.status]
    answer = _answer(
        out_trade_no=trade.out_trade_no,
        trade_state=trade_state,
        trade_state_desc=description,
        total_fee=_fen(trade.amount),
        fee_type="CNY",
    )
    if trade.status == SandboxTrade.Status.PAID:
        answer["transaction_id"] = trade.trade_no
        answer["cash_fee"] = _fen(trade.amount)
        answer["time_end"] = trade.paid_at.astimezone(CHINA).strftime(TIME_FORMAT)
    return answer


def _close_order(fields: dict) -> dict:
    outcome = sandbox.close_trade(fields.get("out_trade_no", ""))
    if outcome == "paid":
        return _refusal("ORDERPAID", "订单已支付，不能发起关单")
    if outcome == "missing":
        return _refusal("ORDERNOTEXIST", "订单不存在")
    return _answer()


def _refund(fields: dict) -> dict:
    trade = _wechat_trade(fields.get("out_trade_no"))
    if trade is None:
        return _refusal("ORDERNOTEXIST", "订单不存在")
    out_refund_no = fields.get("out_refund_no", "")
    try:
        total_fee = int(fields.get("total_fee", ""))
        refund_fee = int(fields.get("refund_fee", ""))
    except (TypeError, ValueError):
        return _refusal("PARAM_ERROR", "total_fee 或 refund_fee 格式错误")
    if not out_refund_no:
        return _refusal("PARAM_ERROR", "缺少参数 out_refund_no")
    if yuan_to_fen(trade.amount) != total_fee:
        return _refusal("INVALID_REQUEST", "订单金额与支付金额不一致")
    outcome, message = sandbox.refund_trade(
        trade.out_trade_no, out_refund_no, fen_to_yuan(refund_fee)
    )
    if outcome not in ("ok", "repeat"):
        return _refusal(REFUND_ERRORS.get(outcome, "ERROR"), message)
    trade.refresh_from_db()
    return _answer(
        transaction_id=trade.trade_no,
        out_trade_no=trade.out_trade_no,
        out_refund_no=out_refund_no,
        refund_id=_refund_id(trade, out_refund_no),
        # A repeat answers with the refund first made under the number.
        refund_fee=_fen(Decimal(trade.refunds[out_refund_no])),
        total_fee=_fen(trade.amount),
        cash_fee=_fen(trade.amount),
    )


def _refund_query(fields: dict) -> dict:
    out_refund_no = fields.get("out_refund_no", "")
    trade = (
        SandboxTrade.objects.filter(method=Method.WECHAT, refunds__has_key=out_refund_no).first()
        if out_refund_no
        else None
    )
    if trade is None:
        return _refusal("REFUNDNOTEXIST", "退款订单查询失败")
    return _answer(
        transaction_id=trade.trade_no,
        out_trade_no=trade.out_trade_no,
        total_fee=_fen(trade.amount),
        cash_fee=_fen(trade.amount),
        refund_count="1",
        out_refund_no_0=out_refund_no,
        refund_id_0=_refund_id(trade, out_refund_no),
        refund_fee_0=_fen(Decimal(trade.refunds[out_refund_no])),
        refund_status_0="SUCCESS",
        refund_channel_0="ORIGINAL",
        refund_recv_accout_0="支付用户的零钱",
    )


ENDPOINTS = {
    "pay/unifiedorder": _unified_order,
    "pay/orderquery": _order_query,
    "pay/closeorder": _close_order,
    "secapi/pay/refund": _refund,
    "pay/refundquery": _refund_query,
}


def _read_request(body) -> dict | None:
    """The fields of a request body, or None when it is not WeChat's flat XML."""
    try:
        fields = xmltodict.parse(body or b"")["xml"]
    except Exception:  # ExpatError, ValueError (a DTD), KeyError: not for WeChat either
        return None
    if not isinstance(fields, dict) or any(isinstance(v, dict | list) for v in fields.values()):
        return None
    return fields


def _is_signed(fields: dict) -> bool:
    unsigned = {key: value for key, value in fields.items() if key != "sign"}
    if fields.get("sign_type", "MD5") == "HMAC-SHA256":
        expected = calculate_signature_hmac(unsigned, _api_key())
    else:
        expected = calculate_signature(unsigned, _api_key())
    return secrets.compare_digest(fields.get("sign") or "", expected)


class SandboxAdapter(requests.adapters.BaseAdapter):
    """Answers wechatpy's calls to api.mch.weixin.qq.com from the sandbox's books."""

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        fields = _read_request(request.body)
        endpoint = ENDPOINTS.get(urlsplit(request.url).path.strip("/"))
        if endpoint is None:
            answer = _failed_call("接口不存在")
        elif fields is None:
            answer = _failed_call("XML格式错误")
        elif not _is_signed(fields):
            answer = _failed_call("签名错误")
        elif fields.get("mch_id") != sandbox.SANDBOX_WECHAT_MCH_ID or (
            fields.get("appid") != sandbox.SANDBOX_WECHAT_APP_ID
        ):
            answer = _failed_call("appid和mch_id不匹配")
        else:
            answer = endpoint(fields)
        return self._response(request, answer)

    def _response(self, request, answer: dict) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        response.reason = "OK"
        response.encoding = "utf-8"
        response.headers["Content-Type"] = "text/xml; charset=utf-8"
        # WeChat signs an answer only when the call itself succeeded.
        signed = answer["return_code"] == "SUCCESS"
        body = _signed_xml(answer) if signed else dict_to_xml(answer)
        response._content = body.encode("utf-8")
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


# ---- what WeChat POSTs to the site -------------------------------------------------------


def payment_notify(
    trade: SandboxTrade, *, paid: bool, attach: str = "", trade_type: str = "NATIVE"
) -> bytes:
    """The notify WeChat sends to notify_url when the payer paid (or failed to pay) the
    trade, signed as WeChat signs it: MD5 over the non-empty fields and the API key."""
    fields = {
        "return_code": "SUCCESS",
        "appid": sandbox.SANDBOX_WECHAT_APP_ID,
        "mch_id": sandbox.SANDBOX_WECHAT_MCH_ID,
        "nonce_str": _nonce(),
        "out_trade_no": trade.out_trade_no,
        "total_fee": _fen(trade.amount),
        "fee_type": "CNY",
        "trade_type": trade_type,
        "openid": "oSbx" + hashlib.sha256(trade.out_trade_no.encode()).hexdigest()[:24],
        "is_subscribe": "N",
        "bank_type": "OTHERS",
        "attach": attach,
    }
    if paid:
        paid_at = trade.paid_at or timezone.now()
        fields |= {
            "result_code": "SUCCESS",
            "cash_fee": _fen(trade.amount),
            "transaction_id": trade.trade_no,
            "time_end": paid_at.astimezone(CHINA).strftime(TIME_FORMAT),
        }
    else:
        fields |= {"result_code": "FAIL", "err_code": "PAYERROR", "err_code_des": "支付失败"}
    return _signed_xml(fields).encode("utf-8")


def refund_notify(
    trade: SandboxTrade, out_refund_no: str, amount: Decimal, *, status: str = "SUCCESS"
) -> bytes:
    """The refund notify: not signed; ``req_info`` is the result encrypted with AES-256-ECB
    under md5(API key), which only the merchant can read."""
    result = {
        "transaction_id": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "refund_id": _refund_id(trade, out_refund_no),
        "out_refund_no": out_refund_no,
        "total_fee": _fen(trade.amount),
        "settlement_total_fee": _fen(trade.amount),
        "refund_fee": _fen(amount),
        "settlement_refund_fee": _fen(amount),
        "refund_status": status,
        "success_time": timezone.now().astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
        "refund_recv_accout": "支付用户的零钱",
        "refund_account": "REFUND_SOURCE_RECHARGE_FUNDS",
        "refund_request_source": "API",
    }
    inner = xmltodict.unparse({"root": result}, full_document=False)
    key = hashlib.md5(_api_key().encode()).hexdigest().encode()  # noqa: S324 (WeChat's scheme)
    notify = {
        "return_code": "SUCCESS",
        "appid": sandbox.SANDBOX_WECHAT_APP_ID,
        "mch_id": sandbox.SANDBOX_WECHAT_MCH_ID,
        "nonce_str": _nonce(),
        "req_info": RefundCrypto(key).encrypt(inner).decode(),
    }
    return dict_to_xml(notify).encode("utf-8")
