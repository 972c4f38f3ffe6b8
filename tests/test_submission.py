"""`tracker report --for cbp`: the submission for CBP, its PDF binder, and its two editions."""

from __future__ import annotations

import io
import re
import tomllib
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.builders import write_book
from tests.chains import D, doc, documented, entry, io as pl, item, lot, proc, ship
from tests.test_report import assert_printable

ROOT = Path(__file__).resolve().parent.parent

# What the public edition must never show: supplier names, addresses, quantities and values.
NAMES = ["Shandong Huayu Smelter", "Saigon Profile Extrusion", "Port Klang Bonded Store", "Acme Desert DC",
         "Viet Aluminium Holdings", "VCCI Ho Chi Minh"]
ADDRESSES = ["88 Binhai Road", "Tan Thuan EPZ"]
QUANTITIES = ["10,318", "10318", "9,517", "9517", "1,373", "1373"]
VALUES = ["2.61", "5.93", "4.87", "46,348", "46348"]


def scan_png(path: Path) -> None:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (850, 1100), "white")
    ImageDraw.Draw(img).rectangle((60, 60, 790, 200), outline="black", width=4)
    img.save(path)


def two_page_pdf(path: Path, lines: list[str]) -> None:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    for page in (1, 2):
        for i, line in enumerate(lines):
            c.drawString(72, 720 - 18 * i, f"{line} (page {page})")
        c.showPage()
    c.save()


def chain(tmp_path: Path) -> dict:
    """Aluminium profiles extruded in Vietnam from Chinese billet and Vietnamese powder coat, stored in
    Malaysia on the way to the US: origin Vietnam (19 CFR 134.1(b)), with flags an internal review raises
    (Chinese billet under the order on aluminium extrusions, a transit hop)."""
    two_page_pdf(tmp_path / "mill.pdf", ["Mill certificate MC-0042", "Shandong Huayu Smelter",
                                         "Cast 10,318 kg billet 6063", "Country of melt and cast: China"])
    scan_png(tmp_path / "record.png")
    two_page_pdf(tmp_path / "coo.pdf", ["Certificate of origin C/O 2024-118", "VCCI Ho Chi Minh City"])
    (tmp_path / "notes.bin").write_bytes(b"\x00\x01 not a document format")
    data = documented({
        "Companies": [{"company_id": "VAH", "name": "Viet Aluminium Holdings", "country": "VN"}],
        "Facilities": [
            {"facility_id": "CN-SMELT", "name": "Shandong Huayu Smelter", "country": "CN", "facility_type": "mill",
             "address": "88 Binhai Road, Zouping"},
            {"facility_id": "VN-EXT", "name": "Saigon Profile Extrusion JSC", "country": "VN",
             "facility_type": "factory", "address": "Lot 12, Tan Thuan EPZ", "company_id": "VAH",
             "established_on": D("2012-03-01")},
            {"facility_id": "MY-WH", "name": "Port Klang Bonded Store", "country": "MY", "facility_type": "warehouse"},
            {"facility_id": "US-DC", "name": "Acme Desert DC", "country": "US", "facility_type": "warehouse"}],
        "Items": [item("AL-BILLET", description="aluminium billet 6063"),
                  item("POWDER", description="polyester powder coat"),
                  item("PROFILE", hts="7604.21.0000", description="aluminium extrusion profile 6063-T5")],
        "Lots": [lot("B-1", "AL-BILLET", "CN-SMELT", 10318, "2024-01-05", "CN", 2.61),
                 lot("PC-1", "POWDER", "VN-EXT", 1373, "2024-01-08", "VN", 5.93),
                 lot("P-1", "PROFILE", "VN-EXT", 9517, "2024-01-28", value=4.87)],
        "Processes": [proc("EXT-1", "VN-EXT", "extrusion", "2024-01-28", "2024-01-22")],
        "ProcessLots": [pl("EXT-1", "input", "B-1", 10318), pl("EXT-1", "input", "PC-1", 1373),
                        pl("EXT-1", "output", "P-1", 9517)],
        "Shipments": [ship("S-1", "B-1", 10318, "CN-SMELT", "VN-EXT", "2024-01-10", "2024-01-18"),
                      ship("S-2", "P-1", 9517, "VN-EXT", "MY-WH", "2024-02-01", "2024-02-04"),
                      ship("S-3", "P-1", 9517, "MY-WH", "US-DC", "2024-02-08", "2024-02-28")],
        "Entries": [entry("E-77", "P-1", 9517, "2024-03-01", "7604.21.0000", "VN", importer="Acme Imports",
                          value_usd=46348.79, port_of_entry="2704")],
    })
    for d in data["Documents"]:
        if d["issuer"] == "issuer":
            d["issuer"] = "Saigon Profile Extrusion JSC"
    data["Documents"] += [
        {**doc("MC-1", "mill_certificate", "lot", "B-1", "2024-01-06", "CN"), "file": "mill.pdf",
         "issuer": "Shandong Huayu Smelter", "reference_no": "MC-0042"},
        {**doc("PR-1", "production_record", "process", "EXT-1", "2024-01-28"), "file": "record.png",
         "issuer": "Saigon Profile Extrusion JSC"},
        {**doc("COO-1", "certificate_of_origin", "entry", "E-77", "2024-02-01", "VN"), "file": "coo.pdf",
         "issuer": "VCCI Ho Chi Minh City", "reference_no": "C/O 2024-118"},
        {**doc("NOTE-1", "other", "entry", "E-77", "2024-02-01"), "file": "notes.bin", "issuer": "Acme Imports"}]
    return data


