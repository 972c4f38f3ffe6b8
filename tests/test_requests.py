"""`tracker request` and `tracker requests`: asking a supplier for what is missing, the log of
asking, returned workbooks closing what they answer, and changes nobody asked for."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from openpyxl import load_workbook

from tests.builders import counts, write_book
from tests.chains import doc, entry, fac, io, item, lot, proc, ship

ASK_FILL = "00FFD966"


def tier_one_chain() -> dict:
    """Vietnamese profile extruded from billet whose maker is unknown: the extruder has sent
    no production record, no shipment papers, no lot value; the billet has no origin and no
    mill certificate (that is the second tier's, whoever it is)."""
    return {
        "Companies": [{"company_id": "VNCO", "name": "Saigon Aluminium Co", "country": "VN"}],
        "Facilities": [fac("VN-EXT", "VN", company_id="VNCO", name="Binh Duong extrusion plant"),
                       fac("US-DC", "US", "warehouse")],
        "Items": [item("BILLET", hts="7601.20", description="6063 billet"),
                  item("PROFILE", hts="7604.29.1000", description="6063 profile")],
        "Lots": [lot("B-1", "BILLET", "VN-EXT", 1000, "2024-02-20"),
                 lot("P-1", "PROFILE", "VN-EXT", 950, "2024-03-02")],
        "Processes": [proc("EXT-0412", "VN-EXT", "extrusion", "2024-03-02")],
        "ProcessLots": [io("EXT-0412", "input", "B-1", 1000), io("EXT-0412", "output", "P-1", 950)],
        "Shipments": [ship("S-1", "P-1", 950, "VN-EXT", "US-DC", "2024-03-05", "2024-04-01")],
        "Entries": [entry("E-1", "P-1", 950, "2024-04-03", "7604.29.1000", "VN", importer="Acme Imports LLC")],
        "Documents": [doc("E-1-CI", "commercial_invoice", "entry", "E-1", "2024-03-05"),
                      doc("E-1-PL", "packing_list", "entry", "E-1", "2024-03-05"),
                      doc("E-1-BL", "bill_of_lading", "entry", "E-1", "2024-03-05"),
                      doc("E-1-CO", "certificate_of_origin", "entry", "E-1", "2024-03-05", "VN")],
    }


def _fix(fac_row: dict, **kw) -> dict:
    return {**fac_row, "name": kw.pop("name", fac_row["name"]), **kw}


def _missing(cli) -> set[str]:
    out = json.loads(cli("check", "--json").stdout)
    return {f["message"] for e in out["entries"] for f in e["flags"] if f["code"] == "MISSING_EVIDENCE"}


def _marked(ws) -> list:
    return [c for row in ws.iter_rows() for c in row if c.fill.fgColor.rgb == ASK_FILL]


def _headers(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value}


def _request_lines(wb) -> list[str]:
    ws = wb["Request"]
    start = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "No.")
    return [ws.cell(r, 2).value for r in range(start + 1, ws.max_row + 1) if ws.cell(r, 2).value]


