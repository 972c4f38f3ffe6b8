"""Supplier files as people really send them: every input is kept exactly or refused.

Headers and sheets typed loosely, titles above the header, numbers whose
separators could mean two things, `N/A` and Excel error values, CSV in other
encodings, HTS numbers in number cells, invisible characters, damaged or
hostile workbooks, and document files that cannot be read or stored. Each
refusal names where (`Sheet!ROW column`, or the CSV file and line), exits 1
and writes nothing.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.builders import HEADERS, counts, refused, simple, stored, write_book, write_csv_folder


fails = refused


def write_csv_text(folder: Path, name: str, text: str, encoding: str = "utf-8") -> None:
    (folder / name).write_bytes(text.encode(encoding))


# --- headers and sheets as people type them (issue 9, item 3) -------------------------

def test_headers_typed_as_people_type_them(cli, env, tmp_path):
    data = simple()
    headers = dict(HEADERS)
    headers["Lots"] = ["Lot ID", "Item id", "FACILITY-ID", "Quantity", "Produced on", "Origin country",
                       "Unit value (USD)"]
    data["Lots"] = [[r.get(h) for h in HEADERS["Lots"]] for r in data["Lots"]]
    cli("import", write_book(tmp_path / "a.xlsx", data, headers))
    lot = stored(env, "lot", lot_id="B-1")
    assert (lot["origin_country"], lot["unit_value_usd"], lot["extra"]) == ("VN", Decimal("2.5"), {})


@pytest.mark.parametrize("title,near", [("Orgin_country", "origin_country"), ("unit_values_usd", "unit_value_usd")])
def test_a_column_close_to_a_known_one_is_an_error(cli, env, tmp_path, title, near):
    data = simple()
    headers = {"Lots": [title if h == near else h for h in HEADERS["Lots"]]}
    fails(cli, env, write_book(tmp_path / "a.xlsx", data, headers),
          f"Lots!1 {title}: column {title!r} is not a column of Lots but resembles {near!r}")


@pytest.mark.parametrize("sheet", ["Shipment", "Shipments 2024", "shipmnets"])
def test_a_sheet_close_to_a_known_one_is_an_error_not_dropped(cli, env, tmp_path, sheet):
    data = simple()
    data[sheet] = data.pop("Shipments")
    headers = {sheet: HEADERS["Shipments"]}
    fails(cli, env, write_book(tmp_path / "a.xlsx", data, headers),
          f"{sheet}: sheet {sheet!r} is not a sheet of the supplier workbook but resembles 'Shipments'")


def test_an_unrelated_sheet_is_still_only_a_warning(cli, env, tmp_path):
    data = simple()
    data["Price list"] = [{"item_id": "BILLET"}]
    result = cli("import", write_book(tmp_path / "a.xlsx", data, {"Price list": ["item_id"]}))
    assert "sheet 'Price list' is not part of the supplier workbook and was ignored" in result.stderr


def _with_title(path: Path, data: dict, sheet: str, title: str | None) -> Path:
    """The workbook with a title row and a blank row above `sheet`'s headers."""
    write_book(path, data)
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb[sheet].insert_rows(1, 2)
    wb[sheet]["A1"] = title
    wb.save(path)
    return path


def test_the_header_row_is_found_below_a_title(cli, env, tmp_path):
    book = _with_title(tmp_path / "a.xlsx", simple(), "Lots", "Lots shipped to Acme, 2024")
    result = cli("import", book)
    assert "Lots!3: headers found on row 3; the 1 non-empty row(s) above them" in result.stderr
    assert stored(env, "lot", lot_id="P-1")["source_row"] == 5


def test_errors_below_a_title_say_where_the_headers_were_found(cli, env, tmp_path):
    data = simple()
    for row in data["Lots"]:
        del row["quantity"]
    book = _with_title(tmp_path / "a.xlsx", data, "Lots", None)
    headers = [h for h in HEADERS["Lots"] if h != "quantity"]
    book = _with_title(tmp_path / "b.xlsx", data, "Lots", "Supplier lots")
    from openpyxl import load_workbook

    wb = load_workbook(book)
    ws = wb["Lots"]
    ws.delete_cols(HEADERS["Lots"].index("quantity") + 1)
    assert [c.value for c in ws[3]][:len(headers)] == headers
    wb.save(book)
    fails(cli, env, book, "Lots!3 quantity: missing required column (headers found on row 3)")


