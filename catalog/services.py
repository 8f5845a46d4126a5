"""Every catalogue write that matters: the staff side of the listing review workflow (the
provider's side is ``catalog.editor``), the denormalised
counters (price from, search text, rating, sales, views), package seats, favourites,
reviews, media and the interest signals behind "recommended for you"."""

from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser as User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Min, Q, Subquery
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import is_staff
from notifications.services import notify

from . import history
from .errors import SoldOut
from .media import check_video, gallery_image_files
from .models import (
    Category,
    CategoryInterest,
    Favorite,
    Package,
    RecentView,
    Review,
    ReviewImage,
    Service,
    ServiceChange,
    ServiceMedia,
)

# How much each signal says about a learner's interest in a category.
INTEREST_VIEW = 1
INTEREST_FAVORITE = 3
INTEREST_PURCHASE = 5
# How many recently viewed services a learner keeps (the /me/ page shows the latest few).
RECENT_VIEWS_KEPT = 50


# ---- denormalised fields ------------------------------------------------------------------


def search_text_for(
    service: Service, *, provider_name: str, instructor_names: Iterable[str]
) -> str:
    """What search matches against, lower-cased: title, summary, tags, provider and
    instructors. Kept in one column so that one trigram index serves every search."""
    parts = [service.title, service.summary, service.tags, provider_name, *instructor_names]
    return "\n".join(part for part in parts if part).lower()


def refresh_listing(service: Service) -> Service:
    """Recompute the price-from and the search text after packages, instructors or the
    provider's name changed."""
    service.price_from = service.packages.filter(is_active=True).aggregate(p=Min("price"))["p"]
    service.search_text = search_text_for(
        service,
        provider_name=service.provider_name,
        instructor_names=service.instructors.values_list("name", flat=True),
    )
    Service.objects.filter(pk=service.pk).update(
        price_from=service.price_from, search_text=service.search_text
    )
    return service


@transaction.atomic
def refresh_rating(service: Service) -> Service:
    """Average, count and per-star histogram of the visible reviews. The service row is
    locked first, so two reviews committed at once are both counted."""
    Service.objects.select_for_update().filter(pk=service.pk).values_list("pk").first()
    visible = Review.objects.filter(service=service, is_hidden=False)
    per_star = dict(visible.values_list("rating").annotate(n=Count("pk")).order_by())
    summary = visible.aggregate(avg=Avg("rating"), count=Count("pk"))
    service.rating_histogram = [per_star.get(stars, 0) for stars in range(1, 6)]
    service.rating_count = summary["count"]
    service.rating_avg = Decimal(summary["avg"] or 0).quantize(Decimal("0.01"))
    Service.objects.filter(pk=service.pk).update(
        rating_histogram=service.rating_histogram,
        rating_count=service.rating_count,
        rating_avg=service.rating_avg,
    )
    return service


# ---- the review workflow (staff) ----------------------------------------------------------


def _require_staff(user: User) -> None:
    if not is_staff(user):
        raise PermissionDenied


def _locked(service: Service) -> Service:
    """Re-read the row under a lock, so that two staff deciding at once act one after the
    other and the second sees the first one's decision."""
    fresh = Service.objects.select_for_update().get(pk=service.pk)
    service.status = fresh.status
    return service


@transaction.atomic
def approve_service(service: Service, *, by: User) -> Service:
    """Publish a listing. Staff approve what providers submitted, and may also publish a
    draft or put a rejected or archived listing back."""
    _require_staff(by)
    _locked(service)
    if service.status == Service.Status.PUBLISHED:
        raise ValidationError(_("This listing is already published."))
    if not service.packages.filter(is_active=True).exists():
        raise ValidationError(_("A listing needs at least one package on sale to be published."))
    service.status = Service.Status.PUBLISHED
    service.rejection_reason = ""
    service.published_at = service.published_at or timezone.now()
    service.save(update_fields=["status", "rejection_reason", "published_at", "updated_at"])
    refresh_listing(service)
    history.record(service, ServiceChange.Kind.APPROVED, by=by)
    notify(
        service.provider,
        "service_approved",
        {"title": service.title},
        url=service.get_absolute_url(),
    )
    return service


