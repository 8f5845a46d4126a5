"""/dashboard/coupons/: a provider's own coupon batches (claimed, used, status), a new
batch, and stopping one. Another provider's batch is a 404."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import provider_required
from loyalty import errors, services
from loyalty.forms import ProviderCouponForm
from loyalty.models import Coupon, UserCoupon

PER_PAGE = 20


def provider_coupons(provider) -> QuerySet[Coupon]:
    """The provider's batches, newest first, each with how many were used."""
    return (
        Coupon.objects.filter(provider=provider)
        .select_related("category", "service")
        .annotate(used_count=Count("claims", filter=Q(claims__status=UserCoupon.Status.USED)))
        .order_by("-created_at", "-pk")
    )


def status_of(coupon: Coupon, now) -> tuple[str, str]:
    """(key, label) of where a batch stands for its provider: ended, stopped, not started
    or running."""
    if now >= coupon.ends_at:
        return "ended", _("Ended")
    if not coupon.is_active:
        return "stopped", _("Stopped")
    if now < coupon.starts_at:
        return "scheduled", _("Not started")
    return "running", _("Running")


@provider_required
@require_GET
@transaction.non_atomic_requests
def coupon_list(request):
    page = Paginator(provider_coupons(request.user), PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(coupon, *status_of(coupon, now)) for coupon in page.object_list]
    return render(
        request,
        "loyalty/dashboard/coupon_list.html",
        {
            "section": "coupons",
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "rows": rows,
        },
    )


@provider_required
def coupon_create(request):
    form = ProviderCouponForm(request.POST or None, provider=request.user)
    if request.method == "POST" and form.is_valid():
        coupon = services.save_coupon(form.save(commit=False))
        messages.success(
            request, _("The coupon “%(name)s” is ready for learners.") % {"name": coupon.name}
        )
        return redirect("loyalty:dashboard_coupons")
    return render(
        request,
        "loyalty/dashboard/coupon_form.html",
        {"section": "coupons", "form": form},
    )


@provider_required
@require_POST
def coupon_stop(request, coupon_id: int):
    coupon = get_object_or_404(Coupon, pk=coupon_id, provider=request.user)
    try:
        services.stop_coupon(coupon, by=request.user)
    except errors.LoyaltyError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Claiming of “%(name)s” stopped. Coupons already claimed stay valid.")
            % {"name": coupon.name},
        )
    return redirect("loyalty:dashboard_coupons")
