"""How coupons show to the person looking: a ``CouponCard`` per batch (claimable, already
claimed, all gone), the ``yuan_short`` filter for coupon faces, and the strip of coupons on
a service's detail page (``{% service_coupons service %}``)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django import template
from django.urls import reverse

from catalog.models import Service
from ksmall.money import format_yuan_short
from loyalty import selectors
from loyalty.models import Coupon

register = template.Library()


@dataclass
class CouponCard:
    """One batch as a viewer sees it: ``claimed`` is how many of it they hold."""

    coupon: Coupon
    claimed: int = 0
    is_own: bool = False  # the viewer issued it (a provider looking at their coupon)

    @property
    def has_reached_limit(self) -> bool:
        return self.claimed >= self.coupon.per_user_limit

    @property
    def is_sold_out(self) -> bool:
        return self.coupon.left <= 0

    @property
    def can_claim(self) -> bool:
        return not (self.is_own or self.has_reached_limit or self.is_sold_out)

    @property
    def claimed_percent(self) -> int:
        total = self.coupon.total_quantity
        return min(100, self.coupon.claimed_count * 100 // total) if total else 100


def coupon_cards(coupons: Iterable[Coupon], user) -> list[CouponCard]:
    """The cards of ``coupons`` for ``user``: one more query (their claims) when signed in."""
    coupons = list(coupons)
    counts = selectors.claimed_counts(user, [c.pk for c in coupons]) if coupons else {}
    return [
        CouponCard(
            coupon,
            claimed=counts.get(coupon.pk, 0),
            is_own=user.is_authenticated and coupon.provider_id == user.pk,
        )
        for coupon in coupons
    ]


def use_url(coupon: Coupon) -> str:
    """Where "use it" leads: the one service it is for, its category, or the catalogue."""
    if coupon.service_id:
        return coupon.service.get_absolute_url()
    if coupon.category_id:
        return coupon.category.get_absolute_url()
    return reverse("catalog:list")


@register.filter
def yuan_short(amount) -> str:
    """``¥300`` or ``¥29.90`` (whole amounts without the fen), as coupon faces show them."""
    if amount is None or amount == "":
        return ""
    return format_yuan_short(amount)


@register.filter
def yuan_figure(amount) -> str:
    """The figure of ``yuan_short`` without the ¥, for faces that set the sign apart."""
    return yuan_short(amount).removeprefix("¥")


@register.filter
def coupon_use_url(coupon: Coupon) -> str:
    return use_url(coupon)


@register.inclusion_tag("loyalty/_service_coupons.html", takes_context=True)
def service_coupons(context, service: Service) -> dict:
    """The coupons a learner can claim for ``service``, as a strip near its price: one
    query for the coupons, one for the viewer's claims when there are any and they are
    signed in. Nothing for a listing not on sale (a provider's preview).

    New-user coupons show to visitors only, or to a learner who already holds one: telling
    a first order from the others would cost one more query, and learners receive them at
    sign-up anyway (the coupon centre offers them to every learner who never paid)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not service.is_published:
        return {"cards": []}
    cards = coupon_cards(selectors.coupons_for_service(service), user)
    if user.is_authenticated:
        cards = [card for card in cards if card.coupon.kind != Coupon.Kind.NEW_USER or card.claimed]
    return {
        "cards": cards,
        "request": request,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
