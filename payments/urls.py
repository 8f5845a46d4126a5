"""/pay/ (DESIGN.md "URLs"): the cashier; gateways and callbacks arrive with their issue."""

from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("pay/<str:payment_no>/", views.cashier, name="cashier"),
]
