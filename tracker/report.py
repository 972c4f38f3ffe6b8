"""`tracker report`: the evidence workbook an importer hands to CBP.

CBP reviewers (CF-28 requests, focused assessments, EAPA inquiries) ask for
an index "like a book", numbered production steps and documents that refer to
each other; missing records are held against the importer. The workbook is
built from one determination run and laid out by a layout file in `reports/`
(`default.toml`, or a team's own per inquiry type): which sheets, in which
order, which columns with which headers.

Supplier text is data, never a formula or a link: a string starting with
`=`, `+`, `-`, `@`, a tab or a carriage return is written as a text cell with
Excel's quote prefix. Sheets are written in openpyxl's write-only mode so a
package with ten thousand upstream lots takes seconds.
"""

from __future__ import annotations

import io
import os
from copy import copy
import re
import tempfile
import textwrap
import tomllib
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable

import orjson
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Connection, select

from . import __version__
from .audit import describe, evidence_path, head
from .canonical import canonical_json, decimal_text, file_sha256, jsonable
from .determination import Determination, EntryResult, determine
from .findings import NotFound, TrackerError
from .flags import entered_at, lot_balance, missing_documents, output_by_year, process_balance
from .models import AuditRecord, table_for
from .origin import process_class
from .schemas import flag_info
from .values import country_name

__all__ = ["write_report", "write_package", "load_layout", "Package", "build_package", "LAYOUTS_DIR",
           "neutralize"]

LAYOUTS_DIR = Path(__file__).resolve().parent.parent / "reports"
_HOSTILE = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
_SEVERITY_FILL = {"high": PatternFill("solid", fgColor="F8CBAD"), "medium": PatternFill("solid", fgColor="FFE699"),
                  "low": PatternFill("solid", fgColor="DDEBF7"), "info": PatternFill("solid", fgColor="EDEDED")}
_MISSING_FILL = PatternFill("solid", fgColor="F8CBAD")
_MAX_CELL = 32_767
_HEADER_STYLE = {"font": _HEADER_FONT, "fill": _HEADER_FILL, "alignment": _WRAP}
_BODY_STYLE = {"alignment": _WRAP}
_FILLED_STYLE = {id(f): {"alignment": _WRAP, "fill": f} for f in (*_SEVERITY_FILL.values(), _MISSING_FILL)}


def load_layout(name: str | os.PathLike | None = None) -> dict:
    """A layout by name (`default`, `cf28`: files in reports/) or by path."""
    path = Path(name) if name and (str(name).endswith(".toml") or os.sep in str(name)) else \
        LAYOUTS_DIR / f"{name or 'default'}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in LAYOUTS_DIR.glob("*.toml")))
        raise TrackerError(f"no report layout {str(name)!r} (known: {known}, or give a .toml path)")
    try:
        layout = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TrackerError(f"report layout {path}: {exc}") from None
    for sheet in layout.get("sheet", []):
        if sheet.get("kind") not in SHEET_KINDS:
            raise TrackerError(f"report layout {path}: unknown sheet kind {sheet.get('kind')!r} "
                               f"(known: {', '.join(SHEET_KINDS)})")
    layout["path"] = str(path)
    return layout


# --- the package: everything the sheets show -------------------------------------------------

@dataclass
class Package:
    d: Determination
    results: list[EntryResult]
    audit_head: tuple[int, str]
    db_label: str
    records: list[Any] = field(default_factory=list)  # audit records of everything in the package
    batches: list[Any] = field(default_factory=list)
    made_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc).replace(microsecond=0))


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


# --- rows of each sheet ----------------------------------------------------------------------

def _qty(q: Decimal | None, unit: str | None = "") -> str:
    if q is None:
        return ""
    whole, _, frac = decimal_text(q).partition(".")
    return f"{int(whole):,}" + (f".{frac}" if frac else "") + (f" {unit}" if unit else "")


def _legal_basis(r: EntryResult) -> str:
    b = r.basis
    if b.rule == "process_class":
        return (f"Substantial transformation (19 CFR 134.1(b)): {b.process_type} is a substantial process; "
                f"the goods take the origin of the country where it happened, {country_name(b.country)}.")
    if b.rule == "ruling":
        return (f"Substantial transformation (19 CFR 134.1(b)) as settled for this item by ruling {b.ruling_id}: "
                f"{b.process_type} in {country_name(b.country)} confers origin.")
    if b.rule == "claimed_origin":
        return (f"Claimed origin of a raw input with no recorded inputs ({b.lot_id}): the supplier states "
                f"{country_name(b.country)}; its certificate or mill certificate must support it.")
    return f"No origin can be determined: lot {b.lot_id} has no recorded inputs and no claimed origin."


