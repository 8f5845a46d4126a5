"""Staff views of payments: each payment with its inbox rows and refunds inline; search by
payment number, order number or gateway trade number; filters by method, state and
"needs attention". Staff confirm or reject bank transfers and retry failed refunds here;
every change goes through ``payments.services``."""

from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ksmall.private_files import private_file_response
from orders.admin import ReadOnlyAdminMixin

from . import services
from .errors import PaymentError
from .models import GatewayCallback, GatewayRefund, Payment, SandboxTrade, TransferVoucher


class CallbackInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = GatewayCallback
    extra = 0
    can_delete = False
    fields = [
        "received_at",
        "kind",
        "event_key",
        "status",
        "amount",
        "repeats",
        "applied_at",
        "outcome",
        "outcome_note",
        "last_error",
    ]
    readonly_fields = fields
    show_change_link = True


class RefundInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = GatewayRefund
    extra = 0
    can_delete = False
    fields = [
        "out_request_no",
        "reason",
        "amount",
        "status",
        "attempts",
        "last_error",
        "succeeded_at",
    ]
    readonly_fields = fields
    show_change_link = True


class VoucherInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TransferVoucher
    extra = 0
    can_delete = False
    fields = ["uploaded_at", "payer_name", "receipt", "status", "reviewed_by", "reject_reason"]
    readonly_fields = fields
    show_change_link = True

    @admin.display(description=_("receipt"))
    def receipt(self, voucher: TransferVoucher) -> str:
        return receipt_link(voucher)


def receipt_link(voucher: TransferVoucher) -> str:
    """The receipt is private: staff open it through ``TransferVoucherAdmin.receipt_view``."""
    url = reverse("admin:payments_transfervoucher_receipt", args=[voucher.pk])
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("Open"))


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "out_trade_no",
        "payment_no",
        "method",
        "channel",
        "amount",
        "status",
        "is_flagged",
        "is_sandbox",
        "created_at",
        "paid_at",
    ]
    list_filter = ["method", "status", "is_flagged", "is_sandbox", "channel"]
    search_fields = [
        "out_trade_no",
        "gateway_trade_no",
        "checkout__payment_no",
        "checkout__orders__order_no",
    ]
    date_hierarchy = "created_at"
    list_select_related = ["checkout"]
    fields = [
        "checkout",
        "method",
        "channel",
        "out_trade_no",
        "gateway_trade_no",
        "amount",
        "status",
        "is_sandbox",
        "payer_ip",
        "created_at",
        "paid_at",
        "closed_at",
        "last_queried_at",
        "is_flagged",
        "flag_reason",
    ]
    readonly_fields = fields
    inlines = [CallbackInline, RefundInline, VoucherInline]
    actions = ["clear_flag"]

    def has_resolve_permission(self, request) -> bool:
        return request.user.has_perm("payments.change_payment")

    @admin.action(
        description=_("Mark the selected payments as dealt with"), permissions=["resolve"]
    )
    def clear_flag(self, request, queryset):
        done = 0
        for payment in queryset.filter(is_flagged=True):
            services.clear_flag(payment, by=request.user)
            done += 1
        self.message_user(
            request,
            ngettext("Cleared %(n)d flag.", "Cleared %(n)d flags.", done) % {"n": done},
        )

    def get_search_results(self, request, queryset, search_term):
        results, _may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return results.distinct(), False

    @admin.display(description=_("payment number"), ordering="checkout__payment_no")
    def payment_no(self, payment: Payment) -> str:
        return payment.checkout.payment_no


@admin.register(GatewayCallback)
class GatewayCallbackAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "received_at",
        "method",
        "kind",
        "out_trade_no",
        "event_key",
        "amount",
        "repeats",
        "applied_at",
        "outcome",
    ]
    list_filter = ["method", "kind", "outcome", ("applied_at", admin.EmptyFieldListFilter)]
    search_fields = ["out_trade_no", "gateway_trade_no", "refund_no"]
    date_hierarchy = "received_at"
    readonly_fields = [f.name for f in GatewayCallback._meta.fields]
    fields = readonly_fields


class RejectTransferForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason shown to the payer"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=500,
    )


class _ActionsMixin:
    def _each(self, request, objects, act, done_text) -> None:
        done = 0
        for obj in objects:
            try:
                act(obj)
            except PaymentError as error:
                self.message_user(request, f"{obj}: {error}", messages.WARNING)
                continue
            done += 1
        if done:
            self.message_user(request, done_text(done))


