"""The last integrity check, failed ones too, kept beside the anchor: the audit-log page
says when the records were last checked and what was found, and never calls the chain
intact after a failed check."""

import io
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from obligations.models import Occurrence
from obligations.trust.check_log import last_check, page_status
from tests.conftest import SIGNED_AT
from tests.trust.owner_sql import owner_execute
from tests.trust.test_trail_states import signed_three_days_back

URL = "/platforms/alpha/audit/"


def status(client, officer):
    client.force_login(officer)
    text = client.get(URL).content.decode()
    return text[text.index('id="chain-status"'):text.index("</p>", text.index('id="last-check"'))]


def verify_audit():
    call_command("verify_audit", stdout=io.StringIO())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_after_a_failed_check_the_page_never_says_intact_until_a_check_passes(platform, officer, client):
    signed_three_days_back(platform, officer, "missed")
    assert "尚无完整性核查的记录" in status(client, officer)
    verify_audit()
    shown = status(client, officer)
    assert 'data-ok="1"' in shown and "审计链完整" in shown and "结果:通过" in shown
    task = Occurrence.objects.filter(state="missed").order_by("id").first()
    owner_execute("UPDATE obligations_occurrence SET state = 'waived', waived_reason = '补录' WHERE id = %s",
                  [task.pk])
    with pytest.raises(CommandError):
        verify_audit()
    last = last_check()
    assert not last.ok and last.differences == 1 and last.by == "verify_audit"
    shown = status(client, officer)  # the chain itself still walks intact: the last check did not pass
    assert 'data-ok="0"' in shown and "完整" not in shown.replace("完整性", "")
    assert "上次核查未通过" in shown and "1 条任务、案件或审查的状态与其审计记录不符" in shown
    assert "结果:未通过" in shown and "(北京时间)" in shown
    owner_execute("UPDATE obligations_occurrence SET state = 'missed', waived_reason = '' WHERE id = %s", [task.pk])
    verify_audit()
    assert "审计链完整" in status(client, officer)


def test_a_break_the_page_finds_is_kept_as_the_last_check(signed_letter):
    chain, last = page_status(now=SIGNED_AT)  # the letter's records, never committed in this test: no anchor
    assert not chain.ok and not last.ok and last.by == "page" and last.chain.reason == "unanchored"
    assert last_check().chain.broken_id == chain.broken_id


def test_a_last_check_forged_without_the_key_is_ignored(signed_letter):
    page_status(now=SIGNED_AT)
    state = json.loads(settings.PLEDGE_AUDIT_ANCHOR.read_text())
    [entry] = state["checks"].values()
    entry.update(reason="", broken_id=None)  # "it passed", with the old mac
    settings.PLEDGE_AUDIT_ANCHOR.write_text(json.dumps(state))
    assert last_check() is None
