"""Order and payment numbers: unique, non-sequential, at most 32 characters of letters and
digits, so they are safe as a gateway ``out_trade_no`` and reveal no sales volume.

The date part is the day in Asia/Shanghai, whatever language or zone a request runs in.
A clash on the unique index is astronomically unlikely (10^12 numbers a day for orders,
10^8 a second for payments); the caller retries it.
"""

import secrets
from zoneinfo import ZoneInfo

from django.utils import timezone

CHINA = ZoneInfo("Asia/Shanghai")


def _random_digits(count: int) -> str:
    return f"{secrets.randbelow(10**count):0{count}d}"


def new_order_no() -> str:
    """``KS`` + yyyymmdd + 12 random digits: 22 characters."""
    return "KS" + timezone.now().astimezone(CHINA).strftime("%Y%m%d") + _random_digits(12)


def new_payment_no() -> str:
    """``P`` + yyyymmddHHMMSS + 8 random digits: 23 characters."""
    return "P" + timezone.now().astimezone(CHINA).strftime("%Y%m%d%H%M%S") + _random_digits(8)
