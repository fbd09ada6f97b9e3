"""Reminders, escalations, catch-ups and case notices reach the platform's WeCom, DingTalk and
Feishu group robots, signed as each service requires, in the group's language, once per
task however many people hear of it; a person's SMS in their language; and a failing channel
falls back to email and is shown to the officer. The services are a local receiver
(robot_receiver.py); apprise is pointed at it by settings.PLEDGE_CHANNEL_API_BASE."""

import socket
from datetime import timedelta

import time_machine
from django.core import mail
from django.urls import reverse

from obligations.alerts import notifications
from obligations.models import Delivery, Robot, Role, UserPreferences
from obligations.tasks import run_sweeps
from tests.alerts.robot_receiver import DINGTALK, FEISHU, WECOM_KEY
from tests.cases.support import public_complaint
from tests.conftest import SIGNED_AT, make_user


def robots(platform, language, topics=("reminders", "escalations", "catch_ups", "cases")):
    made = {}
    for kind, token, secret in (("wecom", WECOM_KEY, ""), ("dingtalk", *DINGTALK), ("feishu", *FEISHU)):
        made[kind] = Robot.objects.create(platform=platform, kind=kind, name=f"{kind} group", token=token,
                                          secret=secret, topics=list(topics), language=language,
                                          created_at=SIGNED_AT)
    return made


def run(at):
    with time_machine.travel(at, tick=False):
        return run_sweeps(now=at)


def test_the_groups_read_each_reminder_once_signed_and_in_chinese(team, receiver):
    platform = team["officer"].memberships.get().platform
    robots(platform, "zh-hans")
    run(SIGNED_AT)  # 09:00: four tasks open; alice hears of three, bob of one; the digest is personal
    for service in ("wecom", "dingtalk", "feishu"):
        texts = receiver.texts(service)
        assert len(texts) == 4, service  # one per task, none for the digest
        assert all("任务已开始" in t and "详情" in t and "北京时间" in t for t in texts)
    assert all(r.signed for r in receiver.received)  # the key, DingTalk's and Feishu's signatures as they check them
    assert "%" not in next(r for r in receiver.received if r.service == "dingtalk").detail["sign"]
    assert Delivery.objects.filter(sent_at__isnull=False).count() == 12
    # People who chose nothing keep their email.
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com"] * 3 + ["bob@example.com"] * 2

    # The same row sent again (a worker died before marking it): no group hears of it twice.
    row = notifications.Notification.objects.filter(kind="opened").first()
    receiver.received.clear()
    notifications.deliver(row)
    assert receiver.received == []


def test_the_groups_read_english_when_set_so_and_a_case_notice_too(team, receiver):
    platform = team["officer"].memberships.get().platform
    robots(platform, "en", topics=("cases", "escalations"))
    make_user("olga", platform, Role.OFFICER)
    case = public_complaint(platform, SIGNED_AT)
    assert notifications.Notification.objects.filter(case=case, kind="public_complaint").count() == 2
    notifications.notifications_send(now=SIGNED_AT)
    for service in ("wecom", "dingtalk", "feishu"):
        [text] = receiver.texts(service)  # two officers' notices, one group message; the assignment is personal
        assert case.number in text and "New public complaint" in text and "投诉" not in text
    assert all(r.signed for r in receiver.received)
    receiver.received.clear()
    run(SIGNED_AT)  # reminders: not this group's topic
    assert receiver.received == []
    run(SIGNED_AT + timedelta(hours=7.5))  # 16:30: check 2 overdue, the officer is told, and so the group
    assert [t.split("\n")[0] for t in receiver.texts("dingtalk")] == [
        t.split("\n")[0] for t in receiver.texts("feishu")]
    assert any(t.startswith("Overdue") for t in receiver.texts("wecom")), receiver.texts("wecom")


def test_a_failing_robot_falls_back_to_email_and_the_officer_sees_it(team, receiver, client):
    platform = team["officer"].memberships.get().platform
    robots(platform, "zh-hans", topics=("reminders",))
    for user in (team["officer"], team["staff"]):  # they read the group and their SMS, not their mail
        UserPreferences.objects.create(user=user, by_email=False, by_sms=True, phone="13800138000")
    receiver.status = 500
    run(SIGNED_AT)
    # Every robot failed once per task, every SMS once per message: each person hears by email
    # instead, once per message (bob's digest too, which no group takes).
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com"] * 3 + ["bob@example.com"] * 2
    assert Delivery.objects.filter(failed_at__isnull=False, channel="robot").count() == 12
    assert Delivery.objects.filter(failed_at__isnull=False, channel="sms").count() == 5
    client.force_login(team["officer"])
    html = client.get(reverse("platform-channels", args=[platform.slug])).content.decode()
    assert "钉钉 · dingtalk group" in html and "对方拒绝(HTTP 500)" in html and "时间均为北京时间" in html


def test_an_unreachable_robot_falls_back_to_email(team, receiver, settings):
    platform = team["officer"].memberships.get().platform
    Robot.objects.create(platform=platform, kind="dingtalk", name="ops", token=DINGTALK[0], secret=DINGTALK[1],
                         topics=["reminders"], language="zh-hans", created_at=SIGNED_AT)
    UserPreferences.objects.create(user=team["staff"], by_email=False)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        settings.PLEDGE_CHANNEL_API_BASE = f"http://127.0.0.1:{s.getsockname()[1]}"
    run(SIGNED_AT)
    assert "bob@example.com" in [m.to[0] for m in mail.outbox]
    failed = Delivery.objects.get(robot__name="ops", notification__recipient=team["staff"])
    assert failed.sent_at is None and failed.error == "unreachable"  # no URL, token or sign kept


def test_a_person_gets_sms_in_their_language_and_email_when_it_fails(team, receiver):
    UserPreferences.objects.create(user=team["staff"], language="en", by_email=False, by_sms=True,
                                   phone="+8613800138000")
    run(SIGNED_AT)
    reminder, digest = [r for r in receiver.received if r.service == "sms"]  # bob's reminder, his digest
    assert reminder.signed and reminder.detail["to"] == "8613800138000"
    assert reminder.text.startswith("【Pledge】Task opened:") and "/occurrences/" in reminder.text
    assert digest.text.startswith("【Pledge】2 tasks due today")
    assert "bob@example.com" not in [m.to[0] for m in mail.outbox]
    receiver.status = 500
    run(SIGNED_AT + timedelta(hours=6))  # 15:00: due soon
    [mailed] = [m for m in mail.outbox if m.to == ["bob@example.com"]]
    assert "Due soon" in mailed.subject
    assert Delivery.objects.filter(channel="sms", failed_at__isnull=False).count() == 1


def test_after_downtime_the_group_reads_one_catch_up_of_its_platform(team, receiver):
    platform = team["officer"].memberships.get().platform
    robots(platform, "en", topics=("catch_ups",))
    run(SIGNED_AT + timedelta(hours=30))  # the scheduler was down since signing: everything is late
    catch_ups = notifications.Notification.objects.filter(kind="catch_up")
    assert catch_ups.count() >= 2  # one per person
    for service in ("wecom", "dingtalk", "feishu"):
        texts = receiver.texts(service)
        # One per distinct set of tasks told of, in English; never a person's own wording.
        assert 1 <= len(texts) <= catch_ups.count() and all("could not be sent on time" in t for t in texts), texts
    assert all(r.signed for r in receiver.received)

