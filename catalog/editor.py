"""The provider's side of a listing's life: creating it, editing each part, the gallery,
instructors, and the moves the provider makes (submit, withdraw, take off the shelf, put
back, archive). Staff approve and reject in ``catalog.services``.

Who may edit what, and when:

| status    | provider may edit | moves the provider can make              |
|-----------|-------------------|------------------------------------------|
| draft     | yes               | submit → pending, archive                |
| pending   | no (under review) | withdraw → draft                         |
| rejected  | yes               | submit → pending, archive                |
| published | yes, goes live    | unlist → unlisted, archive               |
| unlisted  | yes               | relist → published, archive              |
| archived  | no                | —                                        |

Every edit is recorded in the listing's history once it has been published, so staff can
read what went live without review; drafts record it too, which costs little.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms import BaseFormSet, BaseModelForm
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import is_provider

from . import history
from .listing_forms import (
    GALLERY_FULL,
    MAX_GALLERY,
    ROOM_LEFT,
    GalleryFormSet,
    RowFormSet,
)
from .models import Instructor, Service, ServiceChange, ServiceMedia
from .services import add_gallery_images, add_video, refresh_listing

Status = Service.Status
Kind = ServiceChange.Kind

EDITABLE = frozenset({Status.DRAFT, Status.REJECTED, Status.PUBLISHED, Status.UNLISTED})

# (status, move) → (new status, history kind)
MOVES = {
    (Status.DRAFT, "submit"): (Status.PENDING, Kind.SUBMITTED),
    (Status.REJECTED, "submit"): (Status.PENDING, Kind.SUBMITTED),
    (Status.PENDING, "withdraw"): (Status.DRAFT, Kind.WITHDRAWN),
    (Status.PUBLISHED, "unlist"): (Status.UNLISTED, Kind.UNLISTED),
    (Status.UNLISTED, "relist"): (Status.PUBLISHED, Kind.RELISTED),
    **{
        (status, "archive"): (Status.ARCHIVED, Kind.ARCHIVED)
        for status in (Status.DRAFT, Status.REJECTED, Status.PUBLISHED, Status.UNLISTED)
    },
}


def provider_moves(service: Service) -> list[str]:
    """The moves open to the provider now, for the editor's buttons."""
    return [move for (status, move) in MOVES if status == service.status]


def _locked_own(service: Service, by: User) -> Service:
    """``service`` re-read under a row lock, if ``by`` is its provider."""
    if not is_provider(by) or service.provider_id != by.pk:
        raise PermissionDenied
    locked = Service.objects.select_for_update().get(pk=service.pk)
    service.status = locked.status
    return locked


def check_editable(service: Service) -> None:
    if service.status == Status.PENDING:
        raise ValidationError(
            _("The listing is being reviewed. Withdraw it from review to change it."),
            code="under_review",
        )
    if service.status not in EDITABLE:
        raise ValidationError(_("An archived listing cannot be changed."), code="archived")


@transaction.atomic
def create_listing(form: BaseModelForm, *, by: User) -> Service:
    """A new draft from a validated ``ServiceForm``."""
    if not is_provider(by):
        raise PermissionDenied
    service = form.save(commit=False)
    service.provider = by
    service.status = Status.DRAFT
    service.save()
    form.save_m2m()
    refresh_listing(service)
    history.record(service, Kind.CREATED, by=by)
    return service


@transaction.atomic
def save_section(
    service: Service, form: BaseModelForm | BaseFormSet, *, by: User, section: str
) -> list[dict]:
    """Save one validated part of the editor (the details form or a formset of rows) and
    record what changed. Returns the changes (empty when nothing changed)."""
    locked = _locked_own(service, by)
    check_editable(locked)
    changes = history.describe(form)
    is_gallery = isinstance(form, GalleryFormSet)
    old_cover = history.media_name(locked.cover) if is_gallery and locked.cover_id else ""
    if isinstance(form, RowFormSet):
        form.save_rows()
    else:
        _save_own_fields(form)
    locked.refresh_from_db()
    if is_gallery:
        changes += _set_cover(locked, form.cover, old_cover)
    refresh_listing(locked)
    if changes:
        history.record(locked, Kind.EDITED, by=by, section=section, changes=changes)
    service.refresh_from_db()
    return changes


def _save_own_fields(form: BaseModelForm) -> None:
    """Save only the form's fields (and its many-to-many choices): counters such as views
    and sales, written meanwhile by others, are left as they are in the database."""
    instance = form.save(commit=False)
    concrete = {field.name for field in instance._meta.concrete_fields}
    instance.save(update_fields=[name for name in form.fields if name in concrete] + ["updated_at"])
    form.save_m2m()


