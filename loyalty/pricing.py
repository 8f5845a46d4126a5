"""The money rules of a checkout, in one place: member price first, then coupons (each
provider's own, then the platform's), then points; every discount is spread over the lines
it applies to, to the fen, so that lines add up to orders and orders to the payment.

Nothing here reads or writes the database: checkout (``orders.services``) gathers the
lines, the learner's member rate, coupons and points, and calls ``price_checkout``; the
checkout page calls the same function to show what will be paid.

Rules (README "Membership, coupons and points"):
- A member pays ``unit price × plan rate`` per unit, rounded half up to the fen, on
  services that did not opt out (``Service.has_member_price``).
- A coupon's threshold (满 X) is met by the member-priced amount of the lines it covers.
  A provider's coupon covers that provider's lines; the platform's covers all lines
  (membership plans take no coupon). A percentage coupon takes its share of what is left
  after the provider's coupon, up to its cap.
- Points pay at most ``POINTS_MAX_SHARE`` of what is left after coupons, at
  ``POINTS_PER_YUAN`` points to the yuan.
- Every order keeps at least ¥0.01 to pay: a discount never takes an order to zero.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from ksmall.money import CENT, to_money

ZERO = Decimal("0.00")
LEAST_TO_PAY = CENT  # every order pays at least one fen


def member_unit_price(unit_price: Decimal, rate: Decimal) -> Decimal:
    """What a member pays for one unit: rounded once, here, half up."""
    return to_money(unit_price * rate)


def _fen(amount: Decimal) -> int:
    return int(to_money(amount) * 100)


def _yuan(fen: int) -> Decimal:
    return to_money(Decimal(fen) / 100)


def spread(total: int, weights: Sequence[int], caps: Sequence[int] | None = None) -> list[int]:
    """Split the whole number ``total`` over items in proportion to ``weights`` (the
    largest remainders get the leftover units, ties to the first item), never giving an
    item more than its cap: what a capped item cannot take goes to the others. The shares
    always add up to ``total``, which must not exceed the sum of the caps."""
    count = len(weights)
    caps = list(caps) if caps is not None else [total] * count
    if total < 0 or total > sum(caps):
        raise ValueError(f"cannot spread {total} within {caps}")
    shares = [0] * count
    left = total
    while left:
        room = [i for i in range(count) if shares[i] < caps[i]]
        weight = {i: weights[i] for i in room}
        weight_sum = sum(weight.values())
        if weight_sum == 0:  # only weightless items have room left: share equally
            weight, weight_sum = dict.fromkeys(room, 1), len(room)
        given, remainder = {}, {}
        for i in room:
            quotient, remainder[i] = divmod(left * weight[i], weight_sum)
            given[i] = min(quotient, caps[i] - shares[i])
        extra = left - sum(given.values())
        # Leftover units go to weighted items while any has room; the next round shares
        # what they cannot take.
        takers = [i for i in room if weight[i] > 0]
        for i in sorted(takers, key=lambda i: (-remainder[i], i)):
            if extra == 0:
                break
            if shares[i] + given[i] < caps[i]:
                given[i] += 1
                extra -= 1
        for i in room:
            shares[i] += given[i]
        left = extra
    return shares


@dataclass
class Line:
    """One line of a checkout, as the money rules see it."""

    provider_id: int
    service_id: int
    category_ids: tuple[int, ...]  # the service's category and its parent
    unit_price: Decimal  # list price of one unit, add-ons included
    quantity: int
    has_member_price: bool = True
    takes_coupons: bool = True  # membership plans do not
    # Filled in by price_checkout:
    member_discount: Decimal = ZERO
    provider_coupon_discount: Decimal = ZERO
    platform_coupon_discount: Decimal = ZERO
    points_discount: Decimal = ZERO
    points_used: int = 0

    @property
    def list_total(self) -> Decimal:
        return to_money(self.unit_price * self.quantity)

    @property
    def member_total(self) -> Decimal:
        return to_money(self.list_total - self.member_discount)

    @property
    def coupon_discount(self) -> Decimal:
        return to_money(self.provider_coupon_discount + self.platform_coupon_discount)

    @property
    def paid(self) -> Decimal:
        """What the line costs in money once every discount is taken off."""
        return to_money(self.member_total - self.coupon_discount - self.points_discount)


@dataclass(frozen=True)
class CouponTerms:
    """What a claimed coupon gives, as the money rules need it."""

    id: int  # the learner's claimed coupon (UserCoupon) id
    provider_id: int | None  # None: the platform's
    kind: str
    amount: Decimal | None
    rate: Decimal | None
    cap: Decimal | None
    threshold: Decimal
    category_id: int | None = None
    service_id: int | None = None

    def covers(self, line: Line) -> bool:
        if not line.takes_coupons:
            return False
        if self.provider_id is not None and line.provider_id != self.provider_id:
            return False
        if self.service_id is not None and line.service_id != self.service_id:
            return False
        return self.category_id is None or self.category_id in line.category_ids

    def discount_on(self, base: Decimal, left: Decimal) -> Decimal:
        """The discount when the covered lines come to ``base`` at member price and
        ``left`` is still to pay on them; zero below the threshold."""
        if base <= 0 or base < self.threshold:
            return ZERO
        if self.kind == "percent_off":
            off = to_money(left * (1 - self.rate))
            if self.cap is not None:
                off = min(off, self.cap)
        else:
            off = self.amount
        return to_money(max(ZERO, min(off, left)))


@dataclass
class Order:
    """One provider's lines and what they come to."""

    provider_id: int
    lines: list[Line] = field(default_factory=list)
    provider_coupon: CouponTerms | None = None
    platform_coupon: CouponTerms | None = None

    def _sum(self, name: str) -> Decimal:
        return to_money(sum((getattr(line, name) for line in self.lines), ZERO))

    @property
    def list_total(self) -> Decimal:
        return self._sum("list_total")

    @property
    def member_discount(self) -> Decimal:
        return self._sum("member_discount")

    @property
    def provider_coupon_discount(self) -> Decimal:
        return self._sum("provider_coupon_discount")

    @property
    def platform_coupon_discount(self) -> Decimal:
        return self._sum("platform_coupon_discount")

    @property
    def coupon_discount(self) -> Decimal:
        return to_money(self.provider_coupon_discount + self.platform_coupon_discount)

    @property
    def points_discount(self) -> Decimal:
        return self._sum("points_discount")

    @property
    def points_used(self) -> int:
        return sum(line.points_used for line in self.lines)

    @property
    def paid(self) -> Decimal:
        return self._sum("paid")

    # The names an order has once placed (``orders.Order``), so one template shows both.
    subtotal = list_total
    total = paid


