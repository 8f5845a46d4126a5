"""/dashboard/ pages that belong to accounts: the provider application and its files."""

from django.urls import path

from . import onboarding

app_name = "onboarding"

urlpatterns = [
    path("apply/", onboarding.apply, name="apply"),
    path("apply/certificates/<int:pk>/", onboarding.certificate, name="certificate"),
]
