"""The export pages: request a report or an archive, watch the job with htmx, download
the file with its hash; roles everywhere (403 for staff, 404 for strangers)."""

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from obligations.models import ExportJob, Platform, Role
from obligations.oversight import export_jobs
from obligations.oversight.regulator_report import default_period
from tests.conftest import make_user
from tests.oversight.export_support import eager, exports_root, sign  # noqa: F401 (fixtures)
from tests.oversight.review_sample import closed_review

pytestmark = pytest.mark.usefixtures("exports_root")
K, S = ExportJob.Kind, ExportJob.State
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "obligations" / "exports"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(platform, officer, staff):
    return {"officer": officer, "staff": staff, "supervisor": make_user("carol", platform, Role.SUPERVISOR),
            "auditor": make_user("dora", platform, Role.AUDITOR),
            "stranger": make_user("eve", Platform.objects.create(slug="beta", name="Beta"), Role.OFFICER)}


@pytest.fixture
def review(platform, officer):
    sign(platform, officer)
    return closed_review(platform)


def start(client, platform, **data):
    return client.post(reverse("export-start", args=[platform.slug]), data)


def job_of(response) -> ExportJob:
    assert response.status_code == 302, response.content.decode()[:500]
    return ExportJob.objects.get(pk=int(re.search(r"/exports/(\d+)/", response["Location"]).group(1)))


