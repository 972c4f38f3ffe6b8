"""Origin per regime (determination-v2) on chains built from real decisions.

Each test states the facts of a public decision or regulation, builds them as
a supplier workbook, imports it through the CLI and checks `check --json`:
the origin per regime, the rule cited, and the flags that must and must not
be raised.
"""

from __future__ import annotations

import json

import pytest

from tests.builders import write_book
from tests.chains import D, doc, documented, entry, fac, io, item, lot, proc, ship
from tests.test_flags import codes, run  # noqa: F401  (run: the import-and-check fixture)


def flag(result: dict, code: str) -> dict:
    return next(f for f in result["flags"] if f["code"] == code)


def origins(result: dict) -> dict[str, str]:
    return {k: v["origin"] for k, v in result["regimes"].items()}


MEASURE_301 = {"measure_id": "301-LIST1", "kind": "301", "country": "CN", "hts_prefix": "8501",
               "effective_on": D("2018-07-06"), "description": "Section 301 List 1 (83 FR 28710)"}


def motor(declared="MX", **entry_kw) -> dict:
    """Chinese stator, rotor and housing assembled into a motor in Mexico."""
    return documented({
        "Facilities": [fac("CN-PARTS", "CN"), fac("MX-ASSY", "MX"), fac("US-DC", "US", "warehouse")],
        "Items": [item("STATOR", "pcs", "8503.00.9545"), item("ROTOR", "pcs", "8503.00.9545"),
                  item("HOUSING", "pcs", "8503.00.9545"), item("MOTOR", "pcs", "8501.52.8040")],
        "Lots": [lot("ST-1", "STATOR", "CN-PARTS", 100, "2019-02-01", "CN", 40),
                 lot("RO-1", "ROTOR", "CN-PARTS", 100, "2019-02-01", "CN", 30),
                 lot("HO-1", "HOUSING", "CN-PARTS", 100, "2019-02-01", "CN", 10),
                 lot("M-1", "MOTOR", "MX-ASSY", 100, "2019-03-10", value=120)],
        "Processes": [proc("ASSY-1", "MX-ASSY", "simple_assembly", "2019-03-10", "2019-03-05")],
        "ProcessLots": [io("ASSY-1", "input", "ST-1", 100), io("ASSY-1", "input", "RO-1", 100),
                        io("ASSY-1", "input", "HO-1", 100), io("ASSY-1", "output", "M-1", 100)],
        "Shipments": [ship(s, x, 100, "CN-PARTS", "MX-ASSY", "2019-02-05", "2019-02-25")
                      for s, x in (("S-ST", "ST-1"), ("S-RO", "RO-1"), ("S-HO", "HO-1"))]
        + [ship("S-M", "M-1", 100, "MX-ASSY", "US-DC", "2019-03-12", "2019-03-14")],
        "Entries": [entry("E-MOTOR", "M-1", 100, "2019-03-15", "8501.52.8040", declared, **entry_kw)],
        "TradeMeasures": [MEASURE_301],
    })


def test_h301619_motor_is_mexican_for_marking_and_chinese_for_section_301(run):
    """CBP HQ H301619 (2019): stators, rotors and housings of Chinese origin assembled into
    motors in Mexico. Under the Part 102 rules (19 CFR 102.11(a)(3), 102.20: heading 8501
    from any other heading) the motors are Mexican for marking; for Section 301 the
    assembly is not a substantial transformation and they stay Chinese."""
    r = run(motor())
    assert origins(r) == {"marking": "MX", "section_301": "CN", "adcvd": "CN"}
    assert r["computed_origin"] == r["regimes"]["marking"]["origin"] == "MX"
    marking = r["regimes"]["marking"]
    assert marking["rule"] == "19 CFR 102.11(a)(3)" and marking["status"] == "resolved"
    assert "8503 inputs shift to 8501" in marking["basis"] and "MX-ASSY (MX)" in marking["basis"]
    assert all(t["shifted"] for t in marking["inputs"])
    assert r["regimes"]["section_301"]["rule"] == "19 CFR 134.1(b)"
    assert "simple_assembly at MX-ASSY (MX) is minor; principal input ST-1 (CN)" in \
        r["regimes"]["section_301"]["basis"]
    assert "ORIGIN_MISMATCH" not in codes(r)  # MX is the right declaration
    assert {"REGIME_SPLIT", "ORDER_EXPOSURE"} <= codes(r)  # ... and Section 301 duties are owed
    assert "MINOR_PROCESSING" in codes(r)  # judged with the AD/CVD origin: for duties, only assembled in MX
    assert "301-LIST1" in flag(r, "ORDER_EXPOSURE")["message"]
    assert "Section 301 origin" in flag(r, "ORDER_EXPOSURE")["message"]
    assert "marking MX" in flag(r, "REGIME_SPLIT")["message"]
    # the workbook's own row, and the bundled List 1 line derived from the HTS (8501.52.80)
    assert sorted(m["measure_id"] for m in r["measures"]) == ["301-LIST1", "SEC301-CN-LIST1"]


