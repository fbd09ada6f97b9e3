from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..models import Evidence
from ..trust import access
from ..work.evidence import EvidenceMismatch, evidence_open_verified


@require_GET
def evidence_download(request, pk):
    try:
        item = Evidence.objects.select_related("platform", "occurrence").get(pk=pk)
    except Evidence.DoesNotExist:
        raise Http404 from None
    access.role_on(request.user, item.platform_id)
    try:
        verified = evidence_open_verified(item, user=request.user, now=timezone.now())
    except EvidenceMismatch as exc:
        return render(request, "obligations/evidence_mismatch.html", {"item": item, "message": exc.message},
                      status=409)
    response = FileResponse(verified, as_attachment=True, filename=item.original_name,
                            content_type=item.content_type)
    response["X-Content-SHA256"] = item.sha256
    response["X-Content-Type-Options"] = "nosniff"
    return response
