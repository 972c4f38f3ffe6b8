"""Reading supplier files: an .xlsx workbook or a folder of .csv files.

A workbook is hostile until proven otherwise. Before the fast reader
(python-calamine) sees it, every part of the zip is read once through
zipfile, which checks its CRC; the zip is checked for size bombs; every XML
part's prolog is parsed with defusedxml, which refuses document type
declarations (the billion-laughs and external-entity attacks); and what the
sheets can expand to in memory is capped: a shared string longer than an
Excel cell can hold, text that shared strings would repeat into more than
TRACKER_MAX_CELL_TEXT characters, or a sheet spanning more than
TRACKER_MAX_CELLS cells is refused. Formulas keep their cached values; a
formula with no cached value and an Excel error value (`#N/A`, `#REF!`) are
reported, never read as empty.

A CSV file is read as UTF-8 (with or without a byte-order mark) or UTF-16
with one; anything else is refused, naming the first line that is not, rather
than guessed. Quoted fields keep their line breaks; rows are numbered by the
line they start on.

Each sheet yields its rows as (spreadsheet row number, cells), lazily, so a
large file is never held as Python objects all at once.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator

from .canonical import sha256_hex
from .findings import Collector, ImportFailed

__all__ = ["RawSheet", "Source", "read_source", "fold_name"]

MAX_UNPACKED = int(os.environ.get("TRACKER_MAX_UNPACKED", 4 << 30))  # bytes a workbook may unpack to
MAX_RATIO = 200  # compression ratio beyond which a large part is a zip bomb
# Cells a sheet may span (rows x columns of its used range): the reader holds
# the whole range in memory. A 100,000-row workbook of 20 columns is 2 million.
MAX_CELLS = int(os.environ.get("TRACKER_MAX_CELLS", 20_000_000))
# Characters that long shared strings may be repeated into across all cells.
MAX_CELL_TEXT = int(os.environ.get("TRACKER_MAX_CELL_TEXT", 64 << 20))
EXCEL_CELL_CHARS = 32_767  # Excel's own limit for the text of one cell
_LONG_STRING = 4096  # bytes of XML from which a shared string is counted against MAX_CELL_TEXT
HEADER_SCAN = 20  # rows searched for the header row
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}


def fold_name(name: str) -> str:
    """Sheet and column names as people type them match: case, spaces, underscores
    and punctuation are ignored (`Origin country`, `origin_country`, `Unit value (USD)`)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", str(name)).casefold() if ch.isalnum())


@dataclass
class RawSheet:
    name: str  # as the file spells it (for CSV, the file name)
    rows: Iterator[tuple[int, list[Any]]]  # (spreadsheet row or CSV line, cells), header not yet split off
    formula_gaps: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column index) -> formula
    error_cells: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column index) -> #N/A...
    header_row: int = 0  # spreadsheet number of the header row (0 when the sheet is empty)
    header: list[str] = field(default_factory=list)
    skipped_above: int = 0  # non-empty rows above the header (a title)

    def locate_header(self, score: Callable[[list[str]], int]) -> None:
        """Split off the header: among the first HEADER_SCAN non-empty rows, the one
        `score` rates highest (the most known column names); the first non-empty
        row when none scores. A title or blank rows may sit above it. Once found, it stays."""
        if self.header:
            return
        peeked: list[tuple[int, list[Any]]] = []
        for number, cells in self.rows:
            if any(c is not None and str(c).strip() for c in cells):
                peeked.append((number, cells))
                if len(peeked) == HEADER_SCAN:
                    break
        if not peeked:
            return
        texts = [[str(c).strip() if c is not None else "" for c in cells] for _, cells in peeked]
        scores = [score(t) for t in texts]
        best = max(range(len(peeked)), key=lambda i: (scores[i] > 0, scores[i], -i)) if max(scores) else 0
        self.header_row, self.header = peeked[best][0], texts[best]
        self.skipped_above = best
        self.rows = chain(peeked[best + 1:], self.rows)


@dataclass
class Source:
    path: Path
    name: str
    sha256: str
    base_dir: Path  # where Documents `file` paths are relative to
    sheets: dict[str, RawSheet]  # fold_name(sheet) -> sheet
    total_rows: int = 0  # data rows, approximately, for progress