@admin.register(GatewayRefund)
class GatewayRefundAdmin(_ActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "out_request_no",
        "payment",
        "reason",
        "amount",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "succeeded_at",
    ]
    list_filter = ["status", "reason", "payment__method"]
    search_fields = ["out_request_no", "payment__out_trade_no", "refund__order__order_no"]
    list_select_related = ["payment"]
    readonly_fields = [f.name for f in GatewayRefund._meta.fields]
    fields = readonly_fields
    actions = ["retry", "mark_refunded"]

    def has_money_permission(self, request) -> bool:
        return request.user.has_perm("payments.change_gatewayrefund")

    @admin.action(description=_("Send selected failed refunds again"), permissions=["money"])
    def retry(self, request, queryset):
        self._each(
            request,
            queryset.filter(status=GatewayRefund.Status.FAILED),
            lambda refund: services.retry_refund(refund, by=request.user),
            lambda n: ngettext("Sent %(n)d refund again.", "Sent %(n)d refunds again.", n)
            % {"n": n},
        )

    @admin.action(description=_("Mark as refunded outside the gateway"), permissions=["money"])
    def mark_refunded(self, request, queryset):
        self._each(
            request,
            queryset.exclude(status=GatewayRefund.Status.SUCCEEDED),
            lambda refund: services.mark_refunded_offline(refund, by=request.user),
            lambda n: ngettext("Recorded %(n)d refund.", "Recorded %(n)d refunds.", n) % {"n": n},
        )


@admin.register(TransferVoucher)
class TransferVoucherAdmin(_ActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Bank-transfer receipts awaiting staff: confirm the money arrived (pays the orders)
    or reject with a reason (the payer may upload again)."""

    list_display = [
        "uploaded_at",
        "payment",
        "amount",
        "payer_name",
        "status",
        "receipt",
        "reviewed_by",
    ]
    list_filter = ["status"]
    search_fields = ["payment__out_trade_no", "payment__checkout__payment_no", "payer_name"]
    list_select_related = ["payment", "reviewed_by"]
    # The file field itself is left out: its widget would link to a public URL it has not.
    readonly_fields = [f.name for f in TransferVoucher._meta.fields if f.name != "file"] + [
        "receipt",
        "amount",
    ]
    fields = readonly_fields
    actions = ["confirm", "reject"]

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("payments.change_transfervoucher")

    @admin.display(description=_("amount"))
    def amount(self, voucher: TransferVoucher):
        return voucher.payment.amount

    @admin.display(description=_("receipt"))
    def receipt(self, voucher: TransferVoucher) -> str:
        return receipt_link(voucher)

    def get_urls(self):
        receipt_url = path(
            "<int:voucher_id>/receipt/",
            self.admin_site.admin_view(self.receipt_view),
            name="payments_transfervoucher_receipt",
        )
        return [receipt_url, *super().get_urls()]

    def receipt_view(self, request, voucher_id: int):
        """The receipt file, for staff who may see vouchers; a 404 for others."""
        if not self.has_view_permission(request):
            raise Http404
        return private_file_response(get_object_or_404(TransferVoucher, pk=voucher_id).file)

    @admin.action(description=_("Confirm the money arrived"), permissions=["review"])
    def confirm(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda voucher: services.confirm_transfer(voucher, by=request.user),
            lambda n: ngettext("Confirmed %(n)d transfer.", "Confirmed %(n)d transfers.", n)
            % {"n": n},
        )

    @admin.action(description=_("Reject with a reason"), permissions=["review"])
    def reject(self, request, queryset):
        selected = list(queryset.select_related("payment"))
        form = RejectTransferForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._each(
                request,
                selected,
                lambda voucher: services.reject_transfer(voucher, by=request.user, reason=reason),
                lambda n: ngettext("Rejected %(n)d transfer.", "Rejected %(n)d transfers.", n)
                % {"n": n},
            )
            return None
        return render(
            request,
            "admin/payments/reject_transfers.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reject transfers"),
                "form": form,
                "selected": selected,
                "action": "reject",
                "opts": self.model._meta,
            },
        )


@admin.register(SandboxTrade)
class SandboxTradeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["out_trade_no", "method", "amount", "status", "created_at", "paid_at"]
    list_filter = ["method", "status"]
    search_fields = ["out_trade_no", "trade_no"]
    readonly_fields = [f.name for f in SandboxTrade._meta.fields]
    fields = readonly_fields
