"""Every cart write: add, change, select, remove, merge at sign-in.

Each write checks the line against ``catalog.pricing.quote_line`` (on sale, add-ons of this
service, quantity 1–99 and within the seats left) and raises its CatalogError, which the
view shows as a message; nothing changes then.
"""

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser as User
from django.db import IntegrityError, transaction

from catalog.errors import InvalidQuantity
from catalog.models import AddOn, Package
from catalog.pricing import MAX_QUANTITY, quote_line

from .errors import PriceChanged
from .models import Cart, CartLine, addon_key
from .selectors import cart_contents


def cart_for_user(user: User) -> Cart:
    cart, _ = Cart.objects.get_or_create(user=user)
    return cart


@transaction.atomic
def add_line(cart: Cart, package: Package, addons: Iterable[AddOn], quantity: int) -> CartLine:
    """Put ``quantity`` of the package with these add-ons in the cart; the same choice
    already there grows instead. Raises a CatalogError when it cannot be bought."""
    addons = list(addons)
    key = addon_key(addon.pk for addon in addons)
    line = (
        CartLine.objects.select_for_update()
        .filter(cart=cart, package=package, addon_key=key)
        .first()
    )
    total_quantity = quantity + (line.quantity if line else 0)
    if line and total_quantity > MAX_QUANTITY:
        raise InvalidQuantity()
    quote = quote_line(package, addons, total_quantity)
    if line is None:
        try:
            with transaction.atomic():
                line = CartLine.objects.create(
                    cart=cart,
                    package=package,
                    addon_key=key,
                    quantity=quantity,
                    unit_price_seen=quote.unit_price,
                )
        except IntegrityError:  # the same choice was added meanwhile (another tab)
            return add_line(cart, package, addons, quantity)
        line.addons.set(addons)
    else:
        line.quantity = total_quantity
        line.unit_price_seen = quote.unit_price
        line.is_selected = True
        line.save(update_fields=["quantity", "unit_price_seen", "is_selected", "updated_at"])
    return line


@transaction.atomic
def update_line(
    line: CartLine,
    *,
    quantity: int | None = None,
    selected: bool | None = None,
    accept_price: bool = False,
) -> CartLine:
    """Change the quantity, tick or untick the line, or accept its new price. A line that
    cannot be bought (off sale, sold out, price changed and not accepted) cannot be ticked."""
    addons = list(line.addons.all())
    fields = ["updated_at"]
    if quantity is not None:
        quote_line(line.package, addons, quantity)
        line.quantity = quantity
        fields.append("quantity")
    if accept_price:
        line.unit_price_seen = quote_line(line.package, addons, line.quantity).unit_price
        fields.append("unit_price_seen")
    if selected is not None:
        if selected:
            quote = quote_line(line.package, addons, line.quantity)
            if quote.unit_price != line.unit_price_seen:
                raise PriceChanged()
        line.is_selected = selected
        fields.append("is_selected")
    line.save(update_fields=fields)
    return line


def remove_line(line: CartLine) -> None:
    line.delete()


@transaction.atomic
def select_all(cart: Cart, *, selected: bool) -> int:
    """Tick (or untick) every line that can be bought at the price shown; returns how many
    lines are ticked afterwards."""
    if not selected:
        cart.lines.update(is_selected=False)
        return 0
    contents = cart_contents(cart)
    ids = [state.line.pk for state in contents.states if state.is_selectable]
    cart.lines.filter(pk__in=ids).update(is_selected=True)
    return len(ids)


@transaction.atomic
def merge_carts(source: Cart, target: Cart) -> Cart:
    """Move an anonymous cart into the learner's own at sign-in: the same choice adds its
    quantity (capped at 99 and at the seats left), others move as they are. The anonymous
    cart is deleted."""
    if source.pk == target.pk:
        return target
    for line in source.lines.select_related("package"):
        existing = (
            CartLine.objects.select_for_update()
            .filter(cart=target, package=line.package, addon_key=line.addon_key)
            .first()
        )
        if existing is None:
            line.cart = target
            try:
                with transaction.atomic():
                    line.save(update_fields=["cart"])
            except IntegrityError:  # added meanwhile in another tab
                continue
            continue
        wanted = min(existing.quantity + line.quantity, MAX_QUANTITY)
        seats_left = line.package.seats_left
        if seats_left is not None:
            wanted = max(existing.quantity, min(wanted, seats_left))
        existing.quantity = wanted
        existing.is_selected = existing.is_selected or line.is_selected
        existing.save(update_fields=["quantity", "is_selected", "updated_at"])
    source.delete()
    return target


def remove_lines(cart: Cart, line_ids: Iterable[int]) -> int:
    """Take lines out after they were ordered (called by checkout)."""
    deleted, _ = cart.lines.filter(pk__in=list(line_ids)).delete()
    return deleted
