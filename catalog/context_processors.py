"""The top-level categories every page's navigation shows, cached between requests."""

from django.core.cache import cache

from .models import Category

CACHE_KEY = "catalog:nav-categories"
CACHE_SECONDS = 600


def nav_categories(request) -> dict:
    categories = cache.get(CACHE_KEY)
    if categories is None:
        categories = list(Category.objects.filter(parent__isnull=True).only("name", "slug"))
        cache.set(CACHE_KEY, categories, CACHE_SECONDS)
    return {"nav_categories": categories}
