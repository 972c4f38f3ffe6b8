"""The tamper-evident audit trail.

Every insert, update and delete that any command makes is appended to
`audit_record` as one link of a hash chain: the record's SHA-256 covers its
own canonical JSON and the previous record's hash, so changing, removing or
reordering any record breaks every hash after it. Records are never edited: a
correction is a new record whose `before` holds the replaced values.

`verify` recomputes the chain, replays it to learn what every audited table
should hold now, compares that with what the tables do hold (so an UPDATE
typed into sqlite3 behind the tracker's back is caught and named), and
re-hashes every file in the evidence store. Replaying, it also checks that
every update and delete starts from the values the trail says the row had:
a write that built on a row changed behind the tracker's back would
otherwise launder the change into the history.

So that no command builds on such a row, `append` refuses a change whose
`before` is not the row's last audited value (`drift` does the same check for
rows a writer reads without changing). A drift the team has investigated is
recorded with `acknowledge`: an `acknowledge` record holding what the trail
said, what was found and why it is accepted; the trail then continues from
what was found, and the history shows it.

Precondition for `append` and `acknowledge`: the caller holds the write lock
(`db.write_tx`), so the head it reads is the head it extends.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import orjson
from sqlalchemy import Connection, select

from .canonical import canonical_json, file_sha256, sha256_hex
from .db import bulk_insert
from .findings import Finding, NotFound, TrackerError
from .models import AUDITED_TABLES, AuditRecord, table_for

__all__ = ["GENESIS", "Change", "append", "head", "verify", "history", "row_json", "row_key",
           "resolve_actor", "utc_now", "VerifyResult", "evidence_path", "describe", "audited_state",
           "drift", "refuse_drift", "acknowledge", "acknowledge_record", "parse_key", "DriftError"]

GENESIS = "0" * 64
_AUDIT = AuditRecord.__table__


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def resolve_actor(actor: str | None = None) -> str:
    """`--actor`, else `TRACKER_ACTOR`, else the login name."""
    if actor:
        return actor
    if os.environ.get("TRACKER_ACTOR"):
        return os.environ["TRACKER_ACTOR"]
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def row_json(row: Mapping[str, Any]) -> str:
    """A stored row as canonical JSON: what the trail records and compares."""
    return canonical_json(row if isinstance(row, dict) else dict(row))


@cache
def _primary_key(table: str) -> tuple[str, ...]:
    return tuple(c.name for c in table_for(table).primary_key.columns)


def row_key(table: str, row: Mapping[str, Any]) -> str:
    return canonical_json([row[c] for c in _primary_key(table)])


def parse_key(table: str, key: str) -> str:
    """A record key as a user types it: the plain id (`L-9`, `5`) for a table keyed by
    one column, or the canonical form that verify prints (`["E-1","L-1"]`)."""
    if table not in AUDITED_TABLES:
        raise TrackerError(f"unknown table {table!r} (audited tables: {', '.join(AUDITED_TABLES)})")
    columns = _primary_key(table)
    parts: list[Any] | None = None
    if key.startswith("["):
        try:
            parts = orjson.loads(key)
        except orjson.JSONDecodeError:
            parts = None
    if parts is None:
        if len(columns) != 1:
            raise TrackerError(f"{table} is keyed by {', '.join(columns)}: give the key as verify prints "
                               f"it, e.g. --key '[{', '.join(chr(34) + c.upper() + chr(34) for c in columns)}]'")
        parts = [key]
    if not isinstance(parts, list) or len(parts) != len(columns):
        raise TrackerError(f"{table} is keyed by {', '.join(columns)}: {key!r} is not such a key")
    table_obj = table_for(table)
    for i, c in enumerate(columns):  # an integer key (import_batch) is stored as a number
        if table_obj.c[c].type.python_type is int and isinstance(parts[i], str) and parts[i].isdigit():
            parts[i] = int(parts[i])
    return canonical_json(parts)


@dataclass(frozen=True, slots=True)
class Change:
    action: str  # insert | update | delete | register_file
    table: str
    key: str  # row_key()
    before: str | None  # row_json() of the old row
    after: str | None  # row_json() of the new row


def _link_hash(seq: int, at: str, actor: str, action: str, table: str, key: str,
               before: str | None, after: str | None, batch_id: int | None, prev: str) -> str:
    return sha256_hex(canonical_json([seq, at, actor, action, table, key, before, after, batch_id, prev]))


def head(conn: Connection) -> tuple[int, str]:
    """(seq, hash) of the newest record, or (0, GENESIS) for an empty trail."""
    row = conn.execute(select(_AUDIT.c.seq, _AUDIT.c.hash).order_by(_AUDIT.c.seq.desc()).limit(1)).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def append(conn: Connection, changes: Iterable[Change], actor: str,
           batch_id: int | None = None, chunk: int = 20_000, *, check: bool = True) -> int:
    """Append `changes` to the chain; returns how many records were written.

    With `check` (the default), refuses with `DriftError`, before writing
    anything, when a change's `before` is not the last audited value of its
    row: the row was changed behind the tracker's back and this write would
    bury that. A caller that has already checked every row it touches with
    `drift` passes `check=False`.
    """
    if check:
        changes = list(changes)
        refuse_drift(_unexpected_befores(conn, changes))
    seq, prev = head(conn)
    at = utc_now()
    rows: list[dict] = []
    count = 0
    for ch in changes:
        seq += 1
        h = _link_hash(seq, at, actor, ch.action, ch.table, ch.key, ch.before, ch.after, batch_id, prev)
        rows.append({"seq": seq, "at": at, "actor": actor, "action": ch.action,
                     "table_name": ch.table, "record_key": ch.key, "before": ch.before,
                     "after": ch.after, "batch_id": batch_id, "prev_hash": prev, "hash": h})
        prev = h
        if len(rows) >= chunk:
            bulk_insert(conn, _AUDIT, rows)
            count += len(rows)
            rows = []
    if rows:
        bulk_insert(conn, _AUDIT, rows)
        count += len(rows)
    return count


# --- drift: a row that no longer holds what the trail last recorded --------------------------

class DriftError(TrackerError):
    """Rows differ from their last audited values; nothing was written. `findings` names each."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        first = findings[0]
        table, _, key = first.subjects[0].partition(":")
        shown = "; ".join(f.message for f in findings[:5])
        more = f"; and {len(findings) - 5} more" if len(findings) > 5 else ""
        super().__init__(
            f"{shown}{more}. Nothing was written: a write must not build on a row changed behind the "
            f"tracker's back. Find out what happened (tracker audit log --table {table} --key '{_plain(key)}'), "
            f"then record what you found: tracker audit acknowledge --table {table} --key '{_plain(key)}' "
            "--reason TEXT")