def answer_as_supplier(path, folder):
    """Fill in every highlighted cell the supplier can answer, under the workbook's own headers,
    and name the billet's maker instead of its origin. Returns the saved workbook's path."""
    wb = load_workbook(path)
    folder.mkdir()
    for ws in wb.worksheets:
        if ws.title in ("Request", "Instructions", "Lists"):
            continue
        head = {v: k for k, v in _headers(ws).items()}
        for cell in _marked(ws):
            column = head[cell.column]
            if ws.title == "Documents":
                doc_type = ws.cell(cell.row, _headers(ws)["doc_type"]).value
                if doc_type is None:  # the billet's mill certificate: the supplier does not hold it
                    continue
                n = cell.row
                cell.value = {"document_id": f"VN-DOC-{n}", "reference_no": f"No. {n}",
                              "issuer": "Saigon Aluminium Co", "issued_on": date(2024, 3, 6),
                              "file": f"scan-{n}.pdf"}[column]
                if column == "file":
                    (folder / f"scan-{n}.pdf").write_bytes(b"%PDF-1.4 scan " + str(n).encode())
            elif column == "origin_country":
                continue  # it bought the billet: it names its supplier below instead
            elif column == "facility_id":
                cell.value = "CN-BAISE-SM"
            else:
                cell.value = {"unit_value_usd": 4.2, "produced_on": date(2024, 2, 20),
                              "started_on": date(2024, 2, 28), "address": "Lot 12, VSIP II, Binh Duong",
                              "established_on": date(2009, 5, 1), "annual_capacity": 12_000_000,
                              "capacity_unit": "kg", "bill_of_lading": "HLCUSGN2403051",
                              "transport_mode": "sea", "arrived_on": date(2024, 4, 1)}[column]
    companies, facilities, shipments = wb["Companies"], wb["Facilities"], wb["Shipments"]
    _append(companies, {"company_id": "CN-BAISE", "name": "Baise Aluminium Smelting Co", "country": "CN"})
    _append(facilities, {"facility_id": "CN-BAISE-SM", "name": "Baise smelter", "country": "China",
                         "facility_type": "mill", "company_id": "CN-BAISE"})
    _append(shipments, {"shipment_id": "IN-77", "lot_id": "B-1", "quantity": 1000,
                        "from_facility_id": "CN-BAISE-SM", "to_facility_id": "VN-EXT",
                        "shipped_on": date(2024, 2, 22), "arrived_on": date(2024, 2, 27)})
    out = folder / "answered.xlsx"
    wb.save(out)
    return out


def _append(ws, values: dict) -> None:
    head = _headers(ws)
    row = max((c.row for c in ws["A"] if c.value is not None), default=1) + 1
    for name, value in values.items():
        ws.cell(row, head[name], value)


