"""Catalog: categories, services, packages and add-ons, search, favorites, reviews.

Installed now so that the URL contract and dependencies are in place; no models yet.
"""
