"""At sign-in, the anonymous cart joins the learner's own."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .models import Cart
from .services import cart_for_user, merge_carts
from .session import SESSION_CART, anonymous_cart, remember_count


@receiver(user_logged_in)
def merge_cart_at_sign_in(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    source = anonymous_cart(request)
    if source is not None:
        cart = merge_carts(source, cart_for_user(user))
    else:
        cart = Cart.objects.filter(user=user).first()
    request.session.pop(SESSION_CART, None)
    remember_count(request, cart)
