"""Payment pages: the cashier and its method pages (WeChat QR code, bank transfer), the
return page, the gateways' notify endpoints, and the sandbox's simulated cashier.

Notify views trust nothing but the signature: they verify, store the callback in the
inbox, and only then answer the gateway; applying it is a Celery task's job.
"""

import logging
from urllib.parse import urlsplit

import segno
from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orders.selectors import payer_checkout

from . import errors, sandbox, services
from .forms import VoucherForm
from .gateways import CallbackRejected, get_gateway
from .models import GatewayCallback, Method, Payment, TransferVoucher
from .sandbox import alipay as sandbox_alipay
from .sandbox import delivery
from .sandbox import wechat as sandbox_wechat
from .selectors import checkout_state, latest_payment

logger = logging.getLogger(__name__)

MOBILE_HINTS = ("Mobile", "Android", "iPhone", "iPad", "HarmonyOS")


def _client(request) -> services.Client:
    agent = request.headers.get("User-Agent", "")
    return services.Client(
        is_mobile=any(hint in agent for hint in MOBILE_HINTS),
        ip=get_adapter().get_client_ip(request),
        site_url=f"{request.scheme}://{request.get_host()}",
    )


# ---- the cashier -----------------------------------------------------------------------------


@login_required
@require_GET
def cashier(request, payment_no: str):
    checkout = payer_checkout(request.user, payment_no)
    state = checkout_state(checkout)
    return render(
        request,
        "payments/cashier.html",
        {"checkout": checkout, "state": state, "bank_hours": settings.BANK_TRANSFER_HOURS},
    )


@login_required
@require_POST
def start(request, payment_no: str):
    checkout = payer_checkout(request.user, payment_no)
    method = request.POST.get("method", "")
    try:
        payment, started = services.start_payment(checkout, method=method, client=_client(request))
    except errors.PaymentError as error:
        messages.error(request, str(error))
        return redirect("payments:cashier", payment_no)
    if payment.method == Method.WECHAT and started.code_url:
        return redirect("payments:wechat", payment_no)
    return redirect(started.redirect_url)


@login_required
@require_GET
def wechat(request, payment_no: str):
    """WeChat Pay Native: the QR code to scan, and the status polled until it is paid."""
    checkout = payer_checkout(request.user, payment_no)
    payment = latest_payment(checkout, method=Method.WECHAT, channel=Payment.Channel.NATIVE)
    if payment is None or not payment.is_pending or not payment.start_data.get("code_url"):
        return redirect("payments:cashier", payment_no)
    qr = segno.make(payment.start_data["code_url"], error="m")
    return render(
        request,
        "payments/wechat.html",
        {
            "checkout": checkout,
            "state": checkout_state(checkout),
            "payment": payment,
            "qr_svg": qr.svg_inline(scale=6, dark="#1f2329", title=_("WeChat Pay QR code")),
        },
    )


@login_required
@require_GET
def status(request, payment_no: str):
    """Polled by the waiting pages (htmx): once the orders are paid, go to the result."""
    checkout = payer_checkout(request.user, payment_no)
    state = checkout_state(checkout)
    if state.is_paid:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("payments:result", args=[payment_no])
        return response
    return render(request, "payments/_waiting.html", {"checkout": checkout, "state": state})


