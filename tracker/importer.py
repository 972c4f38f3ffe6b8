"""`tracker import`: a supplier workbook into the database, all or nothing.

The work runs in three passes:

1. parse: every sheet and cell against schemas/workbook.toml, collecting every
   error as `Sheet!ROW column: message`;
2. resolve: references to rows in the same file or the database, rules that
   span rows (a lot made by two processes, an ownership loop, a shipment whose
   rows disagree), and document files (hashed, checked against the SHA-256
   given);
3. write: inside the write lock, the rows that are new or changed, each with
   its audit record, in one transaction. Any error before this point writes
   nothing; the same file imported twice finds nothing new and writes nothing.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from sqlalchemy import Connection, Engine, bindparam, select, tuple_

from . import audit
from .canonical import canonical_json, file_sha256
from .db import bulk_insert, evidence_dir, read_tx, write_tx
from .findings import Collector, Finding, ImportFailed
from .measures import EVERY_COUNTRY, ORIGIN_FREE_KINDS, parse_measure_country
from .models import table_for
from .requests import returns
from .schemas import SheetSpec, workbook_layout
from .sources import RawSheet, Source, fold_name, read_source
from .values import AmbiguousNumber, BadValue, is_empty, parser_for, read_number

__all__ = ["import_path", "ImportResult", "SheetSummary"]

# Sheets our own template adds; not data, ignored without a warning.
_HELPER_SHEETS = {"instructions", "lists", "readme", "request"}
# covers_type -> (sheet, key column) a document may cover
_COVERS = {"company": ("Companies", "company_id"), "facility": ("Facilities", "facility_id"),
           "lot": ("Lots", "lot_id"), "process": ("Processes", "process_id"),
           "shipment": ("Shipments", "shipment_id"), "entry": ("Entries", "entry_number")}
_LABEL = {"Companies": "company", "Facilities": "facility", "Items": "item", "Lots": "lot",
          "Processes": "process", "Shipments": "shipment", "Entries": "entry"}
_SHIPMENT_HEADER = ("from_facility_id", "to_facility_id", "shipped_on", "arrived_on",
                    "transport_mode", "bill_of_lading")
_CHUNK = 5_000
# Largest document file copied into the evidence store (bytes).
MAX_DOCUMENT = int(os.environ.get("TRACKER_MAX_DOCUMENT", 512 << 20))


@dataclass
class SheetSummary:
    sheet: str
    new: int = 0
    changed: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    source: str
    sha256: str
    dry_run: bool
    batch_id: int | None
    sheets: list[SheetSummary]
    warnings: list[Finding] = field(default_factory=list)
    files_stored: int = 0
    request_id: int | None = None  # the request this workbook answers, when it is a returned one
    outside_changes: list[str] = field(default_factory=list)  # its changes to rows not sent
    corrected: list[str] = field(default_factory=list)  # values of rows sent that it replaces
    answered: list[dict] = field(default_factory=list)  # request items this import answers

    @property
    def changed_anything(self) -> bool:
        return any(s.new or s.changed for s in self.sheets)

    def to_dict(self) -> dict:
        return {"source": self.source, "sha256": self.sha256, "dry_run": self.dry_run,
                "batch_id": self.batch_id, "files_stored": self.files_stored,
                "sheets": [vars(s) for s in self.sheets],
                "warnings": [w.to_dict() for w in self.warnings], "request_id": self.request_id,
                "outside_changes": self.outside_changes, "corrected": self.corrected,
                "answered": self.answered}


@dataclass
class _Row:
    row: int
    values: dict[str, Any]  # field -> parsed value, for the columns the sheet has
    extra: dict[str, str]


@dataclass
class _Sheet:
    spec: SheetSpec
    name: str  # as the file spells it
    present: tuple[str, ...]  # fields whose columns the sheet has
    rows: list[_Row]
    keys: dict[tuple, int]  # key -> spreadsheet row


def import_path(engine: Engine, path: str | os.PathLike, *, actor: str | None = None,
                dry_run: bool = False, progress: Callable[[int], None] | None = None,
                accept_changes: bool = False) -> ImportResult:
    """Import the workbook or CSV folder at `path`.

    Raises `ImportFailed` listing every error; then nothing has been written.
    A returned request that changes rows not sent to the supplier raises
    `UnrequestedChanges` unless `accept_changes` (tracker.requests.returns).
    """
    source = read_source(Path(path))
    errors, warnings = Collector(), Collector()
    returned = returns.read_returned(source, warnings)
    sheets = _parse(source, errors, warnings, progress)
    if not errors and not any(s.rows for s in sheets):
        found = ", ".join(s.name for s in source.sheets.values()) or "none"
        errors.add("EMPTY", f"the workbook has no rows to import (sheets found: {found})", sheet=source.name)
    if errors:
        raise ImportFailed(errors.items, warnings.items)
    files = _check_documents(source, sheets, errors, warnings)
    if errors:
        raise ImportFailed(errors.items, warnings.items)

    tx = read_tx(engine) if dry_run else write_tx(engine)
    with tx as conn:
        _resolve(conn, sheets, errors)
        if errors:
            raise ImportFailed(errors.items, warnings.items)
        plan = _diff(conn, sheets)
        # Never build on a row changed behind the tracker's back: every row this file
        # names must hold what the trail last recorded for it.
        audit.refuse_drift([f for s, p in zip(sheets, plan) if p.current
                            for f in audit.drift(conn, s.spec.table, p.current)])
        summaries = [SheetSummary(s.spec.name, len(p.inserts), len(p.updates), p.unchanged)
                     for s, p in zip(sheets, plan) if s.rows]
        result = ImportResult(source.name, source.sha256, dry_run, None, summaries, warnings.items)
        review = returns.review(conn, returned, [(s.spec.table, p.inserts, p.updates)
                                                 for s, p in zip(sheets, plan)], result.warnings)
        result.request_id = review.request_id
        result.outside_changes, result.answered = review.outside, review.answered
        result.corrected = review.corrected
        if dry_run or not result.changed_anything:
            return result
        if review.outside and not accept_changes:
            raise returns.UnrequestedChanges(review.request_id, review.outside)
        actor = audit.resolve_actor(actor)
        result.batch_id, result.files_stored = _write(conn, engine, source, sheets, plan, files,
                                                      summaries, actor)
        returns.close_answered(conn, review.answered, result.batch_id, actor)
    return result


# --- pass 1: parse -------------------------------------------------------------

def _parse(source: Source, errors: Collector, warnings: Collector,
           progress: Callable[[int], None] | None) -> list[_Sheet]:
    layout = workbook_layout()
    known = {fold_name(s.name): s.name for s in layout}
    for folded, raw in source.sheets.items():
        if folded in known or folded in _HELPER_SHEETS:
            continue
        near = _resembles(folded, known)
        if near:
            errors.add("UNKNOWN_SHEET", f"sheet {raw.name!r} is not a sheet of the supplier workbook but "
                       f"resembles {near!r}: rename it {near!r} (or delete it) so that its rows are read",
                       sheet=raw.name)
        else:
            warnings.add("UNKNOWN_SHEET", f"sheet {raw.name!r} is not part of the supplier workbook "
                         "and was ignored", sheet=raw.name, severity="warning")
    for raw in source.sheets.values():
        try:
            parser_for("text")(raw.name)  # stored as each row's source_sheet
        except BadValue as exc:
            errors.add("BAD_VALUE", f"sheet name {exc}", sheet=repr(raw.name))
    out = []
    for spec in layout:
        raw = source.sheets.get(fold_name(spec.name))
        out.append(_parse_sheet(spec, raw, errors, warnings, progress) if raw else
                   _Sheet(spec, spec.name, (), [], {}))
    return out


def _edits(a: str, b: str) -> int:
    """Levenshtein distance, for the few header names that match nothing."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _resembles(folded: str, known: dict[str, str]) -> str | None:
    """The known name (folded -> as written) that `folded` is most likely a slip for:
    a year or number appended (`Shipments 2024`), a singular (`Shipment`, `Entry`) or a
    typo of a letter or two (`Orgin_country`). None for an unrelated name."""
    stem = folded.rstrip("0123456789") or folded
    if len(stem) < 3:
        return None
    forms = {stem, stem + "s", stem + "es", stem[:-1] + "ies" if stem.endswith("y") else stem}
    for k, name in known.items():
        if k in forms:
            return name
    best = min(known, key=lambda k: _edits(stem, k))
    if _edits(stem, best) <= (1 if len(stem) <= 5 else 2):
        return known[best]
    return None


