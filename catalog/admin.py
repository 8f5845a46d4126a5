"""Staff tools for the catalogue: the category tree, listing review (approve, reject with a
reason, staff picks, archive), gallery uploads, instructors and review moderation.

Every write that matters goes through ``catalog.services``; forms here only check input."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, F, IntegerField, Q, QuerySet
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import ProviderProfile, User
from ksmall.money import format_yuan

from . import history
from .listing_forms import IMAGE_ACCEPT, VIDEO_ACCEPT
from .listing_forms import InstructorForm as ProviderInstructorForm
from .media import check_video, gallery_image_files
from .models import (
    AddOn,
    Category,
    Instructor,
    Package,
    Review,
    ReviewImage,
    Service,
    ServiceChange,
    ServiceMedia,
    SyllabusItem,
)
from .services import (
    approve_service,
    archive_service,
    refresh_listing,
    reject_service,
    set_cover,
    set_featured,
    set_review_hidden,
)

PREVIEW_WIDTH = 120
HISTORY_ON_SERVICE = 20

# Parents in order, each followed by its children: a child sorts with its parent's
# position and id, after the parent itself (whose parent is NULL).
CATEGORY_TREE_ORDER = [
    Coalesce("parent__position", "position"),
    Coalesce("parent", "id", output_field=IntegerField()),
    F("parent").asc(nulls_first=True),
    "position",
    "pk",
]


def categories_in_tree_order() -> QuerySet:
    return Category.objects.select_related("parent").order_by(*CATEGORY_TREE_ORDER)


def tree_label(category: Category) -> str:
    return f"— {category.name}" if category.parent_id else category.name


def providers() -> QuerySet:
    """Users who applied to be providers: the only valid owners of services and instructors."""
    return User.objects.filter(provider_profile__isnull=False)


def image_preview(file, width: int | None, height: int | None, alt: str = "") -> str:
    """A small ``<img>`` with its size set, so the page does not jump while it loads."""
    if not file:
        return ""
    shown_height = round(PREVIEW_WIDTH * height / width) if width and height else PREVIEW_WIDTH
    return format_html(
        '<img src="{}" width="{}" height="{}" alt="{}" loading="lazy">',
        file.url,
        PREVIEW_WIDTH,
        shown_height,
        alt,
    )


def not_pending_message(skipped: int) -> str:
    return ngettext(
        "Skipped %(n)d listing that is not pending review.",
        "Skipped %(n)d listings that are not pending review.",
        skipped,
    ) % {"n": skipped}


# ---- filters -------------------------------------------------------------------------------


class ProviderFilter(admin.SimpleListFilter):
    """Rows of one provider (for models with a ``provider`` field), by public name."""

    title = _("provider")
    parameter_name = "provider"

    def lookups(self, request, model_admin):
        return list(
            ProviderProfile.objects.order_by("display_name").values_list("user_id", "display_name")
        )

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(provider_id=int(self.value()))
        return queryset


class CategoryFilter(admin.SimpleListFilter):
    """A category in tree order; a parent also matches the services of its children."""

    title = _("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return [(category.pk, tree_label(category)) for category in categories_in_tree_order()]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            pk = int(self.value())
            return queryset.filter(Q(category_id=pk) | Q(category__parent_id=pk))
        return queryset


# ---- categories ----------------------------------------------------------------------------


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "slug", "parent", "icon", "position"]
        help_texts = {
            "slug": _("Latin letters, digits and hyphens, used in web links (e.g. english)."),
        }

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is not None and self.instance.pk:
            if parent.pk == self.instance.pk:
                raise ValidationError(_("A category cannot be its own parent."))
            if self.instance.children.exists():
                raise ValidationError(
                    _("This category has subcategories, so it stays at the top level.")
                )
        return parent


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryForm
    list_display = ["tree_name", "slug", "icon", "position", "service_count"]
    list_editable = ["position"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    ordering = CATEGORY_TREE_ORDER

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(service_total=Count("services"))

    @admin.display(description=_("name"))
    def tree_name(self, category: Category) -> str:
        return tree_label(category)

    @admin.display(description=_("services"), ordering="service_total")
    def service_count(self, category: Category) -> int:
        return category.service_total


# ---- services ------------------------------------------------------------------------------


class PackageInline(admin.TabularInline):
    model = Package
    fields = [
        "name",
        "price",
        "original_price",
        "lessons",
        "duration_days",
        "capacity",
        "reserved",
        "is_active",
        "position",
    ]
    # Seats are taken and given back by orders, never typed.
    readonly_fields = ["reserved"]
    ordering = ["position", "pk"]
    extra = 0


class AddOnInline(admin.TabularInline):
    model = AddOn
    fields = ["name", "description", "price", "is_active", "position"]
    ordering = ["position", "pk"]
    extra = 0


class SyllabusInline(admin.TabularInline):
    model = SyllabusItem
    fields = ["position", "title", "minutes", "is_free_preview"]
    ordering = ["position", "pk"]
    extra = 0


class ServiceMediaForm(forms.ModelForm):
    """One gallery item. Images are re-encoded into two WebP widths here, so a broken or
    oversized file is a form error; videos are checked by content; addresses must be https."""

    image = forms.FileField(
        label=_("image"),
        required=False,
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
    )
    video = forms.FileField(
        label=_("video file"),
        required=False,
        widget=forms.FileInput(attrs={"accept": VIDEO_ACCEPT}),
    )
    video_url = forms.URLField(label=_("video address"), required=False, assume_scheme="https")

    class Meta:
        model = ServiceMedia
        fields = ["kind", "image", "video", "video_url", "caption", "position"]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if self.instance.pk and "kind" in self.changed_data:
            self.add_error("kind", _("To change the kind, delete this item and add a new one."))
        elif kind == ServiceMedia.Kind.IMAGE:
            self._clean_image(cleaned)
        elif kind == ServiceMedia.Kind.VIDEO:
            self._clean_video(cleaned)
        return cleaned

    def _clean_image(self, cleaned: dict) -> None:
        upload = cleaned.get("image")
        if isinstance(cleaned.get("video"), UploadedFile) or cleaned.get("video_url"):
            self.add_error("kind", _("Choose “Video” as the kind to add a video."))
        elif isinstance(upload, UploadedFile):
            try:
                large, small = gallery_image_files(upload)
            except ValidationError as error:
                self.add_error("image", error)
                return
            cleaned["image"] = large
            self.instance.thumbnail = small
        elif not upload:
            self.add_error("image", _("Upload an image."))

    def _clean_video(self, cleaned: dict) -> None:
        upload = cleaned.get("video")
        url = cleaned.get("video_url", "")
        if self.has_error("video_url"):
            return
        if isinstance(cleaned.get("image"), UploadedFile):
            self.add_error("kind", _("Choose “Image” as the kind to add an image."))
        elif isinstance(upload, UploadedFile):
            try:
                extension = check_video(upload)
            except ValidationError as error:
                self.add_error("video", error)
                return
            upload.name = f"clip.{extension}"  # the stored name follows the content
            cleaned["video_url"] = ""
        elif url:
            if not url.startswith("https://"):
                self.add_error("video_url", _("Enter an https:// address."))
            elif "video_url" in self.changed_data:
                cleaned["video"] = ""  # the new address replaces an uploaded clip
        elif not upload:
            self.add_error("video", _("Upload a video or enter its https:// address."))


class ServiceMediaInline(admin.TabularInline):
    model = ServiceMedia
    form = ServiceMediaForm
    fields = ["preview", "kind", "image", "video", "video_url", "caption", "position"]
    readonly_fields = ["preview"]
    ordering = ["position", "pk"]
    extra = 1

    @admin.display(description=_("preview"))
    def preview(self, item: ServiceMedia) -> str:
        if item.is_video and item.video_src:
            return format_html(
                '<a href="{}" target="_blank" rel="noopener">{}</a>',
                item.video_src,
                _("Play the clip"),
            )
        return image_preview(
            item.thumbnail, item.thumbnail_width, item.thumbnail_height, item.caption
        )


class ProviderChoiceMixin:
    """Only users with a provider profile can own services and instructors."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "provider":
            kwargs["queryset"] = providers()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RejectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason shown to the provider"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
    )


