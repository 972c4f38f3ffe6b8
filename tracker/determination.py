"""`tracker check`: determine the origin of every customs entry and raise flags.

The whole database is read once, the graph built once, every lot's origin
decided in one topological pass, and the database-wide facts (mass balance,
capacity, dates) computed once; each entry then only walks what is upstream
of it. An entry with several lots gives one result per lot (an entry line):
each line has its own HTS and declared origin.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from .chain import SupplyChain, load_chain
from .db import evidence_dir
from .findings import Finding, NotFound
from .flags import EntryContext, prepare_all, run_checks
from .measures import ANTIDUMPING_KINDS, EVERY_COUNTRY, Measure, MeasureIndex, all_measures
from .metal import LotMetal, for_lot, gather_metal
from .origin import Basis, LotOrigin, determine_origins
from .regimes import REGIMES, RegimeOrigin, decide_regimes
from .regimes.preference import Preference, check_preference
from .regimes.rulings import RulingSets
from .route import build_route, main_line, upstream_of

__all__ = ["EntryResult", "Determination", "determine", "check", "check_dicts"]


@dataclass
class EntryResult:
    entry: Any
    computed_origin: str | None
    basis: Basis
    route: list[str]
    flags: list[Finding]
    other_origin_inputs: list[tuple[str, str | None]]
    context: EntryContext
    regimes: dict[str, RegimeOrigin] | None = None
    preference: Preference | None = None

    @property
    def split(self) -> bool:
        """The regimes give different origins (REGIME_SPLIT)."""
        return len({r.origin for r in (self.regimes or {}).values()}) > 1

    def to_dict(self) -> dict:
        e = self.entry
        marking = self.regimes["marking"] if self.regimes else None
        return {
            "entry_number": e.entry_number, "lot_id": e.lot_id, "hts": e.hts,
            "declared_origin": e.declared_origin, "computed_origin": self.computed_origin,
            "origin_basis": marking.basis if marking else self.basis.text(), "route": self.route,
            "flags": [f.to_dict() for f in self.flags],
            # beyond determination-v1: the basis as data, and inputs of other origins
            "entry_date": e.entry_date.isoformat(),
            "basis": self.basis.to_dict(),
            "other_origin_inputs": [{"lot_id": lot, "origin": c} for lot, c in self.other_origin_inputs],
            # determination-v2 §7 and §8
            "regimes": {k: v.to_dict() for k, v in (self.regimes or {}).items()},
            "preference": self.preference.to_dict() if self.preference else None,
            "measures": [m.summary() for m in self.measures()],
            "metal_provenance": self.context.metal.to_dict(),
        }

    def measures(self) -> list[Measure]:
        """The measures covering the entry line for the origin its regime judges (determination-v2
        §6): Section 301 measures for the `section_301` origin, AD/CVD orders for the `adcvd`
        origin; 232 and 201 measures (`*`) for every origin."""
        regimes = self.regimes or {}

        def judged(m: Measure) -> str | None:
            key = "section_301" if m.kind == "301" else "adcvd" if m.kind in ANTIDUMPING_KINDS else None
            return regimes[key].origin if key in regimes else self.computed_origin

        return [m for m in self.context.measures if m.country in (EVERY_COUNTRY, judged(m))]


@dataclass
class Determination:
    """Everything computed for one run: reused by check, trace and report."""

    chain: SupplyChain
    origins: dict[str, LotOrigin]
    measures: list[Measure]
    evidence_store: Path | None
    _shared: dict[str, Any] | None = None
    _index: MeasureIndex | None = None
    _metal: dict[str, LotMetal] | None = None
    _rulings: RulingSets | None = None
    _passes: dict[tuple[str, ...], dict[str, LotOrigin]] | None = None

    def passes_for(self, on: Any) -> dict[str, dict[str, LotOrigin]]:
        """Per regime, the substantial-transformation pass under the rulings that apply on `on`:
        one pass per distinct set of applicable rulings, shared by every entry under it."""
        if self._rulings is None:
            self._rulings = RulingSets(self.chain.ruling_rows)
            default = tuple(sorted(r.ruling_id for r in self.chain.rulings.values()))
            self._passes = {default: self.origins}
        out = {}
        for regime in REGIMES:
            key, mapping = self._rulings.get(regime, on)
            found = self._passes.get(key)
            if found is None:
                found = self._passes[key] = determine_origins(self.chain, rulings=mapping)
            out[regime] = found
        return out

    @property
    def shared(self) -> dict[str, Any]:
        """The database-wide facts the checks share, computed on first use (trace needs none)."""
        if self._shared is None:
            self._shared = prepare_all(self.chain)
        return self._shared

    @property
    def metal(self) -> dict[str, LotMetal]:
        """Every lot's metal provenance, gathered in one pass on first use (tracker.metal)."""
        if self._metal is None:
            self._metal = gather_metal(self.chain)
        return self._metal

    def _measure_index(self) -> MeasureIndex:
        if self._index is None:
            self._index = MeasureIndex(self.measures)
        return self._index

    def lines(self, entries: list[str] | None = None) -> list[Any]:
        """Every entry line, or the lines of the entries named; NotFound for one not in the database."""
        rows = self.chain.entries
        if entries:
            known = {e.entry_number for e in rows}
            for number in entries:
                if number not in known:
                    raise NotFound(f"no entry {number!r} in the database")
            rows = [e for e in rows if e.entry_number in set(entries)]
        return rows

    def entry(self, e: Any) -> EntryResult:
        chain = self.chain
        passes = self.passes_for(e.entry_date)
        origins = passes["adcvd"]  # the route and the duty flags follow substantial transformation
        regimes = decide_regimes(chain, passes, e.lot_id, e.hts)
        marking = regimes["marking"]
        lot_origin = origins[e.lot_id]
        line = main_line(origins, e.lot_id)
        events, route, steps = build_route(chain, origins, line)
        pass_through = {c for c, ss in steps.items()
                        if all(s.kind == "process" and s.process_class == "none" for s in ss)}
        pass_through |= {c for c in route if c not in steps and c != "US"}
        made_at = [ev.facility_id for ev in events if ev.kind in ("made", "recorded")]
        preference = check_preference(chain, e, marking.origin, list(dict.fromkeys(reversed(made_at))))
        ctx = EntryContext(chain, origins, e, marking.origin, lot_origin.basis, line, events, route, steps,
                           pass_through, upstream_of(chain, e.lot_id, e.entry_number),
                           self._measure_index().covering(e.hts, e.entry_date), self.shared,
                           self.evidence_store, metal=for_lot(self.metal, e.lot_id), regimes=regimes,
                           preference=preference)
        flags = run_checks(ctx)
        others = sorted({o for lot in line for o in origins[lot].other_inputs})
        return EntryResult(e, marking.origin, lot_origin.basis, route, flags, others, ctx, regimes, preference)


