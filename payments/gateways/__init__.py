"""The gateway adapters, configured from settings: the real Alipay and WeChat Pay, or the
same adapters wired to the simulated gateway while ``PAYMENT_SANDBOX`` is on."""

from django.conf import settings
from django.urls import reverse

from .base import (  # noqa: F401 (the package's public names)
    CallbackRejected,
    Gateway,
    GatewayError,
    Notice,
    NoticeStatus,
    RefundResult,
    Start,
    StartRequest,
)


def _sandbox_page(payment_no: str) -> str:
    return reverse("payments:sandbox", args=[payment_no])


def alipay_gateway():
    from .alipay import AlipayGateway

    if settings.PAYMENT_SANDBOX:
        from payments import sandbox
        from payments.sandbox.alipay import transport

        keys = sandbox.keys()
        return AlipayGateway(
            app_id=sandbox.SANDBOX_ALIPAY_APP_ID,
            seller_id=sandbox.SANDBOX_ALIPAY_SELLER_ID,
            app_private_key=keys["alipay_app_private_key"],
            alipay_public_key=keys["alipay_public_key"],
            server_url="https://openapi-sandbox.ksmall.invalid/gateway.do",
            transport=transport,
            page_url=_sandbox_page,
        )
    return AlipayGateway(
        app_id=settings.ALIPAY_APP_ID,
        seller_id=settings.ALIPAY_SELLER_ID,
        app_private_key=settings.ALIPAY_APP_PRIVATE_KEY,
        alipay_public_key=settings.ALIPAY_PUBLIC_KEY,
        server_url=settings.ALIPAY_GATEWAY_URL,
        timeout=settings.PAYMENT_GATEWAY_TIMEOUT,
    )


def wechat_gateway():
    from .wechat import WeChatGateway

    if settings.PAYMENT_SANDBOX:
        from payments import sandbox
        from payments.sandbox.wechat import SandboxAdapter

        return WeChatGateway(
            app_id=sandbox.SANDBOX_WECHAT_APP_ID,
            mch_id=sandbox.SANDBOX_WECHAT_MCH_ID,
            api_key=sandbox.keys()["wechat_api_key"],
            adapter=SandboxAdapter(),
        )
    return WeChatGateway(
        app_id=settings.WECHAT_APP_ID,
        mch_id=settings.WECHAT_MCH_ID,
        api_key=settings.WECHAT_API_KEY,
        mch_cert=settings.WECHAT_MCH_CERT,
        mch_key=settings.WECHAT_MCH_KEY,
        timeout=settings.PAYMENT_GATEWAY_TIMEOUT,
    )


def get_gateway(method: str) -> Gateway:
    """The adapter for ``method`` ("alipay" or "wechat"); bank transfers have none."""
    if method == "alipay":
        return alipay_gateway()
    if method == "wechat":
        return wechat_gateway()
    raise ValueError(f"no gateway for {method!r}")
