from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..alerts.evidence_notices import evidence_mismatch_notices
from ..models import Evidence
from ..tasks import MINUTE_TASK, send_notifications
from ..trust import access
from ..work.evidence import EvidenceMismatch, evidence_open_verified
from ..work.retention import disposal_of


@require_GET
def evidence_download(request, pk):
    try:
        item = Evidence.objects.select_related("platform", "occurrence").get(pk=pk)
    except Evidence.DoesNotExist:
        raise Http404 from None
    access.role_on(request.user, item.platform_id)
    disposal = disposal_of(item)
    if disposal is not None:  # disposed of past its keep-until date: the metadata stays, the file is gone
        return render(request, "obligations/evidence_disposed.html", {"item": item, "disposal": disposal}, status=410)
    now = timezone.now()
    try:
        verified = evidence_open_verified(item, user=request.user, now=now)
    except EvidenceMismatch as exc:
        # The officers hear of it now, once per file, and the mail goes out with the next send, queued at once.
        if evidence_mismatch_notices(item, found=exc.found, by=request.user, now=now):
            transaction.on_commit(lambda: send_notifications.apply_async(expires=MINUTE_TASK["expires"]), robust=True)
        return render(request, "obligations/evidence_mismatch.html", {"item": item, "message": exc.message},
                      status=409)
    response = FileResponse(verified, as_attachment=True, filename=item.original_name,
                            content_type=item.content_type)
    response["X-Content-SHA256"] = item.sha256
    response["X-Content-Type-Options"] = "nosniff"
    return response
