"""A listing's history: which steps of the review workflow it went through, and what each
edit changed, field by field, so that staff can see what went live without review.

``describe`` compares a validated editor form (or formset) with the rows in the database
before it is saved; ``record`` writes one ``ServiceChange``; ``change_rows`` turns the
stored changes back into labelled lines for admin and the editor's history page.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.base_user import AbstractBaseUser as User
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.forms import BaseFormSet, BaseModelForm
from django.utils.translation import gettext as _

from .models import Service, ServiceChange

# Long texts (description, outcomes) are kept in full up to this length on each side.
VALUE_MAX_LENGTH = 2000
# Formset bookkeeping, not listing data.
IGNORED_FIELDS = frozenset({"ORDER", "DELETE", "id", "service", "position"})

ADDED, CHANGED, REMOVED, MOVED = "added", "changed", "removed", "moved"


def record(
    service: Service,
    kind: str,
    *,
    by: User | None,
    section: str = "",
    changes: list[dict] | None = None,
    note: str = "",
) -> ServiceChange:
    return ServiceChange.objects.create(
        service=service,
        kind=kind,
        author=by,
        section=section,
        changes=changes or [],
        note=note,
        was_live=service.status == Service.Status.PUBLISHED,
    )


def describe(form: BaseModelForm | BaseFormSet) -> list[dict]:
    """What saving ``form`` (validated, not yet saved) will change, compared with the
    database: one entry per changed field, added or removed row, and a changed order."""
    if isinstance(form, BaseFormSet):
        return _describe_formset(form)
    model = form._meta.model
    old = model.objects.filter(pk=form.instance.pk).first() if form.instance.pk else None
    return _describe_form(form, old, model._meta.model_name)


def _describe_form(form: BaseModelForm, old, model_name: str) -> list[dict]:
    if old is None:
        return []
    rows = []
    for name in form.changed_data:
        if name in IGNORED_FIELDS:
            continue
        before = _text(_current(old, name))
        after = _text(_display(old, name, form.cleaned_data.get(name)))
        if before != after:
            rows.append(entry(model_name, str(old), name, CHANGED, before=before, after=after))
    return rows


def _describe_formset(formset: BaseFormSet) -> list[dict]:
    model = formset.model
    model_name = model._meta.model_name
    kept = [form for form in formset.initial_forms if form.instance.pk]
    old = model.objects.in_bulk([form.instance.pk for form in kept])
    deleted = set(map(id, formset.deleted_forms)) if formset.can_delete else set()
    rows: list[dict] = []
    for form in formset.forms:
        instance = old.get(form.instance.pk) if form.instance.pk else None
        if id(form) in deleted:
            if instance is not None:
                rows.append(entry(model_name, str(instance), "", REMOVED))
        elif instance is None:
            if form.has_changed():
                rows.append(_added(form, model_name))
        else:
            rows.extend(_describe_form(form, instance, model_name))
    if formset.can_order:
        rows.extend(_describe_order(formset, old, model_name))
    return rows


def _added(form: BaseModelForm, model_name: str) -> dict:
    row = entry(
        model_name,
        str(form.cleaned_data.get("name") or form.cleaned_data.get("title") or ""),
        "",
        ADDED,
    )
    # Field names, not labels: the reader's language labels them (see ``change_rows``).
    row["values"] = [
        [name, _text(_display(form.instance, name, form.cleaned_data[name]))[:VALUE_MAX_LENGTH]]
        for name in form.fields
        if name not in IGNORED_FIELDS and form.cleaned_data.get(name) not in (None, "", [])
    ]
    return row


def _describe_order(formset: BaseFormSet, old: dict, model_name: str) -> list[dict]:
    """One "moved" entry when the rows that stay come in a new order."""
    after = [form.instance.pk for form in formset.ordered_forms if form.instance.pk]
    before = [
        obj.pk
        for obj in sorted(old.values(), key=lambda obj: (obj.position, obj.pk))
        if obj.pk in after
    ]
    if before == after:
        return []
    return [
        entry(
            model_name,
            "",
            "position",
            MOVED,
            before="、".join(str(old[pk]) for pk in before),
            after="、".join(str(old[pk]) for pk in after),
        )
    ]


def entry(model: str, obj: str, field: str, action: str, *, before="", after="") -> dict:
    return {
        "model": model,
        "object": obj,
        "field": field,
        "action": action,
        "before": before[:VALUE_MAX_LENGTH],
        "after": after[:VALUE_MAX_LENGTH],
    }


def media_name(item) -> str:
    """How a gallery item is named in the history: its caption, else its kind."""
    return item.caption or str(item.get_kind_display())


def _display(instance: models.Model, name: str, value):
    """A form's value for ``name`` as the database side is shown: a choice by its label."""
    field = instance._meta.get_field(name)
    if field.choices and not field.many_to_many:
        return dict(field.flatchoices).get(value, value)
    return value


def _current(instance: models.Model, name: str):
    field = instance._meta.get_field(name)
    if field.many_to_many:
        return list(getattr(instance, name).all())
    if field.choices:
        return getattr(instance, f"get_{name}_display")()
    return getattr(instance, name)


def _text(value) -> str:
    """One stored form of a value, the same for the database's side and the form's."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | models.QuerySet):
        return "、".join(sorted(str(item) for item in value))
    # Browsers send textarea lines with CRLF; the same text must not read as changed.
    return str(value).replace("\r\n", "\n").strip()


def _label(model_name: str, field_name: str) -> str:
    try:
        model = apps.get_model("catalog", model_name)
        return str(model._meta.get_field(field_name).verbose_name)
    except (LookupError, FieldDoesNotExist):
        return field_name


@dataclass(frozen=True)
class ChangeRow:
    """One line of a history entry, ready to show."""

    subject: str  # "套餐「基础班」" or "" for the listing itself
    field: str  # the field's label, translated
    action: str
    before: str
    after: str


def change_rows(change: ServiceChange) -> list[ChangeRow]:
    rows = []
    for item in change.changes:
        model = item.get("model", "service")
        subject = ""
        if model != "service":
            kind = str(apps.get_model("catalog", model)._meta.verbose_name)
            subject = (
                _("%(kind)s “%(name)s”") % {"kind": kind, "name": item["object"]}
                if item.get("object")
                else kind
            )
        field = _label(model, item["field"]) if item.get("field") else ""
        if item["action"] == MOVED:
            field = _("Position")
        after = item["after"]
        if item.get("values"):
            after = _("; ").join(
                _("%(field)s: %(value)s") % {"field": _label(model, name), "value": value}
                for name, value in item["values"]
            )
        rows.append(ChangeRow(subject, field, item["action"], item["before"], after))
    return rows
