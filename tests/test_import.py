"""`tracker import`: the supplier-workbook contract, and every kind of bad input."""

from __future__ import annotations

import json
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from tests.builders import HEADERS, Formula, counts, refused, simple, stored, write_book, write_csv_folder


def test_import_reports_new_then_nothing_new(cli, env, tmp_path):
    book = write_book(tmp_path / "chain.xlsx", simple())
    first = json.loads(cli("import", book, "--json").stdout)
    assert {s["sheet"]: s["new"] for s in first["sheets"]}["Lots"] == 2
    assert first["batch_id"] == 1
    before = counts(env)
    again = json.loads(cli("import", book, "--json").stdout)
    assert again["batch_id"] is None
    assert all(s["new"] == s["changed"] == 0 for s in again["sheets"])
    assert counts(env) == before


def test_correction_updates_the_row_and_the_trail_keeps_the_old_values(cli, env, tmp_path):
    data = simple()
    cli("import", write_book(tmp_path / "a.xlsx", data))
    data["Lots"][1]["quantity"] = 940
    out = json.loads(cli("import", write_book(tmp_path / "b.xlsx", data), "--json").stdout)
    lots = next(s for s in out["sheets"] if s["sheet"] == "Lots")
    assert (lots["new"], lots["changed"], lots["unchanged"]) == (0, 1, 1)
    log = json.loads(cli("audit", "log", "--table", "lot", "--key", "P-1", "--json").stdout)
    assert [r["action"] for r in log] == ["insert", "update"]
    assert json.loads(log[1]["before"])["quantity"] == "950"
    assert json.loads(log[1]["after"])["quantity"] == "940"
    assert json.loads(log[1]["after"])["source_sheet"] == "Lots"


def test_dry_run_writes_nothing(cli, env, tmp_path):
    before = counts(env)
    out = cli("import", write_book(tmp_path / "a.xlsx", simple()), "--dry-run")
    assert "dry run" in out.stdout
    assert counts(env) == before


def test_csv_folder_imports_like_a_workbook(cli, env, tmp_path):
    folder = write_csv_folder(tmp_path / "csv", simple())
    cli("import", folder)
    out = json.loads(cli("check", "--json").stdout)
    assert out["entries"][0]["computed_origin"] == "VN"


def test_headers_match_loosely_and_unknown_columns_are_kept(cli, env, tmp_path):
    data = simple()
    headers = dict(HEADERS)
    headers["Items"] = [" Item_ID ", "DESCRIPTION", "unit", "hts", "Grade"]
    data["Items"] = [["BILLET", "billet", "kg", "7601.20", "6063"], ["PROFILE", "profile", "kg", 7604.29, None]]
    book = write_book(tmp_path / "a.xlsx", {"items ": data.pop("Items"), **data}, headers | {"items ": headers["Items"]})
    cli("import", book)
    log = json.loads(cli("audit", "log", "--key", "BILLET", "--json").stdout)
    after = json.loads(log[0]["after"])
    assert after["extra"] == {"Grade": "6063"}
    profile = json.loads(cli("audit", "log", "--key", "PROFILE", "--json").stdout)
    assert json.loads(profile[0]["after"])["hts"] == "760429"  # numeric cell 7604.29 keeps its digits


@pytest.mark.parametrize("written,code", [("Vietnam", "VN"), ("Viet Nam", "VN"), ("VNM", "VN"), ("vn", "VN"),
                                          ("Taiwan", "TW"), ("South Korea", "KR"), ("Laos", "LA"),
                                          ("Russia", "RU"), ("Türkiye", "TR"), ("Turkey", "TR")])
def test_countries_by_code_or_common_name(cli, env, tmp_path, written, code):
    data = simple()
    data["Facilities"][0]["country"] = written
    cli("import", write_book(tmp_path / "a.xlsx", data))
    log = json.loads(cli("audit", "log", "--key", "VN-EXT", "--json").stdout)
    assert json.loads(log[0]["after"])["country"] == code


_fails = refused


def test_missing_required_column(cli, env, tmp_path):
    data = simple()
    headers = {"Lots": [h for h in HEADERS["Lots"] if h != "quantity"]}
    _fails(cli, env, write_book(tmp_path / "a.xlsx", data, headers), "Lots!1 quantity: missing required column")


def test_unknown_country(cli, env, tmp_path):
    data = simple()
    data["Facilities"][0]["country"] = "Narnia"
    _fails(cli, env, write_book(tmp_path / "a.xlsx", data),
           "Facilities!2 country: unknown country 'Narnia': use an ISO code (VN, VNM) or the English name, "
           "or add this spelling to schemas/country_aliases.toml")


