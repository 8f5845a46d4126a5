"""Which cart a request is using: the signed-in learner's own, or an anonymous one whose id
the session keeps. The session also keeps the line count that the header shows, so that
pages do not query the cart."""

from django.http import HttpRequest

from .models import Cart
from .selectors import line_count
from .services import cart_for_user

SESSION_CART = "cart_id"
SESSION_COUNT = "cart_count"
SESSION_BUY_NOW = "buy_now"  # the detail page's 立即购买 choice, waiting for checkout


def current_cart(request: HttpRequest, *, create: bool = False) -> Cart | None:
    if request.user.is_authenticated:
        if create:
            return cart_for_user(request.user)
        return Cart.objects.filter(user=request.user).first()
    cart = anonymous_cart(request)
    if cart is None and create:
        cart = Cart.objects.create()
        request.session[SESSION_CART] = cart.pk
    return cart


def remember_count(request: HttpRequest, cart: Cart | None) -> int:
    count = line_count(cart)
    if request.session.get(SESSION_COUNT, 0) != count:  # no session write when unchanged
        request.session[SESSION_COUNT] = count
    return count


def anonymous_cart(request: HttpRequest) -> Cart | None:
    cart_id = request.session.get(SESSION_CART)
    return Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
