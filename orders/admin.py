"""Staff views of checkouts, orders and refunds: read-only lists with search and filters,
each order with its lines, refunds and timeline, the refund decisions (approve, reject
with a reason) staff make after a learner escalates, and the refund of a completed order
(a button on the order, then a form). Orders and refunds change only through
``orders.services`` (the state machines), never by editing a row here."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ksmall.money import format_yuan

from . import services
from .errors import InvalidRefundAmount, InvalidRefundReason, RefundError
from .models import Checkout, Order, OrderEvent, OrderLine, Refund, RefundImage
from .refunds import refundable_by_platform
from .states import REFUNDABLE_BY_PLATFORM_STATUSES


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
        "member_discount",
        "provider_coupon_discount",
        "platform_coupon_discount",
        "points_discount",
        "paid",
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
    fields = ["created_at", "kind", "amount", "status", "reason", "respond_by", "decision_note"]
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


class CompletedOrderRefundForm(forms.Form):
    """Staff refund a completed order; ``orders.services.refund_completed_order`` checks
    the amount against what is left and the reason's length."""

    amount = forms.DecimalField(
        label=_("Amount to refund"), max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    reason = forms.CharField(
        label=_("Reason shown to the learner and the provider"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=services.REFUND_REASON_LENGTH[1],
    )


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
        (
            _("Price and discounts"),
            {
                "fields": [
                    "subtotal",
                    "member_discount",
                    "provider_coupon",
                    "provider_coupon_discount",
                    "platform_coupon",
                    "platform_coupon_discount",
                    "points_used",
                    "points_discount",
                ]
            },
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

    # ---- the refund of a completed order (templates/admin/orders/order/change_form.html
    # shows the button)

    def has_refund_permission(self, request) -> bool:
        """The same permission as deciding refunds (``RefundAdmin``)."""
        return request.user.has_perm("orders.change_refund")

    def get_urls(self):
        refund_url = path(
            "<path:object_id>/refund/",
            self.admin_site.admin_view(self.refund_completed_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_refund_completed",
        )
        return [refund_url, *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_refund_completed"] = (
            obj is not None
            and obj.status in REFUNDABLE_BY_PLATFORM_STATUSES
            and self.has_refund_permission(request)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def refund_completed_view(self, request, object_id: str):
        """A form (amount, prefilled with what is left; reason) that refunds a completed
        order through ``services.refund_completed_order``; a refusal is shown on the form,
        or, when the order cannot be refunded at all, back on the order page."""
        order = self.get_object(request, unquote(object_id))
        if order is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not (self.has_view_permission(request, order) and self.has_refund_permission(request)):
            raise PermissionDenied
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[order.pk]
        )
        if order.status not in REFUNDABLE_BY_PLATFORM_STATUSES:
            self.message_user(
                request,
                _("Only a completed order can be refunded this way; this one is “%(status)s”.")
                % {"status": order.get_status_display()},
                messages.ERROR,
            )
            return redirect(change_url)
        left = refundable_by_platform(order)
        if request.method == "POST":
            form = CompletedOrderRefundForm(request.POST)
            if form.is_valid():
                try:
                    refund = services.refund_completed_order(
                        order,
                        by=request.user,
                        amount=form.cleaned_data["amount"],
                        reason=form.cleaned_data["reason"],
                    )
                except InvalidRefundAmount as error:
                    form.add_error("amount", error.message)
                except InvalidRefundReason as error:
                    form.add_error("reason", error.message)
                except RefundError as error:
                    form.add_error(None, error.message)
                else:
                    self.message_user(
                        request,
                        _(
                            "Refund of %(amount)s for order %(order_no)s approved: the money "
                            "goes back to the learner's original payment method."
                        )
                        % {"amount": format_yuan(refund.amount), "order_no": order.order_no},
                        messages.SUCCESS,
                    )
                    return redirect(change_url)
        else:
            form = CompletedOrderRefundForm(initial={"amount": left})
        return render(
            request,
            "admin/orders/refund_completed_order.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Refund completed order %(order_no)s") % {"order_no": order.order_no},
                "form": form,
                "order": order,
                "left": left,
                "change_url": change_url,
                "opts": self.opts,
            },
        )


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
    list_filter = ["status", "kind", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["order__order_no"]
    date_hierarchy = "created_at"
    fields = [
        "order",
        "kind",
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
