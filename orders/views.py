"""Checkout and the learner's orders. Lines come from the ticked cart lines (or the 立即购买
choice kept in the session) and are priced again on the server; placing them is
``orders.services.place_orders``."""

import hashlib
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.phone import national_number
from cart.selectors import cart_contents
from cart.services import remove_lines
from cart.session import SESSION_BUY_NOW, current_cart, remember_count
from catalog.errors import CatalogError
from catalog.models import AddOn, Package
from catalog.pricing import LineQuote, quote_line
from ksmall.money import to_money

from . import selectors, services
from .errors import (
    CheckoutError,
    InvalidRefundAmount,
    InvalidRefundReason,
    RefundNotAllowed,
    ReviewNotAllowed,
    TransitionNotAllowed,
)
from .forms import CheckoutForm, RefundForm, ReviewForm
from .models import Order
from .refunds import refund_offer

PAGE_SIZE = 10
# While an order waits on someone else (the payment, the provider), its page polls.
POLLED_STATUSES = {Order.Status.PENDING_PAYMENT, Order.Status.PAID, Order.Status.AWAITING_SERVICE}


@dataclass
class CheckoutLine:
    quote: LineQuote
    cart_line_id: int | None = None

    @property
    def service(self):
        return self.quote.package.service

    def as_choice(self) -> services.LineChoice:
        return services.LineChoice(
            package_id=self.quote.package.pk,
            addon_ids=[addon.pk for addon in self.quote.addons],
            quantity=self.quote.quantity,
        )


def _buy_now_lines(request) -> list[CheckoutLine]:
    choice = request.session.get(SESSION_BUY_NOW) or {}
    package = (
        Package.objects.select_related("service__provider__provider_profile", "service__cover")
        .filter(pk=choice.get("package_id"))
        .first()
    )
    if package is None:
        return []
    addons = AddOn.objects.filter(pk__in=choice.get("addon_ids", []), service=package.service)
    return [CheckoutLine(quote_line(package, list(addons), int(choice.get("quantity", 1))))]


def _cart_lines(request) -> list[CheckoutLine]:
    contents = cart_contents(current_cart(request))
    return [CheckoutLine(state.quote, state.line.pk) for state in contents.selected]


def _groups(lines: list[CheckoutLine]) -> list[dict]:
    groups: dict[int, dict] = {}
    for line in lines:
        service = line.service
        group = groups.setdefault(
            service.provider_id, {"provider_name": service.provider_name, "lines": []}
        )
        group["lines"].append(line)
    for group in groups.values():
        group["total"] = to_money(sum((line.quote.total for line in group["lines"]), Decimal(0)))
    return list(groups.values())


def _fingerprint(lines: list[CheckoutLine]) -> str:
    """What the confirmation page showed: the lines and their prices. The POST must find
    the same, else the learner confirms again (a price changed, a line sold out)."""
    shown = sorted(
        f"{line.quote.package.pk}:{','.join(str(a.pk) for a in line.quote.addons)}:"
        f"{line.quote.quantity}:{line.quote.total}"
        for line in lines
    )
    return hashlib.sha256("|".join(shown).encode()).hexdigest()[:32]


@login_required
def checkout(request):
    buy_now = (request.POST if request.method == "POST" else request.GET).get("buy_now") == "1"
    if request.method == "POST":
        # A second submit of a form already placed goes to its payment, whatever the cart
        # holds by now.
        placed = selectors.checkout_by_token(request.user, request.POST.get("token", ""))
        if placed is not None:
            return redirect("payments:cashier", payment_no=placed.payment_no)
    try:
        lines = _buy_now_lines(request) if buy_now else _cart_lines(request)
    except CatalogError as error:
        messages.error(request, error.message)
        return redirect("cart:page")
    if not lines:
        messages.info(request, _("Choose what to buy in your cart first."))
        return redirect("cart:page")
    fingerprint = _fingerprint(lines)

    if request.method == "POST":
        form = CheckoutForm(request.POST)
        if form.is_valid() and request.POST.get("fingerprint") != fingerprint:
            messages.warning(
                request,
                _("Your order changed since this page was opened: check it and submit again."),
            )
        elif form.is_valid():
            try:
                placed = services.place_orders(
                    request.user,
                    [line.as_choice() for line in lines],
                    contact_name=form.cleaned_data["contact_name"],
                    contact_phone=form.cleaned_data["contact_phone"],
                    note=form.cleaned_data["note"],
                    token=form.cleaned_data["token"],
                )
            except (CheckoutError, CatalogError) as error:
                messages.error(request, error.message)
            else:
                if buy_now:
                    request.session.pop(SESSION_BUY_NOW, None)
                else:
                    cart = current_cart(request)
                    remove_lines(cart, [line.cart_line_id for line in lines])
                    remember_count(request, cart)
                return redirect("payments:cashier", payment_no=placed.payment_no)
        elif "token" in form.errors:
            messages.warning(request, _("This page has expired. Please submit it again."))
    else:
        user = request.user
        form = CheckoutForm(
            initial={
                "contact_name": user.nickname,
                "contact_phone": national_number(user.phone) if user.phone else "",
            }
        )
    token = form["token"].value() if form.is_bound and "token" not in form.errors else ""
    total = to_money(sum((line.quote.total for line in lines), Decimal(0)))
    return render(
        request,
        "orders/checkout.html",
        {
            "form": form,
            "groups": _groups(lines),
            "total": total,
            "buy_now": buy_now,
            "token": token or secrets.token_hex(16),
            "fingerprint": fingerprint,
        },
    )


