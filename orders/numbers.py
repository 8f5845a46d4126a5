"""Order and payment numbers: unique, non-sequential, at most 32 characters of letters and
digits, so they are safe as a gateway ``out_trade_no`` and reveal no sales volume.

The date part is the day in Asia/Shanghai, whatever language or zone a request runs in.
A clash on the unique index is astronomically unlikely (10^12 numbers a day for orders,
10^8 a second for payments); ``insert_numbered`` retries it (support's tickets use it too).
"""

import secrets
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

CHINA = ZoneInfo("Asia/Shanghai")
NUMBER_ATTEMPTS = 3  # fresh random numbers tried when one is already taken


def _random_digits(count: int) -> str:
    return f"{secrets.randbelow(10**count):0{count}d}"


def new_order_no() -> str:
    """``KS`` + yyyymmdd + 12 random digits: 22 characters."""
    return "KS" + timezone.now().astimezone(CHINA).strftime("%Y%m%d") + _random_digits(12)


def new_payment_no() -> str:
    """``P`` + yyyymmddHHMMSS + 8 random digits: 23 characters."""
    return "P" + timezone.now().astimezone(CHINA).strftime("%Y%m%d%H%M%S") + _random_digits(8)


def insert_numbered(model, number_field: str, new_number, **values):
    """Create a row under a fresh random number, trying another if it is already taken.

    Each try runs in a savepoint, so a clash leaves the transaction usable. An
    IntegrityError on anything else (the checkout token) goes to the caller.
    """
    for attempt in range(NUMBER_ATTEMPTS):
        number = new_number()
        try:
            with transaction.atomic():
                return model.objects.create(**{number_field: number}, **values)
        except IntegrityError:
            taken = model.objects.filter(**{number_field: number}).exists()
            if not taken or attempt == NUMBER_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
