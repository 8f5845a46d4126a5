"""Catalog: categories, services, packages and add-ons, search, favorites, reviews (arrives with its issue)."""