def _letter(index: int) -> str:
    """The spreadsheet's letter of the column at 0-based `index` (0 -> A, 26 -> AA)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


@dataclass
class _Header:
    """Where each column of a sheet is, as its header row says."""

    columns: list[tuple[int, Any]]  # (cell index, ColumnSpec)
    extras: list[tuple[int, str]]  # (cell index, title): unknown columns kept as extra attributes
    headerless: list[int]  # cell indexes under no title: a value there would be lost
    usable: bool  # False when a required column is missing or a title must be corrected first


def _read_header(spec: SheetSpec, raw: RawSheet, errors: Collector, warnings: Collector) -> _Header:
    """Find the header row (below a title, perhaps) and match its titles to the spec's columns."""
    by_name = {fold_name(c.name): c for c in spec.columns}
    raw.locate_header(lambda cells: sum(fold_name(c) in by_name for c in cells))
    found_on = f" (headers found on row {raw.header_row})" if raw.header_row > 1 else ""
    if raw.skipped_above:
        warnings.add("HEADER_ROW", f"headers found on row {raw.header_row}; the {raw.skipped_above} "
                     f"non-empty row(s) above them (a title?) were not imported", sheet=raw.name,
                     row=raw.header_row, severity="warning")
    header = _Header([], [], [], True)
    seen: set[str] = set()
    unknown: list[tuple[int, str, str]] = []
    for i, title in enumerate(raw.header):
        folded = fold_name(title)
        if not folded:
            header.headerless.append(i)
        elif folded in seen:
            errors.add("DUPLICATE_COLUMN", f"column {title!r} appears twice{found_on}", sheet=raw.name,
                       row=raw.header_row, column=title)
        elif folded in by_name:
            seen.add(folded)
            header.columns.append((i, by_name[folded]))
        else:
            seen.add(folded)
            unknown.append((i, title, folded))
    have = {c.name for _, c in header.columns}
    absent = {k: c.name for k, c in by_name.items() if c.name not in have}
    for i, title, folded in unknown:
        try:
            parser_for("text")(title)  # an extra attribute's name is stored: no control characters
        except BadValue as exc:
            header.usable = False
            errors.add("BAD_VALUE", f"header {exc}", sheet=raw.name, row=raw.header_row,
                       column=f"column {_letter(i)}")
            continue
        near = _resembles(folded, absent) if absent else None
        if near:
            header.usable = False
            errors.add("UNKNOWN_COLUMN", f"column {title!r} is not a column of {spec.name} but resembles "
                       f"{near!r}: rename it {near!r}, or rename it clearly apart to keep it as an extra "
                       f"attribute{found_on}", sheet=raw.name, row=raw.header_row, column=title)
        else:
            header.extras.append((i, title))
    for c in spec.columns:
        if c.required and c.name not in have:
            header.usable = False
            errors.add("MISSING_COLUMN", f"missing required column{found_on}", sheet=raw.name,
                       row=raw.header_row or 1, column=c.name)
    return header