def test_a_certificate_on_the_entered_lot_is_compared_with_the_marking_origin(run):
    """determination-v2 §6: DOC_CONFLICT compares a document's stated origin with the marking origin."""
    data = motor()
    data["Documents"].append(doc("COO-LOT", "certificate_of_origin", "lot", "M-1", "2019-03-11", "MX"))
    assert "DOC_CONFLICT" not in codes(run(data))


def test_motor_declared_chinese_is_an_origin_mismatch_for_marking(run):
    r = run(motor(declared="CN"))
    assert "ORIGIN_MISMATCH" in codes(r)
    assert "ORDER_EXPOSURE" not in codes(r)


def textile_chain(fabric_country: str, sew_country: str, good_hts: str, fabric_hts="5208.52",
                  step="weaving_knitting", make="garment_assembly", declared=None) -> dict:
    """Yarn made into fabric (or knit panels) in one country, finished in another."""
    return documented({
        "Facilities": [fac("MILL", fabric_country), fac("SEW", sew_country), fac("US-DC", "US", "warehouse")],
        "Items": [item("YARN", "kg", "5205.11"), item("FABRIC", "m2", fabric_hts), item("GOOD", "pcs", good_hts)],
        "Lots": [lot("Y-1", "YARN", "MILL", 1000, "2024-01-02", fabric_country, 3),
                 lot("F-1", "FABRIC", "MILL", 5000, "2024-01-20", value=2),
                 lot("G-1", "GOOD", "SEW", 2000, "2024-02-20", value=9)],
        "Processes": [proc("MAKE-F", "MILL", step, "2024-01-20", "2024-01-05"),
                      proc("MAKE-G", "SEW", make, "2024-02-20", "2024-02-10")],
        "ProcessLots": [io("MAKE-F", "input", "Y-1", 1000), io("MAKE-F", "output", "F-1", 5000),
                        io("MAKE-G", "input", "F-1", 5000), io("MAKE-G", "output", "G-1", 2000)],
        "Shipments": [ship("S-F", "F-1", 5000, "MILL", "SEW", "2024-01-22", "2024-02-05"),
                      ship("S-G", "G-1", 2000, "SEW", "US-DC", "2024-02-22", "2024-03-20")],
        "Entries": [entry("E-TEX", "G-1", 2000, "2024-03-22", good_hts, declared or fabric_country)],
    })


def test_bed_linen_is_of_the_country_where_the_fabric_was_woven(run):
    """19 CFR 102.21(c)(2) with (e)(1) for headings 6301-6306: the origin of bed linen of
    6302 is the country where the fabric was formed by a fabric-making process. Cotton
    sheeting woven in Pakistan, cut and sewn into sheets in Vietnam, is Pakistani for every
    purpose (v1's substantial transformation said Vietnamese)."""
    r = run(textile_chain("PK", "VN", "6302.21.9010"))
    assert origins(r) == {"marking": "PK", "section_301": "PK", "adcvd": "PK"}
    assert r["regimes"]["marking"]["rule"] == "19 CFR 102.21(c)(2)"
    assert "fabric-making process occurred in PK" in r["regimes"]["marking"]["basis"]
    assert not {"ORIGIN_MISMATCH", "REGIME_SPLIT", "ORIGIN_UNRESOLVED"} & codes(r)


