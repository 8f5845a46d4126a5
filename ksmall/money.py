"""Money: Decimal yuan with two places, rounded once here; fen only at the WeChat boundary."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_money(value) -> Decimal:
    """``value`` (Decimal, int or str; never float) as yuan with two places, half up."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"not an amount of money: {value!r}") from None


def yuan_to_fen(amount: Decimal) -> int:
    return int(to_money(amount) * 100)


def fen_to_yuan(fen: int) -> Decimal:
    return to_money(Decimal(fen) / 100)


def format_yuan(amount) -> str:
    """``¥1,299.00``: the one way a price is shown, in every language."""
    return f"¥{to_money(amount):,.2f}"


def format_yuan_short(amount) -> str:
    """``¥300`` or ``¥29.90``: whole amounts without the fen, for coupon faces."""
    amount = to_money(amount)
    return f"¥{amount:,.0f}" if amount == amount.to_integral_value() else format_yuan(amount)
