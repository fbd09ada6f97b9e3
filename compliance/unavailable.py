"""The database down: every page answers a standalone 503 "请稍后重试" (in the request's language) instead
of Django's 500. A view's error is caught in process_exception; an error anywhere else
(a middleware loading the session or the user) reaches Django's handler as a 500, and
the signal below marks the request so that the 500 becomes the 503 on its way out.
Rendering touches no database and no context processor. Only a request that could have
carried input (POST, PUT, PATCH, DELETE) is told that what it submitted was not saved: a
GET submitted nothing."""

import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils import translation

from compliance.locale import request_language

DATABASE_ERRORS = (OperationalError, InterfaceError)


SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def unavailable_response(request=None) -> HttpResponse:
    unsaved = request is not None and request.method not in SAFE_METHODS
    language = request_language(request) if request is not None else settings.LANGUAGE_CODE
    with translation.override(language):
        page = loader.get_template("503.html").render({"language": language, "unsaved": unsaved})
    response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response


def _mark(sender, request=None, **kwargs):
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        request._pledge_database_down = True


got_request_exception.connect(_mark, dispatch_uid="pledge-database-down")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "_pledge_database_down", False):
            return unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            request._pledge_database_down = True
            return unavailable_response(request)
        return None
