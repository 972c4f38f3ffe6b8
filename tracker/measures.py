"""Trade measures: the AD/CVD orders and Section 301 actions entries are checked against.

The bundled list (schemas/trade_measures.csv) holds real orders with their
case numbers, HTS scope prefixes, effective dates and Federal Register
citations. It is a starting point: scope is set by each order's written
description, and users must confirm it. Rows imported from a TradeMeasures
sheet add to the list, or correct a bundled row with the same measure_id
and hts_prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable

from .schemas import default_measures_rows
from .values import parse_country, parse_date, parse_hts_prefix

__all__ = ["Measure", "MeasureIndex", "all_measures", "covering", "ANTIDUMPING_KINDS"]

ANTIDUMPING_KINDS = ("AD", "CVD")


@dataclass(frozen=True, slots=True)
class Measure:
    measure_id: str
    kind: str  # AD | CVD | 301
    country: str
    hts_prefix: str
    effective_on: date
    description: str = ""
    federal_register: str = ""
    note: str = ""
    source: str = "bundled"  # bundled | imported

    @property
    def is_order(self) -> bool:
        """An AD or CVD order: follows the product, so circumvention matters to it."""
        return self.kind in ANTIDUMPING_KINDS

    def label(self) -> str:
        return f"{self.measure_id} ({self.kind}, {self.country})"


def all_measures(imported: Iterable) -> list[Measure]:
    """The bundled measures, with imported rows added or correcting them."""
    merged: dict[tuple[str, str], Measure] = {}
    for r in default_measures_rows():
        m = Measure(r["measure_id"], r["kind"], parse_country(r["country"]), parse_hts_prefix(r["hts_prefix"]),
                    parse_date(r["effective_on"]), r.get("description") or "",
                    r.get("federal_register") or "", r.get("note") or "")
        merged[(m.measure_id, m.hts_prefix)] = m
    for r in imported:
        old = merged.get((r.measure_id, r.hts_prefix))
        merged[(r.measure_id, r.hts_prefix)] = Measure(
            r.measure_id, r.kind, r.country, r.hts_prefix, r.effective_on,
            r.description or (old.description if old else ""),
            old.federal_register if old else "", old.note if old else "", "imported")
    return sorted(merged.values(), key=lambda m: (m.measure_id, m.hts_prefix))


def covering(measures: Iterable[Measure], hts: str, on: date) -> list[Measure]:
    """Measures covering an entry: its HTS starts with the prefix and the
    measure took effect on or before the entry date (determination-v1)."""
    return [m for m in measures if hts.startswith(m.hts_prefix) and m.effective_on <= on]


class MeasureIndex:
    """`covering` for many entries: the prefix match is done once per HTS number."""

    def __init__(self, measures: list[Measure]):
        self.measures = measures
        self._by_hts: dict[str, list[Measure]] = {}

    def covering(self, hts: str, on: date) -> list[Measure]:
        found = self._by_hts.get(hts)
        if found is None:
            found = self._by_hts[hts] = [m for m in self.measures if hts.startswith(m.hts_prefix)]
        return covering(found, hts, on)
