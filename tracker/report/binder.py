"""The PDF binder of a submission: what counsel files with CBP.

In order: the narrative, the exhibit index, the prepared exhibits (A: the
steps, B: the supply-chain chart, then the mass balance, facilities and
certificates, as the layout lists them), then every held document file
(PDF, or image scans) in exhibit order. Every page carries a running Bates
number; every page after the index carries its exhibit; the confidential
edition marks every page BUSINESS CONFIDENTIAL, the public one PUBLIC VERSION.

reportlab draws the pages, pypdf merges and stamps them, matplotlib draws
the chart: no external program runs. A held file that is neither a readable
PDF nor an image gets a page saying so, with its name and SHA-256.
"""

from __future__ import annotations

import io
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from xml.sax.saxutils import escape

from .build import Package
from .kinds import SHEET_KINDS
from .submission import Exhibit, Facts, facts_of

__all__ = ["write_binder"]

_FONT_DIR = Path(__import__("matplotlib").get_data_path()) / "fonts" / "ttf"
_BLUE = "#1F4E78"


def _fonts() -> tuple[str, str]:
    """DejaVu Sans (shipped with matplotlib) covers accented and Vietnamese names; Helvetica does not."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", str(_FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(_FONT_DIR / "DejaVuSans-Bold.ttf")))
        from reportlab.lib.fonts import addMapping

        addMapping("DejaVu", 0, 0, "DejaVu")
        addMapping("DejaVu", 1, 0, "DejaVu-Bold")
    return "DejaVu", "DejaVu-Bold"


@dataclass
class Section:
    label: str | None  # the exhibit, "A" or "3"; None for the narrative and the index
    title: str
    render: Callable[[], bytes]  # the section's unstamped pages as a PDF
    pages: int = 0
    first_page: int = 0
    pdf: bytes = b""


def _styles():
    from reportlab.lib.styles import ParagraphStyle

    font, bold = _fonts()
    return {"body": ParagraphStyle("body", fontName=font, fontSize=9.5, leading=12.5),
            "cell": ParagraphStyle("cell", fontName=font, fontSize=9, leading=11),
            "head": ParagraphStyle("head", fontName=bold, fontSize=9, leading=11, textColor="white"),
            "h1": ParagraphStyle("h1", fontName=bold, fontSize=15, leading=19, spaceAfter=8, textColor=_BLUE),
            "h2": ParagraphStyle("h2", fontName=bold, fontSize=11.5, leading=15, spaceBefore=10, spaceAfter=4),
            "h3": ParagraphStyle("h3", fontName=bold, fontSize=10, leading=13, spaceBefore=6, spaceAfter=2)}


_SLICE = 60  # rows per table: about a page
_MAX_CELL_TEXT = 2500  # a table cell cannot break across pages: longer text is cut, the workbook has it all


def _text(value: Any, cut: bool = True) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    if cut and len(text) > _MAX_CELL_TEXT:
        text = text[:_MAX_CELL_TEXT] + " ... (in full in the submission workbook)"
    return escape(text).replace("\n", "<br/>")


def _document(story: list, landscape_page: bool, header: str) -> bytes:
    from reportlab.lib.pagesizes import landscape, letter
    from reportlab.lib.units import inch
    from reportlab.platypus import SimpleDocTemplate

    size = landscape(letter) if landscape_page else letter
    font, _ = _fonts()

    def head(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font, 9)
        canvas.setFillColor("#444444")
        canvas.drawString(0.6 * inch, size[1] - 0.45 * inch, header[:150])
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=size, leftMargin=0.6 * inch, rightMargin=0.6 * inch,
                            topMargin=0.85 * inch, bottomMargin=0.9 * inch, title="", author="", creator="",
                            producer="", subject="")
    doc.build(story, onFirstPage=head, onLaterPages=head)
    return buf.getvalue()


_MIN_TABLE_PT = 8.0  # tables shrink to fit a column's longest word, never below this


def _fit_columns(rows: list[list[Any]], widths: list[float], frame: float, font: str,
                 bold: str) -> tuple[float, list[float]]:
    """(type size, column widths in points) so that no id or word breaks inside: each column at least
    as wide as its longest word (words split at spaces only; at hyphens too when nothing else fits),
    the rest of the frame shared as the layout's widths say; type from 9 pt down to 8 when needed."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    longest: list[list[tuple[str, bool]]] = []  # per column, its longest words (by characters)
    for c in range(len(widths)):
        words: dict[str, bool] = {}
        for i, row in enumerate(rows):
            v = row[c] if c < len(row) else None
            text = "" if v is None else v.isoformat() if hasattr(v, "isoformat") else str(v)
            for word in text[:_MAX_CELL_TEXT].split():
                if len(word) > 3:
                    words[word] = words.get(word, False) or i == 0
        longest.append(sorted(words.items(), key=lambda kv: -len(kv[0]))[:12])

    def need(size: float, at_hyphens: bool) -> list[float]:
        out = []
        for words in longest:
            w = 0.0
            for word, head in words:
                parts = word.replace("-", "- ").split() if at_hyphens else [word]
                w = max(w, max(stringWidth(p, bold if head else font, size) for p in parts))
            out.append(w + 13)  # the cell's padding (6 pt a side), and a point to spare
        return out

    scale = frame / sum(widths)
    for at_hyphens in (False, True):
        for size in (9.0, 8.5, _MIN_TABLE_PT):
            needed = need(size, at_hyphens)
            if sum(needed) > frame:
                continue
            points = [max(w * scale, n) for w, n in zip(widths, needed)]
            extra = sum(points) - frame  # taken from the columns with room to spare, in proportion
            while extra > 0.01:
                spare = [p - n for p, n in zip(points, needed)]
                room = sum(spare)
                points = [p - extra * sp / room if room else p for p, sp in zip(points, spare)]
                extra = sum(points) - frame
            return size, points
    return _MIN_TABLE_PT, [w * scale for w in widths]


