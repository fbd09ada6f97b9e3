"""Error pages in the site's language and frame. The 400 view is not CSRF-decorated:
Django's default one runs the CSRF check again, which re-reads a body it could not
decode (a form posted as charset=gbk) and turns the 400 into a 500.

Each page speaks the language of its own request, never the one the worker's thread served
last: an error raised before the locale middleware ran (a Host outside ALLOWED_HOSTS fails in
CommonMiddleware, before authentication) finds the previous request's language still active."""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.views.decorators.csrf import requires_csrf_token

from compliance.locale import request_language
from obligations.letters.reading import MAX_CHARS


def _render(request, template, context=None, *, status):
    if not hasattr(request, "user"):  # failed before authentication: the page's frame is an anonymous one
        request.user = AnonymousUser()
    with translation.override(request_language(request)):
        return render(request, template, context, status=status)


def bad_request(request, exception=None):
    # A form too large to read (a letter pasted far past its limit): say so, and what to do instead.
    return _render(request, "400.html", {"too_large": isinstance(exception, RequestDataTooBig),
                                         "max_chars": f"{MAX_CHARS:,}"}, status=400)


@requires_csrf_token
def permission_denied(request, exception=None):
    return _render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW: a form sent from a page older than its token (a session
    that ended, a sign-in elsewhere) gets the site's 403 page saying so, not Django's English one."""
    return _render(request, "403.html", {"csrf_failure": True}, status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return _render(request, "404.html", status=404)


def server_error(request):
    # No context processors: whatever failed may fail again while rendering them.
    language = request_language(request)
    with translation.override(language):
        return HttpResponseServerError(loader.get_template("500.html").render({"language": language}))
