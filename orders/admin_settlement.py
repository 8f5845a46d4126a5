"""Staff views of the settlement ledger: commission rates (editable), provider balances
with the "create a payout batch" action, payout batches ("mark paid" with a bank
reference, "export CSV") and the ledger itself, read-only. Money moves only through
``orders.settlement``."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from . import settlement
from .admin import ReadOnlyAdminMixin
from .models import CommissionRate, LedgerEntry, Payout, PayoutBatch, ProviderBalance


@admin.register(CommissionRate)
class CommissionRateAdmin(admin.ModelAdmin):
    list_display = ["provider", "rate"]
    search_fields = ["provider__username", "provider__nickname"]
    autocomplete_fields = ["provider"]


class OwedFilter(admin.SimpleListFilter):
    title = _("balance")
    parameter_name = "owed"

    def lookups(self, request, model_admin):
        return [("yes", _("Positive balance"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(balance__gt=0)
        return queryset


@admin.register(ProviderBalance)
class ProviderBalanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["provider", "balance", "updated_at"]
    list_filter = [OwedFilter]
    search_fields = ["provider__username", "provider__nickname"]
    actions = ["create_batch"]

    @admin.action(description=_("Create a payout batch"))
    def create_batch(self, request, queryset):
        try:
            batch = settlement.create_payout_batch(
                queryset.values_list("provider_id", flat=True), by=request.user
            )
        except settlement.SettlementError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(
            request, _("Payout batch %(batch)s created.") % {"batch": batch}, messages.SUCCESS
        )


class PayoutInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Payout
    extra = 0
    can_delete = False
    fields = ["provider", "amount"]
    readonly_fields = fields


class BankReferenceForm(forms.Form):
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=64)


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "status", "created_by", "created_at", "paid_at", "bank_reference"]
    list_filter = ["status"]
    fields = ["status", "created_by", "created_at", "paid_at", "bank_reference"]
    readonly_fields = fields
    inlines = [PayoutInline]
    actions = ["mark_paid", "export_csv"]

    @admin.action(description=_("Mark paid"))
    def mark_paid(self, request, queryset):
        selected = list(queryset)
        if "apply" in request.POST:
            form = BankReferenceForm(request.POST)
            if form.is_valid():
                for batch in selected:
                    try:
                        settlement.mark_batch_paid(
                            batch,
                            by=request.user,
                            bank_reference=form.cleaned_data["bank_reference"],
                        )
                    except settlement.SettlementError as error:
                        self.message_user(request, error.message, messages.ERROR)
                    else:
                        self.message_user(
                            request, _("Batch %(batch)s paid.") % {"batch": batch}, messages.SUCCESS
                        )
                return None
        else:
            form = BankReferenceForm()
        return render(
            request,
            "admin/orders/payout_batch_mark_paid.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Mark payout batches paid"),
                "form": form,
                "selected": selected,
                "action": "mark_paid",
                "opts": self.model._meta,
            },
        )

    @admin.action(description=_("Export CSV"))
    def export_csv(self, request, queryset):
        response = HttpResponse(
            settlement.payout_csv(queryset.order_by("pk")), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="payouts.csv"'
        return response


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "provider", "kind", "amount", "balance_after", "order", "note"]
    list_filter = ["kind"]
    search_fields = ["provider__username", "provider__nickname", "order__order_no"]
    list_select_related = ["provider", "order"]
