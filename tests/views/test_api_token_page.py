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