def test_a_request_answered_closes_its_items_and_names_the_next_tier(cli, env, tmp_path):
    cli("import", write_book(tmp_path / "chain.xlsx", tier_one_chain()))
    before = _missing(cli)
    assert "process EXT-0412 has no production_record" in before
    assert "shipment S-1 has no bill_of_lading, commercial_invoice" in before
    assert "lot B-1 has no certificate_of_origin or mill_certificate" in before

    out = cli("request", "--company", "VNCO", "--due", "2099-01-31", "-o", tmp_path / "request.xlsx").stdout
    assert "Wrote request 1 to Saigon Aluminium Co" in out and "send back to Acme Imports LLC" in out
    wb = load_workbook(tmp_path / "request.xlsx")
    assert wb.sheetnames[:2] == ["Request", "Instructions"]
    assert not {"Entries", "TradeMeasures", "Rulings"} & set(wb.sheetnames)
    lines = _request_lines(wb)
    assert ("Production record for process EXT-0412 (extrusion) at Binh Duong extrusion plant, "
            "completed 2024-03-02") in lines
    assert any(x.startswith("Bill of lading for shipment S-1 of lot P-1 (6063 profile, 950 kg) from Binh Duong "
                            "extrusion plant to US-DC (United States)") for x in lines)
    assert any(x.startswith("Where lot B-1 (6063 billet, 1,000 kg)") for x in lines)
    assert "Lot P-1 (6063 profile, 950 kg) made at Binh Duong extrusion plant on 2024-03-02: the value per unit " \
           "in US dollars" in lines
    front = {wb["Request"].cell(r, 1).value: wb["Request"].cell(r, 2).value for r in range(1, 9)}
    assert front["Please answer by"].date() == date(2099, 1, 31)
    assert front["Request number"] == 1
    lots = wb["Lots"]
    head = _headers(lots)
    marked = {(lots.cell(c.row, head["lot_id"]).value, lots.cell(1, c.column).value) for c in _marked(lots)}
    assert marked == {("B-1", "origin_country"), ("B-1", "facility_id"), ("B-1", "unit_value_usd"),
                      ("P-1", "unit_value_usd")}

    answered = answer_as_supplier(tmp_path / "request.xlsx", tmp_path / "returned")
    dry = cli("import", answered, "--dry-run")
    assert "This workbook answers request 1." in dry.stdout
    assert "Would answer request 1 item" in dry.stdout and "not requested" not in dry.stderr
    assert "Documents!2: the document requested for lot B-1 was left blank; row skipped" in dry.stderr
    result = json.loads(cli("import", answered, "--json").stdout)
    assert result["request_id"] == 1 and result["outside_changes"] == [] and result["corrected"] == []
    closed = {a["asked"] for a in result["answered"]}
    assert ("Production record for process EXT-0412 (extrusion) at Binh Duong extrusion plant, "
            "completed 2024-03-02") in closed

    after = _missing(cli)
    assert "process EXT-0412 has no production_record" not in after
    assert not any(m.startswith("shipment S-1 ") for m in after)
    assert "lot B-1 has no certificate_of_origin or mill_certificate" in after  # the second tier's to send

    log = json.loads(cli("requests", "--json").stdout)["requests"]
    assert len(log) == 1 and log[0]["supplier"]["id"] == "VNCO" and log[0]["entries"] == ["E-1"]
    assert log[0]["file_sha256"] == hashlib.sha256((tmp_path / "request.xlsx").read_bytes()).hexdigest()
    items = log[0]["items"]
    still_open = [i for i in items if i["status"] != "answered"]
    assert [(i["kind"], i["subject"]) for i in still_open] == [("document", "lot:B-1")]
    assert all(i["answered_by_file"] == "answered.xlsx" for i in items if i["status"] == "answered")
    assert {(i["kind"], i["subject"]) for i in items} >= {("document", "process:EXT-0412"),
                                                          ("document", "shipment:S-1"), ("source", "lot:B-1"),
                                                          ("fact", "lot:P-1"), ("fact", "process:EXT-0412")}
    open_only = json.loads(cli("requests", "--open", "--json").stdout)["requests"]
    assert [i["subject"] for i in open_only[0]["items"]] == ["lot:B-1"]

    # The names the supplier added make the second tier's request possible.
    out = cli("request", "--company", "CN-BAISE", "-o", tmp_path / "tier2.xlsx").stdout
    assert "Wrote request 2 to Baise Aluminium Smelting Co" in out
    tier2 = _request_lines(load_workbook(tmp_path / "tier2.xlsx"))
    assert any(x.startswith("Certificate of origin or mill certificate for lot B-1 (6063 billet, 1,000 kg) "
                            "received or recorded at Baise smelter") for x in tier2)
    assert any(x.startswith("Bill of lading for shipment IN-77 of lot B-1") for x in tier2)
    cli("audit", "verify")

    # The review workbook's Due diligence sheet: what was asked of whom, when, and what came back.
    cli("report", "--entry", "E-1", "-o", tmp_path / "evidence.xlsx")
    sheet = load_workbook(tmp_path / "evidence.xlsx")["Due diligence"]
    rows = [dict(zip([c.value for c in sheet[1]], [c.value for c in row])) for row in sheet.iter_rows(min_row=2)]
    production = next(r for r in rows if r["Asked for"].startswith("Production record for process EXT-0412"))
    assert production["Supplier"] == "Saigon Aluminium Co (company VNCO)"
    assert production["Status"] == "answered" and production["Answered by file"] == "answered.xlsx"
    assert production["Sent"].date() == date.today() and production["Due"].date() == date(2099, 1, 31)
    assert production["Request file"].startswith("request.xlsx (SHA-256 ")
    mill = [r for r in rows if r["Asked for"].startswith("Certificate of origin or mill certificate for lot B-1")]
    assert [(r["Request"], r["Status"]) for r in mill] == [(1, "open"), (2, "open")]