def test_a_shirt_cut_and_sewn_from_imported_fabric_is_of_where_it_was_wholly_assembled(run):
    """19 CFR 102.21(c)(2), (e)(1) for headings 6201-6208: a change to an assembled good
    from unassembled components, the good being wholly assembled in a single country.
    Chinese cotton shirting cut and sewn into shirts in Vietnam: Vietnamese."""
    r = run(textile_chain("CN", "VN", "6205.20.2016", declared="VN"))
    assert origins(r) == {"marking": "VN", "section_301": "VN", "adcvd": "VN"}
    assert r["regimes"]["marking"]["rule"] == "19 CFR 102.21(c)(2)"
    assert "wholly assembled occurred in VN" in r["regimes"]["marking"]["basis"]
    assert "ORIGIN_MISMATCH" not in codes(r)


def test_a_sweater_knit_to_shape_is_of_where_it_was_knit(run):
    """19 CFR 102.21(c)(3)(i): a good knit to shape takes the origin of the single country
    where it was knit. Sweater panels knit to shape in Hong Kong and linked in China are
    Hong Kong's (the textbook case of the 1996 rules, and CBP's rulings on them)."""
    r = run(textile_chain("HK", "CN", "6110.20.2075", fabric_hts="6117.90.9080", step="knitting_to_shape",
                          make="linking_looping"))
    assert origins(r) == {"marking": "HK", "section_301": "HK", "adcvd": "HK"}
    assert r["regimes"]["marking"]["rule"].startswith("19 CFR 102.21(c)(3)")
    assert "ORIGIN_MISMATCH" not in codes(r)


def test_a_textile_without_the_fabric_facts_is_unresolved(run):
    """Bed linen whose fabric was bought in with no record of where it was formed: 102.21
    cannot decide; substantial transformation stands in and ORIGIN_UNRESOLVED says why."""
    data = textile_chain("PK", "VN", "6302.21.9010", declared="VN")
    data["Processes"][0]["process_type"] = "cutting_trimming"
    r = run(data)
    assert r["regimes"]["marking"]["status"] == "unresolved"
    assert "fabric-making process" in r["regimes"]["marking"]["missing"][0]
    assert "ORIGIN_UNRESOLVED" in codes(r)


def relabeled(step="labeling", declared="MX") -> dict:
    """Chinese power supplies relabeled in Mexico."""
    return documented({
        "Facilities": [fac("CN-F", "CN"), fac("MX-W", "MX"), fac("US-DC", "US", "warehouse")],
        "Items": [item("PSU", "pcs", "8504.40.9580"), item("PSU-MX", "pcs", "8504.40.9580")],
        "Lots": [lot("PSU-1", "PSU", "CN-F", 500, "2024-01-02", "CN", 12),
                 lot("PSU-2", "PSU-MX", "MX-W", 500, "2024-02-01", value=13)],
        "Processes": [proc("LBL-1", "MX-W", step, "2024-02-01", "2024-01-30")],
        "ProcessLots": [io("LBL-1", "input", "PSU-1", 500), io("LBL-1", "output", "PSU-2", 500)],
        "Shipments": [ship("S-1", "PSU-1", 500, "CN-F", "MX-W", "2024-01-05", "2024-01-28"),
                      ship("S-2", "PSU-2", 500, "MX-W", "US-DC", "2024-02-03", "2024-02-05")],
        "Entries": [entry("E-PSU", "PSU-2", 500, "2024-02-06", "8504.40.9580", declared)],
    })