def _parse_sheet(spec: SheetSpec, raw: RawSheet, errors: Collector, warnings: Collector,
                 progress: Callable[[int], None] | None) -> _Sheet:
    header = _read_header(spec, raw, errors, warnings)
    columns, extras, headerless = header.columns, header.extras, header.headerless
    sheet = _Sheet(spec, raw.name, tuple(c.field for _, c in columns), [], {})
    if not header.usable:
        return sheet
    width = len(raw.header)
    # A number text such as 1.200 is settled by the column's other cells: which
    # convention (decimal point or comma) each quantity column shows, first on which row.
    conventions: dict[str, dict[str, int]] = {}
    pending: list[tuple[dict, Any, AmbiguousNumber, int]] = []
    at = [0]

    def quantity_parser(col) -> Callable[[Any], Any]:
        shown = conventions.setdefault(col.name, {})

        def parse(value: Any) -> Any:
            number, convention = read_number(value)
            if convention and convention not in shown:
                shown[convention] = at[0]
            return number
        return parse

    parsers = [(i, c, quantity_parser(c) if c.kind == "quantity" else
                parse_measure_country if c.kind == "measure_country" else parser_for(c.kind)) for i, c in columns]
    key_fields = spec.key
    problems: dict[int, list[tuple[int, str]]] = {}  # row -> (cell index, message)
    for (r, i), formula in raw.formula_gaps.items():
        problems.setdefault(r, []).append((i, f"formula {formula} has no calculated value: open the file in "
                                              "Excel and save it, or type the value"))
    for (r, i), value in raw.error_cells.items():
        problems.setdefault(r, []).append((i, f"the cell holds the Excel error {value}: fix the formula or "
                                              "type the value (leave the cell empty when there is none)"))
    names = {i: c.name for i, c in columns} | dict(extras)
    for i, message in problems.pop(raw.header_row, []):
        errors.add("BAD_VALUE", message, sheet=raw.name, row=raw.header_row, column=f"column {_letter(i)}")
    done = 0
    for number, cells in raw.rows:
        done += 1
        if progress and done % 2000 == 0:
            progress(2000)
        n = len(cells)
        ok = True
        bad: set[int] = set()
        if problems and number in problems:
            for i, message in sorted(problems[number]):
                errors.add("FORMULA" if message.startswith("formula") else "BAD_VALUE", message,
                           sheet=raw.name, row=number, column=names.get(i, f"column {_letter(i)}"))
                bad.add(i)
            ok = False
        elif (not cells or is_empty(cells[0])) and all(is_empty(v) for v in cells):
            continue
        at[0] = number
        values: dict[str, Any] = {}
        for i, col, parse in parsers:
            if bad and i in bad:
                continue
            cell = cells[i] if i < n else None
            if is_empty(cell):
                if col.required:
                    errors.add("REQUIRED", "is required", sheet=raw.name, row=number, column=col.name)
                    ok = False
                values[col.field] = None
                continue
            try:
                values[col.field] = parse(cell)
            except AmbiguousNumber as exc:
                values[col.field] = None
                pending.append((values, col, exc, number))
            except BadValue as exc:
                errors.add("BAD_VALUE", str(exc), sheet=raw.name, row=number, column=col.name)
                ok = False
        extra = {}
        for i, title in extras:
            cell = cells[i] if i < n else None
            if not is_empty(cell) and not (bad and i in bad):
                try:
                    extra[title] = parser_for("text")(cell)
                except BadValue as exc:
                    errors.add("BAD_VALUE", str(exc), sheet=raw.name, row=number, column=title)
        if n > width or headerless:
            for i in chain(headerless, range(width, n)):
                if i < n and not is_empty(cells[i]) and i not in bad:
                    errors.add("NO_HEADER", f"column {_letter(i)} holds {parser_for('text')(cells[i])[:40]!r} "
                               "but has no header: give the column a header or delete the value",
                               sheet=raw.name, row=number, column=f"column {_letter(i)}")
                    ok = False
        if not ok:
            continue
        key = tuple(values[f] for f in key_fields)
        first = sheet.keys.get(key)
        if first is not None:
            shown = ", ".join(f"{f} {v!r}" for f, v in zip(key_fields, key))
            errors.add("DUPLICATE_ID", f"{shown} appears again (first on row {first})",
                       sheet=raw.name, row=number, column=key_fields[0])
            continue
        sheet.keys[key] = number
        sheet.rows.append(_Row(number, values, extra))
    if progress and done % 2000:
        progress(done % 2000)
    for values, col, exc, number in pending:
        shown = conventions.get(col.name, {})
        if len(shown) == 1:
            (convention, _), = shown.items()
            values[col.field] = exc.readings[convention]
            continue
        if shown:
            why = (f"the column writes decimals both with a point (row {shown['point']}) and with a comma "
                   f"(row {shown['comma']})")
        else:
            why = "no other cell in the column shows whether it writes decimals with a point or a comma"
        errors.add("AMBIGUOUS_NUMBER", f"{exc}; {why}", sheet=raw.name, row=number, column=col.name)
    return sheet