def two_supplier_chain() -> dict:
    """Chinese billet smelted by one supplier, extruded in Vietnam by another, entered in the US.
    Each supplier's names, prices and documents are its own."""
    return {
        "Companies": [{"company_id": "VNCO", "name": "Saigon Aluminium Co", "country": "VN"},
                      {"company_id": "VN-SUB", "name": "Saigon Profiles Ltd", "country": "VN",
                       "parent_company_id": "VNCO"},
                      {"company_id": "CNCO", "name": "Guangxi Baise Smelting Co", "country": "CN"}],
        "Facilities": [fac("CN-SML", "CN", "mill", company_id="CNCO", name="Baise smelter"),
                       fac("VN-EXT", "VN", company_id="VN-SUB", name="Binh Duong extrusion plant"),
                       fac("US-DC", "US", "warehouse")],
        "Items": [item("ORE", description="bauxite"), item("BILLET", hts="7601.20", description="6063 billet"),
                  item("PROFILE", hts="7604.29.1000", description="6063 profile")],
        "Lots": [lot("ORE-9", "ORE", "CN-SML", 4000, "2024-01-02", "CN", 0.31415),
                 lot("B-2", "BILLET", "CN-SML", 1000, "2024-01-20", value=2.71828),
                 lot("P-2", "PROFILE", "VN-EXT", 950, "2024-03-02", value=4.5)],
        "Processes": [proc("SM-1", "CN-SML", "smelting", "2024-01-20", "2024-01-10"),
                      proc("EXT-2", "VN-EXT", "extrusion", "2024-03-02")],
        "ProcessLots": [io("SM-1", "input", "ORE-9", 4000), io("SM-1", "output", "B-2", 1000),
                        io("EXT-2", "input", "B-2", 1000), io("EXT-2", "output", "P-2", 950)],
        "Shipments": [ship("S-CN", "B-2", 1000, "CN-SML", "VN-EXT", "2024-01-25", "2024-02-20"),
                      ship("S-VN", "P-2", 950, "VN-EXT", "US-DC", "2024-03-05", "2024-04-01")],
        "Entries": [entry("E-2", "P-2", 950, "2024-04-03", "7604.29.1000", "VN", importer="Acme Imports LLC",
                          value_usd=4275)],
        "Documents": [doc("CN-MC-777", "mill_certificate", "lot", "ORE-9", "2024-01-05", "CN"),
                      {**doc("CN-INV-31", "commercial_invoice", "shipment", "S-CN", "2024-01-25"),
                       "issuer": "Guangxi Baise Smelting Co", "reference_no": "GX-INV-0031"},
                      {**doc("VN-INV-88", "commercial_invoice", "shipment", "S-VN", "2024-03-05"),
                       "issuer": "Saigon Aluminium Co", "reference_no": "SA-INV-0088"}],
    }


def _every_text(path) -> str:
    """Every cell value and note of every sheet, as one text to search."""
    wb = load_workbook(path)
    parts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    parts.append(str(c.value))
                if c.comment:
                    parts.append(c.comment.text)
    return "\n".join(parts)


def test_a_request_shows_one_supplier_nothing_of_another(cli, tmp_path):
    cli("import", write_book(tmp_path / "chain.xlsx", two_supplier_chain()))
    cli("request", "--company", "VNCO", "-o", tmp_path / "vn.xlsx")
    vn = _every_text(tmp_path / "vn.xlsx")
    # its own part, subsidiaries' plants included: the plant, the profile lot, its process and papers
    for own in ("Binh Duong extrusion plant", "Saigon Profiles Ltd", "P-2", "EXT-2", "VN-INV-88", "SA-INV-0088",
                "4.5"):
        assert own in vn, own
    # nothing of the smelter's: names, plant, its process, its prices, its documents; no flags, no entries
    for other in ("Guangxi", "Baise", "CN-SML", "CNCO", "SM-1", "ORE-9", "bauxite", "2.71828", "0.31415",
                  "CN-MC-777", "CN-INV-31", "GX-INV-0031", "S-CN", "E-2", "4275", "MISSING_EVIDENCE",
                  "UNTRACED", "ORIGIN_MISMATCH"):
        assert other not in vn, other

    cli("request", "--facility", "CN-SML", "-o", tmp_path / "cn.xlsx")
    cn = _every_text(tmp_path / "cn.xlsx")
    for own in ("Baise smelter", "B-2", "SM-1", "2.71828", "CN-INV-31", "S-CN"):
        assert own in cn, own
    # its customer's plant appears only as the id its shipment went to
    for other in ("Saigon", "Binh Duong", "VNCO", "VN-SUB", "EXT-2", "P-2", "4.5", "VN-INV-88", "SA-INV-0088",
                  "S-VN", "E-2", "4275"):
        assert other not in cn, other