def _plain(key: str) -> str:
    parts = orjson.loads(key)
    return str(parts[0]) if len(parts) == 1 else key


def _state(action: str, after: str | None) -> tuple[bool, str | None]:
    """What a record says its row holds afterwards: (says anything, row JSON or None)."""
    if action == "register_file":
        return False, None
    if action == "acknowledge":
        payload = orjson.loads(after)
        if "record" in payload:  # acknowledges a past write, says nothing new about the row
            return False, None
        return True, payload["found"]
    return True, after


def audited_state(conn: Connection, table: str, keys: Iterable[str]) -> dict[str, tuple[int, str | None]]:
    """key -> (seq, row JSON or None if deleted) of each key's last audited values;
    keys the trail has never seen are absent. Reads only those keys' records."""
    out: dict[str, tuple[int, str | None]] = {}
    keys = list(keys)
    t = _AUDIT
    for i in range(0, len(keys), 5_000):
        query = (select(t.c.seq, t.c.action, t.c.record_key, t.c.after)
                 .where(t.c.table_name == table, t.c.record_key.in_(keys[i:i + 5_000]))
                 .order_by(t.c.seq))
        for seq, action, key, after in conn.execute(query):
            says, state = _state(action, after)
            if says:
                out[key] = (seq, state)
    return out


