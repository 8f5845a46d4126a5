"""Top-level URLs. The contract is in DESIGN.md "URLs": keep these paths stable."""

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from .health import healthz
from .views import UPCOMING_SECTIONS, coming_soon, favicon

admin.site.site_header = "KS Mall 运营后台"
admin.site.site_title = "KS Mall 运营后台"
admin.site.index_title = _("Operations")
# Staff sign in through the site's login, with its rate limits, not admin's own form.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("me/messages/", include("notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
]

urlpatterns += [path(section, coming_soon, {"section": section}) for section in UPCOMING_SECTIONS]

handler400 = "ksmall.views.bad_request"
handler403 = "ksmall.views.permission_denied"
handler404 = "ksmall.views.page_not_found"
handler500 = "ksmall.views.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
