"""What an import does about requests: closing the items it answers, and holding back a
returned workbook's changes to rows nobody asked the supplier about.

Every import, of any file, closes the open request items it answers: a
document of an asked-for type now covers the subject, an asked-for column now
has a value, a lot whose origin was unknown now has one, or was made from
recorded inputs, or is named as coming from a facility outside the supplier's.
Items are judged on the database as the import would leave it (its rows laid
over the stored ones), so a dry run says the same as the import.

A workbook that carries a Request sheet is a supplier's answer to that
request. Its rows may correct what was sent and add new rows; a change to a
stored row that was not sent (another supplier's, or the importer's own) is
listed, and the import refuses it unless the user accepts it
(`--accept-changes`). A requested document row sent back as it was (no
document_id and nothing else filled in) is skipped with a warning rather than
refused, so a partial answer imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import orjson
from sqlalchemy import Connection, select

from .. import audit
from ..findings import Collector, Finding, TrackerError
from ..models import table_for
from ..sources import Source, fold_name

__all__ = ["ReturnedRequest", "read_returned", "Review", "review", "close_answered", "UnrequestedChanges"]

_REQUEST_SHEET = "request"  # fold_name of workbook.REQUEST_SHEET
_NUMBER_LABEL = "request number"
_PLACEHOLDER_KEEP = {"doc_type", "covers_type", "covers_id"}
_PROVENANCE = {"batch_id", "source_sheet", "source_row", "extra"}


class UnrequestedChanges(TrackerError):
    """A returned request changes stored rows that were not sent to the supplier."""

    def __init__(self, request_id: int, changes: list[str]):
        self.request_id, self.changes = request_id, changes
        super().__init__(f"the workbook answers request {request_id} but changes {len(changes)} row(s) "
                         "that were not sent to the supplier; nothing was imported. Check them with "
                         "--dry-run, then import with --accept-changes to accept them")


@dataclass
class ReturnedRequest:
    number: int


def read_returned(source: Source, warnings: Collector) -> ReturnedRequest | None:
    """The request a workbook answers, from its Request sheet; untouched requested-document
    rows are taken out of its Documents sheet (each with a warning)."""
    sheet = source.sheets.get(_REQUEST_SHEET)
    if sheet is None:
        return None
    number = None
    for _, cells in sheet.rows:
        if cells and str(cells[0] or "").strip().lower() == _NUMBER_LABEL and len(cells) > 1:
            try:
                number = int(float(cells[1]))
            except (TypeError, ValueError):
                number = None
            break
    if number is None:
        return None
    docs = source.sheets.get("documents")
    if docs is not None and docs.header:
        docs.rows = _skip_placeholders(docs.name, docs.header, docs.rows, warnings)
    return ReturnedRequest(number)


def _skip_placeholders(sheet: str, header: list[str], rows: Iterator[tuple[int, list[Any]]],
                       warnings: Collector) -> Iterator[tuple[int, list[Any]]]:
    names = [fold_name(h) for h in header]
    for number, cells in rows:
        filled = {names[i]: c for i, c in enumerate(cells)
                  if i < len(names) and c not in (None, "") and str(c).strip()}
        if filled and "document_id" not in filled and set(filled) <= _PLACEHOLDER_KEEP:
            what = str(filled.get("doc_type", "document")).replace("_", " ")
            about = f"{filled.get('covers_type', '')} {filled.get('covers_id', '')}".strip()
            warnings.add("NOT_ANSWERED", f"the {what} requested for {about} was left blank; row skipped",
                         sheet=sheet, row=number, severity="warning")
            continue
        yield number, cells


@dataclass
class Review:
    request_id: int | None = None
    known: bool = False  # the request is in this database's log
    outside: list[str] = field(default_factory=list)  # changes to rows not sent, in words
    corrected: list[str] = field(default_factory=list)  # values of rows sent that it replaces, in words
    answered: list[dict] = field(default_factory=list)  # items this import answers


class _State:
    """The database as the import would leave it: stored rows with the file's rows laid over."""

    def __init__(self, conn: Connection, changes: list[tuple[str, list[dict], list[tuple[dict, dict]]]],
                 wanted: dict[str, set[str]]):
        self.conn = conn
        self.over: dict[str, dict[tuple, dict]] = {}
        for table, inserts, updates in changes:
            if table not in wanted:
                continue
            pk = [c.name for c in table_for(table).primary_key.columns]
            field_ = {"document": "covers_id", "process_lot": "lot_id"}.get(table, pk[0])
            ids = wanted[table]
            rows = self.over.setdefault(table, {})
            for new in list(inserts) + [n for _, n in updates]:
                if new[field_] in ids:
                    rows[tuple(new[k] for k in pk)] = new

    def rows(self, table: str, column: str, value: str, **where: Any) -> list[dict]:
        t = table_for(table)
        pk = [c.name for c in t.primary_key.columns]
        cond = [t.c[column] == value] + [t.c[k] == v for k, v in where.items()]
        found = {tuple(r._mapping[k] for k in pk): dict(r._mapping) for r in self.conn.execute(select(t).where(*cond))}
        for key, row in self.over.get(table, {}).items():
            found.pop(key, None)
            if row[column] == value and all(row[k] == v for k, v in where.items()):
                found[key] = row
        return list(found.values())


