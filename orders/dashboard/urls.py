"""/dashboard/ pages that belong to orders."""

from django.urls import path

from . import desk, overview, refunds, settlement, stats

app_name = "dashboard"

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("orders/", desk.order_list, name="orders"),
    path("orders/export/", desk.order_export, name="orders_export"),
    path("orders/<str:order_no>/", desk.order_detail, name="order"),
    path("orders/<str:order_no>/accept/", desk.accept, name="accept"),
    path("orders/<str:order_no>/start/", desk.start, name="start"),
    path("orders/<str:order_no>/complete/", desk.complete, name="complete"),
    path("stats/", stats.stats, name="stats"),
    path("refunds/", refunds.refund_list, name="refunds"),
    path("refunds/<int:refund_id>/approve/", refunds.approve, name="refund_approve"),
    path("refunds/<int:refund_id>/reject/", refunds.reject, name="refund_reject"),
    path("settlement/", settlement.settlement, name="settlement"),
]
