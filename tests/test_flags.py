"""Origin rules and every flag of determination-v1, on small realistic chains.

Each test builds a chain, imports it through the CLI, runs `check --json`,
and asserts the computed origin and the flags that must and must not be
raised, so that removing any rule or check makes a test fail.
"""

from __future__ import annotations

import json

import pytest

from tests.builders import write_book
from tests.chains import D, doc, documented, entry, fac, io, item, lot, proc, ship

ALU = "7604.29.1000"  # aluminium profiles: under AD A-570-967 and CVD C-570-968 on China since 2011


@pytest.fixture
def run(cli, tmp_path):
    counter = iter(range(1000))

    def run(data: dict, number: str | None = None) -> dict:
        book = write_book(tmp_path / f"chain{next(counter)}.xlsx", data)
        cli("import", book)
        results = json.loads(cli("check", "--json").stdout)["entries"]
        if number is None:
            assert len(results) == 1
            return results[0]
        return next(r for r in results if r["entry_number"] == number)

    return run


def codes(result: dict) -> set[str]:
    return {f["code"] for f in result["flags"]}


def flags_of(result: dict, code: str) -> list[dict]:
    return [f for f in result["flags"] if f["code"] == code]


def direct(country="CN", declared="CN", hts=ALU, **entry_kw) -> dict:
    """Billet made into profiles in one country, shipped straight to the US."""
    return documented({
        "Facilities": [fac("F1", country, established_on=D("2000-01-01")), fac("US-DC", "US", "warehouse")],
        "Items": [item("BILLET"), item("PROFILE", hts=hts)],
        "Lots": [lot("B-1", "BILLET", "F1", 1000, "2024-01-02", country, 2.5),
                 lot("P-1", "PROFILE", "F1", 950, "2024-01-10", value=4)],
        "Processes": [proc("EXT-1", "F1", "extrusion", "2024-01-10", "2024-01-05")],
        "ProcessLots": [io("EXT-1", "input", "B-1", 1000), io("EXT-1", "output", "P-1", 950)],
        "Shipments": [ship("S-1", "P-1", 950, "F1", "US-DC", "2024-01-15", "2024-02-10")],
        "Entries": [entry("E-1", "P-1", 950, "2024-02-12", hts, declared, **entry_kw)],
    })


def via(middle_country: str, middle_type="warehouse", step: str | None = None, declared=None,
        hts=ALU) -> dict:
    """Chinese profiles through a facility in another country; `step` is a process done there."""
    data = direct("CN", declared or middle_country, hts)
    data["Facilities"].append(fac("MID", middle_country, middle_type, established_on=D("2001-01-01")))
    data["Shipments"] = [ship("S-1", "P-1", 950, "F1", "MID", "2024-01-15", "2024-01-25")]
    final = "P-1"
    if step:
        data["Lots"].append(lot("P-2", "PROFILE", "MID", 950, "2024-01-28", value=4.2))
        data["Processes"].append(proc("MID-1", "MID", step, "2024-01-28", "2024-01-26"))
        data["ProcessLots"] += [io("MID-1", "input", "P-1", 950), io("MID-1", "output", "P-2", 950)]
        final = "P-2"
    data["Shipments"].append(ship("S-2", final, 950, "MID", "US-DC", "2024-02-01", "2024-02-10"))
    data["Entries"][0]["lot_id"] = final
    data["Documents"] = []
    return documented(data)


# --- origin rules -----------------------------------------------------------------------

def test_direct_import_is_clean(run):
    r = run(direct("CN", "CN"))
    assert r["computed_origin"] == "CN"
    assert r["route"] == ["CN", "US"]
    assert r["origin_basis"] == "extrusion at F1 (CN) on 2024-01-10: substantial by process class"
    assert r["basis"]["rule"] == "process_class"
    assert codes(r) == set()


def test_transit_through_a_port_is_only_a_hop(run):
    r = run(via("SG", "port", declared="CN"))
    assert r["computed_origin"] == "CN"
    assert r["route"] == ["CN", "SG", "US"]
    assert codes(r) == {"TRANSIT_HOP"}
    assert flags_of(r, "TRANSIT_HOP")[0]["severity"] == "info"
    assert "facility:MID" in flags_of(r, "TRANSIT_HOP")[0]["subjects"]