# --- documents' files ------------------------------------------------------------

def _check_documents(source: Source, sheets: list[_Sheet], errors: Collector,
                     warnings: Collector) -> dict[str, Path]:
    """Hash every document file the workbook names; returns sha256 -> file to store."""
    docs = next(s for s in sheets if s.spec.name == "Documents")
    files: dict[str, Path] = {}
    base = source.base_dir.resolve()
    for r in docs.rows:
        r.values["stored"] = False
        r.values.setdefault("sha256", None)  # a sheet without the column still compares on it
        name = r.values.get("file")
        if not name:
            continue
        shown = repr(name if len(name) <= 60 else name[:57] + "...")
        try:
            target = (base / name).resolve()
            if Path(name).is_absolute() or not target.is_relative_to(base):
                errors.add("BAD_VALUE", f"file {shown} must be a path inside the workbook's folder",
                           sheet=docs.name, row=r.row, column="file")
                continue
            if not target.is_file():
                warnings.add("FILE_NOT_FOUND", f"file {shown} not found beside the workbook; the document "
                             "is recorded without it", sheet=docs.name, row=r.row, column="file",
                             severity="warning")
                continue
            size = target.stat().st_size
            if size > MAX_DOCUMENT:
                errors.add("BAD_FILE", f"file {shown} is {size >> 20:,} MiB, more than the "
                           f"{MAX_DOCUMENT >> 20:,} MiB a document may be (TRACKER_MAX_DOCUMENT)",
                           sheet=docs.name, row=r.row, column="file")
                continue
            sha = file_sha256(target)
        except (OSError, ValueError, RuntimeError) as exc:
            # A symlink loop, a NUL in the path, a name longer than the system allows.
            reason = getattr(exc, "strerror", None) or str(exc)
            errors.add("BAD_FILE", f"file {shown} cannot be opened ({reason}): correct the path",
                       sheet=docs.name, row=r.row, column="file")
            continue
        given = r.values.get("sha256")
        if given and given != sha:
            errors.add("SHA256_MISMATCH", f"does not match the file {shown}, whose SHA-256 is {sha}",
                       sheet=docs.name, row=r.row, column="sha256")
            continue
        r.values["sha256"] = sha
        r.values["stored"] = True
        files[sha] = target
    if files or docs.rows:
        docs.present = tuple(dict.fromkeys(docs.present + ("sha256", "stored")))
    return files


