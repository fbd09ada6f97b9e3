"""The audit-log page of a platform, for its officers and auditors: the trail filtered
by date, actor, action and object, newest first, 50 a page, under the chain's
verification status (intact, or the first broken link): the records since the last full
walk are checked on every view, the whole chain at least daily (trust/audit.audit_status),
and when and with what result the records were last checked (trust/check_log.py): never
"intact" after a failed check."""

import json

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..forms.audit import AuditFilter
from ..models import Platform
from ..schedule.local_time import zoned
from ..trust import access
from ..trust.audit import platform_trail
from ..trust.check_log import page_status, status_text

PAGE_SIZE = 50
# Objects with a page of their own.
LINKS = {"Occurrence": "occurrence-detail", "Case": "case-detail", "Review": "review-detail"}


@require_GET
def audit_log(request, slug):
    platform = get_object_or_404(Platform, slug=slug)
    access.require_page(request.user, platform.pk, "audit-log")
    form = AuditFilter(request.GET or None, platform=platform, trail=platform_trail(platform))
    page = Paginator(form.queryset(), PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page:
        event.link = LINKS.get(event.object_type) if event.platform_id == platform.pk else None
        event.detail = json.dumps(event.data, ensure_ascii=False, sort_keys=True) if event.data else ""
    query = request.GET.copy()
    query.pop("page", None)
    chain, last = page_status(now=timezone.now())
    return render(request, "obligations/audit/log.html", {
        "platform": platform, "form": form, "page": page, "query": query.urlencode(), "chain": chain,
        "intact": chain.ok and (last is None or last.ok), "status": status_text(chain, last), "last_check": last,
        "last_check_at": last and zoned(last.at, platform.tz),
    })
