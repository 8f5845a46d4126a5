from django.contrib import admin

from .models import Delivery, Message, NotificationPreference


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["channel", "status", "address", "created_at", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "event", "read_at"]
    list_filter = ["event", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__phone", "event"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "orders_email", "orders_sms", "refunds_email", "refunds_sms"]
    search_fields = ["user__email", "user__phone"]
    raw_id_fields = ["user"]
    readonly_fields = ["updated_at"]