def test_pure_transshipment_through_a_warehouse(run):
    r = run(via("VN"))
    assert r["computed_origin"] == "CN"
    assert r["route"] == ["CN", "VN", "US"]
    assert {"ORIGIN_MISMATCH", "TRANSSHIPMENT", "ORDER_EXPOSURE"} <= codes(r)
    assert not {"MINOR_PROCESSING", "TRANSIT_HOP"} & codes(r)


def test_storage_in_the_declared_country_is_still_transshipment(run):
    r = run(via("VN", step="storage"))
    assert r["computed_origin"] == "CN"
    assert "TRANSSHIPMENT" in codes(r)
    assert "MINOR_PROCESSING" not in codes(r)


@pytest.mark.parametrize("step", ["labeling", "repackaging", "cutting_trimming", "coating_painting"])
def test_minor_processing_keeps_the_origin(run, step):
    r = run(via("TH", "factory", step=step))
    assert r["computed_origin"] == "CN"
    assert {"ORIGIN_MISMATCH", "MINOR_PROCESSING", "ORDER_EXPOSURE"} <= codes(r)
    assert "TRANSSHIPMENT" not in codes(r)
    assert "process:MID-1" in flags_of(r, "MINOR_PROCESSING")[0]["subjects"]


def test_substantial_processing_in_the_declared_country_confers_origin(run):
    r = run(via("MY", "factory", step="machining"))
    assert r["computed_origin"] == "MY"
    assert not {"ORIGIN_MISMATCH", "MINOR_PROCESSING", "TRANSSHIPMENT"} & codes(r)
    assert r["other_origin_inputs"] == [{"lot_id": "P-1", "origin": "CN"}]


def honey_blend(cn_value, vn_value) -> dict:
    return documented({
        "Facilities": [fac("CN-API", "CN", "farm"), fac("VN-PACK", "VN"), fac("US-DC", "US", "warehouse")],
        "Items": [item("RAW-HONEY"), item("HONEY", hts="0409.00.0010")],
        "Lots": [lot("H-CN", "RAW-HONEY", "CN-API", 600, "2024-03-01", "CN", cn_value),
                 lot("H-VN", "RAW-HONEY", "VN-PACK", 400, "2024-03-05", "VN", vn_value),
                 lot("BLEND", "HONEY", "VN-PACK", 1000, "2024-03-20", value=4)],
        "Processes": [proc("MIX-1", "VN-PACK", "mixing_dilution", "2024-03-20")],
        "ProcessLots": [io("MIX-1", "input", "H-CN", 600), io("MIX-1", "input", "H-VN", 400),
                        io("MIX-1", "output", "BLEND", 1000)],
        "Shipments": [ship("S-CN", "H-CN", 600, "CN-API", "VN-PACK", "2024-03-02", "2024-03-09"),
                      ship("S-US", "BLEND", 1000, "VN-PACK", "US-DC", "2024-03-25", "2024-04-20")],
        "Entries": [entry("E-H", "BLEND", 1000, "2024-04-22", "0409.00.0010", "VN")],
    })


def test_blending_follows_the_principal_input_by_value(run):
    r = run(honey_blend(cn_value=2.0, vn_value=3.5))  # CN 1,200 USD < VN 1,400 USD
    assert r["computed_origin"] == "VN"
    assert r["other_origin_inputs"] == [{"lot_id": "H-CN", "origin": "CN"}]
    assert "ORIGIN_MISMATCH" not in codes(r)


def test_blending_follows_the_largest_quantity_when_a_value_is_missing(run):
    r = run(honey_blend(cn_value=None, vn_value=3.5))  # CN 600 kg > VN 400 kg
    assert r["computed_origin"] == "CN"
    assert r["route"] == ["CN", "VN", "US"]
    assert {"ORIGIN_MISMATCH", "MINOR_PROCESSING", "ORDER_EXPOSURE"} <= codes(r)


