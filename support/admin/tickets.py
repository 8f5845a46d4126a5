"""Admin for the tickets part of support: the list with filters and search, and each ticket
with its thread, files (through the checked file view: private files have no URL) and
timeline, read-only. Staff handle a ticket with a small form on its page (assign, move,
reply) that goes through ``support.tickets``: a refused step shows an error and changes
nothing. Tickets are never added or deleted here."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.selectors import active_agents
from ksmall.money import format_yuan

from .. import tickets
from ..errors import SupportError
from ..models import Ticket, TicketAttachment, TicketEvent, TicketReply


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def file_links(attachments) -> str:
    """Links to the files, served by the view that checks who asks."""
    return format_html_join(
        " ",
        '<a href="{}" target="_blank" rel="noopener">{} ({})</a>',
        (
            (
                reverse("support:ticket_file", args=[attachment.ticket.ticket_no, attachment.pk]),
                _("image") if attachment.is_image else "PDF",
                filesizeformat(attachment.size),
            )
            for attachment in attachments
        ),
    )


class TicketReplyInline(ReadOnlyInline):
    model = TicketReply
    fields = ["created_at", "side", "author", "body", "files"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("author", "ticket")
            .prefetch_related("attachments__ticket")
        )

    @admin.display(description=_("files"))
    def files(self, reply: TicketReply) -> str:
        return file_links(reply.attachments.all()) or "—"


class TicketAttachmentInline(ReadOnlyInline):
    model = TicketAttachment
    fields = ["created_at", "reply", "document", "content_type", "size"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("ticket", "reply")

    @admin.display(description=_("file"))
    def document(self, attachment: TicketAttachment) -> str:
        return file_links([attachment])


class TicketEventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class TicketAdminForm(forms.ModelForm):
    """No ticket field is edited directly; these steps go through the services."""

    assign_to = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, required=False, empty_label=_("(unchanged)")
    )
    action = forms.ChoiceField(
        label=_("Move"),
        required=False,
        choices=[
            ("", _("(unchanged)")),
            ("start", _("Start handling")),
            ("resolve", _("Resolve (the note is the resolution)")),
            ("close", _("Close")),
        ],
    )
    note = forms.CharField(
        label=_("Reply or resolution"),
        required=False,
        max_length=tickets.BODY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "With “Resolve”, the resolution the learner reads. Otherwise, if filled in, it "
            "is sent to the learner as a reply."
        ),
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assign_to"].queryset = active_agents()


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    form = TicketAdminForm
    list_display = [
        "ticket_no",
        "kind",
        "subject",
        "learner",
        "status",
        "assignee",
        "created_at",
        "updated_at",
    ]
    list_select_related = ["learner", "assignee"]
    list_filter = ["status", "kind", ("assignee", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["ticket_no", "subject", "learner__email", "learner__phone"]
    date_hierarchy = "created_at"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "ticket_no",
                    "kind",
                    "status",
                    "subject",
                    "body",
                    "learner_contact",
                    "assignee",
                    "opening_files",
                ]
            },
        ),
        (_("Order and refund"), {"fields": ["order_link", "refund_link"]}),
        (_("Times"), {"fields": ["created_at", "updated_at", "resolved_at", "closed_at"]}),
        (_("Rating"), {"fields": ["rating", "rating_comment"]}),
        (_("Handle the ticket"), {"fields": ["assign_to", "action", "note"]}),
    ]
    readonly_fields = [
        field
        for _name, spec in fieldsets
        for field in spec["fields"]
        if field not in ("assign_to", "action", "note")
    ]
    inlines = [TicketReplyInline, TicketAttachmentInline, TicketEventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("learner", "assignee", "order", "refund")
        )

    @admin.display(description=_("learner"))
    def learner_contact(self, ticket: Ticket) -> str:
        learner = ticket.learner
        return format_html(
            "{} · {} · {}", learner.display_name, learner.email or "—", learner.phone or "—"
        )

    @admin.display(description=_("files"))
    def opening_files(self, ticket: Ticket) -> str:
        return file_links(ticket.attachments.filter(reply__isnull=True).select_related("ticket"))

    @admin.display(description=_("related order"))
    def order_link(self, ticket: Ticket) -> str:
        if ticket.order is None:
            return "—"
        url = reverse("admin:orders_order_change", args=[ticket.order.pk])
        return format_html('<a href="{}">{}</a>', url, ticket.order.order_no)

    @admin.display(description=_("escalated refund"))
    def refund_link(self, ticket: Ticket) -> str:
        if ticket.refund is None:
            return "—"
        refund = ticket.refund
        url = reverse("admin:orders_refund_change", args=[refund.pk])
        return format_html(
            '<a href="{}">{} · {}</a>', url, format_yuan(refund.amount), refund.get_status_display()
        )

    def save_model(self, request, obj: Ticket, form, change: bool) -> None:
        """Apply the handling form through the services, all or nothing; the ticket row is
        never saved from the form itself."""
        data = form.cleaned_data
        assignee, action, note = data.get("assign_to"), data.get("action"), data.get("note", "")
        try:
            with transaction.atomic():
                if assignee is not None and assignee.pk != obj.assignee_id:
                    tickets.assign(obj, to=assignee, by=request.user)
                if action:
                    tickets.move(obj, action, by=request.user, note=note)
                elif note.strip():
                    tickets.reply(obj, author=request.user, body=note)
        except SupportError as error:
            request.ticket_refused = True
            self.message_user(request, error.message, messages.ERROR)

    def log_change(self, request, obj, message):
        if getattr(request, "ticket_refused", False):
            return None  # nothing changed
        return super().log_change(request, obj, message)

    def response_change(self, request, obj: Ticket):
        if getattr(request, "ticket_refused", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)
