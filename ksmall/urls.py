"""Top-level URLs. The contract is in DESIGN.md "URLs": keep these paths stable."""

import re

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.static import serve

from catalog import views as catalog_views

from .health import healthz
from .views import favicon

admin.site.site_header = "KS Mall 运营后台"
admin.site.site_title = "KS Mall 运营后台"
admin.site.index_title = _("Operations")
# Staff sign in through the site's login, with its rate limits, not admin's own form.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", catalog_views.home, name="home"),
    path("", include("catalog.urls")),
    path("cart/", include("cart.urls")),
    path("", include("orders.urls")),
    path("", include("payments.urls")),
    path("dashboard/", include("accounts.urls_dashboard")),
    path("dashboard/", include("orders.dashboard.urls")),
    path("dashboard/", include("catalog.dashboard_urls")),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("me/messages/", include("notifications.urls")),
    path("", include("loyalty.urls")),
    path("support/", include("support.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
]

handler400 = "ksmall.views.bad_request"
handler403 = "ksmall.views.permission_denied"
handler404 = "ksmall.views.page_not_found"
handler429 = "ksmall.views.too_many_requests"  # read by allauth's rate limiting
handler500 = "ksmall.views.server_error"

if settings.SERVE_MEDIA:
    # Uploads are stored under random names and re-encoded; nginx serves them in production.
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