def test_a_tie_goes_to_the_first_lot_id(run):
    data = honey_blend(cn_value=2.0, vn_value=2.0)
    data["ProcessLots"][1]["quantity"] = 600  # H-VN 600 kg x 2.0 ties H-CN
    data["Lots"][1]["quantity"] = 600
    r = run(data)
    assert r["computed_origin"] == "CN"  # "H-CN" sorts before "H-VN"


def assembly(ptype: str, rulings=None) -> dict:
    data = documented({
        "Facilities": [fac("CN-CELL", "CN"), fac("MY-MOD", "MY", established_on=D("2005-01-01")),
                       fac("US-DC", "US", "warehouse")],
        "Items": [item("CELL", "pcs", "8541.42.0010"), item("MODULE", "pcs", "8541.43.0010")],
        "Lots": [lot("C-1", "CELL", "CN-CELL", 6000, "2024-01-05", "CN", 0.4),
                 lot("M-1", "MODULE", "MY-MOD", 100, "2024-02-01", value=90)],
        "Processes": [proc("ASM-1", "MY-MOD", ptype, "2024-02-01")],
        "ProcessLots": [io("ASM-1", "input", "C-1", 6000), io("ASM-1", "output", "M-1", 100)],
        "Shipments": [ship("S-1", "C-1", 6000, "CN-CELL", "MY-MOD", "2024-01-08", "2024-01-15"),
                      ship("S-2", "M-1", 100, "MY-MOD", "US-DC", "2024-02-05", "2024-03-01")],
        "Entries": [entry("E-M", "M-1", 100, "2024-03-04", "8541.43.0010", "MY")],
    })
    if rulings:
        data["Rulings"] = rulings
    return data


def test_module_assembly_is_minor_by_default(run):
    r = run(assembly("module_assembly"))
    assert r["computed_origin"] == "CN"
    assert {"ORIGIN_MISMATCH", "MINOR_PROCESSING", "ORDER_EXPOSURE"} <= codes(r)


def test_complex_assembly_confers_origin(run):
    r = run(assembly("complex_assembly"))
    assert r["computed_origin"] == "MY"
    assert "ORIGIN_MISMATCH" not in codes(r)
    assert "CIRCUMVENTION_RISK" in codes(r)  # all the cells are Chinese, under the solar orders


def test_a_ruling_overrides_the_class_of_a_process_type(run):
    ruling = [{"ruling_id": "HQ H301234", "item_id": "MODULE", "process_type": "module_assembly",
               "class": "substantial", "note": "stringing and lamination found to transform"}]
    r = run(assembly("module_assembly", ruling))
    assert r["computed_origin"] == "MY"
    assert r["origin_basis"] == "module_assembly at MY-MOD (MY) on 2024-02-01: substantial by ruling HQ H301234"
    assert r["basis"]["ruling_id"] == "HQ H301234"


def test_a_ruling_can_deny_origin_too(run):
    ruling = [{"ruling_id": "N 123456", "item_id": "MODULE", "process_type": "complex_assembly", "class": "minor"}]
    r = run(assembly("complex_assembly", ruling))
    assert r["computed_origin"] == "CN"
    assert "MINOR_PROCESSING" in codes(r)


def test_a_ruling_for_another_item_does_not_apply(run):
    ruling = [{"ruling_id": "N 1", "item_id": "CELL", "process_type": "module_assembly", "class": "substantial"}]
    assert run(assembly("module_assembly", ruling))["computed_origin"] == "CN"


def test_an_untraced_input_leaves_the_origin_unknown(run):
    data = direct("CN", "CN")
    data["Lots"][0]["origin_country"] = None
    data["Processes"][0]["process_type"] = "cutting_trimming"
    r = run(data)
    assert r["computed_origin"] is None
    assert {"UNTRACED_INPUT", "ORIGIN_MISMATCH"} <= codes(r)
    assert "lot:B-1" in flags_of(r, "UNTRACED_INPUT")[0]["subjects"]


