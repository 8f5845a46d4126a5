"""/pay/ (DESIGN.md "URLs"): the cashier and its method pages, the gateways' notify
endpoints, and the sandbox gateway."""

from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("pay/notify/alipay/", views.alipay_notify, name="alipay_notify"),
    path("pay/notify/wechat/", views.wechat_notify, name="wechat_notify"),
    path("pay/notify/wechat/refund/", views.wechat_refund_notify, name="wechat_refund_notify"),
    path("pay/sandbox/<str:payment_no>/", views.sandbox_cashier, name="sandbox"),
    path("pay/<str:payment_no>/", views.cashier, name="cashier"),
    path("pay/<str:payment_no>/start/", views.start, name="start"),
    path("pay/<str:payment_no>/wechat/", views.wechat, name="wechat"),
    path("pay/<str:payment_no>/status/", views.status, name="status"),
    path("pay/<str:payment_no>/return/", views.result, name="result"),
    path("pay/<str:payment_no>/transfer/", views.transfer, name="transfer"),
]