@dataclass
class Priced:
    orders: list[Order]
    points_used: int
    points_discount: Decimal
    platform_coupon: CouponTerms | None

    def _sum(self, name: str) -> Decimal:
        return to_money(sum((getattr(order, name) for order in self.orders), ZERO))

    @property
    def list_total(self) -> Decimal:
        return self._sum("list_total")

    @property
    def member_discount(self) -> Decimal:
        return self._sum("member_discount")

    @property
    def coupon_discount(self) -> Decimal:
        return self._sum("coupon_discount")

    @property
    def provider_coupon_discount(self) -> Decimal:
        return self._sum("provider_coupon_discount")

    @property
    def platform_coupon_discount(self) -> Decimal:
        return self._sum("platform_coupon_discount")

    subtotal = list_total

    @property
    def saving(self) -> Decimal:
        return to_money(self.list_total - self.total)

    @property
    def total(self) -> Decimal:
        """What the payment will be."""
        return self._sum("paid")

    @property
    def before_points(self) -> Decimal:
        """What the orders come to after member price and coupons."""
        return to_money(self.total + self.points_discount)


def group_by_provider(lines: Sequence[Line]) -> list[Order]:
    orders: dict[int, Order] = {}
    for line in lines:
        orders.setdefault(line.provider_id, Order(line.provider_id)).lines.append(line)
    return list(orders.values())


def apply_member_price(lines: Sequence[Line], rate: Decimal | None) -> None:
    for line in lines:
        line.member_discount = ZERO
        if rate is not None and rate < 1 and line.has_member_price:
            member_total = to_money(member_unit_price(line.unit_price, rate) * line.quantity)
            line.member_discount = to_money(line.list_total - member_total)


def _left(line: Line) -> Decimal:
    """What is still to pay on ``line`` after member price and the coupons so far."""
    return to_money(line.member_total - line.coupon_discount)


def coupon_offer(coupon: CouponTerms, orders: Sequence[Order]) -> Decimal:
    """What ``coupon`` would take off ``orders`` as they stand now (after member price
    and the coupons applied so far), within what the orders can give."""
    covered = [(order, [line for line in order.lines if coupon.covers(line)]) for order in orders]
    base = to_money(sum((line.member_total for _, lines in covered for line in lines), ZERO))
    left = to_money(sum((_left(line) for _, lines in covered for line in lines), ZERO))
    room = sum((_room(order, lines) for order, lines in covered if lines), ZERO)
    return min(coupon.discount_on(base, left), room)


def _room(order: Order, lines: Sequence[Line]) -> Decimal:
    """How much a discount may take off ``lines`` of ``order``: all they have left, but
    the order keeps its last fen."""
    order_left = to_money(sum((_left(line) for line in order.lines), ZERO))
    lines_left = to_money(sum((_left(line) for line in lines), ZERO))
    return max(ZERO, min(lines_left, order_left - LEAST_TO_PAY))