def test_a_raw_lot_without_origin_is_untraced_even_off_the_main_line(run):
    data = direct("CN", "CN")
    data["Lots"].append(lot("GLUE", "BILLET", "F1", 5, "2024-01-03"))
    data["ProcessLots"].append(io("EXT-1", "input", "GLUE", 5))
    r = run(data)
    assert r["computed_origin"] == "CN"
    assert codes(r) == {"UNTRACED_INPUT", "MISSING_EVIDENCE"}  # and GLUE has no mill certificate


def test_a_cycle_is_a_clear_error(cli, tmp_path):
    data = direct()
    data["Processes"].append(proc("BACK", "F1", "machining", "2024-01-11"))
    data["ProcessLots"] += [io("BACK", "input", "P-1", 1), io("BACK", "output", "B-1", 1)]
    cli("import", write_book(tmp_path / "c.xlsx", data))
    result = cli("check", code=1)
    assert "the supply chain has a cycle" in result.stderr
    assert "B-1" in result.stderr and "P-1" in result.stderr
    assert "Traceback" not in result.output


def test_an_entry_of_several_lots_gives_one_result_per_line(cli, run):
    """Each line of CBP Form 7501 has its own lot, declared origin and result."""
    data = direct()
    data["Lots"].append(lot("P-X", "PROFILE", "F1", 10, "2024-01-10", "VN", 4))
    data["Shipments"].append(ship("S-X", "P-X", 10, "F1", "US-DC", "2024-01-15", "2024-02-10"))
    data["Entries"].append(entry("E-1", "P-X", 10, "2024-02-12", ALU, "CN"))
    run(data, "E-1")
    lines = json.loads(cli("check", "--entry", "E-1", "--json").stdout)["entries"]
    by_lot = {r["lot_id"]: r for r in lines}
    assert [r["entry_number"] for r in lines] == ["E-1", "E-1"] and set(by_lot) == {"P-1", "P-X"}
    assert by_lot["P-1"]["computed_origin"] == "CN" and "ORIGIN_MISMATCH" not in codes(by_lot["P-1"])
    # the second line's lot carries Vietnamese origin: only that line is mis-declared
    assert by_lot["P-X"]["computed_origin"] == "VN" and "ORIGIN_MISMATCH" in codes(by_lot["P-X"])


# --- trade measures -------------------------------------------------------------------------

def test_order_exposure_names_the_measures(run):
    r = run(via("VN"))
    msg = flags_of(r, "ORDER_EXPOSURE")[0]
    assert "A-570-967" in msg["message"] and "measure:C-570-968" in msg["subjects"]


def test_no_exposure_before_the_measure_took_effect(run):
    data = via("VN")
    data["TradeMeasures"] = [{"measure_id": "A-570-967", "kind": "AD", "country": "CN", "hts_prefix": "7604.29",
                              "effective_on": D("2030-01-01")},
                             {"measure_id": "C-570-968", "kind": "CVD", "country": "CN", "hts_prefix": "7604.29",
                              "effective_on": D("2030-01-01")},
                             {"measure_id": "SEC301-CN-LIST3", "kind": "301", "country": "CN", "hts_prefix": "7604",
                              "effective_on": D("2030-01-01")}]
    r = run(data)
    assert "ORDER_EXPOSURE" not in codes(r)
    assert "ORIGIN_MISMATCH" in codes(r)


def test_section_301_alone_raises_exposure(run):
    data = via("VN", hts="9403.20.0050")  # metal furniture: Section 301 List 3 only
    assert "ORDER_EXPOSURE" in codes(run(data))


