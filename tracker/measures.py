"""Trade measures: the AD/CVD orders and Section 301, 232 and 201 actions entries are checked against.

Two bundled sources, both read through `tracker.schemas`:

- `schemas/trade_measures.csv`, curated by hand: AD/CVD orders with their case
  numbers, HTS numbers from the scope, order dates and Federal Register
  citations (scope is set by each order's written description: confirm it),
  and the 2018 Section 232 proclamations the HTS no longer prints;
- `schemas/measures_hts99.csv.gz`, derived from the HTS Chapter 99 text by
  `tracker.refdata.hts99`: every subheading of Section 301 Lists 1, 2, 3
  and 4A, the 2024 four-year review lines, the exclusions in force and the
  Section 232 lists, each row with its heading, rate, dates and source.

Rows imported from a TradeMeasures sheet (or loaded from a newer HTS release
by `tracker measures load-hts`) add to these, or correct the bundled rows of
the same measure_id and hts_prefix for their period: bundled stages that
ended before the imported row takes effect stay as history.

A measure covers an entry (determination-v2 §8) when the entry's HTS starts
with its prefix, the entry date lies between `effective_on` and `expires_on`
(when there is one), and no exclusion row of the same measure_id whose dates
contain the entry date covers the HTS by a longer prefix. An exclusion that
only describes a product (`exclusion` "described") does not lift coverage:
the HTS number alone cannot show the goods are that product.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections import defaultdict
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Iterable, NamedTuple

from .schemas import default_measures_rows, derived_measures_bytes, derived_measures_rows
from .values import parse_country, parse_date, parse_hts_prefix, parse_text

__all__ = ["Measure", "MeasureIndex", "all_measures", "bundled_measures", "covering", "in_effect",
           "select_measures", "parse_measure_country", "ANTIDUMPING_KINDS", "ORIGIN_FREE_KINDS",
           "EVERY_COUNTRY", "METALS"]

ANTIDUMPING_KINDS = ("AD", "CVD")
ORIGIN_FREE_KINDS = ("232", "201")  # apply whatever the origin: country "*"
EVERY_COUNTRY = "*"
METALS = ("aluminum", "steel", "copper")


class Measure(NamedTuple):
    """One row: a measure on one HTS prefix for one period (a NamedTuple: 20,000 are built per run)."""

    measure_id: str
    kind: str  # AD | CVD | 301 | 232 | 201
    country: str  # ISO code, or "*" for 232 and 201
    hts_prefix: str  # digits only
    effective_on: date
    description: str = ""
    source: str = ""  # Federal Register citation or HTS release
    note: str = ""
    expires_on: date | None = None  # last day it applies
    rate: Decimal | None = None  # additional duty, percent ad valorem
    heading: str = ""  # the Chapter 99 heading
    exclusion: str = ""  # "" | "yes" | "described" (lifts coverage only when "yes")
    provenance: str = "bundled"  # bundled | imported

    @property
    def is_order(self) -> bool:
        """An AD or CVD order: follows the product, so circumvention matters to it."""
        return self.kind in ANTIDUMPING_KINDS

    @property
    def federal_register(self) -> str:
        return self.source

    @property
    def metal(self) -> str | None:
        """For a Section 232 measure, the metal it is about, named in its id or description."""
        return _metal_of(self.measure_id, self.description) if self.kind == "232" else None

    def in_effect(self, on: date) -> bool:
        return self.effective_on <= on and (self.expires_on is None or on <= self.expires_on)

    def label(self) -> str:
        return f"{self.measure_id} ({self.kind}, {self.country})"

    def summary(self) -> dict[str, Any]:
        """The keys of an entry's `measures` in check --json (determination-v2 §7)."""
        return {"measure_id": self.measure_id, "kind": self.kind, "country": self.country,
                "hts_prefix": self.hts_prefix, "heading": self.heading or None, "rate": _rate_text(self.rate)}

    def to_dict(self) -> dict[str, Any]:
        """The JSON of `measures list` and of an entry's `measures` (determination-v2 §7)."""
        return {"measure_id": self.measure_id, "kind": self.kind, "country": self.country,
                "hts_prefix": self.hts_prefix, "effective_on": self.effective_on.isoformat(),
                "expires_on": self.expires_on.isoformat() if self.expires_on else None,
                "rate": _rate_text(self.rate), "heading": self.heading or None,
                "source": self.source or None, "exclusion": self.exclusion or None,
                "description": self.description, "note": self.note or None}


