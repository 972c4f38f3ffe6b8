"""The metal's own origin for Section 232 (determination-v2 §8), and its three flags.

Each test builds a steel or aluminum chain, imports it through the CLI, runs
`check --json` (or `trace`), and asserts what is gathered and flagged.
"""

from __future__ import annotations

import json

import pytest

from tests.builders import write_book
from tests.chains import D, doc, documented, entry, fac, io, item, lot, proc, ship

PIPE = "7306.30.5028"  # welded steel pipe: Section 232 steel (note 16(c)(iii), heading 7306)
PROFILE = "7604.29.1000"  # aluminum profiles: Section 232 aluminum (note 16(c)(i), heading 7604)
AFTER_NOTE_16 = "2026-05-11"  # note 16 headings in force from 2026-04-06


@pytest.fixture
def run(cli, tmp_path):
    counter = iter(range(1000))

    def run(data: dict) -> dict:
        cli("import", write_book(tmp_path / f"chain{next(counter)}.xlsx", data))
        [result] = json.loads(cli("check", "--json").stdout)["entries"]
        return result

    return run


def codes(result: dict) -> set[str]:
    return {f["code"] for f in result["flags"]}


def flag(result: dict, code: str) -> dict:
    return next(f for f in result["flags"] if f["code"] == code)


def steel_pipe(melt: str | None = "KR", declared: str | None = "KR", when: str = AFTER_NOTE_16) -> dict:
    """Korean hot-rolled coil (its mill certificate gives the melt and pour country) made into
    pipe in Korea and entered as Korean."""
    data = {
        "Facilities": [fac("KR-MILL", "KR", established_on=D("1990-01-01")),
                       fac("KR-PIPE", "KR", established_on=D("1995-01-01")), fac("US-DC", "US", "warehouse")],
        "Items": [item("COIL", hts="7208.51.0030"), item("PIPE", hts=PIPE)],
        "Lots": [lot("C-1", "COIL", "KR-MILL", 1000, "2026-03-02", "KR", 0.8) | {"melt_pour_country": melt},
                 lot("P-1", "PIPE", "KR-PIPE", 950, "2026-03-20", value=1.2)],
        "Processes": [proc("W-1", "KR-PIPE", "manufacturing", "2026-03-20", "2026-03-10")],
        "ProcessLots": [io("W-1", "input", "C-1", 1000), io("W-1", "output", "P-1", 950)],
        "Shipments": [ship("S-1", "P-1", 950, "KR-PIPE", "US-DC", "2026-03-25", "2026-04-20")],
        "Entries": [entry("E-1", "P-1", 950, when, PIPE, "KR", melt_pour_country=declared)],
    }
    data = documented(data)
    # the coil's mill certificate states the melt and pour country; without one, nothing does
    data["Documents"] = [d for d in data["Documents"] if d["doc_type"] != "mill_certificate"]
    if melt:
        data["Documents"].append(doc("MTC-1", "mill_certificate", "lot", "C-1", "2026-03-02", melt))
    return data


def test_steel_traced_through_processing_and_declared(run):
    r = run(steel_pipe())
    assert r["metal_provenance"] == {"melt_pour": ["KR"], "smelt": [], "secondary_smelt": [], "cast": []}
    assert {"measure_id": "SEC232-STEEL-iii", "kind": "232", "country": "*", "hts_prefix": "7306",
            "heading": "9903.82.02", "rate": "50"} in r["measures"]
    assert not {"METAL_PROVENANCE_UNKNOWN", "METAL_PROVENANCE_MISMATCH"} & codes(r)


def test_a_steel_chain_without_its_mill_certificate_is_unknown(run):
    r = run(steel_pipe(melt=None, declared=None))
    f = flag(r, "METAL_PROVENANCE_UNKNOWN")
    assert f["severity"] == "medium" and "lot:C-1" in f["subjects"] and "SEC232-STEEL-iii" in f["message"]
    assert r["metal_provenance"]["melt_pour"] == []


