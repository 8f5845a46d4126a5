"""Admin for coupons: staff issue the platform's batches (no provider) and see every
provider's, stop claiming, and look up the coupons learners claimed (read only). Saving
goes through ``loyalty.services.save_coupon``; the form checks with ``check_coupon``."""

from django.contrib import admin, messages
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from loyalty import services
from loyalty.forms import CheckedCouponForm
from loyalty.models import Coupon, UserCoupon


class IssuerFilter(admin.SimpleListFilter):
    title = _("issuer")
    parameter_name = "issuer"

    def lookups(self, request, model_admin):
        return [("platform", _("Platform")), ("provider", _("Providers"))]

    def queryset(self, request, queryset):
        if self.value() == "platform":
            return queryset.filter(provider__isnull=True)
        if self.value() == "provider":
            return queryset.filter(provider__isnull=False)
        return queryset


class CouponAdminForm(CheckedCouponForm):
    class Meta:
        model = Coupon
        fields = [
            "name",
            "kind",
            "provider",
            "amount",
            "rate",
            "cap",
            "threshold",
            "category",
            "service",
            "starts_at",
            "ends_at",
            "total_quantity",
            "per_user_limit",
            "is_active",
        ]
        help_texts = {"provider": _("Leave empty for a platform coupon.")}


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    form = CouponAdminForm
    list_display = [
        "name",
        "issuer",
        "kind",
        "value",
        "claimed",
        "window",
        "is_active",
    ]
    list_filter = [IssuerFilter, "kind", "is_active", "ends_at"]
    search_fields = ["name", "provider__provider_profile__display_name", "provider__email"]
    list_select_related = ["provider__provider_profile"]
    raw_id_fields = ["provider", "service"]
    readonly_fields = ["claimed_count", "created_at"]
    date_hierarchy = "starts_at"
    actions = ["stop_claiming"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "provider", "is_active"]}),
        (_("Value"), {"fields": ["amount", "rate", "cap", "threshold"]}),
        (_("Where it applies"), {"fields": ["category", "service"]}),
        (
            _("When and how many"),
            {
                "fields": [
                    "starts_at",
                    "ends_at",
                    "total_quantity",
                    "per_user_limit",
                    "claimed_count",
                    "created_at",
                ]
            },
        ),
    ]

    @admin.display(description=_("issuer"), ordering="provider")
    def issuer(self, coupon: Coupon) -> str:
        return _("Platform") if coupon.is_platform else coupon.provider.public_name

    @admin.display(description=_("value"))
    def value(self, coupon: Coupon) -> str:
        return coupon.summary

    @admin.display(description=_("claimed / total"), ordering="claimed_count")
    def claimed(self, coupon: Coupon) -> str:
        return f"{coupon.claimed_count} / {coupon.total_quantity}"

    @admin.display(description=_("valid"), ordering="starts_at")
    def window(self, coupon: Coupon) -> str:
        start, end = localtime(coupon.starts_at), localtime(coupon.ends_at)
        return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"

    def save_model(self, request, obj, form, change):
        services.save_coupon(obj)

    @admin.action(description=_("Stop claiming the selected coupons"))
    def stop_claiming(self, request, queryset):
        stopped = 0
        for coupon in queryset.filter(is_active=True):
            services.stop_coupon(coupon, by=request.user)
            stopped += 1
        self.message_user(
            request,
            ngettext(
                "Claiming stopped for %(n)d coupon.",
                "Claiming stopped for %(n)d coupons.",
                stopped,
            )
            % {"n": stopped},
            messages.SUCCESS,
        )


@admin.register(UserCoupon)
class UserCouponAdmin(admin.ModelAdmin):
    """Claimed coupons, read only: they change through checkout, never by hand."""

    list_display = ["coupon", "user", "status", "claimed_at", "used_at", "used_on"]
    list_filter = ["status"]
    search_fields = ["user__email", "user__phone", "coupon__name", "used_on"]
    list_select_related = ["coupon", "user"]
    raw_id_fields = ["coupon", "user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