def _apply_coupon(coupon: CouponTerms, orders: Sequence[Order], field_name: str) -> Decimal:
    """Take ``coupon``'s discount off the lines it covers, spread by what each has left."""
    discount = coupon_offer(coupon, orders)
    if discount <= 0:
        return ZERO
    covered = [(order, [line for line in order.lines if coupon.covers(line)]) for order in orders]
    covered = [(order, lines) for order, lines in covered if lines]
    per_order = spread(
        _fen(discount),
        [_fen(sum((_left(line) for line in lines), ZERO)) for _, lines in covered],
        [_fen(_room(order, lines)) for order, lines in covered],
    )
    for (_order, lines), order_share in zip(covered, per_order, strict=True):
        lefts = [_fen(_left(line)) for line in lines]
        shares = spread(order_share, lefts, lefts)
        for line, share in zip(lines, shares, strict=True):
            setattr(line, field_name, to_money(getattr(line, field_name) + _yuan(share)))
    return discount


def points_worth(points: int, points_per_yuan: int) -> Decimal:
    """What ``points`` pay, rounded down to the fen."""
    return (Decimal(points) / points_per_yuan).quantize(CENT, rounding=ROUND_DOWN)


def points_for(amount: Decimal, points_per_yuan: int) -> int:
    """The points that pay ``amount`` (rounded up to a whole point)."""
    return int((amount * points_per_yuan).to_integral_value(rounding=ROUND_UP))


def points_limit(amount: Decimal, *, max_share: Decimal, points_per_yuan: int) -> int:
    """The most points an order of ``amount`` (after coupons) accepts."""
    most = (amount * max_share).quantize(CENT, rounding=ROUND_DOWN)
    return int(most * points_per_yuan) if points_per_yuan else 0


def _apply_points(
    orders: Sequence[Order], points: int, *, max_share: Decimal, points_per_yuan: int
) -> tuple[int, Decimal]:
    left = to_money(sum((_left(line) for order in orders for line in order.lines), ZERO))
    most = points_limit(left, max_share=max_share, points_per_yuan=points_per_yuan)
    points = max(0, min(points, most))
    lines = [line for order in orders for line in order.lines]
    lefts = [_fen(_left(line)) for line in lines]
    order_lefts = [sum(_fen(_left(line)) for line in order.lines) for order in orders]
    # No order goes below its last fen: orders already down to it take no points.
    room = sum(max(0, left - 1) for left in order_lefts)
    money = min(points_worth(points, points_per_yuan), _yuan(room))
    if money <= 0:
        return 0, ZERO
    points = points_for(money, points_per_yuan)
    # Spread order by order (each keeps its last fen), then line by line.
    money_per_order = spread(_fen(money), order_lefts, [max(0, left - 1) for left in order_lefts])
    points_per_order = spread(points, money_per_order)
    start = 0
    for order, order_money, order_points in zip(
        orders, money_per_order, points_per_order, strict=True
    ):
        count = len(order.lines)
        own = lefts[start : start + count]
        start += count
        line_money = spread(order_money, own, own)
        line_points = spread(order_points, line_money)
        for line, fen, pts in zip(order.lines, line_money, line_points, strict=True):
            line.points_discount = _yuan(fen)
            line.points_used = pts
    return points, money


def price_checkout(
    lines: Sequence[Line],
    *,
    member_rate: Decimal | None = None,
    provider_coupons: Sequence[CouponTerms] = (),
    platform_coupon: CouponTerms | None = None,
    points: int = 0,
    points_per_yuan: int = 100,
    points_max_share: Decimal = Decimal("0.50"),
) -> Priced:
    """Apply the money rules to ``lines`` (changed in place) and return the orders."""
    for line in lines:
        line.provider_coupon_discount = line.platform_coupon_discount = ZERO
        line.points_discount, line.points_used = ZERO, 0
    apply_member_price(lines, member_rate)
    orders = group_by_provider(lines)
    by_provider = {order.provider_id: order for order in orders}
    for coupon in provider_coupons:
        order = by_provider.get(coupon.provider_id)
        if order is not None and _apply_coupon(coupon, [order], "provider_coupon_discount") > 0:
            order.provider_coupon = coupon
    used_platform = None
    if platform_coupon is not None and _apply_coupon(
        platform_coupon, orders, "platform_coupon_discount"
    ):
        used_platform = platform_coupon
        for order in orders:
            if any(line.platform_coupon_discount for line in order.lines):
                order.platform_coupon = platform_coupon
    used, money = _apply_points(
        orders, points, max_share=points_max_share, points_per_yuan=points_per_yuan
    )
    return Priced(
        orders=orders, points_used=used, points_discount=money, platform_coupon=used_platform
    )


def best_provider_coupon(
    coupons: Sequence[CouponTerms], order: Order
) -> tuple[CouponTerms | None, Decimal]:
    """The provider's coupon that takes the most off ``order`` (after member price)."""
    best, best_off = None, ZERO
    for coupon in coupons:
        if coupon.provider_id != order.provider_id:
            continue
        off = coupon_offer(coupon, [order])
        if off > best_off:
            best, best_off = coupon, off
    return best, best_off
