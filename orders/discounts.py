"""What a checkout's lines come to for this learner: member price, the coupons they may
use (with the best ones picked), and points. The money rules themselves are
``loyalty.pricing``; this module gathers their inputs from the database and checks the
learner's choice. The checkout page and ``orders.services.place_orders`` both call
``price``, so the amount shown is the amount charged.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.models import Service
from catalog.pricing import LineQuote
from loyalty import pricing, selectors
from loyalty.models import Coupon, UserCoupon
from loyalty.services import is_new_customer

from . import errors


@dataclass(frozen=True)
class DiscountChoice:
    """What the learner chose on the checkout form: claimed coupon ids and points."""

    platform_coupon: int | None = None
    provider_coupons: tuple[int, ...] = ()
    points: int = 0


@dataclass
class CouponOption:
    claimed: UserCoupon
    discount: Decimal  # what it would take off, on its own, after member price

    @property
    def coupon(self) -> Coupon:
        return self.claimed.coupon


@dataclass
class Offer:
    """The discounts a checkout can take, for the page: each provider's coupons and the
    platform's that would take something off, best first, and the points."""

    member_rate: Decimal | None
    provider_options: dict[int, list[CouponOption]] = field(default_factory=dict)
    platform_options: list[CouponOption] = field(default_factory=list)
    points_balance: int = 0
    best: DiscountChoice = field(default_factory=DiscountChoice)


def pricing_lines(quotes: Sequence[LineQuote]) -> list[pricing.Line]:
    lines = []
    for quote in quotes:
        service = quote.package.service
        parent_id = service.category.parent_id if service.category_id else None
        lines.append(
            pricing.Line(
                provider_id=service.provider_id,
                service_id=service.pk,
                category_ids=tuple(pk for pk in (service.category_id, parent_id) if pk),
                unit_price=quote.unit_price,
                quantity=quote.quantity,
                has_member_price=service.has_member_price,
                takes_coupons=service.kind == Service.Kind.SERVICE,
            )
        )
    return lines


def _usable(buyer: User) -> list[UserCoupon]:
    claims = selectors.usable_coupons(buyer)
    if any(claim.coupon.kind == Coupon.Kind.NEW_USER for claim in claims) and not is_new_customer(
        buyer
    ):
        claims = [claim for claim in claims if claim.coupon.kind != Coupon.Kind.NEW_USER]
    return claims


def _price(lines, rate, provider_terms, platform_terms, points) -> pricing.Priced:
    return pricing.price_checkout(
        lines,
        member_rate=rate,
        provider_coupons=provider_terms,
        platform_coupon=platform_terms,
        points=points,
        points_per_yuan=settings.POINTS_PER_YUAN,
        points_max_share=settings.POINTS_MAX_SHARE,
    )


def offer(buyer: User, quotes: Sequence[LineQuote]) -> Offer:
    """Every coupon the learner could use on these lines, and the best choice: per
    provider the coupon taking most off, then the platform coupon taking most off what is
    left. Points are not preselected (they are the learner's to spend)."""
    rate = selectors.member_rate(buyer)
    result = Offer(member_rate=rate, points_balance=selectors.points_balance(buyer))
    lines = pricing_lines(quotes)
    base = _price(lines, rate, (), None, 0)
    claims = _usable(buyer)
    best_provider: list[pricing.CouponTerms] = []
    for order in base.orders:
        options = []
        for claim in claims:
            if claim.coupon.provider_id != order.provider_id:
                continue
            off = pricing.coupon_offer(selectors.terms_of(claim), [order])
            if off > 0:
                options.append(CouponOption(claim, off))
        options.sort(key=lambda option: (-option.discount, option.coupon.ends_at))
        if options:
            result.provider_options[order.provider_id] = options
            best_provider.append(selectors.terms_of(options[0].claimed))
    after_provider = _price(lines, rate, best_provider, None, 0)
    for claim in claims:
        if claim.coupon.provider_id is not None:
            continue
        off = pricing.coupon_offer(selectors.terms_of(claim), after_provider.orders)
        if off > 0:
            result.platform_options.append(CouponOption(claim, off))
    result.platform_options.sort(key=lambda option: (-option.discount, option.coupon.ends_at))
    result.best = DiscountChoice(
        platform_coupon=result.platform_options[0].claimed.pk if result.platform_options else None,
        provider_coupons=tuple(terms.id for terms in best_provider),
    )
    return result


def price(
    buyer: User, quotes: Sequence[LineQuote], choice: DiscountChoice, *, lenient: bool = False
) -> tuple[pricing.Priced, list[pricing.Line]]:
    """Price the lines with the learner's choice. A coupon that is not theirs to use here
    (used, expired, another provider's, below its threshold) or more points than they
    have raise a CheckoutError; with ``lenient`` (the page, before submitting) such a
    choice is dropped instead. Returns the priced orders and the lines in ``quotes``'
    order."""
    rate = selectors.member_rate(buyer)
    claims = {claim.pk: claim for claim in _usable(buyer)}
    lines = pricing_lines(quotes)
    provider_ids = {line.provider_id for line in lines}

    provider_terms, seen_providers = [], set()
    for claimed_id in choice.provider_coupons:
        claim = claims.get(claimed_id)
        valid = (
            claim is not None
            and claim.coupon.provider_id in provider_ids
            and claim.coupon.provider_id not in seen_providers
        )
        if not valid:
            if lenient:
                continue
            raise errors.CheckoutError(_("A coupon you chose cannot be used on this order."))
        seen_providers.add(claim.coupon.provider_id)
        provider_terms.append(selectors.terms_of(claim))

    platform_terms = None
    if choice.platform_coupon is not None:
        claim = claims.get(choice.platform_coupon)
        if claim is not None and claim.coupon.provider_id is None:
            platform_terms = selectors.terms_of(claim)
        elif not lenient:
            raise errors.CheckoutError(_("A coupon you chose cannot be used on this order."))

    points = max(0, int(choice.points or 0))
    balance = selectors.points_balance(buyer) if points else 0
    if points > balance:
        if not lenient:
            raise errors.CheckoutError(
                _("You have %(n)d points: use at most that many.") % {"n": balance}
            )
        points = balance

    priced = _price(lines, rate, provider_terms, platform_terms, points)
    used = {order.provider_coupon.id for order in priced.orders if order.provider_coupon}
    unused = [terms for terms in provider_terms if terms.id not in used]
    if platform_terms is not None and priced.platform_coupon is None:
        unused.append(platform_terms)
    if unused and not lenient:
        raise errors.CheckoutError(
            _("A coupon you chose does not apply to this order (check its minimum spend).")
        )
    return priced, lines
