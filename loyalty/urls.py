"""Membership, points and coupons (DESIGN.md "URLs"): the coupon centre, the learner's
/me/ sections, and the provider's /dashboard/coupons/."""

from django.urls import path

from .views import coupons, dashboard, membership, points

app_name = "loyalty"

urlpatterns = [
    path("coupons/", coupons.coupon_centre, name="coupon_centre"),
    path("coupons/<int:coupon_id>/claim/", coupons.claim, name="claim"),
    path("me/coupons/", coupons.my_coupons, name="my_coupons"),
    path("me/points/", points.points_page, name="points"),
    path("me/membership/", membership.membership_page, name="membership"),
    path("dashboard/coupons/", dashboard.coupon_list, name="dashboard_coupons"),
    path("dashboard/coupons/new/", dashboard.coupon_create, name="dashboard_coupon_create"),
    path(
        "dashboard/coupons/<int:coupon_id>/stop/",
        dashboard.coupon_stop,
        name="dashboard_coupon_stop",
    ),
]
