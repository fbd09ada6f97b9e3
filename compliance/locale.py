from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from obligations.trust.preferences import chosen_language, supported


def request_language(request) -> str:
    """The language of this request's pages, for one rendered outside the middleware's reach (an error
    page): what the middleware chose for it (the user's kept choice), else its language cookie, else
    Chinese. Never the language the worker's thread served last; reads no database."""
    return (supported(getattr(request, "LANGUAGE_CODE", None))
            or supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)) or settings.LANGUAGE_CODE)


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """The language of a page: for a signed-in user the one they chose, kept on their
    account (trust/preferences.py), whatever browser they use; otherwise the language
    cookie; otherwise Chinese — a browser's Accept-Language alone does not switch the
    interface away from zh-hans. Runs after authentication (settings.MIDDLEWARE).

    The cookie follows the account: the response that signs a user in (and any later
    one) sets it to their language, so the pages after sign-out stay in it too."""

    def process_request(self, request):
        # The cookie's (or Chinese) first: if reading the user's choice fails (the database
        # down), the page that says so is not in whatever language the thread served last.
        translation.activate(supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)) or settings.LANGUAGE_CODE)
        chosen = chosen_language(getattr(request, "user", None))
        if chosen:
            translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response = super().process_response(request, response)
        chosen = chosen_language(getattr(request, "user", None))  # the user after the view: signed in just now too
        if chosen and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != chosen:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, chosen, max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE)
        return response
