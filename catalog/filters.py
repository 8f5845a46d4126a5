"""The catalogue's search, filters and sort orders (django-filter).

Invalid values are dropped by the filter form, so junk parameters never reach the database
and never give a 500; ``chips`` describes the filters in force for the page.
"""

from decimal import Decimal
from urllib.parse import urlencode

import django_filters
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Lower
from django.db.models.lookups import Contains
from django.utils.translation import gettext_lazy as _

from .models import BEST_MATCH, Category, Service

MAX_QUERY_LENGTH = 100
MAX_TERMS = 5
MAX_PRICE = Decimal("1000000")

SORTS = [
    ("", _("Best match")),
    ("popular", _("Best selling")),
    ("newest", _("Newest")),
    ("price", _("Price: low to high")),
    ("-price", _("Price: high to low")),
    ("rating", _("Top rated")),
]
RATINGS = [("4.5", _("4.5 stars and up")), ("4", _("4 stars and up")), ("3", _("3 stars and up"))]


def search_terms(query: str) -> list[str]:
    """Lower-cased words of a search, at most five (full-width spaces split too)."""
    return query.replace("\u3000", " ").lower().split()[:MAX_TERMS]


class ServiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label=_("Search"), max_length=MAX_QUERY_LENGTH, strip=True
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        method="in_category",
        label=_("Category"),
    )
    mode = django_filters.ChoiceFilter(choices=Service.Mode.choices, label=_("Delivery mode"))
    price_min = django_filters.NumberFilter(
        field_name="price_from",
        lookup_expr="gte",
        label=_("Lowest price"),
        min_value=0,
        max_value=MAX_PRICE,
        max_digits=10,
        decimal_places=2,
    )
    price_max = django_filters.NumberFilter(
        field_name="price_from",
        lookup_expr="lte",
        label=_("Highest price"),
        min_value=0,
        max_value=MAX_PRICE,
        max_digits=10,
        decimal_places=2,
    )
    rating = django_filters.ChoiceFilter(
        choices=RATINGS, method="rated_at_least", label=_("Rating"), empty_label=_("Any rating")
    )
    sort = django_filters.ChoiceFilter(
        choices=SORTS[1:], method="keep", label=_("Sort by"), empty_label=SORTS[0][1]
    )

    class Meta:
        model = Service
        fields: list[str] = []

    def search(self, queryset, name, value):
        for term in search_terms(value):
            queryset = queryset.filter(search_text__contains=term)
        return queryset

    def in_category(self, queryset, name, category):
        return queryset.filter(Q(category=category) | Q(category__parent=category))

    def rated_at_least(self, queryset, name, value):
        return queryset.filter(rating_avg__gte=Decimal(value))

    def keep(self, queryset, name, value):
        return queryset  # ordering is applied last, in filter_queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        return self.order(queryset, data.get("sort") or "", data.get("q") or "")

    @staticmethod
    def order(queryset, sort: str, query: str):
        if sort == "popular":
            return queryset.order_by("-sales_count", "-rating_avg", "-pk")
        if sort == "newest":
            return queryset.order_by("-published_at", "-pk")
        if sort == "price":
            return queryset.order_by(F("price_from").asc(nulls_last=True), "-sales_count", "-pk")
        if sort == "-price":
            return queryset.order_by(F("price_from").desc(nulls_last=True), "-sales_count", "-pk")
        if sort == "rating":
            return queryset.order_by("-rating_avg", "-rating_count", "-pk")
        # Best match: titles that contain the whole query first, then what sells and
        # pleases, staff picks breaking ties.
        blend = BEST_MATCH
        if query:
            title_hit = Case(
                When(Contains(Lower("title"), query.lower()), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
            return queryset.alias(title_hit=title_hit, blend=blend).order_by(
                "-title_hit", "-blend", "-is_featured", "-pk"
            )
        return queryset.alias(blend=blend).order_by("-blend", "-is_featured", "-pk")

    @property
    def chips(self) -> list[dict]:
        """The filters in force, each with a link to the same list without it."""
        if not self.is_bound:
            return []
        self.form.is_valid()
        data = self.form.cleaned_data
        chips = []
        if data.get("q"):
            chips.append(("q", _("“%(q)s”") % {"q": data["q"]}))
        if data.get("category"):
            chips.append(("category", data["category"].name))
        if data.get("mode"):
            chips.append(("mode", Service.Mode(data["mode"]).label))
        if data.get("price_min") is not None:
            chips.append(("price_min", _("From ¥%(p)s") % {"p": _plain(data["price_min"])}))
        if data.get("price_max") is not None:
            chips.append(("price_max", _("Up to ¥%(p)s") % {"p": _plain(data["price_max"])}))
        if data.get("rating"):
            chips.append(("rating", dict(RATINGS)[data["rating"]]))
        return [
            {"name": name, "label": label, "remove": self.query_without(name)}
            for name, label in chips
        ]

    def query_without(self, *names: str) -> str:
        """The current valid query string minus ``names`` (and the page)."""
        params = self.valid_params()
        for name in (*names, "page"):
            params.pop(name, None)
        query = urlencode(params)
        return f"?{query}" if query else "?"

    def valid_params(self) -> dict[str, str]:
        """The parameters that passed validation, as strings, in a stable order."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        params = {}
        for name in self.filters:
            if name in self.form.cleaned_data and self.form.cleaned_data[name] not in (None, ""):
                params[name] = self.data.get(name, "").strip()
        return params


def _plain(amount: Decimal) -> str:
    return f"{amount:,.2f}".rstrip("0").rstrip(".") if amount % 1 else f"{amount:,.0f}"
