"""/dashboard/settlement/: what the platform owes the provider — balance, money still
pending, their commission rate, the ledger (``?month=YYYY-MM``) and monthly statements."""

from datetime import date

from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.permissions import provider_required
from orders import settlement as ledger

PER_PAGE = 20


def _month(value: str) -> date | None:
    """``2025-03`` as its first day; anything else is no filter."""
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


@provider_required
def settlement(request):
    provider_id = request.user.pk
    month = _month(request.GET.get("month", ""))
    page = Paginator(ledger.ledger_entries(provider_id, month), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "orders/dashboard/settlement.html",
        {
            "section": "settlement",
            "balance": ledger.provider_balance(provider_id),
            "pending": ledger.pending_amount(provider_id),
            "rate": ledger.commission_rate(provider_id) * 100,
            "page": page,
            "month": month,
            "statements": ledger.monthly_statements(provider_id),
        },
    )