def read_source(path: Path) -> Source:
    """Open `path` (an .xlsx file or a folder of .csv files); raises ImportFailed when unreadable."""
    path = Path(path)
    try:
        if path.is_dir():
            return _read_csv_folder(path)
        if not path.exists():
            raise ImportFailed([_file_error(path, "no such file or folder")])
        if path.suffix.lower() == ".csv":
            return _read_csv_folder(path.parent, only=path)
        if path.suffix.lower() not in (".xlsx", ".xlsm"):
            raise ImportFailed([_file_error(path, "not a supplier workbook: give an .xlsx file or a folder of .csv files")])
        return _read_xlsx(path)
    except OSError as exc:
        raise ImportFailed([_file_error(path, f"cannot read it ({exc.strerror or exc})")]) from None


def _file_error(path: Path, message: str, row: int | None = None):
    c = Collector()
    c.add("BAD_FILE", message, sheet=path.name, row=row)
    return c.items[0]


def _add_sheet(sheets: dict[str, RawSheet], raw: RawSheet, where: Path) -> None:
    key = fold_name(Path(raw.name).stem if raw.name.lower().endswith(".csv") else raw.name)
    if key in sheets:
        raise ImportFailed([_file_error(where, f"{sheets[key].name!r} and {raw.name!r} are the same sheet "
                                               "to tracker (names ignore case, spaces and punctuation): "
                                               "which one to import is ambiguous; keep one")])
    sheets[key] = raw


# --- CSV ---------------------------------------------------------------------

def _read_csv_folder(folder: Path, only: Path | None = None) -> Source:
    files = [only] if only else sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv")
    if not files:
        raise ImportFailed([_file_error(folder, "the folder has no .csv files")])
    sheets: dict[str, RawSheet] = {}
    digest_parts = []
    total = 0
    for f in files:
        data = f.read_bytes()
        sha = sha256_hex(data)
        digest_parts.append(f"{f.name}:{sha}")
        text = _decode_csv(f, data)
        total += text.count("\n")
        _add_sheet(sheets, RawSheet(f.name, _csv_rows(f, text)), f)
    digest = sha256_hex("\n".join(digest_parts)) if not only else sha
    return Source(folder if not only else only, (folder if not only else only).name, digest,
                  folder, sheets, total)