def plywood(cn_share_value: float, hts="4412.33.0620") -> dict:
    return documented({
        "Facilities": [fac("CN-VEN", "CN", "mill"), fac("VN-PLY", "VN", established_on=D("2010-01-01")),
                       fac("US-DC", "US", "warehouse")],
        "Items": [item("VENEER", "m3"), item("CORE", "m3"), item("PLY", "m3", hts)],
        "Lots": [lot("V-CN", "VENEER", "CN-VEN", 100, "2024-01-10", "CN", cn_share_value),
                 lot("C-VN", "CORE", "VN-PLY", 100, "2024-01-20", "VN", 100),
                 lot("PLY-1", "PLY", "VN-PLY", 190, "2024-02-01", value=500)],
        "Processes": [proc("PRESS", "VN-PLY", "manufacturing", "2024-02-01")],
        "ProcessLots": [io("PRESS", "input", "V-CN", 100), io("PRESS", "input", "C-VN", 100),
                        io("PRESS", "output", "PLY-1", 190)],
        "Shipments": [ship("S-V", "V-CN", 100, "CN-VEN", "VN-PLY", "2024-01-12", "2024-01-18"),
                      ship("S-P", "PLY-1", 190, "VN-PLY", "US-DC", "2024-02-05", "2024-03-01")],
        "Entries": [entry("E-P", "PLY-1", 190, "2024-03-04", hts, "VN")],
    })


def test_circumvention_risk_when_most_input_value_is_from_an_ordered_country(run):
    r = run(plywood(cn_share_value=300))  # CN 30,000 of 40,000 USD
    assert r["computed_origin"] == "VN"
    f = flags_of(r, "CIRCUMVENTION_RISK")[0]
    assert f["severity"] == "medium" and "75%" in f["message"] and "lot:V-CN" in f["subjects"]


def test_no_circumvention_risk_below_half(run):
    assert "CIRCUMVENTION_RISK" not in codes(run(plywood(cn_share_value=90)))  # 9,000 of 19,000


def test_exactly_half_is_a_circumvention_risk(run):
    assert "CIRCUMVENTION_RISK" in codes(run(plywood(cn_share_value=100)))


def test_section_301_never_raises_circumvention(run):
    # Furniture parts of Chinese plywood: only Section 301 covers 9403.20, and 301 follows origin alone.
    assert "CIRCUMVENTION_RISK" not in codes(run(plywood(cn_share_value=300, hts="9403.20.0050")))


def test_new_facility_after_a_measure(run):
    data = via("TH", "factory", step="repackaging")
    data["Facilities"][-1]["established_on"] = D("2016-02-01")
    f = flags_of(run(data), "NEW_FACILITY")[0]
    assert f["severity"] == "low" and "facility:MID" in f["subjects"] and "2011-05-26" in f["message"]


def test_an_old_facility_is_not_new(run):
    assert "NEW_FACILITY" not in codes(run(via("TH", "factory", step="repackaging")))


def test_a_new_facility_is_not_flagged_without_a_measure(run):
    data = via("TH", "factory", step="repackaging", hts="8537.10.9170")
    data["Facilities"][-1]["established_on"] = D("2023-01-01")
    assert "NEW_FACILITY" not in codes(run(data))


def owned(parent_country: str, hts=ALU) -> dict:
    data = via("MY", "factory", step="machining", hts=hts)
    data["Companies"] = [{"company_id": "GROUP", "name": "Group", "country": parent_country},
                         {"company_id": "HOLD", "name": "Holding", "country": "SG", "parent_company_id": "GROUP"},
                         {"company_id": "OPCO", "name": "Opco Sdn Bhd", "country": "MY", "parent_company_id": "HOLD"}]
    data["Facilities"][-1]["company_id"] = "OPCO"
    return data


def test_a_chinese_owned_plant_abroad_is_a_related_party(run):
    r = run(owned("CN"))
    assert r["computed_origin"] == "MY"
    f = flags_of(r, "RELATED_PARTY")[0]
    assert "company:GROUP" in f["subjects"] and "OPCO (MY) <- HOLD (SG) <- GROUP (CN)" in f["message"]


def test_ownership_in_an_unmeasured_country_is_fine(run):
    assert "RELATED_PARTY" not in codes(run(owned("JP")))


def test_related_party_needs_a_measure_on_the_product(run):
    assert "RELATED_PARTY" not in codes(run(owned("CN", hts="8537.10.9170")))


# --- quantities and dates --------------------------------------------------------------------

def test_shipping_more_than_was_made_breaks_mass_balance(run):
    data = direct()
    data["Shipments"][0]["quantity"] = 1200
    data["Entries"][0]["quantity"] = 1200
    r = run(data)
    f = flags_of(r, "MASS_BALANCE")
    assert any("at F1, 1,200 kg of lot P-1 left" in x["message"] for x in f)


