"""The package: everything the sheets of one report show, from one determination run."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from ..audit import head
from ..canonical import canonical_json
from ..determination import Determination, EntryResult, determine
from ..findings import NotFound, TrackerError
from ..models import AuditRecord, table_for
from ..requests.due_diligence import due_diligence_log

__all__ = ["Package", "build_package"]


@dataclass
class Package:
    d: Determination
    results: list[EntryResult]
    audit_head: tuple[int, str]
    db_label: str
    records: list[Any] = field(default_factory=list)  # audit records of everything in the package
    batches: list[Any] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)  # requests to suppliers about these entries
    made_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc).replace(microsecond=0))
    edition: Any = None  # the submission's Edition (submission.py); None for the internal review
    bates_prefix: str = ""
    cache: dict[str, Any] = field(default_factory=dict)  # what several sheets share, computed once


def build_package(conn: Connection, entries: list[str], store: Path | None, db_label: str = "") -> Package:
    if not entries:
        raise TrackerError("name at least one --entry")
    d = determine(conn, store)
    known = {e.entry_number for e in d.chain.entries}
    missing = [e for e in entries if e not in known]
    if missing:
        raise NotFound(f"no entry {missing[0]!r} in the database")
    wanted = set(entries)
    results = [d.entry(e) for e in d.chain.entries if e.entry_number in wanted]
    pkg = Package(d, results, head(conn), db_label)
    keys = _record_keys(pkg)
    pkg.records = _audit_records(conn, keys)
    batch_ids = sorted({r.batch_id for r in pkg.records if r.batch_id is not None})
    batches = table_for("import_batch")
    pkg.batches = list(conn.execute(select(batches).where(batches.c.id.in_(batch_ids)).order_by(batches.c.id)))
    pkg.requests = due_diligence_log(conn, entries)
    return pkg


def _record_keys(pkg: Package) -> dict[str, set[str]]:
    """table -> canonical keys of every stored row this package rests on."""
    chain = pkg.d.chain
    keys: dict[str, set[str]] = defaultdict(set)
    for r in pkg.results:
        up = r.context.upstream
        e = r.entry
        keys["entry"].add(canonical_json([e.entry_number, e.lot_id]))
        for lot in up.lots:
            keys["lot"].add(canonical_json([lot]))
            keys["item"].add(canonical_json([chain.lots[lot].item_id]))
        for pid in up.processes:
            keys["process"].add(canonical_json([pid]))
            for pl in chain.inputs_of.get(pid, ()) + chain.outputs_of.get(pid, ()):
                keys["process_lot"].add(canonical_json([pl.process_id, pl.role, pl.lot_id]))
        for s in up.shipments:
            keys["shipment"].add(canonical_json([s.shipment_id, s.lot_id]))
        for f in up.facilities:
            keys["facility"].add(canonical_json([f]))
        for c in up.companies:
            keys["company"].add(canonical_json([c]))
        for doc in up.documents:
            keys["document"].add(canonical_json([doc.document_id]))
    return keys


def _audit_records(conn: Connection, keys: dict[str, set[str]]) -> list[Any]:
    t = AuditRecord.__table__
    out = []
    for table, wanted in keys.items():
        wanted = sorted(wanted)
        for i in range(0, len(wanted), 5000):
            out.extend(conn.execute(select(t).where(t.c.table_name == table,
                                                    t.c.record_key.in_(wanted[i:i + 5000]))).fetchall())
    return sorted(out, key=lambda r: r.seq)

