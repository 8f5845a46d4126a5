"""Language choice: Simplified Chinese unless the visitor picked another language.

Django's LocaleMiddleware follows the browser's Accept-Language header, so a learner in
Shanghai with an English-language browser would get the English site. KS Mall is Chinese
first: the language changes only when someone uses the switch in the footer (which sets
the language cookie through /i18n/setlang/).
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