def _answered(state: _State, item: Any, facilities: set[str]) -> bool:
    kind, ident = item.kind, item.subject_id
    if item.kind == "document":
        types = set(item.detail.split("|"))
        return any(d["doc_type"] in types for d in state.rows("document", "covers_id", ident,
                                                                covers_type=item.subject_type))
    key = "shipment_id" if item.subject_type == "shipment" else f"{item.subject_type}_id"
    rows = state.rows(item.subject_type, key, ident)
    if kind == "fact":
        return any(r[item.detail] is not None for r in rows)
    # source: the lot's origin is now known, or where it came from is
    lot = rows[0] if rows else None
    if lot is None:
        return False
    if lot["origin_country"] is not None or lot["facility_id"] not in facilities:
        return True
    if state.rows("process_lot", "lot_id", ident, role="output"):
        return True
    return any(s["from_facility_id"] not in facilities
               for s in state.rows("shipment", "lot_id", ident) if s["to_facility_id"] in facilities)


def review(conn: Connection, returned: ReturnedRequest | None,
           changes: Iterable[tuple[str, list[dict], list[tuple[dict, dict]]]],
           warnings: list[Finding] | None = None) -> Review:
    """What an import would answer, and for a returned request, what it changes outside it.

    `changes`: per table, the rows the import inserts and the (old, new) rows it updates.
    A request number this database has no record of is warned about in `warnings`."""
    changes = list(changes)
    out = Review(returned.number if returned else None)
    requests, items = table_for("supply_request"), table_for("request_item")
    sent = None
    if returned:
        sent = conn.execute(select(requests).where(requests.c.id == returned.number)).first()
        out.known = sent is not None
        if not out.known:
            out.request_id = None
        if not out.known and warnings is not None:
            warnings.append(Finding("UNKNOWN_REQUEST", "warning", f"the workbook answers request "
                                    f"{returned.number}, which this database has no record of: it is "
                                    "imported as an ordinary workbook", sheet="Request"))
    if sent is not None:
        allowed = {t: set(keys) for t, keys in sent.rows.items()}
        asked = {(it.subject_type, it.subject_id, col) for it in conn.execute(
                     select(items).where(items.c.request_id == sent.id))
                 for col in ((it.detail, "facility_id") if it.kind == "source" else (it.detail,))}
        for table, _, updates in changes:
            for old, new in updates:
                key = audit.row_key(table, new)
                label = f"{table} {' / '.join(map(str, orjson.loads(key)))}"
                if key not in allowed.get(table, ()):
                    what = audit.describe("update", audit.row_json(old), audit.row_json(new))
                    out.outside.append(f"{label}: {what} (not sent in request {sent.id})")
                    continue
                # A value the supplier had given before and now replaces: shown, not refused.
                first = orjson.loads(key)[0]
                was = {k: v for k, v in old.items()
                       if v is not None and k not in _PROVENANCE and (table, first, k) not in asked}
                now = {k: new.get(k) for k in was}
                if was != now:
                    out.corrected.append(f"{label}: {audit.describe('update', audit.row_json(was), audit.row_json(now))}")
    open_items = conn.execute(select(items).where(items.c.status == "open")
                              .order_by(items.c.request_id, items.c.item_no)).fetchall()
    if not open_items or not any(ins or upd for _, ins, upd in changes):
        return out
    wanted: dict[str, set[str]] = {}
    for it in open_items:
        wanted.setdefault("document" if it.kind == "document" else it.subject_type, set()).add(it.subject_id)
        if it.kind == "source":
            wanted.setdefault("process_lot", set()).add(it.subject_id)
            wanted.setdefault("shipment", set())
    # A source item also looks at the lot's shipments, keyed by shipment id: lay them all over.
    if "shipment" in wanted:
        wanted["shipment"] |= {n["shipment_id"] for t, ins, upd in changes if t == "shipment"
                               for n in list(ins) + [n for _, n in upd]}
    state = _State(conn, changes, wanted)
    facilities = {r.id: set(r.facilities) for r in conn.execute(select(requests.c.id, requests.c.facilities))}
    for it in open_items:
        if _answered(state, it, facilities.get(it.request_id, set())):
            out.answered.append({"request": it.request_id, "item": it.item_no, "asked": it.text})
    return out


def close_answered(conn: Connection, answered: list[dict], batch_id: int, actor: str) -> None:
    """Mark the items answered by import batch `batch_id`, with their audit records."""
    if not answered:
        return
    items = table_for("request_item")
    at = audit.utc_now()
    changes = []
    for a in answered:
        cond = (items.c.request_id == a["request"]) & (items.c.item_no == a["item"])
        old = dict(conn.execute(select(items).where(cond)).one()._mapping)
        new = {**old, "status": "answered", "answered_at": at, "answered_batch": batch_id}
        conn.execute(items.update().where(cond).values(status="answered", answered_at=at, answered_batch=batch_id))
        changes.append(audit.Change("update", "request_item", audit.row_key("request_item", new),
                                    audit.row_json(old), audit.row_json(new)))
    audit.append(conn, changes, actor, batch_id)
