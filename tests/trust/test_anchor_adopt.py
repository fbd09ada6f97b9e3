"""A restored copy takes over the audit anchor of the database it was backed up from (bin/restore),
only when the anchor's HMAC holds under this installation's audit key."""

import json

import pytest

from obligations.trust import audit

SOURCE = "postgresql:pledge"


def backed_up(tmp_path, **changes):
    anchor = {"id": 7, "hash": "ab" * 32, "at": "2026-12-01T00:00:00+00:00",
              "mac": audit._anchor_mac(SOURCE, 7, "ab" * 32)} | changes
    path = tmp_path / "backup-anchor.json"
    path.write_text(json.dumps({"anchors": {SOURCE: anchor}, "checkpoints": {}, "checks": {}}))
    return path


def test_the_backed_up_anchor_becomes_this_databases(tmp_path, settings):
    assert audit.anchor_adopt(backed_up(tmp_path), SOURCE)
    adopted = json.loads(settings.PLEDGE_AUDIT_ANCHOR.read_text())["anchors"][audit.database_label()]
    assert (adopted["id"], adopted["hash"]) == (7, "ab" * 32) and audit._anchor_valid(audit.database_label(), adopted)
    with pytest.raises(ValueError, match="already"):  # never over an installation's own anchor
        audit.anchor_adopt(backed_up(tmp_path), SOURCE)


def test_an_anchor_that_fails_its_hmac_is_refused_and_none_is_a_no(tmp_path, settings):
    with pytest.raises(ValueError, match="HMAC"):
        audit.anchor_adopt(backed_up(tmp_path, id=8), SOURCE)
    assert not settings.PLEDGE_AUDIT_ANCHOR.exists()
    assert audit.anchor_adopt(backed_up(tmp_path), "postgresql:another") is False