@cache
def _metal_of(measure_id: str, description: str) -> str | None:
    words = f"{measure_id} {description}".lower()
    return next((m for m in METALS if m in words), None)


@cache
def _rate_text(rate: Decimal | None) -> str | None:
    return None if rate is None else format(rate.normalize(), "f")


def parse_measure_country(value: Any) -> str:
    """A country, or `*` for every country (measures that do not turn on origin)."""
    if parse_text(value) == EVERY_COUNTRY:
        return EVERY_COUNTRY
    return parse_country(value)


def _bundled(r: dict) -> Measure:
    """A hand-curated row, checked as an imported one would be."""
    return Measure(
        r["measure_id"], r["kind"], parse_measure_country(r["country"]), parse_hts_prefix(r["hts_prefix"]),
        parse_date(r["effective_on"]),
        r.get("description") or "", r.get("source") or r.get("federal_register") or "", r.get("note") or "",
        parse_date(r["expires_on"]) if r.get("expires_on") else None,
        Decimal(r["rate"]) if r.get("rate") else None, r.get("heading") or "", r.get("exclusion") or "")


def _derived(rows: list[list[str]]) -> list[Measure]:
    """The rows tracker.refdata.hts99 wrote: trusted, so only converted, and each repeated
    date, rate and text made once."""
    dates: dict[str, date | None] = {"": None}
    rates: dict[str, Decimal | None] = {"": None}
    header, out = rows[0], []
    cols = [header.index(c) for c in ("measure_id", "kind", "country", "hts_prefix", "effective_on", "description",
                                      "source", "note", "expires_on", "rate", "heading", "exclusion")]
    intern = sys.intern
    for r in rows[1:]:
        mid, kind, country, prefix, eff, desc, src, note, exp, rate, heading, excl = (r[i] for i in cols)
        if eff not in dates:
            dates[eff] = date.fromisoformat(eff)
        if exp not in dates:
            dates[exp] = date.fromisoformat(exp)
        if rate not in rates:
            rates[rate] = Decimal(rate)
        out.append(Measure(intern(mid), intern(kind), intern(country), prefix, dates[eff], intern(desc),
                           intern(src), intern(note), dates[exp], rates[rate], intern(heading), intern(excl)))
    return out


def _cache_path(data: bytes) -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    key = hashlib.sha256(data + "|".join(Measure._fields).encode()).hexdigest()[:32]  # data and row shape
    return Path(root) / "tracker" / f"measures-{key}-py{sys.version_info[0]}{sys.version_info[1]}.pickle"


def _derived_cached() -> list[Measure]:
    """`_derived`, kept in the user's cache folder under the SHA-256 of the bundled file:
    unpickling is twice as fast as parsing, and a changed file is a new name."""
    data = derived_measures_bytes()
    path = _cache_path(data)
    try:
        found = pickle.loads(path.read_bytes())
        if isinstance(found, list) and (not found or isinstance(found[0], Measure)):
            return found
    except Exception:  # missing, unwritable or stale: parse it again
        pass
    rows = _derived(derived_measures_rows(data))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home: parse each time
    return rows


@cache
def bundled_measures() -> tuple[Measure, ...]:
    """The hand-curated rows and the rows derived from the HTS, parsed once per process."""
    return tuple([_bundled(r) for r in default_measures_rows()] + _derived_cached())


