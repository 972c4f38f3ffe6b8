"""The tamper-evident audit trail.

Every insert, update and delete that any command makes is appended to
`audit_record` as one link of a hash chain: the record's SHA-256 covers its
own canonical JSON and the previous record's hash, so changing, removing or
reordering any record breaks every hash after it. Records are never edited: a
correction is a new record whose `before` holds the replaced values.

`verify` recomputes the chain, replays it to learn what every audited table
should hold now, compares that with what the tables do hold (so an UPDATE
typed into sqlite3 behind the tracker's back is caught and named), and
re-hashes every file in the evidence store.

Precondition for `append`: the caller holds the write lock (`db.write_tx`),
so the head it reads is the head it extends.
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
from .findings import Finding
from .models import AUDITED_TABLES, AuditRecord, table_for

__all__ = ["GENESIS", "Change", "append", "head", "verify", "history", "row_json", "row_key",
           "resolve_actor", "utc_now", "VerifyResult", "evidence_path", "describe"]

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
           batch_id: int | None = None, chunk: int = 20_000) -> int:
    """Append `changes` to the chain; returns how many records were written."""
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


def evidence_path(store: Path, sha256: str) -> Path:
    return store / sha256[:2] / sha256


@dataclass
class VerifyResult:
    records: int = 0
    head_hash: str = GENESIS
    rows_checked: int = 0
    files_checked: int = 0
    problems: list[Finding] = field(default_factory=list)

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
        if rec.action == "register_file":
            files[orjson.loads(rec.after)["sha256"]] = rec.record_key
        else:
            expected[(rec.table_name, rec.record_key)] = rec.after
    out.head_hash = prev

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


def describe(action: str, before: str | None, after: str | None) -> str:
    """What an audit record changed, in words: the values an insert set, or for an
    update each value that changed. Provenance columns are left out."""
    if action == "register_file":
        return f"file registered: {after}"
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
        query = query.where(_AUDIT.c.record_key.in_(keys) | _AUDIT.c.record_key.like(
            canonical_json([key])[:-1] + ",%"))
    if limit:
        query = query.order_by(None).order_by(_AUDIT.c.seq.desc()).limit(limit)
    rows = [dict(r._mapping) for r in conn.execute(query)]
    return sorted(rows, key=lambda r: r["seq"])
