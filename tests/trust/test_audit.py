"""The audit chain: keyed hashes, links, and the head anchored outside the database.

The attacks below act as someone who holds the database (not the key, not the anchor
file): they first lift the append-only triggers as the tables' owner (tests/dbroles.py;
tests/trust/test_append_only.py shows that the database refuses otherwise), then change,
delete or re-chain records."""

import hashlib
import importlib
import io
import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from obligations.models import AuditEvent
from obligations.trust.audit import (
    GENESIS,
    ChainCheck,
    anchor_advance,
    audit_anchor_head,
    audit_record,
    audit_verify,
)
from tests.conftest import SIGNED_AT, anchor_as_committed
from tests.dbroles import guard_lifted

guard = importlib.import_module("obligations.migrations.0008_append_only")
# The owner lifts the guard on a connection of its own: the test's rows must be committed.
lifts_the_guard = pytest.mark.django_db(transaction=True)


def sql(statement, params=()):
    with connection.cursor() as cur:
        cur.execute(statement, params)


@pytest.fixture
def chain(signed_letter, platform, officer, django_capture_on_commit_callbacks):
    """Six records, committed (so anchored) as in production."""
    anchor_as_committed()  # the letter's two
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(4):
            audit_record(at=SIGNED_AT + timedelta(minutes=i), action="test.step", obj=platform, actor=officer,
                         platform=platform, data={"i": i})
    return list(AuditEvent.objects.order_by("id"))


def verify_command():
    out = io.StringIO()
    call_command("verify_audit", "--language", "en", stdout=out)
    return out.getvalue()


def anchor_file():
    return json.loads(settings.PLEDGE_AUDIT_ANCHOR.read_text())["anchors"]


def test_every_state_change_is_chained_and_verifies(signed_letter):
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions[:2] == ["letter.create", "letter.sign"]
    check = audit_verify()
    # Not committed yet in this test: no anchor, which verification reports (it may hide a cut tail).
    assert (check.reason, check.count, check.broken_id) == (ChainCheck.UNANCHORED, 2, second_id())
    first, second = AuditEvent.objects.order_by("id")
    assert first.prev_hash == GENESIS and second.prev_hash == first.hash
    assert first.hash != hashlib.sha256(first.payload()).hexdigest()  # keyed, not the public algorithm


def second_id():
    return AuditEvent.objects.order_by("id").values_list("id", flat=True)[1]


def test_audit_rows_refuse_to_change(signed_letter):
    event = AuditEvent.objects.first()
    event.action = "x"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_committed_records_anchor_the_head_outside_the_database(chain):
    [anchor] = anchor_file().values()
    assert (anchor["id"], anchor["hash"]) == (chain[-1].pk, chain[-1].hash)
    check = audit_verify()
    assert check.ok and check.anchor_id == chain[-1].pk and check.count == 6
    assert verify_command().startswith(f"OK 6 records, head #{chain[-1].pk}, anchored at #{chain[-1].pk}")


