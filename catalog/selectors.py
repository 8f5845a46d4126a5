"""Catalogue reads that pages share, each with the joins that keep its query count fixed."""

from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser as User
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404

from accounts.permissions import is_staff

from .models import (
    AddOn,
    Category,
    CategoryInterest,
    Favorite,
    Package,
    RecentView,
    Review,
    Service,
    ServiceMedia,
)

# Columns a service card never shows: long texts stay in the database.
CARD_DEFERRED = ("description", "outcomes", "search_text", "rejection_reason", "rating_histogram")


@dataclass
class CategoryNode:
    category: Category
    children: list[Category] = field(default_factory=list)

    def __getattr__(self, name):
        return getattr(self.category, name)


def category_tree() -> list[CategoryNode]:
    """Parents in order, each with its children: one query."""
    nodes: dict[int, CategoryNode] = {}
    children: list[Category] = []
    for category in Category.objects.all():
        if category.parent_id is None:
            nodes[category.pk] = CategoryNode(category)
        else:
            children.append(category)
    for child in children:
        if child.parent_id in nodes:
            child.parent = nodes[child.parent_id].category
            nodes[child.parent_id].children.append(child)
    return list(nodes.values())


def service_cards(queryset: QuerySet | None = None) -> QuerySet:
    """Published services with what a card shows (provider name, category, cover)."""
    queryset = Service.objects.published() if queryset is None else queryset
    return queryset.select_related("provider__provider_profile", "category", "cover").defer(
        *CARD_DEFERRED
    )


def with_favorite_flag(queryset: QuerySet, user: User) -> QuerySet:
    if not user.is_authenticated:
        return queryset
    return queryset.annotate(
        is_favorite=Exists(Favorite.objects.filter(user=user, service=OuterRef("pk")))
    )


def service_for_page(slug: str, viewer: User) -> Service:
    """The service behind a detail page, with everything the page shows, or Http404.

    Unpublished services (draft, pending, rejected, archived) exist only for their provider
    and staff, who see them with a preview banner.
    """
    queryset = with_favorite_flag(
        Service.objects.select_related("provider__provider_profile", "category__parent", "cover"),
        viewer,
    ).prefetch_related(
        Prefetch("packages", queryset=Package.objects.filter(is_active=True), to_attr="on_sale"),
        Prefetch("addons", queryset=AddOn.objects.filter(is_active=True), to_attr="addons_on_sale"),
        "syllabus",
        "instructors",
        Prefetch("media", queryset=ServiceMedia.objects.all(), to_attr="gallery"),
    )
    service = queryset.filter(slug=slug).first()
    if service is None or not can_view(service, viewer):
        raise Http404
    return service


def service_to_price(slug: str, viewer: User) -> Service:
    """Just the service row, for the live price: the form loads the packages and add-ons."""
    service = Service.objects.filter(slug=slug).first()
    if service is None or not can_view(service, viewer):
        raise Http404
    return service


def favorite_service(slug: str, user: User) -> Service:
    """A service the user may see or has among their favourites (even if now off sale)."""
    service = Service.objects.filter(slug=slug).first()
    if service is None:
        raise Http404
    if (
        not can_view(service, user)
        and not Favorite.objects.filter(user=user, service=service).exists()
    ):
        raise Http404
    return service


def can_view(service: Service, viewer: User) -> bool:
    if service.is_published:
        return True
    return viewer.is_authenticated and (service.provider_id == viewer.pk or is_staff(viewer))


def latest_reviews(service: Service, *, offset: int = 0, limit: int = 5) -> list[Review]:
    """Visible reviews, newest first, with authors and images. Fetches one extra row so
    the caller knows whether there is a next page without counting."""
    return list(
        Review.objects.filter(service=service, is_hidden=False)
        .select_related("author")
        .prefetch_related("images")[offset : offset + limit + 1]
    )


def related_services(service: Service, *, limit: int = 4) -> list[Service]:
    """Best sellers of the same category first, then of its sibling categories."""
    nearby = Q(category_id=service.category_id)
    if service.category.parent_id:
        nearby |= Q(category__parent_id=service.category.parent_id)
    same_category = Case(
        When(category_id=service.category_id, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return list(
        service_cards()
        .filter(nearby)
        .exclude(pk=service.pk)
        .alias(distance=same_category)
        .order_by("distance", "-sales_count", "-pk")[:limit]
    )


def favorites_of(user: User) -> QuerySet:
    """The user's favourites, newest first, published or not (a removed listing says so)."""
    return (
        Favorite.objects.filter(user=user)
        .select_related(
            "service__provider__provider_profile", "service__category", "service__cover"
        )
        .defer(*(f"service__{name}" for name in CARD_DEFERRED))
    )


def recently_viewed(user: User, *, limit: int = 8) -> list[Service]:
    """The services the learner opened last, newest first, still on sale: one query."""
    if not user.is_authenticated:
        return []
    views = (
        RecentView.objects.filter(
            user=user, service__status=Service.Status.PUBLISHED, service__kind=Service.Kind.SERVICE
        )
        .select_related(
            "service__provider__provider_profile", "service__category", "service__cover"
        )
        .defer(*(f"service__{name}" for name in CARD_DEFERRED))
        .order_by("-viewed_at", "-pk")[:limit]
    )
    return [view.service for view in views]


def top_interests(user: User, *, limit: int = 3) -> list[int]:
    """The learner's strongest category interests (viewed, favourited, bought)."""
    return list(
        CategoryInterest.objects.filter(user=user)
        .order_by("-score", "-updated_at")
        .values_list("category_id", flat=True)[:limit]
    )


@dataclass
class HomeSections:
    featured: list[Service]
    popular: list[Service]
    newest: list[Service]
    recommended: list[Service]
    is_personal: bool  # recommended from the learner's own interests


def home_sections(user: User, *, size: int = 8) -> HomeSections:
    cards = service_cards()
    featured = list(cards.filter(is_featured=True).order_by("-published_at", "-pk")[:size])
    popular = list(cards.order_by("-sales_count", "-pk")[:size])
    newest = list(cards.order_by("-published_at", "-pk")[:size])
    recommended: list[Service] = []
    if user.is_authenticated:
        interests = top_interests(user)
        if interests:
            shown = {service.pk for service in featured}
            recommended = list(
                cards.filter(
                    Q(category_id__in=interests) | Q(category__parent_id__in=interests)
                ).order_by("-rating_avg", "-sales_count", "-pk")[: size * 2]
            )
            recommended = [s for s in recommended if s.pk not in shown][:size]
    return HomeSections(
        featured=featured,
        popular=popular,
        newest=newest,
        recommended=recommended or popular,
        is_personal=bool(recommended),
    )


def provider_reviews(provider: User, conditions: dict | None = None) -> QuerySet:
    """The reviews of ``provider``'s services (those matching ``conditions`` if given),
    newest first, with their service, author and photos in a fixed number of queries."""
    reviews = (
        Review.objects.filter(service__provider=provider)
        .select_related("service", "author")
        .prefetch_related("images")
        .order_by("-created_at", "-pk")
    )
    return reviews if conditions is None else reviews.filter(**conditions)
