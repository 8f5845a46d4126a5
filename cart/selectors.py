"""Reading a cart: every line with its current price or the reason it cannot be bought,
grouped by provider, and the total of the ticked lines. Two queries for any cart."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from catalog.errors import CatalogError, InvalidChoice
from catalog.pricing import LineQuote, quote_line
from ksmall.money import to_money

from .models import Cart, CartLine

ADDON_GONE = _("An add-on of this line is no longer offered. Remove the line and choose again.")


@dataclass
class LineState:
    line: CartLine
    quote: LineQuote | None
    problem: str = ""  # why it cannot be bought now ("已售罄", "已下架"…)

    @property
    def price_changed(self) -> bool:
        return self.quote is not None and self.quote.unit_price != self.line.unit_price_seen

    @property
    def is_selectable(self) -> bool:
        return self.quote is not None and not self.price_changed

    @property
    def is_selected(self) -> bool:
        return self.line.is_selected and self.is_selectable

    @property
    def service(self):
        return self.line.package.service


@dataclass
class ProviderGroup:
    provider_name: str
    states: list[LineState] = field(default_factory=list)


@dataclass
class CartContents:
    groups: list[ProviderGroup]

    @property
    def states(self) -> list[LineState]:
        return [state for group in self.groups for state in group.states]

    @property
    def selected(self) -> list[LineState]:
        return [state for state in self.states if state.is_selected]

    @property
    def selected_total(self) -> Decimal:
        return to_money(sum((state.quote.total for state in self.selected), Decimal(0)))

    @property
    def selected_quantity(self) -> int:
        return sum(state.line.quantity for state in self.selected)

    @property
    def all_selected(self) -> bool:
        selectable = [state for state in self.states if state.is_selectable]
        return bool(selectable) and all(state.line.is_selected for state in selectable)

    @property
    def line_count(self) -> int:
        return len(self.states)


def cart_lines(cart: Cart) -> QuerySet:
    return (
        cart.lines.select_related(
            "package__service__provider__provider_profile",
            "package__service__cover",
        )
        .prefetch_related("addons")
        .order_by("package__service__provider_id", "-created_at", "-pk")
    )


def cart_contents(cart: Cart | None) -> CartContents:
    if cart is None:
        return CartContents(groups=[])
    groups: dict[int, ProviderGroup] = {}
    for line in cart_lines(cart):
        service = line.package.service
        try:
            quote = quote_line(line.package, list(line.addons.all()), line.quantity)
            state = LineState(line, quote)
        except InvalidChoice:
            state = LineState(line, None, str(ADDON_GONE))
        except CatalogError as error:
            state = LineState(line, None, str(error.message))
        group = groups.setdefault(service.provider_id, ProviderGroup(service.provider_name))
        group.states.append(state)
    return CartContents(groups=list(groups.values()))


def line_count(cart: Cart | None) -> int:
    return cart.lines.count() if cart is not None else 0
