"""tracker.regimes.tariff_shift, the one door to originshift: what we pass it is
checked, and the cases where originshift 0.3.0 is wrong are proved here and
worked around there."""

from __future__ import annotations

from decimal import Decimal

import pytest
from originshift import resolve
from originshift.resolve import Material as OSMaterial
from originshift.textile import TextileFacts as OSFacts

from tracker.regimes.tariff_shift import Material, ShiftInputError, TextileFacts, is_textile, part102, textile


@pytest.mark.parametrize("good, inputs, country", [
    ("85x", (), "MX"),  # originshift answers "no rule" for a malformed HTS instead of refusing it
    ("850152", (Material("L", "abc", "CN"),), "MX"),
    ("850152", (Material("L", "850300", "China"),), "MX"),
    ("850152", (), "mx"),
])
def test_malformed_facts_are_refused_before_originshift(good, inputs, country):
    with pytest.raises(ShiftInputError):
        part102(good, inputs, country)


def test_an_unknown_operation_is_refused():
    with pytest.raises(ShiftInputError):
        part102("850152", (Material("L", "850300", "CN"),), "MX", operation="relabeling")


def test_textile_coverage_is_102_21_b_5():
    assert is_textile("6302219010") and is_textile("6110202075")
    assert not is_textile("8501528040")


def test_originshift_0_3_0_misreads_a_knit_to_shape_sweater():
    """Upstream: every 6101-6117 alternative of 102.21(e)(1) mentions paragraph (e)(2), and
    originshift then reads its knit/not-knit condition as holding, so a sweater knit to shape
    in HK and linked in CN is asked where it was wholly assembled instead of being decided
    under 102.21(c)(3)(i). When this test fails, upstream fixed it: drop the workaround in
    tariff_shift._textile."""
    r = resolve(good="6110.20.20", inputs=[OSMaterial("6117.90.90", "HK", 10.0)], country="CN",
                textile=OSFacts(process_in={"knit": "HK"}, knit_to_shape_in="HK",
                                conditions={"knit to shape": True}))
    assert r.status == "unresolved" and "wholly assembled" in r.needed
    ours = textile("6110202075", (Material("P-1", "6117909080", "HK", Decimal(10)),), "CN",
                   TextileFacts(knit_to_shape_in="HK"))
    assert (ours.status, ours.origin, ours.rule_id) == ("resolved", "HK", "102.21(c)(3)(i)")


def test_originshift_stops_at_102_17_without_reaching_102_11_b():
    """Upstream: a 102.17 non-qualifying operation comes back unresolved ("origin falls to be
    determined under 102.11(b)") rather than decided; part102.py finishes 102.11(b)."""
    r = resolve(good="8504.40", inputs=[OSMaterial("8504.40", "CN", 10.0)], country="MX",
                operation="simple_packing")
    assert r.status == "unresolved" and r.origin is None
    ours = part102("8504409580", (Material("L", "8504409580", "CN", Decimal(10)),), "MX",
                   operation="simple_packing")
    assert ours.non_qualifying and ours.not_shifted[0].lot_id == "L"
