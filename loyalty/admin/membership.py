"""Admin for membership plans and points: plans (saved through ``services.save_plan``, so
the catalogue package they are sold as follows), members and what they bought (read
only: memberships change when orders are paid or refunded), points accounts with an
"adjust points" form (``services.adjust_points``, always with a note the learner sees),
and the points ledger (read only)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from ksmall.money import format_yuan
from loyalty import errors, services
from loyalty.models import Membership, MembershipGrant, MembershipPlan, PointsAccount, PointsEntry

USER_SEARCH = ["user__email", "user__phone", "user__nickname"]


class ReadOnlyAdminMixin:
    """Viewable, never added, changed or deleted from the admin."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# ---- plans ----------------------------------------------------------------------------------


@admin.register(MembershipPlan)
class MembershipPlanAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "price_display",
        "days",
        "rate_display",
        "is_active",
        "position",
        "active_members",
    ]
    list_filter = ["is_active"]
    search_fields = ["name"]
    fields = [
        "name",
        "price",
        "days",
        "discount_rate",
        "perks",
        "is_active",
        "position",
        "package_link",
        "created_at",
    ]
    readonly_fields = ["package_link", "created_at"]

    def get_queryset(self, request):
        running = (
            Membership.objects.filter(plan=OuterRef("pk"), ends_at__gt=timezone.now())
            .order_by()
            .values("plan")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("package")
            .annotate(member_count=Coalesce(Subquery(running, output_field=IntegerField()), 0))
        )

    @admin.display(description=_("price"), ordering="price")
    def price_display(self, plan: MembershipPlan) -> str:
        return format_yuan(plan.price)

    @admin.display(description=_("member price"), ordering="discount_rate")
    def rate_display(self, plan: MembershipPlan) -> str:
        return plan.discount_label

    @admin.display(description=_("active members"), ordering="member_count")
    def active_members(self, plan: MembershipPlan) -> int:
        return plan.member_count

    @admin.display(description=_("sold as"))
    def package_link(self, plan: MembershipPlan) -> str:
        if plan.package_id is None:
            return _("Created when the plan is saved.")
        url = reverse("admin:catalog_service_change", args=[plan.package.service_id])
        return format_html('<a href="{}">{}</a>', url, plan.package.name)

    def save_model(self, request, obj, form, change):
        services.save_plan(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Members and purchases refer to plans; untick "on sale" to stop selling one.
        return False


# ---- members ----------------------------------------------------------------------------------


class RunningFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "running"

    def lookups(self, request, model_admin):
        return [("yes", _("Active")), ("no", _("Ended"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(ends_at__gt=now)
        if self.value() == "no":
            return queryset.filter(ends_at__lte=now)
        return queryset


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "user_contact", "plan", "started_at", "ends_at", "running"]
    list_filter = [RunningFilter, "plan"]
    search_fields = USER_SEARCH
    list_select_related = ["user", "plan"]
    fields = ["user", "plan", "started_at", "ends_at", "reminded_for", "purchases"]
    readonly_fields = fields

    @admin.display(description=_("email or mobile"))
    def user_contact(self, membership: Membership) -> str:
        return membership.user.email or membership.user.phone or ""

    @admin.display(description=_("active"), boolean=True)
    def running(self, membership: Membership) -> bool:
        return membership.is_active

    @admin.display(description=_("membership purchases"))
    def purchases(self, membership: Membership) -> str:
        grants = MembershipGrant.objects.filter(user_id=membership.user_id).select_related("plan")
        taken_back = _("Taken back")
        rows = format_html_join(
            "",
            "<li>{} · {} · {} – {} {}</li>",
            (
                (
                    grant.order_no,
                    grant.plan.name,
                    f"{timezone.localtime(grant.starts_at):%Y-%m-%d}",
                    f"{timezone.localtime(grant.ends_at):%Y-%m-%d}",
                    taken_back if grant.revoked_at else "",
                )
                for grant in grants
            ),
        )
        return format_html("<ul>{}</ul>", rows) if rows else "—"


@admin.register(MembershipGrant)
class MembershipGrantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["order_no", "user", "plan", "days", "starts_at", "ends_at", "revoked_at"]
    list_filter = ["plan", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["order_no", *USER_SEARCH]
    list_select_related = ["user", "plan"]
    date_hierarchy = "created_at"


# ---- points -----------------------------------------------------------------------------------


class AdjustPointsForm(forms.Form):
    change = forms.IntegerField(
        label=_("Points to add"),
        min_value=-1_000_000,
        max_value=1_000_000,
        help_text=_("A negative number takes points away."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=PointsEntry._meta.get_field("note").max_length,
        help_text=_("Why: the learner sees it in their points history."),
    )

    def clean_change(self) -> int:
        change = self.cleaned_data["change"]
        if change == 0:
            raise forms.ValidationError(_("Enter a change other than 0."))
        return change


@admin.register(PointsAccount)
class PointsAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Balances change only through the ledger: the "adjust points" form writes an entry
    (``services.adjust_points``); the balance itself is never edited."""

    list_display = ["user", "user_contact", "balance", "updated_at", "adjust_link"]
    search_fields = USER_SEARCH
    list_select_related = ["user"]
    fields = ["user", "balance", "updated_at"]
    readonly_fields = fields

    def has_adjust_permission(self, request) -> bool:
        return request.user.has_perm("loyalty.change_pointsaccount")

    @admin.display(description=_("email or mobile"))
    def user_contact(self, account: PointsAccount) -> str:
        return account.user.email or account.user.phone or ""

    @admin.display(description="")
    def adjust_link(self, account: PointsAccount) -> str:
        url = reverse("admin:loyalty_pointsaccount_adjust", args=[account.pk])
        return format_html('<a href="{}">{}</a>', url, _("Adjust points"))

    def get_urls(self):
        adjust = path(
            "<path:object_id>/adjust/",
            self.admin_site.admin_view(self.adjust_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_adjust",
        )
        return [adjust, *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_adjust"] = obj is not None and self.has_adjust_permission(request)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def adjust_view(self, request, object_id: str):
        """A form (points, note) that adds or takes points through
        ``services.adjust_points``; a refusal (not enough points) shows on the form."""
        account = self.get_object(request, unquote(object_id))
        if account is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_adjust_permission(request):
            raise PermissionDenied
        change_url = reverse("admin:loyalty_pointsaccount_change", args=[account.pk])
        form = AdjustPointsForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                entry = services.adjust_points(
                    account.user, form.cleaned_data["change"], note=form.cleaned_data["note"]
                )
            except errors.NotEnoughPoints as error:
                form.add_error("change", str(error.message))
            except errors.LoyaltyError as error:
                form.add_error(None, str(error.message))
            else:
                self.message_user(
                    request,
                    _("%(change)s points for %(user)s: the balance is now %(balance)d.")
                    % {
                        "change": f"{entry.change:+d}",
                        "user": account.user,
                        "balance": entry.balance_after,
                    },
                    messages.SUCCESS,
                )
                return redirect(change_url)
        return render(
            request,
            "admin/loyalty/adjust_points.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Adjust the points of %(user)s") % {"user": account.user},
                "form": form,
                "account": account,
                "change_url": change_url,
                "opts": self.opts,
            },
        )


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "user", "change", "reason", "order_no", "balance_after", "note"]
    list_filter = ["reason", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["order_no", "note", *USER_SEARCH]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