def test_changes_to_rows_not_sent_are_listed_and_need_accepting(cli, env, tmp_path):
    cli("import", write_book(tmp_path / "chain.xlsx", two_supplier_chain()))
    cli("request", "--company", "VNCO", "-o", tmp_path / "vn.xlsx")
    wb = load_workbook(tmp_path / "vn.xlsx")
    _append(wb["Lots"], {"lot_id": "B-2", "item_id": "BILLET", "facility_id": "CN-SML", "quantity": 900,
                         "produced_on": date(2024, 1, 20)})  # the smelter's lot: not theirs to change
    items = wb["Items"]
    row = next(c.row for c in items["A"] if c.value == "PROFILE")
    items.cell(row, _headers(items)["hts"], "7604.21.0000")  # the importer's catalogue
    lots = wb["Lots"]
    row = next(c.row for c in lots["A"] if c.value == "P-2")
    lots.cell(row, _headers(lots)["quantity"], 940)  # their own lot, sent to them: a correction
    wb.save(tmp_path / "back.xlsx")

    dry = cli("import", tmp_path / "back.xlsx", "--dry-run")
    outside = [line for line in dry.stderr.splitlines() if line.startswith("not requested:")]
    assert outside == ["not requested: item PROFILE: hts: 7604291000 -> 7604210000 (not sent in request 1)",
                       "not requested: lot B-2: quantity: 1000 -> 900; unit_value_usd: 2.71828 -> None "
                       "(not sent in request 1)"]
    assert "2 change(s) to rows not sent to the supplier (listed above): importing needs --accept-changes." \
        in dry.stdout
    assert "Corrected by the supplier: lot P-2: quantity: 950 -> 940" in dry.stdout
    before = counts(env)
    refused = cli("import", tmp_path / "back.xlsx", code=1)
    assert "answers request 1 but changes 2 row(s) that were not sent to the supplier; nothing was imported" \
        in refused.stderr
    assert "not requested: lot B-2: quantity: 1000 -> 900" in refused.stderr
    assert counts(env) == before
    accepted = json.loads(cli("import", tmp_path / "back.xlsx", "--accept-changes", "--json").stdout)
    assert len(accepted["outside_changes"]) == 2 and accepted["batch_id"]
    log = json.loads(cli("audit", "log", "--table", "lot", "--key", "B-2", "--json").stdout)
    assert json.loads(log[-1]["after"])["quantity"] == "900"


def test_an_ordinary_import_closes_what_it_answers_and_the_log_shows_overdue(cli, env, tmp_path):
    from tracker.db import open_db, read_tx
    from tracker.requests import list_requests

    cli("import", write_book(tmp_path / "chain.xlsx", two_supplier_chain()))
    cli("request", "--facility", "VN-EXT", "--entry", "E-2", "--due", date.today().isoformat(),
        "-o", tmp_path / "vn.xlsx")
    log = json.loads(cli("requests", "--json").stdout)["requests"]
    asked = {(i["kind"], i["subject"]): i for i in log[0]["items"]}
    assert ("document", "process:EXT-2") in asked and ("fact", "process:EXT-2") in asked
    assert log[0]["supplier"] == {"type": "facility", "id": "VN-EXT", "name": "Binh Duong extrusion plant"}
    # the importer receives the production record by e-mail and imports it in a workbook of its own
    out = json.loads(cli("import", write_book(tmp_path / "pr.xlsx", {"Documents": [
        doc("VN-PR-1", "production_record", "process", "EXT-2", "2024-03-03")]}), "--json").stdout)
    assert [a["asked"] for a in out["answered"]] == [
        "Production record for process EXT-2 (extrusion) at Binh Duong extrusion plant, completed 2024-03-02"]
    assert out["request_id"] is None
    after = json.loads(cli("requests", "--json").stdout)["requests"][0]["items"]
    assert next(i for i in after if i["subject"] == "process:EXT-2" and i["kind"] == "document")["status"] \
        == "answered"
    assert json.loads(cli("requests", "--overdue", "--json").stdout) == {"requests": []}
    engine = open_db(env)
    with read_tx(engine) as conn:
        later = list_requests(conn, overdue_only=True, today=date(2099, 1, 1))
    engine.dispose()
    assert later[0]["overdue"] and all(i["status"] == "overdue" for i in later[0]["items"])
    assert "process:EXT-2" not in {i["subject"] for i in later[0]["items"] if i["kind"] == "document"}
    table = cli("requests", "--open").stdout
    assert "Binh Duong extrusion plant (VN-EXT)" in table and "open" in table
    cli("audit", "verify")


