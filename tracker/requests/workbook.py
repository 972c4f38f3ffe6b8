"""The request workbook: the blank template's sheets, pre-filled, with what is missing marked.

A supplier who has never seen tracker opens it on the Request sheet: who asks,
by when, where to send it, and a numbered list of what is needed in plain
words, each with a link to the cell or row where the answer goes. Missing
cells are filled yellow and carry a note. Each missing document has a row on
the Documents sheet with what it is about already filled in; the supplier
adds its number, date and file name. Columns neither sent nor asked are
hidden (see `shown_columns`), never removed. A returned workbook is an ordinary
supplier-workbook-v1 file: the importer skips the Request sheet and reads the
request number from it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname

from ..schemas import sheet_by_name
from ..template import fit_for_print, template_workbook, write_row
from .scope import SUPPLIER_SHEETS, Ask, RequestPlan, doc_words

__all__ = ["write_request_workbook", "REQUEST_SHEET", "NUMBER_LABEL"]

REQUEST_SHEET = "Request"
NUMBER_LABEL = "Request number"
_ASK_FILL = PatternFill("solid", fgColor="FFD966")  # strong enough to find on a page printed in grey
_HEAD_FILL = PatternFill("solid", fgColor="1F4E78")
_WHITE = Font(bold=True, color="FFFFFF")
_WRAP = Alignment(wrap_text=True, vertical="top")
_THIN = Border(bottom=Side(style="thin", color="BFBFBF"))
_EDGE = Side(style="medium", color="BF8F00")
_BOX = Border(left=_EDGE, right=_EDGE, top=_EDGE, bottom=_EDGE)  # rows of yellow cells stay apart
# The Documents columns a supplier fills in for a requested document.
_DOC_ANSWER = ("document_id", "reference_no", "issuer", "issued_on", "file")
# Columns shown only where they concern what is sent: the metal columns for steel (HTS chapters 72
# and 73) and aluminum (76), the certificate columns of v1.1 where a preference certificate is asked
# (a certificate of origin for an entry claiming a program) or one is already held with them filled.
# The file's hash is the importer's check, never the supplier's work.
_METAL = {"melt_pour_country": ("72", "73"), "smelt_country": ("76",), "secondary_smelt_country": ("76",),
          "cast_country": ("76",)}
_CERTIFICATE = ("program", "certifier_role", "exporter", "producer", "importer", "hts", "origin_criterion",
                "blanket_from", "blanket_to", "signed")
_NEVER_SHOWN = {"Documents": ("sha256",)}
_FOR_REFERENCE = "Received from another supplier; shown for reference. Nothing to fill in for it."
_FOR_REFERENCE_LOWER = _FOR_REFERENCE[:1].lower() + _FOR_REFERENCE[1:]
_KEYS = {"Companies": "company", "Facilities": "facility", "Items": "item", "Lots": "lot",
         "Processes": "process", "ProcessLots": "process_lot", "Shipments": "shipment", "Documents": "document"}


def _mark(cell, text: str) -> None:
    cell.fill = _ASK_FILL
    cell.border = _BOX
    cell.comment = Comment(text, "request", width=300, height=110)


def _doc_columns(types: list[str]) -> tuple[str, ...]:
    """The Documents columns a requested document's row asks for."""
    certificate = {"certificate_of_origin", "mill_certificate"} & set(types)
    return _DOC_ANSWER + (("doc_type",) if len(types) > 1 else ()) + (("stated_origin",) if certificate else ())


