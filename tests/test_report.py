"""`tracker report` and `tracker demo`: the evidence workbook as a reviewer opens it."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from datetime import datetime

import pytest
from openpyxl import load_workbook

from tests.builders import write_book
from tests.chains import D, doc, documented, entry, fac, io, item, lot, proc, ship

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcr"]


def chain(tmp_path) -> dict:
    """Chinese profiles relabelled in Thailand, with hostile supplier text in several places."""
    (tmp_path / "coo.pdf").write_bytes(b"%PDF certificate of origin TH")
    data = documented({
        "Facilities": [fac("CN-EXT", "CN"), fac("TH-LAB", "TH", established_on=D("2019-01-01"), annual_capacity=500,
                                                 capacity_unit="kg", address=HOSTILE[1], name=HOSTILE[2]),
                       fac("US-DC", "US", "warehouse")],
        "Items": [item("PROFILE", hts="7604.29.1000", description=HOSTILE[0])],
        "Lots": [lot("P-1", "PROFILE", "CN-EXT", 950, "2024-01-10", "CN", 4),
                 lot("P-2", "PROFILE", "TH-LAB", 950, "2024-01-28", value=4.2)],
        "Processes": [proc("LAB-1", "TH-LAB", "labeling", "2024-01-28", "2024-01-26")],
        "ProcessLots": [io("LAB-1", "input", "P-1", 950), io("LAB-1", "output", "P-2", 950)],
        "Shipments": [ship("S-1", "P-1", 950, "CN-EXT", "TH-LAB", "2024-01-15", "2024-01-25"),
                      ship("S-2", "P-2", 950, "TH-LAB", "US-DC", "2024-02-01", "2024-02-10")],
        "Entries": [entry("E-1", "P-2", 950, "2024-02-12", "7604.29.1000", "TH", importer="Acme Imports")],
    })
    data["Documents"] = [d for d in data["Documents"] if d["doc_type"] != "packing_list"]
    data["Documents"].append({**doc("COO", "certificate_of_origin", "entry", "E-1", "2024-02-01", "TH"),
                              "file": "coo.pdf", "issuer": HOSTILE[3], "reference_no": HOSTILE[4]})
    data["Documents"].append({**doc("NOTE", "other", "entry", "E-1", "2024-02-01"), "issuer": HOSTILE[5]})
    return data


@pytest.fixture
def workbook(cli, tmp_path):
    cli("import", write_book(tmp_path / "chain.xlsx", chain(tmp_path)))
    out = tmp_path / "out" / "E-1.xlsx"
    result = cli("report", "--entry", "E-1", "-o", out)
    assert "Wrote the evidence workbook" in result.stdout
    return out


def rows(ws) -> list[list]:
    return [[c.value for c in r] for r in ws.iter_rows()]


def column(ws, header: str) -> list:
    table = rows(ws)
    i = table[0].index(header)
    return [r[i] for r in table[1:]]


def test_the_workbook_has_every_sheet_of_the_layout(workbook):
    wb = load_workbook(workbook)
    assert wb.sheetnames == ["Index", "Determination", "Origin by regime", "Route", "Route map", "Facilities",
                             "Mass balance", "Documents", "Due diligence", "Flags", "Trade measures", "Section 232",
                             "Audit trail", "Source files"]


def test_the_index_links_to_every_sheet_and_states_the_chain_head(workbook, cli):
    wb = load_workbook(workbook)
    ws = wb["Index"]
    links = {c.value: c.hyperlink.location for r in ws.iter_rows() for c in r if c.hyperlink}
    assert links["Route"] == "'Route'!A1" and links["Mass balance"] == "'Mass balance'!A1"
    assert set(links) == set(wb.sheetnames) - {"Index"}
    labels = {r[0]: r[1] for r in rows(ws) if r and r[0]}
    assert labels["Importer"] == "Acme Imports"
    head = json.loads(cli("audit", "verify", "--json").stdout)["head_hash"]
    assert labels["Audit chain head"].startswith(head)
    entry_row = next(r for r in rows(ws) if r[0] == "E-1")
    assert entry_row[5:8] == ["TH", "CN", 4]  # declared, computed, high flags


def test_the_determination_states_the_rule(workbook):
    values = {r[0]: r[1] for r in rows(load_workbook(workbook)["Determination"]) if r and r[0]}
    assert values["Computed origin"] == "CN"
    assert values["Rule"].startswith("Claimed origin of a raw input with no recorded inputs (P-1)")
    assert values["Later steps (no change of origin)"] == "labeling at TH-LAB (TH): minor"


def test_the_route_is_numbered_oldest_first_with_its_documents(workbook):
    ws = load_workbook(workbook)["Route"]
    assert column(ws, "Step") == [1, 2, 3, 4, 5]
    events = column(ws, "What happened")
    assert events[0].startswith("raw material lot P-1") and events[-1].startswith("US customs entry E-1")
    assert "labeling (minor)" in events[2]
    assert all(isinstance(d, datetime) for d in column(ws, "Date"))  # dates as dates
    dates = column(ws, "Date")
    assert dates == sorted(dates)
    assert "bill_of_lading" in column(ws, "Documents")[1]


def test_the_route_map_is_an_embedded_picture(workbook):
    with zipfile.ZipFile(workbook) as z:
        pictures = [n for n in z.namelist() if n.startswith("xl/media/")]
        assert len(pictures) == 1
        assert z.read(pictures[0])[:8] == b"\x89PNG\r\n\x1a\n"


def test_documents_list_what_is_held_and_what_is_missing(workbook):
    ws = load_workbook(workbook)["Documents"]
    status = dict(zip(column(ws, "Document"), column(ws, "Status")))
    assert status["COO"] == "held" and status["NOTE"] == "on record"
    missing = [(s, t, c) for s, t, c in zip(column(ws, "Status"), column(ws, "Type"), column(ws, "Covers"))
               if s == "MISSING"]
    assert missing == [("MISSING", "packing_list", "entry E-1")]
    sha = hashlib.sha256(b"%PDF certificate of origin TH").hexdigest()
    assert sha in column(ws, "SHA-256")


def test_flags_say_what_would_answer_them(workbook):
    ws = load_workbook(workbook)["Flags"]
    codes = column(ws, "Flag")
    assert {"ORIGIN_MISMATCH", "MINOR_PROCESSING", "ORDER_EXPOSURE", "CAPACITY", "DOC_CONFLICT",
            "MISSING_EVIDENCE"} <= set(codes)
    answers = dict(zip(codes, column(ws, "Evidence that would answer it")))
    assert "binding ruling" in answers["MINOR_PROCESSING"]


def test_facilities_and_mass_balance_show_numbers_as_numbers(workbook):
    wb = load_workbook(workbook)
    fac_rows = {r[0]: r for r in rows(wb["Facilities"])[1:]}
    assert fac_rows["TH-LAB"][8] == 500 and fac_rows["TH-LAB"][11] == "OVER in 2024"
    ws = wb["Mass balance"]
    assert all(isinstance(v, (int, float)) for v in column(ws, "In (made or arrived)"))


def test_the_audit_trail_and_sources_are_included(workbook):
    wb = load_workbook(workbook)
    audit = wb["Audit trail"]
    assert len(column(audit, "Hash")[0]) == 64
    assert "P-2" in column(audit, "Record")
    sources = rows(wb["Source files"])
    assert sources[1][1] == "chain.xlsx" and len(sources[1][2]) == 64


def test_hostile_supplier_text_stays_text(workbook):
    wb = load_workbook(workbook)
    texts = [c for ws in wb for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    for hostile in HOSTILE[:4]:  # the import strips surrounding white space from the tab and CR ones
        cells = [c for c in texts if c.value == hostile or c.value.startswith(hostile)]
        assert cells, hostile
        for c in cells:
            assert c.data_type == "s" and c.quotePrefix
    with zipfile.ZipFile(workbook) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = z.read(name)
                assert b"<f>" not in xml, name
                # The only links are the Index's to its own sheets: none to a supplier's address.
                for link in re.findall(rb"<hyperlink [^>]*>", xml):
                    assert b"location=" in link and b"r:id" not in link and b"evil" not in link, link
        rels = [z.read(n) for n in z.namelist() if n.endswith(".rels")]
        assert not any(b"evil.example" in r for r in rels)  # no link to a supplier's address


def test_every_dangerous_prefix_is_neutralized(tmp_path):
    from openpyxl import Workbook

    from tracker.report.xlsx import styled_cell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("t")
    ws.append([styled_cell(ws, v) for v in HOSTILE + ["plain", "=1+1 in the middle is fine: a=b"]])
    wb.save(tmp_path / "t.xlsx")
    cells = next(load_workbook(tmp_path / "t.xlsx")["t"].iter_rows())
    assert [c.value for c in cells][:6] == HOSTILE
    assert all(c.data_type == "s" and c.quotePrefix for c in cells[:6])
    assert not cells[6].quotePrefix


def test_sheets_are_printable_and_filterable(workbook):
    wb = load_workbook(workbook)
    for name in ("Route", "Documents", "Flags"):
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref.startswith("A1:")
        assert ws.print_title_rows == "$1:$1"  # the header row repeats on every printed page
    for ws in wb:
        assert_printable(ws)


def assert_printable(ws) -> None:
    """US letter, a header (importer, entries, legend) and a footer (page N of M) at 9 pt that do
    not shrink with the page, and no text printed under 9 pt: font size times the print scale."""
    hf = ws.HeaderFooter
    assert ws.page_setup.paperSize == 1
    assert "Entries:" in hf.oddHeader.left.text and hf.oddHeader.right.text, ws.title
    assert hf.oddFooter.center.text == "Page &P of &N"
    assert hf.scaleWithDoc is False
    assert all(p.size is None or p.size >= 9 for p in (hf.oddHeader.left, hf.oddHeader.center,
                                                        hf.oddHeader.right, hf.oddFooter.center))
    texts = [c.value for row in ws.iter_rows() for c in row if c.value not in (None, "")]
    if ws._images and not texts:  # a picture page prints one page wide, so no sliver spills over
        assert ws.page_setup.fitToWidth == 1, ws.title
    else:
        assert not ws.sheet_properties.pageSetUpPr.fitToPage  # a fitted page would shrink text below 9 pt
    scale = (ws.page_setup.scale or 100) / 100
    for row in ws.iter_rows():
        for c in row:
            if c.value is not None:
                assert (c.font.sz or 11) * scale >= 9, (ws.title, c.coordinate, c.font.sz, scale)
    widths = sum(7 * (ws.column_dimensions[k].width or 13) + 5 for k in ws.column_dimensions)
    printable = 10 * 96 if ws.page_setup.orientation == "landscape" else 7.5 * 96
    if widths * scale <= printable * 0.9 and not ws._images:  # a picture page is landscape like its picture
        assert ws.page_setup.orientation == "portrait" or widths > 7.5 * 96, ws.title  # portrait when it fits


def test_the_evidence_package(cli, workbook, tmp_path):
    zip_path = tmp_path / "package.zip"
    assert "Wrote the evidence package" in cli("report", "--entry", "E-1", "--package", zip_path).stdout
    with zipfile.ZipFile(zip_path) as z:
        names = set(z.namelist())
        assert {"evidence.xlsx", "manifest.json", "SHA256SUMS", "documents/COO_coo.pdf"} <= names
        for line in z.read("SHA256SUMS").decode().splitlines():
            sha, name = line.split("  ")
            assert hashlib.sha256(z.read(name)).hexdigest() == sha
        manifest = json.loads(z.read("manifest.json"))
        assert manifest["entries"][0]["computed_origin"] == "CN"


def test_the_package_holds_the_workbook_written(cli, workbook, tmp_path):
    """One build: the workbook in the zip is the file written with -o, and the manifest hashes it."""
    out, zip_path = tmp_path / "both.xlsx", tmp_path / "both.zip"
    cli("report", "--entry", "E-1", "-o", out, "--package", zip_path)
    with zipfile.ZipFile(zip_path) as z:
        inside = z.read("evidence.xlsx")
        manifest = json.loads(z.read("manifest.json"))
    assert inside == out.read_bytes()
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert listed["evidence.xlsx"] == hashlib.sha256(out.read_bytes()).hexdigest()


def test_the_determination_runs_once(cli, workbook, tmp_path, monkeypatch):
    import tracker.report.build as build

    calls = []
    real = build.determine
    monkeypatch.setattr(build, "determine", lambda *a, **k: calls.append(1) or real(*a, **k))
    cli("report", "--entry", "E-1", "-o", tmp_path / "a.xlsx", "--package", tmp_path / "a.zip")
    assert len(calls) == 1


def test_documents_whose_names_collide_both_reach_the_package(cli, tmp_path):
    """`D 1` and `D_1` make the same safe file name: both files are kept, and the sums check."""
    data = chain(tmp_path)
    (tmp_path / "one.pdf").write_bytes(b"%PDF first")
    (tmp_path / "two.pdf").write_bytes(b"%PDF second")
    data["Documents"] += [{**doc("D 1", "other", "entry", "E-1", "2024-02-01"), "file": "one.pdf"},
                          {**doc("D_1", "other", "entry", "E-1", "2024-02-01"), "file": "one.pdf"},
                          {**doc("d_1", "other", "entry", "E-1", "2024-02-01"), "file": "two.pdf"}]
    cli("import", write_book(tmp_path / "chain.xlsx", data))
    zip_path = tmp_path / "p.zip"
    cli("report", "--entry", "E-1", "--package", zip_path)
    with zipfile.ZipFile(zip_path) as z:
        names = z.namelist()
        assert len(names) == len(set(n.casefold() for n in names))
        manifest = json.loads(z.read("manifest.json"))
        by_doc = {f.get("document_id"): f["path"] for f in manifest["files"]}
        assert {"D 1", "D_1", "d_1"} <= set(by_doc)
        assert z.read(by_doc["d_1"]) == b"%PDF second" and z.read(by_doc["D 1"]) == b"%PDF first"
        for line in z.read("SHA256SUMS").decode().splitlines():
            sha, name = line.split("  ")
            assert hashlib.sha256(z.read(name)).hexdigest() == sha, name


def test_cf28_is_the_submission_for_cbp(cli, workbook, tmp_path):
    """The CF-28 answer goes to CBP: it is the submission (facts and exhibits), never the internal review.
    Hostile supplier text and a held file that is not really a PDF still make a sound binder."""
    out, pdf = tmp_path / "cf28.xlsx", tmp_path / "cf28.pdf"
    cli("report", "--entry", "E-1", "--for", "cbp", "--layout", "cf28", "-o", out, "--pdf", pdf)
    wb = load_workbook(out)
    assert wb.sheetnames == ["Summary", "Exhibits", "Steps", "Supply chain", "Mass balance", "Facilities",
                             "Certificates"]
    texts = [c for ws in wb for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    for c in texts:
        if c.value.startswith(("=", "+", "-", "@")):
            assert c.data_type == "s" and c.quotePrefix
    from pypdf import PdfReader

    assert "not a PDF or an image" in "".join(p.extract_text() for p in PdfReader(pdf).pages)


def test_a_layout_of_ones_own(cli, workbook, tmp_path):
    layout = tmp_path / "mine.toml"
    layout.write_text('[[sheet]]\nkind = "flags"\nname = "To answer"\n'
                      'columns = [{ key = "code", header = "Code" }, { key = "answer", header = "Answer" }]\n')
    out = tmp_path / "mine.xlsx"
    cli("report", "--entry", "E-1", "-o", out, "--layout", layout)
    ws = load_workbook(out)["To answer"]
    assert rows(ws)[0] == ["Code", "Answer"]
    layout.write_text('[[sheet]]\nkind = "gossip"\nname = "x"\n')
    assert "unknown sheet kind 'gossip'" in cli("report", "--entry", "E-1", "-o", out, "--layout", layout,
                                                code=1).stderr


def test_a_layout_with_a_typo_or_no_columns_is_refused(cli, workbook, tmp_path):
    layout = tmp_path / "typo.toml"
    layout.write_text('[[sheet]]\nkind = "flags"\nname = "To answer"\n'
                      'columns = [{ key = "code", header = "Code" }, { key = "anwser", header = "Answer" }]\n')
    out = tmp_path / "typo.xlsx"
    err = cli("report", "--entry", "E-1", "-o", out, "--layout", layout, code=1).stderr
    assert "typo.toml" in err and "sheet To answer" in err and "'anwser'" in err and "'answer'" in err
    assert not out.exists()
    layout.write_text('[[sheet]]\nkind = "route"\nname = "Steps"\n')
    err = cli("report", "--entry", "E-1", "-o", out, "--layout", layout, code=1).stderr
    assert "typo.toml" in err and "sheet Steps" in err and "needs columns" in err
    layout.write_text('[confidential]\naliased = ["facility", "lots"]\n[[sheet]]\nkind = "summary"\nname = "S"\n'
                      'columns = [{ key = "text" }]\n')
    err = cli("report", "--entry", "E-1", "-o", out, "--layout", layout, code=1).stderr
    assert "unknown aliased identifier 'lots'" in err
    assert "internal error" not in err


def test_report_errors(cli, workbook, tmp_path):
    out = tmp_path / "nope.xlsx"
    assert "no entry 'E-404'" in cli("report", "--entry", "E-404", "-o", out, code=1).stderr
    assert not out.exists()
    cli("report", "--entry", "E-1", code=2)
    cli("report", "--entry", "E-1", "-o", tmp_path / "x.pdf", code=2)


def test_demo_runs_end_to_end(cli, tmp_path):
    result = cli("demo", "--dir", tmp_path / "demo")
    assert "Evidence workbook:" in result.stdout and "verified" in result.stdout
    wb = load_workbook(tmp_path / "demo" / "evidence.xlsx")
    computed = {r[0]: r[6] for r in rows(wb["Index"]) if r and r[0] and str(r[0]).startswith("231-")}
    assert computed == {"231-4471002-5": "VN", "231-4471877-0": "CN", "231-4472290-3": "VN",
                        "231-5520114-8": "TH", "231-5520387-1": "TH",
                        "231-4480115-7": "MX", "231-4480342-0": "PK"}  # the motor: MX for marking, CN for 301
    regimes = rows(wb["Origin by regime"])
    assert ("231-4480115-7", "MOT-24-0415", "Section 301", "origin", "CN") in {tuple(r[:5]) for r in regimes}


def test_the_blank_template_prints_each_sheet_legibly(cli, tmp_path):
    """One page wide where the text stays 8 pt or more, else across pages (tests/test_template.py)."""
    from tests.test_template import assert_prints_legibly

    out = tmp_path / "t.xlsx"
    cli("template", "-o", out)
    assert_prints_legibly(load_workbook(out))
