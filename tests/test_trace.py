"""`tracker trace`: the upstream tree a user reads, and its nodes and edges as JSON.

The chain: Chinese billet extruded into profiles in China, shipped to Vietnam,
where the profiles are cut to length (a minor process) together with
Vietnamese brackets, and the frames shipped to the US and entered.
"""

from __future__ import annotations

import json

import pytest

from tests.builders import write_book
from tests.chains import entry, fac, io, item, lot, proc, ship

ALU = "7604.29.1000"


def chain() -> dict:
    return {
        "Facilities": [fac("CN-EXT", "CN"), fac("VN-CUT", "VN"), fac("US-DC", "US", "warehouse")],
        "Items": [item("BILLET", description="aluminium billet"), item("PROFILE", description="window profile"),
                  item("BRACKET", "pcs", description="steel bracket"),
                  item("FRAME", "pcs", hts=ALU, description="window frame")],
        "Lots": [lot("B-1", "BILLET", "CN-EXT", 1000, "2024-01-02", "CN", 2.5),
                 lot("P-1", "PROFILE", "CN-EXT", 950, "2024-01-10", value=4),
                 lot("K-1", "BRACKET", "VN-CUT", 400, "2024-01-20", "VN", 0.5),
                 lot("F-1", "FRAME", "VN-CUT", 200, "2024-02-01", value=25)],
        "Processes": [proc("EXT-1", "CN-EXT", "extrusion", "2024-01-10", "2024-01-05"),
                      proc("CUT-1", "VN-CUT", "cutting_trimming", "2024-02-01", "2024-01-28")],
        "ProcessLots": [io("EXT-1", "input", "B-1", 1000), io("EXT-1", "output", "P-1", 950),
                        io("CUT-1", "input", "P-1", 950), io("CUT-1", "input", "K-1", 400),
                        io("CUT-1", "output", "F-1", 200)],
        "Shipments": [ship("S-1", "P-1", 950, "CN-EXT", "VN-CUT", "2024-01-15", "2024-01-25"),
                      ship("S-2", "F-1", 200, "VN-CUT", "US-DC", "2024-02-03", "2024-02-25")],
        "Entries": [entry("231-0000001-5", "F-1", 200, "2024-02-27", ALU, "VN")],
    }


@pytest.fixture
def loaded(cli, tmp_path):
    cli("import", write_book(tmp_path / "frames.xlsx", chain()))
    return cli


def test_the_tree_reads_from_the_entry_down_to_the_raw_material(loaded):
    out = loaded("trace", "--entry", "231-0000001-5").stdout
    lines = out.splitlines()
    assert lines[0] == "entry 231-0000001-5  HTS 7604291000  2024-02-27  declared VN"
    # each thing on its own line, at its depth in the tree, in the order of the chain
    expected = [
        ("lot F-1", "window frame  200 pcs  at VN-CUT (VN)  2024-02-01  origin CN"),
        ("shipment S-2", "VN-CUT (VN) → US-DC (US)  2024-02-03 → 2024-02-25  B/L BL-S-2"),
        ("process CUT-1", "cutting_trimming (minor)  at VN-CUT (VN)  2024-01-28 → 2024-02-01"),
        ("lot P-1", "window profile  950 kg  at CN-EXT (CN)  2024-01-10  origin CN ★ principal"),
        ("shipment S-1", "CN-EXT (CN) → VN-CUT (VN)  2024-01-15 → 2024-01-25  B/L BL-S-1"),
        ("process EXT-1", "extrusion (substantial)  at CN-EXT (CN)  2024-01-05 → 2024-01-10"),
        ("lot B-1", "aluminium billet  1000 kg  at CN-EXT (CN)  2024-01-02  origin CN ★ principal"),
        ("lot K-1", "steel bracket  400 pcs  at VN-CUT (VN)  2024-01-20  origin VN"),
    ]
    depth = {"lot F-1": 1, "shipment S-2": 2, "process CUT-1": 2, "lot P-1": 3, "shipment S-1": 4,
             "process EXT-1": 4, "lot B-1": 5, "lot K-1": 3}
    found = []
    for line in lines[1:]:
        for head, rest in expected:
            if f"{head}  {rest}" in line:
                indent = line.index(head)
                assert indent == 4 * depth[head] - 0, (head, line)
                found.append(head)
    assert found == [head for head, _ in expected]
    assert "★" not in next(line for line in lines if "lot K-1" in line)  # the bracket is not the principal input