@pytest.fixture
def imported(cli, tmp_path):
    cli("import", write_book(tmp_path / "chain.xlsx", chain(tmp_path)))
    return tmp_path


def submission(cli, tmp_path, edition: str) -> tuple[Path, Path]:
    out, pdf = tmp_path / f"{edition}.xlsx", tmp_path / f"{edition}.pdf"
    result = cli("report", "--entry", "E-77", "--for", "cbp", "-o", out, "--pdf", pdf, "--edition", edition)
    assert f"({edition} edition)" in result.stdout and out.is_file() and pdf.is_file()
    return out, pdf


def cells(path: Path) -> list[str]:
    return [str(c.value) for ws in load_workbook(path) for row in ws.iter_rows() for c in row if c.value is not None]


def pages(path: Path) -> list[str]:
    return [p.extract_text() for p in PdfReader(path).pages]


def sheet(path: Path, name: str) -> list[dict]:
    rows = [[c.value for c in r] for r in load_workbook(path)[name].iter_rows()]
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def test_no_flag_no_advice_no_database(cli, imported, db_url):
    review = imported / "review.xlsx"
    cli("report", "--entry", "E-77", "-o", review)
    flags = tomllib.loads((ROOT / "schemas" / "flags.toml").read_text())
    raised = {c for c in cells(review) if c in flags}
    assert "CIRCUMVENTION_RISK" in raised  # the internal review holds flags: the check below means something
    advice = [t for f in flags.values() for t in (f["meaning"], f["answer"])]
    out, pdf = submission(cli, imported, "confidential")
    texts = {"workbook": "\n".join(cells(out)), "binder": "\n".join(pages(pdf))}
    for where, text in texts.items():
        for code in flags:
            assert code not in text, (where, code)
        for t in advice:
            assert t[:60] not in text, (where, t)
        assert "determination-v1" not in text and "sqlite" not in text and db_url.split("///")[-1] not in text
        assert "evidence" not in text.lower() or "tracker-evidence" not in text  # no store path either
    with __import__("zipfile").ZipFile(out) as z:  # nor in the workbook's properties
        assert not any(b"sqlite" in z.read(n) or b"CIRCUMVENTION" in z.read(n) for n in z.namelist())


def test_steps_cite_exhibits_that_exist(cli, imported):
    out, _ = submission(cli, imported, "confidential")
    exhibits = {r["Exhibit"]: r for r in sheet(out, "Exhibits")}
    assert sorted(exhibits) == list(range(1, len(exhibits) + 1))
    cited = set()
    for r in sheet(out, "Steps"):
        refs = r["Exhibits"] or ""
        assert re.fullmatch(r"(Exhibits? \d+(, \d+)*)?", refs), refs
        cited |= {int(n) for n in re.findall(r"\d+", refs)}
    assert cited and cited <= set(exhibits)
    by_type = {(r["Document"], r["Number"]) for r in exhibits.values()}
    assert ("Mill certificate", "MC-0042") in by_type and ("Certificate of origin", "C/O 2024-118") in by_type
    steps = sheet(out, "Steps")
    assert [s["Step"] for s in steps] == list(range(1, len(steps) + 1))
    made = next(s["What happened"] for s in steps if s["What happened"].startswith("Extrusion (process EXT-1)"))
    assert "This is a substantial transformation" in made
    assert steps[-1]["What happened"].startswith("US customs entry E-77")


