"""/dashboard/refunds/: the provider's refund desk — refunds of their own orders, with the
learner's reason and photos, approved or rejected through ``orders.services``."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import provider_required
from orders import services
from orders.errors import RefundError
from orders.models import Refund

PER_PAGE = 20

# ?status= → (tab label, the refund statuses it shows; None for every status).
TABS = {
    "open": (gettext_lazy("To decide"), (Refund.Status.REQUESTED,)),
    "all": (gettext_lazy("All"), None),
}
DEFAULT_TAB = "open"


def provider_refunds(provider: User, tab: str = DEFAULT_TAB) -> QuerySet[Refund]:
    """The refunds of ``provider``'s orders in ``tab``, with what the desk shows of each
    (order, learner, lines, photos) in a fixed number of queries. Those to decide come
    most urgent first."""
    refunds = (
        Refund.objects.filter(order__provider=provider)
        .select_related("order__buyer")
        .prefetch_related("order__lines", "images")
    )
    statuses = TABS[tab][1]
    if statuses is None:
        return refunds.order_by("-created_at", "-pk")
    return refunds.filter(status__in=statuses).order_by("respond_by", "pk")


def _own_refund(request, refund_id: int) -> Refund:
    """The refund ``refund_id`` of one of the provider's orders; anyone else's is a 404."""
    return get_object_or_404(
        Refund.objects.select_related("order"), pk=refund_id, order__provider=request.user
    )


@provider_required
def refund_list(request):
    tab = request.GET.get("status", DEFAULT_TAB)
    if tab not in TABS:
        tab = DEFAULT_TAB
    page = Paginator(provider_refunds(request.user, tab), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "orders/dashboard/refund_list.html",
        {
            "section": "refunds",
            "tabs": [(key, label) for key, (label, _statuses) in TABS.items()],
            "tab": tab,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "query": f"status={tab}",
            "now": timezone.now(),
        },
    )


@provider_required
@require_POST
def approve(request, refund_id: int):
    refund = _own_refund(request, refund_id)
    try:
        services.approve_refund(refund, by=request.user)
    except RefundError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Refund of order %(order_no)s approved: the money goes back to the learner.")
            % {"order_no": refund.order.order_no},
        )
    return redirect("dashboard:refunds")


@provider_required
@require_POST
def reject(request, refund_id: int):
    refund = _own_refund(request, refund_id)
    try:
        services.reject_refund(refund, by=request.user, reason=request.POST.get("reason", ""))
    except RefundError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Refund of order %(order_no)s rejected. The learner sees your reason.")
            % {"order_no": refund.order.order_no},
        )
    return redirect("dashboard:refunds")