# --- pass 2: resolve -------------------------------------------------------------

def _in_chunks(conn: Connection, query: Callable[[list], Any], values: Iterable[Any]) -> Iterator[Any]:
    """The rows of `query(chunk)` for `values` in chunks: an IN list of every id in a large
    workbook would pass the database's limit on bound parameters."""
    values = list(values)
    for i in range(0, len(values), _CHUNK):
        yield from conn.execute(query(values[i:i + _CHUNK]))


def _existing(conn: Connection, table: str, column: str, values: Iterable[Any]) -> set:
    col = table_for(table).c[column]
    return {v for (v,) in _in_chunks(conn, lambda chunk: select(col).where(col.in_(chunk)), values)}


def _resolve(conn: Connection, sheets: list[_Sheet], errors: Collector) -> None:
    by_name = {s.spec.name: s for s in sheets}
    ids_in_file = {s.spec.name: {k[0] for k in s.keys} for s in sheets}

    def check_refs(sheet: _Sheet, column: str, target: str, label: str,
                   rows: list[_Row] | None = None, field: str | None = None) -> None:
        field = field or column
        rows = sheet.rows if rows is None else rows
        wanted = {r.values[field] for r in rows if r.values.get(field) is not None}
        unknown = wanted - ids_in_file[target]
        if unknown:
            tspec = by_name[target].spec
            unknown -= _existing(conn, tspec.table, tspec.key[0], unknown)
        if not unknown:
            return
        for r in rows:
            value = r.values.get(field)
            if value in unknown:
                errors.add("UNKNOWN_REF", f"unknown {label} {value!r}: not in this workbook's {target} "
                           "sheet nor in the database", sheet=sheet.name, row=r.row, column=column)

    for sheet in sheets:
        for col in sheet.spec.columns:
            if col.ref and col.field in sheet.present:
                check_refs(sheet, col.name, col.ref, _LABEL[col.ref], field=col.field)
    docs = by_name["Documents"]
    for covers_type, (target, _) in _COVERS.items():
        rows = [r for r in docs.rows if r.values["covers_type"] == covers_type]
        if rows:
            check_refs(docs, "covers_id", target, covers_type, rows)
    _check_outputs(conn, by_name["ProcessLots"], errors)
    _check_essential(conn, by_name["ProcessLots"], errors)
    _check_shipments(by_name["Shipments"], errors)
    if "TradeMeasures" in by_name:
        _check_measures(by_name["TradeMeasures"], errors)
    _check_ownership(conn, by_name["Companies"], errors)


