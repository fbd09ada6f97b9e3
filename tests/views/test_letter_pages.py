"""The officer fills, signs and amends the letter in the browser's forms."""

import pytest
from django.urls import reverse

from obligations.demo import demo_values
from obligations.models import AuditEvent, Letter, Obligation, Role
from tests.conftest import SIGNED_AT, make_user


def filled(**changes):
    return {**demo_values(SIGNED_AT.date()), **changes}


@pytest.fixture
def draft(client, officer, platform):
    client.force_login(officer)
    response = client.post(reverse("letter-start", args=[platform.slug]))
    letter = Letter.objects.get(platform=platform)
    assert response["Location"] == reverse("letter-edit", args=[letter.pk])
    return letter


def test_fill_and_sign(client, draft, platform):
    response = client.post(reverse("letter-edit", args=[draft.pk]), {**filled(), "sign": "1"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == "signed"
    assert Obligation.objects.filter(platform=platform).count() == 14
    assert "三.2" in client.get(reverse("letter-detail", args=[platform.slug])).content.decode()


def test_bad_input_is_shown_per_field_and_nothing_is_saved(client, draft):
    before = dict(draft.values)
    events = AuditEvent.objects.count()
    response = client.post(reverse("letter-edit", args=[draft.pk]),
                           {**filled(checks_per_day="2,000", trainings_per_quarter="0"), "sign": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "请输入一个整数" in html and "不能小于 1" in html
    assert 'value="2,000"' in html  # what the user typed stays in the form
    draft.refresh_from_db()
    assert draft.values == before and draft.state == "draft" and AuditEvent.objects.count() == events
    assert not Obligation.objects.exists()


def test_amend_from_the_page_keeps_version_one(client, draft, platform):
    client.post(reverse("letter-edit", args=[draft.pk]), {**filled(), "sign": "1"})
    client.post(reverse("letter-start", args=[platform.slug]))
    v2 = Letter.objects.get(platform=platform, version=2)
    client.post(reverse("letter-edit", args=[v2.pk]), {**filled(checks_per_day=4), "sign": "1"})
    assert Letter.objects.get(version=1).state == "superseded"
    assert Obligation.objects.get(platform=platform, key="三.2").count == 4
    # The signed version is refused for editing.
    response = client.get(reverse("letter-edit", args=[v2.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize("role,status", [(Role.STAFF, 403), (Role.AUDITOR, 403)])
def test_only_the_officer_edits(client, platform, draft, role, status):
    client.force_login(make_user("someone", platform, role))
    assert client.post(reverse("letter-start", args=[platform.slug])).status_code == status
    assert client.get(reverse("letter-edit", args=[draft.pk])).status_code == status


def test_stranger_gets_404(client, draft):
    from obligations.models import Platform

    other = Platform.objects.create(slug="beta", name="Beta")
    client.force_login(make_user("charlie", other, Role.OFFICER))
    assert client.get(reverse("letter-edit", args=[draft.pk])).status_code == 404
    assert client.post(reverse("letter-start", args=["alpha"])).status_code == 404


def test_a_draft_with_a_blank_deadline_still_shows_its_letter_and_editor(client, draft, platform):
    """A complaint deadline not filled in yet reads as its blank, not a server error."""
    assert "complaint_response_hours" not in draft.values
    page = client.get(reverse("letter-detail", args=[platform.slug]))
    editor = client.get(reverse("clause-editor", args=[draft.pk]))
    assert page.status_code == 200 and editor.status_code == 200
    assert "小时" in editor.content.decode()
