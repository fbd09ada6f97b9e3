"""The real URLs plus one bare view: the floor bench/load.py compares the pages against (the
same server, middleware, session and login; no query of its own, no template)."""

from django.http import HttpResponse
from django.urls import include, path

from compliance.urls import handler400, handler403, handler404, handler500  # noqa: F401


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("compliance.urls")),
]
