"""The viewer's membership for every page: the header's member badge and member prices.
Read lazily, at most once per request, and only when a template asks; from the cache
(``selectors.viewer_membership``) so that it costs signed-in pages no query."""

from django.utils.functional import SimpleLazyObject

from . import selectors


def membership(request) -> dict:
    user = getattr(request, "user", None)
    if user is None:
        return {}

    def read():
        cached = getattr(request, "_membership", False)
        if cached is False:
            cached = request._membership = selectors.viewer_membership(user)
        return cached

    return {"membership": SimpleLazyObject(lambda: _Box(read()))}


class _Box:
    """A membership or its absence, truthy only when there is an active one (a lazy
    object cannot stand for None)."""

    def __init__(self, membership):
        self.membership = membership

    def __bool__(self) -> bool:
        return self.membership is not None

    def __getattr__(self, name):
        return getattr(self.membership, name)