def _check_outputs(conn: Connection, sheet: _Sheet, errors: Collector) -> None:
    """A lot is made once: it may be the output of one process only."""
    maker: dict[str, str] = {}
    for r in sheet.rows:
        if r.values["role"] != "output":
            continue
        lot, process = r.values["lot_id"], r.values["process_id"]
        if maker.setdefault(lot, process) != process:
            errors.add("CONFLICT", f"lot {lot!r} is already the output of process {maker[lot]!r} "
                       "in this workbook: a lot is made once", sheet=sheet.name, row=r.row, column="lot_id")
    if not maker:
        return
    pl = table_for("process_lot")
    made = _in_chunks(conn, lambda chunk: select(pl.c.lot_id, pl.c.process_id).where(
        pl.c.role == "output", pl.c.lot_id.in_(chunk)), maker)
    for lot, process in made:
        if maker[lot] != process:
            row = next(r for r in sheet.rows if r.values["lot_id"] == lot and r.values["role"] == "output")
            errors.add("CONFLICT", f"lot {lot!r} is already the output of process {process!r} "
                       "in the database: a lot is made once", sheet=sheet.name, row=row.row,
                       column="lot_id")


def _check_essential(conn: Connection, sheet: _Sheet, errors: Collector) -> None:
    """v1.1 `essential`: only on input rows, and at most one input per process
    (in this workbook and the database together: a process has one essential input)."""
    marked: dict[str, tuple[str, _Row]] = {}
    for r in sheet.rows:
        if r.values.get("essential") != "yes":
            continue
        if r.values["role"] != "input":
            errors.add("BAD_VALUE", "essential is only for input rows: it marks the input that gives the "
                       "output its essential character", sheet=sheet.name, row=r.row, column="essential")
            continue
        pid, lot = r.values["process_id"], r.values["lot_id"]
        if pid in marked:
            errors.add("CONFLICT", f"process {pid!r} already has the essential input {marked[pid][0]!r} "
                       f"(row {marked[pid][1].row}): at most one per process", sheet=sheet.name, row=r.row,
                       column="essential")
            continue
        marked[pid] = (lot, r)
    if not marked:
        return
    pl = table_for("process_lot")
    stored = _in_chunks(conn, lambda chunk: select(pl.c.process_id, pl.c.lot_id).where(
        pl.c.essential == "yes", pl.c.process_id.in_(chunk)), marked)
    for pid, lot in stored:
        if lot != marked[pid][0]:
            errors.add("CONFLICT", f"process {pid!r} already has the essential input {lot!r} in the "
                       "database: at most one per process", sheet=sheet.name, row=marked[pid][1].row,
                       column="essential")


def _check_shipments(sheet: _Sheet, errors: Collector) -> None:
    """Rows sharing a shipment_id are one shipment: they must agree on where and when."""
    first: dict[str, _Row] = {}
    for r in sheet.rows:
        ref = first.setdefault(r.values["shipment_id"], r)
        for f in _SHIPMENT_HEADER:
            if f in sheet.present and r.values.get(f) != ref.values.get(f):
                errors.add("CONFLICT", f"shipment {r.values['shipment_id']!r} says {ref.values.get(f)!r} "
                           f"on row {ref.row} but {r.values.get(f)!r} here", sheet=sheet.name,
                           row=r.row, column=f)


def _check_measures(sheet: _Sheet, errors: Collector) -> None:
    """`*` (every country) only for measures that do not turn on origin (232, 201); a
    measure ends on or after the day it starts (supplier-workbook-v1.1)."""
    for r in sheet.rows:
        v = r.values
        if v["country"] == EVERY_COUNTRY and v["kind"] not in ORIGIN_FREE_KINDS:
            errors.add("BAD_VALUE", f"* (every country) is only for 232 and 201 measures; a {v['kind']} "
                       "measure names its country", sheet=sheet.name, row=r.row, column="country")
        if v.get("expires_on") and v["expires_on"] < v["effective_on"]:
            errors.add("BAD_VALUE", f"expires on {v['expires_on']}, before it takes effect on "
                       f"{v['effective_on']}", sheet=sheet.name, row=r.row, column="expires_on")