def test_mexican_relabeling_of_chinese_goods_makes_no_tariff_shift(run):
    """19 CFR 102.11(a)(3), 102.20: relabeling leaves the goods in 8504.40, so no change in
    tariff classification; 102.11(b) follows the only material that did not shift: Chinese."""
    r = run(relabeled())
    assert origins(r) == {"marking": "CN", "section_301": "CN", "adcvd": "CN"}
    assert r["regimes"]["marking"]["rule"] == "19 CFR 102.11(b)"
    assert r["regimes"]["marking"]["inputs"][0]["shifted"] is False
    assert {"ORIGIN_MISMATCH", "MINOR_PROCESSING"} <= codes(r)


def test_repacking_is_a_non_qualifying_operation(run):
    """19 CFR 102.17(c): simple packing or repacking never makes the change of 102.20."""
    r = run(relabeled(step="repackaging"))
    assert r["regimes"]["marking"]["origin"] == "CN"
    assert "102.17" in r["regimes"]["marking"]["basis"]


def test_canadian_wire_drawn_from_spanish_rod_is_spanish(run):
    """Superior Wire v. United States, 669 F. Supp. 472 (CIT 1987), aff'd 867 F.2d 1409
    (Fed. Cir. 1989): drawing Spanish wire rod into wire in Canada is not a substantial
    transformation. Part 102 agrees: the 102.20 rule for heading 7217 excludes a change
    from headings 7213 through 7215, so 102.11(b) follows the rod."""
    data = documented({
        "Facilities": [fac("ES-MILL", "ES", "mill"), fac("CA-DRAW", "CA"), fac("US-DC", "US", "warehouse")],
        "Items": [item("ROD", "kg", "7213.91.3011"), item("WIRE", "kg", "7217.10.1000")],
        "Lots": [lot("R-1", "ROD", "ES-MILL", 10000, "2024-01-02", "ES", 0.8),
                 lot("W-1", "WIRE", "CA-DRAW", 9800, "2024-02-10", value=1.1)],
        "Processes": [proc("DRAW-1", "CA-DRAW", "cold_drawing", "2024-02-10", "2024-02-01")],
        "ProcessLots": [io("DRAW-1", "input", "R-1", 10000), io("DRAW-1", "output", "W-1", 9800)],
        "Shipments": [ship("S-1", "R-1", 10000, "ES-MILL", "CA-DRAW", "2024-01-05", "2024-01-25"),
                      ship("S-2", "W-1", 9800, "CA-DRAW", "US-DC", "2024-02-12", "2024-02-14")],
        "Entries": [entry("E-WIRE", "W-1", 9800, "2024-02-15", "7217.10.1000", "ES")],
    })
    r = run(data)
    assert origins(r) == {"marking": "ES", "section_301": "ES", "adcvd": "ES"}
    assert r["regimes"]["section_301"]["basis"].startswith("cold_drawing at CA-DRAW (CA) is minor")
    assert r["regimes"]["marking"]["rule"] == "19 CFR 102.11(b)"
    assert not {"ORIGIN_MISMATCH", "REGIME_SPLIT"} & codes(r)


# --- preference programs and certificates --------------------------------------------------

def certificate(**kw) -> dict:
    """A complete USMCA certification by the producer (USMCA Annex 5-A; 19 CFR 182.12)."""
    d = doc("COO-1", "certificate_of_origin", "entry", "E-MOTOR", "2019-03-11")
    d.update(program="USMCA", certifier_role="producer", issuer="MX Motores SA", exporter="MX Motores SA",
             producer="MX Motores SA", importer="US Pumps Inc", hts="8501.52", origin_criterion="B",
             signed="yes", stated_origin="MX")
    d.update(kw)
    return d


def claim(cert: dict | None) -> dict:
    data = motor(preference_program="USMCA")
    if cert is not None:
        data["Documents"].append(cert)
    return data


def test_a_usmca_claim_with_a_good_certificate(run):
    r = run(claim(certificate()))
    assert r["preference"] == {"program": "USMCA", "certificate": "COO-1", "certifier_role": "producer",
                               "kind": "self-declared (producer)", "eligible": True, "problems": []}
    assert not {"CERT_DEFECTIVE", "PREFERENCE_INELIGIBLE", "MISSING_EVIDENCE"} & codes(r)


