"""/me/: the user centre. Orders live at /orders/; the other sections arrive with their apps."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.me, name="me"),
    path("profile/", views.profile, name="profile"),
    path("password/new/", views.new_password, name="new_password"),
]
