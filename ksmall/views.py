"""Project-wide pages: the favicon and the error pages."""

from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static


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