def test_every_binder_page_after_the_index_carries_its_exhibit_and_bates_number(cli, imported):
    out, pdf = submission(cli, imported, "confidential")
    texts = pages(pdf)
    bates = [re.findall(r"ORIGIN-(\d{6})", t) for t in texts]
    assert [int(b[-1]) for b in bates] == list(range(1, len(texts) + 1))  # every page, running
    index = max(i for i, t in enumerate(texts) if "Exhibit index" in t)  # its last page
    assert index >= 1
    for i, t in enumerate(texts[index + 1:], start=index + 1):
        assert re.search(r"Exhibit ([A-Z]|\d+)\b", t), (i, t[:200])
    for t in texts:
        assert "BUSINESS CONFIDENTIAL" in t
    # The index says on which pages each held document sits, and there it is, stamped with its number.
    exhibits = {r["Exhibit"]: r for r in sheet(out, "Exhibits")}
    mill = next(n for n, r in exhibits.items() if r["Number"] == "MC-0042")
    first, last = re.findall(r"ORIGIN-(\d{6})", exhibits[mill]["Pages in binder"])
    assert int(last) - int(first) == 1  # the mill certificate's two pages
    for n in (int(first), int(last)):
        assert f"Exhibit {mill}" in texts[n - 1] and "Shandong Huayu Smelter" in texts[n - 1]
    scan = next(n for n, r in exhibits.items() if r["Document"] == "Production record" and
                r["Pages in binder"].startswith("ORIGIN"))
    page = int(re.findall(r"ORIGIN-(\d{6})", exhibits[scan]["Pages in binder"])[0])
    assert f"Exhibit {scan}" in texts[page - 1]
    unreadable = next(n for n, r in exhibits.items() if r["Document"] == "Other")
    page = int(re.findall(r"ORIGIN-(\d{6})", exhibits[unreadable]["Pages in binder"])[0])
    assert "not a PDF or an image" in texts[page - 1]
    assert any(r["Pages in binder"] == "not attached: no copy held" for r in exhibits.values())


def test_the_public_edition_shows_no_confidential_value(cli, imported):
    out, pdf = submission(cli, imported, "public")
    texts = {"workbook": "\n".join(cells(out)), "binder": "\n".join(pages(pdf))}
    for where, text in texts.items():
        for secret in NAMES + ADDRESSES + QUANTITIES + VALUES:
            assert secret not in text, (where, secret)
        # Countries, dates, process and document types stay readable.
        for plain in ("Vietnam", "China", "Malaysia", "2024-01-28", "extrusion", "Mill certificate",
                      "[name redacted]", "[quantity redacted] kg"):
            assert plain.lower() in text.lower(), (where, plain)
        assert "PUBLIC VERSION" in text and "BUSINESS CONFIDENTIAL" not in text
    assert "withheld from the public version" in " ".join(texts["binder"].split())


# Identifiers name a supplier as surely as its name: facility, lot, process and shipment ids, document
# numbers, bills of lading; and when a facility was founded.
IDENTIFIERS = ["CN-SMELT", "VN-EXT", "MY-WH", "US-DC", "VAH", "B-1", "PC-1", "P-1", "EXT-1", "S-1", "S-2", "S-3",
               "BL-S-1", "BL-S-3", "MC-0042", "C/O 2024-118", "REF-", "MC-1", "COO-1", "2012-03-01"]


