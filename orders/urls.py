"""/checkout/ and the learner's /orders/ (DESIGN.md "URLs")."""

from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("orders/", views.order_list, name="list"),
    path("orders/<str:order_no>/", views.order_detail, name="detail"),
    path("orders/<str:order_no>/cancel/", views.cancel, name="cancel"),
    path("orders/<str:order_no>/confirm/", views.confirm, name="confirm"),
    path("orders/<str:order_no>/review/", views.review, name="review"),
    path("orders/<str:order_no>/refund/", views.refund, name="refund"),
    path("orders/<str:order_no>/status/", views.order_status, name="status"),
]
