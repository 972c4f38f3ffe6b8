"""The blank supplier workbook (`tracker template`) as a supplier and an importer read it, on
screen and printed: legible print, the importer's sheets set apart, one version, the column
guidance on paper."""

from __future__ import annotations

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from tracker.schemas import workbook_layout

IMPORTER_SHEETS = ["Entries", "TradeMeasures", "Rulings"]
PRINTABLE_INCHES = 11 - 2 * 0.75  # letter landscape, openpyxl's default side margins
BODY_POINTS = 11  # openpyxl's default font


def printed_points(ws) -> float:
    """The size the sheet's body text prints at: fit to one page wide scales the visible
    columns' width (a column of width w is 7w+5 pixels at 96 dpi) down to the page."""
    if ws.sheet_properties.pageSetUpPr.fitToPage:
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, ws.title
        inches = sum((7 * (ws.column_dimensions[get_column_letter(i)].width or 13) + 5) / 96
                     for i in range(1, ws.max_column + 1)
                     if not ws.column_dimensions[get_column_letter(i)].hidden)
        return BODY_POINTS * min(1.0, PRINTABLE_INCHES / inches)
    return BODY_POINTS * (ws.page_setup.scale or 100) / 100


def assert_prints_legibly(wb) -> None:
    """Every printed sheet at 8 pt or more, landscape; a record sheet repeats its header row on
    every page and, when it runs across pages, its key column too."""
    for ws in wb:
        if ws.sheet_state != "visible":
            continue
        assert printed_points(ws) >= 8, (ws.title, printed_points(ws))
        assert ws.page_setup.orientation == "landscape", ws.title
        if ws.title in {s.name for s in workbook_layout()}:
            assert ws.print_title_rows == "$1:$1", ws.title
            if not ws.sheet_properties.pageSetUpPr.fitToPage:
                assert ws.print_title_cols and ws.print_title_cols.startswith("$A:"), ws.title


def test_the_blank_template_prints_legibly(cli, tmp_path):
    cli("template", "-o", tmp_path / "t.xlsx")
    wb = load_workbook(tmp_path / "t.xlsx")
    assert_prints_legibly(wb)
    # the 20 columns of Documents do not fit one page at 8 pt: they run across pages
    assert not wb["Documents"].sheet_properties.pageSetUpPr.fitToPage
    assert wb["Companies"].sheet_properties.pageSetUpPr.fitToPage


def test_the_importers_sheets_come_last_grey_and_say_whose_they_are(cli, tmp_path):
    cli("template", "-o", tmp_path / "t.xlsx")
    wb = load_workbook(tmp_path / "t.xlsx")
    assert wb.sheetnames[-3:] == IMPORTER_SHEETS
    for name in wb.sheetnames:
        ws = wb[name]
        grey = ws.sheet_properties.tabColor is not None and ws.sheet_properties.tabColor.rgb == "00808080"
        assert grey == (name in IMPORTER_SHEETS), name
    for name in IMPORTER_SHEETS:
        ws = wb[name]
        note = "For the importer: suppliers leave this sheet empty"
        assert ws.oddHeader.center.text == note  # the first printed line of each page
        assert ws["A1"].comment.text.startswith(note)  # and on screen, on the first header
        assert ws["A1"].value == next(s for s in workbook_layout() if s.name == name).columns[0].name
    intro = [r for r in load_workbook(tmp_path / "t.xlsx")["Instructions"].iter_rows(values_only=True)]
    assert ("Entries", "For the importer: suppliers leave this sheet empty. US customs entries, one row per "
            "lot entered.") in intro


def test_the_workbook_says_one_version(cli, tmp_path):
    cli("template", "-o", tmp_path / "t.xlsx")
    wb = load_workbook(tmp_path / "t.xlsx")
    assert wb["Instructions"]["A1"].value == "Supplier workbook (version 1.1)"
    notes = [c.comment.text for ws in wb.worksheets for c in ws[1] if c.comment]
    assert notes and not any("v1.1" in n for n in notes)
    assert any("(Added in version 1.1.)" in n for n in notes)
    signed = next(c.comment.text for c in wb["Documents"][1] if c.value == "signed")
    assert signed.startswith("Optional. Yes when the certificate is signed and dated. (Added in version 1.1.)")


def test_the_column_guidance_prints_on_the_instructions(cli, tmp_path):
    """Header notes do not print: each sheet's columns are listed, with their notes, on Instructions."""
    cli("template", "-o", tmp_path / "t.xlsx")
    wb = load_workbook(tmp_path / "t.xlsx")
    rows = list(wb["Instructions"].iter_rows(values_only=True))
    for spec in workbook_layout():
        start = rows.index((spec.name, "Column: what goes in it"))
        listed = rows[start + 1:start + 1 + len(spec.columns)]
        assert [a.strip() for a, _ in listed] == [c.name for c in spec.columns], spec.name
        for (_, text), col in zip(listed, spec.columns):
            assert text.startswith("Required. " if col.required else "Optional. ")
            comment = next(c for c in wb[spec.name][1] if c.value == col.name).comment.text.replace("\n", " ")
            assert comment.endswith(text)
    # the importer's reference keeps the rulings behind each process type
    assert any(b and "CBP HQ H301813" in b for _, b in rows)


def test_the_file_hash_is_explained_in_plain_words(cli, tmp_path):
    cli("template", "-o", tmp_path / "t.xlsx")
    note = next(c for c in load_workbook(tmp_path / "t.xlsx")["Documents"][1] if c.value == "sha256").comment.text
    assert "fingerprint" in note and "leave it empty if you have none, it is computed from the file" in note