def test_the_public_edition_aliases_every_supplier_identifier(cli, imported):
    out, pdf = submission(cli, imported, "public")
    texts = {"workbook": "\n".join(cells(out)), "binder": "\n".join(pages(pdf))}
    for where, text in texts.items():
        for ident in IDENTIFIERS:
            assert not re.search(rf"(?<![\w-]){re.escape(ident)}(?![\w]|-\w)", text), (where, ident)
    # One alias per identifier, the same on every sheet: the extrusion plant is one facility throughout.
    steps = sheet(out, "Steps")
    extrusion = next(r["What happened"] for r in steps if r["What happened"].startswith("Extrusion"))
    plant = re.search(r"at (\[Facility [A-Z]+\])", extrusion).group(1)
    facilities = {r["Facility"]: r for r in sheet(out, "Facilities")}
    assert facilities[plant]["Country"] == "Vietnam" and facilities[plant]["Established"] == "[founding date redacted]"
    assert len(facilities) == 4 and all(re.fullmatch(r"\[Facility [A-D]\]", f) for f in facilities)
    mill = next(r for r in sheet(out, "Certificates") if r["Document"] == "Mill certificate")
    assert mill["Number"] == f"[Document {mill['Exhibit']}]"
    # The confidential edition keeps them, bracketing the founding date.
    out, _ = submission(cli, imported, "confidential")
    assert "VN-EXT" in "\n".join(cells(out)) and "[2012-03-01]" in "\n".join(cells(out))


def test_the_motor_public_edition_names_no_supplier_identifier(motor):
    out, pdf = motor["public"]
    text = "\n".join(cells(out)) + "\n".join(pages(pdf))
    for ident in ("CN-NB-PARTS", "MX-QRO-MOTOR", "NBMP-INV-0117", "GBI-USMCA-2024", "CCPIT-NB", "COSU6240305118",
                  "SH-NB-QRO-0305", "ST-24-0301", "MOT-24-0415", "ASSY-24-0415"):
        assert ident not in text, ident
    assert "Mexico" in text and "19 CFR 102.11(a)(3)" in text and "Simple assembly" in text


def test_the_confidential_edition_brackets_confidential_values(cli, imported):
    out, pdf = submission(cli, imported, "confidential")
    text = "\n".join(cells(out))
    assert "[9,517] kg" in text and "[Saigon Profile Extrusion JSC]" in text and "[88 Binhai Road, Zouping]" in text
    assert "9,517 kg" not in text.replace("[9,517] kg", "")


def test_mass_balance_never_adds_unlike_items(cli, imported):
    out, _ = submission(cli, imported, "confidential")
    rows = [r for r in sheet(out, "Mass balance") if r["Process"].startswith("EXT-1")]
    assert {r["Input item"]: (r["Quantity in"], r["Input per unit of output"]) for r in rows} == {
        "aluminium billet 6063": ("[10,318] kg", "1.084 kg per kg"),
        "polyester powder coat": ("[1,373] kg", "0.1443 kg per kg")}
    assert all(r["Quantity out"] == "[9,517] kg" for r in rows)


def test_the_narrative_tells_the_origin_and_its_rule(cli, imported):
    out, _ = submission(cli, imported, "confidential")
    topics = {r["Topic"]: r["Facts"] for r in sheet(out, "Summary")}
    assert list(topics) == ["Edition", "The goods", "How and where they were made", "Route", "Country of origin", "Documents"]
    assert "19 CFR 134.1(b)" in topics["Country of origin"] and "extrusion at VN-EXT" in topics["Country of origin"]
    assert "The country of origin is Vietnam" in topics["Country of origin"]
    assert "storage" not in topics["Country of origin"]  # nothing was made in Malaysia: no later operation
    assert "China > Vietnam > Malaysia > United States" in topics["Route"]
    assert "Section 232" in topics["Documents"] and "smelted and cast in China" in topics["Documents"]
    certs = sheet(out, "Certificates")
    assert {r["What it states"] for r in certs} == {"country of melt (and pour or cast): China",
                                                    "country of origin: Vietnam", "no country stated"}


def test_every_printable_sheet_has_a_header_and_footer_at_9_pt(cli, imported):
    out, _ = submission(cli, imported, "confidential")
    wb = load_workbook(out)
    assert wb.sheetnames == ["Summary", "Exhibits", "Steps", "Supply chain", "Mass balance", "Facilities",
                             "Certificates"]
    for ws in wb:
        assert_printable(ws)
        assert "BUSINESS CONFIDENTIAL" in ws.HeaderFooter.oddHeader.right.text
    for name in ("Exhibits", "Steps"):
        assert wb[name].print_title_rows == "$1:$1"


