"""Staff views of checkouts and orders: read-only lists with search and filters, and each
order with its lines and timeline. Orders change only through ``orders.services`` (the
state machine), never by editing a row here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ksmall.money import format_yuan

from .models import Checkout, Order, OrderEvent, OrderLine


class ReadOnlyAdminMixin:
    """Viewable, never added, changed or deleted from the admin."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OrderLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = [
        "title",
        "package_name",
        "addon_names",
        "unit_price",
        "quantity",
        "total",
        "fulfilment",
        "starts_on",
    ]
    readonly_fields = fields

    @admin.display(description=_("add-ons"))
    def addon_names(self, line: OrderLine) -> str:
        return "、".join(f"{addon['name']} ¥{addon['price']}" for addon in line.addons) or "—"


class OrderEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "event", "from_status", "to_status", "actor", "actor_role", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class OrderInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Order
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["order_no", "provider_name", "status", "total", "paid_at"]
    readonly_fields = fields


@admin.register(Checkout)
class CheckoutAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["payment_no", "buyer", "amount", "created_at", "pay_deadline"]
    list_select_related = ["buyer"]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    search_fields = ["payment_no", "orders__order_no", "buyer__email", "buyer__phone"]
    date_hierarchy = "created_at"
    fields = ["payment_no", "buyer", "total", "created_at", "pay_deadline"]
    readonly_fields = fields
    inlines = [OrderInline]

    @admin.display(description=_("total"), ordering="total")
    def amount(self, checkout: Checkout) -> str:
        return format_yuan(checkout.total)


@admin.register(Order)
class OrderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["order_no", "buyer", "provider_name", "status", "amount", "created_at"]
    list_select_related = ["buyer"]
    list_filter = [
        "status",
        ("provider", admin.RelatedOnlyFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["order_no", "checkout__payment_no", "buyer__email", "buyer__phone"]
    date_hierarchy = "created_at"
    fieldsets = [
        (
            None,
            {"fields": ["order_no", "checkout", "status", "total", "buyer", "provider_name"]},
        ),
        (_("Contact"), {"fields": ["contact_name", "contact_phone", "note"]}),
        (_("Service"), {"fields": ["schedule", "service_summary"]}),
        (
            _("Times"),
            {
                "fields": [
                    "created_at",
                    "paid_at",
                    "accepted_at",
                    "started_at",
                    "completed_at",
                    "cancelled_at",
                    "refunded_at",
                    "seats_released",
                ]
            },
        ),
    ]
    readonly_fields = [field for _name, spec in fieldsets for field in spec["fields"]]
    inlines = [OrderLineInline, OrderEventInline]

    @admin.display(description=_("total"), ordering="total")
    def amount(self, order: Order) -> str:
        return format_yuan(order.total)