def determine(conn: Connection, evidence_store: Path | None = None) -> Determination:
    chain = load_chain(conn)
    origins = determine_origins(chain)
    return Determination(chain, origins, all_measures(chain.measure_rows), evidence_store)


def _selected(conn: Connection, entries: list[str] | None,
              evidence_store: Path | None) -> tuple[Determination, list[Any]]:
    if evidence_store is None:  # never skip DOC_TAMPERED: the engine knows its store
        evidence_store = evidence_dir(conn.engine)
    d = determine(conn, evidence_store)
    return d, d.lines(entries)


def check(conn: Connection, entries: list[str] | None = None,
          evidence_store: Path | None = None) -> list[EntryResult]:
    """Origin and flags for every entry line, or for the entries named."""
    d, rows = _selected(conn, entries, evidence_store)
    return [d.entry(e) for e in rows]


# Entry lines are independent once the graph, origins and shared facts exist:
# forked workers read them copy-on-write and return only JSON-ready dicts.
_FORK_FROM = 400  # below this many entry lines a pool costs more than it saves
_RUN: tuple[Determination, list[Any]] | None = None


def _dicts(span: tuple[int, int]) -> list[dict]:
    d, rows = _RUN
    return [d.entry(e).to_dict() for e in rows[span[0]:span[1]]]


def check_dicts(conn: Connection, entries: list[str] | None = None, evidence_store: Path | None = None,
                workers: int | None = None) -> list[dict]:
    """`check`, as the JSON of determination-v1, using every core for many entries (Linux)."""
    global _RUN
    d, rows = _selected(conn, entries, evidence_store)
    if workers is None:
        workers = min(os.cpu_count() or 1, 8) if len(rows) >= _FORK_FROM else 1
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods() or sys.platform != "linux":
        return [d.entry(e).to_dict() for e in rows]
    d.shared  # noqa: B018  computed once, before the fork, so every worker shares it
    d.metal  # noqa: B018
    d._measure_index()
    for on in sorted({e.entry_date for e in rows}):
        d.passes_for(on)  # likewise every pass of the rulings that apply
    step = -(-len(rows) // (workers * 4))
    spans = [(i, min(i + step, len(rows))) for i in range(0, len(rows), step)]
    _RUN = (d, rows)
    # Frozen objects are left alone by the collector, so workers do not copy the
    # parent's whole heap by walking it.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_dicts, spans)
    finally:
        _RUN = None
        gc.unfreeze()
    return [x for part in parts for x in part]
