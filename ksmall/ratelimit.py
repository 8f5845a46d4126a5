"""Per-user rate limits for our own actions (chat messages, new tickets), counted in the
cache like allauth's limits on sign-in: a fixed window per key.

allauth's public limiter reads its rates from ``ACCOUNT_RATE_LIMITS`` only, so actions of
other apps count here. With a dummy cache nothing is limited (tests use a local-memory
cache, see the root conftest).
"""

import logging

from django.core.cache import cache

logger = logging.getLogger("ksmall.ratelimit")


def allow(action: str, who: object, *, rate: tuple[int, int]) -> bool:
    """Count one ``action`` by ``who`` (a user id, usually) and say whether it is within
    ``rate`` = (count, seconds). A refused attempt is logged, and not counted."""
    limit, seconds = rate
    key = f"ratelimit:{action}:{who}"
    # add() only writes a missing key, so the window starts at the first attempt.
    if cache.add(key, 1, timeout=seconds):
        return True
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=seconds)
        return True
    if used > limit:
        cache.decr(key)
        logger.warning("rate limit hit: %s by %s", action, who)
        return False
    return True
