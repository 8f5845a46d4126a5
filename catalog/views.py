"""Catalogue pages: home, the list with search and filters, the detail page with its live
price, reviews, and favourites. Reads come from ``selectors``, writes go to ``services``."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .filters import SORTS, ServiceFilter
from .forms import LineChoiceForm
from .models import Package
from .pricing import quote_line

PAGE_SIZE = 20
REVIEWS_ON_DETAIL = 5
REVIEWS_PER_PAGE = 10


@require_GET
@transaction.non_atomic_requests
def home(request):
    return render(
        request,
        "home.html",
        {
            "categories": selectors.category_tree(),
            "sections": selectors.home_sections(request.user),
        },
    )


@require_GET
@transaction.non_atomic_requests
def service_list(request):
    filterset = ServiceFilter(
        # Always bound (an empty query too), so the default order is the filter's own.
        request.GET,
        queryset=selectors.service_cards(),
    )
    paginator = Paginator(filterset.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    categories = selectors.category_tree()
    chosen = filterset.form.cleaned_data.get("category") if filterset.is_bound else None
    return render(
        request,
        "catalog/list.html",
        {
            "filter": filterset,
            "form": filterset.form,
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "page_query": filterset.query_without()[1:],
            "category_query": filterset.query_without("category")[1:],
            "category_base": filterset.query_without("category"),
            "chips": filterset.chips,
            "categories": categories,
            "chosen_category": chosen,
            "chosen_parent": (chosen.parent_id or chosen.pk) if chosen else None,
            "sort_links": _sort_links(filterset),
        },
    )


def _sort_links(filterset: ServiceFilter) -> list[dict]:
    current = filterset.form.cleaned_data.get("sort", "") if filterset.is_bound else ""
    base = filterset.query_without("sort")[1:]
    links = []
    for value, label in SORTS:
        query = "&".join(part for part in (base, f"sort={value}" if value else "") if part)
        links.append({"label": label, "url": f"?{query}", "active": value == (current or "")})
    return links


@require_GET
@transaction.non_atomic_requests
def service_detail(request, slug: str):
    service = selectors.service_for_page(slug, request.user)
    if service.kind == service.Kind.MEMBERSHIP:
        return redirect("loyalty:membership")
    if service.is_published:
        services.record_view(service, request.user)
    packages = service.on_sale
    default_package = next((p for p in packages if not p.is_sold_out), None)
    quote = None
    if default_package is not None and service.is_published:
        quote = quote_line(default_package)
    reviews = selectors.latest_reviews(service, limit=REVIEWS_ON_DETAIL)
    return render(
        request,
        "catalog/detail.html",
        {
            "service": service,
            "packages": packages,
            "default_package": default_package,
            "quote": quote,
            "is_preview": not service.is_published,
            "is_favorite": getattr(service, "is_favorite", False),
            "reviews": reviews[:REVIEWS_ON_DETAIL],
            "more_reviews": len(reviews) > REVIEWS_ON_DETAIL,
            "related": selectors.related_services(service),
            # The cover the provider chose leads the gallery.
            "images": sorted(
                (item for item in service.gallery if not item.is_video),
                key=lambda item: item.pk != service.cover_id,
            ),
            "videos": [item for item in service.gallery if item.is_video],
        },
    )


@require_GET
@transaction.non_atomic_requests
def service_price(request, slug: str):
    """The price box for a package, add-ons and quantity: the detail page asks for it
    with htmx whenever the choice changes. Prices come from ``quote_line`` only."""
    service = selectors.service_to_price(slug, request.user)
    form = LineChoiceForm(service, request.GET)
    error = ""
    if not form.is_valid():
        error = next(iter(form.non_field_errors()), "") or _(
            "Choose a package and a quantity between 1 and 99."
        )
    return render(
        request,
        "catalog/_price.html",
        {"service": service, "quote": form.quote, "error": error},
    )


@require_GET
@transaction.non_atomic_requests
def service_reviews(request, slug: str):
    service = selectors.service_for_page(slug, request.user)
    try:
        page_number = max(1, int(request.GET.get("page", 1)))
    except (TypeError, ValueError):
        page_number = 1
    page_number = min(page_number, 1000)
    rows = selectors.latest_reviews(
        service, offset=(page_number - 1) * REVIEWS_PER_PAGE, limit=REVIEWS_PER_PAGE
    )
    return render(
        request,
        "catalog/reviews.html",
        {
            "service": service,
            "reviews": rows[:REVIEWS_PER_PAGE],
            "page_number": page_number,
            "has_next": len(rows) > REVIEWS_PER_PAGE,
        },
    )


@require_POST
def favorite(request, slug: str):
    """Add (``on=1``) or remove (``on=0``) a favourite. htmx swaps the button; a plain POST
    goes back where it came from. A favourite whose listing went off sale can still be
    removed."""
    on = request.POST.get("on") == "1"
    if on or not request.user.is_authenticated:
        service = selectors.service_for_page(slug, request.user)
    else:
        service = selectors.favorite_service(slug, request.user)
    if not request.user.is_authenticated:
        if request.htmx:
            response = render(request, "catalog/_favorite.html", {"service": service})
            response["HX-Redirect"] = _login_url(request, service.get_absolute_url())
            return response
        return redirect_to_login(service.get_absolute_url())
    services.set_favorite(request.user, service, on=on)
    if request.htmx:
        return render(request, "catalog/_favorite.html", {"service": service, "is_favorite": on})
    messages.success(
        request, _("Added to your favourites.") if on else _("Removed from your favourites.")
    )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = service.get_absolute_url()
    return redirect(back)


@login_required
@require_POST
def forget_recent(request):
    """Clear the learner's recently viewed services (/me/)."""
    services.forget_recent_views(request.user)
    messages.success(request, _("Your recently viewed services were cleared."))
    return redirect("accounts:me")


def _login_url(request, next_url: str) -> str:
    return f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}"


@login_required
@require_GET
@transaction.non_atomic_requests
def favorites(request):
    """The learner's favourites, each with what it takes to put it in the cart from here
    (its packages on sale; add-ons are chosen on the detail page)."""
    saved = selectors.favorites_of(request.user).prefetch_related(
        Prefetch(
            "service__packages",
            queryset=Package.objects.filter(is_active=True),
            to_attr="packages_on_sale",
        )
    )
    paginator = Paginator(saved, PAGE_SIZE)
    return render(
        request,
        "catalog/favorites.html",
        {"page": paginator.get_page(request.GET.get("page"))},
    )
