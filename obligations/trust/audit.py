"""The audit trail: every state change appends a hash-chained record.

Three defences, each catching what the one before cannot:

1. The database refuses UPDATE, DELETE and TRUNCATE of audit records (migration 0008),
   whatever path the change takes.
2. Each record's hash is an HMAC (SHA-256) under PLEDGE_AUDIT_KEY, over the record and
   the previous record's hash. The key is kept outside the database, so a record
   rewritten below the triggers, and its successors re-chained with the public
   algorithm, no longer verify.
3. Cutting the tail leaves a shorter chain that still verifies. So the chain's head is
   anchored outside the database: an HMAC of (id, hash) in a small JSON file
   (PLEDGE_AUDIT_ANCHOR, under PLEDGE_VAR_DIR). A file rather than the cache: it must
   survive a database rewrite and a cache flush or eviction, and must not be reachable
   by whoever holds the database. The anchor only moves forward, after the record it
   names has committed; any anchor, even a stale one, is a true statement that record
   N existed with hash H, so a head behind it means records were removed.

`audit_verify` walks the chain and names the first broken link; `verify_audit` (the
command), the daily integrity sweep (trust/integrity.py) and the audit-log page use it.
"""

import hashlib
import hmac
import json
import logging
import os
import tempfile
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AuditEvent, Membership

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: writers are not serialised across processes
    fcntl = None

GENESIS = "0" * 64
log = logging.getLogger(__name__)


def audit_key() -> bytes:
    return settings.PLEDGE_AUDIT_KEY.encode()


# What a change came through, when not a person's own session: an API token (obligations/api/). Every record
# written meanwhile names it under "via", the domain's own records (occurrence.complete, case.open) included.
_through: ContextVar[dict | None] = ContextVar("pledge_audit_through", default=None)


@contextmanager
def acting_through(via: dict):
    """Every audit record written inside names `via` (e.g. {"api_token": 7, "name": "monitoring"})."""
    token = _through.set(via)
    try:
        yield
    finally:
        _through.reset(token)


def audit_record(*, at, action, obj=None, actor=None, platform=None, data=None, reanchor=False) -> AuditEvent:
    """Append a record. `reanchor`: it may anchor a chain whose anchor is lost (audit_reanchor only)."""
    via = _through.get()
    if via is not None:
        data = {**(data or {}), "via": via}
    # No savepoint of its own: a failed record fails the change it records, as it must.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            # Serialise writers so the chain stays a chain (SQLite writes are serial anyway).
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('pledge-audit-chain'))")
        last_id, last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first() or (None, None)
        event = AuditEvent(
            at=at,
            platform=platform,
            actor=actor,
            action=action,
            # __class__, not type(): a request's user is a SimpleLazyObject that names the User it wraps.
            object_type=obj.__class__.__name__ if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            data=data or {},
            prev_hash=last or GENESIS,
        )
        event.hash = event.compute_hash(audit_key())
        event.save()
        # Anchored only once committed: a rolled-back record must not become the anchor.
        transaction.on_commit(lambda: anchor_advance(event.pk, event.hash, after=(last_id, last), start=reanchor),
                              robust=True)
        return event


# The anchor file, one entry per database (so a checkout switching between SQLite and
# PostgreSQL, or the tests, never compare one database's chain with another's anchor):
#   {"anchors": {"<database>": {"id", "hash", "at", "mac"}},
#    "checkpoints": {"<database>": {"id", "hash", "count", "at", "mac"}},
#    "checks": {"<database>": {"at", "ok", "reason", …, "mac"}}}
# A checkpoint is the head of the last full walk that found the chain intact: pages resume
# from it instead of walking the whole chain on every view (see audit_status). A check is the
# result of the last integrity check, failed ones too (trust/check_log.py).

def _database_label() -> str:
    return f"{connection.vendor}:{connection.settings_dict['NAME']}"


def _mac(*parts) -> str:
    message = "|".join(str(p) for p in parts).encode()
    return hmac.new(audit_key(), message, hashlib.sha256).hexdigest()


def _anchor_mac(database: str, event_id: int, event_hash: str) -> str:
    return _mac("pledge-audit-anchor", database, event_id, event_hash)


