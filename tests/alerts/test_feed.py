from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from obligations.models import CalendarFeed, Occurrence
from obligations.tasks import run_sweeps as sweep
from obligations.work.evidence import completion_with_evidence
from tests.conftest import PDF_BYTES, SIGNED_AT

NOW = SIGNED_AT + timedelta(hours=1)


@pytest.fixture
def feed_url(client, staff, signed_letter):
    sweep(now=SIGNED_AT)
    client.force_login(staff)
    client.post(reverse("calendar-feed"), {"renew": "1"})
    client.logout()
    return reverse("calendar-feed-ics", args=[CalendarFeed.objects.get(user=staff).token])


def test_feed_holds_exactly_the_users_open_tasks(client, feed_url, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    done = Occurrence.objects.get(obligation__key="三.2", opens_at__lte=NOW, due_at__gt=NOW)
    completion_with_evidence(occurrence=done, user=staff, note="", now=NOW, files=[SimpleUploadedFile("c.pdf", PDF_BYTES)])
    with time_machine.travel(NOW, tick=False):
        response = client.get(feed_url)  # no sign-in: the token is the credential
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    events = [c for c in Calendar.from_ical(response.content).walk("VEVENT")]
    expected = set(Occurrence.objects.filter(obligation__key="三.2", state="open", due_at__lte=NOW + timedelta(days=92))
                   .values_list("pk", flat=True))
    assert {int(str(e["uid"]).split("@")[0].removeprefix("occurrence-")) for e in events} == expected
    assert done.pk not in expected and len(events) == len(expected)
    assert all(str(e["summary"]).startswith("安全检查") for e in events)


def test_each_event_links_to_its_task_by_an_absolute_url(client, feed_url, settings):
    settings.PLEDGE_SITE_URL = "https://pledge.example.cn"
    with time_machine.travel(NOW, tick=False):
        events = list(Calendar.from_ical(client.get(feed_url).content).walk("VEVENT"))
    assert events
    for event in events:
        pk = int(str(event["uid"]).split("@")[0].removeprefix("occurrence-"))
        assert str(event["url"]) == f"https://pledge.example.cn/occurrences/{pk}/"


def test_revoked_or_renewed_link_answers_404(client, feed_url, staff):
    client.force_login(staff)
    client.post(reverse("calendar-feed"), {"renew": "1"})
    client.logout()
    assert client.get(feed_url).status_code == 404
    new = reverse("calendar-feed-ics", args=[CalendarFeed.objects.get(user=staff, revoked_at__isnull=True).token])
    assert client.get(new).status_code == 200
    client.force_login(staff)
    client.post(reverse("calendar-feed"), {"revoke": "1"})
    client.logout()
    assert client.get(new).status_code == 404
    assert client.get(reverse("calendar-feed-ics", args=["not-a-token"])).status_code == 404


def test_a_new_password_renews_the_link(client, feed_url, staff):
    staff.set_password("Bob-新密码-2026-秋")
    staff.save()
    assert client.get(feed_url).status_code == 404
    assert CalendarFeed.objects.filter(user=staff, revoked_at__isnull=True).count() == 1
    other_saves = CalendarFeed.objects.get(user=staff, revoked_at__isnull=True)
    staff.first_name = "Bob"
    staff.save()  # a save without a new password keeps the link
    assert CalendarFeed.objects.get(user=staff, revoked_at__isnull=True) == other_saves


def test_a_password_hash_upgrade_at_sign_in_keeps_the_link(client, feed_url, staff, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    assert staff.password.startswith("md5$")
    assert client.login(username="bob", password="pw-bob")  # Django re-hashes the password here
    staff.refresh_from_db()
    assert staff.password.startswith("pbkdf2_")
    client.logout()
    assert client.get(feed_url).status_code == 200


def test_a_new_password_issues_no_link_to_whoever_had_none(staff):
    staff.set_password("Bob-新密码-2026-秋")
    staff.save()
    assert not CalendarFeed.objects.filter(user=staff).exists()
