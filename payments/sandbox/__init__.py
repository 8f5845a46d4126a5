"""The simulated gateway (DESIGN.md "Payments", "Sandbox"): it stands in for Alipay and
WeChat Pay until real credentials are configured.

It keeps its own books (``SandboxTrade``), answers the SDKs' outbound calls from them
(``sandbox.alipay``, ``sandbox.wechat``), and signs its callbacks with keys of its own,
generated on first use into ``PAYMENT_SANDBOX_KEY_DIR`` (outside git) — so the site's
verification path runs exactly as it does against the real gateways.
"""

import json
import os
import secrets
import tempfile
from decimal import Decimal
from functools import cache
from pathlib import Path

from Crypto.PublicKey import RSA
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from payments.models import SandboxTrade

SANDBOX_ALIPAY_APP_ID = "9021000000000000"
SANDBOX_ALIPAY_SELLER_ID = "2088000000000000"
SANDBOX_WECHAT_APP_ID = "wx00sandbox000000"
SANDBOX_WECHAT_MCH_ID = "1900000000"


def _new_rsa_pair() -> tuple[str, str]:
    key = RSA.generate(2048)
    return key.export_key(pkcs=1).decode(), key.publickey().export_key().decode()


def _generate() -> dict:
    app_private, app_public = _new_rsa_pair()
    alipay_private, alipay_public = _new_rsa_pair()
    return {
        # The merchant's own pair (the site signs requests; the sandbox checks them) ...
        "alipay_app_private_key": app_private,
        "alipay_app_public_key": app_public,
        # ... and "Alipay's" pair (the sandbox signs callbacks; the site checks them).
        "alipay_private_key": alipay_private,
        "alipay_public_key": alipay_public,
        "wechat_api_key": secrets.token_hex(16),  # 32 characters, like a real v2 key
    }


@cache
def _keys_at(path: str) -> dict:
    target = Path(path)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".keys-")
        with os.fdopen(handle, "w") as out:
            json.dump(_generate(), out)
        try:
            # A link never replaces: when two processes generate at once, both read the
            # file that won, and sign and verify with the same keys.
            os.link(temporary, target)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return json.loads(target.read_text())


def keys() -> dict:
    """The sandbox's keys, generated once per key directory."""
    return _keys_at(str(Path(settings.PAYMENT_SANDBOX_KEY_DIR) / "keys.json"))


def new_trade_no(prefix: str) -> str:
    return prefix + timezone.now().strftime("%Y%m%d") + f"{secrets.randbelow(10**16):016d}"


# ---- the sandbox's books ---------------------------------------------------------------------


def open_trade(method: str, out_trade_no: str, amount: Decimal, subject: str) -> SandboxTrade:
    """Record a trade the site asked to open; asking again with the same number returns it
    (a gateway answers a repeated order with the same trade)."""
    trade, _created = SandboxTrade.objects.get_or_create(
        out_trade_no=out_trade_no,
        defaults={
            "method": method,
            "amount": amount,
            "subject": subject[:256],
            "trade_no": new_trade_no("2026" if method == "alipay" else "4200"),
        },
    )
    return trade


@transaction.atomic
def settle_trade(out_trade_no: str, *, paid: bool) -> SandboxTrade | None:
    """The payer pressed 支付成功 (``paid``) or 支付失败 on the sandbox cashier. A closed or
    already paid trade does not change."""
    trade = SandboxTrade.objects.select_for_update().filter(out_trade_no=out_trade_no).first()
    if trade is not None and paid and trade.status == SandboxTrade.Status.WAITING:
        trade.status = SandboxTrade.Status.PAID
        trade.paid_at = timezone.now()
        trade.save(update_fields=["status", "paid_at"])
    return trade


@transaction.atomic
def close_trade(out_trade_no: str) -> str:
    """Close an unpaid trade: "closed", "paid" (too late) or "missing"."""
    trade = SandboxTrade.objects.select_for_update().filter(out_trade_no=out_trade_no).first()
    if trade is None:
        return "missing"
    if trade.status == SandboxTrade.Status.PAID:
        return "paid"
    if trade.status != SandboxTrade.Status.CLOSED:
        trade.status = SandboxTrade.Status.CLOSED
        trade.save(update_fields=["status"])
    return "closed"


@transaction.atomic
def refund_trade(out_trade_no: str, out_request_no: str, amount: Decimal) -> tuple[str, str]:
    """Refund part of a paid trade once per ``out_request_no``: ("ok" | "repeat" | an
    error code, a message)."""
    trade = SandboxTrade.objects.select_for_update().filter(out_trade_no=out_trade_no).first()
    if trade is None:
        return "TRADE_NOT_EXIST", "交易不存在"
    if out_request_no in trade.refunds:
        return "repeat", ""
    if trade.status != SandboxTrade.Status.PAID:
        return "TRADE_STATUS_ERROR", "交易状态不合法"
    if amount <= 0 or trade.refunded + amount > trade.amount:
        return "REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限"
    trade.refunds[out_request_no] = str(amount)
    trade.save(update_fields=["refunds"])
    return "ok", ""


def trade(out_trade_no: str) -> SandboxTrade | None:
    return SandboxTrade.objects.filter(out_trade_no=out_trade_no).first()
