"""/me/points/: the learner's points balance, what it is worth, the rules, and every
change (the ledger, ``PointsEntry``), newest first."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import selectors
from ..pricing import points_worth

ENTRIES_PER_PAGE = 20


def _figure(value: Decimal) -> str:
    """``1`` for 1.00, ``1.5`` for 1.50: a rate as people write it."""
    return f"{Decimal(value).normalize():f}"


@require_GET
@login_required
@transaction.non_atomic_requests
def points_page(request):
    balance = selectors.points_balance(request.user)
    history = Paginator(selectors.points_history(request.user), ENTRIES_PER_PAGE)
    return render(
        request,
        "loyalty/points.html",
        {
            "balance": balance,
            "worth": points_worth(balance, settings.POINTS_PER_YUAN),
            "rules": {
                "earned_per_yuan": _figure(settings.POINTS_EARNED_PER_YUAN),
                "points_per_yuan": settings.POINTS_PER_YUAN,
                "max_percent": _figure(settings.POINTS_MAX_SHARE * 100),
            },
            "page": history.get_page(request.GET.get("page")),
        },
    )
