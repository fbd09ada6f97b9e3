"""The officers hear of a public complaint and of a case of the highest severity at once,
in the app and by mail; once per case, kind and officer."""

from django.core import mail

from obligations.alerts import notifications
from obligations.alerts.case_notices import case_notices
from obligations.cases.services import case_open
from obligations.models import Notification, Role
from tests.cases.support import public_complaint
from tests.conftest import SIGNED_AT, make_user


def test_a_public_complaint_tells_the_officers_in_the_app_and_by_mail(team, client):
    from django.urls import reverse

    platform = team["officer"].memberships.get().platform
    second = make_user("olga", platform, Role.OFFICER)
    case = public_complaint(platform, SIGNED_AT)
    assert case.assignee == team["staff"]  # the only one who does a complaint's clocks handles it, and hears of it
    assert {(n.kind, n.recipient.username) for n in Notification.objects.filter(case=case)} == {
        ("public_complaint", "alice"), ("public_complaint", "olga"), ("case_assigned", "bob")}
    rows = Notification.objects.filter(case=case, kind="public_complaint")
    subject = rows.first().subject
    assert case.number in subject and case.public_ref in subject and "一般" in subject
    body = rows.first().body
    assert f"/cases/{case.pk}/" in body and "24小时内响应" in body and "13800000000" not in body and "退款" not in body
    assert "负责人:bob" in body
    assert case_notices(case, now=SIGNED_AT) == 0  # once per case, kind and officer
    mail.outbox.clear()
    notifications.notifications_send(now=SIGNED_AT)
    mailed = {m.to[0]: m.subject for m in mail.outbox}
    assert sorted(mailed) == ["alice@example.com", "bob@example.com"]  # olga has no address: in the app only
    assert case.number in mailed["alice@example.com"] and "负责人" in mailed["bob@example.com"]
    client.force_login(second)
    html = client.get(reverse("notifications")).content.decode()
    assert case.number in html and reverse("case-detail", args=[case.pk]) in html


def test_a_critical_incident_tells_the_officers_and_an_ordinary_one_does_not(team):
    platform = team["officer"].memberships.get().platform
    ordinary, _ = case_open(platform=platform, kind="incident", description="接口超时", received_at=SIGNED_AT,
                            now=SIGNED_AT, user=team["staff"], channel="monitoring")
    critical, _ = case_open(platform=platform, kind="incident", description="全站宕机", received_at=SIGNED_AT,
                            now=SIGNED_AT, user=team["staff"], channel="monitoring", severity="critical")
    assert not Notification.objects.filter(case=ordinary).exists()
    [row] = Notification.objects.filter(case=critical)
    assert (row.kind, row.recipient) == ("critical_case", team["officer"])
    assert critical.number in row.subject and "特别严重" in row.subject and "突发事件" in row.subject
    # The officer who registers one needs no message about it.
    own, _ = case_open(platform=platform, kind="incident", description="数据库故障", received_at=SIGNED_AT,
                       now=SIGNED_AT, user=team["officer"], channel="monitoring", severity="critical")
    assert not Notification.objects.filter(case=own).exists()
