"""The supply chain in memory: every table read once, indexed, and the graph
of lots and processes built with networkx.

Nodes are subject strings (`lot:L-9`, `process:P-1`); edges run downstream:
input lot -> process -> output lot. Shipments move a lot between facilities
without changing it, so they are kept per lot (`shipments_of`) rather than as
nodes: that keeps the graph a DAG whenever the data is sound.

Preconditions: none on the data. A cycle (a lot that is, directly or not, an
input of itself) raises `CycleError` naming the lots, from `topological_lots`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from sqlalchemy import Connection, select

from .findings import CycleError
from .models import table_for

__all__ = ["SupplyChain", "load_chain", "lot_node", "process_node"]


def lot_node(lot_id: str) -> str:
    return f"lot:{lot_id}"


def process_node(process_id: str) -> str:
    return f"process:{process_id}"


# Provenance columns the determination never reads: parsing every row's JSON
# `extra` would cost more than the rest of the load.
_SKIP = {"extra", "source_sheet", "source_row"}


def _rows(conn: Connection, name: str, *order: str) -> list[Any]:
    table = table_for(name)
    query = select(*[c for c in table.columns if c.name not in _SKIP])
    if order:  # the database sorts faster than Python, by primary key for free
        query = query.order_by(*[table.c[o] for o in order])
    return conn.execute(query).fetchall()


@dataclass
class SupplyChain:
    companies: dict[str, Any]
    facilities: dict[str, Any]
    items: dict[str, Any]
    lots: dict[str, Any]
    processes: dict[str, Any]
    inputs_of: dict[str, list[Any]]  # process_id -> process_lot rows with role input
    outputs_of: dict[str, list[Any]]  # process_id -> process_lot rows with role output
    made_by: dict[str, str]  # lot_id -> the process that output it
    used_by: dict[str, list[Any]]  # lot_id -> process_lot input rows consuming it
    shipments_of: dict[str, list[Any]]  # lot_id -> shipment rows, in shipped order
    entries: list[Any]
    documents_on: dict[tuple[str, str], list[Any]]  # (covers_type, covers_id) -> documents
    rulings: dict[tuple[str, str], Any]  # (item_id, process_type) -> ruling, for regime `all` in effect today
    measure_rows: list[Any]
    graph: nx.DiGraph = field(repr=False)
    ruling_rows: list[Any] = field(default_factory=list)  # every ruling, by ruling_id (regimes.rulings)
    essential_of: dict[str, str] = field(default_factory=dict)  # process_id -> its input marked essential

    def country_of(self, facility_id: str | None) -> str | None:
        f = self.facilities.get(facility_id)
        return f.country if f else None

    def unit_of(self, lot_id: str) -> str | None:
        lot = self.lots.get(lot_id)
        item = self.items.get(lot.item_id) if lot else None
        return item.unit if item else None

    def topological_lots(self, only: set[str] | None = None) -> list[str]:
        """Lot ids (all, or those in `only`), every lot after all lots it was made from."""
        graph = self.graph
        if only is not None:
            nodes = {lot_node(x) for x in only}
            nodes |= {process_node(self.made_by[x]) for x in only if x in self.made_by}
            graph = graph.subgraph(nodes)
        try:
            order = list(nx.topological_sort(graph))
        except nx.NetworkXUnfeasible:
            cycle = nx.find_cycle(graph)
            lots = [u.split(":", 1)[1] for u, _ in cycle if u.startswith("lot:")]
            raise CycleError(lots + lots[:1]) from None
        return [n[4:] for n in order if n.startswith("lot:")]

    def upstream(self, lot_id: str) -> tuple[set[str], set[str]]:
        """(lots, processes) the lot was made from, itself included."""
        node = lot_node(lot_id)
        nodes = nx.ancestors(self.graph, node) if node in self.graph else set()
        lots = {n[4:] for n in nodes if n.startswith("lot:")} | {lot_id}
        procs = {n[8:] for n in nodes if n.startswith("process:")}
        return lots, procs


def load_chain(conn: Connection) -> SupplyChain:
    """Read every table once and index it; no query per node afterwards."""
    inputs_of: dict[str, list] = defaultdict(list)
    outputs_of: dict[str, list] = defaultdict(list)
    used_by: dict[str, list] = defaultdict(list)
    made_by: dict[str, str] = {}
    g = nx.DiGraph()
    lots = {r.lot_id: r for r in _rows(conn, "lot")}
    processes = {r.process_id: r for r in _rows(conn, "process")}
    g.add_nodes_from(lot_node(x) for x in lots)
    edges = []
    essential_of: dict[str, str] = {}
    for pl in _rows(conn, "process_lot"):
        if pl.role == "input":
            if pl.essential == "yes":
                essential_of[pl.process_id] = pl.lot_id
            inputs_of[pl.process_id].append(pl)
            used_by[pl.lot_id].append(pl)
            edges.append((lot_node(pl.lot_id), process_node(pl.process_id)))
        else:
            outputs_of[pl.process_id].append(pl)
            made_by[pl.lot_id] = pl.process_id
            edges.append((process_node(pl.process_id), lot_node(pl.lot_id)))
    g.add_edges_from(edges)
    shipments_of: dict[str, list] = defaultdict(list)
    for s in _rows(conn, "shipment", "shipped_on", "shipment_id"):
        shipments_of[s.lot_id].append(s)
    documents_on: dict[tuple[str, str], list] = defaultdict(list)
    for d in _rows(conn, "document", "document_id"):
        documents_on[(d.covers_type, d.covers_id)].append(d)
    from .regimes.rulings import applicable_rulings
    ruling_rows = _rows(conn, "ruling", "ruling_id")
    rulings = applicable_rulings(ruling_rows, None, None)
    return SupplyChain(
        companies={r.company_id: r for r in _rows(conn, "company")},
        facilities={r.facility_id: r for r in _rows(conn, "facility")},
        items={r.item_id: r for r in _rows(conn, "item")},
        lots=lots, processes=processes, inputs_of=inputs_of, outputs_of=outputs_of,
        made_by=made_by, used_by=used_by, shipments_of=shipments_of,
        entries=_rows(conn, "entry", "entry_number", "lot_id"),
        documents_on=documents_on, rulings=rulings,
        measure_rows=_rows(conn, "trade_measure"), graph=g, ruling_rows=ruling_rows, essential_of=essential_of)

