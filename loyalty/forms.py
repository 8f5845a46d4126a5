"""Forms of coupons: the provider's new batch (/dashboard/coupons/new/) and the base both it
and the operations console share, which checks a batch with ``services.check_coupon`` so
that values that do not hold together are a form error, never a half-written row."""

import copy
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.forms.models import construct_instance
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Service

from . import errors, services
from .models import Coupon

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    """A browser's date and time picker (in the site's time zone, to the minute)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=DATETIME_LOCAL)


class CheckedCouponForm(forms.ModelForm):
    """A coupon form whose values are checked by ``services.check_coupon`` as a whole:
    the values a kind does not use are dropped, the rest must hold together."""

    # Lower bounds the model enforces with constraints and check_coupon does not repeat.
    MINIMUMS = {"threshold": 0, "per_user_limit": 1}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, least in self.MINIMUMS.items():
            if name in self.fields:
                self.fields[name].validators.append(MinValueValidator(least))
                self.fields[name].widget.attrs["min"] = least

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == Coupon.Kind.PERCENT_OFF:
            cleaned["amount"] = None
        elif kind:
            cleaned["rate"] = cleaned["cap"] = None
        if self.errors:
            return cleaned
        candidate = copy.copy(self.instance)
        construct_instance(self, candidate, self._meta.fields, self._meta.exclude)
        try:
            services.check_coupon(candidate)
        except errors.InvalidCoupon as invalid:
            raise ValidationError(str(invalid.message)) from None
        return cleaned

    def _post_clean(self):
        # Once a field or check_coupon refused the input, the model's own checks would only
        # add its constraint names ("loyalty_coupon_window is violated") to better messages.
        if self._errors:
            return
        super()._post_clean()


class ProviderCouponForm(CheckedCouponForm):
    """A provider's new batch: amount or percentage off, for all their services, one
    category, or one of their published services. The provider comes from the request."""

    class Scope:
        ALL = "all"
        CATEGORY = "category"
        SERVICE = "service"

    KINDS = [
        (Coupon.Kind.AMOUNT_OFF, _("Amount off (e.g. ¥50 off orders over ¥300)")),
        (Coupon.Kind.PERCENT_OFF, _("Percentage off (e.g. 8.5折, at most ¥20 off)")),
    ]

    kind = forms.ChoiceField(
        label=_("Kind"), choices=KINDS, initial=Coupon.Kind.AMOUNT_OFF, widget=forms.RadioSelect
    )
    # Entered the way Chinese sellers say it: 8.5 (折) for paying 85% of the price.
    rate = forms.DecimalField(
        label=_("Discount (折)"),
        required=False,
        min_value=Decimal("1.0"),
        max_value=Decimal("9.9"),
        max_digits=2,
        decimal_places=1,
        help_text=_("For a percentage coupon: 8.5 means 8.5折, paying 85 percent of the price."),
    )
    scope = forms.ChoiceField(
        label=_("Valid for"),
        choices=[
            (Scope.ALL, _("All my services")),
            (Scope.CATEGORY, _("My services in one category")),
            (Scope.SERVICE, _("One of my services")),
        ],
        initial=Scope.ALL,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Coupon
        fields = [
            "kind",
            "name",
            "amount",
            "rate",
            "cap",
            "threshold",
            "scope",
            "category",
            "service",
            "starts_at",
            "ends_at",
            "total_quantity",
            "per_user_limit",
        ]
        widgets = {"starts_at": DateTimeLocalInput(), "ends_at": DateTimeLocalInput()}
        labels = {
            "amount": _("Amount off (¥)"),
            "cap": _("At most off (¥)"),
            "threshold": _("Minimum spend (¥)"),
            "category": _("Category"),
            "service": _("Service"),
        }
        help_texts = {
            "amount": _("For an amount-off coupon."),
            "cap": _("For a percentage coupon: leave empty for no limit."),
            "threshold": _("What the order’s covered services must reach; 0 for none."),
            "per_user_limit": _("How many of this coupon one learner may claim."),
        }

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rate"].widget.attrs["step"] = "0.1"
        # Set before validation, so check_coupon sees who issues the batch.
        self.instance.provider = provider
        self.fields["service"].queryset = Service.objects.published().filter(provider=provider)
        self.fields["category"].queryset = Category.objects.select_related("parent")
        self.fields["category"].required = self.fields["service"].required = False
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = [DATETIME_LOCAL, "%Y-%m-%d %H:%M:%S"]
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("starts_at", now)
            self.initial.setdefault("ends_at", now + timedelta(days=30))
            self.initial.setdefault("total_quantity", 100)

    def clean_rate(self) -> Decimal | None:
        """8.5 (折) is stored as the share paid, 0.85."""
        tenths = self.cleaned_data.get("rate")
        return None if tenths is None else (tenths / 10).quantize(Decimal("0.01"))

    def clean(self):
        cleaned = self.cleaned_data
        scope = cleaned.get("scope")
        if scope == self.Scope.CATEGORY:
            cleaned["service"] = None
            if not cleaned.get("category") and "category" not in self.errors:
                self.add_error("category", _("Choose the category."))
        elif scope == self.Scope.SERVICE:
            cleaned["category"] = None
            if not cleaned.get("service") and "service" not in self.errors:
                self.add_error("service", _("Choose the service."))
        elif scope == self.Scope.ALL:
            cleaned["category"] = cleaned["service"] = None
            # A choice left over from another scope does not matter.
            for name in ("category", "service"):
                self.errors.pop(name, None)
        return super().clean()