def test_impossible_date(cli, env, tmp_path):
    data = simple()
    data["Lots"][0]["produced_on"] = "2024-02-31"
    _fails(cli, env, write_book(tmp_path / "a.xlsx", data), "Lots!2 produced_on: 2024-02-31 is not a real date")


@pytest.mark.parametrize("value,message", [(-5, "must be 0 or more"), ("ten", "expected a number, got 'ten'")])
def test_bad_quantities(cli, env, tmp_path, value, message):
    data = simple()
    data["Lots"][1]["quantity"] = value
    _fails(cli, env, write_book(tmp_path / "a.xlsx", data), f"Lots!3 quantity: {message}")


def test_unknown_reference(cli, env, tmp_path):
    data = simple()
    data["Lots"][1]["facility_id"] = "NOWHERE"
    _fails(cli, env, write_book(tmp_path / "a.xlsx", data),
           "Lots!3 facility_id: unknown facility 'NOWHERE'")


def test_references_may_point_to_an_earlier_workbook(cli, env, tmp_path):
    data = simple()
    cli("import", write_book(tmp_path / "a.xlsx", {k: data[k] for k in ("Facilities", "Items")}))
    cli("import", write_book(tmp_path / "b.xlsx", {k: v for k, v in data.items() if k not in ("Facilities", "Items")}))
    assert (stored(env, "lot", lot_id="P-1")["facility_id"], stored(env, "lot", lot_id="P-1")["batch_id"]) == ("VN-EXT", 2)
    assert json.loads(cli("check", "--json").stdout)["entries"][0]["computed_origin"] == "VN"


def test_references_may_point_forward_in_the_same_file(cli, env, tmp_path):
    data = simple()
    ordered = {k: data[k] for k in reversed(list(data))}  # Entries first, Facilities last
    cli("import", write_book(tmp_path / "a.xlsx", ordered))
    assert stored(env, "entry", entry_number="E-1", lot_id="P-1")["declared_origin"] == "VN"
    assert json.loads(cli("check", "--json").stdout)["entries"][0]["computed_origin"] == "VN"


def test_duplicate_ids_in_one_file(cli, env, tmp_path):
    data = simple()
    data["Lots"].append(dict(data["Lots"][0]))
    _fails(cli, env, write_book(tmp_path / "a.xlsx", data), "Lots!4 lot_id: lot_id 'B-1' appears again (first on row 2)")


def test_vocabulary_word_outside_the_spec(cli, env, tmp_path):
    data = simple()
    data["Processes"][0]["process_type"] = "alchemy"
    _fails(cli, env, write_book(tmp_path / "a.xlsx", data),
           "Processes!2 process_type: 'alchemy' is not a process type")


def test_vocabulary_words_ignore_case_and_spaces(cli, env, tmp_path):
    data = simple()
    data["Processes"][0]["process_type"] = "Extrusion"
    data["Facilities"][0]["facility_type"] = " FACTORY "
    cli("import", write_book(tmp_path / "a.xlsx", data))
    assert stored(env, "process", process_id="EXT-1")["process_type"] == "extrusion"
    assert stored(env, "facility", facility_id="VN-EXT")["facility_type"] == "factory"


def test_every_error_is_listed_not_just_the_first(cli, env, tmp_path):
    data = simple()
    data["Facilities"][0]["country"] = "Atlantis"
    data["Lots"][0]["quantity"] = "lots"
    data["Entries"][0]["entry_date"] = "yesterday"
    result = _fails(cli, env, write_book(tmp_path / "a.xlsx", data),
                    "Facilities!2 country:", "Lots!2 quantity:", "Entries!2 entry_date:")
    assert "3 error(s)" in result.stderr


def test_a_file_that_is_not_a_workbook(cli, env, tmp_path):
    bad = tmp_path / "notes.xlsx"
    bad.write_text("this is not a spreadsheet")
    _fails(cli, env, bad, "not an .xlsx workbook")


