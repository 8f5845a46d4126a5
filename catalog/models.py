"""The catalogue: categories, services with their packages and add-ons, media, instructors,
favourites, reviews, and the interest signals that drive recommendations.

Counters on ``Service`` (price from, rating, sales, views) are denormalised so that list
pages sort and filter on indexed columns; ``catalog.services`` keeps them up to date.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

SLUG_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_service_slug() -> str:
    """A short, stable, non-sequential slug: titles are Chinese and may change, URLs must not."""
    return "".join(secrets.choice(SLUG_ALPHABET) for _ in range(10))


@deconstructible
class UploadTo:
    """Store uploads under a random name in ``folder``; the name a client sent is never used."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
        if not extension.isalnum() or len(extension) > 5:
            extension = "bin"
        return f"{self.folder}/{uuid.uuid4().hex}.{extension}"

    def __eq__(self, other) -> bool:
        return isinstance(other, UploadTo) and other.folder == self.folder


class Category(models.Model):
    """Two levels: a parent (语言学习) and its children (英语, 日语)."""

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
        limit_choices_to={"parent__isnull": True},
    )
    name = models.CharField(_("name"), max_length=40)
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    icon = models.CharField(
        _("icon"), max_length=8, blank=True, help_text=_("One emoji shown on the category grid.")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('catalog:list')}?category={self.slug}"


class Instructor(models.Model):
    """A teacher who delivers a provider's services (an institution has several)."""

    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="instructors",
        verbose_name=_("provider"),
        limit_choices_to={"provider_profile__isnull": False},
    )
    name = models.CharField(_("name"), max_length=40)
    title = models.CharField(_("job title"), max_length=60, blank=True)
    credentials = models.TextField(
        _("credentials"), blank=True, help_text=_("Degrees, certificates, years of practice.")
    )
    bio = models.TextField(_("biography"), blank=True)
    photo = models.ImageField(_("photo"), upload_to=UploadTo("instructors"), blank=True)

    class Meta:
        verbose_name = _("instructor")
        verbose_name_plural = _("instructors")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


# "Best match" without a query: what sells and pleases (sales plus three per review). The
# catalogue's default order; a partial index on it keeps the first page instant.
BEST_MATCH = F("sales_count") + 3 * F("rating_count")


class ServiceQuerySet(models.QuerySet):
    def published(self):
        """What the catalogue lists: published services, not the platform's own products
        (membership plans are sold from /me/membership/)."""
        return self.filter(status=Service.Status.PUBLISHED, kind=Service.Kind.SERVICE)


