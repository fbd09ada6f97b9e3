"""Times on the pages in the platform's local time, the zone named once per page (design rule 9).
The site's own zone is set to UTC here, so a page that printed with Django's `|date` in the
site zone would show 16:00 where Beijing time is 00:00 the next day."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from obligations.models import ExportJob, Notification, Occurrence, Platform
from obligations.schedule.local_time import shared_zone
from obligations.tasks import run_sweeps
from tests.conftest import SIGNED_AT

MIDNIGHT = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # 2026-12-08 00:00 北京时间
ZONE_NOTE = "时间均为北京时间"


@pytest.fixture(autouse=True)
def _site_in_utc(settings):
    settings.TIME_ZONE = "UTC"


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def first_local_midnight(platform) -> Occurrence:
    run_sweeps(now=SIGNED_AT + timedelta(days=8))
    return next(o for o in Occurrence.objects.filter(platform=platform).order_by("due_at")
                if o.due_at.astimezone(platform.tz).hour == 0)


def test_the_inbox_shows_local_time_and_names_the_zone(client, officer, signed_letter):
    occ = Occurrence.objects.filter(platform=signed_letter.platform).first()
    Notification.objects.create(recipient=officer, kind=Notification.Kind.DUE_SOON, occurrence=occ,
                                subject="安全检查即将到期", created_at=MIDNIGHT, sent_at=MIDNIGHT)
    html = page(client, officer, reverse("notifications"))
    assert "2026-12-08 00:00" in html and ZONE_NOTE in html and "16:00" not in html


def test_the_export_pages_show_local_time_and_name_the_zone(client, platform, officer):
    job = ExportJob.objects.create(platform=platform, kind=ExportJob.Kind.REGULATOR_PDF, requested_by=officer,
                                   requested_at=MIDNIGHT, state=ExportJob.State.DONE, progress=100,
                                   finished_at=MIDNIGHT + timedelta(seconds=5), filename="r.pdf", sha256="0" * 64)
    listing = page(client, officer, reverse("export-list", args=[platform.slug]))
    assert "2026-12-08 00:00" in listing and ZONE_NOTE in listing and "16:00" not in listing
    detail = page(client, officer, reverse("export-detail", args=[job.pk]))
    assert "2026-12-08 00:00:05" in detail and ZONE_NOTE in detail and "16:00" not in detail


def test_the_letter_and_its_versions_show_when_it_was_signed_in_local_time(client, officer, signed_letter):
    signed = f"{SIGNED_AT.astimezone(signed_letter.platform.tz):%Y-%m-%d %H:%M}"  # 09:00, 01:00 UTC
    for url in (reverse("letter-detail", args=["alpha"]), reverse("letter-versions", args=["alpha"]),
                reverse("letter-version", args=[signed_letter.pk])):
        html = page(client, officer, url)
        assert signed in html and ZONE_NOTE in html and f"{SIGNED_AT:%Y-%m-%d %H:%M}" not in html, url


def test_the_task_list_shows_local_due_times_and_names_the_zone(client, officer, signed_letter):
    occ = first_local_midnight(signed_letter.platform)
    day = occ.due_at.astimezone(signed_letter.platform.tz).date()
    before = day - timedelta(days=1)  # a task due at midnight belongs to the day it closes
    html = page(client, officer, reverse("occurrence-list", args=["alpha"]) + f"?date_from={before}&date_to={day}")
    row = re.search(rf'href="/occurrences/{occ.pk}/".*?</td>\s*<td>([^<]*)</td>', html, re.S)
    assert row.group(1) == f"{day} 00:00" and ZONE_NOTE in html  # not 16:00 the day before


def test_my_tasks_names_the_zone_once_and_each_row_when_platforms_differ(client, officer, signed_letter):
    first_local_midnight(signed_letter.platform)
    assert ZONE_NOTE in page(client, officer, reverse("my-tasks") + "?scope=all")
    tokyo = Platform.objects.create(slug="tokyo", name="Tokyo", timezone="Asia/Tokyo")
    officer.memberships.create(platform=tokyo, role="officer")
    html = page(client, officer, reverse("my-tasks") + "?scope=all")
    assert ZONE_NOTE not in html and "(北京时间)" in html  # the rows say which


def test_a_list_spanning_platforms_shares_a_zone_only_when_all_rows_do():
    from zoneinfo import ZoneInfo

    shanghai, tokyo = ZoneInfo("Asia/Shanghai"), ZoneInfo("Asia/Tokyo")
    assert shared_zone([shanghai, ZoneInfo("Asia/Shanghai")]) == shanghai
    assert shared_zone([shanghai, tokyo]) is None and shared_zone([]) is None