def test_a_blanket_certificate_on_the_supplier_facility_covers_the_entry(run):
    cert = certificate(covers_type="facility", covers_id="MX-ASSY", blanket_from=D("2019-01-01"),
                       blanket_to=D("2019-12-31"), issued_on=D("2018-12-20"))
    r = run(claim(cert))
    assert r["preference"]["certificate"] == "COO-1"
    assert r["preference"]["problems"] == []
    assert "CERT_DEFECTIVE" not in codes(r)


@pytest.mark.parametrize("change, says", [
    ({"exporter": None}, "the exporter is missing"),
    ({"origin_criterion": None}, "the origin criterion is missing"),
    ({"signed": "no"}, "a signature is missing"),
    ({"certifier_role": "chamber"}, "USMCA allows only the importer, exporter, producer"),
    ({"covers_type": "lot", "covers_id": "M-1", "blanket_from": D("2019-01-01"), "blanket_to": D("2020-03-01"),
      "issued_on": D("2018-12-20")}, "is longer than 12 months"),
    ({"covers_type": "lot", "covers_id": "M-1", "blanket_from": D("2018-01-01"), "blanket_to": D("2018-12-31"),
      "issued_on": D("2017-12-20")}, "does not contain the entry date"),
    ({"issued_on": D("2019-04-01")}, "after the entry date"),
    ({"program": "KORUS"}, "names program KORUS, not USMCA"),
])
def test_a_usmca_certificate_with_a_defect(run, change, says):
    """USMCA Art. 5.2 and Annex 5-A, 19 CFR 182.12: certified by the importer, exporter or
    producer, with the minimum data elements, a blanket period of at most 12 months, and
    dated no later than the claim."""
    r = run(claim(certificate(**change)))
    assert "CERT_DEFECTIVE" in codes(r), r["preference"]
    assert says in flag(r, "CERT_DEFECTIVE")["message"]


def test_a_preference_claimed_for_chinese_goods_is_ineligible(run):
    """A USMCA claim on goods whose marking origin is China, not a party (USMCA Art. 4.2)."""
    r = run(relabeled(declared="MX") | {})
    assert "PREFERENCE_INELIGIBLE" not in codes(r)
    data = relabeled(declared="CN")
    data["Entries"][0]["preference_program"] = "USMCA"
    r = run(data)
    assert r["preference"]["eligible"] is False
    assert "PREFERENCE_INELIGIBLE" in codes(r)
    assert "not a party" in flag(r, "PREFERENCE_INELIGIBLE")["message"]


def test_cafta_dr_needs_no_certificate_for_a_small_commercial_entry(run):
    data = documented({
        "Facilities": [fac("GT-F", "GT"), fac("US-DC", "US", "warehouse")],
        "Items": [item("BAR", "kg", "7214.20"), item("BOLT", "kg", "7318.15.2095")],
        "Lots": [lot("B-1", "BAR", "GT-F", 100, "2024-01-02", "GT", 1), lot("P-1", "BOLT", "GT-F", 90, "2024-01-09")],
        "Processes": [proc("MACH-1", "GT-F", "machining", "2024-01-09")],
        "ProcessLots": [io("MACH-1", "input", "B-1", 100), io("MACH-1", "output", "P-1", 90)],
        "Shipments": [ship("S-1", "P-1", 90, "GT-F", "US-DC", "2024-01-10", "2024-01-15")],
        "Entries": [entry("E-GT", "P-1", 90, "2024-01-16", "7318.15.2095", "GT", preference_program="CAFTA-DR",
                          value_usd=2000)],
    })
    r = run(data)
    assert r["preference"]["problems"] == [] and r["preference"]["eligible"]
    assert not {"CERT_DEFECTIVE", "PREFERENCE_INELIGIBLE"} & codes(r)


# --- substantial transformation, refined -------------------------------------------------------

