"""The Index sheet (the book's table of contents) and card sheets (one block per record)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink

from .. import __version__
from .build import Package
from .xlsx import HEADER_FILL, HEADER_FONT, SEVERITY_FILL, TOP, styled_cell, fit_height, page_setup


def card_sheet(wb: Workbook, spec: dict, rows: Iterable[dict]) -> int:
    """One block per record, a field per line: for long texts a reader takes in one entry at a time."""
    ws = wb.create_sheet(spec["name"])
    page_setup(ws, [34, 110])
    n = line = 0
    bold = Font(name="Calibri", bold=True)
    for row in rows:
        n += 1
        first, *rest = spec["columns"]
        ws.append([styled_cell(ws, f"{first['header']} {row.get(first['key'])}", font=HEADER_FONT, fill=HEADER_FILL),
                   styled_cell(ws, None, fill=HEADER_FILL)])
        line += 1
        for c in rest:
            line += 1
            value = row.get(c["key"])
            fit_height(ws, line, [c["header"], value], [34, 110])
            ws.append([styled_cell(ws, c["header"], font=bold, alignment=TOP),
                       styled_cell(ws, value, alignment=Alignment(wrap_text=True, vertical="top", horizontal="left"))])
        ws.append([])
        line += 1
    return n


def index_sheet(wb: Workbook, pkg: Package, layout: dict) -> None:
    ws = wb.create_sheet(next(s["name"] for s in layout["sheet"] if s["kind"] == "index"))
    page_setup(ws, [26, 18, 34, 13, 12, 10, 10, 8, 8, 8, 8], landscape=True)
    bold = Font(name="Calibri", bold=True)
    importers = sorted({r.entry.importer for r in pkg.results if r.entry.importer})
    seq, chain_head = pkg.audit_head
    counts = {s: sum(1 for r in pkg.results for f in r.flags if f.severity == s)
              for s in ("high", "medium", "low", "info")}
    ws.append([styled_cell(ws, layout.get("title", "Evidence of country of origin"), font=Font(name="Calibri", bold=True, size=16))])
    for label, value in (("Importer", ", ".join(importers) or "(not stated)"),
                         ("Entries", ", ".join(dict.fromkeys(r.entry.entry_number for r in pkg.results))),
                         ("Flags", ", ".join(f"{n} {s}" for s, n in counts.items())),
                         ("Made on (UTC)", pkg.made_at.replace(tzinfo=None)),
                         ("Audit chain head", f"{chain_head} (record {seq})"),
                         ("Database", pkg.db_label),
                         ("Made by", f"tracker {__version__}, layout {Path(layout['path']).stem}")):
        ws.append([styled_cell(ws, label, font=bold), styled_cell(ws, value)])
    ws.append([])
    header = ["Entry", "Lot", "Product", "HTS", "Entry date", "Declared", "Computed", "High", "Medium", "Low", "Info"]
    ws.append([styled_cell(ws, h, font=HEADER_FONT, fill=HEADER_FILL) for h in header])
    chain = pkg.d.chain
    for r in pkg.results:
        e = r.entry
        n = {s: sum(1 for f in r.flags if f.severity == s) for s in ("high", "medium", "low", "info")}
        mismatch = r.computed_origin != e.declared_origin
        ws.append([styled_cell(ws, e.entry_number), styled_cell(ws, e.lot_id),
                   styled_cell(ws, chain.items[chain.lots[e.lot_id].item_id].description), styled_cell(ws, e.hts),
                   styled_cell(ws, e.entry_date), styled_cell(ws, e.declared_origin),
                   styled_cell(ws, r.computed_origin or "unknown", font=Font(name="Calibri", bold=True, color="C00000" if mismatch else "000000")),
                   *[styled_cell(ws, n[s], fill=SEVERITY_FILL[s]) if n[s] else styled_cell(ws, 0) for s in n]])
    ws.append([])
    ws.append([styled_cell(ws, "Sheet", font=HEADER_FONT, fill=HEADER_FILL),
               styled_cell(ws, "What it holds", font=HEADER_FONT, fill=HEADER_FILL)])
    row = 10 + len(pkg.results) + 2
    for spec in layout["sheet"]:
        if spec["kind"] == "index":
            continue
        row += 1
        link = styled_cell(ws, spec["name"], font=Font(name="Calibri", color="0563C1", underline="single"))
        link._hyperlink = Hyperlink(ref=f"A{row}", location=f"{quote_sheetname(spec['name'])}!A1",
                                    display=spec["name"])
        ws.append([link, styled_cell(ws, spec.get("description", ""))])
    ws.append([])
    ws.append([styled_cell(ws, "Note", font=bold),
               styled_cell(ws, "Trade measure scope is set by each order's written description and must be confirmed; "
                         "origin follows 19 CFR 134 and the rules in determination-v1.")])