@transaction.atomic
def reject_service(service: Service, *, by: User, reason: str) -> Service:
    _require_staff(by)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the provider a reason."))
    _locked(service)
    if service.status != Service.Status.PENDING:
        raise ValidationError(_("Only listings pending review can be rejected."))
    service.status = Service.Status.REJECTED
    service.rejection_reason = reason
    service.save(update_fields=["status", "rejection_reason", "updated_at"])
    history.record(service, ServiceChange.Kind.REJECTED, by=by, note=reason)
    notify(service.provider, "service_rejected", {"title": service.title, "reason": reason})
    return service


@transaction.atomic
def set_featured(service: Service, *, by: User, featured: bool) -> Service:
    _require_staff(by)
    if featured and not service.is_published:
        raise ValidationError(_("Only published listings can be staff picks."))
    service.is_featured = featured
    service.save(update_fields=["is_featured", "updated_at"])
    return service


@transaction.atomic
def archive_service(service: Service, *, by: User) -> Service:
    """Staff take a listing off the catalogue for good (providers archive theirs through
    ``catalog.editor.move``). Orders already placed keep their snapshots."""
    _require_staff(by)
    service.status = Service.Status.ARCHIVED
    service.is_featured = False
    service.save(update_fields=["status", "is_featured", "updated_at"])
    history.record(service, ServiceChange.Kind.ARCHIVED, by=by)
    return service


# ---- favourites, views, sales and interest ------------------------------------------------


def record_interest(user: User, category: Category | None, weight: int) -> None:
    """Add ``weight`` to the learner's interest in ``category`` and its parent (none for
    the platform's own products, which have no category)."""
    if not user.is_authenticated or category is None:
        return
    for category_id in filter(None, (category.pk, category.parent_id)):
        updated = CategoryInterest.objects.filter(user=user, category_id=category_id).update(
            score=F("score") + weight, updated_at=timezone.now()
        )
        if not updated:
            try:
                with transaction.atomic():
                    CategoryInterest.objects.create(
                        user=user, category_id=category_id, score=weight
                    )
            except IntegrityError:  # created meanwhile by a parallel request
                CategoryInterest.objects.filter(user=user, category_id=category_id).update(
                    score=F("score") + weight
                )


def record_view(service: Service, user: User) -> None:
    """Count a view of the detail page; a signed-in learner's also goes to their interest
    and their recently viewed services."""
    Service.objects.filter(pk=service.pk).update(view_count=F("view_count") + 1)
    if not user.is_authenticated:
        return
    record_interest(user, service.category, INTEREST_VIEW)
    now = timezone.now()
    if RecentView.objects.filter(user=user, service=service).update(viewed_at=now):
        return
    try:
        with transaction.atomic():
            RecentView.objects.create(user=user, service=service, viewed_at=now)
    except IntegrityError:  # viewed in a parallel request: that row has the time
        return
    kept = RecentView.objects.filter(user=user).order_by("-viewed_at", "-pk")
    oldest_kept = kept.values_list("viewed_at", flat=True)[
        RECENT_VIEWS_KEPT - 1 : RECENT_VIEWS_KEPT
    ]
    RecentView.objects.filter(user=user, viewed_at__lt=Subquery(oldest_kept)).delete()


def forget_recent_views(user: User) -> int:
    """Clear the learner's recently viewed services."""
    deleted, _ = RecentView.objects.filter(user=user).delete()
    return deleted


@transaction.atomic
def set_favorite(user: User, service: Service, *, on: bool) -> bool:
    """Add or remove ``service`` from the user's favourites; idempotent. Returns ``on``."""
    if on:
        _, created = Favorite.objects.get_or_create(user=user, service=service)
        if created:
            record_interest(user, service.category, INTEREST_FAVORITE)
    else:
        Favorite.objects.filter(user=user, service=service).delete()
    return on


@transaction.atomic
def record_sale(package: Package, *, buyer: User, quantity: int) -> None:
    """Count a paid purchase: the sales counter and the buyer's interest."""
    Service.objects.filter(pk=package.service_id).update(sales_count=F("sales_count") + quantity)
    record_interest(buyer, package.service.category, INTEREST_PURCHASE)


# ---- seats ---------------------------------------------------------------------------------


def reserve_seats(package_id: int, quantity: int) -> None:
    """Take ``quantity`` seats of a package on sale, or raise SoldOut.

    One conditional UPDATE: the row lock it takes makes a concurrent buyer wait and then
    re-check the condition against the committed count, so two buyers can never both take
    the last seat. Unlimited packages (no capacity) count the seats taken too.
    """
    if quantity < 1:
        raise ValueError(f"reserve at least one seat, not {quantity}")
    taken = (
        Package.objects.filter(pk=package_id, is_active=True)
        .filter(Q(capacity__isnull=True) | Q(reserved__lte=F("capacity") - quantity))
        .update(reserved=F("reserved") + quantity)
    )
    if not taken:
        raise SoldOut()