def _later_steps(pkg: Package, r: EntryResult) -> str:
    chain, out = pkg.d.chain, []
    for lot in r.context.line:
        if lot == r.basis.lot_id:
            break
        pid = chain.made_by.get(lot)
        if pid:
            p = chain.processes[pid]
            klass, _ = process_class(chain, pid, chain.lots[lot].item_id)
            out.append(f"{p.process_type} at {p.facility_id} ({chain.country_of(p.facility_id)}): {klass}")
    return "; ".join(reversed(out))


def determination_rows(pkg: Package) -> Iterable[dict]:
    chain = pkg.d.chain
    for r in pkg.results:
        e = r.entry
        yield {"entry_number": e.entry_number, "lot_id": e.lot_id,
               "item": chain.items[chain.lots[e.lot_id].item_id].description, "hts": e.hts,
               "entry_date": e.entry_date, "declared_origin": e.declared_origin,
               "computed_origin": r.computed_origin or "unknown", "legal_basis": _legal_basis(r),
               "origin_basis": r.basis.text(), "later_steps": _later_steps(pkg, r),
               "other_origin_inputs": ", ".join(f"{lot} ({c or 'unknown'})" for lot, c in r.other_origin_inputs),
               "route": " > ".join(r.route)}


def _docs_text(chain, kind: str, ident: str) -> str:
    return "; ".join(f"{d.document_id} {d.doc_type}" + (f" {d.reference_no}" if d.reference_no else "")
                     for d in chain.documents_on.get((kind, ident), ()))


def _story_order(chain, up) -> list[str]:
    """Upstream lots, each after its inputs, and otherwise oldest first."""
    import networkx as nx

    def when(node: str) -> str:
        kind, _, ident = node.partition(":")
        d = chain.lots[ident].produced_on if kind == "lot" else chain.processes[ident].completed_on
        return f"{d.isoformat() if d else '9999'} {node}"

    nodes = [f"lot:{x}" for x in up.lots] + [f"process:{p}" for p in up.processes]
    order = nx.lexicographical_topological_sort(chain.graph.subgraph(nodes), key=when)
    return [n[4:] for n in order if n.startswith("lot:")]


def route_rows(pkg: Package) -> Iterable[dict]:
    chain = pkg.d.chain
    for r in pkg.results:
        up, e = r.context.upstream, r.entry
        order = _story_order(chain, up)
        main = set(r.context.line)
        main_procs = {chain.made_by[x] for x in main if x in chain.made_by}
        ships: dict[str, list] = defaultdict(list)
        for s in up.shipments:
            ships[s.lot_id].append(s)
        step, done = 0, set()

        def row(**kw) -> dict:
            nonlocal step
            step += 1
            fid = kw["facility_id"]
            f = chain.facilities[fid]
            return {"entry_number": e.entry_number, "step": step, "facility_name": f.name,
                    "country": f.country, **kw}

        def lots_text(rows) -> str:
            return "; ".join(f"{pl.lot_id}: {_qty(pl.quantity, chain.unit_of(pl.lot_id))}" for pl in rows)

        for lot_id in order:
            if lot_id not in up.lots:
                continue
            lot = chain.lots[lot_id]
            pid = chain.made_by.get(lot_id)
            if pid and pid not in done:
                done.add(pid)
                p = chain.processes[pid]
                klass, ruling = process_class(chain, pid, lot.item_id)
                yield row(date=p.completed_on, facility_id=p.facility_id,
                          event=f"process {pid}: {p.process_type} ({klass}{', ruling ' + ruling if ruling else ''})"
                                + (f". {p.description}" if p.description else ""),
                          lots_in=lots_text(chain.inputs_of.get(pid, ())), lots_out=lots_text(chain.outputs_of[pid]),
                          documents=_docs_text(chain, "process", pid), main_line="yes" if pid in main_procs else "")
            elif not pid:
                claim = f"claimed origin {lot.origin_country}" if lot.origin_country else "no origin claimed"
                yield row(date=lot.produced_on, facility_id=lot.facility_id,
                          event=f"raw material lot {lot_id} recorded ({claim})", lots_in="",
                          lots_out=f"{lot_id}: {_qty(lot.quantity, chain.unit_of(lot_id))}",
                          documents=_docs_text(chain, "lot", lot_id), main_line="yes" if lot_id in main else "")
            for s in ships.get(lot_id, ()):
                to = chain.facilities[s.to_facility_id]
                how = f" by {s.transport_mode}" if s.transport_mode else ""
                bl = f", B/L {s.bill_of_lading}" if s.bill_of_lading else ""
                arrived = f", arrived {s.arrived_on.isoformat()}" if s.arrived_on else ""
                yield row(date=s.shipped_on, facility_id=s.from_facility_id,
                          event=f"shipment {s.shipment_id}{how} to {to.facility_id} {to.name} ({to.country})"
                                f"{bl}{arrived}",
                          lots_in=f"{s.lot_id}: {_qty(s.quantity, chain.unit_of(s.lot_id))}", lots_out="",
                          documents=_docs_text(chain, "shipment", s.shipment_id),
                          main_line="yes" if s.lot_id in main else "")
        where = chain.facilities[r.context.events[-1].to_facility_id or r.context.events[-1].facility_id] \
            if r.context.events else chain.facilities[chain.lots[e.lot_id].facility_id]
        port = f" at port {e.port_of_entry}" if e.port_of_entry else ""
        yield row(date=e.entry_date, facility_id=where.facility_id,
                  event=f"US customs entry {e.entry_number}{port}: HTS {e.hts}, declared origin {e.declared_origin}",
                  lots_in=f"{e.lot_id}: {_qty(e.quantity, chain.unit_of(e.lot_id))}", lots_out="",
                  documents=_docs_text(chain, "entry", e.entry_number), main_line="yes")


