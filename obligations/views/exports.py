"""Exports: request a report or an archive, watch its job, download the file."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..errors import DomainError
from ..forms.exports import PeriodExportForm
from ..models import ExportJob, Platform, Review
from ..oversight import export_jobs
from ..oversight.regulator_report import default_period
from ..trust import access

RECENT = 50


def _allowed_kinds(role) -> list[str]:
    return [kind for kind in ExportJob.Kind.values if export_jobs.may_export(role, kind)]


def _list(request, platform, role, *, regulator_form=None, archive_form=None, status=200):
    now = timezone.now()
    start, end = default_period(platform, now=now)
    initial = {"start": start, "end": end}
    jobs = (ExportJob.objects.filter(platform=platform, kind__in=_allowed_kinds(role))
            .select_related("requested_by")[:RECENT])
    return render(request, "obligations/exports/list.html", {
        "platform": platform, "role": role, "jobs": jobs, "now": now,
        "may_export_periods": export_jobs.may_export(role, ExportJob.Kind.REGULATOR_PDF),
        "regulator_form": regulator_form or PeriodExportForm(initial=initial),
        "archive_form": archive_form or PeriodExportForm(initial=initial, archive=True),
        "reviews": Review.objects.filter(platform=platform).order_by("-year", "-quarter")[:8],
    }, status=status)


@require_GET
def export_list(request, slug):
    platform = get_object_or_404(Platform, slug=slug)
    role = access.require_page(request.user, platform.pk, "export-list")
    return _list(request, platform, role)


@require_POST
def export_start(request, slug):
    platform = get_object_or_404(Platform, slug=slug)
    role = access.role_on(request.user, platform.pk)
    kind = request.POST.get("kind", "")
    if not export_jobs.may_export(role, kind):
        raise PermissionDenied
    if kind in export_jobs.REVIEW_KINDS or request.POST.get("review"):
        params = {"review": request.POST.get("review")}
    else:
        archive = kind == ExportJob.Kind.EVIDENCE_ZIP
        form = PeriodExportForm(request.POST, archive=archive)
        if not form.is_valid():
            slot = "archive_form" if archive else "regulator_form"
            return _list(request, platform, role, status=400, **{slot: form})
        params = {"start": form.cleaned_data["start"], "end": form.cleaned_data["end"]}
    try:
        job = export_jobs.export_request(platform=platform, kind=kind, params=params, user=request.user,
                                         now=timezone.now(), language=request.LANGUAGE_CODE)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("export-list", platform.slug)
    return redirect("export-detail", job.pk)


def _job_for(request, pk) -> ExportJob:
    job = get_object_or_404(ExportJob.objects.select_related("platform", "requested_by"), pk=pk)
    role = access.role_on(request.user, job.platform_id)
    if not export_jobs.may_export(role, job.kind):
        raise PermissionDenied
    return job


@require_GET
def export_detail(request, pk):
    job = _job_for(request, pk)
    context = {"job": job, "platform": job.platform, "stalled": export_jobs.is_stalled(job, timezone.now())}
    if request.htmx:
        return render(request, "obligations/exports/_job_status.html", context)
    return render(request, "obligations/exports/job.html", context)


@require_POST
def export_retry(request, pk):
    job = _job_for(request, pk)
    try:
        export_jobs.export_retry(job=job, user=request.user, now=timezone.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, _("已重新排队生成。"))
    return redirect("export-detail", job.pk)


@require_GET
def export_download(request, pk):
    job = _job_for(request, pk)
    try:
        handle = export_jobs.export_open(job)
    except (DomainError, FileNotFoundError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=job.filename,
                            content_type=export_jobs.content_type(job))
    response["X-Content-SHA256"] = job.sha256
    response["X-Content-Type-Options"] = "nosniff"
    return response