@login_required
def order_list(request):
    tab = request.GET.get("tab", "")
    if tab not in {slug for slug, _label, _statuses in selectors.TABS}:
        tab = ""
    paginator = Paginator(selectors.learner_orders(request.user, tab), PAGE_SIZE)
    return render(
        request,
        "orders/order_list.html",
        {
            "tabs": selectors.TABS,
            "tab": tab,
            "page": paginator.get_page(request.GET.get("page")),
            "page_query": f"tab={tab}" if tab else "",
        },
    )


@login_required
def order_detail(
    request,
    order_no: str,
    review_form: ReviewForm | None = None,
    refund_form: RefundForm | None = None,
):
    order = selectors.learner_order(request.user, order_no)
    refundable = refund_offer(order)
    can_refund = refundable > 0
    if can_refund and refund_form is None:
        refund_form = RefundForm(initial={"amount": refundable})
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "review_form": review_form,
            "refund_form": refund_form if can_refund else None,
            "refundable": refundable,
            "refund_policies": sorted({line.refund_policy_text for line in order.lines.all()}),
            "polls": order.status in POLLED_STATUSES,
        },
    )


@login_required
@require_GET
@transaction.non_atomic_requests
def order_status(request, order_no: str):
    """Polled by the order page while something is pending: 204 while the status is the
    one shown, else ask htmx to reload the page."""
    order = selectors.learner_order(request.user, order_no)
    if request.GET.get("shown") == order.status:
        return HttpResponse(status=204)
    response = HttpResponse(status=200)
    response["HX-Refresh"] = "true"
    return response


def _learner_move(request, order_no: str, move, done: str):
    """Apply one of the learner's moves (``move(order, by=user)``) to their own order and
    go back to it with the outcome."""
    order = selectors.learner_order(request.user, order_no)
    try:
        move(order, by=request.user)
    except TransitionNotAllowed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("orders:detail", order_no=order.order_no)


@login_required
@require_POST
def confirm(request, order_no: str):
    return _learner_move(
        request,
        order_no,
        services.confirm_order,
        _("Thank you for confirming. You can now review it."),
    )


@login_required
@require_POST
def review(request, order_no: str):
    order = selectors.learner_order(request.user, order_no)
    form = ReviewForm(request.POST, request.FILES)
    if form.is_valid():
        line = order.lines.filter(pk=form.cleaned_data["line"]).first()
        if line is None:
            raise Http404
        try:
            services.review_line(
                line,
                by=request.user,
                rating=form.cleaned_data["rating"],
                text=form.cleaned_data["text"],
                images=form.cleaned_data["images"],
            )
        except ReviewNotAllowed as error:
            messages.error(request, error.message)
        except ValidationError as error:  # a photo that is not an image: nothing was saved
            form.add_error("images", error)
        else:
            messages.success(request, _("Thank you for your review."))
            return redirect("orders:detail", order_no=order.order_no)
    return order_detail(request, order_no, review_form=form)


@login_required
@require_POST
def cancel(request, order_no: str):
    return _learner_move(request, order_no, services.cancel_order, _("The order was cancelled."))


@login_required
@require_POST
def refund(request, order_no: str):
    """The buyer asks for money back; bad input shows the form again, nothing saved."""
    order = selectors.learner_order(request.user, order_no)
    form = RefundForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.request_refund(
                order,
                by=request.user,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                images=form.cleaned_data["images"],
            )
        except RefundNotAllowed as error:
            messages.error(request, error.message)
            return redirect("orders:detail", order_no=order.order_no)
        except InvalidRefundAmount as error:
            form.add_error("amount", error.message)
        except InvalidRefundReason as error:
            form.add_error("reason", error.message)
        except ValidationError as error:  # a photo that is not an image
            form.add_error("images", error)
        else:
            messages.success(
                request,
                _("Your refund request was sent. The provider will answer within %(hours)d hours.")
                % {"hours": settings.REFUND_RESPONSE_HOURS},
            )
            return redirect("orders:detail", order_no=order.order_no)
    return order_detail(request, order_no, refund_form=form)
