"""Staff pages for membership plans, points and coupons."""

from . import coupons, membership  # noqa: F401