@pytest.mark.parametrize("written", ["1.200", "1,200"])
def test_a_number_ambiguous_between_decimal_and_thousands_is_refused(cli, env, tmp_path, written):
    data = simple()
    data["Lots"][1]["quantity"] = written  # the other cells are numbers: nothing shows the convention
    fails(cli, env, write_book(tmp_path / "a.xlsx", data),
          f"Lots!3 quantity: '{written}' is ambiguous: ",
          "no other cell in the column shows whether it writes decimals with a point or a comma")


@pytest.mark.parametrize("other,expected", [("2.5", "1.2"), ("1.000,5", "1200")])
def test_the_column_settles_an_ambiguous_number(cli, env, tmp_path, other, expected):
    data = simple()
    data["Lots"][0]["unit_value_usd"] = "1.200"
    data["Lots"][1]["unit_value_usd"] = other
    cli("import", write_csv_folder(tmp_path / "csv", data))
    assert stored(env, "lot", lot_id="B-1")["unit_value_usd"] == Decimal(expected)


def test_a_column_with_both_conventions_settles_nothing(cli, env, tmp_path):
    data = simple()
    data["Lots"][0]["unit_value_usd"] = "1.200"
    data["Lots"][1]["unit_value_usd"] = "2,5"
    data["Lots"].append({**data["Lots"][1], "lot_id": "P-2", "unit_value_usd": "2.5"})
    fails(cli, env, write_csv_folder(tmp_path / "csv", data),
          "Lots.csv!2 unit_value_usd: '1.200' is ambiguous",
          "both with a point (row 4) and with a comma (row 3)")


@pytest.mark.parametrize("written,value", [("1,200.50", "1200.5"), ("1.200,50", "1200.5"), ("1,200,000", "1200000")])
def test_numbers_with_plain_separators_are_read(cli, env, tmp_path, written, value):
    data = simple()
    data["Lots"][0]["quantity"] = written
    cli("import", write_book(tmp_path / "a.xlsx", data))
    assert stored(env, "lot", lot_id="B-1")["quantity"] == Decimal(value)


