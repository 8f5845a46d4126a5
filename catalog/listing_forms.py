"""Forms of the provider's listing editor (/dashboard/services/): the listing's details,
its packages, add-ons and syllabus as ordered rows, the gallery, and instructors.

Every choice is limited to the provider's own objects: a row, image or instructor id that
belongs to someone else is a form error, never a change."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from ksmall.fields import MultipleFileField, MultipleFileInput

from .media import check_video, portrait_file
from .models import (
    AddOn,
    Category,
    Instructor,
    Package,
    Service,
    ServiceMedia,
    SyllabusItem,
)

IMAGE_ACCEPT = "image/jpeg,image/png,image/webp,image/gif"
VIDEO_ACCEPT = "video/mp4,video/webm"
MAX_PACKAGES = 10
MAX_ADDONS = 10
MAX_SYLLABUS = 60
MAX_GALLERY = 12
MAX_UPLOAD_AT_ONCE = 9

# How many gallery items fit is the editor's rule (``catalog.editor``); its messages:
ROOM_LEFT = _("You can add %(n)d more images now.")
GALLERY_FULL = _("The gallery is full (%(n)d items). Delete one first.")
FOREIGN_ROW = _(
    "A row of this form does not belong to this listing. Reload the page and try again."
)


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, category: Category) -> str:
        return f"{category.parent.name} › {category.name}" if category.parent_id else category.name


class ServiceForm(forms.ModelForm):
    """The listing itself: what learners read on the detail page and filter the list by."""

    category = CategoryChoiceField(
        queryset=Category.objects.none(),
        label=_("Category"),
        empty_label=_("Choose a category"),
    )
    instructors = forms.ModelMultipleChoiceField(
        queryset=Instructor.objects.none(),
        label=_("Instructors"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose among your own instructors.")},
    )

    class Meta:
        model = Service
        fields = [
            "title",
            "category",
            "summary",
            "description",
            "outcomes",
            "tags",
            "instructors",
            "mode",
            "city",
            "fulfilment",
            "starts_on",
            "study_days",
            "lesson_count",
            "refund_policy",
            "has_member_price",
        ]
        labels = {
            "title": _("Title"),
            "summary": _("One-line summary"),
            "description": _("Description"),
            "outcomes": _("What learners will get"),
            "tags": _("Tags"),
            "mode": _("Delivery mode"),
            "city": _("City"),
            "fulfilment": _("Fulfilment"),
            "starts_on": _("Start date"),
            "study_days": _("Study period (days)"),
            "lesson_count": _("Number of lessons"),
            "refund_policy": _("Refund policy"),
            "has_member_price": _("Member price"),
        }
        help_texts = {
            "summary": _("Shown on cards and in search results, up to 160 characters."),
            "description": _(
                "Markdown: **bold**, lists with “- ”, ## headings. HTML is removed when shown."
            ),
            "outcomes": _("One per line."),
            "tags": _("Separated by commas, e.g. 雅思, 口语, 考试."),
            "city": _("Required for offline services."),
            "starts_on": _("For scheduled services with a fixed start; leave empty otherwise."),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 10}),
            "outcomes": forms.Textarea(attrs={"rows": 4}),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, provider: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = (
            Category.objects.select_related("parent")
            .filter(parent__isnull=False)
            .order_by("parent__position", "parent_id", "position", "pk")
        )
        self.fields["mode"].choices = [("", _("Choose a delivery mode")), *Service.Mode.choices]
        self.fields["instructors"].queryset = Instructor.objects.filter(provider=provider)
        if not self.fields["instructors"].queryset.exists():
            self.fields["instructors"].help_text = _(
                "Add your instructors first under “Instructors”; they appear here to choose."
            )

    def clean(self):
        cleaned = super().clean()
        for name in ("description", "outcomes"):
            if cleaned.get(name):
                cleaned[name] = cleaned[name].replace("\r\n", "\n")
        if (
            cleaned.get("mode") == Service.Mode.OFFLINE
            and not cleaned.get("city", "").strip()
            and not self.has_error("city")
        ):
            self.add_error("city", _("Offline services need the city where they take place."))
        return cleaned


class RowFormSet(BaseInlineFormSet):
    """Rows of a listing (packages, add-ons, syllabus) edited together, with their order.

    A posted row id that is not one of this listing's rows makes the whole formset
    invalid with one clear message, instead of a hidden-field error."""

    def clean(self):
        super().clean()
        # Django looks a posted row id up among every row of the model, so a row of another
        # listing would be taken as a new row here: only this listing's ids may be posted,
        # each once, and only on the rows the page sent as existing ones.
        own = {str(pk) for pk in self.get_queryset().values_list("pk", flat=True)}
        seen = set()
        for index, form in enumerate(self.forms):
            posted = form.data.get(form.add_prefix(self.model._meta.pk.name)) or ""
            if not posted:
                continue
            if posted not in own or posted in seen or index >= self.initial_form_count():
                raise ValidationError(FOREIGN_ROW, code="foreign_row")
            seen.add(posted)

    def save_rows(self) -> None:
        """Save changed rows, delete the ones marked, and number the rest in order."""
        self.save(commit=False)
        for obj in self.deleted_objects:
            obj.delete()
        for position, form in enumerate(self.ordered_forms):
            form.instance.service = self.instance
            form.instance.position = position
            form.instance.save()


class PackageForm(forms.ModelForm):
    class Meta:
        model = Package
        fields = [
            "name",
            "price",
            "original_price",
            "lessons",
            "duration_days",
            "capacity",
            "is_active",
        ]
        labels = {
            "name": _("Package name"),
            "price": _("Price (¥)"),
            "original_price": _("Original price (¥)"),
            "lessons": _("Lessons"),
            "duration_days": _("Valid for (days)"),
            "capacity": _("Seats"),
            "is_active": _("On sale"),
        }
        help_texts = {"capacity": _("Empty for unlimited.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price"].min_value = 0.01
        self.fields["price"].widget.attrs.update(min="0.01", step="0.01")
        self.fields["original_price"].widget.attrs.update(min="0.01", step="0.01")

    def clean(self):
        cleaned = super().clean()
        price, original = cleaned.get("price"), cleaned.get("original_price")
        if price is not None and price <= 0:
            self.add_error("price", _("The price must be above zero."))
        if price is not None and original is not None and original < price:
            self.add_error("original_price", _("The original price cannot be below the price."))
        capacity = cleaned.get("capacity")
        if capacity is not None and capacity < self.instance.reserved:
            self.add_error(
                "capacity",
                _("%(n)d seats are already taken; the number of seats cannot be lower.")
                % {"n": self.instance.reserved},
            )
        return cleaned


class PackageFormSet(RowFormSet):
    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            package = form.instance
            if package.pk and (package.reserved or package.order_lines.exists()):
                raise ValidationError(
                    _(
                        "“%(name)s” has orders and cannot be deleted. Untick “On sale” to "
                        "stop selling it."
                    )
                    % {"name": package.name},
                    code="package_has_orders",
                )


class AddOnForm(forms.ModelForm):
    class Meta:
        model = AddOn
        fields = ["name", "description", "price", "is_active"]
        labels = {
            "name": _("Add-on name"),
            "description": _("What it includes"),
            "price": _("Price (¥)"),
            "is_active": _("On sale"),
        }

    def clean_price(self):
        price = self.cleaned_data.get("price")
        if price is not None and price <= 0:
            raise ValidationError(_("The price must be above zero."))
        return price


class SyllabusForm(forms.ModelForm):
    class Meta:
        model = SyllabusItem
        fields = ["title", "minutes", "is_free_preview"]
        labels = {
            "title": _("Lesson title"),
            "minutes": _("Minutes"),
            "is_free_preview": _("Free preview"),
        }


def _rows(form, formset, most: int, extra: int):
    return inlineformset_factory(
        Service,
        form.Meta.model,
        form=form,
        formset=formset,
        extra=extra,
        can_order=True,
        can_delete=True,
        max_num=most,
        validate_max=True,
        absolute_max=most + 5,
    )


PackageRows = _rows(PackageForm, PackageFormSet, MAX_PACKAGES, extra=1)
AddOnRows = _rows(AddOnForm, RowFormSet, MAX_ADDONS, extra=1)
SyllabusRows = _rows(SyllabusForm, RowFormSet, MAX_SYLLABUS, extra=3)


# ---- gallery --------------------------------------------------------------------------------


class ImageUploadForm(forms.Form):
    images = MultipleFileField(
        label=_("Images"),
        widget=MultipleFileInput(
            attrs={"accept": IMAGE_ACCEPT, "data-previews": "#upload-previews"}
        ),
        help_text=_("JPEG, PNG, WebP or GIF, up to 10 MB each; 1200 × 675 or larger looks best."),
    )
    caption = forms.CharField(label=_("Caption"), max_length=80, required=False)

    def clean_images(self):
        uploads = self.cleaned_data["images"]
        if not uploads:
            raise ValidationError(_("Choose at least one image."))
        if len(uploads) > MAX_UPLOAD_AT_ONCE:
            raise ValidationError(ROOM_LEFT % {"n": MAX_UPLOAD_AT_ONCE})
        return uploads


class VideoForm(forms.Form):
    video = forms.FileField(
        label=_("Video file"),
        required=False,
        widget=forms.FileInput(attrs={"accept": VIDEO_ACCEPT}),
        help_text=_("MP4 or WebM, up to 50 MB."),
    )
    video_url = forms.URLField(
        label=_("…or its address"), required=False, assume_scheme="https", max_length=200
    )
    caption = forms.CharField(label=_("Caption"), max_length=80, required=False)

    def clean(self):
        cleaned = super().clean()
        upload, url = cleaned.get("video"), cleaned.get("video_url", "")
        if isinstance(upload, UploadedFile):
            try:
                check_video(upload)
            except ValidationError as error:
                self.add_error("video", error)
        elif url and not url.startswith("https://"):
            self.add_error("video_url", _("Enter an https:// address."))
        elif not url and not self.has_error("video_url"):
            raise ValidationError(_("Upload a video or enter its https:// address."))
        return cleaned


class GalleryForm(forms.ModelForm):
    class Meta:
        model = ServiceMedia
        fields = ["caption"]
        labels = {"caption": _("Caption")}


class GalleryFormSet(RowFormSet):
    """Captions, order and deletion of the items already in the gallery, and the cover: a
    posted ``cover`` must be one of this listing's images."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cover = self.instance.cover

    def clean(self):
        super().clean()
        if self.is_bound and "cover" in self.data:
            chosen = str(self.data.get("cover", ""))
            deleted = {form.instance.pk for form in self.deleted_forms}
            images = {
                str(form.instance.pk): form.instance
                for form in self.forms
                if form.instance.pk
                and not form.instance.is_video
                and form.instance.pk not in deleted
            }
            own_images = {
                str(form.instance.pk)
                for form in self.forms
                if form.instance.pk and not form.instance.is_video
            }
            if chosen not in own_images:
                raise ValidationError(
                    _("Choose the cover among this listing's images."), code="foreign_cover"
                )
            # A cover marked for deletion gives way to the first image left.
            self.cover = images.get(chosen)


GalleryRows = inlineformset_factory(
    Service,
    ServiceMedia,
    form=GalleryForm,
    formset=GalleryFormSet,
    extra=0,
    can_order=True,
    can_delete=True,
    max_num=MAX_GALLERY,
    absolute_max=MAX_GALLERY + 5,
)


# ---- instructors ----------------------------------------------------------------------------


class InstructorForm(forms.ModelForm):
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": IMAGE_ACCEPT, "data-preview": "#photo-preview"}
        ),
        help_text=_("A portrait; it is cropped to a square."),
    )

    class Meta:
        model = Instructor
        fields = ["name", "title", "credentials", "bio", "photo"]
        labels = {
            "name": _("Name"),
            "title": _("Job title"),
            "credentials": _("Credentials"),
            "bio": _("Biography"),
        }
        widgets = {
            "credentials": forms.Textarea(attrs={"rows": 3}),
            "bio": forms.Textarea(attrs={"rows": 5}),
        }

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if isinstance(photo, UploadedFile):
            return portrait_file(photo)  # a square JPEG without metadata, or a form error
        return photo