def gallery_room(service: Service) -> int:
    """How many more items the gallery takes."""
    return max(MAX_GALLERY - service.media.count(), 0)


def _check_room(service: Service, adding: int) -> None:
    room = gallery_room(service)
    if room == 0:
        raise ValidationError(GALLERY_FULL % {"n": MAX_GALLERY}, code="gallery_full")
    if adding > room:
        raise ValidationError(ROOM_LEFT % {"n": room}, code="gallery_full")


def _set_cover(service: Service, cover: ServiceMedia | None, old_cover: str) -> list[dict]:
    """Make ``cover`` the cover; when it was deleted or none was chosen, the first image
    left (or none). ``service`` was just re-read, so its cover id is current."""
    images = service.media.filter(kind=ServiceMedia.Kind.IMAGE)
    if cover is None or not images.filter(pk=cover.pk).exists():
        cover = images.order_by("position", "pk").first()
    if (cover.pk if cover else None) == service.cover_id:
        return []
    Service.objects.filter(pk=service.pk).update(cover=cover, updated_at=timezone.now())
    service.cover = cover
    return [
        history.entry(
            "service",
            "",
            "cover",
            history.CHANGED,
            before=old_cover,
            after=history.media_name(cover) if cover else "",
        )
    ]


@transaction.atomic
def add_images(service: Service, uploads, *, by: User, caption: str = "") -> list[ServiceMedia]:
    """Append images to the gallery (each re-encoded, or a ValidationError and nothing
    added); the first image of a listing becomes its cover."""
    locked = _locked_own(service, by)
    check_editable(locked)
    _check_room(locked, len(uploads))
    items = add_gallery_images(locked, uploads, caption=caption)
    history.record(
        locked,
        Kind.EDITED,
        by=by,
        section="media",
        changes=[
            history.entry("servicemedia", history.media_name(item), "", history.ADDED)
            for item in items
        ],
    )
    return items


@transaction.atomic
def add_clip(
    service: Service, *, by: User, upload=None, url: str = "", caption: str = ""
) -> ServiceMedia:
    locked = _locked_own(service, by)
    check_editable(locked)
    _check_room(locked, 1)
    item = add_video(locked, upload=upload, url=url, caption=caption)
    history.record(
        locked,
        Kind.EDITED,
        by=by,
        section="media",
        changes=[
            history.entry(
                "servicemedia", history.media_name(item), "", history.ADDED, after=item.video_src
            )
        ],
    )
    return item


@transaction.atomic
def move(service: Service, action: str, *, by: User) -> Service:
    """Apply one of the provider's ``MOVES`` (submit, withdraw, unlist, relist, archive)."""
    locked = _locked_own(service, by)
    target = MOVES.get((locked.status, action))
    if target is None:
        raise ValidationError(
            _("A listing that is “%(status)s” cannot be changed that way.")
            % {"status": locked.get_status_display()},
            code="invalid_move",
        )
    if action == "submit":
        _check_complete(locked)
    new_status, kind = target
    locked.status = new_status
    fields = ["status", "updated_at"]
    if new_status == Status.ARCHIVED:
        locked.is_featured = False
        fields.append("is_featured")
    locked.save(update_fields=fields)
    history.record(locked, kind, by=by)
    service.refresh_from_db()
    return service


def _check_complete(service: Service) -> None:
    """What staff need to review a listing: a package on sale and a cover image."""
    missing = []
    if not service.packages.filter(is_active=True).exists():
        missing.append(_("Add at least one package on sale before submitting."))
    if service.cover_id is None:
        missing.append(_("Add at least one image, for the cover, before submitting."))
    if missing:
        raise ValidationError(missing, code="incomplete")


# ---- instructors ----------------------------------------------------------------------------


@transaction.atomic
def save_instructor(form: BaseModelForm, *, by: User) -> Instructor:
    """Create or update one of the provider's instructors (``catalog.signals`` keeps the
    search text of their listings in step with a new name)."""
    if not is_provider(by) or (form.instance.pk and form.instance.provider_id != by.pk):
        raise PermissionDenied
    instructor = form.save(commit=False)
    instructor.provider = by
    instructor.save()
    return instructor


@transaction.atomic
def delete_instructor(instructor: Instructor, *, by: User) -> None:
    """Remove one of the provider's instructors from every listing (the signals refresh
    those listings' search text)."""
    if instructor.provider_id != by.pk:
        raise PermissionDenied
    instructor.delete()
