"""The filters of the provider's order desk (/dashboard/orders/ and its CSV export).

Bound to ``request`` so the service choice only offers the provider's own services: the id
of anyone else's service is "not a valid choice", exactly like an id that does not exist.
Invalid values show as form errors and are left out of the query, never a 500.
"""

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from catalog.models import Service
from orders.models import Order, OrderLine
from orders.numbers import CHINA

ORDER_NO_LENGTH = 32
# Dates outside these years are typos; they would also overflow when turned into UTC times.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
DAY_VALIDATORS = [MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)]


def provider_services(request) -> QuerySet:
    """The services the signed-in provider may filter by: their own, and only theirs."""
    if request is None or not request.user.is_authenticated:
        return Service.objects.none()
    return Service.objects.filter(provider=request.user).order_by("title", "pk")


def china_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA)


class OrderDeskFilter(django_filters.FilterSet):
    """Filters over a provider's orders; build it with ``request=request`` and the
    provider's orders as ``queryset``."""

    status = django_filters.ChoiceFilter(
        choices=Order.Status.choices, label=_("Status"), empty_label=_("Any status")
    )
    service = django_filters.ModelChoiceFilter(
        queryset=provider_services,
        method="with_service",
        label=_("Service"),
        empty_label=_("Any service"),
    )
    placed_from = django_filters.DateFilter(
        method="placed_on_or_after",
        label=_("Placed from"),
        validators=DAY_VALIDATORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    placed_to = django_filters.DateFilter(
        method="placed_on_or_before",
        label=_("Placed until"),
        validators=DAY_VALIDATORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    order_no = django_filters.CharFilter(
        method="number_contains",
        label=_("Order number"),
        max_length=ORDER_NO_LENGTH,
        strip=True,
    )

    class Meta:
        model = Order
        fields: list[str] = []

    def with_service(self, queryset, name, service):
        # Exists rather than a join: an order with two lines of the service stays one row.
        return queryset.filter(
            Exists(OrderLine.objects.filter(order=OuterRef("pk"), service=service))
        )

    def placed_on_or_after(self, queryset, name, day):
        return queryset.filter(created_at__gte=china_midnight(day))

    def placed_on_or_before(self, queryset, name, day):
        # The whole day in China time: up to the next midnight there.
        return queryset.filter(created_at__lt=china_midnight(day + timedelta(days=1)))

    def number_contains(self, queryset, name, value):
        return queryset.filter(order_no__icontains=value) if value else queryset

    def without_status(self) -> QuerySet:
        """The orders every filter but the status lets through (for the status counts)."""
        queryset = self.queryset.all()
        if self.is_bound:
            self.form.is_valid()
            for name, value in self.form.cleaned_data.items():
                if name != "status":
                    queryset = self.filters[name].filter(queryset, value)
        return queryset

    def status_counts(self) -> dict[str, int]:
        """How many orders of each status match the other filters, in one query."""
        counts = self.without_status().aggregate(
            all=Count("pk"),
            **{status: Count("pk", filter=Q(status=status)) for status in Order.Status.values},
        )
        return counts

    def valid_params(self) -> dict[str, str]:
        """The parameters that passed validation, as typed, in a stable order."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        return {
            name: self.data.get(name, "").strip()
            for name in self.filters
            if self.form.cleaned_data.get(name) not in (None, "")
        }

    def query_without(self, *names: str) -> str:
        """The valid query string minus ``names`` (and the page), without the "?"."""
        params = self.valid_params()
        for name in (*names, "page"):
            params.pop(name, None)
        return urlencode(params)
