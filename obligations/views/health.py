from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..health import health_check


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """200 when every check passes (the database, the broker, a worker's heartbeat, a recent
    sweep, the evidence store: obligations/health.py); else 503 naming what is wrong. No
    sign-in, no data."""
    health = health_check()
    return JsonResponse(health.as_dict(), status=200 if health.ok else 503,
                        json_dumps_params={"ensure_ascii": False})