def _entry_mac(section: str, database: str, entry: dict) -> str:
    body = json.dumps({k: v for k, v in entry.items() if k != "mac"}, sort_keys=True, default=str)
    return _mac(f"pledge-audit-{section}", database, body)


def _anchor_path() -> Path:
    return Path(settings.PLEDGE_AUDIT_ANCHOR)


def _read_state(path: Path) -> dict:
    """The file's content; raises ValueError when it is not what this module writes."""
    try:
        state = json.loads(path.read_text())
    except FileNotFoundError:
        return {"anchors": {}, "checkpoints": {}, "checks": {}}
    if not isinstance(state, dict) or not isinstance(state.get("anchors"), dict):
        raise ValueError("not an audit anchor file")
    state.setdefault("checkpoints", {})
    state.setdefault("checks", {})
    return state


@contextmanager
def _locked_state(path: Path):
    """Read, change and write the file while holding an exclusive lock on a sibling file,
    so that writers of all processes take turns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield _read_state(path)


def _write_state(path: Path, state: dict) -> None:
    """Atomically: a complete temporary file, flushed to disk, renamed over the old one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(state, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def anchor_advance(event_id: int, event_hash: str, after=None, start=False) -> bool:
    """Move this database's anchor forward to (event_id, event_hash), a committed record.
    Never backwards, never over an anchor whose HMAC fails, and never past an anchored
    record that is no longer there: those are evidence, kept for verification to report.
    (After a deliberate reset of the database, remove the anchor file by hand.)
    `after` is the (id, hash) the record was chained onto, read under the chain's lock: when
    that is the anchor, the anchored record was there, and is not looked up again.
    Without an anchor, only the chain's first record (chained onto nothing) starts one, or
    an audited re-anchoring (`start`): a lost anchor may hide a cut tail, so it stays an
    error until someone re-anchors on record (audit_reanchor)."""
    path, database = _anchor_path(), _database_label()
    try:
        with _locked_state(path) as state:
            current = state["anchors"].get(database)
            if current is None and not start and (after is None or tuple(after) != (None, None)):
                log.error("the audit chain of %s has no anchor: re-anchor it with verify_audit --reanchor", database)
                return False
            if current is not None:
                if not _anchor_valid(database, current):
                    log.error("audit anchor of %s fails its HMAC; left as it is for inspection", database)
                    return False
                if current["id"] >= event_id:
                    return False
                chained_onto_anchor = after is not None and tuple(after) == (current["id"], current["hash"])
                if not chained_onto_anchor and not AuditEvent.objects.filter(pk=current["id"],
                                                                             hash=current["hash"]).exists():
                    # The anchored record is gone or changed: moving on would hide a cut tail.
                    log.error("audit record #%s named by the anchor is gone; anchor kept as evidence", current["id"])
                    return False
            state["anchors"][database] = {"id": event_id, "hash": event_hash, "at": timezone.now().isoformat(),
                                          "mac": _anchor_mac(database, event_id, event_hash)}
            _write_state(path, state)
            return True
    except ValueError:
        log.error("audit anchor file %s is unreadable; left as it is for inspection", path)
        return False
    except OSError:
        log.exception("could not write the audit anchor %s", path)
        return False


def database_label() -> str:
    """This database as the anchor file names it: a backup records it, a restore adopts its anchor."""
    return _database_label()


def anchor_adopt(backed_up: Path, source_database: str) -> bool:
    """A restored copy (bin/restore): the anchor a backed-up anchor file holds for the database it was
    taken from (its label, e.g. postgresql:pledge) becomes this database's, once its HMAC holds, so that
    verify_audit checks the restored chain against the anchor of the original. False when the backup
    held no anchor for it; ValueError when its anchor fails the HMAC (another key, or altered) or this
    database is anchored already."""
    anchor = _read_state(backed_up)["anchors"].get(source_database)
    if anchor is None:
        return False
    if not _anchor_valid(source_database, anchor):
        raise ValueError(f"the backed-up audit anchor of {source_database} fails its HMAC (another audit key?)")
    path, database = _anchor_path(), _database_label()
    with _locked_state(path) as state:
        if database in state["anchors"]:
            raise ValueError(f"{path} anchors {database} already: restore into a new database and folder")
        state["anchors"][database] = {"id": int(anchor["id"]), "hash": str(anchor["hash"]), "at": anchor["at"],
                                      "mac": _anchor_mac(database, int(anchor["id"]), str(anchor["hash"]))}
        _write_state(path, state)
    return True


def _anchor_valid(database: str, anchor) -> bool:
    try:
        expected = _anchor_mac(database, int(anchor["id"]), str(anchor["hash"]))
        return hmac.compare_digest(expected, str(anchor["mac"]))
    except (KeyError, TypeError, ValueError):
        return False


@dataclass
class ChainCheck:
    """The outcome of audit_verify: intact, or the first broken link and why."""

    HASH = "hash"  # the record does not match its HMAC: changed, or re-chained without the key
    LINK = "link"  # the record does not point to the one before it: a record was removed or inserted
    TRUNCATED = "truncated"  # the head is behind the anchor: records at the end were removed
    ANCHOR_INVALID = "anchor_invalid"  # the anchor file is unreadable or its HMAC fails
    ANCHOR_MISMATCH = "anchor_mismatch"  # the anchored record is not the one the anchor names
    UNANCHORED = "unanchored"  # records and no anchor: a lost anchor file may hide a cut tail

    count: int = 0
    head_id: int | None = None
    head_hash: str = GENESIS
    broken_id: int | None = None
    reason: str = ""
    anchor_id: int | None = None  # the anchored record, when the anchor is valid
    walked_at: datetime | None = None  # when the chain was last walked from its first record

    @property
    def ok(self) -> bool:
        return not self.reason

    @property
    def anchored(self) -> bool:
        return self.anchor_id is not None

    def describe(self) -> str:
        if self.ok:
            return _("审计链完整:共 %(count)d 条记录,链头 #%(head)s。") % {
                "count": self.count, "head": self.head_id if self.head_id is not None else "-"}
        detail = {
            self.HASH: _("记录 #%(id)s 的内容与其哈希不符(被修改,或被他人重新计算了哈希)。"),
            self.LINK: _("记录 #%(id)s 与前一条记录的链接断开(中间的记录被删除或插入)。"),
            self.TRUNCATED: _("链头 #%(head)s 落后于锚点 #%(id)s:末尾的记录被删除。"),
            self.ANCHOR_INVALID: _("链头锚点无法读取或其签名无效(锚点 #%(id)s)。"),
            self.ANCHOR_MISMATCH: _("锚点所记的记录 #%(id)s 已不是原来的记录。"),
            self.UNANCHORED: _("链头 #%(head)s 没有锚点(锚点文件缺失):无法确认末尾没有记录被删除。请与保存的链头核对后,"
                               "用 verify_audit --reanchor 登记重新锚定。"),
        }[self.reason]
        return _("审计链断裂:") + detail % {"id": self.broken_id if self.broken_id is not None else "-",
                                              "head": self.head_id if self.head_id is not None else "-"}


def _read_anchor(database: str):
    """(anchor or None, problem): problem is True when the file exists but cannot be trusted."""
    try:
        anchor = _read_state(_anchor_path())["anchors"].get(database)
    except (OSError, ValueError):
        return None, True
    if anchor is None:
        return None, False
    return anchor, not _anchor_valid(database, anchor)


def audit_verify(*, resume: ChainCheck | None = None) -> ChainCheck:
    """Walk the chain: each record's HMAC, its link to the one before, and the head
    against the anchor. Returns the first broken link, or an intact check.

    From its first record, unless `resume` (an intact check of an earlier full walk) is
    given and its head is still there, unchanged: then only the records after it."""
    database = _database_label()
    anchor, anchor_bad = _read_anchor(database)  # before the walk: an anchor names a committed record
    key = audit_key()
    records = AuditEvent.objects.order_by("id")
    if (resume is not None and resume.ok and resume.head_id is not None
            and records.filter(pk=resume.head_id, hash=resume.head_hash).exists()):
        check = ChainCheck(count=resume.count, head_id=resume.head_id, head_hash=resume.head_hash,
                           walked_at=resume.walked_at)
        records = records.filter(id__gt=resume.head_id)
    else:
        check = ChainCheck(walked_at=timezone.now())
    prev = check.head_hash
    for event in records.iterator(chunk_size=2000):
        if event.compute_hash(key) != event.hash:
            return _broken(check, event.pk, ChainCheck.HASH)
        if event.prev_hash != prev:
            return _broken(check, event.pk, ChainCheck.LINK)
        prev = event.hash
        check.count, check.head_id, check.head_hash = check.count + 1, event.pk, event.hash
    if anchor_bad:
        return _broken(check, anchor.get("id") if isinstance(anchor, dict) else None, ChainCheck.ANCHOR_INVALID)
    if anchor is not None:
        if check.head_id is None or check.head_id < anchor["id"]:
            return _broken(check, anchor["id"], ChainCheck.TRUNCATED)
        if not AuditEvent.objects.filter(pk=anchor["id"], hash=anchor["hash"]).exists():
            return _broken(check, anchor["id"], ChainCheck.ANCHOR_MISMATCH)
        check.anchor_id = anchor["id"]
    elif check.head_id is not None:
        return _broken(check, check.head_id, ChainCheck.UNANCHORED)
    return check


def _broken(check: ChainCheck, event_id, reason) -> ChainCheck:
    check.broken_id, check.reason = event_id, reason
    return check


def audit_anchor_head(check: ChainCheck) -> bool:
    """After a full, successful walk: anchor the head it saw (the daily sweep does this,
    so a chain whose anchor file was lost is anchored again), and keep it as the
    checkpoint pages resume from."""
    if not check.ok or check.head_id is None:
        return False
    anchored = anchor_advance(check.head_id, check.head_hash)
    _checkpoint_write(check)
    return anchored


def state_entry_write(section: str, entry: dict) -> None:
    """Keep `entry` (with its HMAC) as this database's entry of `section` in the anchor file."""
    path, database = _anchor_path(), _database_label()
    entry = {**entry, "mac": _entry_mac(section, database, entry)}
    try:
        with _locked_state(path) as state:
            state.setdefault(section, {})[database] = entry
            _write_state(path, state)
    except (OSError, ValueError):
        log.exception("could not write the audit %s to %s", section, path)


def state_entry_read(section: str) -> dict | None:
    """This database's entry of `section`, None when missing or its HMAC fails."""
    database = _database_label()
    try:
        entry = _read_state(_anchor_path()).get(section, {}).get(database)
        if entry is None or not hmac.compare_digest(_entry_mac(section, database, entry), str(entry["mac"])):
            return None
        return entry
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _checkpoint_write(check: ChainCheck) -> None:
    state_entry_write("checkpoints", {"id": check.head_id, "hash": check.head_hash, "count": check.count,
                                      "at": (check.walked_at or timezone.now()).isoformat()})


def _checkpoint_read() -> ChainCheck | None:
    entry = state_entry_read("checkpoints")
    try:
        return entry and ChainCheck(count=int(entry["count"]), head_id=int(entry["id"]),
                                    head_hash=str(entry["hash"]), walked_at=datetime.fromisoformat(entry["at"]))
    except (ValueError, KeyError, TypeError):
        return None


def audit_status(*, max_age: timedelta = timedelta(hours=25), full: bool = False) -> ChainCheck:
    """For pages: the chain checked from the last full walk's head on, provided that walk
    is recent (the daily sweep repeats it) and `full` is not asked; otherwise walked in full,
    and kept as the new checkpoint. A record changed before the checkpoint is found by the
    next full walk."""
    resume = None if full else _checkpoint_read()
    if resume is not None and resume.walked_at < timezone.now() - max_age:
        resume = None
    check = audit_verify(resume=resume)
    if resume is None and check.ok and check.head_id is not None:
        _checkpoint_write(check)
    return check


def platform_trail(platform):
    """The records a platform's officers and auditors read: the platform's own, and the
    sign-ins, sign-outs, failed sign-ins and password changes of its current members."""
    members = list(Membership.objects.filter(platform=platform).values_list("user_id", flat=True))
    own_auth = Q(platform__isnull=True, action__startswith="auth.") & (
        Q(actor_id__in=members) | Q(object_type=get_user_model().__name__, object_id__in=[str(m) for m in members]))
    return AuditEvent.objects.filter(Q(platform=platform) | own_auth)
