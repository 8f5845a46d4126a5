"""The price of one line (package × quantity, plus add-ons): the detail page's live total
and checkout both call ``quote_line``, so what a learner sees is what they pay."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import ngettext

from ksmall.money import to_money

from .errors import InvalidChoice, InvalidQuantity, NotPurchasable, SoldOut
from .models import AddOn, Package

MAX_QUANTITY = 99


@dataclass(frozen=True)
class LineQuote:
    package: Package
    addons: tuple[AddOn, ...]
    quantity: int
    unit_price: Decimal  # package plus add-ons, for one
    addons_price: Decimal  # add-ons, for one
    total: Decimal  # unit_price × quantity
    original_total: Decimal | None  # at the package's original price, when it has one

    @property
    def saving(self) -> Decimal | None:
        if self.original_total is None or self.original_total <= self.total:
            return None
        return to_money(self.original_total - self.total)


def quote_line(package: Package, addons: Iterable[AddOn] = (), quantity: int = 1) -> LineQuote:
    """Price ``quantity`` of ``package`` with ``addons``; raise a CatalogError if it cannot be
    bought: the service is not published, the package or an add-on is off sale or belongs
    to another service, the quantity is out of range or above the seats left."""
    service = package.service
    if not service.is_published or not package.is_active:
        raise NotPurchasable()
    addons = tuple(sorted({addon.pk: addon for addon in addons}.values(), key=lambda a: a.position))
    if any(addon.service_id != service.pk or not addon.is_active for addon in addons):
        raise InvalidChoice()
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 1 <= quantity <= MAX_QUANTITY
    ):
        raise InvalidQuantity()
    if package.seats_left is not None and quantity > package.seats_left:
        raise SoldOut() if package.seats_left == 0 else SoldOut(seats_left_message(package))
    addons_price = to_money(sum((addon.price for addon in addons), Decimal(0)))
    unit_price = to_money(package.price + addons_price)
    original_total = None
    if package.original_price and package.original_price > package.price:
        original_total = to_money((package.original_price + addons_price) * quantity)
    return LineQuote(
        package=package,
        addons=addons,
        quantity=quantity,
        unit_price=unit_price,
        addons_price=addons_price,
        total=to_money(unit_price * quantity),
        original_total=original_total,
    )


def seats_left_message(package: Package) -> str:
    left = package.seats_left or 0
    return ngettext("Only %(n)d seat left.", "Only %(n)d seats left.", left) % {"n": left}
