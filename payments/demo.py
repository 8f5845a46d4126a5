"""Demo payments: seed_demo pays its demo checkouts the way a learner does in the sandbox
(a trade opened, paid at the simulated gateway, its signed callback verified, stored and
applied), so the demo's paid orders have payments to refund."""

from django.conf import settings

from orders.models import Checkout
from orders.services import mark_paid

from . import sandbox, services
from .gateways import get_gateway
from .models import GatewayCallback, Method
from .sandbox.alipay import payment_notify


def pay_in_sandbox(checkout: Checkout) -> None:
    if not settings.PAYMENT_SANDBOX:
        mark_paid(checkout, note="demo")  # no simulated gateway to pay through
        return
    client = services.Client(is_mobile=False, ip="127.0.0.1", site_url="http://127.0.0.1:8000")
    payment, _start = services.start_payment(checkout, method=Method.ALIPAY, client=client)
    trade = sandbox.open_trade(Method.ALIPAY, payment.out_trade_no, payment.amount, "KS Mall demo")
    trade = sandbox.settle_trade(trade.out_trade_no, paid=True)
    notice = get_gateway(Method.ALIPAY).parse_callback(payment_notify(trade), kind="payment")
    services.record_and_apply(Method.ALIPAY, GatewayCallback.Kind.PAYMENT, notice)