def test_a_process_making_more_than_it_consumed(run):
    data = direct()
    data["ProcessLots"][1]["quantity"] = 1030  # 3% more than 1,000 kg in
    data["Lots"][1]["quantity"] = 1030
    f = flags_of(run(data), "MASS_BALANCE")
    assert any("process EXT-1 made 1,030 kg from 1,000 kg" in x["message"] for x in f)


def test_two_percent_gain_is_tolerated(run):
    data = direct()
    data["ProcessLots"][1]["quantity"] = 1020
    data["Lots"][1]["quantity"] = 1020
    data["Shipments"][0]["quantity"] = 1020
    data["Entries"][0]["quantity"] = 1020
    assert "MASS_BALANCE" not in codes(run(data))


def test_consuming_a_lot_that_never_arrived_breaks_mass_balance(run):
    data = via("MY", "factory", step="machining")
    data["Shipments"] = [s for s in data["Shipments"] if s["shipment_id"] != "S-1"]
    data["Documents"] = [d for d in data["Documents"] if d["covers_id"] != "S-1"]
    f = flags_of(run(data), "MASS_BALANCE")
    assert [x["message"] for x in f] == [
        "at MID, 950 kg of lot P-1 left (consumed 950) but only 0 was made or arrived there"]


def test_over_capacity(run):
    data = via("TH", "factory", step="repackaging")
    data["Facilities"][-1].update(annual_capacity=500, capacity_unit="kg")
    f = flags_of(run(data), "CAPACITY")[0]
    assert "MID made 950 kg in 2024, more than its annual capacity of 500" == f["message"]


def test_within_capacity(run):
    data = via("TH", "factory", step="repackaging")
    data["Facilities"][-1].update(annual_capacity=5000, capacity_unit="kg")
    assert "CAPACITY" not in codes(run(data))


def test_capacity_counts_only_the_year_of_the_goods(run):
    data = via("TH", "factory", step="repackaging")
    data["Facilities"][-1].update(annual_capacity=1000, capacity_unit="kg")
    data["Lots"].append(lot("OLD", "PROFILE", "MID", 5000, "2022-06-01", value=1))
    data["Lots"].append(lot("OLD-IN", "PROFILE", "MID", 5000, "2022-05-01", "TH", 1))
    data["Processes"].append(proc("OLD-P", "MID", "repackaging", "2022-06-01"))
    data["ProcessLots"] += [io("OLD-P", "input", "OLD-IN", 5000), io("OLD-P", "output", "OLD", 5000)]
    assert "CAPACITY" not in codes(run(data))


@pytest.mark.parametrize("change,expected", [
    (lambda d: d["Shipments"][0].update(arrived_on=D("2024-01-10")), "arrives on 2024-01-10, before it leaves"),
    (lambda d: d["Processes"][0].update(started_on=D("2024-01-20")), "completes on 2024-01-10, before it starts"),
    (lambda d: d["Lots"][0].update(produced_on=D("2024-01-12")), "before it was produced on 2024-01-12"),
    (lambda d: d["Shipments"][0].update(shipped_on=D("2024-01-08"), arrived_on=D("2024-01-20")),
     "is shipped on 2024-01-08 (S-1), before it was produced"),
    (lambda d: d["Entries"][0].update(entry_date=D("2024-02-01")), "before lot P-1 arrived on 2024-02-10"),
    (lambda d: d["Lots"][1].update(produced_on=D("2024-01-01")), "before process EXT-1 that made it started"),
])
def test_impossible_dates(run, change, expected):
    data = direct()
    change(data)
    f = flags_of(run(data), "TIMELINE")
    assert any(expected in x["message"] for x in f), f


def test_using_a_lot_before_it_arrived(run):
    data = via("MY", "factory", step="machining")
    data["Processes"][-1].update(started_on=D("2024-01-16"), completed_on=D("2024-01-20"))  # arrives 01-25
    f = flags_of(run(data), "TIMELINE")
    assert any("before it arrived there on 2024-01-25" in x["message"] for x in f)


