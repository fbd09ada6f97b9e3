"""Every URL for the owner's role, another role of the platform, and a stranger."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from obligations.errors import DomainError
from obligations.letters.assignment import obligation_assign
from obligations.models import (
    Completion,
    Evidence,
    Membership,
    Obligation,
    Occurrence,
    Platform,
    Role,
)
from obligations.tasks import run_sweeps as sweep
from obligations.work.evidence import completion_with_evidence
from tests.conftest import PDF_BYTES, SIGNED_AT, make_user

NOW = SIGNED_AT + timedelta(hours=1)  # Monday 2 Nov 2026, 10:00 in Shanghai


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def people(platform, officer, staff):
    other = Platform.objects.create(slug="beta", name="Beta")
    return {
        "officer": officer, "staff": staff,
        "supervisor": make_user("sue", platform, Role.SUPERVISOR),
        "auditor": make_user("aud", platform, Role.AUDITOR),
        "stranger": make_user("charlie", other, Role.OFFICER),
    }


@pytest.fixture
def check(signed_letter, people):
    sweep(now=NOW)
    return Occurrence.objects.get(obligation__key="三.2", opens_at__lte=NOW, due_at__gt=NOW)


@pytest.fixture
def done(check, people):
    audit = Occurrence.objects.get(obligation__key="三.3")
    completion_with_evidence(occurrence=audit, user=people["officer"], note="", now=NOW,
                             files=[SimpleUploadedFile("c.pdf", PDF_BYTES)])
    return audit


def client_for(client, user):
    client.force_login(user)
    return client


def pdf():
    return SimpleUploadedFile("check.pdf", PDF_BYTES, content_type="application/pdf")


READS = {"officer": 200, "staff": 200, "supervisor": 200, "auditor": 200, "stranger": 404}


@pytest.mark.parametrize("who,status", READS.items())
def test_read_pages(client, people, check, done, who, status):
    c = client_for(client, people[who])
    evidence = Evidence.objects.get()
    assert c.get(reverse("occurrence-detail", args=[check.pk])).status_code == status
    assert c.get(reverse("evidence-download", args=[evidence.pk])).status_code == status
    assert c.get(reverse("obligation-list", args=["alpha"])).status_code == status
    assert c.get(reverse("letter-detail", args=["alpha"])).status_code == status
    assert c.get(reverse("my-tasks")).status_code == 200


@pytest.mark.parametrize("who,status", {"officer": 200, "staff": 200, "supervisor": 403, "auditor": 403,
                                        "stranger": 404}.items())
def test_complete(client, people, check, who, status):
    c = client_for(client, people[who])
    url = reverse("occurrence-complete", args=[check.pk])
    opened = c.get(url, headers={"HX-Request": "true"})  # the row's form, for those who may complete
    assert opened.status_code == status and (b"complete-form" in opened.content) == (status == 200)
    response = c.post(url, {"note": "ok", "files": [pdf()]}, headers={"HX-Request": "true"})
    assert response.status_code == status
    check.refresh_from_db()
    assert (check.state == "done") == (status == 200)


@pytest.mark.parametrize("who,status", {"officer": 302, "staff": 403, "supervisor": 403, "auditor": 403,
                                        "stranger": 404}.items())
def test_reopen_and_waive_are_the_officers(client, people, check, done, who, status):
    c = client_for(client, people[who])
    for name, occ in (("occurrence-reopen", done), ("occurrence-waive", check)):
        url = reverse(name, args=[occ.pk])
        assert c.get(url).status_code == 405
        assert c.post(url, {"reason": "核对后确认"}).status_code == status
    done.refresh_from_db()
    check.refresh_from_db()
    assert (done.state == "open") == (status == 302)
    assert (check.state == "waived") == (status == 302)


@pytest.mark.parametrize("who,status", {"officer": 302, "staff": 403, "auditor": 403, "stranger": 404}.items())
def test_assign(client, people, signed_letter, who, status):
    ob = Obligation.objects.get(platform=signed_letter.platform, key="三.2")
    url = reverse("obligation-assign", args=[ob.pk])
    c = client_for(client, people[who])
    assert c.get(url).status_code == 405
    assert c.post(url, {f"ob{ob.pk}-assignees": [people["staff"].pk]}).status_code == status
    assert ob.assignees.exists() == (status == 302)


def test_anonymous_is_sent_to_login(client, check):
    response = client.get(reverse("occurrence-detail", args=[check.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_assignment_decides_who_sees_and_completes(client, people, check, platform):
    dave = make_user("dave", platform, Role.STAFF)
    ob = check.obligation
    client.force_login(dave)
    assert f'id="occ-{check.pk}"' in client.get(reverse("my-tasks")).content.decode()
    ob.assignees.set([people["staff"]])
    assert f'id="occ-{check.pk}"' not in client.get(reverse("my-tasks")).content.decode()
    url = reverse("occurrence-complete", args=[check.pk])
    assert client.post(url, {"files": [pdf()]}, headers={"HX-Request": "true"}).status_code == 403
    client.force_login(people["staff"])
    assert f'id="occ-{check.pk}"' in client.get(reverse("my-tasks")).content.decode()


def test_my_tasks_lists_todays_checks_first_with_counts(client, people, check):
    client.force_login(people["staff"])
    html = client.get(reverse("my-tasks")).content.decode()
    today = html.split('id="section-today"')[1].split('id="section-overdue"')[0]
    assert today.count('data-obligation="三.2"') == 2  # signed at 09:00: the 08–16 and 16–24 checks
    assert 'data-count="today">2<' in html
    assert "三.3" not in today  # the officer's audit is not the staff's


def test_my_tasks_counters_and_headings_agree_and_done_tasks_are_told_apart(client, people, check):
    completion_with_evidence(occurrence=check, user=people["staff"], note="", now=NOW, files=[pdf()])
    client.force_login(people["staff"])
    html = client.get(reverse("my-tasks")).content.decode()
    assert 'data-count="today">1<' in html and 'data-heading-count="today">1<' in html
    assert "另有 1 项已完成" in html
    today = html.split('id="section-today"')[1].split('id="section-overdue"')[0]
    assert today.count('data-obligation="三.2"') == 2  # the done one stays listed today


def test_a_check_off_on_my_tasks_sends_every_counter_of_the_page_along(client, people, check):
    client.force_login(people["staff"])
    url = reverse("occurrence-complete", args=[check.pk])
    html = client.post(url, {"files": [pdf()]}, headers={"HX-Request": "true",
                                                         "HX-Current-URL": "http://testserver/tasks/"}).content.decode()
    row, counters = html.split("</li>", 1)
    assert f'id="occ-{check.pk}"' in row and 'data-state="done"' in row
    assert '<div class="row g-2 mb-3" id="task-counts" hx-swap-oob="true">' in counters
    assert 'data-count="today">1<' in counters  # was 2: the card moves with the row
    assert '<h2 class="h5" id="heading-today" hx-swap-oob="true">' in counters
    assert 'data-heading-count="today">1<' in counters and "另有 1 项已完成" in counters
    assert counters.count("hx-swap-oob") == 7  # the cards and the six headings


def test_a_check_off_on_one_sections_page_moves_its_heading_and_elsewhere_nothing_more(client, people, check):
    client.force_login(people["staff"])
    html = client.post(reverse("occurrence-complete", args=[check.pk]), {"files": [pdf()]},
                       headers={"HX-Request": "true",
                                "HX-Current-URL": "http://testserver/tasks/?section=today&page=1"}).content.decode()
    assert 'id="task-counts"' not in html and html.count("hx-swap-oob") == 1
    assert 'data-heading-count="today">1<' in html
    other = Occurrence.objects.filter(obligation__key="三.2", state="open", due_at__gt=check.due_at).first()
    with time_machine.travel(other.opens_at, tick=False):
        html = client.post(reverse("occurrence-complete", args=[other.pk]), {"files": [pdf()]},
                           headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver/occurrences/{other.pk}/"}
                           ).content.decode()
    assert "hx-swap-oob" not in html  # a page without the counters gets none


def test_officer_sees_own_tasks_by_default_and_the_platform_with_the_filter(client, people, check):
    client.force_login(people["officer"])
    mine = client.get(reverse("my-tasks")).content.decode()
    assert f'id="occ-{check.pk}"' not in mine and 'data-obligation="三.3"' in mine  # the staff's check, the officer's audit
    everything = client.get(reverse("my-tasks"), {"scope": "all"}).content.decode()
    assert f'id="occ-{check.pk}"' in everything
    client.force_login(people["staff"])
    assert 'id="task-scope"' not in client.get(reverse("my-tasks")).content.decode()  # nothing more to see


def test_my_tasks_pages_long_sections_and_renders_no_forms_until_a_row_is_opened(client, people, check, monkeypatch):
    monkeypatch.setattr("obligations.views.tasks.PAGE_ROWS", 10)
    client.force_login(people["staff"])
    html = client.get(reverse("my-tasks")).content.decode()
    month = html.split('id="section-month"')[1].split('id="section-quarter"')[0]
    assert month.count('class="list-group-item task-row"') == 6 and "complete-form" not in html  # six of the one obligation
    assert "section=month" in month

    def row_ids(page):
        return re.findall(r'id="occ-(\d+)"', page)

    seen, sizes, url = [], [], reverse("my-tasks") + "?scope=mine&section=month"
    while url:
        page = client.get(url).content.decode()
        sizes.append(len(row_ids(page)))
        seen += row_ids(page)
        url = reverse("my-tasks") + page.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&") \
            if 'rel="next"' in page else None
    month_end = Occurrence.objects.filter(obligation__key="三.2", due_at__lte="2026-12-01T00:00+08:00",
                                          due_at__gt="2026-11-09T00:00+08:00", state="open")
    assert sorted(map(int, seen)) == sorted(month_end.values_list("pk", flat=True))
    assert sizes[:-1] == [10] * (len(sizes) - 1) and len(sizes) > 2
    opened = client.get(reverse("occurrence-complete", args=[check.pk]), headers={"HX-Request": "true"})
    assert 'class="complete-form' in opened.content.decode() and f'id="occ-{check.pk}"' in opened.content.decode()


def test_a_check_off_from_the_list_reads_and_writes_in_few_statements(client, people, check,
                                                                        django_assert_max_num_queries):
    """The htmx check-off answers with its row alone: no navigation bar, the row read once.
    The task is read, then locked with its last reopened completion (what a new one corrects);
    who may do it is one plain query; the name the row gives the doer, one more."""
    client.force_login(people["staff"])
    with django_assert_max_num_queries(17):
        response = client.post(reverse("occurrence-complete", args=[check.pk]), {"note": "正常", "files": [pdf()]},
                               headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-state="done"' in html and "已完成" in html
    assert 'id="inbox"' not in html
    check.refresh_from_db()
    assert check.state == "done" and check.completed_by == people["staff"]


def test_oversized_upload_keeps_the_note(client, people, check, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    client.force_login(people["staff"])
    big = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 500)
    response = client.post(reverse("occurrence-complete", args=[check.pk]),
                           {"note": "第二次巡检正常", "files": [big]}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "超过大小上限" in html and "第二次巡检正常" in html
    assert not Completion.objects.exists() and not Evidence.objects.exists()


def test_wrong_type_message_in_english(client, people, check):
    client.force_login(people["staff"])
    client.post(reverse("set_language"), {"language": "en", "next": "/tasks/"})
    response = client.post(reverse("occurrence-complete", args=[check.pk]),
                           {"note": "kept", "files": [SimpleUploadedFile("x.exe", b"MZ\x90\x00" + b"\x00" * 64)]},
                           headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "is not an allowed type" in html and "kept" in html
    assert not Completion.objects.exists()


def test_missing_evidence_and_empty_file_are_explained(client, people, check):
    client.force_login(people["staff"])
    url = reverse("occurrence-complete", args=[check.pk])
    html = client.post(url, {"note": "x"}, headers={"HX-Request": "true"}).content.decode()
    assert "要求提交佐证材料" in html
    html = client.post(url, {"files": [SimpleUploadedFile("e.pdf", b"")]}, headers={"HX-Request": "true"}).content.decode()
    assert "空文件" in html
    assert not Completion.objects.exists()


def test_stale_form_after_someone_else_completed(client, people, check):
    completion_with_evidence(occurrence=check, user=people["officer"], note="", files=[pdf()], now=NOW)
    client.force_login(people["staff"])
    response = client.post(reverse("occurrence-complete", args=[check.pk]), {"note": "late tab", "files": [pdf()]},
                           headers={"HX-Request": "true"})
    assert "已由 alice 完成" in response.content.decode()
    assert Completion.objects.count() == 1 and Evidence.objects.count() == 1


def test_occurrence_page_shows_history_completions_and_hashes(client, people, done):
    client.force_login(people["auditor"])
    html = client.get(reverse("occurrence-detail", args=[done.pk])).content.decode()
    ev = Evidence.objects.get()
    assert ev.sha256 in html and "c.pdf" in html and reverse("evidence-download", args=[ev.pk]) in html
    assert "生成" in html and "完成" in html


def test_download_returns_the_exact_bytes(client, people, done):
    client.force_login(people["auditor"])
    ev = Evidence.objects.get()
    response = client.get(reverse("evidence-download", args=[ev.pk]))
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"].startswith("attachment")


def test_chinese_is_the_default_whatever_the_browser_says(client, people):
    client.force_login(people["staff"])
    html = client.get(reverse("my-tasks"), headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert "我的任务" in html and 'lang="zh-hans"' in html
    client.post(reverse("set_language"), {"language": "en", "next": "/tasks/"})
    html = client.get(reverse("my-tasks")).content.decode()
    assert "My tasks" in html and 'lang="en"' in html


def test_adding_a_correcting_file_keeps_the_first(client, people, done):
    client.force_login(people["officer"])
    first = Evidence.objects.get()
    url = reverse("occurrence-evidence-add", args=[done.pk])
    assert client.get(url).status_code == 405
    client.post(url, {"files": [SimpleUploadedFile("fixed.pdf", PDF_BYTES + b"%fix")], "corrects": first.pk})
    second = Evidence.objects.exclude(pk=first.pk).get()
    assert second.corrects == first and second.completion == first.completion
    assert Evidence.objects.filter(pk=first.pk).exists()
    html = client.get(reverse("occurrence-detail", args=[done.pk])).content.decode()
    assert "fixed.pdf" in html and "补充佐证材料" in html
    client.force_login(people["auditor"])
    assert client.post(url, {"files": [pdf()]}).status_code == 403
    client.force_login(people["stranger"])
    assert client.post(url, {"files": [pdf()]}).status_code == 404
    assert Evidence.objects.count() == 2


def test_inbox_unread_count_and_mark_read(client, people, check):
    from obligations.models import Notification

    sent = Notification.objects.filter(recipient=people["staff"], sent_at__isnull=False)
    assert sent.exists()  # the sweep told bob that his check opened
    Notification.objects.create(recipient=people["staff"], kind="escalate_group", occurrence=check, subject="未发送",
                                created_at=NOW)  # not sent yet: not shown
    client.force_login(people["staff"])
    html = client.get(reverse("my-tasks")).content.decode()
    assert f'id="unread-count">{sent.count()}<' in html
    inbox = client.get(reverse("notifications")).content.decode()
    assert all(n.subject in inbox for n in sent) and "未发送" not in inbox
    assert client.get(reverse("notifications-read")).status_code == 405
    client.post(reverse("notifications-read"))
    assert 'id="unread-count"' not in client.get(reverse("my-tasks")).content.decode()


def test_password_change(client, people):
    client.force_login(people["staff"])
    response = client.post(reverse("password_change"), {"old_password": "pw-bob", "new_password1": "a-Longer-pass-42",
                                                         "new_password2": "a-Longer-pass-42"})
    assert response.status_code == 302
    people["staff"].refresh_from_db()
    assert people["staff"].check_password("a-Longer-pass-42")


def test_obligation_list_reads_members_once(client, people, signed_letter, django_assert_max_num_queries):
    client.force_login(people["officer"])
    url = reverse("obligation-list", args=["alpha"])
    with django_assert_max_num_queries(12):  # not one query per obligation row
        html = client.get(url).content.decode()
    ob = Obligation.objects.get(platform=signed_letter.platform, key="三.2")
    assert f'name="ob{ob.pk}-assignees" value="{people["staff"].pk}"' in html
    client.post(reverse("obligation-assign", args=[ob.pk]), {f"ob{ob.pk}-assignees": [people["staff"].pk]})
    assert f'value="{people["staff"].pk}" id="ob{ob.pk}-u{people["staff"].pk}" checked' in client.get(url).content.decode()


def test_the_obligations_page_offers_only_members_who_may_be_named_by_their_full_names(client, people, signed_letter):
    """An auditor is never offered (naming one is always refused); a member shows by the name
    the officer gave them, on the checkboxes and in the list of who does a task."""
    platform = signed_letter.platform
    Membership.objects.filter(user=people["staff"], platform=platform).update(full_name="李娜", post="安全运营专员")
    sue = people["supervisor"]
    ob = Obligation.objects.get(platform=platform, key="三.2")
    client.force_login(people["officer"])
    url = reverse("obligation-list", args=["alpha"])
    html = client.get(url).content.decode()
    row = html[html.index(f'id="ob-{ob.pk}"'):]
    row = row[:row.index("</tr>")]
    offered = set(re.findall(rf'name="ob{ob.pk}-assignees" value="(\d+)"', row))
    assert offered == {str(people["officer"].pk), str(people["staff"].pk), str(sue.pk)}
    assert f'for="ob{ob.pk}-u{people["staff"].pk}">李娜</label>' in row
    assert client.post(reverse("obligation-assign", args=[ob.pk]),
                       {f"ob{ob.pk}-assignees": [people["auditor"].pk]}).status_code == 302
    assert not ob.assignees.exists()  # refused, as it would always be
    with pytest.raises(DomainError, match="只读审计员"):
        obligation_assign(obligation=ob, assignees=[people["auditor"]], user=people["officer"], now=timezone.now())
    obligation_assign(obligation=ob, assignees=[people["staff"]], user=people["officer"], now=timezone.now())
    client.force_login(people["auditor"])
    row = client.get(url).content.decode()
    row = row[row.index(f'id="ob-{ob.pk}"'):]
    assert "李娜" in row[:row.index("</tr>")] and "bob" not in row[:row.index("</tr>")]
