"""The header's cart count, read from the session (kept there by cart.session)."""

from .session import SESSION_COUNT


def cart_count(request) -> dict:
    session = getattr(request, "session", None)
    return {"cart_count": session.get(SESSION_COUNT, 0) if session is not None else 0}
