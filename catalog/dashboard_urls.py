"""/dashboard/ pages that belong to the catalogue: the provider's reviews."""

from django.urls import path

from . import dashboard

app_name = "dashboard_catalog"

urlpatterns = [
    path("reviews/", dashboard.review_list, name="reviews"),
    path("reviews/<int:review_id>/reply/", dashboard.reply, name="reply"),
]
