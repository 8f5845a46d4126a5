"""Project-wide middleware: the language choice, and rate limits answered with a page.

Language: Simplified Chinese unless the visitor picked another language. Django's
LocaleMiddleware follows the browser's Accept-Language header, so a learner in
Shanghai with an English-language browser would get the English site. KS Mall is Chinese
first: the language changes only when someone uses the switch in the footer (which sets
the language cookie through /i18n/setlang/).
"""

from allauth.core.exceptions import RateLimited
from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_supported_language_variant


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = _chosen_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


def _chosen_language(cookie: str | None) -> str:
    """The supported language the cookie names ("en-us" → "en"), else the default."""
    if cookie:
        try:
            return get_supported_language_variant(cookie)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class RateLimitedMiddleware:
    """Answer allauth's RateLimited, raised from deep inside some flows (sending a phone
    code), with our 429 page instead of a 500. With ATOMIC_REQUESTS the request's writes
    are already rolled back when the exception reaches this point."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RateLimited):
            from .views import too_many_requests

            return too_many_requests(request, exception)
        return None