def test_an_entry_before_section_232_asks_nothing(run):
    r = run(steel_pipe(melt=None, declared=None, when="2017-06-01"))
    assert not {"METAL_PROVENANCE_UNKNOWN", "METAL_PROVENANCE_MISMATCH"} & codes(r)


def test_a_declared_melt_country_not_traced_is_a_mismatch(run):
    f = flag(run(steel_pipe(declared="CN")), "METAL_PROVENANCE_MISMATCH")
    assert f["severity"] == "high"
    assert "declared melt and pour country CN, traced KR" in f["message"]
    assert "traced melt and pour country KR not declared" in f["message"]


def test_a_traced_melt_country_left_undeclared_is_a_mismatch(run):
    f = flag(run(steel_pipe(declared=None)), "METAL_PROVENANCE_MISMATCH")
    assert f["message"] == "traced melt and pour country KR not declared"


def test_a_new_melt_replaces_what_its_inputs_said(run):
    """Korean and Japanese coil melted again in Vietnam: the new heat is Vietnamese steel."""
    data = steel_pipe(declared="VN")
    data["Facilities"].append(fac("VN-MELT", "VN", established_on=D("2000-01-01")))
    data["Lots"] += [lot("C-2", "COIL", "KR-MILL", 500, "2026-03-02", "JP", 0.8) | {"melt_pour_country": "JP"},
                     lot("H-1", "COIL", "VN-MELT", 1400, "2026-03-08", value=0.9) | {"melt_pour_country": "VN"}]
    data["Processes"].append(proc("M-1", "VN-MELT", "smelting", "2026-03-08", "2026-03-05"))
    data["ProcessLots"] = [io("M-1", "input", "C-1", 1000), io("M-1", "input", "C-2", 500),
                           io("M-1", "output", "H-1", 1400), io("W-1", "input", "H-1", 1000),
                           io("W-1", "output", "P-1", 950)]
    r = run(data)
    assert r["metal_provenance"]["melt_pour"] == ["VN"]
    assert "METAL_PROVENANCE_MISMATCH" not in codes(r)


def test_every_path_upstream_is_gathered(run):
    """Two coils welded into one pipe: both melt countries are traced."""
    data = steel_pipe(declared="KR")
    data["Lots"].append(lot("C-2", "COIL", "KR-MILL", 500, "2026-03-02", "JP", 0.8) | {"melt_pour_country": "JP"})
    data["ProcessLots"].append(io("W-1", "input", "C-2", 500))
    r = run(data)
    assert r["metal_provenance"]["melt_pour"] == ["JP", "KR"]
    assert "traced melt and pour country JP not declared" in flag(r, "METAL_PROVENANCE_MISMATCH")["message"]


def test_one_path_without_a_statement_is_enough_to_be_unknown(run):
    data = steel_pipe()
    data["Lots"].append(lot("C-2", "COIL", "KR-MILL", 500, "2026-03-02", "KR", 0.8))
    data["ProcessLots"].append(io("W-1", "input", "C-2", 500))
    f = flag(run(data), "METAL_PROVENANCE_UNKNOWN")
    assert "lot:C-2" in f["subjects"] and "lot:C-1" not in f["subjects"]


