"""The one small interface every gateway adapter offers (DESIGN.md "Payments"): start a
payment, read a callback, query, close, refund. Adapters speak their gateway's protocol
through its SDK and hand back these plain values; ``payments.services`` decides what they
mean for the orders.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpResponse


class CallbackRejected(Exception):
    """A callback that is not genuine or cannot be read: answered with a failure, logged,
    and nothing changes."""


class GatewayError(Exception):
    """The gateway could not be reached or answered with an error worth retrying later
    (network, timeout, system busy)."""


class NoticeStatus:
    """What a callback or a query says about a trade, in the site's words."""

    PAID = "paid"  # the money arrived
    WAITING = "waiting"  # created, not paid (yet)
    CLOSED = "closed"  # closed unpaid
    FAILED = "failed"  # the payer's payment failed
    NOT_FOUND = "not_found"  # the gateway has no such trade (never opened by the payer)
    REFUNDED = "refunded"  # a refund of the trade succeeded
    REFUND_FAILED = "refund_failed"
    OTHER = "other"  # nothing the site acts on (e.g. a full-refund TRADE_CLOSED)


@dataclass(frozen=True)
class Notice:
    """One verified statement of a gateway about one trade."""

    out_trade_no: str
    status: str  # a NoticeStatus
    event_key: str  # what makes the statement unique for this trade (see GatewayCallback)
    trade_status: str = ""  # the gateway's own word, e.g. TRADE_SUCCESS
    amount: Decimal | None = None
    currency: str = "CNY"
    gateway_trade_no: str = ""
    app_id: str = ""
    merchant_id: str = ""
    refund_no: str = ""  # our out_request_no / out_refund_no, for refund statements
    raw: str = ""  # the message as received, for the inbox


@dataclass(frozen=True)
class Start:
    """Where the cashier sends the payer: a gateway page, or a QR code to scan."""

    redirect_url: str = ""
    code_url: str = ""  # WeChat Native: drawn as a QR code on the cashier
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundResult:
    status: str  # "succeeded", "pending" (ask again later) or "failed"
    message: str = ""
    gateway_refund_no: str = ""


@dataclass(frozen=True)
class StartRequest:
    """What a gateway needs to know to open a trade."""

    payment_no: str  # the checkout's number (the sandbox cashier's address)
    out_trade_no: str
    amount: Decimal
    subject: str
    is_mobile: bool
    client_ip: str
    notify_url: str  # absolute
    return_url: str  # absolute
    quit_url: str  # absolute: "back to the merchant" on phone pages
    expires_at: object  # aware datetime: the checkout's deadline


class Gateway(ABC):
    """Base class of the adapters. ``method`` is a ``payments.models.Method`` value."""

    method: str = ""
    is_sandbox: bool = False

    @abstractmethod
    def start(self, request: StartRequest) -> Start:
        """Open the trade at the gateway and say where the payer goes next."""

    @abstractmethod
    def parse_callback(self, body: bytes, *, kind: str) -> Notice:
        """Verify and read a callback body (``kind`` is "payment" or "refund"); raise
        CallbackRejected when it is not genuine or cannot be read."""

    @abstractmethod
    def acknowledge(self) -> HttpResponse:
        """The answer that tells the gateway a callback was received."""

    @abstractmethod
    def refuse(self, reason: str) -> HttpResponse:
        """The failure answer to a callback that is not genuine or cannot be read."""

    @abstractmethod
    def query(self, out_trade_no: str) -> Notice:
        """Ask the gateway about a trade; GatewayError when it cannot answer now."""

    @abstractmethod
    def close(self, out_trade_no: str) -> None:
        """Close an unpaid trade, so it can no longer be paid. GatewayError to retry."""

    @abstractmethod
    def refund(
        self,
        *,
        out_trade_no: str,
        out_request_no: str,
        amount: Decimal,
        total: Decimal,
        reason: str,
        notify_url: str = "",
    ) -> RefundResult:
        """Send ``amount`` of the trade back; the same ``out_request_no`` refunds once."""

    @abstractmethod
    def query_refund(
        self, *, out_trade_no: str, out_request_no: str, amount: Decimal
    ) -> RefundResult:
        """Whether a refund went through; "pending" while the gateway is processing."""

    @abstractmethod
    def identity(self) -> tuple[str, str]:
        """(app id, merchant id) a genuine callback must carry; "" where not checked."""
