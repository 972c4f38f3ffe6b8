"""The worked supply chains of tests/examples, end to end through the CLI."""

import json

import pytest

from tests.conftest import EXAMPLES

NAMES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "expected.json").is_file())


@pytest.mark.parametrize("name", NAMES)
def test_example(cli, example, name):
    expected = json.loads((EXAMPLES / name / "expected.json").read_text())
    cli("import", example(name))
    out = json.loads(cli("check", "--json").stdout)
    by_entry = {e["entry_number"]: e for e in out["entries"]}
    assert set(by_entry) == set(expected)
    for number, want in expected.items():
        got = by_entry[number]
        codes = {f["code"] for f in got["flags"]}
        assert got["computed_origin"] == want["computed_origin"]
        assert set(want["must"]) <= codes, (number, codes)
        assert not set(want["must_not"]) & codes, (number, codes)
        assert got["route"][-1] == "US"
        assert got["origin_basis"]


def test_examples_exist():
    assert len(NAMES) >= 3