def _table(rows: list[list[Any]], widths: list[float], frame: float, styles) -> Any:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import LongTable, Paragraph, TableStyle

    from reportlab.pdfbase.pdfmetrics import stringWidth

    font, bold = styles["cell"].fontName, styles["head"].fontName
    size, points = _fit_columns(rows, widths, frame, font, bold)
    cols = [w - 12 for w in points]  # less the cell's padding
    cell_style = ParagraphStyle("cellfit", parent=styles["cell"], fontSize=size, leading=size + 2)
    head_style = ParagraphStyle("headfit", parent=styles["head"], fontSize=size, leading=size + 2)

    def cell(v: Any, width: float, head: bool) -> Any:
        # A Paragraph wraps but costs a hundred times a plain string, drawn as is: only for text that
        # does not fit its column on one line.
        if head:
            return Paragraph(_text(v), head_style)
        text = "" if v is None else v.isoformat() if hasattr(v, "isoformat") else str(v)
        if "\n" not in text and len(text) * 2.5 < width and stringWidth(text, font, size) <= width:
            return text
        return Paragraph(_text(v), cell_style)

    data = [[cell(v, w, i == 0) for v, w in zip(row, cols)] for i, row in enumerate(rows)]
    t = LongTable(data, colWidths=points, repeatRows=1)
    t.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), _BLUE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("GRID", (0, 0), (-1, -1), 0.4, "#9AA5B1"),
                           ("ROWBACKGROUNDS", (0, 1), (-1, -1), ["white", "#F2F5F8"]),
                           ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                           ("FONT", (0, 1), (-1, -1), font, size, size + 2)]))
    return t


def _sheet_section(pkg: Package, spec: dict, title: str, header: str, intro: str = "") -> bytes:
    """A layout's table sheet as pages: its columns, wrapped, header row repeated on every page."""
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph

    styles = _styles()
    widths = [c.get("width", 14) for c in spec["columns"]]
    wide = sum(widths) > 100
    frame = (11 if wide else 8.5) * inch - 1.2 * inch
    rows = [[c["header"] for c in spec["columns"]]]
    rows += [[r.get(c["key"]) for c in spec["columns"]] for r in SHEET_KINDS[spec["kind"]](pkg)]
    story = [Paragraph(_text(title), styles["h1"])]
    if intro:
        story.append(Paragraph(_text(intro), styles["body"]))
    if len(rows) == 1:
        story.append(Paragraph("None on record.", styles["body"]))
    else:
        # A table of thousands of rows is laid out in slices: the same pages, far faster (reportlab
        # splits a long table page by page, re-measuring what is left each time).
        for i in range(1, len(rows), _SLICE):
            story.append(_table([rows[0]] + rows[i:i + _SLICE], widths, frame, styles))
    return _document(story, wide, header)