def facility_rows(pkg: Package) -> Iterable[dict]:
    chain = pkg.d.chain
    facilities = sorted({f for r in pkg.results for f in r.context.upstream.facilities})
    years: dict[str, set[int]] = defaultdict(set)
    for r in pkg.results:
        for pid in r.context.upstream.processes:
            p = chain.processes[pid]
            years[p.facility_id].add(p.completed_on.year)
    made = output_by_year(chain)
    for fid in facilities:
        f = chain.facilities[fid]
        op = chain.companies.get(f.company_id) if f.company_id else None
        chain_text, cid, seen = [], f.company_id, set()
        while cid and cid in chain.companies and cid not in seen:
            seen.add(cid)
            c = chain.companies[cid]
            chain_text.append(f"{c.name} ({c.country})")
            cid = c.parent_company_id
        output = {y: made.get((fid, y), Decimal(0)) for y in sorted(years.get(fid, ()))}
        status = ""
        if f.annual_capacity is not None and output:
            over = [y for y, q in output.items() if q > f.annual_capacity]
            status = f"OVER in {', '.join(map(str, over))}" if over else "within capacity"
        yield {"facility_id": fid, "name": f.name, "country": f.country, "facility_type": f.facility_type,
               "address": f.address, "operator": op.name if op else "", "ownership": " owned by ".join(chain_text),
               "established_on": f.established_on, "annual_capacity": f.annual_capacity,
               "capacity_unit": f.capacity_unit,
               "output": "; ".join(f"{y}: {_qty(q, f.capacity_unit)}" for y, q in output.items()) if
               f.annual_capacity is not None else "", "status": status}


def mass_balance_rows(pkg: Package) -> Iterable[dict]:
    chain = pkg.d.chain
    entered = entered_at(chain)
    for r in pkg.results:
        up, number = r.context.upstream, r.entry.entry_number
        for pid in sorted(up.processes):
            for unit, (ins, outs) in process_balance(chain, pid).items():
                yield {"entry_number": number, "subject": f"process {pid}",
                       "facility_id": chain.processes[pid].facility_id, "unit": unit, "quantity_in": ins,
                       "quantity_out": outs, "detail": "outputs against inputs (2% allowed)",
                       "status": "EXCEEDS" if outs > ins * Decimal("1.02") else "ok"}
        for lot_id in sorted(up.lots):
            unit = chain.unit_of(lot_id)
            for fid, (arrived, ways) in sorted(lot_balance(chain, lot_id, entered.get(lot_id, [])).items()):
                out = sum(ways.values(), Decimal(0))
                yield {"entry_number": number, "subject": f"lot {lot_id}", "facility_id": fid, "unit": unit,
                       "quantity_in": arrived, "quantity_out": out,
                       "detail": ", ".join(f"{k} {_qty(v)}" for k, v in sorted(ways.items())),
                       "status": "EXCEEDS" if out > arrived else "ok"}


def document_rows(pkg: Package) -> Iterable[dict]:
    store = pkg.d.evidence_store
    for r in pkg.results:
        number = r.entry.entry_number
        tampered = {s.split(":", 1)[1] for f in r.flags if f.code == "DOC_TAMPERED" for s in f.subjects}
        for doc in r.context.upstream.documents:
            held = bool(doc.stored and store and evidence_path(store, doc.sha256).is_file())
            status = "TAMPERED" if doc.document_id in tampered else "held" if held else "on record"
            yield {"entry_number": number, "status": status, "document_id": doc.document_id,
                   "doc_type": doc.doc_type, "reference_no": doc.reference_no, "issuer": doc.issuer,
                   "issued_on": doc.issued_on, "covers": f"{doc.covers_type} {doc.covers_id}",
                   "stated_origin": doc.stated_origin, "file": doc.file, "sha256": doc.sha256}
        for (kind, ident), types in sorted(missing_documents(r.context).items()):
            for t in types:
                yield {"entry_number": number, "status": "MISSING", "doc_type": t, "covers": f"{kind} {ident}"}


