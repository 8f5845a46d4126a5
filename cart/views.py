"""The cart page and its actions. Every action is a plain POST that redirects back; with
htmx the cart body is swapped in place instead."""

import re

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from catalog.errors import CatalogError
from catalog.forms import LineChoiceForm
from catalog.models import Package

from . import services
from .forms import LineUpdateForm
from .models import CartLine
from .selectors import cart_contents
from .session import SESSION_BUY_NOW, current_cart, remember_count


@require_GET
@transaction.non_atomic_requests
def cart_page(request):
    cart = current_cart(request)
    contents = cart_contents(cart)
    remember_count(request, cart)
    return render(request, "cart/cart.html", {"contents": contents})


def _cart_response(request, *, error: str = ""):
    """htmx: the cart body again (with the message); otherwise back to the cart page."""
    if request.htmx:
        cart = current_cart(request)
        remember_count(request, cart)
        return render(request, "cart/_cart.html", {"contents": cart_contents(cart), "error": error})
    if error:
        messages.error(request, error)
    return redirect("cart:page")


@require_POST
def add(request):
    """POST variant, addons, quantity (the detail page's form). ``buy_now`` skips the cart:
    the choice goes straight to checkout."""
    package = _posted_package(request.POST.get("variant", ""))
    back = _back_url(request, package)
    form = LineChoiceForm(package.service, request.POST)
    if not form.is_valid():
        for error in form.non_field_errors() or _field_errors(form):
            messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    if request.POST.get("buy_now"):
        request.session[SESSION_BUY_NOW] = {
            "package_id": data["variant"].pk,
            "addon_ids": [addon.pk for addon in data["addons"]],
            "quantity": data["quantity"],
        }
        return redirect(f"{reverse('orders:checkout')}?buy_now=1")
    cart = current_cart(request, create=True)
    try:
        services.add_line(cart, data["variant"], data["addons"], data["quantity"])
    except CatalogError as error:
        messages.error(request, error.message)
        return redirect(back)
    remember_count(request, cart)
    messages.success(request, _("Added to your cart."))
    return redirect(back)


def _posted_package(value: str) -> Package:
    if not re.fullmatch(r"[0-9]{1,18}", value):  # not str.isdigit: "²" is a digit to it
        raise Http404
    package = Package.objects.select_related("service").filter(pk=int(value)).first()
    if package is None:
        raise Http404
    return package


def _field_errors(form) -> list[str]:
    return [error for errors in form.errors.values() for error in errors]


def _back_url(request, package: Package) -> str:
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return back
    return package.service.get_absolute_url()


def _own_line(request, line_id: int) -> CartLine:
    """A line of the requester's cart, or 404: someone else's line id changes nothing."""
    cart = current_cart(request)
    if cart is None:
        raise Http404
    return get_object_or_404(
        CartLine.objects.select_related("package__service"), pk=line_id, cart=cart
    )


@require_POST
@transaction.atomic
def update_item(request, line_id: int):
    line = _own_line(request, line_id)
    form = LineUpdateForm(request.POST)
    if not form.is_valid():
        return _cart_response(request, error=_field_errors(form)[0])
    try:
        services.update_line(line, **form.changes(line.quantity))
    except CatalogError as error:
        transaction.set_rollback(True)
        return _cart_response(request, error=str(error.message))
    return _cart_response(request)


@require_POST
def remove_item(request, line_id: int):
    services.remove_line(_own_line(request, line_id))
    if not request.htmx:
        messages.success(request, _("Removed from your cart."))
    return _cart_response(request)


@require_POST
def select_all(request):
    cart = current_cart(request)
    if cart is not None:
        services.select_all(cart, selected=request.POST.get("selected") == "1")
    return _cart_response(request)
