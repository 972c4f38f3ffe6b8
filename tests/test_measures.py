"""The trade measures: derived from the HTS Chapter 99 text, in time, with exclusions.

The derivation runs on `tests/data/hts99_excerpt.txt`, lines of HTS 2026
Revision 6 Chapter 99 cut by `scripts/make_hts_excerpt.py` (each list kept to
its first lines). The bundled measures are checked against the counts the
reference-data note gives for the full lists.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.builders import write_book
from tests.chains import D, documented, entry, fac, io, item, lot, proc, ship
from tracker.measures import MeasureIndex, bundled_measures, covering
from tracker.refdata.hts99 import DerivationError, derive, release_of

EXCERPT = Path(__file__).parent / "data" / "hts99_excerpt.txt"


@pytest.fixture(scope="module")
def text() -> str:
    return EXCERPT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def derived(text) -> list[dict]:
    return derive(text)


def rows_of(rows: list[dict], measure_id: str, prefix: str | None = None) -> list[dict]:
    return [r for r in rows if r["measure_id"] == measure_id and (prefix is None or r["hts_prefix"] == prefix)]


# --- derivation on the text ------------------------------------------------------------------

def test_the_release_is_read_from_the_title(text):
    assert release_of(text) == "2026 Revision 6"


def test_list_1_subheadings_with_heading_rate_date_and_source(derived):
    [r] = rows_of(derived, "SEC301-CN-LIST1", "28452000")  # the first subheading of note 20(b)
    assert (r["kind"], r["country"], r["heading"], r["rate"]) == ("301", "CN", "9903.88.01", "25")
    assert (r["effective_on"], r["expires_on"], r["exclusion"]) == ("2018-07-06", "", "")
    assert r["source"] == "HTS 2026 Revision 6, ch. 99 U.S. note 20(b); 83 FR 28710 (2018-06-20)"


def test_list_3_is_10_percent_then_25(derived):
    first, second = rows_of(derived, "SEC301-CN-LIST3", "03019100")
    assert (first["effective_on"], first["expires_on"], first["rate"]) == ("2018-09-24", "2019-05-09", "10")
    assert (second["effective_on"], second["expires_on"], second["rate"]) == ("2019-05-10", "", "25")
    assert "84 FR 20459" in second["source"] and second["heading"] == "9903.88.03"


def test_list_4a_is_15_percent_then_7_5(derived):
    first, second = rows_of(derived, "SEC301-CN-LIST4A", "01012100")
    assert (first["effective_on"], first["expires_on"], first["rate"]) == ("2019-09-01", "2020-02-13", "15")
    assert (second["effective_on"], second["expires_on"], second["rate"]) == ("2020-02-14", "", "7.5")
    assert "85 FR 3741" in second["source"] and second["heading"] == "9903.88.15"


def test_list_4a_products_described_with_their_carve_outs(derived):
    """20(s)(ii): 'Other printed books ... 4901.99.00, except ... 4901.99.0040'."""
    assert [r["rate"] for r in rows_of(derived, "SEC301-CN-LIST4A", "49019900")] == ["15", "7.5"]
    [carve] = [r for r in rows_of(derived, "SEC301-CN-LIST4A", "4901990040") if r["heading"] == "9903.88.15"]
    assert carve["exclusion"] == "yes" and carve["effective_on"] == "2019-09-01"


def test_exclusions_in_force_with_their_dates(derived):
    [plain] = rows_of(derived, "SEC301-CN-LIST1", "8483509040")  # 20(vvv)(i)(1): the number alone
    assert (plain["exclusion"], plain["effective_on"], plain["expires_on"]) == ("yes", "2024-06-15", "2026-11-09")
    assert plain["heading"] == "9903.88.69"
    described = rows_of(derived, "SEC301-CN-LIST1", "8413919085")[0]  # pump parts: a product described
    assert described["exclusion"] == "described" and "Pump" in described["description"]
    [solar] = rows_of(derived, "SEC301-CN-LIST2", "8486100000")  # 20(www): 9903.88.70 from 2024-01-01
    assert (solar["effective_on"], solar["expires_on"], solar["heading"]) == ("2024-01-01", "2026-11-09", "9903.88.70")


def test_four_year_review_lines_with_staged_dates(derived):
    [steel] = rows_of(derived, "SEC301-CN-9903.91.01", "72026000")
    assert (steel["rate"], steel["effective_on"], steel["expires_on"]) == ("25", "2024-09-27", "")
    [cells] = rows_of(derived, "SEC301-CN-9903.91.02", "85414200")
    assert cells["rate"] == "50"
    [masks] = rows_of(derived, "SEC301-CN-9903.91.04", "6307909870")  # 2025 only
    assert (masks["effective_on"], masks["expires_on"]) == ("2025-01-01", "2025-12-31")
    assert rows_of(derived, "SEC301-CN-9903.91.06", "85076000")[0]["effective_on"] == "2026-01-01"
    [cranes] = rows_of(derived, "SEC301-CN-9903.92.10", "84261900")
    assert cranes["effective_on"] == "2024-09-27"
    [syringes] = rows_of(derived, "SEC301-CN-9903.91.03", "9018310080")  # heading 9903.91.10
    assert (syringes["exclusion"], syringes["expires_on"]) == ("yes", "2025-12-31")


def test_section_232_lists_with_derivative_status(derived):
    [alu] = rows_of(derived, "SEC232-ALUMINUM-i", "7604")
    assert (alu["kind"], alu["country"], alu["heading"], alu["rate"]) == ("232", "*", "9903.82.02", "50")
    assert alu["effective_on"] == "2026-04-06"  # when note 19's headings ended
    assert rows_of(derived, "SEC232-STEEL-iii", "7206")
    [deriv] = rows_of(derived, "SEC232-ALUMINUM-DERIV-ii", "76101000")
    assert "derivative aluminum" in deriv["description"] and deriv["rate"] == "50"
    assert {r["heading"] for r in rows_of(derived, "SEC232-STEEL-DERIV-vii")} == {"9903.82.09"}


def test_a_changed_rate_stops_the_derivation(text):
    changed = text.replace("additional\n         25 percent ad valorem rate of duty. The products of China that are subject "
                           "to an additional 25 percent ad valorem\n         rate of duty under heading 9903.88.03",
                           "additional\n         50 percent ad valorem rate of duty. The products of China that are subject "
                           "to an additional 50 percent ad valorem\n         rate of duty under heading 9903.88.03")
    assert changed != text
    with pytest.raises(DerivationError, match="50% for 9903.88.03"):
        derive(changed)


# --- the bundled lists -------------------------------------------------------------------------

def prefixes(measure_id: str) -> set[str]:
    return {m.hts_prefix for m in bundled_measures() if m.measure_id == measure_id and not m.exclusion}


@pytest.mark.parametrize("measure_id, low, high", [
    ("SEC301-CN-LIST1", 820, 900), ("SEC301-CN-LIST2", 270, 320),
    ("SEC301-CN-LIST3", 5800, 6000), ("SEC301-CN-LIST4A", 2900, 3020)])
def test_bundled_lists_hold_the_expected_counts(measure_id, low, high):
    assert low <= len(prefixes(measure_id)) <= high


def test_list_3_no_longer_holds_aluminum_7604():
    assert not {p for p in prefixes("SEC301-CN-LIST3") if p.startswith(("7604", "7608"))}
    assert {p for p in prefixes("SEC301-CN-9903.91.01") if p.startswith("7604")}


def test_every_bundled_row_names_its_source():
    assert all(m.source for m in bundled_measures())


def test_finding_measures_is_one_lookup_per_hts():
    index = MeasureIndex(list(bundled_measures()))
    assert len(index._lengths) <= 10  # probes per HTS number: one per prefix length
    found = index.covering("7604101000", D("2026-05-01"))
    assert {m.measure_id for m in found} >= {"SEC232-ALUMINUM-i", "SEC301-CN-9903.91.01", "A-570-967"}


# --- exclusions in time ---------------------------------------------------------------------------

def test_an_exclusion_stops_covering_after_its_end_date():
    index = MeasureIndex(list(bundled_measures()))
    hts = "8483509040"  # note 20(vvv)(i)(1): excluded from List 1 through 2026-11-09
    assert "SEC301-CN-LIST1" in {m.measure_id for m in index.covering(hts, D("2024-06-14"))}
    assert "SEC301-CN-LIST1" not in {m.measure_id for m in index.covering(hts, D("2026-11-09"))}
    assert "SEC301-CN-LIST1" in {m.measure_id for m in index.covering(hts, D("2026-11-10"))}
    # a neighbour the exclusion's longer prefix does not reach stays covered throughout
    assert "SEC301-CN-LIST1" in {m.measure_id for m in index.covering("8483509060", D("2025-01-01"))}


def test_a_described_exclusion_does_not_lift_coverage():
    hts = "8413919085"  # 20(vvv)(i): only pump parts described, not every 8413.91.9085
    assert "SEC301-CN-LIST1" in {m.measure_id for m in covering(bundled_measures(), hts, D("2025-01-01"))}


# --- ORDER_EXPOSURE over each list ----------------------------------------------------------------

def _sample(measure_id: str, n: int = 4) -> list[str]:
    ps = sorted(prefixes(measure_id))
    return [ps[i * (len(ps) - 1) // (n - 1)] for i in range(n)]


CASES = [(mid, hts, when) for mid, when in (("SEC301-CN-LIST1", "2019-01-10"), ("SEC301-CN-LIST2", "2018-12-03"),
                                            ("SEC301-CN-LIST3", "2018-11-20"), ("SEC301-CN-LIST3", "2023-03-01"),
                                            ("SEC301-CN-LIST4A", "2021-06-01"))
         for hts in _sample(mid)]


def relabeled(hts: str, when: str) -> dict:
    """Chinese goods repacked in Vietnam and declared Vietnamese."""
    return documented({
        "Facilities": [fac("CN-F", "CN", established_on=D("2000-01-01")),
                       fac("VN-W", "VN", established_on=D("2000-01-01")), fac("US-DC", "US", "warehouse")],
        "Items": [item("GOODS", hts=hts)],
        "Lots": [lot("G-1", "GOODS", "CN-F", 100, "2018-01-02", "CN", 10),
                 lot("G-2", "GOODS", "VN-W", 100, "2018-02-01", value=10)],
        "Processes": [proc("RP-1", "VN-W", "repackaging", "2018-02-01")],
        "ProcessLots": [io("RP-1", "input", "G-1", 100), io("RP-1", "output", "G-2", 100)],
        "Shipments": [ship("S-1", "G-1", 100, "CN-F", "VN-W", "2018-01-05", "2018-01-20"),
                      ship("S-2", "G-2", 100, "VN-W", "US-DC", "2018-02-05", "2018-03-01")],
        "Entries": [entry("E-1", "G-2", 100, when, hts, "VN")],
    })


@pytest.mark.parametrize("measure_id, prefix, when", CASES)
def test_goods_of_china_on_a_list_declared_elsewhere_are_exposed(cli, tmp_path, measure_id, prefix, when):
    hts = prefix.ljust(10, "0")
    cli("import", write_book(tmp_path / "chain.xlsx", relabeled(hts, when)))
    [r] = json.loads(cli("check", "--json").stdout)["entries"]
    assert r["computed_origin"] == "CN"
    exposure = [f for f in r["flags"] if f["code"] == "ORDER_EXPOSURE"]
    assert exposure and f"measure:{measure_id}" in exposure[0]["subjects"]
    assert measure_id in {m["measure_id"] for m in r["measures"]}


def test_an_imported_exclusion_ends_exposure_for_its_dates_only(cli, tmp_path):
    hts = "9403200050"  # metal furniture: List 3
    data = relabeled(hts, "2024-03-01")
    data["Entries"].append(entry("E-2", "G-2", 0, "2024-07-01", hts, "VN"))
    data["TradeMeasures"] = [{"measure_id": "SEC301-CN-LIST3", "kind": "301", "country": "CN",
                              "hts_prefix": "9403.20.0050", "effective_on": D("2024-01-01"),
                              "expires_on": D("2024-05-31"), "exclusion": "yes",
                              "source": "USTR exclusion (test)"}]
    cli("import", write_book(tmp_path / "chain.xlsx", data))
    results = {r["entry_number"]: r for r in json.loads(cli("check", "--json").stdout)["entries"]}
    assert "ORDER_EXPOSURE" not in {f["code"] for f in results["E-1"]["flags"]}
    assert "ORDER_EXPOSURE" in {f["code"] for f in results["E-2"]["flags"]}


def test_an_expired_measure_does_not_cover(cli, tmp_path):
    hts = "8471300100"  # under no bundled measure
    data = relabeled(hts, "2024-03-01")
    data["TradeMeasures"] = [{"measure_id": "SEC301-TEST", "kind": "301", "country": "CN", "hts_prefix": "8471.30",
                              "effective_on": D("2020-01-01"), "expires_on": D("2023-12-31")}]
    cli("import", write_book(tmp_path / "chain.xlsx", data))
    [r] = json.loads(cli("check", "--json").stdout)["entries"]
    assert "ORDER_EXPOSURE" not in {f["code"] for f in r["flags"]}


def test_every_country_is_only_for_232_and_201(cli, tmp_path):
    data = relabeled("8471300100", "2024-03-01")
    data["TradeMeasures"] = [{"measure_id": "X-1", "kind": "AD", "country": "*", "hts_prefix": "8471",
                              "effective_on": D("2020-01-01")}]
    result = cli("import", write_book(tmp_path / "chain.xlsx", data), code=1)
    assert "TradeMeasures!2 country: * (every country) is only for 232 and 201 measures" in result.stderr


# --- the commands ----------------------------------------------------------------------------------

def test_measures_list_filters_by_kind_country_hts_and_date(cli):
    rows = json.loads(cli("measures", "list", "--hts", "7604.10.1000", "--on", "2026-05-01", "--json").stdout)
    ids = {r["measure_id"] for r in rows["measures"]}
    assert {"SEC232-ALUMINUM-i", "SEC301-CN-9903.91.01", "A-570-967", "C-570-968"} <= ids
    assert "SEC232-ALUMINUM-2018" not in ids  # ended 2026-04-05
    only = json.loads(cli("measures", "list", "--kind", "232", "--hts", "7604101000", "--json").stdout)["measures"]
    assert {r["measure_id"] for r in only} == {"SEC232-ALUMINUM-i", "SEC232-ALUMINUM-2018"}
    vn = json.loads(cli("measures", "list", "--country", "VN", "--hts", "7604101000", "--json").stdout)["measures"]
    assert {r["country"] for r in vn} == {"*"}
    table = cli("measures", "list", "--hts", "8483.50.9040", "--on", "2025-01-01").stdout
    assert "9903.88.69" in table and "yes" in table


def test_version_names_the_data_vintage(cli):
    assert "HTS 2026 Revision 6" in cli("--version").stdout


def test_a_newer_release_loads_ends_what_it_drops_and_audits_it(cli, text, tmp_path):
    newer = text.replace("Harmonized Tariff Schedule of the United States Revision 6 (2026)",
                         "Harmonized Tariff Schedule of the United States Revision 7 (2026)")
    newer = newer.replace("8401.10.00  8401.20.00", "8401.10.00  8401.99.99", 1)  # 8401.20.00 dropped
    path = tmp_path / "rev7.txt"
    path.write_text(newer, encoding="utf-8")
    out = json.loads(cli("measures", "load-hts", path, "--effective", "2026-07-01", "--json").stdout)
    assert out["release"] == "2026 Revision 7" and out["new"] >= 1 and out["ended"] >= 1
    added = json.loads(cli("measures", "list", "--hts", "8401999900", "--json").stdout)["measures"]
    assert any(m["measure_id"] == "SEC301-CN-LIST1" and m["source"].startswith("HTS 2026 Revision 7")
               for m in added)
    dropped = json.loads(cli("measures", "list", "--hts", "8401200000", "--kind", "301", "--json").stdout)
    [row] = [m for m in dropped["measures"] if m["measure_id"] == "SEC301-CN-LIST1"]
    assert row["expires_on"] == "2026-06-30" and "not in HTS 2026 Revision 7" in row["source"]
    cli("audit", "verify")
    log = json.loads(cli("audit", "log", "--table", "trade_measure", "--limit", "5", "--json").stdout)
    assert log
    again = json.loads(cli("measures", "load-hts", path, "--effective", "2026-07-01", "--json").stdout)
    assert (again["new"], again["changed"], again["ended"]) == (0, 0, 0)