def _drift_finding(table: str, key: str, now: str | None, audited: tuple[int, str | None] | None) -> Finding:
    subject = (f"{table}:{key}",)
    if audited is None:
        return Finding("ROW_ADDED", "error", f"{table} {key} is in the database but no audit record put it "
                       "there: it was added behind the tracker's back", subject)
    seq, want = audited
    if want is None:
        return Finding("ROW_ADDED", "error", f"{table} {key} is in the database but the trail says it was "
                       f"deleted (audit record #{seq}): it was added behind the tracker's back", subject)
    if now is None:
        return Finding("ROW_DELETED", "error", f"{table} {key} was deleted behind the tracker's back "
                       f"(its last audit record is #{seq})", subject)
    return Finding("ROW_CHANGED", "error", f"{table} {key} differs from its last audited values (audit "
                   f"record #{seq}): it was changed behind the tracker's back", subject)


def drift(conn: Connection, table: str, current: Mapping[str, str | None]) -> list[Finding]:
    """The rows of `current` (key -> row JSON as the database holds it now, or None for
    no row) that differ from their last audited values."""
    audited = audited_state(conn, table, current)
    out = []
    for key, now in current.items():
        last = audited.get(key)
        if now != (last[1] if last else None):
            out.append(_drift_finding(table, key, now, last))
    return out


def refuse_drift(findings: list[Finding]) -> None:
    if findings:
        raise DriftError(findings)


def _unexpected_befores(conn: Connection, changes: list[Change]) -> list[Finding]:
    """Changes whose `before` is not their row's last audited value (in order, so a row
    changed twice in one call is checked against the first change)."""
    by_table: dict[str, set[str]] = {}
    for ch in changes:
        if ch.action != "register_file":
            by_table.setdefault(ch.table, set()).add(ch.key)
    state = {(t, k): v for t, keys in by_table.items() for k, v in audited_state(conn, t, keys).items()}
    out = []
    for ch in changes:
        if ch.action == "register_file":
            continue
        last = state.get((ch.table, ch.key))
        if ch.before != (last[1] if last else None):
            out.append(_drift_finding(ch.table, ch.key, ch.before, last))
        state[(ch.table, ch.key)] = (0, ch.after)
    return out


def _current_row(conn: Connection, table: str, key: str) -> str | None:
    t = table_for(table)
    cond = [t.c[c] == v for c, v in zip(_primary_key(table), orjson.loads(key))]
    row = conn.execute(select(t).where(*cond)).first()
    return row_json(row._mapping) if row is not None else None


def acknowledge(conn: Connection, table: str, key: str, reason: str, actor: str) -> dict:
    """Record that the team investigated the drift of one row and accepts what it found.

    Appends an `acknowledge` record: `before` is what the trail last recorded for
    the row (None if never), `after` holds `found` (the row as the database holds it,
    None if it is gone) and `reason`. From then on the trail, and every check of it,
    continues from what was found. Refuses when the row does not drift, and
    without a reason. Returns the record written.
    """
    reason = reason.strip()
    if not reason:
        raise TrackerError("say why the drift is accepted: --reason TEXT (what was found and who checked it)")
    key = parse_key(table, key)
    now = _current_row(conn, table, key)
    last = audited_state(conn, table, [key]).get(key)
    trail = last[1] if last else None
    if now == trail:
        if last is None:
            raise NotFound(f"no {table} {key} in the database nor in the audit trail")
        raise TrackerError(f"{table} {key} matches its last audited values: there is no drift to acknowledge")
    finding = _drift_finding(table, key, now, last)
    after = canonical_json({"drift": finding.code, "found": now, "reason": reason})
    append(conn, [Change("acknowledge", table, key, trail, after)], actor, check=False)
    return history(conn, table, key)[-1]


def acknowledge_record(conn: Connection, seq: int, reason: str, actor: str) -> dict:
    """Record that a past write which built on a drifted row (verify names it: "audit
    record #N ... was written over values the trail never recorded") was investigated.

    Such records come from tracker versions before this check, or from writers
    that bypass it. Appends an `acknowledge` record pointing at record `seq`;
    verify then accepts that record and reports the acknowledgement.
    """
    reason = reason.strip()
    if not reason:
        raise TrackerError("say why the write is accepted: --reason TEXT (what was found and who checked it)")
    rec = conn.execute(select(_AUDIT).where(_AUDIT.c.seq == seq)).first()
    if rec is None:
        raise NotFound(f"no audit record #{seq}")
    if rec.action not in ("insert", "update", "delete"):
        raise TrackerError(f"audit record #{seq} is a {rec.action} record: only an insert, update or delete "
                           "can have built on a drifted row")
    replayed = _replayed_before(conn, rec)
    if replayed == rec.before:
        raise TrackerError(f"audit record #{seq} starts from the row's last audited values: there is "
                           "nothing to acknowledge")
    after = canonical_json({"drift": "ROW_DRIFT_ABSORBED", "found": rec.before, "record": seq, "reason": reason})
    append(conn, [Change("acknowledge", rec.table_name, rec.record_key, replayed, after)], actor, check=False)
    return history(conn, rec.table_name, rec.record_key)[-1]