def all_measures(imported: Iterable) -> list[Measure]:
    """The bundled measures, with imported rows added or correcting them for their period."""
    imported = {(r.measure_id, r.hts_prefix): r for r in imported}
    bundled = bundled_measures()
    if not imported:
        return list(bundled)
    latest: dict[tuple[str, str], Measure] = {}
    out = []
    for m in bundled:
        key = (m.measure_id, m.hts_prefix)
        r = imported.get(key)
        if r is None:
            out.append(m)
            continue
        latest[key] = m
        if m.expires_on is not None and m.expires_on < r.effective_on:
            out.append(m)  # an earlier stage: history the imported row does not correct
    for key, r in imported.items():
        old = latest.get(key)
        exclusion = getattr(r, "exclusion", None)
        out.append(Measure(
            r.measure_id, r.kind, r.country, r.hts_prefix, r.effective_on,
            r.description or (old.description if old else ""),
            getattr(r, "source", None) or (old.source if old else ""), old.note if old else "",
            getattr(r, "expires_on", None), getattr(r, "rate", None), getattr(r, "heading", None) or "",
            exclusion if exclusion in ("yes", "described") else "", "imported"))
    return out


def in_effect(measures: Iterable[Measure], on: date) -> list[Measure]:
    return [m for m in measures if m.in_effect(on)]


def covering(measures: Iterable[Measure], hts: str, on: date) -> list[Measure]:
    """Measures covering an entry of `hts` on `on` (determination-v2 §8): its HTS starts with
    the prefix, the date lies in the measure's period, and no exclusion of the same measure
    in effect that day covers the HTS by a longer prefix."""
    found = [m for m in measures if hts.startswith(m.hts_prefix) and m.effective_on <= on
             and (m.expires_on is None or on <= m.expires_on)]
    excluded = {(x.measure_id, len(x.hts_prefix)) for x in found if x.exclusion == "yes"}
    if not excluded:
        return [m for m in found if not m.exclusion]
    return [m for m in found if not m.exclusion and not any(
        mid == m.measure_id and n > len(m.hts_prefix) for mid, n in excluded)]


class MeasureIndex:
    """`covering` for many entries: measures keyed by prefix, probed once per prefix length.

    With some 20,000 rows, an HTS number's candidates are found by looking up
    its first n digits for each prefix length n in use (a handful), not by
    scanning the rows; the candidates of each HTS number are kept.
    """

    def __init__(self, measures: list[Measure]):
        self.measures = measures
        by_prefix: dict[str, list[Measure]] = defaultdict(list)
        for m in measures:
            by_prefix[m.hts_prefix].append(m)
        self._by_prefix = dict(by_prefix)
        self._lengths = sorted({len(p) for p in by_prefix})
        self._by_hts: dict[str, list[Measure]] = {}
        self._split: dict[str, tuple[list[Measure], bool]] = {}

    def candidates(self, hts: str) -> list[Measure]:
        """Every row whose prefix starts `hts`, whatever its dates."""
        found = self._by_hts.get(hts)
        if found is None:
            found = [m for n in self._lengths if n <= len(hts) for m in self._by_prefix.get(hts[:n], ())]
            self._by_hts[hts] = found
        return found

    def covering(self, hts: str, on: date) -> list[Measure]:
        split = self._split.get(hts)
        if split is None:
            found = self.candidates(hts)
            split = self._split[hts] = (found, any(m.exclusion for m in found))
        found, exclusions = split
        if exclusions:
            return covering(found, hts, on)
        # the common case, no exclusion on this HTS: only the dates to look at
        return [m for m in found if m.effective_on <= on and (m.expires_on is None or on <= m.expires_on)]


def select_measures(measures: list[Measure], *, kind: str | None = None, country: str | None = None,
                    hts: str | None = None, on: date | None = None) -> list[Measure]:
    """`tracker measures list`: rows of a kind, for a country (`*` rows apply to every
    country), whose prefix starts the HTS number given, in effect on a date."""
    rows = MeasureIndex(measures).candidates(hts) if hts else sorted(
        measures, key=lambda m: (m.measure_id, m.hts_prefix, m.effective_on))
    if kind:
        rows = [m for m in rows if m.kind == kind]
    if country:
        rows = [m for m in rows if m.country in (country, EVERY_COUNTRY)]
    if on:
        rows = [m for m in rows if m.in_effect(on)]
    return list(rows)
