"""Ticket forms: the learner's new ticket, reply, reopen and rating; the console's filters,
reply, resolution, assignment and the platform's refund decision. Files are checked here
(``checked_attachments``); rules that depend on the ticket are the services' (support.tickets).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.selectors import active_agents
from ksmall.documents import checked_document
from ksmall.fields import MultipleFileField, MultipleFileInput

from . import tickets
from .models import RATING_CHOICES, Ticket


def checked_attachments(uploads) -> list:
    """Clean copies of the uploaded files (images re-encoded to JPEG, PDFs without active
    content, at most 10 MB each), or one ValidationError naming every file refused."""
    checked, problems = [], []
    for upload in uploads:
        try:
            checked.append(checked_document(upload, max_bytes=tickets.ATTACHMENT_MAX_BYTES))
        except ValidationError as error:
            problems += [f"{upload.name}: {message}" for message in error.messages]
    if problems:
        raise ValidationError(problems)
    return checked


def attachments_field() -> MultipleFileField:
    return MultipleFileField(
        label=_("Attachments"),
        required=False,
        max_files=tickets.MAX_ATTACHMENTS,
        help_text=_("Up to 5 images or PDF files, 10 MB each: screenshots, receipts, chats."),
        widget=MultipleFileInput(attrs={"accept": "image/*,application/pdf"}),
        error_messages={"too_many_files": _("Attach at most %(n)d files.")},
    )


def text_field(label, *, rows: int = 4, max_length: int = tickets.BODY_LENGTH, **kwargs):
    return forms.CharField(
        label=label,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": max_length}),
        **kwargs,
    )


class OrderSelect(forms.Select):
    """The order choice; orders whose rejected refund can go to the platform are marked
    (``data-escalatable``) so the page shows the escalation box only for them."""

    def __init__(self, *args, escalatable: frozenset[str] = frozenset(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.escalatable = escalatable

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.escalatable:
            option["attrs"]["data-escalatable"] = "true"
        return option


class OrderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, order) -> str:
        return f"{order.order_no} · {order.title}"


class TicketForm(forms.Form):
    """A new complaint or suggestion. The order list holds only the learner's own orders,
    so another learner's order number is "not a valid choice"."""

    kind = forms.ChoiceField(label=_("Type"), choices=Ticket.Kind.choices, widget=forms.RadioSelect)
    order = OrderChoiceField(
        label=_("Related order"),
        queryset=None,
        required=False,
        to_field_name="order_no",
        empty_label=_("Not about an order"),
    )
    escalate = forms.BooleanField(
        label=_("Ask the platform to step in on the rejected refund"),
        required=False,
        help_text=_(
            "The provider rejected your refund. Customer service and operations staff will "
            "review the order and decide."
        ),
    )
    subject = forms.CharField(
        label=pgettext_lazy("ticket", "Subject"),
        max_length=tickets.SUBJECT_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": _("In a few words: what is it about?")}),
    )
    body = text_field(pgettext_lazy("ticket", "Description"), rows=6)
    attachments = attachments_field()

    def __init__(self, *args, learner, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.escalatable = frozenset(tickets.escalatable_order_nos(learner))
        field = self.fields["order"]
        field.queryset = tickets.learner_orders_for_form(learner)
        field.widget = OrderSelect(escalatable=self.escalatable)
        field.widget.choices = field.choices
        self.fields["body"].widget.attrs["placeholder"] = _(
            "What happened, when, and what you would like us to do."
        )

    def clean_attachments(self) -> list:
        return checked_attachments(self.cleaned_data["attachments"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("escalate"):
            order = cleaned.get("order")
            if order is None or order.order_no not in self.escalatable:
                self.add_error(
                    "escalate",
                    _("Choose an order whose refund the provider rejected."),
                )
            elif cleaned.get("kind") and cleaned["kind"] != Ticket.Kind.COMPLAINT:
                self.add_error(
                    "kind",
                    _("Asking the platform to step in on a refund is a complaint."),
                )
        return cleaned


class ReplyForm(forms.Form):
    body = text_field(_("Your reply"), rows=4)
    attachments = attachments_field()

    def clean_attachments(self) -> list:
        return checked_attachments(self.cleaned_data["attachments"])


class ReopenForm(forms.Form):
    note = text_field(_("Why reopen it?"), rows=3)


class ResolveForm(forms.Form):
    note = text_field(
        _("Resolution"),
        rows=3,
        help_text=_("What was done: the learner reads it in the thread."),
    )


class RateForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How did we do?"),
        choices=[(score, label) for score, label in reversed(RATING_CHOICES)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=tickets.RATING_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": tickets.RATING_COMMENT_LENGTH}),
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, empty_label=_("Choose an agent")
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = active_agents()


class DecisionForm(forms.Form):
    """Staff decide a refund put to the platform: one note, two buttons."""

    APPROVE, REJECT = "approve", "reject"

    # Sent by the button pressed: one per choice.
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (APPROVE, _("Approve the refund (the platform forces it)")),
            (REJECT, _("Maintain the provider's rejection")),
        ],
        error_messages={"required": _("Choose whether to approve the refund or not.")},
    )
    note = text_field(
        _("Reason given to the learner"),
        rows=3,
        max_length=tickets.DECISION_LENGTH,
    )


class ConsoleFilterForm(forms.Form):
    """The console's filters; a value that is not one of the choices falls back to the
    default instead of failing the page."""

    status = forms.ChoiceField(
        choices=[(slug, label) for slug, label, _statuses in tickets.CONSOLE_STATUSES],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("Any type")), *Ticket.Kind.choices],
        required=False,
    )
    owner = forms.ChoiceField(
        label=_("Assigned"),
        choices=[("all", _("All")), ("mine", _("Assigned to me")), ("unassigned", _("Unassigned"))],
        required=False,
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=80,
        widget=forms.SearchInput(
            attrs={"placeholder": _("Ticket number, subject, email or phone")}
        ),
    )

    DEFAULTS = {"status": "open", "kind": "", "owner": "all", "q": ""}

    def filters(self) -> dict[str, str]:
        """The valid values, each invalid or missing one replaced by its default."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            name: (cleaned.get(name) if name not in self.errors else None) or default
            for name, default in self.DEFAULTS.items()
        }