def aluminum_profiles(smelt="AE", cast="AE", second=None, declared=None) -> dict:
    """Billet smelted and cast abroad, extruded in Vietnam, entered as Vietnamese profiles."""
    return documented({
        "Facilities": [fac("AE-SMELT", "AE", established_on=D("1990-01-01")),
                       fac("VN-EXT", "VN", established_on=D("2000-01-01")), fac("US-DC", "US", "warehouse")],
        "Items": [item("BILLET", hts="7601.20.9075"), item("PROFILE", hts=PROFILE)],
        "Lots": [lot("B-1", "BILLET", "AE-SMELT", 1000, "2026-03-01", "AE", 2.5)
                 | {"smelt_country": smelt, "cast_country": cast, "secondary_smelt_country": second},
                 lot("P-1", "PROFILE", "VN-EXT", 950, "2026-03-20", value=4)],
        "Processes": [proc("EXT-1", "VN-EXT", "extrusion", "2026-03-20", "2026-03-15")],
        "ProcessLots": [io("EXT-1", "input", "B-1", 1000), io("EXT-1", "output", "P-1", 950)],
        "Shipments": [ship("S-0", "B-1", 1000, "AE-SMELT", "VN-EXT", "2026-03-03", "2026-03-12"),
                      ship("S-1", "P-1", 950, "VN-EXT", "US-DC", "2026-03-25", "2026-04-20")],
        "Entries": [entry("E-1", "P-1", 950, AFTER_NOTE_16, PROFILE, "VN", **(declared or {}))],
    })


def test_russian_smelt_raises_russian_aluminum(run):
    r = run(aluminum_profiles(smelt="RU", cast="AE"))
    f = flag(r, "RUSSIAN_ALUMINUM")
    assert f["severity"] == "high" and "smelt in Russia" in f["message"] and "lot:B-1" in f["subjects"]
    assert r["metal_provenance"]["smelt"] == ["RU"]


def test_russian_secondary_smelt_or_cast_also_counts(run):
    assert "RUSSIAN_ALUMINUM" in codes(run(aluminum_profiles(second="RU")))


def test_aluminum_from_elsewhere_is_not_russian(run):
    r = run(aluminum_profiles(declared={"smelt_country": "AE", "cast_country": "AE"}))
    assert not {"RUSSIAN_ALUMINUM", "METAL_PROVENANCE_UNKNOWN", "METAL_PROVENANCE_MISMATCH"} & codes(r)
    assert r["metal_provenance"] == {"melt_pour": [], "smelt": ["AE"], "secondary_smelt": [], "cast": ["AE"]}


def test_aluminum_needs_both_smelt_and_cast(run):
    f = flag(run(aluminum_profiles(cast=None)), "METAL_PROVENANCE_UNKNOWN")
    assert "smelted and where it was cast" in f["message"] and "lot:B-1" in f["subjects"]


def test_trace_and_table_show_the_metal(cli, tmp_path):
    cli("import", write_book(tmp_path / "chain.xlsx", steel_pipe()))
    t = json.loads(cli("trace", "--entry", "E-1", "--json").stdout)
    nodes = {n["id"]: n for n in t["nodes"]}
    assert nodes["lot:C-1"]["metal_stated"] == {"melt_pour": "KR"}
    assert nodes["lot:P-1"]["metal_provenance"]["melt_pour"] == ["KR"]
    assert nodes["entry:E-1"]["metal_declared"] == {"melt_pour": "KR"}
    assert "metal: melt and pour KR" in cli("trace", "--entry", "E-1").stdout
    assert "melt and pour KR" in cli("check").stdout


def test_the_evidence_workbook_has_a_section_232_sheet(cli, tmp_path):
    from openpyxl import load_workbook

    data = steel_pipe(declared="CN")
    cli("import", write_book(tmp_path / "chain.xlsx", data))
    cli("report", "--entry", "E-1", "-o", tmp_path / "evidence.xlsx")
    ws = load_workbook(tmp_path / "evidence.xlsx")["Section 232"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(r for r in rows if r and r[0] == "Entry")
    [melt] = [dict(zip(header, r)) for r in rows if r and r[0] == "E-1"]
    assert melt["Metal history"] == "melt and pour" and melt["Traced upstream"] == "KR"
    assert melt["Declared on entry"] == "CN" and melt["Agrees"] == "no"
    assert melt["Stated by lots"] == "C-1 (KR-MILL)" and melt["Mill certificates"] == "MTC-1 REF-MTC-1 (lot C-1)"
    assert "SEC232-STEEL-iii (9903.82.02, 50%)" in melt["Section 232 measures"]
