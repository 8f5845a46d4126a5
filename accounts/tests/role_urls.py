"""The project's URLs plus three tiny role-guarded pages, for the permission tests."""

from django.http import HttpResponse
from django.urls import path

from accounts.permissions import agent_required, provider_required, staff_required
from ksmall.urls import handler403  # noqa: F401
from ksmall.urls import urlpatterns as project_urlpatterns


def _page(name):
    def view(request):
        return HttpResponse(f"{name} page for {request.user.pk}")

    return view


urlpatterns = [
    path("_test/provider/", provider_required(_page("provider"))),
    path("_test/agent/", agent_required(_page("agent"))),
    path("_test/staff/", staff_required(_page("staff"))),
    *project_urlpatterns,
]