def shown_columns(plan: RequestPlan) -> dict[str, set[str]]:
    """Sheet -> the columns a request shows: the required ones (a supplier adds rows under them),
    those pre-filled, those asked; the metal and certificate columns only where they apply.
    The others are hidden, not removed, so the returned workbook imports as it is."""
    chapters = {str(r.get("hts") or "")[:2] for r in plan.rows.get("Items", [])}
    asked: dict[str, set[str]] = {}
    certificate = False
    for ask in plan.asks:
        if ask.kind == "document":
            types = ask.detail.split("|")
            certificate |= plan.preference and "certificate_of_origin" in types
            asked.setdefault("Documents", set()).update(_doc_columns(types))
        else:
            source = {"facility_id"} if ask.kind == "source" else set()  # "if you bought it: name the maker"
            asked.setdefault(ask.sheet, set()).update({ask.column} | source)
    out: dict[str, set[str]] = {}
    for name in SUPPLIER_SHEETS:
        rows = plan.rows.get(name, [])
        out[name] = set()
        for col in sheet_by_name(name).columns:
            filled = any(r.get(col.field) is not None for r in rows)
            if col.name in _NEVER_SHOWN.get(name, ()):
                continue
            if name == "Lots" and col.name in _METAL:
                show = bool(chapters & set(_METAL[col.name]))
            elif name == "Documents" and col.name in _CERTIFICATE:
                show = certificate or filled
            else:
                show = col.required or filled or col.name in asked.get(name, ())
            if show:
                out[name].add(col.name)
    return out


def write_request_workbook(path: Path, plan: RequestPlan, number: int, sent_on: date, due_on: date,
                           send_to: str) -> list[str]:
    """Write the workbook; returns, per ask in plan order, where its answer goes (Sheet!cell)."""
    wb = template_workbook(SUPPLIER_SHEETS, shown=shown_columns(plan), for_supplier=True)
    where_row: dict[tuple[str, str], int] = {}  # (table, first key column) -> its first row
    for name in SUPPLIER_SHEETS:
        ws, spec = wb[name], sheet_by_name(name)
        for n, values in enumerate(plan.rows.get(name, []), start=2):
            write_row(ws, n, spec, values)
            where_row.setdefault((_KEYS[name], values[spec.key[0]]), n)
    # An input lot of another party is named by id only: say so where it stands.
    ours = {r["lot_id"] for r in plan.rows.get("Lots", [])}
    theirs: list[tuple[str, str, str]] = []  # (lot, process, its cell on ProcessLots)
    lot_col = next(i for i, c in enumerate(sheet_by_name("ProcessLots").columns, start=1) if c.name == "lot_id")
    for n, values in enumerate(plan.rows.get("ProcessLots", []), start=2):
        if values["lot_id"] not in ours:
            cell = wb["ProcessLots"].cell(row=n, column=lot_col)
            cell.font = Font(italic=True, color="595959")
            cell.comment = Comment(_FOR_REFERENCE, "request", width=300, height=60)
            theirs.append((values["lot_id"], values["process_id"], f"ProcessLots!{get_column_letter(lot_col)}{n}"))
    if theirs:  # the note on the cell does not print: say it on every printed page
        wb["ProcessLots"].oddFooter.left.text = f"lot_id in grey italics: {_FOR_REFERENCE_LOWER}"
    docs = wb["Documents"]
    doc_spec = sheet_by_name("Documents")
    doc_col = {c.name: i for i, c in enumerate(doc_spec.columns, start=1)}
    next_doc = len(plan.rows.get("Documents", [])) + 2
    places: list[str] = []
    for ask in plan.asks:
        places.append(_place(wb, ask, where_row, docs, doc_spec, doc_col, next_doc))
        if ask.kind == "document":
            next_doc += 1
    _front_sheet(wb, plan, places, number, sent_on, due_on, send_to, theirs)
    for name in SUPPLIER_SHEETS:  # prints legibly: one page wide where that holds, else across pages
        ws = wb[name]
        for i, column in enumerate(ws.iter_cols(min_row=2, max_row=max(ws.max_row, 2)), start=1):
            longest = max((len(str(c.value)) for c in column if c.value is not None), default=0)
            letter = get_column_letter(i)
            ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, min(48, longest + 2))
        fit_for_print(ws, key_columns=len(sheet_by_name(name).key) if name == "ProcessLots" else 1)
        ws.print_area = f"A1:{get_column_letter(ws.max_column)}{max(ws.max_row, 2)}"
    wb.active = 0
    wb.save(path)
    return places


