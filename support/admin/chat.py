"""Live chat in the operations console: conversations, read-only with their messages (staff
read and audit them; agents answer in /support/agent/), and the canned replies staff keep
for agents."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import CannedReply, ChatMessage, Conversation


class ChatMessageInline(admin.TabularInline):
    model = ChatMessage
    fields = ["created_at", "side", "sender", "body", "picture"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("sender")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("image"))
    def picture(self, message: ChatMessage) -> str:
        # A private file: shown through the chat's serving view, which lets staff in.
        if not message.image:
            return "—"
        url = reverse("support:chat_image", args=[message.pk])
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="" width="120"></a>',
            url,
            url,
        )


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "learner",
        "agent",
        "status",
        "created_at",
        "last_message_at",
        "rating",
    ]
    list_filter = ["status", "rating", ("agent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["learner__email", "learner__phone", "learner__nickname"]
    list_select_related = ["learner", "agent"]
    date_hierarchy = "created_at"
    fields = [
        "learner",
        "agent",
        "status",
        "created_at",
        "claimed_at",
        "closed_at",
        "closed_by",
        "last_message_at",
        "rating",
        "rating_comment",
        "rated_at",
    ]
    readonly_fields = fields
    inlines = [ChatMessageInline]

    # Conversations move only through support.chat (its rules and notices).
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "excerpt", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["title", "body"]

    @admin.display(description=_("text"))
    def excerpt(self, reply: CannedReply) -> str:
        return reply.body if len(reply.body) <= 60 else reply.body[:59] + "…"