def test_request_errors(cli, tmp_path):
    cli("import", write_book(tmp_path / "chain.xlsx", two_supplier_chain()))
    assert "give exactly one of --company and --facility" in cli("request", "-o", tmp_path / "r.xlsx", code=2).stderr
    assert "no company 'NOPE' in the database" in cli("request", "--company", "NOPE", "-o", tmp_path / "r.xlsx",
                                                      code=1).stderr
    err = cli("request", "--facility", "US-DC", "--entry", "E-2", "--due", "2000-01-01", "-o", tmp_path / "r.xlsx",
              code=1).stderr
    assert "is before today" in err
    assert not (tmp_path / "r.xlsx").exists()
    assert json.loads(cli("requests", "--json").stdout) == {"requests": []}


def test_nothing_missing_writes_no_request(cli, tmp_path):
    from tests.chains import documented

    data = documented(two_supplier_chain())
    for f in data["Facilities"]:
        f.update(address="1 Road", established_on=date(2001, 1, 1), annual_capacity=10**7, capacity_unit="kg")
    for c in data["Companies"]:
        c["address"] = "1 Road"
    for s in data["Shipments"]:
        s["arrived_on"] = s["arrived_on"] or s["shipped_on"]
    for p in data["Processes"]:
        p["started_on"] = p["started_on"] or p["completed_on"]
    for lt in data["Lots"]:
        lt["unit_value_usd"] = lt["unit_value_usd"] or 1
    cli("import", write_book(tmp_path / "chain.xlsx", data))
    out = cli("request", "--company", "VNCO", "-o", tmp_path / "r.xlsx").stdout
    assert out.startswith("Nothing is missing from company VNCO (Saigon Aluminium Co)'s part of entries E-2")
    assert not (tmp_path / "r.xlsx").exists()
    assert json.loads(cli("requests", "--json").stdout) == {"requests": []}


def test_a_lot_placed_at_its_makers_plant_answers_where_it_came_from(cli, tmp_path):
    """Naming the maker in the lot's facility_id is enough, without the delivery; a workbook
    answering a request this database never sent is imported as an ordinary one."""
    cli("import", write_book(tmp_path / "chain.xlsx", tier_one_chain()))
    cli("request", "--facility", "VN-EXT", "-o", tmp_path / "request.xlsx")
    wb = load_workbook(tmp_path / "request.xlsx")
    lots = wb["Lots"]
    row = next(c.row for c in lots["A"] if c.value == "B-1")
    lots.cell(row, _headers(lots)["facility_id"], "CN-BAISE-SM")
    _append(wb["Facilities"], {"facility_id": "CN-BAISE-SM", "name": "Baise smelter", "country": "CN",
                               "facility_type": "mill"})
    wb["Request"]["B7"] = 41
    wb.save(tmp_path / "back.xlsx")
    out = cli("import", tmp_path / "back.xlsx", "--json")
    result = json.loads(out.stdout)
    assert [a["asked"][:12] for a in result["answered"]] == ["Where lot B-"]
    assert "Request: the workbook answers request 41, which this database has no record of" in out.stderr
    assert result["request_id"] is None


def _hidden(ws) -> set[str]:
    return {c.value for c in ws[1] if ws.column_dimensions[c.column_letter].hidden}


CERTIFICATE_COLUMNS = {"program", "certifier_role", "exporter", "producer", "importer", "hts", "origin_criterion",
                       "blanket_from", "blanket_to", "signed"}


def test_a_request_prints_legibly_and_shows_only_what_concerns_it(cli, tmp_path):
    """Aluminum profile and billet (chapter 76): the smelt and cast columns shown, the steel column
    not; no preference claimed, so no certificate-program columns; the file hash never; optional
    columns neither sent nor asked hidden. Hidden, not removed: the headers are all there."""
    from tests.test_template import assert_prints_legibly

    cli("import", write_book(tmp_path / "chain.xlsx", tier_one_chain()))
    cli("request", "--company", "VNCO", "-o", tmp_path / "request.xlsx")
    wb = load_workbook(tmp_path / "request.xlsx")
    assert_prints_legibly(wb)
    assert _hidden(wb["Lots"]) == {"melt_pour_country"}
    assert _hidden(wb["Documents"]) == {"sha256"} | CERTIFICATE_COLUMNS
    assert _hidden(wb["ProcessLots"]) == {"essential"}
    assert _hidden(wb["Companies"]) == {"parent_company_id"}  # its address is asked
    assert _hidden(wb["Shipments"]) == set()  # the supplier's own shipment: every column sent or asked
    for ws in wb.worksheets[3:]:
        assert not any(c.fill.fgColor.rgb == ASK_FILL for c in _marked(ws)
                       if ws.column_dimensions[c.column_letter].hidden), ws.title  # nothing asked is hidden
    instructions = [r[0] and r[0].strip() for r in wb["Instructions"].iter_rows(values_only=True)]
    assert "melt_pour_country" not in instructions and "smelt_country" in instructions
    assert "sha256" not in instructions


