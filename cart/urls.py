"""/cart/ (DESIGN.md "URLs"): the page, add, one line's changes and removal, select all."""

from django.urls import path

from . import views

app_name = "cart"

urlpatterns = [
    path("", views.cart_page, name="page"),
    path("add/", views.add, name="add"),
    path("items/<int:line_id>/", views.update_item, name="item"),
    path("items/<int:line_id>/remove/", views.remove_item, name="remove"),
    path("select/", views.select_all, name="select_all"),
]
