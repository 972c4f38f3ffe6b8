"""Writing a whole workbook from a package and a layout, atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from openpyxl import Workbook
from sqlalchemy import Connection

from .build import Package, build_package
from .chart import route_map_sheet
from .index import card_sheet, index_sheet
from .kinds import SHEET_KINDS
from .layouts import load_layout
from .xlsx import print_header, splice, table_sheet


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
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


def write_workbook(pkg: Package, path: Path, layout: dict) -> dict[str, int]:
    wb = Workbook(write_only=True)
    rows: dict[str, int] = {}
    pending: dict = {}
    for spec in layout["sheet"]:
        kind = spec["kind"]
        if kind == "index":
            index_sheet(wb, pkg, layout)
        elif kind == "route_map":
            route_map_sheet(wb, pkg, spec)
        else:
            if spec.get("style") == "card":
                rows[spec["name"]] = card_sheet(wb, spec, SHEET_KINDS[kind](pkg))
            else:
                rows[spec["name"]] = table_sheet(wb, spec, SHEET_KINDS[kind](pkg), pending)
    left, right = header_texts(pkg)
    for ws in wb.worksheets:
        print_header(ws, left, "", right)
    wb.save(path)
    splice(path, pending)
    return rows


def header_texts(pkg: Package) -> tuple[str, str]:
    """(whose goods and which entries, the legend) for the head of every printed page."""
    importers = ", ".join(sorted({r.entry.importer for r in pkg.results if r.entry.importer}))
    entries = ", ".join(dict.fromkeys(r.entry.entry_number for r in pkg.results))
    left = (f"Importer: {importers}. " if importers else "") + f"Entries: {entries}"
    legend = pkg.edition.short_legend if pkg.edition is not None else "Internal review: not for filing with CBP"
    return left, legend


def write_report(conn: Connection, entries: list[str], path: str | os.PathLike, *, layout: str | None = None,
                 store: Path | None = None, db_label: str = "") -> Package:
    """Write the evidence workbook for `entries` to `path` (atomically)."""
    spec = load_layout(layout)
    pkg = build_package(conn, entries, store, db_label)
    atomic_write(Path(path), lambda tmp: write_workbook(pkg, tmp, spec))
    return pkg