def flag_rows(pkg: Package) -> Iterable[dict]:
    info = flag_info()
    for r in pkg.results:
        for f in r.flags:
            yield {"entry_number": r.entry.entry_number, "severity": f.severity, "code": f.code,
                   "message": f.message, "subjects": ", ".join(f.subjects),
                   "meaning": info[f.code]["meaning"], "answer": info[f.code]["answer"]}


def measure_rows(pkg: Package) -> Iterable[dict]:
    for r in pkg.results:
        for m in r.context.measures:
            applies = ("computed origin" if m.country == r.computed_origin else
                       "declared origin" if m.country == r.entry.declared_origin else "another country")
            yield {"entry_number": r.entry.entry_number, "measure_id": m.measure_id, "kind": m.kind,
                   "country": m.country, "hts_prefix": m.hts_prefix, "effective_on": m.effective_on,
                   "applies": applies, "description": m.description, "federal_register": m.federal_register,
                   "note": m.note or "Confirm scope against the order's written description."}


def audit_rows(pkg: Package) -> Iterable[dict]:
    for rec in pkg.records:
        key = orjson.loads(rec.record_key)
        yield {"seq": rec.seq, "at": rec.at, "actor": rec.actor, "action": rec.action, "table": rec.table_name,
               "key": " / ".join(map(str, key)), "changes": describe(rec.action, rec.before, rec.after), "prev_hash": rec.prev_hash,
               "hash": rec.hash}


def source_rows(pkg: Package) -> Iterable[dict]:
    count: dict[int, int] = defaultdict(int)
    for rec in pkg.records:
        if rec.batch_id is not None:
            count[rec.batch_id] += 1
    for b in pkg.batches:
        yield {"batch_id": b.id, "file_name": b.file_name, "file_sha256": b.file_sha256,
               "imported_at": b.imported_at, "actor": b.actor, "records": count[b.id]}


# --- writing ---------------------------------------------------------------------------------

def neutralize(cell) -> None:
    """Supplier text never becomes a formula: keep it a string cell with Excel's quote prefix."""
    if isinstance(cell.value, str) and cell.value.startswith(_HOSTILE):
        cell.data_type = "s"
        cell.quotePrefix = True


def _style_array(ws, **style) -> Any:
    """The cell style for a combination, computed once per workbook and copied onto cells.

    Assigning a font or fill to a cell makes openpyxl hash the style objects
    each time; copying a ready style array costs nothing, which matters at a
    million cells. The arrays index the workbook's own style tables, so the
    cache lives on the workbook.
    """
    cache = ws.parent.__dict__.setdefault("_tracker_styles", {})
    key = tuple(sorted((k, v if isinstance(v, (str, bool)) else id(v)) for k, v in style.items()))
    found = cache.get(key)
    if found is None:
        probe = WriteOnlyCell(ws)
        for k, v in style.items():
            setattr(probe, k, v)
        found = cache[key] = probe._style
    return found


def _cell(ws, value: Any, **style) -> WriteOnlyCell:
    if isinstance(value, str) and len(value) > _MAX_CELL:
        value = value[:_MAX_CELL - 1] + "…"
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() and abs(value) < 2 ** 53 else float(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, (date, datetime)):
        style["number_format"] = "yyyy-mm-dd" if not isinstance(value, datetime) else "yyyy-mm-dd hh:mm"
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        style["number_format"] = "#,##0.######" if isinstance(value, float) else "#,##0"
    if style:
        cell._style = copy(_style_array(ws, **style))
    neutralize(cell)
    return cell