def test_importing_a_csv_folder_twice_without_a_sha256_column(cli, env, tmp_path):
    data = simple()
    data["Documents"] = [{"document_id": "D-1", "doc_type": "bill_of_lading", "covers_type": "shipment",
                          "covers_id": "S-1", "file": "missing.pdf"}]
    folder = write_csv_folder(tmp_path / "csv", data)
    text = (folder / "Documents.csv").read_text().splitlines()
    at = text[0].split(",").index("sha256")  # drop the column wherever the layout puts it
    (folder / "Documents.csv").write_text(
        "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != at) for line in text) + "\n")
    assert "sha256" not in (folder / "Documents.csv").read_text()
    cli("import", folder)
    before = counts(env)
    again = json.loads(cli("import", folder, "--json").stdout)
    assert again["batch_id"] is None
    assert next(s for s in again["sheets"] if s["sheet"] == "Documents")["unchanged"] == 1
    assert counts(env) == before


# --- no silent change of input (issue 10, item 3) ----------------------------------------

@pytest.mark.parametrize("written", ["N/A", "n/a", "#N/A", "N.A."])
def test_not_applicable_is_not_namibia(cli, env, tmp_path, written):
    data = simple()
    data["Lots"][1]["origin_country"] = written
    fails(cli, env, write_csv_folder(tmp_path / "csv", data), "Lots.csv!3 origin_country: ")


def test_na_alone_is_ambiguous(cli, env, tmp_path):
    data = simple()
    data["Lots"][1]["origin_country"] = "NA"
    fails(cli, env, write_book(tmp_path / "a.xlsx", data),
          "Lots!3 origin_country: 'NA' is ambiguous: Namibia or 'not applicable'? Write Namibia, NAM or leave it empty")


def test_namibia_spelled_out_is_namibia(cli, env, tmp_path):
    data = simple()
    data["Lots"][0]["origin_country"] = "NAM"
    data["Lots"][1]["origin_country"] = "Namibia"
    cli("import", write_book(tmp_path / "a.xlsx", data))
    assert stored(env, "lot", lot_id="P-1")["origin_country"] == "NA"


@pytest.mark.parametrize("error", ["#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"])
def test_excel_error_values_are_errors_not_empty(cli, env, tmp_path, error):
    data = simple()
    book = write_book(tmp_path / "a.xlsx", data)
    from openpyxl import load_workbook

    wb = load_workbook(book)
    cell = wb["Lots"].cell(row=2, column=HEADERS["Lots"].index("origin_country") + 1)
    cell.value, cell.data_type = error, "e"
    wb.save(book)
    fails(cli, env, book, f"Lots!2 origin_country: the cell holds the Excel error {error}")


def test_excel_error_text_in_a_csv_is_an_error(cli, env, tmp_path):
    data = simple()
    data["Items"][0]["description"] = "#REF!"
    fails(cli, env, write_csv_folder(tmp_path / "csv", data),
          "Items.csv!2 description: the cell holds the Excel error #REF!")


def test_csv_in_cp1252_is_refused_naming_the_line(cli, env, tmp_path):
    folder = write_csv_folder(tmp_path / "csv", simple())
    text = (folder / "Items.csv").read_text().replace("profile", "profilé")
    write_csv_text(folder, "Items.csv", text, "cp1252")
    fails(cli, env, folder, "Items.csv!3: line 3 is not UTF-8 text (byte 0xE9)")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_csv_in_utf8_with_bom_or_utf16_is_read(cli, env, tmp_path, encoding):
    data = simple()
    data["Items"][1]["description"] = "profilé 6063-T5"
    folder = write_csv_folder(tmp_path / "csv", data)
    for f in folder.iterdir():
        write_csv_text(folder, f.name, f.read_text(encoding="utf-8"), encoding)
    cli("import", folder)
    assert stored(env, "item", item_id="PROFILE")["description"] == "profilé 6063-T5"


def test_utf16_without_a_bom_is_refused_for_what_it_is(cli, env, tmp_path):
    folder = write_csv_folder(tmp_path / "csv", simple())
    write_csv_text(folder, "Items.csv", (folder / "Items.csv").read_text(), "utf-16-le")
    fails(cli, env, folder, "line 1 holds a NUL byte", "UTF-16 without its byte-order mark")


def test_line_breaks_inside_quoted_csv_fields_are_kept(cli, env, tmp_path):
    data = simple()
    data["Items"][0]["description"] = "aluminium billet\nalloy 6063\r\nhomogenised"
    data["Items"][1]["description"] = "profile"
    folder = write_csv_folder(tmp_path / "csv", data)
    cli("import", folder)
    assert stored(env, "item", item_id="BILLET")["description"] == "aluminium billet\nalloy 6063\r\nhomogenised"
    assert stored(env, "item", item_id="PROFILE")["source_row"] == 5  # the line the record starts on


def test_csv_rows_with_more_fields_than_the_header_are_refused(cli, env, tmp_path):
    folder = write_csv_folder(tmp_path / "csv", simple())
    lines = (folder / "Lots.csv").read_text().splitlines()
    lines[2] += ",forgotten"
    (folder / "Lots.csv").write_text("\n".join(lines) + "\n")
    from openpyxl.utils import get_column_letter

    beyond = get_column_letter(len(lines[0].split(",")) + 1)  # the first column past the header
    fails(cli, env, folder, f"Lots.csv!3 column {beyond}: column {beyond} holds 'forgotten' but has no header")


def test_a_value_under_no_header_in_a_workbook_is_refused(cli, env, tmp_path):
    data = simple()
    data["Items"] = [[r["item_id"], r["description"], r["unit"], r["hts"], None, "stray"] for r in data["Items"]]
    fails(cli, env, write_book(tmp_path / "a.xlsx", data), "Items!2 column F: column F holds 'stray' but has no header")


def test_two_csv_files_for_one_sheet_are_refused(cli, env, tmp_path):
    folder = write_csv_folder(tmp_path / "csv", simple())
    (folder / "entries.csv").write_text((folder / "Entries.csv").read_text())
    fails(cli, env, folder, "'Entries.csv' and 'entries.csv' are the same sheet", "ambiguous")


def test_hts_in_a_number_cell_keeps_its_leading_zero(cli, env, tmp_path):
    data = simple()
    data["Items"][0]["hts"] = 409000010  # 0409.00.0010 typed into a number cell
    data["Items"][1]["hts"] = 409.1  # 0409.10
    cli("import", write_book(tmp_path / "a.xlsx", data))
    assert stored(env, "item", item_id="BILLET")["hts"] == "0409000010"
    assert stored(env, "item", item_id="PROFILE")["hts"] == "040910"


def test_hts_text_with_an_odd_digit_count_is_refused(cli, env, tmp_path):
    data = simple()
    data["Items"][0]["hts"] = "409000010"
    fails(cli, env, write_book(tmp_path / "a.xlsx", data),
          "Items!2 hts: an HTS number has 6, 8 or 10 digits, got 9 in '409000010'")


@pytest.mark.parametrize("mark", ["\u200b", "\u202e", "\u2066", "\ufeff", "\u00ad"])
def test_invisible_characters_in_ids_are_refused(cli, env, tmp_path, mark):
    data = simple()
    data["Lots"][1]["lot_id"] = f"P{mark}-1"
    fails(cli, env, write_book(tmp_path / "a.xlsx", data), f"Lots!3 lot_id: identifier", f"U+{ord(mark):04X}")


def test_a_zip_part_with_a_bad_crc_is_refused(cli, env, tmp_path):
    data = simple()
    data["Lots"][1]["quantity"] = 951
    book = write_book(tmp_path / "a.xlsx", data)
    with zipfile.ZipFile(book) as zin:
        parts = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(book, "w", zipfile.ZIP_STORED) as zout:
        for info, body in parts:
            zout.writestr(info.filename, body)
    raw = book.read_bytes()
    assert raw.count(b"<v>951</v>") == 1
    book.write_bytes(raw.replace(b"<v>951</v>", b"<v>151</v>"))  # changed in place, CRC left as it was
    fails(cli, env, book, "part xl/worksheets/sheet3.xml fails its integrity check", "Bad CRC-32")


@pytest.mark.parametrize("value", ["0.0000001", 1e-07, "2.1234567"])
def test_quantities_with_more_than_six_decimals_are_refused(cli, env, tmp_path, value):
    data = simple()
    data["Lots"][1]["quantity"] = value
    fails(cli, env, write_book(tmp_path / "a.xlsx", data), "Lots!3 quantity: ", "has more than 6 decimals")


def test_binary_noise_of_a_number_cell_is_not_a_seventh_decimal(cli, env, tmp_path):
    data = simple()
    data["Lots"][1]["unit_value_usd"] = 0.1 + 0.2  # Excel shows 0.3
    cli("import", write_book(tmp_path / "a.xlsx", data))
    assert stored(env, "lot", lot_id="P-1")["unit_value_usd"] == Decimal("0.3")


@pytest.mark.parametrize("text", ["x\x00y", "red \x1b[31mflag"])
def test_control_characters_in_text_are_refused(cli, env, tmp_path, text):
    data = simple()
    escaped = "".join(f"_x{ord(c):04X}_" if ord(c) < 32 else c for c in text)  # how xlsx stores them
    data["Items"][0]["description"] = escaped
    fails(cli, env, write_book(tmp_path / "a.xlsx", data), "Items!2 description: ", "contains a control character")


def test_tabs_and_line_breaks_in_text_are_kept(cli, env, tmp_path):
    data = simple()
    data["Items"][0]["description"] = "billet\tAA6063\nhomogenised"
    cli("import", write_book(tmp_path / "a.xlsx", data))
    assert stored(env, "item", item_id="BILLET")["description"] == "billet\tAA6063\nhomogenised"


# --- bounded memory for any input ------------------------------------------------------

def _shared_string_book(path: Path, text: str, cells: int) -> Path:
    """A workbook whose Items sheet repeats one shared string `text` in `cells` cells."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>1</v></c><c r="B{r}" t="s"><v>0</v></c>'
                   f'<c r="C{r}" t="s"><v>2</v></c></row>' for r in range(2, cells + 2))
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData><row r="1">'
             '<c r="A1" t="s"><v>3</v></c><c r="B1" t="s"><v>4</v></c><c r="C1" t="s"><v>5</v></c></row>'
             f"{rows}</sheetData></worksheet>")
    strings = [text, "I-1", "kg", "item_id", "description", "unit"]
    sst = (f'<?xml version="1.0" encoding="UTF-8"?><sst {ns} count="{len(strings)}">'
           + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>")
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>",
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook {ns} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Items" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": sst,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return path


def test_a_shared_string_bomb_is_refused(cli, env, tmp_path):
    book = _shared_string_book(tmp_path / "bomb.xlsx", "A" * (4 << 20), 4000)
    assert book.stat().st_size < 100_000
    fails(cli, env, book, "shared string 0 holds 4,194,304 characters, more than an Excel cell can (32,767)")


def test_long_shared_strings_repeated_beyond_the_cap_are_refused(cli, env, tmp_path, monkeypatch):
    monkeypatch.setattr("tracker.sources.MAX_CELL_TEXT", 1_000_000)
    book = _shared_string_book(tmp_path / "bomb.xlsx", "A" * 30_000, 40)
    fails(cli, env, book, "repeat long shared strings into 1,200,000 characters", "TRACKER_MAX_CELL_TEXT")


def test_the_shared_string_reader_reads_a_fair_workbook(cli, env, tmp_path):
    cli("import", _shared_string_book(tmp_path / "fair.xlsx", "long " * 1000, 1))
    assert stored(env, "item", item_id="I-1")["description"] == ("long " * 1000).strip()


def test_a_sheet_spanning_too_many_cells_is_refused(cli, env, tmp_path):
    book = write_book(tmp_path / "a.xlsx", simple())
    from openpyxl import load_workbook

    wb = load_workbook(book)
    wb["Lots"]["XFD1048576"] = "x"
    wb.save(book)
    fails(cli, env, book, "sheet 'Lots' spans 1,048,576 rows by 16,384 columns", "TRACKER_MAX_CELLS")


def test_a_csv_cell_beyond_the_csv_field_limit_is_refused(cli, env, tmp_path):
    data = simple()
    data["Items"][1]["description"] = "x" * 131_073
    fails(cli, env, write_csv_folder(tmp_path / "csv", data),
          "Items.csv!3: line 3: not valid CSV (a field is longer than 131,072 characters")


# --- document files at the edges (issue 10, item 4) --------------------------------------

def _with_document(data: dict, file: str) -> dict:
    data["Documents"] = [{"document_id": "D-1", "doc_type": "bill_of_lading", "covers_type": "shipment",
                          "covers_id": "S-1", "file": file}]
    return data


def _store_is_clean(tmp_path: Path) -> None:
    store = tmp_path / "evidence"
    left = [p for p in store.rglob("*") if p.is_file()] if store.exists() else []
    assert left == [], left


def test_a_document_that_is_a_symlink_loop(cli, env, tmp_path):
    os.symlink("loop-b.pdf", tmp_path / "loop-a.pdf")
    os.symlink("loop-a.pdf", tmp_path / "loop-b.pdf")
    fails(cli, env, write_book(tmp_path / "a.xlsx", _with_document(simple(), "loop-a.pdf")),
          "Documents!2 file: file 'loop-a.pdf' cannot be opened (", "correct the path")


def test_a_document_name_longer_than_the_system_allows(cli, env, tmp_path):
    fails(cli, env, write_book(tmp_path / "a.xlsx", _with_document(simple(), "x" * 5000 + ".pdf")),
          "Documents!2 file: file 'xxx", "cannot be opened (File name too long)")


def test_a_nul_in_a_document_path(cli, env, tmp_path):
    fails(cli, env, write_book(tmp_path / "a.xlsx", _with_document(simple(), "scan_x0000_.pdf")),
          "Documents!2 file: ", "contains a control character (U+0000)")


def test_a_document_larger_than_the_limit(cli, env, tmp_path, monkeypatch):
    monkeypatch.setattr("tracker.importer.MAX_DOCUMENT", 1 << 20)
    with open(tmp_path / "huge.pdf", "wb") as fh:
        fh.truncate(3 << 20)  # sparse: takes no room on disk
    fails(cli, env, write_book(tmp_path / "a.xlsx", _with_document(simple(), "huge.pdf")),
          "Documents!2 file: file 'huge.pdf' is 3 MiB, more than the 1 MiB a document may be (TRACKER_MAX_DOCUMENT)")
    _store_is_clean(tmp_path)


def test_a_full_disk_while_storing_leaves_nothing_behind(cli, env, tmp_path, monkeypatch):
    data = _with_document(simple(), "bl.pdf")
    data["Documents"].append({**data["Documents"][0], "document_id": "D-2", "file": "co.pdf"})
    (tmp_path / "bl.pdf").write_bytes(b"%PDF bill of lading")
    (tmp_path / "co.pdf").write_bytes(b"%PDF certificate of origin")
    from tracker import importer

    real = importer._copy_hashing
    calls = []

    def disk_fills(src, out):
        calls.append(src)
        if len(calls) == 1:
            return real(src, out)  # the first file arrives whole
        out.write(b"%PDF cert")  # the second is cut short
        out.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(importer, "_copy_hashing", disk_fills)
    fails(cli, env, write_book(tmp_path / "a.xlsx", data),
          "is full (No space left on device): free space there and import again")
    assert len(calls) == 2
    _store_is_clean(tmp_path)


def test_a_file_changed_between_hashing_and_copying_is_refused(cli, env, tmp_path, monkeypatch):
    (tmp_path / "bl.pdf").write_bytes(b"%PDF bill of lading")
    from tracker import importer

    real = importer._resolve

    def swap_then_resolve(*args):
        (tmp_path / "bl.pdf").write_bytes(b"%PDF a different bill of lading")
        return real(*args)

    monkeypatch.setattr(importer, "_resolve", swap_then_resolve)
    fails(cli, env, write_book(tmp_path / "a.xlsx", _with_document(simple(), "bl.pdf")),
          "file 'bl.pdf' changed while it was being imported")
    _store_is_clean(tmp_path)


def test_a_stored_file_is_the_file_hashed(cli, env, tmp_path):
    (tmp_path / "bl.pdf").write_bytes(b"%PDF bill of lading")
    cli("import", write_book(tmp_path / "a.xlsx", _with_document(simple(), "bl.pdf")))
    sha = hashlib.sha256(b"%PDF bill of lading").hexdigest()
    assert stored(env, "document", document_id="D-1")["sha256"] == sha
    assert (tmp_path / "evidence" / sha[:2] / sha).read_bytes() == b"%PDF bill of lading"
    assert not list((tmp_path / "evidence").rglob(".incoming-*"))


def test_a_workbook_built_here_is_read_back_exactly(cli, env, tmp_path):
    """The loose header matching keeps the spec's own headers working."""
    wb = Workbook()
    wb.active.title = "Companies"
    wb.active.append(HEADERS["Companies"])
    wb.active.append(["ACME", "Acme Trading", "Viet Nam", None, "12 Le Loi, Ho Chi Minh City"])
    wb.save(tmp_path / "c.xlsx")
    cli("import", tmp_path / "c.xlsx")
    assert stored(env, "company", company_id="ACME")["address"] == "12 Le Loi, Ho Chi Minh City"


def test_a_control_character_in_a_header_is_refused(cli, env, tmp_path):
    data = simple()
    headers = {"Items": HEADERS["Items"] + ["grade_x001B_[2J"]}
    fails(cli, env, write_book(tmp_path / "a.xlsx", data, headers),
          "Items!1 column E: header 'grade\\x1b[2J' contains a control character (U+001B)")


def test_a_control_character_in_a_sheet_name_is_refused(cli, env, tmp_path):
    folder = write_csv_folder(tmp_path / "csv", simple())
    (folder / "Lots.csv").rename(folder / "Lots\x1b[2J.csv")
    fails(cli, env, folder, "'Lots\\x1b[2J.csv': sheet name 'Lots\\x1b[2J.csv' contains a control character")


@pytest.mark.parametrize("line,reason", [('"B-1"x,billet,kg,', "',' expected after '\"'"),
                                         ('B-1,"billet,kg,', "unexpected end of data")])
def test_malformed_csv_quoting_is_refused_not_repaired(cli, env, tmp_path, line, reason):
    folder = write_csv_folder(tmp_path / "csv", simple())
    lines = (folder / "Items.csv").read_text().splitlines()
    lines[1] = line
    (folder / "Items.csv").write_text("\n".join(lines) + "\n")
    fails(cli, env, folder, f"Items.csv!2: line 2: not valid CSV ({reason})")