@admin.register(Service)
class ServiceAdmin(ProviderChoiceMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "provider_name",
        "category",
        "status",
        "price",
        "rating_avg",
        "sales_count",
        "is_featured",
        "published_at",
    ]
    list_filter = ["status", CategoryFilter, ProviderFilter, "is_featured", "mode"]
    list_select_related = ["provider__provider_profile", "category__parent"]
    search_fields = [
        "title",
        "summary",
        "tags",
        "provider__provider_profile__display_name",
        "slug",
    ]
    autocomplete_fields = ["provider"]
    filter_horizontal = ["instructors"]
    inlines = [PackageInline, AddOnInline, SyllabusInline, ServiceMediaInline]
    actions = ["approve", "reject", "feature", "unfeature", "archive"]
    # The workflow (status, reason, publication) moves only through the actions above.
    readonly_fields = [
        "status",
        "rejection_reason",
        "published_at",
        "price",
        "rating_avg",
        "rating_count",
        "sales_count",
        "view_count",
        "created_at",
        "updated_at",
        "change_history",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "provider", "category", "summary", "tags"]}),
        (_("Content"), {"fields": ["description", "outcomes", "instructors", "cover"]}),
        (
            _("Delivery"),
            {
                "fields": [
                    "mode",
                    "city",
                    "fulfilment",
                    "starts_on",
                    "study_days",
                    "lesson_count",
                    "refund_policy",
                ]
            },
        ),
        (
            _("Listing review"),
            {"fields": ["status", "rejection_reason", "is_featured", "published_at"]},
        ),
        (_("Change history"), {"fields": ["change_history"]}),
        (
            _("Counters"),
            {
                "classes": ["collapse"],
                "fields": [
                    "price",
                    "rating_avg",
                    "rating_count",
                    "sales_count",
                    "view_count",
                    "created_at",
                    "updated_at",
                ],
            },
        ),
    ]

    @admin.display(description=_("provider"), ordering="provider__provider_profile__display_name")
    def provider_name(self, service: Service) -> str:
        return service.provider_name

    @admin.display(description=_("price from"), ordering="price_from")
    def price(self, service: Service) -> str:
        return format_yuan(service.price_from) if service.price_from is not None else "—"

    @admin.display(description=_("latest changes"))
    def change_history(self, service: Service) -> str:
        """The newest entries of the listing's history, with what each edit changed; the
        whole history is under "Listing history"."""
        if service.pk is None:
            return "—"
        changes = service.changes.select_related("author")[:HISTORY_ON_SERVICE]
        return render_to_string(
            "admin/catalog/_service_history.html",
            {
                "entries": [(change, history.change_rows(change)) for change in changes],
                "service": service,
            },
        )

    # ---- the change form

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        fields = form.base_fields
        # The cover and the instructors come from this service and its provider; a new
        # service has neither yet.
        if "cover" in fields:
            fields["cover"].queryset = (
                ServiceMedia.objects.filter(service=obj, kind=ServiceMedia.Kind.IMAGE)
                if obj
                else ServiceMedia.objects.none()
            )
            fields["cover"].help_text = _(
                "One of this service's images. Until one is chosen, the first image is used."
            )
        if "instructors" in fields:
            fields["instructors"].queryset = (
                Instructor.objects.filter(provider_id=obj.provider_id)
                if obj
                else Instructor.objects.none()
            )
            fields["instructors"].help_text = _(
                "The provider's instructors. On a new service, save first to choose them."
            )
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "category":
            kwargs["queryset"] = categories_in_tree_order()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        service = form.instance
        refresh_listing(service)
        # A deleted cover was set to NULL in the database; the first image takes its place.
        service.refresh_from_db(fields=["cover"])
        if service.cover_id is None:
            first_image = service.media.filter(kind=ServiceMedia.Kind.IMAGE).first()
            if first_image is not None:
                set_cover(service, first_image)

    # ---- actions

    def _skipped(self, request, text: str) -> None:
        self.message_user(request, text, messages.WARNING)

    @admin.action(description=_("Approve and publish selected listings"), permissions=["change"])
    def approve(self, request, queryset):
        changed = skipped = 0
        for service in queryset.select_related("provider__provider_profile"):
            if service.is_published:
                skipped += 1
                continue
            try:
                approve_service(service, by=request.user)
            except ValidationError as error:
                self._skipped(request, f"{service.title}: {' '.join(error.messages)}")
                continue
            changed += 1
        self.message_user(
            request,
            ngettext("Published %(n)d listing.", "Published %(n)d listings.", changed)
            % {"n": changed},
        )
        if skipped:
            self._skipped(
                request,
                ngettext(
                    "Skipped %(n)d listing that was already published.",
                    "Skipped %(n)d listings that were already published.",
                    skipped,
                )
                % {"n": skipped},
            )

    @admin.action(description=_("Reject selected listings with a reason"), permissions=["change"])
    def reject(self, request, queryset):
        selected = list(queryset.select_related("provider__provider_profile"))
        pending = [service for service in selected if service.status == Service.Status.PENDING]
        skipped = len(selected) - len(pending)
        if not pending:
            self._skipped(request, not_pending_message(skipped))
            return None
        if "apply" in request.POST:
            form = RejectionForm(request.POST)
            if form.is_valid():
                rejected = 0
                for service in pending:
                    try:
                        reject_service(service, by=request.user, reason=form.cleaned_data["reason"])
                    except ValidationError as error:  # decided meanwhile by someone else
                        self._skipped(request, f"{service.title}: {' '.join(error.messages)}")
                        continue
                    rejected += 1
                self.message_user(
                    request,
                    ngettext("Rejected %(n)d listing.", "Rejected %(n)d listings.", rejected)
                    % {"n": rejected},
                )
                if skipped:
                    self._skipped(request, not_pending_message(skipped))
                return None
        else:
            form = RejectionForm()
        return render(
            request,
            "admin/catalog/reject_services.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reject listings"),
                "form": form,
                "pending": pending,
                "selected": selected,
                "skipped": skipped,
                "action": "reject",
                "opts": self.model._meta,
            },
        )

    @admin.action(description=_("Make selected listings staff picks"), permissions=["change"])
    def feature(self, request, queryset):
        changed = skipped = 0
        for service in queryset:
            if not service.is_published:
                skipped += 1
            elif not service.is_featured:
                set_featured(service, by=request.user, featured=True)
                changed += 1
        self.message_user(
            request,
            ngettext(
                "Made %(n)d listing a staff pick.", "Made %(n)d listings staff picks.", changed
            )
            % {"n": changed},
        )
        if skipped:
            self._skipped(
                request,
                ngettext(
                    "Skipped %(n)d listing that is not published.",
                    "Skipped %(n)d listings that are not published.",
                    skipped,
                )
                % {"n": skipped},
            )

    @admin.action(
        description=_("Remove selected listings from staff picks"), permissions=["change"]
    )
    def unfeature(self, request, queryset):
        changed = 0
        for service in queryset.filter(is_featured=True):
            set_featured(service, by=request.user, featured=False)
            changed += 1
        self.message_user(
            request,
            ngettext(
                "Removed %(n)d listing from staff picks.",
                "Removed %(n)d listings from staff picks.",
                changed,
            )
            % {"n": changed},
        )

    @admin.action(description=_("Archive selected listings"), permissions=["change"])
    def archive(self, request, queryset):
        changed = 0
        for service in queryset.exclude(status=Service.Status.ARCHIVED):
            archive_service(service, by=request.user)
            changed += 1
        self.message_user(
            request,
            ngettext("Archived %(n)d listing.", "Archived %(n)d listings.", changed)
            % {"n": changed},
        )