@pytest.mark.usefixtures("eager")
def test_officer_requests_a_regulator_report_and_downloads_it(platform, people, review,
                                                              django_capture_on_commit_callbacks):
    client = client_for(people["officer"])
    page = client.get(reverse("export-list", args=[platform.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="regulator-form"' in html and 'id="archive-form"' in html and 'id="review-exports"' in html
    first, last = default_period(platform, now=timezone.now())  # the letter's quarter just ended
    assert page.context["regulator_form"].initial == {"start": first, "end": last, "kind": K.REGULATOR_PDF}
    assert f'value="{first.isoformat()}"' in html and f'value="{last.isoformat()}"' in html
    archive_form = html.split('id="archive-form"')[1].split("</form>")[0]
    assert '<input type="hidden" name="kind" value="evidence_zip"' in archive_form
    regulator_form = html.split('id="regulator-form"')[1].split("</form>")[0]
    assert 'value="regulator_pdf"' in regulator_form and "checked" in regulator_form
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client, platform, kind=K.REGULATOR_DOCX, start="2026-10-01", end="2026-12-31")
    job = job_of(response)
    assert response["Location"] == reverse("export-detail", args=[job.pk])
    job.refresh_from_db()
    assert (job.state, job.progress, job.params) == (S.DONE, 100, {"start": "2026-10-01", "end": "2026-12-31"})
    detail = client.get(reverse("export-detail", args=[job.pk])).content.decode()
    assert reverse("export-download", args=[job.pk]) in detail and job.sha256 in detail
    assert 'hx-trigger="every 1s"' not in detail  # done: polling stops
    download = client.get(reverse("export-download", args=[job.pk]))
    assert download.status_code == 200 and download.streaming
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == download["X-Content-SHA256"] == job.sha256
    assert download["Content-Type"] == export_jobs.CONTENT_TYPES[".docx"]
    assert download["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''alpha-%E8%BF%90%E8%90%A5%E6%8A%A5%E5%91%8A-2026-10-01_2026-12-31.docx" in \
        download["Content-Disposition"]
    listing = client.get(reverse("export-list", args=[platform.slug])).content.decode()
    assert f'data-job="{job.pk}"' in listing


def test_a_running_job_polls_with_htmx_until_done(platform, people, review, django_capture_on_commit_callbacks):
    client = client_for(people["officer"])
    with django_capture_on_commit_callbacks(execute=False):  # not run yet: queued
        job = job_of(start(client, platform, kind=K.REVIEW_PDF, review=review.pk))
    url = reverse("export-detail", args=[job.pk])
    page = client.get(url).content.decode()
    assert 'id="job-status"' in page and f'hx-get="{url}"' in page and 'hx-trigger="every 1s"' in page
    assert 'class="progress' in page and 'aria-valuenow="0"' in page
    ExportJob.objects.filter(pk=job.pk).update(state=S.RUNNING, progress=40)
    partial = client.get(url, HTTP_HX_REQUEST="true")
    fragment = partial.content.decode()
    assert fragment.lstrip().startswith("<div id=\"job-status\"") and "<html" not in fragment
    assert 'aria-valuenow="40"' in fragment and "width: 40%" in fragment and 'hx-trigger="every 1s"' in fragment
    export_jobs.export_run(job.pk)
    done = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and 'id="job-download"' in done and 'aria-valuenow="100"' in done


def test_a_failed_job_shows_why_and_retries(platform, people, review, settings, tmp_path,
                                            django_capture_on_commit_callbacks):
    client = client_for(people["officer"])
    fonts, settings.PLEDGE_PDF_FONT_DIR = settings.PLEDGE_PDF_FONT_DIR, tmp_path
    with django_capture_on_commit_callbacks(execute=False):
        job = job_of(start(client, platform, kind=K.REVIEW_PDF, review=review.pk))
    export_jobs.export_run(job.pk)
    page = client.get(reverse("export-detail", args=[job.pk])).content.decode()
    assert 'id="job-error"' in page and "fonts-noto-cjk" in page and 'id="job-retry"' in page
    settings.PLEDGE_PDF_FONT_DIR = fonts
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("export-retry", args=[job.pk]))
    assert response.status_code == 302 and callbacks  # the job queued again after the commit
    job.refresh_from_db()
    assert job.state == S.QUEUED and job.error == ""
    export_jobs.export_run(job.pk)
    job.refresh_from_db()
    assert job.state == S.DONE
    again = client.post(reverse("export-retry", args=[job.pk]), follow=True)
    assert "只有失败的导出任务可以重试" in again.content.decode()


def test_a_bad_period_is_shown_on_the_form(platform, people, review):
    client = client_for(people["officer"])
    response = start(client, platform, kind=K.EVIDENCE_ZIP, start="2026-12-31", end="2026-10-01")
    assert response.status_code == 400 and "开始日期不能晚于结束日期" in response.content.decode()
    response = start(client, platform, kind=K.REGULATOR_PDF, start="2026-02-30", end="2026-10-01")
    assert response.status_code == 400 and "请输入有效日期" in response.content.decode()
    response = start(client, platform, kind=K.REVIEW_PDF, review="424242")
    assert response.status_code == 302 and response["Location"] == reverse("export-list", args=[platform.slug])
    assert not ExportJob.objects.exists()


def test_staff_get_403_and_strangers_404(platform, people, review, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = export_jobs.export_request(platform=platform, kind=K.REVIEW_PDF, params={"review": review.pk},
                                         user=people["officer"], now=review.closed_at)
    export_jobs.export_run(job.pk)
    urls = [("get", reverse("export-list", args=[platform.slug]), {}),
            ("post", reverse("export-start", args=[platform.slug]), {"kind": K.REVIEW_PDF, "review": review.pk}),
            ("get", reverse("export-detail", args=[job.pk]), {}),
            ("post", reverse("export-retry", args=[job.pk]), {}),
            ("get", reverse("export-download", args=[job.pk]), {})]
    for who, status in (("staff", 403), ("stranger", 404)):
        client = client_for(people[who])
        for method, url, data in urls:
            assert getattr(client, method)(url, data).status_code == status, (who, url)
    assert ExportJob.objects.count() == 1
    anonymous = Client().get(reverse("export-download", args=[job.pk]))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_supervisors_export_the_review_report_only(platform, people, review, django_capture_on_commit_callbacks):
    supervisor = client_for(people["supervisor"])
    with django_capture_on_commit_callbacks(execute=False):
        own = job_of(start(supervisor, platform, kind=K.REVIEW_XLSX, review=review.pk))
        regulator = export_jobs.export_request(platform=platform, kind=K.REGULATOR_PDF,
                                               params={"start": "2026-10-01", "end": "2026-12-31"},
                                               user=people["officer"], now=review.closed_at)
    assert start(supervisor, platform, kind=K.REGULATOR_PDF, start="2026-10-01", end="2026-12-31").status_code == 403
    assert start(supervisor, platform, kind=K.EVIDENCE_ZIP, review=review.pk).status_code == 403
    export_jobs.export_run(own.pk)
    export_jobs.export_run(regulator.pk)
    assert supervisor.get(reverse("export-download", args=[own.pk])).status_code == 200
    assert supervisor.get(reverse("export-download", args=[regulator.pk])).status_code == 403
    assert supervisor.get(reverse("export-detail", args=[regulator.pk])).status_code == 403
    listing = supervisor.get(reverse("export-list", args=[platform.slug]))
    html = listing.content.decode()
    assert f'data-job="{own.pk}"' in html and f'data-job="{regulator.pk}"' not in html
    assert 'id="regulator-form"' not in html and 'value="evidence_zip"' not in html
    auditor = client_for(people["auditor"])
    assert auditor.get(reverse("export-download", args=[regulator.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=False):
        assert start(auditor, platform, kind=K.EVIDENCE_ZIP, start="2026-10-01", end="2026-12-31").status_code == 302


def test_a_report_is_requested_in_the_language_of_the_page(platform, people, review,
                                                          django_capture_on_commit_callbacks):
    supervisor = client_for(people["supervisor"])
    supervisor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the pages in English
    with django_capture_on_commit_callbacks(execute=False):
        english = job_of(start(supervisor, platform, kind=K.REVIEW_XLSX, review=review.pk))
    del supervisor.cookies[settings.LANGUAGE_COOKIE_NAME]
    with django_capture_on_commit_callbacks(execute=False):
        chinese = job_of(start(supervisor, platform, kind=K.REVIEW_XLSX, review=review.pk))
    assert (english.language, chinese.language) == ("en", "zh-hans")
    listed = supervisor.get(reverse("export-list", args=[platform.slug])).content.decode()
    row = listed[listed.index(f'data-job="{english.pk}"'):]
    assert 'data-language="en" lang="en">· English</span>' in row[:row.index("</tr>")]
    row = listed[listed.index(f'data-job="{chinese.pk}"'):]
    assert 'data-language="zh-hans" lang="zh-hans">· 简体中文</span>' in row[:row.index("</tr>")]


def test_a_download_of_an_unfinished_job_is_404(platform, people, review, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = job_of(start(client_for(people["officer"]), platform, kind=K.REVIEW_PDF, review=review.pk))
    assert client_for(people["officer"]).get(reverse("export-download", args=[job.pk])).status_code == 404


def test_export_templates_carry_no_inline_script_or_handlers():
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text()
        assert "<script" not in text, path
        assert not re.search(r"\son[a-z]+\s*=", text), path
