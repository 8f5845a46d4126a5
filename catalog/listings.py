"""/dashboard/services/: the provider's listings and the listing editor — details,
packages, add-ons, syllabus, gallery, history, the review workflow's buttons — and the
provider's instructors. Writes go through ``catalog.editor``; another provider's listing,
row, image or instructor is a 404 or a refused form."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.permissions import provider_required

from . import editor, history
from .listing_forms import (
    MAX_GALLERY,
    AddOnRows,
    GalleryRows,
    ImageUploadForm,
    InstructorForm,
    PackageRows,
    ServiceForm,
    SyllabusRows,
    VideoForm,
)
from .models import Instructor, Service, ServiceChange

PER_PAGE = 20
HISTORY_PER_PAGE = 30
Status = Service.Status

# ?status= tabs of the listing page, in the order a provider looks for them.
STATUS_TABS = [
    Status.PUBLISHED,
    Status.DRAFT,
    Status.PENDING,
    Status.REJECTED,
    Status.UNLISTED,
    Status.ARCHIVED,
]

# The editor's parts that are rows of the listing: section → (formset, what to say).
ROW_SECTIONS = {
    "packages": (
        PackageRows,
        gettext_lazy(
            "What learners buy: each package has its price and, if you like, an original "
            "price shown struck through, a number of lessons, how long it is valid and a "
            "number of seats. A package with orders cannot be deleted; untick “On sale” "
            "to stop selling it."
        ),
    ),
    "addons": (
        AddOnRows,
        gettext_lazy(
            "Optional extras bought together with a package, such as 1对1答疑 or printed materials."
        ),
    ),
    "syllabus": (
        SyllabusRows,
        gettext_lazy(
            "The lessons in order. Mark the ones learners may watch or attend for free "
            "before buying."
        ),
    ),
}

MOVE_MESSAGES = {
    "submit": gettext_lazy(
        "Submitted. The operations team usually reviews a listing within one working day."
    ),
    "withdraw": gettext_lazy("Withdrawn from review. The listing is a draft again."),
    "unlist": gettext_lazy("The listing is off the shelf: learners can no longer find or buy it."),
    "relist": gettext_lazy("The listing is back on sale."),
    "archive": gettext_lazy("The listing is archived."),
}


def _own_listing(request, slug: str) -> Service:
    return get_object_or_404(
        Service.objects.select_related("category__parent", "cover"),
        slug=slug,
        provider=request.user,
    )


def _editor_context(service: Service, section: str, **extra) -> dict:
    return {
        "section": "services",
        "service": service,
        "editor_section": section,
        "is_editable": service.status in editor.EDITABLE,
        "moves": editor.provider_moves(service),
        **extra,
    }


# ---- the list -------------------------------------------------------------------------------


@provider_required
def listing_list(request):
    own = Service.objects.filter(provider=request.user)
    counts = own.aggregate(
        all=Count("pk"), **{status: Count("pk", filter=Q(status=status)) for status in STATUS_TABS}
    )
    status = request.GET.get("status", "")
    if status not in STATUS_TABS:
        status = ""
    listings = (
        (own.filter(status=status) if status else own.exclude(status=Status.ARCHIVED))
        .select_related("category", "cover")
        .order_by("-updated_at", "-pk")
    )
    page = Paginator(listings, PER_PAGE).get_page(request.GET.get("page"))
    tabs = [
        {
            "status": "",
            "label": _("All but archived"),
            "count": counts["all"] - counts[Status.ARCHIVED],
        }
    ]
    tabs += [
        {"status": value, "label": Status(value).label, "count": counts[value]}
        for value in STATUS_TABS
    ]
    return render(
        request,
        "catalog/dashboard/listings.html",
        {
            "section": "services",
            "tabs": tabs,
            "current_status": status,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "query": f"status={status}" if status else "",
        },
    )


# ---- create and edit ------------------------------------------------------------------------


@provider_required
def listing_create(request):
    form = ServiceForm(request.POST or None, provider=request.user)
    if request.method == "POST" and form.is_valid():
        service = editor.create_listing(form, by=request.user)
        messages.success(request, _("Draft saved. Next, add the packages learners can buy."))
        return redirect("dashboard_catalog:listing_packages", slug=service.slug)
    return render(
        request,
        "catalog/dashboard/listing_create.html",
        {"section": "services", "form": form},
    )


@provider_required
def listing_details(request, slug: str):
    service = _own_listing(request, slug)
    form = ServiceForm(request.POST or None, instance=service, provider=request.user)
    if request.method == "POST" and form.is_valid() and _save(request, service, form, "details"):
        return redirect("dashboard_catalog:listing_details", slug=service.slug)
    return render(
        request,
        "catalog/dashboard/listing_details.html",
        _editor_context(service, "details", form=form),
    )


@provider_required
def listing_rows(request, slug: str, part: str):
    if part not in ROW_SECTIONS:
        raise Http404
    service = _own_listing(request, slug)
    rows, intro = ROW_SECTIONS[part]
    formset = rows(request.POST or None, instance=service, prefix=part)
    if request.method == "POST" and formset.is_valid() and _save(request, service, formset, part):
        return redirect(f"dashboard_catalog:listing_{part}", slug=service.slug)
    return render(
        request,
        "catalog/dashboard/listing_rows.html",
        _editor_context(service, part, formset=formset, intro=intro),
    )


def _save(request, service: Service, form, section: str) -> bool:
    """Save one part through the editor; False (with a message) when it was refused."""
    try:
        changes = editor.save_section(service, form, by=request.user, section=section)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    if not changes:
        messages.info(request, _("Nothing changed."))
    elif service.status == Status.PUBLISHED:
        messages.success(request, _("Saved. The changes are live on the listing."))
    else:
        messages.success(request, _("Saved."))
    return True


# ---- gallery --------------------------------------------------------------------------------


@provider_required
def listing_media(request, slug: str):
    service = _own_listing(request, slug)
    gallery = GalleryRows(request.POST or None, instance=service, prefix="media")
    if (
        request.method == "POST"
        and gallery.is_valid()
        and _save(request, service, gallery, "media")
    ):
        return redirect("dashboard_catalog:listing_media", slug=service.slug)
    return _media_page(request, service, gallery=gallery)


def _media_page(request, service: Service, **forms):
    context = {
        "gallery": GalleryRows(instance=service, prefix="media"),
        "image_form": ImageUploadForm(),
        "video_form": VideoForm(),
        "room": editor.gallery_room(service),
        "max_gallery": MAX_GALLERY,
        **forms,
    }
    return render(
        request,
        "catalog/dashboard/listing_media.html",
        _editor_context(service, "media", **context),
    )


@provider_required
@require_POST
def listing_add_images(request, slug: str):
    service = _own_listing(request, slug)
    form = ImageUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            items = editor.add_images(
                service,
                form.cleaned_data["images"],
                by=request.user,
                caption=form.cleaned_data["caption"],
            )
        except ValidationError as error:
            form.add_error("images", error)
        else:
            messages.success(
                request,
                ngettext("%(n)d image added.", "%(n)d images added.", len(items))
                % {"n": len(items)},
            )
            return redirect("dashboard_catalog:listing_media", slug=service.slug)
    return _media_page(request, service, image_form=form)


@provider_required
@require_POST
def listing_add_video(request, slug: str):
    service = _own_listing(request, slug)
    form = VideoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            editor.add_clip(
                service,
                by=request.user,
                upload=form.cleaned_data.get("video"),
                url=form.cleaned_data.get("video_url", ""),
                caption=form.cleaned_data["caption"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Video added."))
            return redirect("dashboard_catalog:listing_media", slug=service.slug)
    return _media_page(request, service, video_form=form)


# ---- workflow and history -------------------------------------------------------------------


@provider_required
@require_POST
def listing_move(request, slug: str, action: str):
    service = _own_listing(request, slug)
    try:
        editor.move(service, action, by=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, MOVE_MESSAGES[action])
    return redirect("dashboard_catalog:listing_details", slug=service.slug)


@provider_required
def listing_history(request, slug: str):
    service = _own_listing(request, slug)
    changes = ServiceChange.objects.filter(service=service).select_related("author")
    page = Paginator(changes, HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    entries = [(change, history.change_rows(change)) for change in page]
    return render(
        request,
        "catalog/dashboard/listing_history.html",
        _editor_context(
            service,
            "history",
            page=page,
            entries=entries,
            page_range=page.paginator.get_elided_page_range(page.number),
        ),
    )


# ---- instructors ----------------------------------------------------------------------------


@provider_required
def instructor_list(request):
    instructors = (
        Instructor.objects.filter(provider=request.user)
        .annotate(listing_count=Count("services"))
        .order_by("pk")
    )
    return render(
        request,
        "catalog/dashboard/instructors.html",
        {"section": "services", "instructors": instructors},
    )


@provider_required
def instructor_edit(request, instructor_id: int | None = None):
    instructor = None
    if instructor_id is not None:
        instructor = get_object_or_404(Instructor, pk=instructor_id, provider=request.user)
    form = InstructorForm(request.POST or None, request.FILES or None, instance=instructor)
    if request.method == "POST" and form.is_valid():
        saved = editor.save_instructor(form, by=request.user)
        messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
        return redirect("dashboard_catalog:instructors")
    return render(
        request,
        "catalog/dashboard/instructor_form.html",
        {"section": "services", "form": form, "instructor": instructor},
    )


@provider_required
@require_POST
def instructor_delete(request, instructor_id: int):
    instructor = get_object_or_404(Instructor, pk=instructor_id, provider=request.user)
    editor.delete_instructor(instructor, by=request.user)
    messages.success(request, _("%(name)s is removed.") % {"name": instructor.name})
    return redirect("dashboard_catalog:instructors")
