"""Member prices where a learner sees a price: ``{% member_price amount service %}`` on
cards, the detail page's price box and cart lines, ``{% member_cart_total contents %}``
for the cart's summary.

A member sees their plan's price; anyone else sees what the best plan on sale would give
(the "会员价" teaser), so the tags return a price for both and the template tells them
apart with ``membership`` (the context processor's, truthy for an active member). The
rate is read once per request: the membership is the context processor's (cached on the
request), the best rate is cached (``selectors.best_member_rate``), so a page of cards
costs no query per card. Checkout charges the same prices (``loyalty.pricing``).
"""

from decimal import Decimal

from django import template
from django.conf import settings

from ksmall.money import to_money
from loyalty import pricing, selectors

register = template.Library()

_REQUEST_CACHE = "_member_price_rate"


def viewer_rate(context) -> Decimal | None:
    """The rate prices are shown at for the viewer: an active member's plan rate, anyone
    else's the best rate on sale; None when it gives nothing off."""
    request = context.get("request")
    if request is not None and hasattr(request, _REQUEST_CACHE):
        return getattr(request, _REQUEST_CACHE)
    membership = context.get("membership")
    rate = membership.plan.discount_rate if membership else selectors.best_member_rate()
    if rate is not None and rate >= 1:
        rate = None
    if request is not None:
        setattr(request, _REQUEST_CACHE, rate)
    return rate


@register.simple_tag(takes_context=True)
def member_price(context, amount, service, quantity=1) -> Decimal | None:
    """What ``quantity`` units at ``amount`` each cost at the viewer's member rate (each
    unit rounded, as checkout does); None when the service has no member price, no plan
    gives anything off, or it would not be cheaper."""
    if amount is None or amount == "" or service is None or not service.has_member_price:
        return None
    rate = viewer_rate(context)
    if rate is None:
        return None
    amount = to_money(amount)
    price = to_money(pricing.member_unit_price(amount, rate) * int(quantity))
    return price if price < to_money(amount * int(quantity)) else None


@register.simple_tag(takes_context=True)
def member_cart_total(context, contents) -> Decimal | None:
    """What the cart's ticked lines come to at the viewer's member rate (lines of
    services without a member price at their list price); None when it is no less than
    the list total."""
    rate = viewer_rate(context)
    selected = contents.selected
    if rate is None or not selected:
        return None
    lines = [
        pricing.Line(
            provider_id=state.service.provider_id,
            service_id=state.service.pk,
            category_ids=(),
            unit_price=state.quote.unit_price,
            quantity=state.quote.quantity,
            has_member_price=state.service.has_member_price,
        )
        for state in selected
    ]
    pricing.apply_member_price(lines, rate)
    total = to_money(sum((line.member_total for line in lines), Decimal(0)))
    return total if total < contents.selected_total else None


@register.simple_tag
def member_saving(list_price, price) -> Decimal | None:
    """What the member ``price`` saves on ``list_price``."""
    if list_price is None or price is None:
        return None
    return to_money(to_money(list_price) - to_money(price))


@register.simple_tag
def loyalty_summary(user) -> dict:
    """``{% loyalty_summary user as loyalty %}`` for /me/: the points balance and what it
    is worth at checkout, and how many claimed coupons can be used now (two queries)."""
    points = selectors.points_balance(user)
    return {
        "points": points,
        "worth": pricing.points_worth(points, settings.POINTS_PER_YUAN),
        "coupons": selectors.usable_coupon_count(user),
    }
