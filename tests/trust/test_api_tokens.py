"""API tokens: made with a name, scopes and an expiry, the secret kept only as its hash; refused once revoked,
expired, or when their maker is no longer the platform's officer; their last use noted at most once a minute;
every change through one names it in the audit trail."""

import hashlib
from datetime import timedelta

import pytest

from obligations.errors import DomainError
from obligations.models import ApiToken, AuditEvent, Membership, Role
from obligations.trust.api_tokens import TokenRefused, token_create, token_for_secret, token_revoke, via
from obligations.trust.audit import acting_through, audit_record
from tests.conftest import SIGNED_AT

NOW = SIGNED_AT


def make(platform, officer, **kwargs):
    options = {"name": "监控系统", "scopes": ["read", "complete"], "expires_at": NOW + timedelta(days=30), **kwargs}
    return token_create(platform=platform, user=officer, now=NOW, **options)


def test_the_secret_is_shown_once_and_kept_only_as_its_hash(platform, officer):
    token, secret = make(platform, officer)
    assert secret.startswith("plg_") and len(secret) > 40
    row = ApiToken.objects.values().get(pk=token.pk)
    assert secret not in str(row) and row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert token.scope_list == ["read", "complete"] and secret.startswith(token.prefix)
    record = AuditEvent.objects.get(action="api_token.create")
    assert record.actor == officer and record.data["scopes"] == ["read", "complete"] and secret not in str(record.data)


@pytest.mark.parametrize("kwargs,field", [({"name": " "}, "name"), ({"scopes": ["admin"]}, "scopes"),
                                          ({"expires_at": NOW}, "expires_at"),
                                          ({"expires_at": NOW + timedelta(days=400)}, "expires_at")])
def test_a_token_needs_a_name_a_scope_and_a_near_future_expiry(platform, officer, kwargs, field):
    with pytest.raises(DomainError) as refused:
        make(platform, officer, **kwargs)
    assert refused.value.field == field and not ApiToken.objects.exists()


def test_a_live_secret_opens_its_token_and_notes_the_use_once_a_minute(platform, officer):
    token, secret = make(platform, officer)
    assert token_for_secret(secret, now=NOW + timedelta(seconds=1)).pk == token.pk
    token_for_secret(secret, now=NOW + timedelta(seconds=30))
    assert ApiToken.objects.get(pk=token.pk).last_used_at == NOW + timedelta(seconds=1)
    token_for_secret(secret, now=NOW + timedelta(seconds=90))
    assert ApiToken.objects.get(pk=token.pk).last_used_at == NOW + timedelta(seconds=90)


def test_revoked_expired_unknown_and_orphaned_tokens_are_refused(platform, officer, staff):
    token, secret = make(platform, officer)
    for wrong in ("", "plg_nothing", "Bearer " + secret, secret + "x"):
        with pytest.raises(TokenRefused):
            token_for_secret(wrong, now=NOW)
    with pytest.raises(TokenRefused, match="过期"):
        token_for_secret(secret, now=NOW + timedelta(days=30))
    Membership.objects.filter(user=officer).update(role=Role.STAFF)  # its maker's power is gone
    officer._pledge_roles = None
    del officer._pledge_roles
    with pytest.raises(TokenRefused, match="合规负责人"):
        token_for_secret(secret, now=NOW)
    Membership.objects.filter(user=officer).update(role=Role.OFFICER)
    token_revoke(token=token, user=officer, now=NOW)
    with pytest.raises(TokenRefused, match="撤销"):
        token_for_secret(secret, now=NOW)
    with pytest.raises(DomainError):
        token_revoke(token=token, user=officer, now=NOW)
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


def test_records_written_through_a_token_name_it(platform, officer):
    token, _secret = make(platform, officer)
    with acting_through(via(token)):
        inside = audit_record(at=NOW, action="case.open", actor=officer, platform=platform, data={"number": "TS-1"})
    after = audit_record(at=NOW, action="case.open", actor=officer, platform=platform)
    assert inside.data == {"number": "TS-1", "via": {"api_token": token.pk, "name": "监控系统", "prefix": token.prefix}}
    assert "via" not in after.data