def test_a_preference_claim_shows_the_certificate_columns(cli, tmp_path):
    chain = tier_one_chain()
    chain["Entries"][0]["preference_program"] = "KORUS"
    cli("import", write_book(tmp_path / "chain.xlsx", chain))
    cli("request", "--company", "VNCO", "-o", tmp_path / "request.xlsx")
    assert _hidden(load_workbook(tmp_path / "request.xlsx")["Documents"]) == {"sha256"}


def test_a_request_explains_process_types_in_plain_words(cli, tmp_path):
    cli("import", write_book(tmp_path / "chain.xlsx", tier_one_chain()))
    cli("request", "--company", "VNCO", "-o", tmp_path / "request.xlsx")
    rows = {a: b for a, b in load_workbook(tmp_path / "request.xlsx")["Instructions"].iter_rows(values_only=True)}
    assert rows["Process type"] == "What it means"
    assert rows["junction_formation"] == "doping and diffusion forming a solar cell's p/n junction"
    assert rows["knitting_to_shape"] == "knitting garment components to shape"
    assert rows["extrusion"] == "billet to profile"  # no class (substantial, minor) either
    text = " ".join(b for b in rows.values() if b)
    for citation in ("CBP", "HQ H", "CIT", "CFR", "Ferrostaal", " v. "):
        assert citation not in text.replace("US Customs (CBP)", ""), citation


def test_an_input_lot_of_another_supplier_is_explained(cli, tmp_path):
    """The extruder's process consumed the smelter's billet B-2: it is named by id on
    ProcessLots only, so the workbook says why, on screen and on paper."""
    cli("import", write_book(tmp_path / "chain.xlsx", two_supplier_chain()))
    cli("request", "--company", "VNCO", "-o", tmp_path / "vn.xlsx")
    wb = load_workbook(tmp_path / "vn.xlsx")
    assert "B-2" not in [c.value for c in wb["Lots"]["A"]]
    pl = wb["ProcessLots"]
    cell = next(c for c in pl["C"] if c.value == "B-2")
    assert cell.comment.text == "Received from another supplier; shown for reference. Nothing to fill in for it."
    assert cell.font.i
    assert "received from another supplier" in pl.oddFooter.left.text
    own = next(c for c in pl["C"] if c.value == "P-2")
    assert own.comment is None and not own.font.i
    lines = _request_lines(wb)
    assert ("Lot B-2, an input of process EXT-2: received from another supplier; shown for reference. "
            "Nothing to fill in for it.") in lines
    front = wb["Request"]
    link = next(front.cell(r, 3) for r in range(1, front.max_row + 1)
                if str(front.cell(r, 2).value).startswith("Lot B-2"))
    assert link.value == f"ProcessLots, row {cell.row}"


def test_goods_of_no_metal_chapter_show_no_metal_column(cli, tmp_path):
    chain = tier_one_chain()
    chain["Items"] = [item("BILLET", hts="7007.19", description="solar glass sheet"),
                      item("PROFILE", hts="7007.19.0000", description="tempered solar glass")]
    chain["Entries"][0]["hts"] = "7007.19.0000"
    cli("import", write_book(tmp_path / "chain.xlsx", chain))
    cli("request", "--company", "VNCO", "-o", tmp_path / "request.xlsx")
    assert _hidden(load_workbook(tmp_path / "request.xlsx")["Lots"]) == {
        "melt_pour_country", "smelt_country", "secondary_smelt_country", "cast_country"}
