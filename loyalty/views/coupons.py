"""The learner's side of coupons: the coupon centre (/coupons/), claiming one (a plain POST
or an htmx swap of its card), and the learner's own coupons by tab (/me/coupons/)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loyalty import errors, selectors, services
from loyalty.models import Coupon
from loyalty.templatetags.coupon_tags import coupon_cards

CENTRE_PAGE_SIZE = 30
WALLET_PAGE_SIZE = 20
# The partial a claim swaps with htmx, by where the button was.
CLAIM_PARTIALS = {
    "centre": "loyalty/_coupon_card.html",
    "strip": "loyalty/_strip_coupon.html",
}


@require_GET
@transaction.non_atomic_requests
def coupon_centre(request):
    """Running batches with some left: the platform's first, then each provider's.
    New-user coupons only for visitors and learners who never paid."""
    coupons = selectors.claimable_coupons().filter(claimed_count__lt=F("total_quantity"))
    if request.user.is_authenticated and not services.is_new_customer(request.user):
        coupons = coupons.exclude(kind=Coupon.Kind.NEW_USER)
    coupons = coupons.order_by(
        F("provider_id").asc(nulls_first=True), "provider_id", "ends_at", "pk"
    )
    paginator = Paginator(coupons, CENTRE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    cards = coupon_cards(page.object_list, request.user)
    return render(
        request,
        "loyalty/coupon_centre.html",
        {
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "platform_cards": [card for card in cards if card.coupon.is_platform],
            "provider_cards": [card for card in cards if not card.coupon.is_platform],
            "next": request.get_full_path(),
        },
    )


def _back(request) -> str:
    """The page the claim button was on, if it is on this site; else the centre."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("loyalty:coupon_centre")


@require_POST
def claim(request, coupon_id: int):
    coupon = get_object_or_404(
        Coupon.objects.select_related("provider__provider_profile", "category", "service"),
        pk=coupon_id,
    )
    back = _back(request)
    if not request.user.is_authenticated:
        login = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': back})}"
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login
            return response
        return redirect(login)
    try:
        services.claim_coupon(request.user, coupon)
    except errors.ClaimRefused as refused:
        notice, is_ok = str(refused.message), False
    else:
        notice, is_ok = _("Coupon claimed."), True
    if request.htmx:
        coupon.refresh_from_db(fields=["claimed_count", "is_active"])
        partial = CLAIM_PARTIALS.get(request.POST.get("layout", ""), CLAIM_PARTIALS["centre"])
        return render(
            request,
            partial,
            {
                "card": coupon_cards([coupon], request.user)[0],
                "notice": notice,
                "is_ok": is_ok,
                "next": back,
            },
        )
    (messages.success if is_ok else messages.error)(request, notice)
    return redirect(back)


@login_required
@require_GET
@transaction.non_atomic_requests
def my_coupons(request):
    tab = request.GET.get("tab", "")
    if tab not in selectors.WALLET_TABS:
        tab = selectors.WALLET_TABS[0]
    now = timezone.now()
    paginator = Paginator(selectors.wallet(request.user, tab, now), WALLET_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    counts = selectors.wallet_counts(request.user, now)
    labels = {"usable": _("Usable"), "used": _("Used"), "expired": _("Expired")}
    return render(
        request,
        "loyalty/my_coupons.html",
        {
            "tabs": [(key, labels[key], counts[key]) for key in selectors.WALLET_TABS],
            "tab": tab,
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "query": f"tab={tab}",
            "now": now,
        },
    )
