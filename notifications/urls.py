from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.message_list, name="list"),
    path("read/", views.mark_all_read, name="mark_all_read"),
    path("settings/", views.preferences, name="settings"),
]