@login_required
@require_GET
def result(request, payment_no: str):
    """Where the payer comes back from a gateway (Alipay's return_url). What the address
    says is only a hint: the state shown is the site's own, and when Alipay's signed
    return says paid while the payment is still pending, the site asks Alipay itself."""
    checkout = payer_checkout(request.user, payment_no)
    out_trade_no = request.GET.get("out_trade_no", "")
    if out_trade_no and request.GET.get("sign"):
        payment = Payment.objects.filter(checkout=checkout, out_trade_no=out_trade_no).first()
        if payment is not None and payment.is_pending and payment.method == Method.ALIPAY:
            try:
                get_gateway(Method.ALIPAY).verified_params(request.GET.dict())
            except CallbackRejected:
                logger.warning(
                    "forged Alipay return for %s from %s",
                    out_trade_no,
                    request.META.get("REMOTE_ADDR"),
                )
            else:
                services.query_payment(payment.pk)
        checkout = payer_checkout(request.user, payment_no)
    return render(
        request, "payments/result.html", {"checkout": checkout, "state": checkout_state(checkout)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer(request, payment_no: str):
    """对公转账: the account to pay into, the number to quote, and the receipt upload."""
    checkout = payer_checkout(request.user, payment_no)
    payment = latest_payment(checkout, method=Method.BANK)
    if payment is None:
        return redirect("payments:cashier", payment_no)
    form = VoucherForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_voucher(
                payment,
                by=request.user,
                file=form.cleaned_data["file"],
                payer_name=form.cleaned_data["payer_name"],
                note=form.cleaned_data["note"],
            )
        except errors.PaymentError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Receipt received. We will confirm the transfer within one working day.")
            )
            return redirect("payments:transfer", payment_no)
    vouchers = list(
        TransferVoucher.objects.filter(payment__checkout=checkout).order_by("-uploaded_at")
    )
    return render(
        request,
        "payments/transfer.html",
        {
            "checkout": checkout,
            "payment": payment,
            "state": checkout_state(checkout),
            "account": settings.BANK_TRANSFER_ACCOUNT,
            "vouchers": vouchers,
            "awaiting_review": any(v.status == TransferVoucher.Status.SUBMITTED for v in vouchers),
            "form": form,
        },
    )


# ---- gateway callbacks -----------------------------------------------------------------------


def _receive(request, method: str, kind: str):
    gateway = get_gateway(method)
    try:
        notice = gateway.parse_callback(request.body, kind=kind)
    except CallbackRejected as error:
        logger.warning(
            "%s %s callback refused from %s: %s (%d bytes)",
            method,
            kind,
            request.META.get("REMOTE_ADDR"),
            error,
            len(request.body),
        )
        return gateway.refuse(str(error))
    services.record_callback(method, kind, notice, remote_addr=request.META.get("REMOTE_ADDR"))
    return gateway.acknowledge()


@csrf_exempt
@require_POST
def alipay_notify(request):
    return _receive(request, Method.ALIPAY, GatewayCallback.Kind.PAYMENT)


@csrf_exempt
@require_POST
def wechat_notify(request):
    return _receive(request, Method.WECHAT, GatewayCallback.Kind.PAYMENT)


@csrf_exempt
@require_POST
def wechat_refund_notify(request):
    return _receive(request, Method.WECHAT, GatewayCallback.Kind.REFUND)


# ---- the sandbox -----------------------------------------------------------------------------


def _sandbox_on() -> None:
    if not settings.PAYMENT_SANDBOX:
        raise Http404


def _own_path(url: str, fallback: str) -> str:
    """The path of a page under /pay/ on this site: the sandbox only ever sends the payer
    back to the site itself, whatever address the request named."""
    path = urlsplit(url).path
    return path if path.startswith("/pay/") and "//" not in path else fallback


@login_required
@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def sandbox_cashier(request, payment_no: str):
    """The simulated gateway's cashier: 支付成功 sends the signed callback to the site's
    notify endpoint (over HTTP, like the gateway), then returns the payer."""
    _sandbox_on()
    checkout = payer_checkout(request.user, payment_no)
    if request.method == "POST":
        return _sandbox_settle(request, checkout)
    if request.GET.get("method"):
        asked = sandbox_alipay.page_request(request.GET.dict())
        if asked is None:
            return HttpResponseBadRequest(_("The payment request is not signed by this site."))
        with transaction.atomic():
            trade = sandbox.open_trade(
                Method.ALIPAY, asked["out_trade_no"], asked["amount"], asked["subject"]
            )
        method = Method.ALIPAY
        return_url = _own_path(asked["return_url"], reverse("payments:result", args=[payment_no]))
    else:
        trade = sandbox.trade(request.GET.get("trade", ""))
        if trade is None or trade.method != Method.WECHAT:
            raise Http404
        method = Method.WECHAT
        return_url = reverse("payments:result", args=[payment_no])
    payment = Payment.objects.filter(checkout=checkout, out_trade_no=trade.out_trade_no).first()
    if payment is None:
        raise Http404
    return render(
        request,
        "payments/sandbox.html",
        {
            "checkout": checkout,
            "trade": trade,
            "method": method,
            "method_name": Method(method).label,
            "return_url": return_url,
        },
    )


def _sandbox_settle(request, checkout):
    out_trade_no = request.POST.get("trade", "")
    payment = Payment.objects.filter(checkout=checkout, out_trade_no=out_trade_no).first()
    trade = sandbox.trade(out_trade_no)
    if payment is None or trade is None:
        raise Http404
    paid = request.POST.get("outcome") == "success"
    trade = sandbox.settle_trade(out_trade_no, paid=paid)
    delivered = True
    base = settings.PAYMENT_SANDBOX_CALLBACK_BASE or f"{request.scheme}://{request.get_host()}"
    if trade.method == Method.ALIPAY:
        if paid:
            delivered = delivery.post_callback(
                base,
                "/pay/notify/alipay/",
                sandbox_alipay.payment_notify(trade),
                "application/x-www-form-urlencoded",
            )
        return_url = _own_path(
            request.POST.get("return_url", ""),
            reverse("payments:result", args=[checkout.payment_no]),
        )
        target = (
            f"{return_url}?{sandbox_alipay.return_query(trade)}"
            if paid
            else reverse("payments:cashier", args=[checkout.payment_no])
        )
    else:
        delivered = delivery.post_callback(
            base, "/pay/notify/wechat/", sandbox_wechat.payment_notify(trade, paid=paid), "text/xml"
        )
        target = reverse(
            "payments:result" if paid else "payments:cashier", args=[checkout.payment_no]
        )
    if not paid:
        messages.warning(
            request,
            _("The payment did not go through (sandbox). Nothing was charged; you can try again."),
        )
    elif not delivered:
        messages.warning(
            request,
            _(
                "The sandbox could not reach the site's notify address; the payment will be "
                "confirmed by asking the gateway within a few minutes."
            ),
        )
    return redirect(target)