def _check_ownership(conn: Connection, sheet: _Sheet, errors: Collector) -> None:
    if "parent_company_id" not in sheet.present:
        return
    co = table_for("company")
    parent = {cid: p for cid, p in conn.execute(select(co.c.company_id, co.c.parent_company_id))}
    parent.update({r.values["company_id"]: r.values.get("parent_company_id") for r in sheet.rows})
    for r in sheet.rows:
        chain, at = [r.values["company_id"]], parent.get(r.values["company_id"])
        while at is not None and at not in chain:
            chain.append(at)
            at = parent.get(at)
        if at is not None:
            errors.add("CONFLICT", "ownership loops: " + " -> ".join(chain + [at]),
                       sheet=sheet.name, row=r.row, column="parent_company_id")


# --- pass 3: diff and write --------------------------------------------------------

@dataclass
class _Plan:
    inserts: list[dict] = field(default_factory=list)
    updates: list[tuple[dict, dict]] = field(default_factory=list)  # (old, new)
    unchanged: int = 0
    current: dict[str, str | None] = field(default_factory=dict)  # audit key -> the row as stored now, or None


def _existing_rows(conn: Connection, sheet: _Sheet) -> dict[tuple, dict]:
    table = table_for(sheet.spec.table)
    pk = [table.c[f] for f in sheet.spec.key]
    keys = list(sheet.keys)
    out: dict[tuple, dict] = {}
    for i in range(0, len(keys), _CHUNK):
        chunk = keys[i:i + _CHUNK]
        cond = pk[0].in_([k[0] for k in chunk]) if len(pk) == 1 else tuple_(*pk).in_(chunk)
        for row in conn.execute(select(table).where(cond)):
            m = row._mapping
            out[tuple(m[c.name] for c in pk)] = dict(m)
    return out


def _defaults(table) -> dict:
    row = {c.name: None for c in table.columns}
    row["extra"] = {}
    if "stored" in row:
        row["stored"] = False
    return row


def _diff(conn: Connection, sheets: list[_Sheet]) -> list[_Plan]:
    plans = []
    for sheet in sheets:
        plan = _Plan()
        plans.append(plan)
        if not sheet.rows:
            continue
        table = table_for(sheet.spec.table)
        old_rows = _existing_rows(conn, sheet)
        blank = _defaults(table)
        for r in sheet.rows:
            key = tuple(r.values[f] for f in sheet.spec.key)
            old = old_rows.get(key)
            source = {"source_sheet": sheet.name, "source_row": r.row}
            if old is None:
                row = {**blank, **r.values, "extra": r.extra, **source}
                plan.inserts.append(row)
                plan.current[audit.row_key(table.name, row)] = None
                continue
            plan.current[audit.row_key(table.name, old)] = audit.row_json(old)
            if sheet.spec.table == "document":
                _keep_registered_file(old, r.values)
            extra = {**(old["extra"] or {}), **r.extra}
            if extra == (old["extra"] or {}) and all(old[f] == r.values[f] for f in sheet.present):
                plan.unchanged += 1
            else:
                plan.updates.append((old, {**old, **r.values, "extra": extra, **source}))
    return plans


def _keep_registered_file(old: dict, new: dict) -> None:
    """A later workbook that names the same file without sending it again (the scan is
    not beside it) keeps the file already held in the evidence store."""
    if (old["stored"] and not new.get("stored") and new.get("file") == old["file"]
            and new.get("sha256") in (None, old["sha256"])):
        new["sha256"], new["stored"] = old["sha256"], True


def _parents_first(rows: list[dict]) -> list[dict]:
    """Companies ordered so that a parent is written before its subsidiaries."""
    by_id = {r["company_id"]: r for r in rows}
    done: set[str] = set()
    out: list[dict] = []

    def visit(cid: str) -> None:
        if cid in done or cid not in by_id:
            return
        done.add(cid)
        visit(by_id[cid].get("parent_company_id"))
        out.append(by_id[cid])

    for cid in by_id:
        visit(cid)
    return out


