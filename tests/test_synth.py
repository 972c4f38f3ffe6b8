"""`tracker synth`: seeded synthetic data with the shape of real supply chains."""

from __future__ import annotations

import json
from collections import Counter

from tracker.synth import DEEP_ENTRY, generate


def test_the_same_size_and_seed_give_the_same_data():
    assert generate(3000, seed=3).rows == generate(3000, seed=3).rows
    assert generate(3000, seed=3).rows != generate(3000, seed=4).rows


def test_synthetic_data_imports_and_tells_the_usual_stories(cli, tmp_path):
    result = cli("synth", "-o", tmp_path / "s", "--rows", "4000", "--deep", "50", "--format", "csv")
    assert "rows" in result.stdout
    cli("import", tmp_path / "s" / "csv")
    entries = json.loads(cli("check", "--json").stdout)["entries"]
    codes = Counter(f["code"] for e in entries for f in e["flags"])
    for code in ("ORIGIN_MISMATCH", "TRANSSHIPMENT", "MINOR_PROCESSING", "ORDER_EXPOSURE", "TRANSIT_HOP",
                 "CAPACITY", "MISSING_EVIDENCE"):
        assert codes[code] > 0, code
    deep = next(e for e in entries if e["entry_number"] == DEEP_ENTRY)
    trace = json.loads(cli("trace", "--entry", DEEP_ENTRY, "--json").stdout)
    assert sum(1 for n in trace["nodes"] if n["kind"] == "lot") == 50 + 7 + 1  # raw lots, blends, final
    assert deep["route"][-1] == "US"