def module(essential: bool) -> dict:
    """Solar cells (CN, the module's essence) framed with glass and aluminium (MY, worth more)."""
    data = documented({
        "Facilities": [fac("CN-CELL", "CN"), fac("MY-MOD", "MY"), fac("US-DC", "US", "warehouse")],
        "Items": [item("CELL", "pcs", "8541.42.0010"), item("FRAME", "pcs", "7610.90"),
                  item("MODULE", "pcs", "8541.43.0010")],
        "Lots": [lot("C-1", "CELL", "CN-CELL", 6000, "2024-01-02", "CN", 1),
                 lot("FR-1", "FRAME", "MY-MOD", 100, "2024-01-05", "MY", 80),
                 lot("M-1", "MODULE", "MY-MOD", 100, "2024-01-20", value=150)],
        "Processes": [proc("MOD-1", "MY-MOD", "module_assembly", "2024-01-20", "2024-01-10")],
        "ProcessLots": [io("MOD-1", "input", "C-1", 6000), io("MOD-1", "input", "FR-1", 100),
                        io("MOD-1", "output", "M-1", 100)],
        "Shipments": [ship("S-C", "C-1", 6000, "CN-CELL", "MY-MOD", "2024-01-03", "2024-01-08"),
                      ship("S-M", "M-1", 100, "MY-MOD", "US-DC", "2024-01-22", "2024-02-10")],
        "Entries": [entry("E-MOD", "M-1", 100, "2024-02-12", "8541.43.0010", "MY")],
    })
    if essential:
        data["ProcessLots"][0]["essential"] = "yes"
    return data


def test_the_essential_input_decides_a_minor_process(run):
    """determination-v2 §2.1: the cells give a module its essential character, whatever the
    frame is worth (Commerce's solar scope rulings; CBP HQ H301813)."""
    assert run(module(False))["computed_origin"] == "MY"  # the frame is worth more
    r = run(module(True))
    assert r["computed_origin"] == "CN"
    assert "essential input C-1 (CN)" in r["regimes"]["adcvd"]["basis"]
    assert r["route"][0] == "CN"  # the main line follows the essential input


def ruled(regime: str | None, effective: str | None = None, expires: str | None = None) -> dict:
    data = motor()
    data["Rulings"] = [{"ruling_id": "HQ H000001", "item_id": "MOTOR", "process_type": "simple_assembly",
                        "class": "substantial", "regime": regime,
                        "effective_on": D(effective) if effective else None,
                        "expires_on": D(expires) if expires else None}]
    return data


def test_a_ruling_applies_only_in_its_regime(run):
    """determination-v2 §2.3: a ruling naming section_301 changes the Section 301 origin only."""
    r = run(ruled("section_301"))
    assert origins(r) == {"marking": "MX", "section_301": "MX", "adcvd": "CN"}
    assert "ORDER_EXPOSURE" not in codes(r)  # a 301 measure turns on the Section 301 origin alone
    assert r["regimes"]["section_301"]["rule"] == "ruling HQ H000001"


def test_a_ruling_applies_only_to_entries_inside_its_window(run):
    """A ruling revoked under 19 USC 1625(c) before the entry date no longer binds it."""
    assert origins(run(ruled("all", expires="2019-01-01")))["adcvd"] == "CN"
    assert origins(run(ruled("all", effective="2019-01-01")))["adcvd"] == "MX"


# --- the workbook ------------------------------------------------------------------------------

def test_a_preference_outside_the_programs_vocabulary_is_refused(cli, tmp_path):
    data = motor(preference_program="NOT-A-PROGRAM")
    result = cli("import", write_book(tmp_path / "bad.xlsx", data), code=1)
    assert "Entries!2 preference_program" in result.output
    assert "is not a preference program" in result.output


def test_essential_is_only_for_one_input_per_process(cli, tmp_path):
    data = motor()
    data["ProcessLots"][0]["essential"] = "yes"
    data["ProcessLots"][1]["essential"] = "yes"
    data["ProcessLots"][3]["essential"] = "yes"
    result = cli("import", write_book(tmp_path / "bad.xlsx", data), code=1)
    assert "ProcessLots!3 essential" in result.output and "at most one per process" in result.output
    assert "ProcessLots!5 essential" in result.output and "only for input rows" in result.output


