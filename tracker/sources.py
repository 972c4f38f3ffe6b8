"""Reading supplier files: an .xlsx workbook or a folder of .csv files.

A workbook is hostile until proven otherwise. Before the fast reader
(python-calamine) sees it, the zip is checked for size bombs and every XML
part's prolog is parsed with defusedxml, which refuses document type
declarations (the billion-laughs and external-entity attacks). Formulas keep
their cached values; a formula with no cached value is reported, never read
as empty.

Each sheet yields its rows as (spreadsheet row number, cells), lazily, so a
large file is never held as Python objects all at once.
"""

from __future__ import annotations

import csv
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

from .canonical import file_sha256
from .findings import Collector, ImportFailed

__all__ = ["RawSheet", "Source", "read_source", "fold_name"]

MAX_UNPACKED = int(os.environ.get("TRACKER_MAX_UNPACKED", 4 << 30))  # bytes a workbook may unpack to
MAX_RATIO = 200  # compression ratio beyond which a large part is a zip bomb
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}


def fold_name(name: str) -> str:
    """Sheet and column names match case-insensitively, surrounding spaces ignored."""
    return re.sub(r"\s+", " ", str(name)).strip().casefold()


@dataclass
class RawSheet:
    name: str  # as the file spells it
    header_row: int  # spreadsheet number of the header row (0 when the sheet is empty)
    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    formula_gaps: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column index) -> formula


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
    if path.is_dir():
        return _read_csv_folder(path)
    if not path.exists():
        raise ImportFailed([_file_error(path, "no such file or folder")])
    if path.suffix.lower() == ".csv":
        return _read_csv_folder(path.parent, only=path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise ImportFailed([_file_error(path, "not a supplier workbook: give an .xlsx file or a folder of .csv files")])
    return _read_xlsx(path)


def _file_error(path: Path, message: str):
    c = Collector()
    c.add("BAD_FILE", message, sheet=path.name)
    return c.items[0]


def _header_and_rows(name: str, rows: Iterator[list[Any]], first: int = 1) -> RawSheet:
    """Split rows at the first non-empty one, the header."""
    number = first - 1
    for cells in rows:
        number += 1
        if any(c not in (None, "") and str(c).strip() for c in cells):
            header = [str(c).strip() if c is not None else "" for c in cells]
            return RawSheet(name, number, header, _numbered(rows, number))
    return RawSheet(name, 0, [], iter(()))


def _numbered(rows: Iterator[list[Any]], after: int) -> Iterator[tuple[int, list[Any]]]:
    for n, cells in enumerate(rows, start=after + 1):
        yield n, cells


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
        digest_parts.append(f"{f.name}:{file_sha256(f)}")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")  # Excel on Windows saves CSV as cp1252
        if "\x00" in text:
            raise ImportFailed([_file_error(f, "not a text CSV file (it holds NUL bytes)")])
        total += text.count("\n")
        reader = csv.reader(text.splitlines())
        sheets[fold_name(f.stem)] = _header_and_rows(f.stem, iter(reader))
    from .canonical import sha256_hex

    digest = sha256_hex("\n".join(digest_parts)) if not only else file_sha256(only)
    return Source(folder if not only else only, (folder if not only else only).name, digest,
                  folder, sheets, total)


# --- XLSX --------------------------------------------------------------------

def _read_xlsx(path: Path) -> Source:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ImportFailed([_file_error(path, "not an .xlsx workbook (the file is not a zip archive); "
                                              "save it from Excel as .xlsx")]) from None
    with zf:
        _check_zip(path, zf)
        sheet_parts = _sheet_parts(path, zf)
        gaps = {name: _formula_gaps(zf, part) for name, part in sheet_parts.items()}
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
        col0 = ws.start[1] if ws.start else 0
        total += ws.height
        raw = _header_and_rows(name, iter(ws.iter_rows()))
        raw.formula_gaps = {(r, c - col0): f for (r, c), f in gaps.get(name, {}).items()}
        sheets[fold_name(name)] = raw
    return Source(path, path.name, file_sha256(path), path.parent, sheets, total)


def _check_zip(path: Path, zf: zipfile.ZipFile) -> None:
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

    for i in infos:
        if not i.filename.endswith((".xml", ".rels")):
            continue
        try:
            with zf.open(i) as fh:
                for _ in iterparse(fh, events=("start",), forbid_dtd=True):
                    break  # a DTD can only come before the first element
        except DefusedXmlException:
            raise ImportFailed([_file_error(path, f"part {i.filename} declares a document type or entities "
                                                  "(an XML bomb or external entity attack): refusing to read it")]) from None
        except Exception as exc:  # ParseError and friends: a corrupt part
            raise ImportFailed([_file_error(path, f"the workbook is corrupt: part {i.filename} is not "
                                                  f"well-formed XML ({exc})")]) from None


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


def _formula_gaps(zf: zipfile.ZipFile, member: str) -> dict[tuple[int, int], str]:
    """Cells holding a formula with no cached value: (row, column index) -> formula."""
    if member not in zf.namelist() or not _has_formula(zf, member):
        return {}
    from defusedxml.ElementTree import iterparse

    m = "{" + _NS["m"] + "}"
    gaps: dict[tuple[int, int], str] = {}
    with zf.open(member) as fh:
        for _, el in iterparse(fh, events=("end",), forbid_dtd=True):
            if el.tag == m + "c":
                f = el.find(m + "f")
                v = el.find(m + "v")
                if f is not None and (v is None or not (v.text or "").strip()):
                    ref = _CELL.match(el.get("r", ""))
                    if ref:
                        gaps[(int(ref[2]), _col_index(ref[1]))] = "=" + (f.text or "")
                el.clear()
            elif el.tag == m + "row":
                el.clear()
    return gaps


def _has_formula(zf: zipfile.ZipFile, member: str) -> bool:
    tail = b""
    with zf.open(member) as fh:
        while chunk := fh.read(1 << 20):
            data = tail + chunk
            if b"<f>" in data or b"<f " in data or b"<f/>" in data:
                return True
            tail = data[-4:]
    return False