def test_no_submission_from_a_trail_that_fails_verification(cli, imported, db_url):
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE lot SET quantity = '1' WHERE lot_id = 'B-1'"))
    engine.dispose()
    out = imported / "tampered.xlsx"
    err = cli("report", "--entry", "E-77", "--for", "cbp", "-o", out, "--pdf", imported / "t.pdf", code=1).stderr
    assert "audit trail fails verification" in err and "tracker audit verify" in err
    assert not out.exists() and not (imported / "t.pdf").exists()


def test_wrong_usage(cli, imported):
    out = imported / "x.xlsx"
    cli("report", "--entry", "E-77", "-o", out, "--pdf", imported / "x.pdf", code=2)
    cli("report", "--entry", "E-77", "-o", out, "--edition", "public", code=2)
    cli("report", "--entry", "E-77", "--for", "fda", "-o", out, code=2)
    cli("report", "--entry", "E-77", "--for", "cbp", "-o", out, "--edition", "secret", code=2)
    cli("report", "--entry", "E-77", "--for", "cbp", "-o", out, "--package", imported / "x.zip", code=2)
    err = cli("report", "--entry", "E-77", "--for", "cbp", "-o", out, "--layout", "default", code=1).stderr
    assert "internal review" in err
    err = cli("report", "--entry", "E-77", "-o", out, "--layout", "cf28", code=1).stderr
    assert "--for cbp" in err
    assert not out.exists()


def test_the_binder_from_python(env, imported):
    """The same from the library: the workbook and binder in one call."""
    from tracker.db import evidence_dir, open_db, read_tx
    from tracker.report import write_submission

    engine = open_db(env)
    with read_tx(engine) as conn:
        pkg = write_submission(conn, ["E-77"], imported / "py.xlsx", pdf=imported / "py.pdf", edition="public",
                               store=evidence_dir(engine))
    assert pkg.edition.name == "public"
    assert len(PdfReader(io.BytesIO((imported / "py.pdf").read_bytes())).pages) >= 8


# --- the demo's motor: CBP HQ H301619 -------------------------------------------------------------
MOTOR = "231-4480115-7"  # Chinese stator, rotor and housing assembled in Mexico, declared MX under USMCA


@pytest.fixture
def motor(cli, tmp_path, monkeypatch):
    """The demo database, with the motor's submission (both editions) and internal review written."""
    demo = tmp_path / "demo"
    cli("demo", "--dir", demo)
    monkeypatch.setenv("TRACKER_DB", f"sqlite:///{demo / 'demo.db'}")
    monkeypatch.setenv("TRACKER_EVIDENCE", str(demo / "demo-evidence"))
    out = {}
    for edition in ("confidential", "public"):
        out[edition] = (demo / f"{edition}.xlsx", demo / f"{edition}.pdf")
        cli("report", "--entry", MOTOR, "--for", "cbp", "-o", out[edition][0], "--pdf", out[edition][1],
            "--edition", edition)
    out["review"] = demo / "review.xlsx"
    cli("report", "--entry", MOTOR, "-o", out["review"])
    return out


def test_the_motor_states_its_marking_origin_and_the_origin_duties_follow(motor):
    out, pdf = motor["confidential"]
    origin = {r["Topic"]: r["Facts"] for r in sheet(out, "Summary")}["Country of origin"]
    assert "The country of origin is China" not in origin
    assert "to declare on entry is Mexico, under 19 CFR 102.11(a)(3)" in origin
    assert "For Section 301 and AD/CVD duties the country of origin is China, not Mexico" in origin
    assert "CBP HQ H301619" in origin and "owed as for goods of China" in origin
    cert = [r for r in sheet(out, "Certificates") if r["Document"] == "Certificate of origin" and
            r["What it states"] == "country of origin: Mexico"]
    assert cert and f"The entry claims USMCA" in origin and f"at Exhibit {cert[0]['Exhibit']}" in origin
    assert "The marking origin, Mexico, is a party to USMCA" in origin
    chart = next(p for p in pages(pdf) if "Country of origin (marking)" in p)
    assert "Country of origin (marking): Mexico. Section 301 and AD/CVD: China." in " ".join(chart.split())
    assert "where the marking origin (Mexico, 19 CFR 102.11(a)(3)) was conferred" in " ".join(chart.split())
    assert "where the Section 301 and AD/CVD origin (China, 19 CFR 134.1(b)) was conferred" in " ".join(chart.split())


