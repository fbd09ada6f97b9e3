"""The officer's API tokens page: a token made there shows its secret on that answer only, lists its scopes,
expiry and last use, is revoked there, each step audited; other roles are refused; the API then refuses it."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from obligations.models import ApiToken, AuditEvent
from obligations.trust.api_tokens import secret_hash


def test_made_shown_once_used_revoked_and_audited(client, platform, officer, staff):
    client.force_login(officer)
    page = reverse("api-tokens", args=[platform.slug])
    in_60_days = (timezone.now() + timedelta(days=60)).date().isoformat()
    too_far = client.post(page, {"name": "监控系统", "scopes": ["read"], "expires_on": "2099-12-31"})
    assert too_far.status_code == 400 and "366" in too_far.content.decode()
    assert reverse("api-tokens", args=[platform.slug]) in client.get("/tasks/").content.decode()  # in the menu
    made = client.post(page, {"name": "监控系统", "scopes": ["read", "complete"], "expires_on": in_60_days})
    assert made.status_code == 200 and made["Cache-Control"].startswith("max-age=0")
    token = ApiToken.objects.get()
    secret = made.context["secret"]
    assert secret_hash(secret) == token.secret_hash and secret in made.content.decode()
    assert token.scope_list == ["read", "complete"] and token.created_by == officer
    again = client.get(page).content.decode()
    assert secret not in again and token.prefix in again and "从未使用" in again
    api = client.get(f"/api/v1/platforms/{platform.slug}/occurrences/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 200
    assert "从未使用" not in client.get(page).content.decode()  # its last use shown
    revoked = client.post(reverse("api-token-revoke", args=[platform.slug, token.pk]), follow=True)
    assert "已撤销" in revoked.content.decode()
    assert client.get(f"/api/v1/platforms/{platform.slug}/occurrences/",
                      HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert list(AuditEvent.objects.filter(object_type="ApiToken").values_list("action", flat=True)) == [
        "api_token.create", "api_token.revoke"]
    client.force_login(staff)
    assert client.get(page).status_code == 403


def test_a_bad_form_keeps_what_was_typed_and_makes_nothing(client, platform, officer):
    client.force_login(officer)
    answer = client.post(reverse("api-tokens", args=[platform.slug]), {"name": "客服系统", "expires_on": "2026-13-01"})
    assert answer.status_code == 400 and "客服系统" in answer.content.decode()
    assert set(answer.context["form"].errors) == {"scopes", "expires_on"} and not ApiToken.objects.exists()


def signed_in(client, user, language):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def test_the_day_chosen_is_the_day_shown_and_the_default_fills_the_picker(client, platform, officer):
    """QA: 有效至 2027-01-31 read "2027-02-01 00:00"; the default day was empty in Chinese (2027/03/08)."""
    c = signed_in(client, officer, "zh-hans")
    page = reverse("api-tokens", args=[platform.slug])
    blank = c.get(page).content.decode()
    default = (timezone.now().astimezone(platform.tz) + timedelta(days=90)).date().isoformat()
    assert f'name="expires_on" value="{default}"' in blank
    day = (timezone.now().astimezone(platform.tz) + timedelta(days=40)).date()
    c.post(page, {"name": "监控系统", "scopes": ["read"], "expires_on": day.isoformat()})
    token = ApiToken.objects.get()
    # Valid through that day, local time: it stops at the next local midnight, as docs/api.md says.
    stops = token.expires_at.astimezone(platform.tz)
    assert (stops.date(), stops.hour, stops.minute) == (day + timedelta(days=1), 0, 0)
    html = c.get(page).content.decode()
    assert f"{day.isoformat()} 止" in html and (day + timedelta(days=1)).isoformat() not in html
    assert "时间均为北京时间" in html and "token-created" in html
    english = signed_in(client, officer, "en").get(page).content.decode()
    assert f"{day.isoformat()}, end of day" in english and "All times are Beijing time (UTC+8)" in english
    assert "\uff08" not in english and "(Beijing" not in english  # no Chinese bracket, no nested one


def test_scope_labels_have_their_own_english(client, platform, officer):
    """QA: the `complete` scope read "Task completed" (the audit action's English)."""
    c = signed_in(client, officer, "en")
    page = reverse("api-tokens", args=[platform.slug])
    day = (timezone.now() + timedelta(days=30)).date().isoformat()
    c.post(page, {"name": "Monitoring", "scopes": ["read", "complete", "cases"], "expires_on": day})
    html = c.get(page).content.decode()
    assert "Read, Complete tasks and Cases" in html or "Read, Complete tasks, Cases" in html, html
    assert "Task completed" not in html


def test_revoking_asks_for_confirmation_first(client, platform, officer):
    """QA: 撤销 revoked at one click. Now a <details> (no script: the CSP forbids inline JS) holds the form."""
    c = signed_in(client, officer, "zh-hans")
    page = reverse("api-tokens", args=[platform.slug])
    c.post(page, {"name": "监控系统", "scopes": ["read"], "expires_on": (timezone.now() + timedelta(days=9)).date()})
    token = ApiToken.objects.get()
    html = c.get(page).content.decode()
    row = html[html.index(f'id="token-{token.pk}"'):]
    row = row[:row.index("</tr>")]
    details = row[row.index('<details class="d-inline-block revoke-token">'):row.index("</details>")]
    assert "<summary" in details and "确认撤销" in details
    assert reverse("api-token-revoke", args=[platform.slug, token.pk]) in details  # the form only inside it
    assert row.count("<form") == 1 and "onclick" not in row


def test_the_guide_is_served_and_linked(client, platform, officer):
    html = signed_in(client, officer, "zh-hans").get(reverse("api-tokens", args=[platform.slug])).content.decode()
    assert 'href="/api/v1/guide/"' in html and "docs/api.md" not in html
    client.logout()
    guide = client.get("/api/v1/guide/")  # an integrator holds a token, not an account
    text = guide.content.decode()
    assert guide.status_code == 200 and "<h1>Pledge API (v1)</h1>" in text and 'href="/"' in text
    assert "Authorization: Bearer" in text and 'href="/api/v1/docs/"' in text