# --- where people see it -------------------------------------------------------------------------

def test_check_table_trace_and_workbook_show_the_split(cli, tmp_path):
    from openpyxl import load_workbook

    cli("import", write_book(tmp_path / "motor.xlsx", claim(certificate())))
    table = cli("check").stdout
    assert "computed MX" in table and "≠ 301/AD CN" in table and "REGIME_SPLIT" in table
    tree = cli("trace", "--entry", "E-MOTOR").stdout
    assert "marking MX · Section 301 CN · AD/CVD CN" in tree
    node = next(n for n in json.loads(cli("trace", "--lot", "M-1", "--json").stdout)["nodes"]
                if n["id"] == "lot:M-1")
    assert {k: v["origin"] for k, v in node["regimes"].items()} == {"marking": "MX", "section_301": "CN",
                                                                    "adcvd": "CN"}
    cli("report", "--entry", "E-MOTOR", "-o", tmp_path / "evidence.xlsx")
    ws = load_workbook(tmp_path / "evidence.xlsx")["Origin by regime"]
    rows = [dict(zip([c.value for c in ws[1]], [c.value for c in row])) for row in ws.iter_rows(min_row=2)]
    marking = next(r for r in rows if r["Regime"] == "marking" and r["Line"] == "origin")
    assert (marking["Origin"], marking["Rule"], marking["Status"]) == ("MX", "19 CFR 102.11(a)(3)", "resolved")
    tested = [r for r in rows if r["Line"] == "input tested"]
    assert {(r["Input lot"], r["HTS in"], r["HTS out"], r["Shifted"]) for r in tested} == {
        ("ST-1", "8503.00.95.45", "8501.52.80.40", "yes"), ("RO-1", "8503.00.95.45", "8501.52.80.40", "yes"),
        ("HO-1", "8503.00.95.45", "8501.52.80.40", "yes")}
    checklist = [r for r in rows if r["Line"] == "certificate"]
    assert checklist and all(r["Document"] == "COO-1" and r["Status"] == "ok" for r in checklist)


def test_blended_honey_follows_its_largest_material_domestic_included(run):
    """19 CFR 102.17(d) (mere dilution) and 102.11(b), 102.18(b)(1): honey blended in Mexico
    from Mexican and Argentine honey makes no change of classification; the essential
    character comes from the material of highest value among all those in the provision
    (domestic ones included), here the Mexican honey."""
    data = documented({
        "Facilities": [fac("MX-F", "MX"), fac("AR-F", "AR", "farm"), fac("US-DC", "US", "warehouse")],
        "Items": [item("RAW", "kg", "0409.00.0010"), item("HONEY", "kg", "0409.00.0010")],
        "Lots": [lot("MXH", "RAW", "MX-F", 6000, "2024-01-02", "MX", 3), lot("ARH", "RAW", "AR-F", 4000,
                                                                          "2024-01-02", "AR", 2.5),
                 lot("BL-1", "HONEY", "MX-F", 10000, "2024-02-01", value=3.2)],
        "Processes": [proc("MIX-1", "MX-F", "mixing_dilution", "2024-02-01")],
        "ProcessLots": [io("MIX-1", "input", "MXH", 6000), io("MIX-1", "input", "ARH", 4000),
                        io("MIX-1", "output", "BL-1", 10000)],
        "Shipments": [ship("S-A", "ARH", 4000, "AR-F", "MX-F", "2024-01-05", "2024-01-25"),
                      ship("S-B", "BL-1", 10000, "MX-F", "US-DC", "2024-02-03", "2024-02-06")],
        "Entries": [entry("E-HON", "BL-1", 10000, "2024-02-07", "0409.00.0010", "MX")],
    })
    r = run(data)
    assert r["regimes"]["marking"]["origin"] == "MX"
    assert r["regimes"]["marking"]["rule"] == "19 CFR 102.11(b)"
    assert "MXH has the highest value" in r["regimes"]["marking"]["basis"]