def test_the_chart_outlines_the_step_of_each_origin(motor, monkeypatch):
    from tracker.db import evidence_dir, open_db, read_tx
    from tracker.report.build import build_package
    from tracker.report.chart import _model

    import os
    engine = open_db(os.environ["TRACKER_DB"])
    with read_tx(engine) as conn:
        pkg = build_package(conn, [MOTOR], evidence_dir(engine))
    boxes, _, _ = _model(pkg, pkg.results[0])
    assert [k for k, b in boxes.items() if b["basis"]] == ["MX-QRO-MOTOR"]  # the tariff shift: marking
    assert [k for k, b in boxes.items() if b["duty"]] == ["CN-NB-PARTS"]  # substantial transformation: 301


def test_the_review_determination_rule_is_the_marking_rule(motor):
    values = {r[0]: r[1] for r in load_workbook(motor["review"])["Determination"].iter_rows(values_only=True)
              if r and r[0]}
    assert values["Computed origin"] == "MX"
    assert values["Rule"].startswith("Marking (19 CFR 102.11(a)(3)") and "the supplier states" not in values["Rule"]
    assert "Section 301 and AD/CVD: China (19 CFR 134.1(b)" in values["Rule"]
    assert values["Basis"].startswith("8503 inputs shift to 8501")


def test_one_exhibit_per_document_and_one_step_per_shipment(motor):
    out, _ = motor["confidential"]
    exhibits = sheet(out, "Exhibits")
    papers = [(r["Document"], r["Number"], r["Issued by"]) for r in exhibits]
    assert len(papers) == len(set(papers))  # no paper twice
    cert = [r for r in exhibits if r["Number"] == "CCPIT-NB-2024-0117"]
    assert len(cert) == 1 and cert[0]["Pages in binder"].startswith("ORIGIN-")  # the three rows share the held copy
    assert "one document, recorded 3 times" in cert[0]["What it covers"]
    steps = sheet(out, "Steps")
    assert [r["Step"] for r in steps if "SH-NB-QRO-0305" in r["What happened"]] == [4]
    assert all(f"lot {lot}" in steps[3]["What happened"] for lot in ("HO-24-0301", "RO-24-0301", "ST-24-0301"))
    summary = {r["Topic"]: r["Facts"] for r in sheet(out, "Summary")}
    assert "in 2 shipments" in summary["Route"]
    assert "Exhibit 1 is one document, recorded 3 times in the records, once for each of the 3 lots" in \
        summary["Documents"]
    cited = {int(n) for r in steps for n in re.findall(r"\d+", r["Exhibits"] or "")}
    assert cited == {r["Exhibit"] for r in exhibits}


def test_supplier_text_is_printed_as_given(motor):
    out, _ = motor["confidential"]
    text = " ".join(cells(out))
    assert "AC motor, 3-phase, 1.5 kW" in text and "Ac motor" not in text and "1.5 kw" not in text


def test_binder_tables_never_break_a_word_or_an_id(motor, cli, imported):
    """Columns are as wide as their longest word (type down to 8 pt at the least): an id, a word or
    a header is never split across lines ("CCPIT-NB-2024 / -0117", "warehou / se", "Ste / p")."""
    _, pdf = motor["confidential"]
    words = {w for p in pages(pdf) for w in p.split()}
    assert "CCPIT-NB-2024-0117" in words and "COSU6240305118" in words and "231-4480115-7" in words
    assert not {"-0117", "Exhibi", "Ste", "Establishe"} & words
    _, pdf = submission(cli, imported, "confidential")
    words = {w for p in pages(pdf) for w in p.split()}
    assert "warehouse" in words and not {"warehou", "wareho", "Ste", "Exhibi"} & words


def test_the_supply_chain_sheet_prints_one_page_wide(motor):
    ws = load_workbook(motor["confidential"][0])["Supply chain"]
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight in (0, "0")  # as many pages down as pictures, one across
