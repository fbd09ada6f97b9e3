"""A message's words (alerts/messages.py): absolute links, a case's clock named by its case and step,
the due time local with its zone named."""

import re
from datetime import timedelta

from django.core import mail

from obligations.models import Notification
from tests.alerts.test_notifications import H, check, planned, run  # noqa: F401
from tests.cases.support import public_complaint
from tests.conftest import SIGNED_AT


def test_messages_carry_absolute_links(team, settings):
    settings.PLEDGE_SITE_URL = "https://pledge.example.cn"
    run(SIGNED_AT)
    opened = Notification.objects.filter(kind="opened").select_related("occurrence").first()
    link = f"https://pledge.example.cn/occurrences/{opened.occurrence_id}/"
    assert link in opened.body
    mailed = [m for m in mail.outbox if m.to == [opened.recipient.email] and opened.subject in m.subject]
    assert mailed and link in mailed[0].body
    [digest] = Notification.objects.filter(kind="digest")
    assert "https://pledge.example.cn/tasks/" in digest.body
    for message in mail.outbox:  # no relative link a mail app cannot open
        for path in re.findall(r"/(?:occurrences|tasks|notifications)/", message.body):
            assert re.search(r"https://pledge\.example\.cn" + re.escape(path), message.body), message.body


def test_a_message_gives_the_due_time_in_local_time_and_names_the_zone(team):
    run(SIGNED_AT + 6 * H)  # 15:00 in Shanghai: check 2 falls due at 16:00 (08:00 UTC)
    [soon] = Notification.objects.filter(kind="due_soon")
    due = check(2).due_at
    assert f"{(due + 8 * H):%m-%d} 16:00(北京时间)" in soon.subject, soon.subject
    assert "08:00" not in soon.subject


def test_messages_about_a_cases_clocks_name_the_case_and_the_step(team):
    platform = team["officer"].memberships.get().platform
    case = public_complaint(platform, SIGNED_AT)
    run(SIGNED_AT + timedelta(minutes=1))
    opened = {n.occurrence.step: n for n in Notification.objects.filter(kind="opened", occurrence__case=case)
              .select_related("occurrence__obligation")}
    assert set(opened) == {"respond", "decide"}
    assert opened["respond"].subject.startswith(f"任务已开始:投诉举报 {case.number} · 24小时内响应,")
    assert f"投诉举报 {case.number} · 7日内给出处理意见" in opened["decide"].subject
    assert f"/cases/{case.pk}/" in opened["respond"].body
    assert any(case.number in m.subject and "24小时内响应" in m.subject for m in mail.outbox)