# ---- instructors ---------------------------------------------------------------------------


class InstructorForm(ProviderInstructorForm):
    """The dashboard's instructor form, with the provider to choose."""

    class Meta(ProviderInstructorForm.Meta):
        fields = ["provider", *ProviderInstructorForm.Meta.fields]


@admin.register(Instructor)
class InstructorAdmin(ProviderChoiceMixin, admin.ModelAdmin):
    form = InstructorForm
    list_display = ["name", "title", "provider_name"]
    list_filter = [ProviderFilter]
    list_select_related = ["provider__provider_profile"]
    search_fields = ["name", "title", "provider__provider_profile__display_name"]
    autocomplete_fields = ["provider"]
    fields = ["provider", "name", "title", "credentials", "bio", "photo_preview", "photo"]
    readonly_fields = ["photo_preview"]

    @admin.display(description=_("provider"), ordering="provider__provider_profile__display_name")
    def provider_name(self, instructor: Instructor) -> str:
        return instructor.provider.public_name

    @admin.display(description=_("current photo"))
    def photo_preview(self, instructor: Instructor) -> str:
        return image_preview(instructor.photo, 1, 1, instructor.name)


# ---- reviews -------------------------------------------------------------------------------


class ReviewImageInline(admin.TabularInline):
    model = ReviewImage
    fields = ["preview"]
    readonly_fields = ["preview"]
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("preview"))
    def preview(self, image: ReviewImage) -> str:
        return image_preview(image.thumbnail, image.thumbnail_width, image.thumbnail_height)


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["service", "author", "stars", "is_hidden", "created_at", "has_reply"]
    list_filter = ["rating", "is_hidden"]
    list_select_related = ["service", "author"]
    search_fields = ["text", "reply", "service__title"]
    inlines = [ReviewImageInline]
    actions = ["hide", "show"]
    fields = [
        "service",
        "author",
        "package_name",
        "rating",
        "text",
        "is_hidden",
        "reply",
        "replied_at",
        "created_at",
    ]
    # Learners write reviews and providers reply; staff only hide or show them.
    readonly_fields = [
        "service",
        "author",
        "package_name",
        "rating",
        "text",
        "reply",
        "replied_at",
        "created_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting would leave the rating counters behind; hiding keeps them right.
        return False

    @admin.display(description=_("stars"), ordering="rating")
    def stars(self, review: Review) -> str:
        return "★" * review.rating + "☆" * (5 - review.rating)

    @admin.display(description=_("replied"), boolean=True, ordering="replied_at")
    def has_reply(self, review: Review) -> bool:
        return bool(review.reply)

    def save_model(self, request, obj, form, change):
        # Hiding changes the service's rating, which set_review_hidden recomputes.
        if "is_hidden" in form.changed_data:
            set_review_hidden(obj, by=request.user, hidden=obj.is_hidden)

    def _set_hidden(self, request, queryset, *, hidden: bool) -> int:
        changed = 0
        for review in queryset.filter(is_hidden=not hidden).select_related("service"):
            set_review_hidden(review, by=request.user, hidden=hidden)
            changed += 1
        return changed

    @admin.action(description=_("Hide selected reviews"), permissions=["change"])
    def hide(self, request, queryset):
        changed = self._set_hidden(request, queryset, hidden=True)
        self.message_user(
            request,
            ngettext("Hidden: %(n)d review.", "Hidden: %(n)d reviews.", changed) % {"n": changed},
        )

    @admin.action(description=_("Show selected reviews again"), permissions=["change"])
    def show(self, request, queryset):
        changed = self._set_hidden(request, queryset, hidden=False)
        self.message_user(
            request,
            ngettext("Visible again: %(n)d review.", "Visible again: %(n)d reviews.", changed)
            % {"n": changed},
        )


@admin.register(ServiceChange)
class ServiceChangeAdmin(admin.ModelAdmin):
    """Every listing's history, read-only: what providers changed on listings on sale, and
    each review decision."""

    list_display = ["created_at", "service", "kind", "author", "was_live", "what_changed"]
    list_filter = ["kind", "was_live", "section"]
    list_select_related = ["service", "author"]
    search_fields = ["service__title", "service__slug", "author__email"]
    date_hierarchy = "created_at"
    fields = ["service", "kind", "author", "section", "was_live", "created_at", "note", "details"]
    readonly_fields = fields

    @admin.display(description=_("what changed"))
    def what_changed(self, change: ServiceChange) -> str:
        return ngettext("%(n)d change", "%(n)d changes", len(change.changes)) % {
            "n": len(change.changes)
        }

    @admin.display(description=_("changes"))
    def details(self, change: ServiceChange) -> str:
        return render_to_string("catalog/_change_rows.html", {"rows": history.change_rows(change)})

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
