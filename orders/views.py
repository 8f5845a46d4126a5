"""Checkout and the learner's orders. Lines come from the ticked cart lines (or the 立即购买
choice kept in the session) and are priced again on the server; placing them is
``orders.services.place_orders``."""

import hashlib
import re
import secrets
from dataclasses import dataclass

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
from loyalty import pricing
from loyalty import selectors as loyalty_selectors
from loyalty.models import PointsEntry

from . import discounts, selectors, services
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


@dataclass
class CheckoutGroup:
    """One provider's lines on the checkout page, priced with the learner's discounts."""

    provider_id: int
    provider_name: str
    lines: list[tuple[CheckoutLine, pricing.Line]]
    order: pricing.Order
    coupon_options: list[discounts.CouponOption]


def _groups(lines: list[CheckoutLine], priced: pricing.Priced, price_lines, offer) -> list:
    by_line = {id(price_line): line for line, price_line in zip(lines, price_lines, strict=True)}
    return [
        CheckoutGroup(
            provider_id=order.provider_id,
            provider_name=by_line[id(order.lines[0])].service.provider_name,
            lines=[(by_line[id(price_line)], price_line) for price_line in order.lines],
            order=order,
            coupon_options=offer.provider_options.get(order.provider_id, []),
        )
        for order in priced.orders
    ]


def _discount_choice(data, offer: discounts.Offer, provider_ids) -> discounts.DiscountChoice:
    """The learner's coupons and points from the form; the best coupons (and no points)
    when the form has not been sent yet."""
    if data.get("discounts") != "1":
        return offer.best
    provider_coupons = tuple(
        pk for pk in (_coupon_id(data.get(f"provider_coupon_{pid}")) for pid in provider_ids) if pk
    )
    return discounts.DiscountChoice(
        platform_coupon=_coupon_id(data.get("platform_coupon")),
        provider_coupons=provider_coupons,
        points=offer.points_balance if data.get("use_points") == "1" else 0,
    )


def _coupon_id(value) -> int | None:
    value = (value or "").strip()
    return int(value) if re.fullmatch(r"[0-9]{1,18}", value) else None


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
    """GET: the lines, priced with the best coupons preselected. POST: with
    ``recalculate`` (the discount choices changed), the page again; otherwise place the
    orders, if what the learner saw is still what they would pay."""
    data = request.POST if request.method == "POST" else request.GET
    buy_now = data.get("buy_now") == "1"
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
    quotes = [line.quote for line in lines]
    offer = discounts.offer(request.user, quotes)
    provider_ids = {line.service.provider_id for line in lines}
    choice = _discount_choice(data, offer, provider_ids)
    priced, price_lines = discounts.price(request.user, quotes, choice, lenient=True)

    recalculate = request.method == "POST" and "recalculate" in request.POST
    if request.method == "POST" and not recalculate:
        form = CheckoutForm(request.POST)
        changed = request.POST.get("fingerprint") != fingerprint or request.POST.get(
            "expected_total"
        ) != str(priced.total)
        if form.is_valid() and changed:
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
                    discount_choice=choice,
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
    elif recalculate:
        form = CheckoutForm(request.POST)
        form.errors.clear()  # only the discounts changed: no errors on the contact yet
    else:
        user = request.user
        form = CheckoutForm(
            initial={
                "contact_name": user.nickname,
                "contact_phone": national_number(user.phone) if user.phone else "",
            }
        )
    token = form["token"].value() if form.is_bound and "token" not in form.errors else ""
    points_limit = pricing.points_limit(
        priced.before_points,
        max_share=settings.POINTS_MAX_SHARE,
        points_per_yuan=settings.POINTS_PER_YUAN,
    )
    return render(
        request,
        "orders/checkout.html",
        {
            "form": form,
            "groups": _groups(lines, priced, price_lines, offer),
            "priced": priced,
            "offer": offer,
            "choice": choice,
            "points_usable": min(offer.points_balance, points_limit),
            "points_usable_worth": pricing.points_worth(
                min(offer.points_balance, points_limit), settings.POINTS_PER_YUAN
            ),
            "total": priced.total,
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
            "points": _order_points(order),
        },
    )


def _order_points(order: Order) -> dict[str, int]:
    """What the order's points did after checkout: earned, given back, taken back."""
    if not order.points_used and order.status not in (
        Order.Status.COMPLETED,
        Order.Status.REFUNDED,
    ):
        return {}
    moved = loyalty_selectors.points_of_order(order.buyer, order.order_no)
    Reason = PointsEntry.Reason
    return {
        "earned": moved.get(Reason.EARN, 0),
        "returned": moved.get(Reason.RETURN, 0) + moved.get(Reason.REFUND_RETURN, 0),
        "reclaimed": -moved.get(Reason.RECLAIM, 0),
    }


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
