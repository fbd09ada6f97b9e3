"""Every refusal as JSON: {"code": ..., "detail": ...} (and "fields" for bad input), worded in the
caller's language, with the status docs/api.md lists."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

from ..errors import DomainError


class Refused(exceptions.APIException):
    """A refusal of the domain (errors.DomainError) with its status and code."""

    def __init__(self, message, *, code="refused", status_code=status.HTTP_400_BAD_REQUEST, field=None):
        super().__init__(message, code)
        self.status_code, self.code, self.field = status_code, code, field


def refused(exc: DomainError, *, code="invalid", status_code=status.HTTP_400_BAD_REQUEST) -> Refused:
    return Refused(exc.message, code=code, status_code=status_code, field=exc.field)


def bad_input(errors: dict) -> exceptions.ValidationError:
    """A form's or serializer's errors as one 400."""
    return exceptions.ValidationError({k: [str(e) for e in v] for k, v in errors.items()})


CODES = {401: "not_authenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         406: "not_acceptable", 415: "unsupported_media_type", 429: "rate_limited"}


def _messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for v in detail.values() for m in _messages(v)]
    if isinstance(detail, list):
        return [m for v in detail for m in _messages(v)]
    return [str(detail)]


def api_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到,或不属于此令牌的平台。"))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(_("此令牌无权执行该操作。"))
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, Refused):
        body = {"code": exc.code, "detail": str(exc.detail)}
        if exc.field:
            body["fields"] = {exc.field: [str(exc.detail)]}
    elif isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = {"code": "invalid", "detail": " ".join(_messages(fields)),
                "fields": {k: _messages(v) for k, v in fields.items()}}
    elif isinstance(exc, exceptions.Throttled):  # Retry-After is set by DRF from exc.wait
        body = {"code": "rate_limited", "detail": _("请求过于频繁,请在 %(s)d 秒后重试。") % {"s": exc.wait or 1},
                "retry_after": exc.wait}
    else:
        body = {"code": CODES.get(response.status_code, getattr(exc, "default_code", "error")),
                "detail": str(exc.detail)}
    response.data = body
    return response