def _decode_csv(f: Path, data: bytes) -> str:
    """UTF-8 (a BOM allowed) or UTF-16 with its BOM; anything else refused, never guessed."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].decode("utf-16", errors="replace").count("\n") + 1
            raise ImportFailed([_file_error(f, f"line {line} is not UTF-16 text though the file starts as "
                                               "UTF-16: save it again as CSV UTF-8", row=line)]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ImportFailed([_file_error(f, f"line {line} is not UTF-8 text (byte 0x{data[exc.start]:02X}); "
                                           "tracker does not guess encodings: save the file as CSV UTF-8 "
                                           "(Excel: Save As, 'CSV UTF-8')", row=line)]) from None
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise ImportFailed([_file_error(f, f"line {line} holds a NUL byte: not a text CSV file (UTF-16 "
                                           "without its byte-order mark?); save it as CSV UTF-8", row=line)])
    return text


def _csv_rows(f: Path, text: str) -> Iterator[tuple[int, list[str]]]:
    """Records numbered by the line they start on; quoted line breaks kept."""
    lines = io.StringIO(text, newline="")
    reader = csv.reader(lines, strict=True)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        reason = str(exc)
        if "field larger than field limit" in reason:
            reason = (f"a field is longer than {csv.field_size_limit():,} characters, the CSV reader's limit "
                      f"(a cell holds at most {EXCEL_CELL_CHARS:,})")
        raise ImportFailed([_file_error(f, f"line {start}: not valid CSV ({reason})", row=start)]) from None


# --- XLSX --------------------------------------------------------------------

def _read_xlsx(path: Path) -> Source:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ImportFailed([_file_error(path, "not an .xlsx workbook (the file is not a zip archive); "
                                              "save it from Excel as .xlsx")]) from None
    with zf:
        scans = _check_zip(path, zf)
        sheet_parts = _sheet_parts(path, zf)
        _check_expansion(path, zf, sheet_parts, scans)
        cells = {name: _cell_problems(zf, part) for name, part in sheet_parts.items()
                 if part in scans and scans[part].marked}
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except (CalamineError, Exception) as exc:  # calamine raises several error types
        raise ImportFailed([_file_error(path, f"the workbook is corrupt and cannot be read ({exc})")]) from None
    sheets: dict[str, RawSheet] = {}
    total = 0
    for name in wb.sheet_names:
        try:
            ws = wb.get_sheet_by_name(name)
        except Exception as exc:
            raise ImportFailed([_file_error(path, f"the workbook is corrupt: sheet {name!r} cannot be read ({exc})")]) from None
        row0, col0 = ws.start if ws.start else (0, 0)
        total += ws.height
        raw = RawSheet(name, enumerate(ws.iter_rows(), start=row0 + 1))
        gaps, errs = cells.get(name, ({}, {}))
        raw.formula_gaps = {(r, c - col0): f for (r, c), f in gaps.items()}
        raw.error_cells = {(r, c - col0): e for (r, c), e in errs.items()}
        _add_sheet(sheets, raw, path)
    return Source(path, path.name, _sha256_file(path), path.parent, sheets, total)


def _sha256_file(path: Path) -> str:
    from .canonical import file_sha256

    return file_sha256(path)


def _check_zip(path: Path, zf: zipfile.ZipFile) -> dict[str, "_SheetScan"]:
    """Refuse bombs, document types and bad CRCs; returns what a first look at
    each worksheet part found."""
    infos = zf.infolist()
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED:
        raise ImportFailed([_file_error(path, f"the workbook would unpack to {unpacked >> 20} MiB, more than "
                                              f"the {MAX_UNPACKED >> 20} MiB allowed (TRACKER_MAX_UNPACKED)")])
    for i in infos:
        if i.file_size > (16 << 20) and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise ImportFailed([_file_error(path, f"part {i.filename} unpacks {i.file_size // max(i.compress_size, 1)} "
                                                  "times its size: refusing a possible zip bomb")])
    if "xl/workbook.xml" not in zf.namelist():
        raise ImportFailed([_file_error(path, "not an Excel workbook (no xl/workbook.xml inside)")])
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    markers: dict[str, _SheetScan] = {}
    for i in infos:
        try:
            with zf.open(i) as fh:
                first = fh.read(1 << 20)
                if i.filename.endswith((".xml", ".rels")):
                    for _ in iterparse(io.BytesIO(first), events=("start",), forbid_dtd=True):
                        break  # a DTD can only come before the first element
                # Read to the end: zipfile checks each part's CRC there, so a part
                # changed after the zip was written is refused, not imported.
                if i.filename.startswith("xl/worksheets/"):
                    markers[i.filename] = _scan_sheet(first, fh)
                else:
                    while fh.read(1 << 20):
                        pass
        except DefusedXmlException:
            raise ImportFailed([_file_error(path, f"part {i.filename} declares a document type or entities "
                                                  "(an XML bomb or external entity attack): refusing to read it")]) from None
        except zipfile.BadZipFile as exc:
            raise ImportFailed([_file_error(path, f"the workbook is corrupt: part {i.filename} fails its "
                                                  f"integrity check ({exc}); get a fresh copy of the file")]) from None
        except Exception as exc:  # ParseError and friends: a corrupt part
            raise ImportFailed([_file_error(path, f"the workbook is corrupt: part {i.filename} is not "
                                                  f"well-formed XML ({exc})")]) from None
    return markers


_MARKERS = (b"<f>", b"<f ", b"<f/>", b't="e"')
_LAST_ROW = re.compile(rb'<row [^>]*?r="(\d+)"')
_WIDE_CELL = re.compile(rb'<c r="([A-Z]{2,3})\d')
_DIMENSION = re.compile(rb'<dimension ref="(?:[A-Z]+\d+:)?([A-Z]+)(\d+)"')


@dataclass
class _SheetScan:
    marked: bool  # holds a formula or an error value: worth a closer look
    rows: int  # last row used
    cols: int  # last column used


def _scan_sheet(first: bytes, fh) -> _SheetScan:
    """One pass over the rest of a sheet part: markers, and the rows and columns it spans
    (from its dimension and its cells; the reader holds that whole range in memory)."""
    found = False
    rows = cols = 1
    tail = last = b""
    m = _DIMENSION.search(first[:4096])
    if m:
        rows, cols = int(m[2]), _col_index(m[1].decode()) + 1
    for chunk in chain([first], iter(lambda: fh.read(1 << 20), b"")):
        data = tail + chunk
        if not found:
            found = any(mark in data for mark in _MARKERS)
        for letters in _WIDE_CELL.findall(data):  # only cells beyond column Z match
            cols = max(cols, _col_index(letters.decode()) + 1)
        tail = data[-64:]
        last = (last + chunk)[-(64 << 10):]
    numbers = _LAST_ROW.findall(last)
    if numbers:
        rows = max(rows, int(numbers[-1]))
    return _SheetScan(found, rows, cols)


def _check_expansion(path: Path, zf: zipfile.ZipFile, sheet_parts: dict[str, str],
                     scans: dict[str, _SheetScan]) -> None:
    """Bound the memory the reader needs: the cells each sheet spans, and the text
    that long shared strings repeat into (a 4 MiB string in 4,000 cells of an
    83 KB file is 16 GiB once read)."""
    for name, member in sheet_parts.items():
        scan = scans.get(member)
        if scan and scan.rows * scan.cols > MAX_CELLS:
            raise ImportFailed([_file_error(path, f"sheet {name!r} spans {scan.rows:,} rows by {scan.cols:,} "
                                                  f"columns, more than the {MAX_CELLS:,} cells tracker reads "
                                                  "(TRACKER_MAX_CELLS): delete the stray cells far below or "
                                                  "to the right of the data")])
    if "xl/sharedStrings.xml" not in zf.NameToInfo:
        return
    data = zf.read("xl/sharedStrings.xml")
    parts = data.split(b"<si")
    if max(map(len, parts)) <= _LONG_STRING:
        return
    from defusedxml.ElementTree import fromstring

    long: dict[int, int] = {}  # shared string index -> characters
    for index, part in enumerate(parts[1:]):
        if len(part) > _LONG_STRING:
            body = b"<si" + part.split(b"</si>", 1)[0] + b"</si>"
            body = body.replace(b"<si", b'<si xmlns="' + _NS["m"].encode() + b'"', 1)
            try:
                chars = len("".join(fromstring(body, forbid_dtd=True).itertext()))
            except Exception:
                continue  # calamine reports a corrupt part itself
            if chars > EXCEL_CELL_CHARS:
                raise ImportFailed([_file_error(path, f"shared string {index} holds {chars:,} characters, more "
                                                      f"than an Excel cell can ({EXCEL_CELL_CHARS:,}): the file "
                                                      "was not saved by Excel; refusing it")])
            long[index] = chars
    if not long:
        return
    pattern = re.compile(rb'<c [^>]*t="s"[^>]*>\s*<v>(' + b"|".join(str(i).encode() for i in long) + rb")</v>")
    total = 0
    for member in sheet_parts.values():
        if member in zf.NameToInfo:
            total += sum(long[int(m)] for m in pattern.findall(zf.read(member)))
    if total > MAX_CELL_TEXT:
        raise ImportFailed([_file_error(path, f"the workbook's cells repeat long shared strings into "
                                              f"{total:,} characters of text, more than the {MAX_CELL_TEXT:,} "
                                              "tracker reads (TRACKER_MAX_CELL_TEXT); refusing a possible "
                                              "memory bomb")])


def _sheet_parts(path: Path, zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip member of its XML."""
    from defusedxml.ElementTree import fromstring

    try:
        wb = fromstring(zf.read("xl/workbook.xml"), forbid_dtd=True)
        rels = fromstring(zf.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True)
    except KeyError:
        return {}
    except Exception as exc:
        raise ImportFailed([_file_error(path, f"the workbook is corrupt ({exc})")]) from None
    targets = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", _NS)}
    parts = {}
    for sheet in wb.findall("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(f"{{{_NS['r']}}}id"))
        if target:
            member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            parts[sheet.get("name")] = member
    return parts


_CELL = re.compile(r"([A-Z]+)(\d+)")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _cell_problems(zf: zipfile.ZipFile, member: str) -> tuple[dict[tuple[int, int], str],
                                                             dict[tuple[int, int], str]]:
    """Cells holding a formula with no cached value ((row, column index) -> formula)
    and cells holding an Excel error value (-> `#N/A`...), which the reader shows as empty."""
    from defusedxml.ElementTree import iterparse

    m = "{" + _NS["m"] + "}"
    gaps: dict[tuple[int, int], str] = {}
    errors: dict[tuple[int, int], str] = {}
    with zf.open(member) as fh:
        for _, el in iterparse(fh, events=("end",), forbid_dtd=True):
            if el.tag == m + "c":
                f = el.find(m + "f")
                v = el.find(m + "v")
                ref = _CELL.match(el.get("r", ""))
                if ref and el.get("t") == "e":
                    errors[(int(ref[2]), _col_index(ref[1]))] = (v.text or "").strip() if v is not None else "#N/A"
                elif ref and f is not None and (v is None or not (v.text or "").strip()):
                    gaps[(int(ref[2]), _col_index(ref[1]))] = "=" + (f.text or "")
                el.clear()
            elif el.tag == m + "row":
                el.clear()
    return gaps, errors