def _replayed_before(conn: Connection, rec) -> str | None:
    """The row's last audited values just before record `rec`."""
    t = _AUDIT
    query = (select(t.c.action, t.c.after).where(t.c.table_name == rec.table_name,
                                                  t.c.record_key == rec.record_key, t.c.seq < rec.seq)
             .order_by(t.c.seq))
    state = None
    for action, after in conn.execute(query):
        says, value = _state(action, after)
        if says:
            state = value
    return state


def evidence_path(store: Path, sha256: str) -> Path:
    return store / sha256[:2] / sha256


@dataclass
class VerifyResult:
    records: int = 0
    head_hash: str = GENESIS
    rows_checked: int = 0
    files_checked: int = 0
    problems: list[Finding] = field(default_factory=list)
    acknowledged: list[int] = field(default_factory=list)  # seqs of acknowledgements in force

    @property
    def ok(self) -> bool:
        return not self.problems


def _records(conn: Connection) -> Iterator:
    result = conn.execution_options(yield_per=10_000).execute(select(_AUDIT).order_by(_AUDIT.c.seq))
    yield from result


def verify(conn: Connection, store: Path | None) -> VerifyResult:
    """Check the chain, the tables against the chain, and the evidence files."""
    out = VerifyResult()
    expected: dict[tuple[str, str], str | None] = {}
    absorbed: dict[int, Finding] = {}  # seq -> the write that built on a drifted row, until acknowledged
    files: dict[str, str] = {}  # sha256 -> document key that registered it
    prev, want_seq = GENESIS, 1
    for rec in _records(conn):
        subject = (f"audit:{rec.seq}",)
        if rec.seq != want_seq:
            out.problems.append(Finding("AUDIT_BROKEN", "error",
                                        f"audit record #{want_seq} is missing (next is #{rec.seq})", subject))
        elif rec.prev_hash != prev:
            out.problems.append(Finding("AUDIT_BROKEN", "error",
                                        f"audit record #{rec.seq} does not follow the record before it "
                                        "(its previous hash differs)", subject))
        elif _link_hash(rec.seq, rec.at, rec.actor, rec.action, rec.table_name, rec.record_key,
                        rec.before, rec.after, rec.batch_id, rec.prev_hash) != rec.hash:
            out.problems.append(Finding("AUDIT_BROKEN", "error",
                                        f"audit record #{rec.seq} ({rec.action} {rec.table_name} "
                                        f"{rec.record_key}) does not match its hash: it was altered", subject))
        if out.problems:
            return out  # after a broken link nothing later can be trusted
        want_seq, prev = rec.seq + 1, rec.hash
        out.records += 1
        action = rec.action
        if action == "register_file":
            files[orjson.loads(rec.after)["sha256"]] = rec.record_key
            continue
        k = (rec.table_name, rec.record_key)
        if action == "acknowledge":
            payload = orjson.loads(rec.after)
            if "record" in payload:
                if absorbed.pop(payload["record"], None) is not None:
                    out.acknowledged.append(rec.seq)
                continue
            if rec.before != expected.get(k):
                absorbed[rec.seq] = _absorbed(rec)
            else:
                out.acknowledged.append(rec.seq)
            expected[k] = payload["found"]
            continue
        # An insert starts from no row, an update or delete from the row's last audited
        # values: anything else built on a row changed behind the tracker's back.
        if rec.before != expected.get(k):
            absorbed[rec.seq] = _absorbed(rec)
        expected[k] = rec.after
    out.head_hash = prev
    out.problems.extend(absorbed.values())

    for name in AUDITED_TABLES:
        for row in conn.execution_options(yield_per=10_000).execute(select(table_for(name))):
            mapping = row._mapping
            key = row_key(name, mapping)
            want = expected.pop((name, key), None)
            out.rows_checked += 1
            if want is None:
                out.problems.append(Finding("ROW_ADDED", "error",
                                            f"{name} {key} is in the database but no audit record "
                                            "put it there: it was added behind the tracker's back",
                                            (f"{name}:{key}",)))
            elif row_json(mapping) != want:
                out.problems.append(Finding("ROW_CHANGED", "error",
                                            f"{name} {key} differs from its last audited values: "
                                            "it was changed behind the tracker's back", (f"{name}:{key}",)))
    for (name, key), want in expected.items():
        if want is not None:
            out.problems.append(Finding("ROW_DELETED", "error",
                                        f"{name} {key} was deleted behind the tracker's back",
                                        (f"{name}:{key}",)))
    if store is not None:
        for sha, doc_key in files.items():
            out.files_checked += 1
            path = evidence_path(store, sha)
            if not path.is_file():
                out.problems.append(Finding("FILE_MISSING", "error",
                                            f"evidence file {sha} (document {doc_key}) is missing from {store}",
                                            (f"document:{doc_key}",)))
            elif file_sha256(path) != sha:
                out.problems.append(Finding("FILE_CHANGED", "error",
                                            f"evidence file {sha} (document {doc_key}) no longer matches "
                                            "its SHA-256: it was altered", (f"document:{doc_key}",)))
    return out