def _write(conn: Connection, engine: Engine, source: Source, sheets: list[_Sheet],
           plan: list[_Plan], files: dict[str, Path], summaries: list[SheetSummary],
           actor: str) -> tuple[int, int]:
    batch_table = table_for("import_batch")
    batch = {"file_name": source.name, "file_sha256": source.sha256, "imported_at": audit.utc_now(),
             "actor": actor, "summary": {s.sheet: {"new": s.new, "changed": s.changed,
                                                   "unchanged": s.unchanged} for s in summaries}}
    batch_id = conn.execute(batch_table.insert().values(**batch)).inserted_primary_key[0]
    batch["id"] = batch_id
    # A batch id the trail already knows means batches were deleted behind the tracker's back.
    audit.refuse_drift(audit.drift(conn, "import_batch", {audit.row_key("import_batch", batch): None}))
    changes: list[audit.Change] = [audit.Change("insert", "import_batch", audit.row_key("import_batch", batch),
                                                None, audit.row_json(batch))]
    registered: list[audit.Change] = []
    to_store: dict[str, Path] = {}  # sha256 -> the file to copy into the evidence store
    for sheet, p in zip(sheets, plan):
        if not (p.inserts or p.updates):
            continue
        name = sheet.spec.table
        table = table_for(name)
        pk = [c.name for c in table.primary_key.columns]
        for row in p.inserts:
            row["batch_id"] = batch_id
        for _, row in p.updates:
            row["batch_id"] = batch_id
        if name == "company":
            ordered = _parents_first(p.inserts + [new for _, new in p.updates])
            inserted = {id(r) for r in p.inserts}
            for row in ordered:
                if id(row) in inserted:
                    conn.execute(table.insert(), row)
                else:
                    conn.execute(table.update().where(table.c.company_id == row["company_id"]), row)
        else:
            bulk_insert(conn, table, p.inserts)
            if p.updates:
                stmt = table.update().where(*[table.c[k] == bindparam("_k_" + k) for k in pk])
                params = [{**new, **{"_k_" + k: old[k] for k in pk}} for old, new in p.updates]
                for i in range(0, len(params), _CHUNK):
                    conn.execute(stmt, params[i:i + _CHUNK])
        changes.extend(audit.Change("insert", name, audit.row_key(name, r), None, audit.row_json(r))
                       for r in p.inserts)
        changes.extend(audit.Change("update", name, audit.row_key(name, new), audit.row_json(old),
                                    audit.row_json(new)) for old, new in p.updates)
        if name == "document":
            for row in p.inserts + [new for old, new in p.updates if old["sha256"] != new["sha256"]
                                    or not old["stored"]]:
                if row["stored"]:
                    to_store[row["sha256"]] = files[row["sha256"]]
                    registered.append(audit.Change(
                        "register_file", name, audit.row_key(name, row), None,
                        canonical_json({"sha256": row["sha256"], "file": row["file"],
                                        "size": files[row["sha256"]].stat().st_size})))
    audit.append(conn, changes + registered, actor, batch_id, check=False)  # rows checked before the diff
    stored = _store_files(evidence_dir(engine), to_store)  # last: a failure above leaves no file behind
    return batch_id, stored


def _store_files(store: Path, files: dict[str, Path]) -> int:
    """Copy each file (by its sha256) into the content-addressed store; a file already there is kept.

    Each file is hashed as it is copied: one changed since it was hashed is
    refused. Files are first copied beside their place as `.incoming-*` and
    moved in only when every one has arrived whole; on any failure (a full
    disk) the partial copies are removed and nothing is left behind.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for sha, src in files.items():
            dest = audit.evidence_path(store, sha)
            if dest.exists():
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".incoming-")
            staged.append((tmp, dest))
            with os.fdopen(fd, "wb") as out:
                copied = _copy_hashing(src, out)
            if copied != sha:
                raise ImportFailed([Finding("FILE_CHANGED", "error", f"file {src.name!r} changed while it was "
                                            "being imported (its SHA-256 is no longer the one checked): "
                                            "import again once it is no longer being written")])
        for tmp, dest in staged:
            os.replace(tmp, dest)  # atomic: the store never holds half a file
    except OSError as exc:
        _remove(tmp for tmp, _ in staged)
        full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
        raise ImportFailed([Finding("STORE_FAILED", "error", (
            f"the evidence store {store} is full ({exc.strerror}): free space there and import again"
            if full else f"cannot copy a document file into the evidence store {store} "
            f"({exc.strerror or exc})"))]) from None
    except BaseException:
        _remove(tmp for tmp, _ in staged)
        raise
    return len(staged)


def _copy_hashing(src: Path, out) -> str:
    """Copy `src` into the open file `out`; the SHA-256 of the bytes copied."""
    h = hashlib.sha256()
    with open(src, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            out.write(chunk)
    return h.hexdigest()


def _remove(paths: Iterable[str]) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
