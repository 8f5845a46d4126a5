"""A URLconf with a view that fails, to see the 500 page the visitor gets."""

from django.urls import path

from ksmall.urls import handler500  # noqa: F401
from ksmall.urls import urlpatterns as project_urlpatterns


def crash(request):
    raise RuntimeError("secret detail")


urlpatterns = [path("crash/", crash), *project_urlpatterns]
