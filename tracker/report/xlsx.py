"""Writing sheets fast and safely: styled cells, print setup, and the sheet-XML streamer.

Supplier text is data, never a formula or a link: a string starting with
`=`, `+`, `-`, `@`, a tab or a carriage return is written as a text cell with
Excel's quote prefix. Big table sheets stream their rows as sheet XML
(`SheetRows`) and are spliced into the part openpyxl wrote empty
(`splice`), so a package with ten thousand upstream lots takes seconds.
"""

from __future__ import annotations

import os
import re
import tempfile
from copy import copy
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable
import zipfile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..canonical import decimal_text

_HOSTILE = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(name="Calibri", bold=True, color="FFFFFF")
_WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
_DATE_ALIGN = Alignment(wrap_text=True, vertical="top", horizontal="center")
SEVERITY_FILL = {"high": PatternFill("solid", fgColor="F8CBAD"), "medium": PatternFill("solid", fgColor="FFE699"),
                  "low": PatternFill("solid", fgColor="DDEBF7"), "info": PatternFill("solid", fgColor="EDEDED")}
_MISSING_FILL = PatternFill("solid", fgColor="F8CBAD")
_MAX_CELL = 32_767
_HEADER_STYLE = {"font": HEADER_FONT, "fill": HEADER_FILL, "alignment": _WRAP}
_BODY_STYLE = {"alignment": _WRAP}
_FILLED_STYLE = {id(f): {"alignment": _WRAP, "fill": f} for f in (*SEVERITY_FILL.values(), _MISSING_FILL)}


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


def styled_cell(ws, value: Any, **style) -> WriteOnlyCell:
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
    # A width unit holds about one character of 11 pt Calibri; fewer where a wider font stands in.
    per_line = max(int((width - 2) * 0.85), 1)
    return sum(max(1, -(-len(part) // per_line)) for part in value.split("\n"))


def fit_height(ws, row: int, values: list, widths: list[float]) -> None:
    lines = max((_lines(v, w) for v, w in zip(values, widths)), default=1)
    if lines > 1:
        ws.row_dimensions[row].height = min(409, 15 * lines)  # 409 points: Excel's tallest row


# Letter paper with half-inch side margins prints 7.5 inches across in portrait, 10 in landscape, at
# 96 pixels an inch. A column of width w takes 7w + 5 pixels in Excel (Calibri 11) but 9w + 5 where
# Calibri is missing and LibreOffice falls back to DejaVu Sans: plan for the wider, so a sheet fits
# its page wherever it is printed. Text is 11 pt, so a scale of 82% or more keeps it at 9 pt or larger.
_PRINTABLE_PX = {"portrait": 7.5 * 96, "landscape": 10 * 96}
MIN_SCALE = 82
BODY_PT = 11


def _columns_px(widths: list[float]) -> float:
    return sum(9 * w + 5 for w in widths)


def page_setup(ws, widths: list[float], landscape: bool | None = None, grid: bool = True) -> None:
    """Column widths and print setup: US letter, portrait when the columns fit across it, else
    landscape, scaled down no further than keeps text at 9 pt (wider sheets print across pages)."""
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    px = _columns_px(widths) * 1.03  # LibreOffice and Excel measure a little differently
    if landscape is None:
        landscape = px > _PRINTABLE_PX["portrait"]
    orientation = "landscape" if landscape else "portrait"
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_LETTER  # CBP reads US letter
    ws.page_setup.scale = max(MIN_SCALE, min(100, int(100 * _PRINTABLE_PX[orientation] / px)))
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.8
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_options.gridLines = grid
    ws.print_options.horizontalCentered = True
    ws.page_setup.pageOrder = "overThenDown"  # a sheet wider than a page: each band of rows whole, in turn


def _hf_text(text: str) -> str:
    return text.replace("&", "&&")


def print_header(ws, left: str, centre: str, right: str) -> None:
    """Every printed page says whose goods and which entries (left), what it is (centre) and the
    legend (right); the footer numbers the pages. Excel caps a header at 255 characters."""
    hf = ws.HeaderFooter
    hf.scaleWithDoc = False  # the header and footer keep their 9 pt on a page printed at 82%
    budget = 240 - len(centre) - len(right)
    left = left if len(left) <= budget else left[:max(budget - 1, 0)] + "…"
    for part, text in ((hf.oddHeader.left, left), (hf.oddHeader.center, centre), (hf.oddHeader.right, right)):
        if text:
            part.text = _hf_text(text)
            part.size = 9
    hf.oddFooter.center.text = "Page &P of &N"
    hf.oddFooter.center.size = 9
    hf.oddFooter.right.text = _hf_text(ws.title)
    hf.oddFooter.right.size = 9


_EPOCH = date(1899, 12, 30)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LITERAL_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def _xml_text(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "_x" in text:  # text that looks like Excel's escape is itself escaped (ECMA-376 ST_Xstring)
        text = _LITERAL_ESCAPE.sub("_x005F_", text)
    if _ILLEGAL.search(text):  # Excel's own escape for characters XML cannot hold
        text = _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text


class SheetRows:
    """Rows of a big table sheet written as sheet XML directly.

    openpyxl builds a Cell object for every cell, about 25 microseconds each;
    an evidence package for ten thousand upstream lots has over a million
    cells. openpyxl still writes the workbook, its styles, widths, filters and
    print setup; only the rows are streamed here and spliced into the sheet
    part when the workbook is saved (`splice`). Text goes in as inline
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
                     "decimal": {"number_format": "#,##0.######"},
                     # Dates centred: right-aligned against a wrapped text column they run into it.
                     "date": {"number_format": "yyyy-mm-dd", "alignment": _DATE_ALIGN},
                     "datetime": {"number_format": "yyyy-mm-dd hh:mm", "alignment": _DATE_ALIGN}}.get(kind, {})
            sid = self._ids[key] = self.wb._cell_styles.add(_style_array(self.ws, **{**base, **extra}))
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


def table_sheet(wb: Workbook, spec: dict, rows: Iterable[dict], pending: dict) -> int:
    ws = wb.create_sheet(spec["name"])
    columns = spec["columns"]
    widths = [c.get("width", 14) for c in columns]
    page_setup(ws, widths)
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    out = SheetRows(wb, ws, widths)
    out.append([c["header"] for c in columns], _HEADER_STYLE)
    keys = [c["key"] for c in columns]
    sev = "severity" in keys
    status = "status" in keys
    for row in rows:
        fill = None
        if sev:
            fill = SEVERITY_FILL.get(row.get("severity"))
        elif status and (row.get("status") in ("MISSING", "TAMPERED", "EXCEEDS") or
                         str(row.get("status", "")).startswith("OVER")):
            fill = _MISSING_FILL
        out.append([row.get(k) for k in keys], _BODY_STYLE if fill is None else _FILLED_STYLE[id(fill)])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(out.count, 2)}"
    pending[ws] = out
    return out.count - 1


def splice(path: Path, pending: dict) -> None:
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

