"""Public catalogue pages (DESIGN.md "URLs") and the learner's favourites under /me/."""

from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("services/", views.service_list, name="list"),
    path("services/<slug:slug>/", views.service_detail, name="detail"),
    path("services/<slug:slug>/price/", views.service_price, name="price"),
    path("services/<slug:slug>/reviews/", views.service_reviews, name="reviews"),
    path("services/<slug:slug>/favorite/", views.favorite, name="favorite"),
    path("me/favorites/", views.favorites, name="favorites"),
    path("me/recent/clear/", views.forget_recent, name="forget_recent"),
]