class Service(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Pending review")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Not approved")
        UNLISTED = "unlisted", _("Off the shelf")
        ARCHIVED = "archived", _("Archived")

    class Mode(models.TextChoices):
        LIVE = "live", _("Live online")
        RECORDED = "recorded", _("Recorded course")
        ONE_TO_ONE = "one_to_one", _("One-to-one")
        OFFLINE = "offline", _("Offline, in person")

    class Fulfilment(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled by the provider")
        SELF_PACED = "self_paced", _("Self-paced, starts at once")

    class RefundPolicy(models.TextChoices):
        """What a learner gets back after paying; ``orders.refunds`` computes the amount."""

        BEFORE_START = "before_start", _("Full refund before the service starts")
        PROGRESS = "progress", _("Refund in proportion to the study period left")
        SEVEN_DAYS = "seven_days", _("Full refund within 7 days of payment")
        NONE = "none", _("No refund after payment")

    class Kind(models.TextChoices):
        """A provider's service, or something the platform sells itself through the same
        cart and checkout (a membership plan; ``loyalty`` keeps it in step with its plan)."""

        SERVICE = "service", _("Service")
        MEMBERSHIP = "membership", _("Membership plan")

    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="services",
        verbose_name=_("provider"),
        limit_choices_to={"provider_profile__isnull": False},
    )
    # Empty only for the platform's own products (``Kind.MEMBERSHIP``), which no catalogue
    # page lists.
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services",
        verbose_name=_("category"),
    )
    title = models.CharField(_("title"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=40, unique=True, default=new_service_slug)
    summary = models.CharField(_("summary"), max_length=160)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown; HTML is removed when shown.")
    )
    outcomes = models.TextField(
        _("expected outcomes"), blank=True, help_text=_("One outcome per line.")
    )
    tags = models.CharField(
        _("tags"), max_length=200, blank=True, help_text=_("Separated by commas.")
    )
    instructors = models.ManyToManyField(
        Instructor, blank=True, related_name="services", verbose_name=_("instructors")
    )
    mode = models.CharField(_("delivery mode"), max_length=16, choices=Mode.choices)
    city = models.CharField(
        _("city"), max_length=30, blank=True, help_text=_("Where offline services take place.")
    )
    fulfilment = models.CharField(
        _("fulfilment"), max_length=16, choices=Fulfilment.choices, default=Fulfilment.SCHEDULED
    )
    starts_on = models.DateField(_("start date"), null=True, blank=True)
    study_days = models.PositiveSmallIntegerField(_("study period (days)"), null=True, blank=True)
    lesson_count = models.PositiveSmallIntegerField(_("lessons"), null=True, blank=True)
    refund_policy = models.CharField(
        _("refund policy"),
        max_length=16,
        choices=RefundPolicy.choices,
        default=RefundPolicy.BEFORE_START,
    )
    cover = models.ForeignKey(
        "ServiceMedia",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cover image"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.SERVICE, editable=False
    )
    # Members pay less (their plan's discount rate) unless the provider opts out.
    has_member_price = models.BooleanField(
        _("member price"),
        default=True,
        help_text=_("Members pay their plan's member price for this service."),
    )
    is_featured = models.BooleanField(
        _("staff pick"), default=False, help_text=_("Shown on the home page.")
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Kept up to date by catalog.services; read by lists, filters and sorting.
    price_from = models.DecimalField(
        _("price from"), max_digits=10, decimal_places=2, null=True, blank=True, editable=False
    )
    rating_avg = models.DecimalField(
        _("average rating"), max_digits=3, decimal_places=2, default=0, editable=False
    )
    rating_count = models.PositiveIntegerField(_("reviews"), default=0, editable=False)
    rating_histogram = models.JSONField(
        _("reviews per star"), default=list, blank=True, editable=False
    )
    sales_count = models.PositiveIntegerField(_("sales"), default=0, editable=False)
    view_count = models.PositiveIntegerField(_("views"), default=0, editable=False)
    search_text = models.TextField(editable=False, blank=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "category"], name="catalog_svc_status_cat"),
            models.Index(fields=["status", "-sales_count"], name="catalog_svc_status_sales"),
            models.Index(fields=["status", "-published_at"], name="catalog_svc_status_new"),
            models.Index(fields=["status", "price_from"], name="catalog_svc_status_price"),
            models.Index(fields=["provider", "status"], name="catalog_svc_provider"),
            models.Index(
                BEST_MATCH.desc(),
                F("is_featured").desc(),
                F("id").desc(),
                name="catalog_svc_best_match",
                condition=Q(status="published"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(mode="offline") | ~Q(city=""), name="catalog_offline_has_city"
            ),
            models.CheckConstraint(
                condition=Q(kind="membership") | Q(category__isnull=False),
                name="catalog_service_has_category",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="catalog_service_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalog:detail", args=[self.slug])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def provider_name(self) -> str:
        """The provider's public name (select_related ``provider__provider_profile``)."""
        return self.provider.public_name

    @property
    def refund_policy_label(self) -> str:
        return self.get_refund_policy_display()

    @property
    def refund_policy_text(self) -> str:
        """The policy in one sentence, for the detail page, checkout and the order page."""
        return refund_policy_text(self.refund_policy)

    @property
    def tag_list(self) -> list[str]:
        return split_tags(self.tags)

    @property
    def outcome_list(self) -> list[str]:
        return [line.strip(" -•·\t") for line in self.outcomes.splitlines() if line.strip(" -•·\t")]

    @property
    def rating_rows(self) -> list[tuple[int, int, int]]:
        """(stars, count, percent) from 5 down to 1, for the rating summary."""
        counts = list(self.rating_histogram or []) + [0] * 5
        total = sum(counts[:5]) or 1
        return [
            (stars, counts[stars - 1], round(100 * counts[stars - 1] / total))
            for stars in range(5, 0, -1)
        ]


REFUND_POLICY_TEXTS = {
    Service.RefundPolicy.BEFORE_START: _(
        "Full refund before the service starts; no refund once it has started."
    ),
    Service.RefundPolicy.PROGRESS: _(
        "Full refund before the service starts; once it has started, a refund in proportion "
        "to the study period not yet used; no refund after it is completed."
    ),
    Service.RefundPolicy.SEVEN_DAYS: _(
        "Full refund within 7 days of payment; no refund after that."
    ),
    Service.RefundPolicy.NONE: _(
        "No refund after payment, except when the platform decides otherwise."
    ),
}


def refund_policy_text(policy: str) -> str:
    """One sentence for ``policy`` (a ``Service.RefundPolicy`` value, also the snapshot on
    an order line)."""
    return str(REFUND_POLICY_TEXTS.get(policy, ""))


def split_tags(raw: str) -> list[str]:
    """Tags as typed: commas (half or full width), 、 or semicolons separate them."""
    for separator in "，、;；":
        raw = raw.replace(separator, ",")
    seen: list[str] = []
    for tag in (part.strip() for part in raw.split(",")):
        if tag and tag not in seen:
            seen.append(tag)
    return seen


class ServiceMedia(models.Model):
    """One item of a service's gallery: an image in two widths, or a video clip."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="media", verbose_name=_("service")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.IMAGE)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    caption = models.CharField(_("caption"), max_length=80, blank=True)
    # Images: re-encoded by catalog.media into a large and a small width.
    image = models.ImageField(
        _("image"),
        upload_to=UploadTo("services"),
        width_field="width",
        height_field="height",
        blank=True,
    )
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    thumbnail = models.ImageField(
        _("thumbnail"),
        upload_to=UploadTo("services"),
        width_field="thumbnail_width",
        height_field="thumbnail_height",
        blank=True,
    )
    thumbnail_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    thumbnail_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Videos: an uploaded mp4/webm file, or an https address of one.
    video = models.FileField(_("video file"), upload_to=UploadTo("videos"), blank=True)
    video_url = models.URLField(_("video address"), blank=True)

    class Meta:
        verbose_name = _("gallery item")
        verbose_name_plural = _("gallery")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="image") & ~Q(image="") & ~Q(thumbnail=""))
                | (Q(kind="video") & (~Q(video="") | ~Q(video_url=""))),
                name="catalog_media_has_content",
            ),
        ]

    def __str__(self) -> str:
        return self.caption or f"{self.get_kind_display()} {self.position + 1}"

    @property
    def is_video(self) -> bool:
        return self.kind == self.Kind.VIDEO

    @property
    def video_src(self) -> str:
        return self.video.url if self.video else self.video_url

    @property
    def video_type(self) -> str:
        source = self.video.name if self.video else self.video_url
        return "video/webm" if source.lower().split("?")[0].endswith(".webm") else "video/mp4"


class SyllabusItem(models.Model):
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="syllabus", verbose_name=_("service")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=100)
    minutes = models.PositiveSmallIntegerField(_("length (minutes)"), null=True, blank=True)
    is_free_preview = models.BooleanField(_("free preview"), default=False)

    class Meta:
        verbose_name = _("syllabus item")
        verbose_name_plural = _("syllabus")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class Package(models.Model):
    """What the learner actually buys (套餐): a price and, optionally, a number of seats."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="packages", verbose_name=_("service")
    )
    name = models.CharField(_("name"), max_length=40)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    original_price = models.DecimalField(
        _("original price"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    lessons = models.PositiveSmallIntegerField(_("lessons"), null=True, blank=True)
    duration_days = models.PositiveSmallIntegerField(_("valid for (days)"), null=True, blank=True)
    capacity = models.PositiveIntegerField(
        _("seats"), null=True, blank=True, help_text=_("Leave empty for unlimited.")
    )
    reserved = models.PositiveIntegerField(_("seats taken"), default=0)
    is_active = models.BooleanField(_("on sale"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("package")
        verbose_name_plural = _("packages")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="catalog_package_price_positive"),
            models.CheckConstraint(
                condition=Q(original_price__isnull=True) | Q(original_price__gte=F("price")),
                name="catalog_package_original_not_below_price",
            ),
            # The seat guarantee: never more taken than there are (see reserve_seats).
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(reserved__lte=F("capacity")),
                name="catalog_package_no_oversell",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def seats_left(self) -> int | None:
        """None when unlimited."""
        if self.capacity is None:
            return None
        return max(self.capacity - self.reserved, 0)

    @property
    def is_sold_out(self) -> bool:
        return self.capacity is not None and self.reserved >= self.capacity

    @property
    def discount_percent(self) -> int | None:
        if not self.original_price or self.original_price <= self.price:
            return None
        return round(100 * (self.original_price - self.price) / self.original_price)


class AddOn(models.Model):
    """An optional extra bought with a package (增值项), e.g. 1对1答疑 +¥200."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="addons", verbose_name=_("service")
    )
    name = models.CharField(_("name"), max_length=40)
    description = models.CharField(_("description"), max_length=120, blank=True)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    is_active = models.BooleanField(_("on sale"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("add-on")
        verbose_name_plural = _("add-ons")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="catalog_addon_price_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceChange(models.Model):
    """One line of a listing's history: a step of the review workflow, or an edit with
    what changed, field by field. Staff read it in admin, the provider in the editor."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        SUBMITTED = "submitted", _("Submitted for review")
        WITHDRAWN = "withdrawn", _("Withdrawn from review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Not approved")
        UNLISTED = "unlisted", _("Taken off the shelf")
        RELISTED = "relisted", _("Put back on the shelf")
        ARCHIVED = "archived", _("Archived")

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="changes", verbose_name=_("service")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    section = models.CharField(_("section"), max_length=16, blank=True)
    # [{"model": "package", "object": "基础班", "field": "price", "action": "changed",
    #   "before": "299.00", "after": "259.00"}, …]; shown through ``catalog.history``.
    changes = models.JSONField(_("changes"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    was_live = models.BooleanField(
        _("live edit"), default=False, help_text=_("Made while the listing was on sale.")
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("listing change")
        verbose_name_plural = _("listing history")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["service", "-created_at"], name="catalog_change_service")]

    def __str__(self) -> str:
        return f"{self.service_id} {self.get_kind_display()}"


class Favorite(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites"
    )
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="favorites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("favourite")
        verbose_name_plural = _("favourites")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "service"], name="catalog_favorite_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ♥ {self.service}"


class Review(models.Model):
    """A learner's review after completion, with the provider's public reply."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("service")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("author"),
    )
    package_name = models.CharField(_("package"), max_length=40, blank=True)
    rating = models.PositiveSmallIntegerField(_("stars"))
    text = models.TextField(_("review"), max_length=2000)
    is_hidden = models.BooleanField(
        _("hidden"), default=False, help_text=_("Hidden reviews are not shown or counted.")
    )
    reply = models.TextField(_("provider reply"), blank=True, max_length=1000)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["service", "-created_at"], name="catalog_review_service")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="catalog_review_stars_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} ★{self.rating}"


class ReviewImage(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        upload_to=UploadTo("reviews"), width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    thumbnail = models.ImageField(
        upload_to=UploadTo("reviews"),
        width_field="thumbnail_width",
        height_field="thumbnail_height",
    )
    thumbnail_width = models.PositiveIntegerField(null=True, editable=False)
    thumbnail_height = models.PositiveIntegerField(null=True, editable=False)

    class Meta:
        verbose_name = _("review image")
        verbose_name_plural = _("review images")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.image.name


class CategoryInterest(models.Model):
    """How much a learner cares about a category: viewing, favouriting and buying add
    weight. "Recommended for you" reads the heaviest rows."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="category_interests"
    )
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="catalog_interest_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.category}: {self.score}"


class RecentView(models.Model):
    """A service the learner opened, once per service with the last time: "recently
    viewed" on /me/. Each learner keeps the latest ``RECENT_VIEWS_KEPT``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="recent_views",
        verbose_name=_("learner"),
    )
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="+", verbose_name=_("service")
    )
    viewed_at = models.DateTimeField(_("viewed at"), default=timezone.now)

    class Meta:
        verbose_name = _("recently viewed service")
        verbose_name_plural = _("recently viewed services")
        constraints = [
            models.UniqueConstraint(fields=["user", "service"], name="catalog_recent_view_once"),
        ]
        indexes = [
            models.Index(fields=["user", "-viewed_at"], name="catalog_recent_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.service_id}"