def test_consistent_dates_raise_no_timeline(run):
    assert "TIMELINE" not in codes(run(direct()))


# --- documents -------------------------------------------------------------------------------

def test_a_certificate_stating_another_origin_conflicts(run):
    data = via("TH", "factory", step="repackaging")
    data["Documents"].append(doc("COO", "certificate_of_origin", "entry", "E-1", "2024-02-01", "TH"))
    f = flags_of(run(data), "DOC_CONFLICT")[0]
    assert "states origin TH" in f["message"] and "document:COO" in f["subjects"]


def test_a_certificate_agreeing_with_the_computed_origin_is_fine(run):
    data = direct()
    data["Documents"].append(doc("COO", "certificate_of_origin", "entry", "E-1", "2024-02-01", "CN"))
    assert "DOC_CONFLICT" not in codes(run(data))


def test_a_document_dated_after_the_entry_conflicts(run):
    data = direct()
    data["Documents"].append(doc("LATE", "production_record", "process", "EXT-1", "2024-03-01"))
    f = flags_of(run(data), "DOC_CONFLICT")[0]
    assert "dated 2024-03-01, after entry E-1" in f["message"]


def test_missing_documents_are_named(run):
    data = direct()
    data["Documents"] = [d for d in data["Documents"] if d["doc_type"] != "packing_list"
                         and d["covers_id"] != "EXT-1"]
    msgs = {f["message"] for f in flags_of(run(data), "MISSING_EVIDENCE")}
    assert msgs == {"entry E-1 has no packing_list", "process EXT-1 has no production_record"}


def test_a_preference_claim_needs_a_certificate_of_origin(run):
    r = run(direct(preference_program="USMCA"))
    assert {f["message"] for f in flags_of(r, "MISSING_EVIDENCE")} == {"entry E-1 has no certificate_of_origin"}


def test_a_high_flag_needs_a_certificate_of_origin(run):
    r = run(via("VN"))
    assert "entry E-1 has no certificate_of_origin" in {f["message"] for f in flags_of(r, "MISSING_EVIDENCE")}


def test_a_raw_lot_needs_a_certificate_or_mill_certificate(run):
    data = direct()
    data["Documents"] = [d for d in data["Documents"] if d["doc_type"] != "mill_certificate"]
    msgs = {f["message"] for f in flags_of(run(data), "MISSING_EVIDENCE")}
    assert msgs == {"lot B-1 has no certificate_of_origin or mill_certificate"}


# --- the command ----------------------------------------------------------------------------

def test_check_one_entry_and_an_unknown_one(cli, run):
    run(direct())
    out = json.loads(cli("check", "--entry", "E-1", "--json").stdout)
    assert [e["entry_number"] for e in out["entries"]] == ["E-1"]
    assert "no entry 'E-9'" in cli("check", "--entry", "E-9", code=1).stderr


def test_check_table_shows_origin_and_flags(cli, run):
    run(via("VN"))
    out = cli("check").stdout
    assert "E-1" in out and "CN > VN > US" in out and "TRANSSHIPMENT" in out


def test_check_on_an_empty_database(cli):
    assert "No entries" in cli("check").stdout
    assert json.loads(cli("check", "--json").stdout) == {"entries": []}


def test_entry_lines_checked_in_parallel_match_the_serial_result(cli, env, tmp_path):
    from tracker.db import open_db, read_tx
    from tracker.determination import check_dicts

    for i, country in enumerate(["VN", "TH", "MY", "SG"]):
        data = via(country)
        for sheet in data.values():
            for row in sheet:
                for key in ("lot_id", "shipment_id", "process_id", "entry_number", "document_id", "covers_id"):
                    if key in row and row[key] not in ("US-DC",):
                        row[key] = f"{row[key]}-{i}"
        cli("import", write_book(tmp_path / f"c{i}.xlsx", data))
    engine = open_db(env)
    with read_tx(engine) as conn:
        serial = check_dicts(conn, workers=1)
        parallel = check_dicts(conn, workers=2)
    assert len(serial) == 4 and parallel == serial