def _lines(value: Any, width: float) -> int:
    """Lines a wrapped cell needs at a column width (in characters)."""
    if not isinstance(value, str) or len(value) < width - 2 and "\n" not in value:
        return 1
    per_line = max(int(width) - 2, 1)  # a width unit holds about one character of 11pt text
    return sum(max(1, -(-len(part) // per_line)) for part in value.split("\n"))


def _fit_height(ws, row: int, values: list, widths: list[float]) -> None:
    lines = max((_lines(v, w) for v, w in zip(values, widths)), default=1)
    if lines > 1:
        ws.row_dimensions[row].height = min(409, 15 * lines)  # 409 points: Excel's tallest row


def _setup(ws, widths: list[float], landscape: bool = True, grid: bool = True) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_LETTER  # CBP reads US letter
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = grid


_EPOCH = date(1899, 12, 30)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _ILLEGAL.search(text):  # Excel's own escape for characters XML cannot hold
        text = _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text


class _SheetRows:
    """Rows of a big table sheet written as sheet XML directly.

    openpyxl builds a Cell object for every cell, about 25 microseconds each;
    an evidence package for ten thousand upstream lots has over a million
    cells. openpyxl still writes the workbook, its styles, widths, filters and
    print setup; only the rows are streamed here and spliced into the sheet
    part when the workbook is saved (`_splice`). Text goes in as inline
    strings, which are never formulas.
    """

    def __init__(self, wb: Workbook, ws, widths: list[float]):
        self.wb, self.ws, self.widths = wb, ws, widths
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.count = 0
        self.letters = [get_column_letter(i + 1) for i in range(len(widths))]
        self._ids: dict[tuple, int] = {}

    def style(self, base: dict, kind: str) -> int:
        """The style id of a cell of `kind` (text, quoted, int, decimal, date, datetime) in style `base`."""
        key = (id(base), kind)
        sid = self._ids.get(key)
        if sid is None:
            extra = {"quoted": {"quotePrefix": True}, "int": {"number_format": "#,##0"},
                     "decimal": {"number_format": "#,##0.######"}, "date": {"number_format": "yyyy-mm-dd"},
                     "datetime": {"number_format": "yyyy-mm-dd hh:mm"}}.get(kind, {})
            sid = self._ids[key] = self.wb._cell_styles.add(_style_array(self.ws, **base, **extra))
        return sid

    def _kinds(self, style: dict) -> dict[str, int]:
        kinds = self._ids.get(id(style))
        if kinds is None:
            kinds = self._ids[id(style)] = {k: self.style(style, k) for k in
                                            ("text", "quoted", "int", "decimal", "date", "datetime")}
        return kinds

    def append(self, values: list, style: dict) -> None:
        self.count += 1
        r = self.count
        ids = self._kinds(style)
        lines = 1
        parts = []
        for letter, width, v in zip(self.letters, self.widths, values):
            if v is None or v == "":
                if "fill" in style:
                    parts.append(f'<c r="{letter}{r}" s="{ids["text"]}"/>')
            elif isinstance(v, str):
                if len(v) >= width - 2 or "\n" in v:
                    lines = max(lines, _lines(v, width))
                if len(v) > _MAX_CELL:
                    v = v[:_MAX_CELL - 1] + "…"
                sid = ids["quoted"] if v.startswith(_HOSTILE) else ids["text"]
                parts.append(f'<c r="{letter}{r}" s="{sid}" t="inlineStr"><is>'
                             f'<t xml:space="preserve">{_xml_text(v)}</t></is></c>')
            elif isinstance(v, bool):
                parts.append(f'<c r="{letter}{r}" s="{ids["text"]}" t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, int):
                parts.append(f'<c r="{letter}{r}" s="{ids["int"]}"><v>{v}</v></c>')
            elif isinstance(v, (float, Decimal)):
                whole = isinstance(v, Decimal) and v == v.to_integral_value()
                text = decimal_text(v) if isinstance(v, Decimal) else repr(v)
                parts.append(f'<c r="{letter}{r}" s="{ids["int" if whole else "decimal"]}"><v>{text}</v></c>')
            elif isinstance(v, datetime):
                serial = (v.replace(tzinfo=None) - datetime(1899, 12, 30)).total_seconds() / 86400
                parts.append(f'<c r="{letter}{r}" s="{ids["datetime"]}"><v>{serial}</v></c>')
            elif isinstance(v, date):
                parts.append(f'<c r="{letter}{r}" s="{ids["date"]}"><v>{(v - _EPOCH).days}</v></c>')
            else:
                parts.append(f'<c r="{letter}{r}" s="{ids["text"]}" t="inlineStr"><is><t>'
                             f"{_xml_text(str(v))}</t></is></c>")
        ht = f' ht="{min(409, 15 * lines)}" customHeight="1"' if lines > 1 else ""
        self.file.write(f'<row r="{r}"{ht}>{"".join(parts)}</row>')


def _table_sheet(wb: Workbook, spec: dict, rows: Iterable[dict], pending: dict) -> int:
    ws = wb.create_sheet(spec["name"])
    columns = spec["columns"]
    widths = [c.get("width", 14) for c in columns]
    _setup(ws, widths)
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    out = _SheetRows(wb, ws, widths)
    out.append([c["header"] for c in columns], _HEADER_STYLE)
    keys = [c["key"] for c in columns]
    sev = "severity" in keys
    status = "status" in keys
    for row in rows:
        fill = None
        if sev:
            fill = _SEVERITY_FILL.get(row.get("severity"))
        elif status and (row.get("status") in ("MISSING", "TAMPERED", "EXCEEDS") or
                         str(row.get("status", "")).startswith("OVER")):
            fill = _MISSING_FILL
        out.append([row.get(k) for k in keys], _BODY_STYLE if fill is None else _FILLED_STYLE[id(fill)])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(out.count, 2)}"
    pending[ws] = out
    return out.count - 1


def _splice(path: Path, pending: dict) -> None:
    """Put the streamed rows into the sheet parts openpyxl wrote empty."""
    if not pending:
        return
    parts = {ws.path.lstrip("/"): (out, get_column_letter(len(out.widths))) for ws, out in pending.items()}
    tmp = path.with_name(path.name + ".rows")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in parts:
                out, last = parts[info.filename]
                xml = data.decode("utf-8")
                xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:{last}{max(out.count, 1)}"/>', xml, 1)
                head, _, tail = re.split(r"(<sheetData\s*/>|<sheetData>\s*</sheetData>)", xml, maxsplit=1)
                with zout.open(info.filename, "w") as fh:
                    fh.write(head.encode("utf-8"))
                    fh.write(b"<sheetData>")
                    out.file.seek(0)
                    while chunk := out.file.read(1 << 20):
                        fh.write(chunk.encode("utf-8"))
                    fh.write(b"</sheetData>")
                    fh.write(tail.encode("utf-8"))
                out.file.close()
            else:
                zout.writestr(info, data)
    os.replace(tmp, path)


def _card_sheet(wb: Workbook, spec: dict, rows: Iterable[dict]) -> int:
    """One block per record, a field per line: for long texts a reader takes in one entry at a time."""
    ws = wb.create_sheet(spec["name"])
    _setup(ws, [34, 110], landscape=False)
    n = line = 0
    bold = Font(bold=True)
    for row in rows:
        n += 1
        first, *rest = spec["columns"]
        ws.append([_cell(ws, f"{first['header']} {row.get(first['key'])}", font=_HEADER_FONT, fill=_HEADER_FILL),
                   _cell(ws, None, fill=_HEADER_FILL)])
        line += 1
        for c in rest:
            line += 1
            value = row.get(c["key"])
            _fit_height(ws, line, [c["header"], value], [34, 110])
            ws.append([_cell(ws, c["header"], font=bold, alignment=_TOP),
                       _cell(ws, value, alignment=Alignment(wrap_text=True, vertical="top", horizontal="left"))])
        ws.append([])
        line += 1
    return n


def _index_sheet(wb: Workbook, pkg: Package, layout: dict) -> None:
    ws = wb.create_sheet(next(s["name"] for s in layout["sheet"] if s["kind"] == "index"))
    _setup(ws, [26, 18, 34, 13, 12, 10, 10, 8, 8, 8, 8], landscape=True)
    bold = Font(bold=True)
    importers = sorted({r.entry.importer for r in pkg.results if r.entry.importer})
    seq, chain_head = pkg.audit_head
    counts = {s: sum(1 for r in pkg.results for f in r.flags if f.severity == s)
              for s in ("high", "medium", "low", "info")}
    ws.append([_cell(ws, layout.get("title", "Evidence of country of origin"), font=Font(bold=True, size=16))])
    for label, value in (("Importer", ", ".join(importers) or "(not stated)"),
                         ("Entries", ", ".join(dict.fromkeys(r.entry.entry_number for r in pkg.results))),
                         ("Flags", ", ".join(f"{n} {s}" for s, n in counts.items())),
                         ("Made on (UTC)", pkg.made_at.replace(tzinfo=None)),
                         ("Audit chain head", f"{chain_head} (record {seq})"),
                         ("Database", pkg.db_label),
                         ("Made by", f"tracker {__version__}, layout {Path(layout['path']).stem}")):
        ws.append([_cell(ws, label, font=bold), _cell(ws, value)])
    ws.append([])
    header = ["Entry", "Lot", "Product", "HTS", "Entry date", "Declared", "Computed", "High", "Medium", "Low", "Info"]
    ws.append([_cell(ws, h, font=_HEADER_FONT, fill=_HEADER_FILL) for h in header])
    chain = pkg.d.chain
    for r in pkg.results:
        e = r.entry
        n = {s: sum(1 for f in r.flags if f.severity == s) for s in ("high", "medium", "low", "info")}
        mismatch = r.computed_origin != e.declared_origin
        ws.append([_cell(ws, e.entry_number), _cell(ws, e.lot_id),
                   _cell(ws, chain.items[chain.lots[e.lot_id].item_id].description), _cell(ws, e.hts),
                   _cell(ws, e.entry_date), _cell(ws, e.declared_origin),
                   _cell(ws, r.computed_origin or "unknown", font=Font(bold=True, color="C00000" if mismatch else "000000")),
                   *[_cell(ws, n[s], fill=_SEVERITY_FILL[s]) if n[s] else _cell(ws, 0) for s in n]])
    ws.append([])
    ws.append([_cell(ws, "Sheet", font=_HEADER_FONT, fill=_HEADER_FILL),
               _cell(ws, "What it holds", font=_HEADER_FONT, fill=_HEADER_FILL)])
    row = 10 + len(pkg.results) + 2
    for spec in layout["sheet"]:
        if spec["kind"] == "index":
            continue
        row += 1
        link = _cell(ws, spec["name"], font=Font(color="0563C1", underline="single"))
        link._hyperlink = Hyperlink(ref=f"A{row}", location=f"{quote_sheetname(spec['name'])}!A1",
                                    display=spec["name"])
        ws.append([link, _cell(ws, spec.get("description", ""))])
    ws.append([])
    ws.append([_cell(ws, "Note", font=bold),
               _cell(ws, "Trade measure scope is set by each order's written description and must be confirmed; "
                         "origin follows 19 CFR 134 and the rules in determination-v1.")])


def route_picture(pkg: Package, r: EntryResult) -> bytes:
    """The goods' path through facilities and countries as a PNG, readable when printed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    chain = pkg.d.chain
    stops: list[dict] = []
    arrows: list[tuple[int, int, str]] = []

    def stop(fid: str) -> int:
        if not stops or stops[-1]["fid"] != fid:
            stops.append({"fid": fid, "notes": []})
        return len(stops) - 1

    for ev in r.context.events:
        if ev.kind == "shipment":
            i = stop(ev.facility_id)
            j = stop(ev.to_facility_id)
            arrows.append((i, j, f"{ev.subject.split(':', 1)[1]}\n{ev.on.isoformat() if ev.on else ''}"))
        else:
            i = stop(ev.facility_id)
            if ev.kind == "made":
                p = chain.processes[ev.subject.split(":", 1)[1]]
                klass, _ = process_class(chain, p.process_id, chain.lots[ev.lot_id].item_id)
                stops[i]["notes"].append((f"{p.process_type} ({klass})", klass))
            else:
                stops[i]["notes"].append((f"raw lot {ev.lot_id}", "raw"))
    if not stops:
        stops.append({"fid": chain.lots[r.entry.lot_id].facility_id, "notes": []})
    stops[-1]["notes"].append((f"entry {r.entry.entry_number}", "entry"))
    countries = list(dict.fromkeys(chain.country_of(s["fid"]) for s in stops))
    palette = plt.get_cmap("tab10")
    colour = {c: palette(i % 10) for i, c in enumerate(countries)}
    note_colour = {"substantial": "#1a7f37", "minor": "#b35900", "none": "#666666", "raw": "#1f4e78",
                   "entry": "#000000"}
    n = len(stops)
    cols = min(n, 5)
    rows = (n + cols - 1) // cols
    half = 0.35  # half a box's width; the rest of each column is the arrow and its label
    fig, ax = plt.subplots(figsize=(max(6.5, 3.3 * cols), 1.0 + 2.6 * rows))
    ax.set_xlim(-0.55, cols - 0.45)
    ax.set_ylim(-(rows - 1) * 2.6 - 1.6, 0.9)
    ax.axis("off")

    def pos(i: int) -> tuple[float, float]:
        row, col = divmod(i, cols)
        return col, -row * 2.6

    for i, s in enumerate(stops):
        x, y = pos(i)
        f = chain.facilities[s["fid"]]
        ax.add_patch(FancyBboxPatch((x - half, y - 0.45), 2 * half, 0.9, boxstyle="round,pad=0.02",
                                    fc=(*colour[f.country][:3], 0.18), ec=colour[f.country], lw=2))
        ax.text(x, y + 0.22, f.facility_id, ha="center", va="center", fontsize=10, weight="bold")
        ax.text(x, y - 0.02, textwrap.shorten(f.name, 24, placeholder="…"), ha="center", va="center", fontsize=8)
        ax.text(x, y - 0.26, f"{country_name(f.country)} ({f.country})", ha="center", va="center", fontsize=9,
                color=colour[f.country], weight="bold")
        for k, (note, kind) in enumerate(s["notes"][:4]):
            ax.text(x, y - 0.62 - k * 0.24, textwrap.shorten(note, 30, placeholder="…"), ha="center", va="top",
                    fontsize=8, color=note_colour.get(kind, "#000000"))
    for i, j, label in arrows:
        (x1, y1), (x2, y2) = pos(i), pos(j)
        if y1 == y2:
            ax.add_patch(FancyArrowPatch((x1 + half + 0.02, y1), (x2 - half - 0.02, y2), arrowstyle="-|>",
                                         mutation_scale=16, lw=1.5, color="#333333"))
            ax.text((x1 + x2) / 2, y1 + 0.08, label, ha="center", va="bottom", fontsize=7)
        else:
            ax.add_patch(FancyArrowPatch((x1, y1 - 1.55), (x2, y2 + 0.47), arrowstyle="-|>", mutation_scale=16,
                                         lw=1.5, color="#333333"))
            ax.text((x1 + x2) / 2, (y1 + y2) / 2 - 0.5, label, ha="center", va="center", fontsize=7)
    e = r.entry
    ax.set_title(f"Entry {e.entry_number} (HTS {e.hts}): declared {e.declared_origin}, computed "
                 f"{r.computed_origin or 'unknown'}   route {' > '.join(r.route)}", fontsize=12, loc="left")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _route_map_sheet(wb: Workbook, pkg: Package, spec: dict) -> None:
    from openpyxl.drawing.image import Image
    from openpyxl.worksheet.pagebreak import Break

    ws = wb.create_sheet(spec["name"])
    _setup(ws, [14] * 12, grid=False)
    row = 1
    for r in pkg.results:
        img = Image(io.BytesIO(route_picture(pkg, r)))
        scale = min(1.0, 1100 / img.width)
        img.width, img.height = int(img.width * scale), int(img.height * scale)
        ws.add_image(img, f"A{row}")
        row += int(img.height / 20) + 2
        ws.row_breaks.append(Break(id=row - 1))  # one picture a page
    ws.append([_cell(ws, "")])  # a sheet with only a picture still needs one row to open cleanly


SHEET_KINDS: dict[str, Callable[[Package], Iterable[dict]] | None] = {
    "index": None, "route_map": None,
    "determination": determination_rows, "route": route_rows, "facilities": facility_rows,
    "mass_balance": mass_balance_rows, "documents": document_rows, "flags": flag_rows,
    "measures": measure_rows, "audit": audit_rows, "sources": source_rows,
}


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside `path`, then rename: no half-written file is ever left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a report is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_workbook(pkg: Package, path: Path, layout: dict) -> dict[str, int]:
    wb = Workbook(write_only=True)
    rows: dict[str, int] = {}
    pending: dict = {}
    for spec in layout["sheet"]:
        kind = spec["kind"]
        if kind == "index":
            _index_sheet(wb, pkg, layout)
        elif kind == "route_map":
            _route_map_sheet(wb, pkg, spec)
        else:
            if spec.get("style") == "card":
                rows[spec["name"]] = _card_sheet(wb, spec, SHEET_KINDS[kind](pkg))
            else:
                rows[spec["name"]] = _table_sheet(wb, spec, SHEET_KINDS[kind](pkg), pending)
    wb.save(path)
    _splice(path, pending)
    return rows


def write_report(conn: Connection, entries: list[str], path: str | os.PathLike, *, layout: str | None = None,
                 store: Path | None = None, db_label: str = "") -> Package:
    """Write the evidence workbook for `entries` to `path` (atomically)."""
    spec = load_layout(layout)
    pkg = build_package(conn, entries, store, db_label)
    _atomic(Path(path), lambda tmp: _write_workbook(pkg, tmp, spec))
    return pkg


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "file"


def write_package(conn: Connection, entries: list[str], zip_path: str | os.PathLike, *,
                  layout: str | None = None, store: Path | None = None, db_label: str = "") -> dict:
    """The evidence package: the workbook, the held document files, and a manifest of every
    file's SHA-256 (manifest.json, and SHA256SUMS for `sha256sum -c`)."""
    spec = load_layout(layout)
    pkg = build_package(conn, entries, store, db_label)
    with tempfile.TemporaryDirectory() as tmpdir:
        book = Path(tmpdir) / "evidence.xlsx"
        _write_workbook(pkg, book, spec)
        files = [("evidence.xlsx", book, None)]
        excluded = []
        seen: set[str] = set()
        for r in pkg.results:
            for doc in r.context.upstream.documents:
                if doc.document_id in seen or not (doc.stored and store):
                    continue
                seen.add(doc.document_id)
                src = evidence_path(store, doc.sha256)
                if not src.is_file() or file_sha256(src) != doc.sha256:
                    excluded.append({"document_id": doc.document_id, "reason": "the held file no longer matches "
                                     "its recorded SHA-256"})
                    continue
                name = f"documents/{_safe_name(doc.document_id)}_{_safe_name(Path(doc.file or 'file').name)}"
                files.append((name, src, doc.document_id))
        listed = [{"path": name, "sha256": file_sha256(src), "size": src.stat().st_size,
                   **({"document_id": doc_id} if doc_id else {})} for name, src, doc_id in files]
        manifest = {"made_at": pkg.made_at.isoformat(), "tracker": __version__,
                    "entries": [{"entry_number": r.entry.entry_number, "lot_id": r.entry.lot_id,
                                 "declared_origin": r.entry.declared_origin, "computed_origin": r.computed_origin}
                                for r in pkg.results],
                    "audit_head": {"seq": pkg.audit_head[0], "hash": pkg.audit_head[1]},
                    "files": listed, "excluded": excluded}
        manifest_bytes = orjson.dumps(jsonable(manifest), option=orjson.OPT_INDENT_2)
        import hashlib

        sums = "".join(f"{f['sha256']}  {f['path']}\n" for f in listed)
        sums += f"{hashlib.sha256(manifest_bytes).hexdigest()}  manifest.json\n"

        def write(tmp: Path) -> None:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
                for name, src, _ in files:
                    z.write(src, name)
                z.writestr("manifest.json", manifest_bytes)
                z.writestr("SHA256SUMS", sums)

        _atomic(Path(zip_path), write)
    return manifest