def test_a_corrupt_workbook(cli, env, tmp_path):
    book = write_book(tmp_path / "a.xlsx", simple())
    data = book.read_bytes()
    book.write_bytes(data[: len(data) // 2])
    _fails(cli, env, book, "a.xlsx: not an .xlsx workbook (the file is not a zip archive)")


def test_a_part_that_is_not_xml(cli, env, tmp_path):
    book = write_book(tmp_path / "a.xlsx", simple())
    _rewrite_part(book, "xl/worksheets/sheet1.xml", lambda xml: xml[:200])
    _fails(cli, env, book, "the workbook is corrupt")


def _rewrite_part(book, name, change):
    with zipfile.ZipFile(book) as zin:
        parts = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    changed = change(parts[name])
    assert changed != parts[name], "the test's rewrite did not apply"
    parts[name] = changed
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as zout:
        for n, data in parts.items():
            zout.writestr(n, data)


def test_an_xml_bomb_is_refused(cli, env, tmp_path):
    book = write_book(tmp_path / "a.xlsx", simple())
    levels = [b'<!ENTITY e0 "lol">'] + [
        b'<!ENTITY e%d "%s">' % (i, b"".join(b"&e%d;" % (i - 1) for _ in range(10))) for i in range(1, 10)]
    bomb = b'<?xml version="1.0"?><!DOCTYPE worksheet [' + b"".join(levels) + b"]>"

    def inject(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return bomb + body.replace(b"<v>", b"<v>&e9;", 1)

    _rewrite_part(book, "xl/worksheets/sheet1.xml", inject)
    _fails(cli, env, book, "XML bomb")


def test_a_zip_bomb_is_refused(cli, env, tmp_path, monkeypatch):
    book = write_book(tmp_path / "a.xlsx", simple())
    with zipfile.ZipFile(book, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/padding.bin", b"\0" * (40 << 20))
    _fails(cli, env, book, "zip bomb")


def test_formula_without_cached_value(cli, env, tmp_path):
    data = simple()
    data["Lots"][1]["quantity"] = Formula("=B2*0.95")  # openpyxl writes it with no cached value
    _fails(cli, env, write_book(tmp_path / "a.xlsx", data),
           "Lots!3 quantity: formula =B2*0.95 has no calculated value")


def test_formula_with_cached_value_reads_the_value(cli, env, tmp_path):
    book = write_book(tmp_path / "a.xlsx", simple())
    # Excel stores a formula with its last result; emulate by adding <f> beside an existing value.
    _rewrite_part(book, "xl/worksheets/sheet3.xml",  # Lots
                  lambda xml: xml.replace(b'<c r="D3" t="n"><v>950</v></c>',
                                          b'<c r="D3" t="n"><f>D2*0.95</f><v>950</v></c>'))
    cli("import", book)
    log = json.loads(cli("audit", "log", "--key", "P-1", "--table", "lot", "--json").stdout)
    assert json.loads(log[0]["after"])["quantity"] == "950"


def test_an_empty_workbook(cli, env, tmp_path):
    wb = Workbook()
    wb.save(tmp_path / "empty.xlsx")
    _fails(cli, env, tmp_path / "empty.xlsx", "the workbook has no rows to import")


def test_a_blank_template_is_an_empty_workbook(cli, env, tmp_path):
    cli("template", "-o", tmp_path / "t.xlsx")
    _fails(cli, env, tmp_path / "t.xlsx", "the workbook has no rows to import")


def test_a_filled_template_imports(cli, env, tmp_path):
    cli("template", "-o", tmp_path / "t.xlsx")
    wb = load_workbook(tmp_path / "t.xlsx")
    data = simple()
    for sheet, rows in data.items():
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        for row in rows:
            ws.append([row.get(h) for h in header])
    wb.save(tmp_path / "filled.xlsx")
    cli("import", tmp_path / "filled.xlsx")
    assert json.loads(cli("check", "--json").stdout)["entries"][0]["computed_origin"] == "VN"


def test_excel_dates_and_datetimes(cli, env, tmp_path):
    data = simple()
    data["Lots"][0]["produced_on"] = datetime(2024, 1, 2, 0, 0)
    data["Lots"][1]["produced_on"] = "2024-01-10"
    cli("import", write_book(tmp_path / "a.xlsx", data))
    assert stored(env, "lot", lot_id="B-1")["produced_on"] == date(2024, 1, 2)
    assert stored(env, "lot", lot_id="P-1")["produced_on"] == date(2024, 1, 10)


def test_a_lot_is_made_by_one_process_only(cli, env, tmp_path):
    data = simple()
    data["Processes"].append({"process_id": "EXT-2", "facility_id": "VN-EXT", "process_type": "extrusion",
                              "completed_on": date(2024, 1, 11)})
    data["ProcessLots"].append({"process_id": "EXT-2", "role": "output", "lot_id": "P-1", "quantity": 1})
    _fails(cli, env, write_book(tmp_path / "a.xlsx", data),
           "ProcessLots!4 lot_id: lot 'P-1' is already the output of process 'EXT-1'")


def test_rows_of_one_shipment_must_agree(cli, env, tmp_path):
    data = simple()
    data["Shipments"].append({**data["Shipments"][0], "lot_id": "B-1", "quantity": 1, "to_facility_id": "VN-EXT"})
    _fails(cli, env, write_book(tmp_path / "a.xlsx", data),
           "Shipments!3 to_facility_id: shipment 'S-1' says 'US-DC' on row 2")


def test_ownership_loops_are_refused(cli, env, tmp_path):
    companies = [{"company_id": "A", "name": "A", "country": "CN", "parent_company_id": "B"},
                 {"company_id": "B", "name": "B", "country": "CN", "parent_company_id": "A"}]
    _fails(cli, env, write_book(tmp_path / "a.xlsx", {"Companies": companies}),
           "Companies!2 parent_company_id: ownership loops: A -> B -> A")


def test_documents_files_are_hashed_and_stored(cli, env, tmp_path):
    data = simple()
    folder = tmp_path / "supplier"
    (folder / "scans").mkdir(parents=True)
    (folder / "scans" / "bl.pdf").write_bytes(b"%PDF-1.4 bill of lading")
    data["Documents"] = [{"document_id": "D-1", "doc_type": "bill_of_lading", "covers_type": "shipment",
                          "covers_id": "S-1", "file": "scans/bl.pdf"}]
    out = json.loads(cli("import", write_book(folder / "a.xlsx", data), "--json").stdout)
    assert out["files_stored"] == 1
    import hashlib

    sha = hashlib.sha256(b"%PDF-1.4 bill of lading").hexdigest()
    assert (tmp_path / "evidence" / sha[:2] / sha).read_bytes() == b"%PDF-1.4 bill of lading"
    assert "1 files match" in cli("audit", "verify").stdout


def test_a_given_sha256_must_match_the_file(cli, env, tmp_path):
    data = simple()
    (tmp_path / "bl.pdf").write_bytes(b"scan")
    data["Documents"] = [{"document_id": "D-1", "doc_type": "bill_of_lading", "covers_type": "shipment",
                          "covers_id": "S-1", "file": "bl.pdf", "sha256": "a" * 64}]
    _fails(cli, env, write_book(tmp_path / "a.xlsx", data), "Documents!2 sha256: does not match the file 'bl.pdf'")


def test_a_document_file_outside_the_workbook_folder_is_refused(cli, env, tmp_path):
    data = simple()
    data["Documents"] = [{"document_id": "D-1", "doc_type": "other", "covers_type": "entry",
                          "covers_id": "E-1", "file": "../../etc/passwd"}]
    _fails(cli, env, write_book(tmp_path / "sub" / "a.xlsx", data),
           "Documents!2 file: file '../../etc/passwd' must be a path inside the workbook's folder")


def test_a_document_must_cover_something_known(cli, env, tmp_path):
    data = simple()
    data["Documents"] = [{"document_id": "D-1", "doc_type": "other", "covers_type": "shipment", "covers_id": "S-404"}]
    _fails(cli, env, write_book(tmp_path / "a.xlsx", data), "Documents!2 covers_id: unknown shipment 'S-404'")


def test_an_unknown_file_type(cli, env, tmp_path):
    (tmp_path / "data.ods").write_text("x")
    _fails(cli, env, tmp_path / "data.ods", "give an .xlsx file or a folder of .csv files")


def test_hostile_text_is_kept_as_text(cli, env, tmp_path):
    data = simple()
    data["Items"][0]["description"] = "=cmd|' /C calc'!A0"
    cli("import", write_csv_folder(tmp_path / "csv", data))
    log = json.loads(cli("audit", "log", "--key", "BILLET", "--json").stdout)
    assert json.loads(log[-1]["after"])["description"] == "=cmd|' /C calc'!A0"


def test_a_later_workbook_without_the_scan_keeps_the_registered_file(cli, env, tmp_path):
    data = simple()
    (tmp_path / "a" ).mkdir()
    (tmp_path / "a" / "bl.pdf").write_bytes(b"%PDF bill of lading")
    data["Documents"] = [{"document_id": "D-1", "doc_type": "bill_of_lading", "covers_type": "shipment",
                          "covers_id": "S-1", "file": "bl.pdf"}]
    cli("import", write_book(tmp_path / "a" / "first.xlsx", data))
    again = cli("import", write_book(tmp_path / "b" / "second.xlsx", data), "--json")
    assert "not found beside the workbook" in again.stderr
    docs = next(s for s in json.loads(again.stdout)["sheets"] if s["sheet"] == "Documents")
    assert docs["unchanged"] == 1
    assert "1 files match" in cli("audit", "verify").stdout
