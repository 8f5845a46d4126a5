"""Staff tools for users and provider profiles (with the application's private files,
opened through ``ProviderProfileAdmin.certificate_view``)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ksmall.private_files import private_file_response

from .models import ProviderCertificate, ProviderProfile, User
from .phone import normalize_phone
from .selectors import users_with_role
from .services import approve_provider, reject_provider

ROLES = {
    "learner": _("Learners only (no other role)"),
    "provider": _("Provider"),
    "agent": _("Agent"),
    "staff": _("Staff"),
}


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return list(ROLES.items())

    def queryset(self, request, queryset):
        if self.value() in ROLES:
            return users_with_role(self.value(), queryset)
        return queryset


class PhoneCleaningMixin:
    """Admin forms store the number the way sign-up does (+86…), or nothing."""

    def clean_phone(self) -> str | None:
        phone = self.cleaned_data.get("phone")
        return normalize_phone(phone) if phone else None


class KsUserCreationForm(PhoneCleaningMixin, UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "phone")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone"):
            raise ValidationError(_("Give the user an email or a mobile number to sign in with."))
        return cleaned


class KsUserChangeForm(PhoneCleaningMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = KsUserChangeForm
    add_form = KsUserCreationForm
    list_display = ["name", "email", "masked_phone", "is_staff", "is_active", "date_joined"]
    list_filter = [RoleFilter, "is_staff", "is_active", "phone_verified"]
    search_fields = ["email", "phone", "nickname", "username"]
    ordering = ["-date_joined"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Profile"), {"fields": ("nickname", "avatar", "email", "phone", "phone_verified")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "phone", "password1", "password2")}),
    )

    @admin.display(description=_("name"), ordering="nickname")
    def name(self, obj: User) -> str:
        return obj.display_name

    @admin.display(description=_("mobile number"), ordering="phone")
    def masked_phone(self, obj: User) -> str:
        return obj.masked_phone


class RejectionForm(forms.Form):
    reason = forms.CharField(label=_("Reason shown to the applicant"), widget=forms.Textarea)


class ProviderCertificateInline(admin.TabularInline):
    """The files sent with the application, to open and check (they are private: the link
    goes through ``ProviderProfileAdmin.certificate_view``); only the applicant changes
    them, by applying again."""

    model = ProviderCertificate
    fields = ["document", "uploaded_at"]
    readonly_fields = ["document", "uploaded_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("file"))
    def document(self, certificate: ProviderCertificate) -> str:
        url = reverse("admin:accounts_providerprofile_certificate", args=[certificate.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, certificate)


@admin.register(ProviderProfile)
class ProviderProfileAdmin(admin.ModelAdmin):
    list_display = [
        "display_name",
        "user",
        "kind",
        "legal_name",
        "id_number_masked",
        "status",
        "created_at",
        "updated_at",
        "reviewed_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["display_name", "legal_name", "user__email", "user__phone"]
    # The raw ID or licence number never reaches a page: no form field, only the mask.
    fields = [
        "user",
        "kind",
        "display_name",
        "legal_name",
        "id_number_masked",
        "qualifications",
        "introduction",
        "logo",
        "status",
        "rejection_reason",
        "reviewed_at",
        "reviewed_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [
        "id_number_masked",
        "status",
        "rejection_reason",
        "reviewed_at",
        "reviewed_by",
        "created_at",
        "updated_at",
    ]
    raw_id_fields = ["user"]
    inlines = [ProviderCertificateInline]
    actions = ["approve", "reject"]

    @admin.display(description=_("ID or licence number"))
    def id_number_masked(self, obj: ProviderProfile) -> str:
        return obj.masked_id_number

    def get_urls(self):
        certificate_url = path(
            "certificates/<int:certificate_id>/",
            self.admin_site.admin_view(self.certificate_view),
            name="accounts_providerprofile_certificate",
        )
        return [certificate_url, *super().get_urls()]

    def certificate_view(self, request, certificate_id: int):
        """A qualification file, for staff who may see applications; a 404 for others."""
        if not self.has_view_permission(request):
            raise Http404
        return private_file_response(get_object_or_404(ProviderCertificate, pk=certificate_id).file)

    @admin.action(description=_("Approve selected applications"))
    def approve(self, request, queryset):
        for profile in queryset:
            approve_provider(profile, by=request.user)
        n = queryset.count()
        self.message_user(
            request,
            ngettext("Approved %(n)d application.", "Approved %(n)d applications.", n) % {"n": n},
        )

    @admin.action(description=_("Reject selected applications with a reason"))
    def reject(self, request, queryset):
        if "apply" in request.POST:
            form = RejectionForm(request.POST)
            if form.is_valid():
                try:
                    for profile in queryset:
                        reject_provider(
                            profile, by=request.user, reason=form.cleaned_data["reason"]
                        )
                except ValidationError as exc:
                    self.message_user(request, exc.messages[0], messages.ERROR)
                    return None
                n = queryset.count()
                self.message_user(
                    request,
                    ngettext("Rejected %(n)d application.", "Rejected %(n)d applications.", n)
                    % {"n": n},
                )
                return None
        else:
            form = RejectionForm()
        return render(
            request,
            "admin/accounts/reject_providers.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reject provider applications"),
                "form": form,
                "selected": queryset,
                "action": "reject",
                "opts": self.model._meta,
            },
        )
