"""`tracker measures load-hts`: a newer HTS release into the database, in one command.

The release's Chapter 99 text is derived exactly as the bundled rows are
(tracker.refdata.hts99). Then, inside the write lock and in one transaction:

- a row the release gives that the tracker does not hold yet, or holds with
  other dates, rate, heading or source, is written to `trade_measure` (its
  current stage: the database keeps one row per measure and prefix);
- a row the tracker holds from an earlier HTS release, in force, that the new
  release no longer gives, is not deleted: it gets an end date, the day
  before the release takes effect.

Each write is an import batch of its own (file name and SHA-256 of the text)
with its audit records, as a workbook import is.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, bindparam, select

from . import audit
from .db import bulk_insert, write_tx
from .measures import Measure, all_measures
from .models import table_for
from .refdata.hts99 import derive, release_of

__all__ = ["read_text", "load_hts", "LoadResult"]


def read_text(path: Path) -> tuple[str, str]:
    """The text of a Chapter 99 file (gzip or plain) and the SHA-256 of its bytes."""
    data = Path(path).read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace"), sha


@dataclass
class LoadResult:
    release: str
    derived: int
    new: int
    changed: int
    ended: int
    batch_id: int | None

    def to_dict(self) -> dict:
        return {"release": self.release, "derived": self.derived, "new": self.new,
                "changed": self.changed, "ended": self.ended, "batch_id": self.batch_id}


def _values(r: dict) -> dict:
    return {"measure_id": r["measure_id"], "hts_prefix": r["hts_prefix"], "kind": r["kind"],
            "country": r["country"], "effective_on": date.fromisoformat(r["effective_on"]),
            "description": r["description"] or None,
            "expires_on": date.fromisoformat(r["expires_on"]) if r["expires_on"] else None,
            "rate": Decimal(r["rate"]) if r["rate"] else None, "heading": r["heading"] or None,
            "source": r["source"] or None, "exclusion": r["exclusion"] or None}


def _same(m: Measure, v: dict) -> bool:
    return (m.effective_on, m.expires_on, m.rate, m.heading or None, m.source or None, m.exclusion or None) == (
        v["effective_on"], v["expires_on"], v["rate"], v["heading"], v["source"], v["exclusion"])


def load_hts(engine: Engine, path: Path, *, effective_on: date | None = None,
             actor: str | None = None) -> LoadResult:
    """Derive the measures of the release in `path` and bring the database up to it.

    `effective_on` is the day the release takes effect (default: today): rows
    it no longer gives end the day before.
    """
    text, sha = read_text(path)
    release = release_of(text)
    derived = derive(text, release)
    latest: dict[tuple[str, str], dict] = {}
    for r in derived:  # sorted by effective_on within a key: the last is the current stage
        latest[(r["measure_id"], r["hts_prefix"])] = r
    effective_on = effective_on or date.today()
    actor = audit.resolve_actor(actor)
    table = table_for("trade_measure")
    blank = {c.name: None for c in table.columns} | {"extra": {}}
    with write_tx(engine) as conn:
        stored = {(r.measure_id, r.hts_prefix): dict(r._mapping) for r in conn.execute(select(table))}
        held: dict[tuple[str, str], Measure] = {}
        for m in all_measures([_Row(v) for v in stored.values()]):
            held[(m.measure_id, m.hts_prefix)] = m  # sorted by date: the last is the current stage
        inserts, updates = [], []
        new = changed = ended = 0
        where = {"source_sheet": f"HTS {release} chapter 99", "source_row": None}
        for key, r in latest.items():
            v = _values(r)
            m = held.get(key)
            if m is not None and _same(m, v):
                continue
            if m is None:
                new += 1
            else:
                changed += 1
            row = {**blank, **v, **where}
            (updates if key in stored else inserts).append((stored.get(key), row))
        for key, m in held.items():
            if key in latest or m.expires_on is not None or not m.source.startswith("HTS "):
                continue
            ends = effective_on - timedelta(days=1)
            if ends < m.effective_on:
                ends = m.effective_on
            row = {**blank, "measure_id": m.measure_id, "hts_prefix": m.hts_prefix, "kind": m.kind,
                   "country": m.country, "effective_on": m.effective_on, "description": m.description or None,
                   "expires_on": ends, "rate": m.rate, "heading": m.heading or None,
                   "source": f"{m.source}; not in HTS {release}", "exclusion": m.exclusion or None, **where}
            (updates if key in stored else inserts).append((stored.get(key), row))
            ended += 1
        if not (inserts or updates):
            return LoadResult(release, len(derived), 0, 0, 0, None)
        batch = {"file_name": Path(path).name, "file_sha256": sha, "imported_at": audit.utc_now(),
                 "actor": actor, "summary": {"TradeMeasures": {"new": new, "changed": changed, "ended": ended,
                                                                "release": f"HTS {release}"}}}
        batch_id = conn.execute(table_for("import_batch").insert().values(**batch)).inserted_primary_key[0]
        batch["id"] = batch_id
        changes = [audit.Change("insert", "import_batch", audit.row_key("import_batch", batch), None,
                                audit.row_json(batch))]
        rows = [row | {"batch_id": batch_id} for _, row in inserts]
        bulk_insert(conn, table, rows)
        changes += [audit.Change("insert", "trade_measure", audit.row_key("trade_measure", r), None,
                                 audit.row_json(r)) for r in rows]
        if updates:
            params = []
            for old, row in updates:
                row = {**old, **row, "extra": old.get("extra") or {}, "batch_id": batch_id}
                params.append({**row, "_k_measure_id": old["measure_id"], "_k_hts_prefix": old["hts_prefix"]})
                changes.append(audit.Change("update", "trade_measure", audit.row_key("trade_measure", row),
                                            audit.row_json(old), audit.row_json(row)))
            stmt = table.update().where(table.c.measure_id == bindparam("_k_measure_id"),
                                        table.c.hts_prefix == bindparam("_k_hts_prefix"))
            conn.execute(stmt, params)
        audit.append(conn, changes, actor, batch_id)
    return LoadResult(release, len(derived), new, changed, ended, batch_id)


class _Row:
    """A stored trade_measure row read as all_measures reads imported rows."""

    def __init__(self, values: dict):
        self.__dict__.update(values)