def _place(wb, ask: Ask, where_row: dict, docs, doc_spec, doc_col: dict, next_doc: int) -> str:
    if ask.kind == "document":
        r = next_doc
        types = ask.detail.split("|")
        write_row(docs, r, doc_spec, {"doc_type": types[0] if len(types) == 1 else None,
                                      "covers_type": ask.subject_type, "covers_id": ask.subject_id})
        for column in _doc_columns(types):
            note = {"document_id": "Your number for this document (any id, unique).",
                    "stated_origin": "The country of origin the certificate states (for a mill certificate, "
                                     "the country where the metal was melted or smelted).",
                    "file": "The scanned file's name; put the file in the same folder as this workbook.",
                    "doc_type": f"Pick one: {', '.join(types)}."}.get(column, "Fill in from the document.")
            _mark(docs.cell(row=r, column=doc_col[column]), f"Requested: {doc_words(ask.detail)}. {note}")
        return f"Documents!A{r}"
    r = where_row[(ask.subject_type, ask.subject_id)]
    ws = wb[ask.sheet]
    spec = sheet_by_name(ask.sheet)
    col = next(i for i, c in enumerate(spec.columns, start=1) if c.name == ask.column)
    _mark(ws.cell(row=r, column=col), f"Requested: {ask.text}.")
    if ask.kind == "source":
        fcol = next(i for i, c in enumerate(spec.columns, start=1) if c.name == "facility_id")
        _mark(ws.cell(row=r, column=fcol), "If you bought this lot: your supplier's facility_id "
              "(add it on the Facilities sheet).")
    return f"{ask.sheet}!{get_column_letter(col)}{r}"


def _sections(asks: list[Ask], places: list[str]) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The Request sheet's list: (heading, [(numbers, words, place)]). Facts about one record
    make one line ("4-7"), so a plant's four missing details read as one request."""
    docs, facts, sources = [], [], []
    n = 0
    for ask, place in zip(asks, places):
        n += 1
        if ask.kind == "document":
            docs.append((str(n), ask.text, place))
        elif ask.kind == "source":
            sources.append((str(n), ask.text, place))
        else:
            subject, _, phrase = ask.text.partition(": ")
            if facts and facts[-1][3] == (ask.subject_type, ask.subject_id):
                first, _, _ = facts[-1][0].partition("-")
                facts[-1] = (f"{first}-{n}", f"{facts[-1][1]}; {phrase}", facts[-1][2], facts[-1][3])
            else:
                facts.append((str(n), f"{subject}: {phrase}", place, (ask.subject_type, ask.subject_id)))
    return [("Documents to send", docs),
            ("Details missing from your records", [f[:3] for f in facts]),
            ("Where your materials came from", sources)]


