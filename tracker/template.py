"""`tracker template`: the blank supplier workbook, written from schemas/workbook.toml.

Every sheet and column of supplier-workbook-v1, a note on each header, a
drop-down list for every vocabulary and for countries (kept on a hidden
`Lists` sheet), an Instructions sheet that also prints every column's note,
frozen headers and sensible widths, and print settings that keep text at 8 pt
or more. The importer's own sheets (entries, measures, rulings) come last,
grey. A template filled in by hand imports as it is: the importer ignores the
Instructions and Lists sheets.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Iterable

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from .schemas import process_classes, process_examples, vocabulary, workbook_layout

__all__ = ["write_template", "template_workbook", "write_row", "fit_for_print", "plain_words",
           "TEMPLATE_ROWS", "IMPORTER_SHEETS", "IMPORTER_NOTE", "VERSION"]

VERSION = "1.1"  # supplier-workbook-v1 with the 1.1 additions (certificate columns, essential, ruling dates)
# Sheets the importer keeps (entries, measures, rulings): last in the template, grey, never in a request.
IMPORTER_SHEETS = ("Entries", "TradeMeasures", "Rulings")
IMPORTER_NOTE = "For the importer: suppliers leave this sheet empty"
_GREY_TAB = "808080"
# Printed text must stay readable: the default 11 pt font at 75% is 8.25 pt. A sheet too wide for
# that at one page wide prints at 75% across pages instead, its header row and key column on every page.
MIN_PRINT_SCALE = 75
_PRINTABLE_INCHES = 11 - 0.75 - 0.75  # letter landscape less openpyxl's default side margins

TEMPLATE_ROWS = 5000  # rows that carry drop-downs and formats
_REQUIRED = PatternFill("solid", fgColor="1F4E78")
_OPTIONAL = PatternFill("solid", fgColor="5B9BD5")
_WHITE = Font(bold=True, color="FFFFFF")
_FORMATS = {"date": "yyyy-mm-dd", "quantity": "#,##0.######", "hts": "@", "hts_prefix": "@", "id": "@"}
_KIND_TEXT = {
    "id": "an identifier", "text": "text", "country": "a country: ISO code (VN, VNM) or English name",
    "date": "a date (YYYY-MM-DD)", "quantity": "a number, 0 or more",
    "hts": "an HTS number, 6 to 10 digits (dots allowed)", "hts_prefix": "the first 2 to 10 digits of HTS numbers",
    # the importer computes the fingerprint from the file itself and checks it against one given
    "sha256": ("the file's fingerprint (its SHA-256 checksum: 64 characters, 0-9 and a-f); leave it empty "
               "if you have none, it is computed from the file"),
    "measure_country": "a country (ISO code or English name), or * for every country (232 and 201 only)",
}


def _countries() -> list[str]:
    import pycountry

    return sorted(c.name for c in pycountry.countries)


def write_template(path: str | Path) -> Path:
    path = Path(path)
    template_workbook().save(path)
    return path


def template_workbook(sheets: Iterable[str] | None = None, shown: dict[str, set[str]] | None = None,
                      for_supplier: bool = False) -> Workbook:
    """The template as a workbook not yet saved: Instructions, the hidden Lists, and
    every sheet of the layout (or only those named in `sheets`), for callers that
    fill rows in before saving (`tracker request`). `shown` (sheet -> column names)
    hides every other column of those sheets; hidden columns stay, so the file still
    imports. `for_supplier` words the Instructions for a supplier only (no rulings
    cited in the process types). The importer's own sheets come last, tab grey."""
    layout = [s for s in workbook_layout() if sheets is None or s.name in set(sheets)]
    specs = [s for s in layout if s.name not in IMPORTER_SHEETS] + [s for s in layout if s.name in IMPORTER_SHEETS]
    wb = Workbook()
    intro = wb.active
    intro.title = "Instructions"
    lists = wb.create_sheet("Lists")
    list_ranges = _write_lists(lists)
    lists.sheet_state = "hidden"
    for spec in specs:
        ws = wb.create_sheet(spec.name)
        for i, col in enumerate(spec.columns, start=1):
            cell = ws.cell(row=1, column=i, value=col.name)
            cell.fill = _REQUIRED if col.required else _OPTIONAL
            cell.font = _WHITE
            cell.alignment = Alignment(vertical="center")
            kind = col.kind.split(":")[0]
            text = _column_guidance(col)
            if spec.name in IMPORTER_SHEETS and i == 1:
                text = f"{IMPORTER_NOTE}.\n{text}"
            cell.comment = Comment(text, "tracker", width=320, height=130)
            letter = get_column_letter(i)
            # the header and its filter button; narrow columns keep a sheet one page wide, printed legibly
            ws.column_dimensions[letter].width = max(12, min(40, len(col.name) + 4))
            if shown is not None and spec.name in shown and col.name not in shown[spec.name]:
                ws.column_dimensions[letter].hidden = True
            if kind in _FORMATS:
                ws.column_dimensions[letter].number_format = _FORMATS[kind]
            source = list_ranges.get(col.kind.split(":")[-1] if kind == "vocab" else kind)
            if source:
                strict = kind == "vocab"
                dv = DataValidation(type="list", formula1=source, allow_blank=True,
                                    showErrorMessage=strict, errorStyle="stop",
                                    error=f"Pick a value from the list for {col.name}.",
                                    errorTitle="Not in the list")
                dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
                ws.add_data_validation(dv)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}1"
        if spec.name in IMPORTER_SHEETS:
            ws.sheet_properties.tabColor = _GREY_TAB
            ws.oddHeader.center.text = IMPORTER_NOTE  # the first printed line of every page
        fit_for_print(ws)
    _write_instructions(intro, specs, shown, for_supplier)
    return wb