def test_trace_of_a_lot(loaded):
    out = loaded("trace", "--lot", "P-1").stdout
    assert out.splitlines()[0].startswith("lot P-1  window profile  950 kg  at CN-EXT (CN)")
    assert "process EXT-1" in out and "lot B-1" in out
    assert "F-1" not in out and "K-1" not in out  # downstream and sideways are not upstream
    assert "shipment S-1" in out  # it carries P-1 on to where P-1 is used


def test_trace_json_gives_nodes_and_edges(loaded):
    data = json.loads(loaded("trace", "--entry", "231-0000001-5", "--json").stdout)
    assert data["root"] == "entry:231-0000001-5"
    nodes = {n["id"]: n for n in data["nodes"]}
    assert set(nodes) == {"entry:231-0000001-5", "lot:F-1", "lot:P-1", "lot:B-1", "lot:K-1",
                          "process:CUT-1", "process:EXT-1", "shipment:S-1", "shipment:S-2",
                          "facility:CN-EXT", "facility:VN-CUT", "facility:US-DC"}
    assert nodes["lot:F-1"]["origin"] == "CN" and nodes["lot:K-1"]["origin"] == "VN"
    assert nodes["process:CUT-1"]["process_class"] == "minor"
    assert nodes["process:CUT-1"]["principal_input"] == "P-1"
    assert nodes["shipment:S-1"]["from_country"] == "CN" and nodes["shipment:S-1"]["to_country"] == "VN"
    edges = {(e["from"], e["kind"], e["to"]) for e in data["edges"]}
    assert {("lot:F-1", "entered", "entry:231-0000001-5"), ("process:CUT-1", "output", "lot:F-1"),
            ("lot:P-1", "input", "process:CUT-1"), ("lot:K-1", "input", "process:CUT-1"),
            ("process:EXT-1", "output", "lot:P-1"), ("lot:B-1", "input", "process:EXT-1"),
            ("lot:P-1", "shipped", "shipment:S-1"), ("shipment:S-1", "from", "facility:CN-EXT"),
            ("shipment:S-1", "to", "facility:VN-CUT"), ("lot:F-1", "at", "facility:VN-CUT")} <= edges
    every_id = set(nodes)
    assert all(e["from"] in every_id and e["to"] in every_id for e in data["edges"])
    entered = next(e for e in data["edges"] if e["kind"] == "entered")
    assert entered["quantity"] == "200"


def test_trace_json_of_a_lot(loaded):
    data = json.loads(loaded("trace", "--lot", "P-1", "--json").stdout)
    assert data["root"] == "lot:P-1"
    assert {n["id"] for n in data["nodes"] if n["kind"] == "lot"} == {"lot:P-1", "lot:B-1"}


def test_an_unknown_entry_or_lot_is_an_error(loaded):
    result = loaded("trace", "--entry", "231-9999999-9", code=1)
    assert result.stderr.strip() == "Error: no entry '231-9999999-9' in the database"
    assert result.stdout == ""
    assert "no lot 'NOPE'" in loaded("trace", "--lot", "NOPE", code=1).stderr


@pytest.mark.parametrize("args", [[], ["--entry", "231-0000001-5", "--lot", "P-1"]])
def test_exactly_one_of_entry_and_lot(loaded, args):
    result = loaded("trace", *args, code=2)
    assert "give exactly one of --entry and --lot" in result.stderr
    assert result.stdout == ""
