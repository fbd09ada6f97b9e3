"""The audit-log page of a platform, for its officers and auditors: the trail filtered
by date, actor, action and object, newest first, 50 a page, under the chain's
verification status (intact, or the first broken link): the records since the last full
walk are checked on every view, the whole chain at least daily (trust/audit.audit_status),
and when and with what result the records were last checked (trust/check_log.py): never
"intact" after a failed check. Each record reads as a sentence with its details on demand
(oversight/audit_reading.py); `?format=csv` (for people) or `csv-codes` (for scripts) gives the
filtered trail whole as CSV."""

from itertools import chain as chain_of

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..forms.audit import AuditFilter
from ..models import Platform
from ..oversight import exports
from ..oversight.audit_reading import audit_lines, csv_rows
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
    wanted = request.GET.get("format")
    # A filter it cannot read answers with the page and its errors, not an empty file.
    if wanted in exports.CSV_FORMATS and not form.errors:
        rows = csv_rows(form.queryset(), platform, codes=wanted == "csv-codes")
        # The byte-order mark first, as the other CSVs (utf-8-sig): a spreadsheet then reads the Chinese.
        response = StreamingHttpResponse(chain_of(["\ufeff"], rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{platform.slug}-audit.csv"'
        return response
    page = Paginator(form.queryset(), PAGE_SIZE).get_page(request.GET.get("page"))
    lines = audit_lines(page, platform)
    for line in lines:
        line.link = LINKS.get(line.event.object_type) if line.event.platform_id == platform.pk else None
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    chain, last = page_status(now=timezone.now())
    return render(request, "obligations/audit/log.html", {
        "platform": platform, "form": form, "page": page, "lines": lines, "query": query.urlencode(), "chain": chain,
        "intact": chain.ok and (last is None or last.ok), "status": status_text(chain, last), "last_check": last,
        "last_check_at": last and zoned(last.at, platform.tz),
    })
