"""A form body past DATA_UPLOAD_MAX_MEMORY_SIZE answered by the site in every mode.

Django raises RequestDataTooBig where the body is first read (the CSRF check, just after this
middleware), and with DEBUG on (as bin/run sets it) answers with its technical page instead of
the 400 handler. Here the body is read first: a body too large gets the site's 400 page
(compliance/errors.bad_request) whatever DEBUG says, or, for a view that answers it itself (a
`too_large` attribute, as the public complaint page has), that answer. Such a view is given the
fields the start of a url-encoded body holds (what a person typed first: a form sends its fields
in page order), at most KEEP_BYTES read, the last one perhaps cut short. It renders a form and
writes nothing, so no CSRF token is needed: the form it renders carries a fresh one.
"""

import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import QueryDict

from compliance.errors import bad_request

KEEP_BYTES = 256 * 1024  # enough for ten thousand Chinese characters, escaped, and the fields before them
_CUT_ESCAPE = re.compile(rb"%[0-9A-Fa-f]?$")


class TooLargeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # A view exempt from CSRF reads its body itself (it may set its own upload handlers).
        if request.method != "POST" or getattr(view_func, "csrf_exempt", False):
            return None
        try:
            request.POST  # noqa: B018 - read here, as the CSRF check right after would
        except RequestDataTooBig as exc:
            answer = getattr(view_func, "too_large", None)
            if answer is None:
                return bad_request(request, exc)
            return answer(request, fields_that_fit(request), *view_args, **view_kwargs)
        return None


def body_size(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@dataclass
class Fitted:
    """What a view that answers a body too large is given."""

    fields: QueryDict  # the fields that fitted, the last perhaps cut short
    cut: str  # the name of the one cut short, "" when none was
    size: int  # the body's size in bytes, as its sender declared it


def fields_that_fit(request) -> Fitted:
    """The fields at the start of a url-encoded body too large to read whole (nothing for any other
    kind of body): every whole field within KEEP_BYTES, and the one cut there, as far as it goes."""
    fields = QueryDict(mutable=True)
    size = body_size(request)
    if request.content_type != "application/x-www-form-urlencoded" or not size:
        return Fitted(fields, "", size)
    start = request.read(min(KEEP_BYTES, size))
    pairs = start.split(b"&")
    cut = len(start) < size
    cut_name = ""
    if cut:
        pairs[-1] = _CUT_ESCAPE.sub(b"", pairs[-1])  # an escape cut in two is no character
        cut_name = _text(pairs[-1].partition(b"=")[0])
    for pair in pairs[:settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or None]:
        name, _eq, value = pair.partition(b"=")
        if name:
            fields.appendlist(_text(name), _text(value))
    return Fitted(fields, cut_name, size)


def _text(raw: bytes) -> str:
    # A character cut in two at the end of what was read is left out, as is anything not UTF-8.
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8", errors="ignore")