def _column_guidance(col) -> str:
    kind = col.kind.split(":")[0]
    expects = _KIND_TEXT.get(kind, "one word from the list")
    text = f"{'Required. ' if col.required else 'Optional. '}{_note(col)}\nExpects {expects}."
    if col.ref:
        text += f"\nMust match a row of the {col.ref} sheet, here or in an earlier workbook."
    return text


def _note(col) -> str:
    """The column's note; a column added in version 1.1 says so in words ("v1.1: x" -> "x (added in 1.1)")."""
    note = col.note
    for mark in ("v1.1: ", "v1.1, "):
        if note.startswith(mark):
            return f"{note[len(mark):][:1].upper()}{note[len(mark) + 1:]} (Added in version 1.1.)"
    return note


def fit_for_print(ws, key_columns: int = 1) -> None:
    """Landscape letter, the header row on every page. One page wide when the visible columns
    fit at MIN_PRINT_SCALE or more; otherwise at that scale across pages, the key column repeated."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_LETTER
    ws.print_title_rows = "1:1"
    if _visible_inches(ws) * MIN_PRINT_SCALE / 100 <= _PRINTABLE_INCHES:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    else:
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        ws.page_setup.scale = MIN_PRINT_SCALE
        ws.print_title_cols = f"A:{get_column_letter(key_columns)}"


def _visible_inches(ws) -> float:
    """Printed width of the visible columns at 100%: a column of width w is 7w+5 pixels at 96 dpi."""
    total = 0.0
    for i in range(1, ws.max_column + 1):
        dim = ws.column_dimensions[get_column_letter(i)]
        if not dim.hidden:
            total += (7 * (dim.width or 13) + 5) / 96
    return total


def plain_words(examples: str) -> str:
    """A process type's examples without the rulings and cases behind it, for a supplier:
    'doping ... junction (Commerce, ET Solar scope ruling, 2021; CBP HQ H301813)' -> 'doping ... junction'."""
    def cited(m: re.Match) -> str:
        return "" if re.search(r"CBP|HQ |CIT|CFR|ruling|v\. ", m.group(0)) else m.group(0)

    return re.sub(r"\s*\((?:[^()]|\([^()]*\))*\)", cited, examples)


def write_row(ws, row: int, spec, values: dict) -> None:
    """Write one record under the sheet's headers: dates as dates, numbers as numbers
    (as text where a float would not carry the exact decimal), text always as text."""
    for i, col in enumerate(spec.columns, start=1):
        value = values.get(col.field)
        if value is None:
            continue
        kind = col.kind.split(":")[0]
        if isinstance(value, Decimal):
            exact = Decimal(repr(float(value))) == value
            value = (int(value) if value == value.to_integral_value() else float(value)) if exact else str(value)
        cell = ws.cell(row=row, column=i, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # supplier text is never a formula
            cell.quotePrefix = value.startswith(("=", "+", "-", "@", "\t", "\r"))
        if kind in _FORMATS:
            cell.number_format = _FORMATS[kind]


def _write_lists(ws) -> dict[str, str]:
    ranges = {}
    columns = [(name, words) for name, words in vocabulary().items()] + [("country", _countries())]
    for i, (name, words) in enumerate(columns, start=1):
        letter = get_column_letter(i)
        ws.cell(row=1, column=i, value=name)
        for r, word in enumerate(words, start=2):
            ws.cell(row=r, column=i, value=word)
        ranges[name] = f"{quote_sheetname(ws.title)}!${letter}$2:${letter}${len(words) + 1}"
    return ranges


def _write_instructions(ws, specs=None, shown=None, for_supplier: bool = False) -> None:
    specs = workbook_layout() if specs is None else specs
    bold = Font(bold=True)
    rows: list[tuple[str, str]] = [
        (f"Supplier workbook (version {VERSION})", ""),
        ("", ""),
        ("What this is", "The record of where the goods were made, from raw material to the US entry. "
                         "Your customer uses it to answer US Customs (CBP) about origin."),
        ("How to fill it in", "One row per record on each sheet. Dark blue headers are required, light blue "
                              "optional. What goes in each column is listed below (and shown when you hover "
                              "over a header). Leave a sheet empty when you have nothing for it. Do not rename "
                              "sheets or columns; you may add columns of your own (they are kept)."),
        ("Identifiers", "Use your own ids (lot numbers, process run numbers...). An id you used in an earlier "
                        "workbook refers to that row; sending a row again with other values corrects it."),
        ("Dates", "YYYY-MM-DD, or a date cell."),
        ("Countries", "ISO code (VN or VNM) or the English name (Vietnam, Viet Nam)."),
        ("Documents", "Put scanned files in the same folder as this workbook and give their file names "
                      "on the Documents sheet."),
        ("", ""),
    ]
    headings = [len(rows) + 1]
    rows.append(("Sheet", "What it holds"))
    rows += [(s.name, f"{IMPORTER_NOTE}. {s.note}" if s.name in IMPORTER_SHEETS else s.note) for s in specs]
    for spec in specs:  # the column guidance, printed (the header notes do not print)
        rows.append(("", ""))
        headings.append(len(rows) + 1)
        rows.append((spec.name, "Column: what goes in it"))
        for col in spec.columns:
            if shown is None or spec.name not in shown or col.name in shown[spec.name]:
                rows.append((f"  {col.name}", _column_guidance(col).replace("\n", " ")))
    rows.append(("", ""))
    headings.append(len(rows) + 1)
    if for_supplier:
        rows.append(("Process type", "What it means"))
        rows += [(name, plain_words(process_examples()[name])) for name in process_classes()]
    else:
        rows.append(("Process type", "Class, and examples"))
        rows += [(name, f"{klass}: {process_examples()[name]}") for name, klass in process_classes().items()]
    for r, (a, b) in enumerate(rows, start=1):
        label = ws.cell(row=r, column=1, value=a)
        label.font = bold
        label.alignment = Alignment(vertical="top")
        cell = ws.cell(row=r, column=2, value=b)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        lines = -(-len(b) // 95) if b else 1
        if lines > 1:  # spreadsheet programs do not all grow rows for wrapped text
            ws.row_dimensions[r].height = 15 * lines
    ws["A1"].font = Font(bold=True, size=14)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    for r in headings:
        ws.cell(row=r, column=2).font = bold
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 100