def _absorbed(rec) -> Finding:
    what = "a row the trail says already exists" if rec.action == "insert" else \
        "values the trail never recorded for it"
    return Finding("ROW_DRIFT_ABSORBED", "error",
                   f"audit record #{rec.seq} ({rec.action} {rec.table_name} {rec.record_key}) was written over "
                   f"{what}: the row had been changed behind the tracker's back and this write buried it "
                   f"(once investigated: tracker audit acknowledge --record {rec.seq} --reason TEXT)",
                   (f"audit:{rec.seq}", f"{rec.table_name}:{rec.record_key}"))


def describe(action: str, before: str | None, after: str | None) -> str:
    """What an audit record changed, in words: the values an insert set, or for an
    update each value that changed. Provenance columns are left out."""
    if action == "register_file":
        return f"file registered: {after}"
    if action == "acknowledge":
        payload = orjson.loads(after)
        if "record" in payload:
            return f"drift acknowledged: record #{payload['record']} built on a changed row; reason: {payload['reason']}"
        found = payload["found"]
        what = ("row added behind the tracker's back: " + describe("insert", None, found) if before is None
                else "row deleted behind the tracker's back" if found is None
                else "row changed behind the tracker's back: " + describe("update", before, found))
        return f"drift acknowledged: {what}; reason: {payload['reason']}"
    old = orjson.loads(before) if before else {}
    new = orjson.loads(after) if after else {}
    skip = {"batch_id", "source_row", "source_sheet", "extra"}
    if action == "insert":
        return "; ".join(f"{k}={v}" for k, v in sorted(new.items()) if k not in skip and v not in (None, {}))
    return "; ".join(f"{k}: {old.get(k)} -> {new.get(k)}" for k in sorted(set(old) | set(new))
                     if k not in skip and old.get(k) != new.get(k))


def history(conn: Connection, table: str | None = None, key: str | None = None,
            limit: int | None = None) -> list[dict]:
    """Audit records, oldest first, optionally of one table or one record (key as
    the plain id, e.g. `L-9`, or the canonical key `["S-1","L-1"]`)."""
    query = select(_AUDIT).order_by(_AUDIT.c.seq)
    if table:
        query = query.where(_AUDIT.c.table_name == table)
    if key:
        keys = {key, canonical_json([key])}
        prefix = canonical_json([key])[:-1] + ","
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(_AUDIT.c.record_key.in_(keys) | _AUDIT.c.record_key.like(escaped + "%", escape="\\"))
    if limit:
        query = query.order_by(None).order_by(_AUDIT.c.seq.desc()).limit(limit)
    rows = [dict(r._mapping) for r in conn.execute(query)]
    return sorted(rows, key=lambda r: r["seq"])
