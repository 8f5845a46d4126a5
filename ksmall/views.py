"""Project-wide pages: error pages, and the notice for sections that are not open yet."""

from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

# Sections of the URL contract (DESIGN.md) whose apps have not shipped yet. Each entry is
# removed when its app takes over the path; until then the link says what is coming.
UPCOMING_SECTIONS = {
    "me/coupons/": _("Coupons"),
    "me/points/": _("Points"),
    "me/membership/": _("Membership"),
}


def coming_soon(request, section: str):
    return render(
        request,
        "coming_soon.html",
        {"section_name": UPCOMING_SECTIONS[section]},
    )


def favicon(request):
    return redirect(static("img/logo.svg"), permanent=True)


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def too_many_requests(request, exception=None):
    return render(request, "429.html", status=429)


def server_error(request):
    # No request context: the failure may be the database the context processors read.
    return HttpResponseServerError(loader.get_template("500.html").render())