def _narrative(pkg: Package, spec: dict | None, title: str, header: str) -> bytes:
    from reportlab.platypus import PageBreak, Paragraph

    styles = _styles()
    facts = facts_of(pkg)
    story = [Paragraph(_text(title), styles["h1"])]
    if facts.edition.legend:
        story.append(Paragraph(_text(facts.edition.legend), styles["body"]))
    rows = list(SHEET_KINDS["summary"](pkg)) if spec else []
    current = None
    for row in rows:
        if row["topic"] == "Edition":  # the legend, already under the title
            continue
        if row["entry_number"] != current:
            if current is not None:
                story.append(PageBreak())
            current = row["entry_number"]
            story.append(Paragraph(_text(f"Entry {current}"), styles["h2"]))
        story.append(Paragraph(_text(row["topic"]), styles["h3"]))
        story.append(Paragraph(_text(row["text"], cut=False), styles["body"]))
    return _document(story, False, header)


def _index(pkg: Package, spec: dict | None, sections: list[Section], header: str) -> bytes:
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, Spacer

    styles = _styles()
    facts = facts_of(pkg)
    story = [Paragraph("Exhibit index", styles["h1"]),
             Paragraph("Pages are numbered in the lower right corner of every page (Bates numbers). Exhibits "
                       "with letters were prepared from the records; numbered exhibits are the documents.",
                       styles["body"]), Spacer(1, 6)]
    frame = 11 * inch - 1.2 * inch
    parts = [["Exhibit", "Content", "Pages"]]
    for s in sections:
        parts.append([s.label or "", s.title, _pages(facts, s.first_page, s.pages)])
    story.append(_table(parts, [10, 60, 30], frame * 0.7, styles))
    story.append(Spacer(1, 10))
    if spec is not None:
        widths = [c.get("width", 14) for c in spec["columns"]]
        rows = [[c["header"] for c in spec["columns"]]]
        rows += [[r.get(c["key"]) for c in spec["columns"]] for r in SHEET_KINDS["exhibits"](pkg)]
        for i in range(1, len(rows), _SLICE):  # splitting one long table over pages is quadratic
            story.append(_table([rows[0]] + rows[i:i + _SLICE], widths, frame, styles))
    return _document(story, True, header)


def _pages(facts: Facts, first: int, count: int) -> str:
    if not first:
        return ""
    last = first + max(count, 1) - 1
    return facts.bates(first) + ("" if last == first else f" to {facts.bates(last)}")


def _exhibit_pages(facts: Facts, x: Exhibit, header: str) -> bytes:
    """The held file's pages: a PDF as it is, an image scan on a letter page, anything else a note.

    The public edition withholds the files themselves: a supplier's invoice or
    certificate is business-confidential as a whole (its names, addresses,
    quantities and prices), so each exhibit is a page saying it is withheld.
    """
    if facts.edition.name == "public":
        return _note_page(facts, x, header, withheld=True)
    data = x.file.read_bytes() if x.file else b""
    if data.lstrip()[:5] == b"%PDF-":
        try:
            from pypdf import PdfReader, PdfWriter

            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                reader.decrypt("")
            writer = PdfWriter()
            for page in reader.pages:
                writer.add_page(page)
            buf = io.BytesIO()
            writer.write(buf)
            if len(writer.pages):
                return buf.getvalue()
        except Exception:  # noqa: BLE001 - any unreadable PDF gets the note page below
            pass
    else:
        try:
            return _image_pages(data)
        except Exception:  # noqa: BLE001 - not an image either
            pass
    return _note_page(facts, x, header)


def _image_pages(data: bytes) -> bytes:
    from PIL import Image, ImageSequence
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.units import inch
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.open(io.BytesIO(data))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, pageCompression=1)
    box_w, box_h = letter[0] - 1.0 * inch, letter[1] - 1.9 * inch  # room for the stamps
    for frame in ImageSequence.Iterator(image):
        frame = frame.convert("RGB")
        scale = min(box_w / frame.width, box_h / frame.height)
        w, h = frame.width * scale, frame.height * scale
        c.drawImage(ImageReader(frame), (letter[0] - w) / 2, 1.0 * inch + (box_h - h) / 2, w, h)
        c.showPage()
    c.save()
    return buf.getvalue()


def _note_page(facts: Facts, x: Exhibit, header: str, withheld: bool = False) -> bytes:
    from reportlab.platypus import Paragraph

    styles = _styles()
    d = x.doc
    what = f"{d.doc_type.replace('_', ' ').capitalize()} {d.reference_no or ''}".strip()
    if withheld:
        text = (f"{what}, dated {d.issued_on.isoformat() if d.issued_on else '(undated)'}: business confidential "
                f"in its entirety; withheld from the public version and filed with the confidential version.")
    else:
        name = Path(d.file).name if d.file else ""
        text = (f"{what}. The held file {name} (SHA-256 {d.sha256}) is not a PDF or an image and cannot be shown "
                f"as pages; it is available as the original file.")
    return _document([Paragraph(f"Exhibit {x.number}", styles["h1"]),
                      Paragraph(_text(facts.scrub(text)), styles["body"])],
                     False, header)


