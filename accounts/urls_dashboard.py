"""/dashboard/ pages that belong to accounts: the provider application."""

from django.urls import path

from . import onboarding

app_name = "onboarding"

urlpatterns = [
    path("apply/", onboarding.apply, name="apply"),
]
