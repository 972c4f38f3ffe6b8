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
from .measures import EVERY_COUNTRY, Measure, MeasureIndex, all_measures
from .metal import LotMetal, for_lot, gather_metal
from .origin import Basis, LotOrigin, determine_origins
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

    def to_dict(self) -> dict:
        e = self.entry
        return {
            "entry_number": e.entry_number, "lot_id": e.lot_id, "hts": e.hts,
            "declared_origin": e.declared_origin, "computed_origin": self.computed_origin,
            "origin_basis": self.basis.text(), "route": self.route,
            "flags": [f.to_dict() for f in self.flags],
            # beyond determination-v1: the basis as data, and inputs of other origins
            "entry_date": e.entry_date.isoformat(),
            "basis": self.basis.to_dict(),
            "other_origin_inputs": [{"lot_id": lot, "origin": c} for lot, c in self.other_origin_inputs],
            # determination-v2 §7 and §8
            "measures": [m.summary() for m in self.measures()],
            "metal_provenance": self.context.metal.to_dict(),
        }

    def measures(self) -> list[Measure]:
        """The measures covering the entry line for the origin its regime judges (232 and 201:
        every origin). Section 301 and AD/CVD follow substantial transformation: the computed origin."""
        origin = self.computed_origin
        return [m for m in self.context.measures if m.country in (origin, EVERY_COUNTRY)]


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
        chain, origins = self.chain, self.origins
        lot_origin = origins[e.lot_id]
        line = main_line(origins, e.lot_id)
        events, route, steps = build_route(chain, origins, line)
        pass_through = {c for c, ss in steps.items()
                        if all(s.kind == "process" and s.process_class == "none" for s in ss)}
        pass_through |= {c for c in route if c not in steps and c != "US"}
        ctx = EntryContext(chain, origins, e, lot_origin.country, lot_origin.basis, line, events, route, steps,
                           pass_through, upstream_of(chain, e.lot_id, e.entry_number),
                           self._measure_index().covering(e.hts, e.entry_date), self.shared,
                           self.evidence_store, metal=for_lot(self.metal, e.lot_id))
        flags = run_checks(ctx)
        others = sorted({o for lot in line for o in origins[lot].other_inputs})
        return EntryResult(e, lot_origin.country, lot_origin.basis, route, flags, others, ctx)


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