def _front_sheet(wb, plan: RequestPlan, places: list[str], number: int, sent_on: date, due_on: date,
                 send_to: str, theirs: list[tuple[str, str, str]]) -> None:
    ws = wb.create_sheet(REQUEST_SHEET, 0)
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 92
    ws.column_dimensions["C"].width = 20
    bold = Font(bold=True)
    r = 1
    ws.cell(row=r, column=1, value="Request for supply-chain records").font = Font(bold=True, size=14)
    r += 2
    s = plan.supplier
    to = s.name
    if s.kind == "facility" and plan.rows.get("Companies"):  # a plant is addressed with its operator
        to += ", " + ", ".join(c["name"] for c in plan.rows["Companies"])
    header = [
        ("To", to),
        ("Please answer by", due_on),
        ("Send it back to", send_to),
        ("Sent on", sent_on),
        (NUMBER_LABEL, number),
    ]
    for label, value in header:
        ws.cell(row=r, column=1, value=label).font = bold
        c = ws.cell(row=r, column=2, value=value)
        c.alignment = Alignment(horizontal="left")
        if label == "Please answer by":
            c.font = Font(bold=True, color="C00000")
        if isinstance(value, date):
            c.number_format = "yyyy-mm-dd"
        if isinstance(value, str):
            c.data_type = "s"
        r += 1
    r += 1
    texts = [
        ("Why we ask", "US Customs (CBP) can ask us to prove where the goods we import were made, "
                       "step by step from raw material to the shipment, with documents. This workbook "
                       "holds what we have on record about your part of that chain. Some facts and "
                       "documents are missing; they are listed below and highlighted in yellow on the sheets."),
        ("How to answer", "1. For each line below, click the place in the last column and fill in the "
                          "yellow cells. Hover over a yellow cell for what goes in it.\n"
                          "2. For a document: put the scanned file (PDF or photo) in the same folder as "
                          "this workbook, and on the Documents sheet write your number for it in document_id, "
                          "its number, issuer and date, and the file's name in the file column.\n"
                          "3. If something we hold is wrong, correct it in place; keep the ids as they are.\n"
                          "4. Send back this workbook together with the files, in one zip file. "
                          "Keep the Request number above."),
    ]
    if any(a.kind == "source" for a in plan.asks):
        texts.append(("If you bought it", "Some lots have no recorded origin. If you bought such a lot, "
                      "tell us who made it: add your supplier on the Companies sheet and its plant on the "
                      "Facilities sheet (with ids of your choosing), put that facility_id in the lot's "
                      "facility_id on the Lots sheet, and add the delivery on the Shipments sheet (from your "
                      "supplier's plant to yours). Attach your supplier's mill certificate or certificate of "
                      "origin if you have it; if not, we will ask your supplier for it."))
    texts.append(("What else", "Send only your own records. A sheet with nothing highlighted needs nothing "
                                "from you, unless something on it is wrong."))
    for label, text in texts:
        ws.cell(row=r, column=1, value=label).font = bold
        ws.cell(row=r, column=1).alignment = _WRAP
        c = ws.cell(row=r, column=2, value=text)
        c.alignment = _WRAP
        ws.row_dimensions[r].height = 15 * sum(-(-len(line) // 100) or 1 for line in text.split("\n"))
        r += 1
    r += 1
    for i, title in enumerate(("No.", "What we need", "Fill in at"), start=1):
        c = ws.cell(row=r, column=i, value=title)
        c.fill, c.font = _HEAD_FILL, _WHITE
    first = r
    reference = [("", f"Lot {lot}, an input of process {process}: {_FOR_REFERENCE_LOWER}",
                  place) for lot, process, place in theirs]
    for title, lines in _sections(plan.asks, places) + [("Lots of other suppliers, shown for reference", reference)]:
        if not lines:
            continue
        r += 1
        ws.cell(row=r, column=2, value=title).font = Font(bold=True, size=12)
        ws.row_dimensions[r].height = 22
        for numbers, text, place in lines:
            r += 1
            ws.cell(row=r, column=1, value=numbers).alignment = Alignment(horizontal="left", vertical="top")
            c = ws.cell(row=r, column=2, value=text)
            c.alignment, c.data_type = _WRAP, "s"
            sheet, cell = place.split("!")
            link = ws.cell(row=r, column=3, value=f"{sheet}, row {cell.lstrip('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}")
            link.hyperlink = f"#{quote_sheetname(sheet)}!{cell}"
            link.font = Font(color="0563C1", underline="single")
            link.alignment = Alignment(vertical="top")
            ws.row_dimensions[r].height = 15 * max(1, -(-len(text) // 100))
            for col in (1, 2, 3):
                ws.cell(row=r, column=col).border = _THIN
    ws.freeze_panes = None
    ws.print_title_rows = f"{first}:{first}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
