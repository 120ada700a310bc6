from django.conf import settings
from django.middleware.gzip import GZipMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    """Ukrainian unless the user chose another language (the language cookie set by the switcher).

    Unlike Django's LocaleMiddleware, the browser's Accept-Language is not consulted: public services speak the
    state language by default, and many office PCs run an English or Russian browser.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


COMPRESSIBLE = ("text/", "application/json", "application/javascript", "application/xml", "application/vnd.oai")


class CompressTextMiddleware(GZipMiddleware):
    """Django's gzip, for text only: pages, partials, JSON, the schema. Page images, PDFs and originals are already
    compressed and stream from storage, so they pass untouched. Static files come pre-compressed from WhiteNoise.

    BREACH: every page carries the CSRF token, but Django masks it afresh in each response, and this middleware
    (Django >= 4.2) pads each gzip stream with random bytes ("Heal the BREACH"); see docs/security.md."""

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "")
        if not content_type.startswith(COMPRESSIBLE):
            return response
        return super().process_response(request, response)