def release_seats(package_id: int, quantity: int) -> None:
    """Give back ``quantity`` seats (never below zero). Calling it once per cancelled or
    refunded order is the caller's job (``orders`` keeps a flag for it)."""
    if quantity < 1:
        raise ValueError(f"release at least one seat, not {quantity}")
    Package.objects.filter(pk=package_id).update(reserved=Greatest(F("reserved") - quantity, 0))


# ---- reviews -------------------------------------------------------------------------------


@transaction.atomic
def add_review(
    service: Service,
    *,
    author: User,
    rating: int,
    text: str,
    images: Iterable = (),
    package_name: str = "",
) -> Review:
    """Write a review (the orders app checks that the author completed an order) and
    refresh the service's rating. ``images`` are uploads, re-encoded here."""
    if not 1 <= int(rating) <= 5:
        raise ValidationError(_("Choose between 1 and 5 stars."))
    review = Review.objects.create(
        service=service,
        author=author,
        rating=int(rating),
        text=text.strip(),
        package_name=package_name,
    )
    for upload in images:
        large, small = gallery_image_files(upload)
        ReviewImage.objects.create(review=review, image=large, thumbnail=small)
    refresh_rating(service)
    return review


@transaction.atomic
def reply_to_review(review: Review, *, by: User, text: str) -> Review:
    """The provider's public answer; writing again edits it."""
    if review.service.provider_id != by.pk:
        raise PermissionDenied
    if review.is_hidden:
        raise ValidationError(_("The platform has hidden this review: it cannot be answered."))
    text = text.strip()
    if not text:
        raise ValidationError(_("Write a reply."))
    review.reply = text
    review.replied_at = timezone.now()
    review.save(update_fields=["reply", "replied_at"])
    notify(
        review.author,
        "review_replied",
        {"title": review.service.title},
        url=review.service.get_absolute_url() + "#reviews",
    )
    return review


@transaction.atomic
def set_review_hidden(review: Review, *, by: User, hidden: bool) -> Review:
    _require_staff(by)
    review.is_hidden = hidden
    review.save(update_fields=["is_hidden"])
    refresh_rating(review.service)
    return review


# ---- media ---------------------------------------------------------------------------------


@transaction.atomic
def add_gallery_image(service: Service, upload, *, caption: str = "") -> ServiceMedia:
    """Re-encode ``upload`` into two widths and append it to the gallery; the first image
    becomes the cover."""
    return add_gallery_images(service, [upload], caption=caption)[0]


@transaction.atomic
def add_gallery_images(service: Service, uploads, *, caption: str = "") -> list[ServiceMedia]:
    """Append several images: all are re-encoded (or a ValidationError) before any file is
    written, so a refused batch leaves nothing behind."""
    encoded = [gallery_image_files(upload) for upload in uploads]
    return [_store_gallery_image(service, large, small, caption) for large, small in encoded]


def _store_gallery_image(service: Service, large, small, caption: str) -> ServiceMedia:
    item = ServiceMedia(
        service=service,
        kind=ServiceMedia.Kind.IMAGE,
        caption=caption,
        position=service.media.count(),
    )
    item.image.save(large.name, large, save=False)
    item.thumbnail.save(small.name, small, save=False)
    item.save()
    if service.cover_id is None:
        set_cover(service, item)
    return item


@transaction.atomic
def add_video(service: Service, *, upload=None, url: str = "", caption: str = "") -> ServiceMedia:
    """Append a clip: an uploaded mp4/webm (checked by content) or an https address."""
    item = ServiceMedia(
        service=service,
        kind=ServiceMedia.Kind.VIDEO,
        caption=caption,
        position=service.media.count(),
    )
    if upload is not None:
        extension = check_video(upload)
        item.video.save(f"clip.{extension}", upload, save=False)
    elif url.startswith("https://"):
        item.video_url = url
    else:
        raise ValidationError(_("Upload a video or enter its https:// address."))
    item.save()
    return item


def set_cover(service: Service, item: ServiceMedia) -> Service:
    if item.service_id != service.pk or item.is_video:
        raise ValidationError(_("The cover must be an image of this service's gallery."))
    service.cover = item
    Service.objects.filter(pk=service.pk).update(cover=item)
    return service
