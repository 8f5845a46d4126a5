"""Helpers for the listing editor's tests: listings in a given state, and the data a
browser posts for the editor's forms and formsets."""

from decimal import Decimal

from django.db.models.fields.files import FieldFile

from catalog import editor
from catalog.listing_forms import ServiceForm
from catalog.models import Service, ServiceChange, ServiceMedia
from catalog.tests.factories import CategoryFactory, PackageFactory, ServiceFactory

Status = Service.Status


# --- building listings and what a browser posts -----------------------------------------------


def listing(status: str = Status.DRAFT, **fields) -> Service:
    """A listing in a sub-category (the only ones the editor offers) in ``status``."""
    fields.setdefault("category", CategoryFactory(parent=CategoryFactory()))
    if status == Status.REJECTED:
        fields.setdefault("rejection_reason", "资质证明不清晰")
    return ServiceFactory(status=status, **fields)


def with_cover(service: Service) -> ServiceMedia:
    """A gallery image made the cover, written straight to the database (no file)."""
    item = ServiceMedia.objects.create(
        service=service,
        kind=ServiceMedia.Kind.IMAGE,
        image=f"services/{service.pk}.webp",
        width=1200,
        height=675,
        thumbnail=f"services/{service.pk}-s.webp",
        thumbnail_width=400,
        thumbnail_height=225,
        position=service.media.count(),
    )
    Service.objects.filter(pk=service.pk).update(cover=item)
    service.refresh_from_db()
    return item


def complete(status: str = Status.DRAFT, **fields) -> Service:
    """A listing that can be submitted: a package on sale and a cover image."""
    service = listing(status, **fields)
    PackageFactory(service=service, name="基础班", price=Decimal("299.00"))
    with_cover(service)
    return service


def browser_data(*forms) -> dict:
    """What a browser sends back from forms rendered untouched (formsets: pass the
    management form and every row)."""
    data: dict = {}
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or isinstance(value, FieldFile) or field.name == "DELETE":
                continue
            if isinstance(value, bool):
                if value:
                    data[field.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[field.html_name] = [str(v) for v in value]
            else:
                data[field.html_name] = str(value)
    return data


def details_data(service: Service, **changes) -> dict:
    form = ServiceForm(instance=service, provider=service.provider)
    return {**browser_data(form), **changes}


def details_form(service: Service, **changes) -> ServiceForm:
    form = ServiceForm(
        details_data(service, **changes), instance=service, provider=service.provider
    )
    assert form.is_valid(), form.errors
    return form


def rows_data(rows, service: Service, prefix: str) -> dict:
    formset = rows(instance=service, prefix=prefix)
    return browser_data(formset.management_form, *formset.forms)


def index_of(data: dict, prefix: str, pk: int) -> int:
    for key, value in data.items():
        if key.startswith(f"{prefix}-") and key.endswith("-id") and value == str(pk):
            return int(key.split("-")[1])
    raise AssertionError(f"no row {pk} in {prefix}")


def change_row(data: dict, prefix: str, pk: int, **values) -> dict:
    index = index_of(data, prefix, pk)
    data.update({f"{prefix}-{index}-{name}": value for name, value in values.items()})
    return data


def add_row(data: dict, prefix: str, **values) -> dict:
    """Fill one more new row (after the empty ones the page rendered)."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data.update({f"{prefix}-{index}-{name}": value for name, value in values.items()})
    return data


def bound(rows, service: Service, prefix: str, data: dict):
    return rows(data, instance=service, prefix=prefix)


def save_rows(rows, service: Service, prefix: str, data: dict) -> list[dict]:
    formset = bound(rows, service, prefix, data)
    assert formset.is_valid(), (formset.errors, formset.non_form_errors())
    return editor.save_section(service, formset, by=service.provider, section=prefix)


def last_change(service: Service) -> ServiceChange:
    return service.changes.order_by("-pk").first()


def reloaded(obj):
    obj.refresh_from_db()
    return obj
