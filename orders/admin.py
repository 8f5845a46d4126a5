"""Staff views of checkouts, orders and refunds: read-only lists with search and filters,
each order with its lines, refunds and timeline, and the refund decisions (approve, reject
with a reason) staff make after a learner escalates. Orders and refunds change only through
``orders.services`` (the state machines), never by editing a row here."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ksmall.money import format_yuan

from . import services
from .errors import RefundError
from .models import Checkout, Order, OrderEvent, OrderLine, Refund, RefundImage


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
        "refund_policy",
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


class RefundInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["created_at", "amount", "status", "reason", "respond_by", "decision_note"]
    readonly_fields = fields


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
    inlines = [OrderLineInline, RefundInline, OrderEventInline]

    @admin.display(description=_("total"), ordering="total")
    def amount(self, order: Order) -> str:
        return format_yuan(order.total)


# ---- refunds --------------------------------------------------------------------------------


class RefundRejectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason shown to the learner"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=500,
    )


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Refunds, escalated ones first to decide: approve (the money goes back) or reject
    again with a reason, through ``orders.services``."""

    list_display = ["order_no", "buyer", "refund_amount", "status", "respond_by", "created_at"]
    list_select_related = ["order__buyer"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["order__order_no"]
    date_hierarchy = "created_at"
    fields = [
        "order",
        "requested_by",
        "amount",
        "reason",
        "photos",
        "status",
        "created_at",
        "respond_by",
        "decided_at",
        "decided_by",
        "decision_note",
        "escalated_at",
        "refunded_at",
    ]
    readonly_fields = fields
    actions = ["approve", "reject"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("images")

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("orders.change_refund")

    @admin.display(description=_("order number"), ordering="order__order_no")
    def order_no(self, refund: Refund) -> str:
        return refund.order.order_no

    @admin.display(description=_("buyer"))
    def buyer(self, refund: Refund):
        return refund.order.buyer

    @admin.display(description=_("amount"), ordering="amount")
    def refund_amount(self, refund: Refund) -> str:
        return format_yuan(refund.amount)

    @admin.display(description=_("photos"))
    def photos(self, refund: Refund) -> str:
        images = list(refund.images.all())
        if not images:
            return "—"
        return format_html_join(
            " ",
            '<a href="{}"><img src="{}" width="96" alt="" loading="lazy"></a>',
            ((image.image.url, image.thumbnail.url) for image in images),
        )

    def _report(self, request, done: int, done_text, failures: list[str]) -> None:
        if done:
            self.message_user(request, done_text)
        for failure in failures:
            self.message_user(request, failure, messages.WARNING)

    @staticmethod
    def _decide_each(refunds, decide) -> tuple[int, list[str]]:
        """Apply ``decide(refund)`` to each refund; count the successes and keep each
        refusal's reason, by order number."""
        done, failures = 0, []
        for refund in refunds:
            try:
                decide(refund)
            except RefundError as error:
                failures.append(f"{refund.order.order_no}: {error.message}")
                continue
            done += 1
        return done, failures

    @admin.action(description=_("Approve selected refunds"), permissions=["decide"])
    def approve(self, request, queryset):
        done, failures = self._decide_each(
            queryset.select_related("order"),
            lambda refund: services.approve_refund(refund, by=request.user),
        )
        self._report(
            request,
            done,
            ngettext("Approved %(n)d refund.", "Approved %(n)d refunds.", done) % {"n": done},
            failures,
        )

    @admin.action(description=_("Reject selected refunds with a reason"), permissions=["decide"])
    def reject(self, request, queryset):
        selected = list(queryset.select_related("order"))
        if "apply" in request.POST:
            form = RefundRejectionForm(request.POST)
            if form.is_valid():
                reason = form.cleaned_data["reason"]
                done, failures = self._decide_each(
                    selected,
                    lambda refund: services.reject_refund(refund, by=request.user, reason=reason),
                )
                self._report(
                    request,
                    done,
                    ngettext("Rejected %(n)d refund.", "Rejected %(n)d refunds.", done)
                    % {"n": done},
                    failures,
                )
                return None
        else:
            form = RefundRejectionForm()
        return render(
            request,
            "admin/orders/reject_refunds.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reject refunds"),
                "form": form,
                "selected": selected,
                "action": "reject",
                "opts": self.model._meta,
            },
        )


@admin.register(RefundImage)
class RefundImageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["refund", "preview"]
    fields = ["refund", "preview"]
    readonly_fields = fields

    @admin.display(description=_("image"))
    def preview(self, image: RefundImage) -> str:
        return format_html('<img src="{}" width="120" alt="">', image.thumbnail.url)


from . import admin_settlement  # noqa: E402,F401