def test_a_rolled_back_record_does_not_move_the_anchor(chain, platform, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            audit_record(at=SIGNED_AT, action="test.lost", platform=platform)
            raise RuntimeError
    assert callbacks == []
    assert [a["id"] for a in anchor_file().values()] == [chain[-1].pk]
    assert audit_verify().ok


@lifts_the_guard
def test_verify_audit_names_a_changed_record(chain):
    victim = chain[2]
    with guard_lifted():
        sql("UPDATE obligations_auditevent SET action = 'letter.delete' WHERE id = %s", [victim.pk])
    check = audit_verify()
    assert (check.broken_id, check.reason) == (victim.pk, ChainCheck.HASH)
    with pytest.raises(CommandError, match=rf"#{victim.pk}\b.*\[hash, #{victim.pk}\]"):
        verify_command()


@lifts_the_guard
def test_verify_audit_names_the_record_after_a_deleted_one(chain):
    with guard_lifted():
        sql("DELETE FROM obligations_auditevent WHERE id = %s", [chain[3].pk])
    check = audit_verify()
    assert (check.broken_id, check.reason) == (chain[4].pk, ChainCheck.LINK)
    with pytest.raises(CommandError, match=rf"\[link, #{chain[4].pk}\]"):
        verify_command()


@lifts_the_guard
def test_verify_audit_catches_a_cut_tail_by_the_anchor(chain):
    with guard_lifted():
        sql("DELETE FROM obligations_auditevent WHERE id >= %s", [chain[4].pk])
    check = audit_verify()
    # What is left is a valid chain: only the anchor outside the database shows the cut.
    assert check.reason == ChainCheck.TRUNCATED and check.broken_id == chain[-1].pk
    assert check.head_id == chain[3].pk
    with pytest.raises(CommandError, match=rf"#{chain[3].pk}.*#{chain[-1].pk}.*\[truncated, #{chain[-1].pk}\]"):
        verify_command()


@lifts_the_guard
def test_a_new_record_does_not_move_the_anchor_past_a_cut(chain, platform, django_capture_on_commit_callbacks):
    with guard_lifted():
        sql("DELETE FROM obligations_auditevent WHERE id >= %s", [chain[4].pk])
    with django_capture_on_commit_callbacks(execute=True):
        later = audit_record(at=SIGNED_AT + timedelta(days=1), action="test.after", platform=platform)
    assert later.pk > chain[-1].pk  # a larger id than the anchor, yet the cut stays visible
    assert [a["id"] for a in anchor_file().values()] == [chain[-1].pk]
    check = audit_verify()
    assert (check.reason, check.broken_id) == (ChainCheck.ANCHOR_MISMATCH, chain[-1].pk)


def test_a_record_chained_onto_the_anchor_moves_it_without_looking_the_anchor_up(
        chain, platform, django_capture_on_commit_callbacks, django_assert_num_queries):
    with django_capture_on_commit_callbacks() as callbacks:
        later = audit_record(at=SIGNED_AT + timedelta(days=1), action="test.after", platform=platform)
    with django_assert_num_queries(0):  # its predecessor, read under the chain's lock, is the anchor
        callbacks[0]()
    assert [(a["id"], a["hash"]) for a in anchor_file().values()] == [(later.pk, later.hash)]
    assert audit_verify().ok


@lifts_the_guard
def test_a_record_chained_after_a_cut_of_the_anchored_record_alone_leaves_the_anchor(
        chain, platform, django_capture_on_commit_callbacks):
    with guard_lifted():
        sql("DELETE FROM obligations_auditevent WHERE id = %s", [chain[-1].pk])
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(at=SIGNED_AT + timedelta(days=1), action="test.after", platform=platform)
    assert [a["id"] for a in anchor_file().values()] == [chain[-1].pk]  # chained onto chain[-2]: looked up, gone


@lifts_the_guard
def test_verify_audit_catches_a_record_rechained_with_the_public_algorithm(chain):
    """The attacker rewrites a record and recomputes every later hash with plain SHA-256,
    the algorithm the source code shows; without the key the first rewritten one fails."""
    victim = chain[1]
    with guard_lifted():
        prev = chain[0].hash
        for event in chain[1:]:
            event.prev_hash = prev
            if event.pk == victim.pk:
                event.data = {"forged": True}
            event.hash = hashlib.sha256(event.payload()).hexdigest()
            sql("UPDATE obligations_auditevent SET data = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [json.dumps(event.data), event.prev_hash, event.hash, event.pk])
            prev = event.hash
    check = audit_verify()
    assert (check.broken_id, check.reason) == (victim.pk, ChainCheck.HASH)
    with pytest.raises(CommandError, match=rf"\[hash, #{victim.pk}\]"):
        verify_command()


@lifts_the_guard
def test_an_anchor_forged_without_the_key_is_invalid(chain):
    with guard_lifted():
        sql("DELETE FROM obligations_auditevent WHERE id >= %s", [chain[4].pk])
    anchors = anchor_file()
    [database] = anchors
    anchors[database].update(id=chain[3].pk, hash=chain[3].hash)  # moved back to the new head, old mac
    settings.PLEDGE_AUDIT_ANCHOR.write_text(json.dumps({"anchors": anchors}))
    check = audit_verify()
    assert check.reason == ChainCheck.ANCHOR_INVALID
    with pytest.raises(CommandError, match="anchor_invalid"):
        verify_command()
    assert not anchor_advance(chain[3].pk + 100, "f" * 64)  # left alone: it is evidence


def test_a_lost_anchor_file_is_an_error_until_re_anchored_on_record(chain, platform,
                                                                    django_capture_on_commit_callbacks):
    settings.PLEDGE_AUDIT_ANCHOR.unlink()
    check = audit_verify()
    assert (check.reason, check.broken_id) == (ChainCheck.UNANCHORED, chain[-1].pk)
    assert not audit_anchor_head(check)  # the daily sweep does not paper over it
    with django_capture_on_commit_callbacks(execute=True):  # nor does the next record
        audit_record(at=SIGNED_AT + timedelta(days=1), action="test.after", platform=platform)
    assert not settings.PLEDGE_AUDIT_ANCHOR.exists() or not anchor_file()
    with pytest.raises(CommandError, match="unanchored"):
        verify_command()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("verify_audit", "--reanchor", "--reason", "锚点文件随容器丢失", stdout=io.StringIO())
    event = AuditEvent.objects.order_by("id").last()
    assert (event.action, event.data["reason"], event.data["count"]) == ("audit.reanchor", "锚点文件随容器丢失", 7)
    out = verify_command()
    assert out.startswith("OK 8 records") and f"re-anchored at #{event.pk}" in out and "锚点文件随容器丢失" in out


@lifts_the_guard
def test_a_lost_anchor_with_a_cut_tail_is_reported(chain):
    with guard_lifted():
        sql("DELETE FROM obligations_auditevent WHERE id >= %s", [chain[4].pk])
    settings.PLEDGE_AUDIT_ANCHOR.unlink()
    with pytest.raises(CommandError, match=rf"#{chain[3].pk}.*\[unanchored, #{chain[3].pk}\]"):
        verify_command()


def test_the_anchor_only_moves_forward(chain):
    assert not anchor_advance(chain[2].pk, chain[2].hash)
    assert [a["id"] for a in anchor_file().values()] == [chain[-1].pk]


@lifts_the_guard
def test_the_migration_rekeys_a_plain_chain_as_far_as_it_holds(chain):
    """Records written before the keyed hash carry plain SHA-256: migration 0008 re-hashes
    them with the key while their old chain holds, and leaves a break where it found it."""
    prev = GENESIS
    with guard_lifted():
        for event in chain:  # the chain as the previous release wrote it
            event.prev_hash = prev
            event.hash = hashlib.sha256(guard._payload(prev, event)).hexdigest()
            sql("UPDATE obligations_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
                [event.prev_hash, event.hash, event.pk])
            prev = event.hash
        assert audit_verify().reason == ChainCheck.HASH
        guard.rekey(apps, None)
        assert audit_verify().ok
    # A legacy chain with a break: the records after it keep their old hashes.
    with guard_lifted():
        prev = GENESIS
        for event in AuditEvent.objects.order_by("id"):
            event.prev_hash = prev
            event.hash = hashlib.sha256(guard._payload(prev, event)).hexdigest()
            sql("UPDATE obligations_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
                [event.prev_hash, event.hash, event.pk])
            prev = event.hash
        sql("UPDATE obligations_auditevent SET action = 'forged' WHERE id = %s", [chain[3].pk])
        guard.rekey(apps, None)
    check = audit_verify()
    assert (check.broken_id, check.reason) == (chain[3].pk, ChainCheck.HASH)


def test_the_key_comes_from_the_settings(chain, settings):
    settings.PLEDGE_AUDIT_KEY = "another key"
    check = audit_verify()
    assert (check.broken_id, check.reason) == (chain[0].pk, ChainCheck.HASH)


@lifts_the_guard
def test_pages_resume_from_the_last_full_walk_and_walk_again_daily(chain, platform, settings):
    from obligations.trust.audit import audit_status

    first = audit_status()  # no checkpoint yet: a full walk, kept as the checkpoint
    assert first.ok and first.count == 6 and first.walked_at is not None
    assert json.loads(settings.PLEDGE_AUDIT_ANCHOR.read_text())["checkpoints"]
    later = audit_record(at=SIGNED_AT + timedelta(days=1), action="test.later", platform=platform)
    again = audit_status()
    assert again.ok and again.count == 7 and again.head_id == later.pk and again.walked_at == first.walked_at
    with guard_lifted():  # a record after the checkpoint: checked on every view
        sql("UPDATE obligations_auditevent SET action = 'forged' WHERE id = %s", [later.pk])
    assert (audit_status().broken_id, audit_status().reason) == (later.pk, ChainCheck.HASH)
    with guard_lifted():  # one before it: the next full walk finds it (and verify_audit at once)
        sql("UPDATE obligations_auditevent SET action = 'test.later' WHERE id = %s", [later.pk])
        sql("UPDATE obligations_auditevent SET action = 'forged' WHERE id = %s", [chain[2].pk])
    assert audit_status().ok
    assert audit_verify().broken_id == chain[2].pk
    assert audit_status(max_age=timedelta(0)).broken_id == chain[2].pk


@lifts_the_guard
def test_a_checkpoint_forged_without_the_key_is_ignored(chain, settings):
    from obligations.trust.audit import audit_status

    audit_status()
    state = json.loads(settings.PLEDGE_AUDIT_ANCHOR.read_text())
    [entry] = state["checkpoints"].values()
    with guard_lifted():
        sql("UPDATE obligations_auditevent SET action = 'forged' WHERE id = %s", [chain[1].pk])
    entry["at"] = "2999-01-01T00:00:00+00:00"  # "walked in the future": would never walk again
    settings.PLEDGE_AUDIT_ANCHOR.write_text(json.dumps(state))
    assert audit_status().broken_id == chain[1].pk