def _stamps(facts: Facts, pages: list[tuple[Any, str]]) -> bytes:
    """One overlay page per binder page: the edition mark on top, exhibit and Bates number below."""
    from reportlab.lib.units import inch
    from reportlab.pdfgen import canvas

    font, bold = _fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    mark = {"confidential": "BUSINESS CONFIDENTIAL", "public": "PUBLIC VERSION"}.get(facts.edition.name, "")
    for n, (page, label) in enumerate(pages, start=1):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        c.setPageSize((w, h))

        def boxed(x: float, y: float, text: str, size: float, anchor: str, colour: str = "#000000",
                  face: str = bold) -> None:
            width = c.stringWidth(text, face, size)
            left = {"left": x, "right": x - width, "centre": x - width / 2}[anchor]
            c.setFillColor("white")
            c.rect(left - 3, y - 3, width + 6, size + 5, stroke=0, fill=1)
            c.setFillColor(colour)
            c.setFont(face, size)
            c.drawString(left, y, text)

        if mark:
            boxed(w / 2, h - 0.3 * inch, mark, 11, "centre", "#C00000")
        boxed(w - 0.5 * inch, 0.35 * inch, facts.bates(n), 10, "right")
        boxed(0.5 * inch, 0.35 * inch, label, 10, "left")
        c.showPage()
    c.save()
    return buf.getvalue()


def write_binder(pkg: Package, layout: dict, path: Path) -> int:
    """Lay out the binder, number its pages, fill the exhibits' pages in, write it; returns pages."""
    from pypdf import PdfReader, PdfWriter

    from .chart import chart_pdf
    from .workbook import header_texts

    facts = facts_of(pkg)
    left, _ = header_texts(pkg)
    title = layout.get("title", "")
    by_kind = {s["kind"]: s for s in layout["sheet"]}
    letters = iter(string.ascii_uppercase)
    narrative = Section(None, "Summary", lambda: _narrative(pkg, by_kind.get("summary"), title, left))
    sections: list[Section] = []
    for spec in layout["sheet"]:
        kind = spec["kind"]
        if kind in ("summary", "exhibits"):
            continue
        name = spec["name"]
        if kind == "route_map":
            render = (lambda: chart_pdf(pkg))
        else:
            render = (lambda spec=spec, name=name: _sheet_section(pkg, spec, name, left, spec.get("description", "")))
        sections.append(Section(next(letters), name, render))
    for x in facts.exhibits:
        if x.file is not None:
            d = x.doc
            sections.append(Section(str(x.number), facts.scrub(f"{d.doc_type.replace('_', ' ').capitalize()} "
                                                               f"{d.reference_no or ''}".strip()),
                                    lambda x=x: _exhibit_pages(facts, x, left)))
    for s in [narrative, *sections]:
        s.pdf = s.render()
        s.pages = len(PdfReader(io.BytesIO(s.pdf)).pages)
    index = Section(None, "Exhibit index", lambda: b"")
    # The index lists page numbers that depend on its own length: lay it out until it holds still.
    index_pages = 1
    for _ in range(4):
        page = 1 + narrative.pages + index_pages
        for s in sections:
            s.first_page, page = page, page + s.pages
        placed = {s.label: s for s in sections}
        for x in facts.exhibits:
            s = placed.get(str(x.number))
            x.first_page, x.pages = (s.first_page, s.pages) if s else (None, 0)
        index.pdf = _index(pkg, by_kind.get("exhibits"), sections, left)
        pages = len(PdfReader(io.BytesIO(index.pdf)).pages)
        if pages == index_pages:
            break
        index_pages = pages
    index.pages = index_pages
    narrative.first_page, index.first_page = 1, 1 + narrative.pages

    writer = PdfWriter()
    labels: list[str] = []
    for s in [narrative, index, *sections]:
        for page in PdfReader(io.BytesIO(s.pdf)).pages:
            if page.get("/Rotate"):
                page.transfer_rotation_to_content()
            writer.add_page(page)
            labels.append(f"Exhibit {s.label}" if s.label else s.title)
    stamps = PdfReader(io.BytesIO(_stamps(facts, list(zip(writer.pages, labels)))))
    for page, stamp in zip(writer.pages, stamps.pages):
        box = page.mediabox
        page.merge_translated_page(stamp, float(box.left), float(box.bottom))
    writer.add_metadata({"/Title": title, "/Producer": "tracker"})

    from .workbook import atomic_write

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            writer.write(fh)

    atomic_write(Path(path), write)
    return len(labels)
