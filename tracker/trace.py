"""`tracker trace`: the upstream graph of an entry or a lot.

As data (`Trace.nodes`, `Trace.edges`, for `--json` and for scripts) and as a
tree for the terminal: each lot with where and when it was made, the
shipments that carried it, and the process that made it with its inputs,
recursively. The principal input (the main line) is marked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from .canonical import jsonable
from .chain import load_chain
from .origin import determine_origins
from .findings import NotFound
from .metal import declared_metal, for_lot, gather_metal, metal_text, stated_metal
from .regimes import REGIME_NAMES, REGIMES, decide_regimes
from .regimes.rulings import RulingSets
from .route import entry_facilities, shipments_toward

__all__ = ["Trace", "trace"]


@dataclass
class Trace:
    root: str
    nodes: dict[str, dict] = field(default_factory=dict)
    edges: list[dict] = field(default_factory=list)
    children: dict[str, list[str]] = field(default_factory=dict)  # tree order, for printing

    def to_dict(self) -> dict:
        return {"root": self.root, "nodes": list(self.nodes.values()), "edges": self.edges}


def trace(conn: Connection, entry: str | None = None, lot: str | None = None) -> Trace:
    chain = load_chain(conn)
    if entry is not None:
        lines = [e for e in chain.entries if e.entry_number == entry]
        if not lines:
            raise NotFound(f"no entry {entry!r} in the database")
        out = Trace(f"entry:{entry}")
        first = lines[0]
        chain_entry_date = first.entry_date
        out.nodes[out.root] = {"id": out.root, "kind": "entry", "entry_number": entry, "hts": first.hts,
                               "entry_date": first.entry_date.isoformat(), "declared_origin": first.declared_origin,
                               "metal_declared": {k: v for k, v in declared_metal(first).items() if v}}
        roots = []
        for e in lines:
            out.edges.append({"from": f"lot:{e.lot_id}", "to": out.root, "kind": "entered",
                              "quantity": jsonable(e.quantity)})
            roots.append((e.lot_id, set(entry_facilities(chain, e.lot_id))))
        out.children[out.root] = [f"lot:{e.lot_id}" for e in lines]
        upstream = set().union(*(chain.upstream(e.lot_id)[0] for e in lines))
    elif lot is not None:
        if lot not in chain.lots:
            raise NotFound(f"no lot {lot!r} in the database")
        out = Trace(f"lot:{lot}")
        upstream = chain.upstream(lot)[0]
        uses = {chain.processes[pl.process_id].facility_id for pl in chain.used_by.get(lot, ())}
        roots = [(lot, uses or set(entry_facilities(chain, lot)))]
    else:
        raise ValueError("trace needs an entry or a lot")
    origins = determine_origins(chain, upstream)  # only what the trace shows
    metal = gather_metal(chain, upstream)
    # Origin per regime (determination-v2), under the rulings in effect on the entry date
    # (a lot alone: today), one pass per distinct set of rulings.
    on = chain_entry_date if entry is not None else None
    sets, by_key, passes = RulingSets(chain.ruling_rows), {}, {}
    for regime in REGIMES:
        key, mapping = sets.get(regime, on)
        if key not in by_key:
            by_key[key] = determine_origins(chain, upstream, rulings=mapping)
        passes[regime] = by_key[key]
    entered_hts = {e.lot_id: e.hts for e in chain.entries if entry is not None and e.entry_number == entry}

    def facility(fid: str) -> str:
        node = f"facility:{fid}"
        if node not in out.nodes:
            f = chain.facilities[fid]
            out.nodes[node] = {"id": node, "kind": "facility", "facility_id": fid, "name": f.name,
                               "country": f.country, "facility_type": f.facility_type}
        return node

    stack = list(reversed(roots))
    while stack:
        lot_id, targets = stack.pop()
        node = f"lot:{lot_id}"
        if node in out.nodes:
            continue
        lot_row, origin = chain.lots[lot_id], origins[lot_id]
        item = chain.items[lot_row.item_id]
        out.nodes[node] = {"id": node, "kind": "lot", "lot_id": lot_id, "item_id": lot_row.item_id,
                           "item": item.description, "quantity": jsonable(lot_row.quantity), "unit": item.unit,
                           "facility_id": lot_row.facility_id, "country": chain.country_of(lot_row.facility_id),
                           "produced_on": jsonable(lot_row.produced_on), "origin": origin.country,
                           "origin_basis": origin.basis.text(), "metal_stated": stated_metal(lot_row),
                           "metal_provenance": for_lot(metal, lot_id).to_dict(),
                           "regimes": {k: v.to_dict() for k, v in decide_regimes(
                               chain, passes, lot_id, entered_hts.get(lot_id, item.hts)).items()}}
        out.edges.append({"from": node, "to": facility(lot_row.facility_id), "kind": "at"})
        kids = out.children.setdefault(node, [])
        for s in shipments_toward(chain, lot_id, targets):
            snode = f"shipment:{s.shipment_id}"
            out.nodes.setdefault(snode, {
                "id": snode, "kind": "shipment", "shipment_id": s.shipment_id,
                "from_facility_id": s.from_facility_id, "from_country": chain.country_of(s.from_facility_id),
                "to_facility_id": s.to_facility_id, "to_country": chain.country_of(s.to_facility_id),
                "shipped_on": jsonable(s.shipped_on), "arrived_on": jsonable(s.arrived_on),
                "transport_mode": s.transport_mode, "bill_of_lading": s.bill_of_lading})
            out.edges.append({"from": node, "to": snode, "kind": "shipped", "quantity": jsonable(s.quantity)})
            out.edges.append({"from": snode, "to": facility(s.from_facility_id), "kind": "from"})
            out.edges.append({"from": snode, "to": facility(s.to_facility_id), "kind": "to"})
            kids.append(snode)
        pid = chain.made_by.get(lot_id)
        if pid is None:
            continue
        p = chain.processes[pid]
        pnode = f"process:{pid}"
        kids.append(pnode)
        out.edges.append({"from": pnode, "to": node, "kind": "output"})
        if pnode in out.nodes:
            continue
        out.nodes[pnode] = {"id": pnode, "kind": "process", "process_id": pid, "process_type": p.process_type,
                            "process_class": origin.process_class, "facility_id": p.facility_id,
                            "country": chain.country_of(p.facility_id), "started_on": jsonable(p.started_on),
                            "completed_on": jsonable(p.completed_on), "principal_input": origin.principal}
        out.edges.append({"from": pnode, "to": facility(p.facility_id), "kind": "at"})
        inputs = sorted(chain.inputs_of.get(pid, ()), key=lambda pl: (pl.lot_id != origin.principal, pl.lot_id))
        out.children[pnode] = [f"lot:{pl.lot_id}" for pl in inputs]
        for pl in inputs:
            out.edges.append({"from": f"lot:{pl.lot_id}", "to": pnode, "kind": "input",
                              "quantity": jsonable(pl.quantity)})
        stack.extend((pl.lot_id, {p.facility_id}) for pl in reversed(inputs))
    return out


def render_tree(t: Trace) -> Any:
    """A rich Tree of the trace, for the terminal."""
    from rich.markup import escape as markup_escape

    from .terminal import printable

    def escape(text: str) -> str:  # supplier text: neither rich markup nor terminal control
        return markup_escape(printable(text))
    from rich.tree import Tree

    def label(node_id: str, parent: dict | None) -> str:
        n = t.nodes[node_id]
        kind = n["kind"]
        if kind == "entry":
            declared = metal_text(n["metal_declared"])
            return (f"[bold]entry {escape(n['entry_number'])}[/]  HTS {n['hts']}  {n['entry_date']}  "
                    f"declared {n['declared_origin']}" + (f"  metal declared: {declared}" if declared else ""))
        if kind == "lot":
            star = " [green]★ principal[/]" if parent and parent.get("principal_input") == n["lot_id"] else ""
            regimes = n.get("regimes") or {}
            if len({r["origin"] for r in regimes.values()}) > 1:  # the regimes split: show each
                origin = " · ".join(f"{REGIME_NAMES[k]} [bold]{r['origin'] or '[red]unknown[/]'}[/]"
                                    for k, r in regimes.items())
            else:
                first = next(iter(regimes.values()), {"origin": n["origin"]})
                origin = f"[bold]{first['origin'] or '[red]unknown[/]'}[/]"
            stated = metal_text(n["metal_stated"])
            return (f"[bold]lot {escape(n['lot_id'])}[/]  {escape(n['item'])}  {n['quantity']} {escape(n['unit'])}"
                    f"  at {escape(n['facility_id'])} ({n['country']})  {n['produced_on'] or ''}"
                    f"  origin {origin}{star}" + (f"  [blue]metal: {stated}[/]" if stated else ""))
        if kind == "shipment":
            bl = f"  B/L {escape(n['bill_of_lading'])}" if n["bill_of_lading"] else ""
            return (f"[cyan]shipment {escape(n['shipment_id'])}[/]  {escape(n['from_facility_id'])} "
                    f"({n['from_country']}) → {escape(n['to_facility_id'])} ({n['to_country']})  "
                    f"{n['shipped_on']} → {n['arrived_on'] or '?'}{bl}")
        klass = {"substantial": "green", "minor": "yellow", "none": "dim"}.get(n["process_class"], "")
        return (f"[magenta]process {escape(n['process_id'])}[/]  {n['process_type']} "
                f"[{klass}]({n['process_class']})[/]  at {escape(n['facility_id'])} ({n['country']})  "
                f"{n['started_on'] or ''} → {n['completed_on']}")

    tree = Tree(label(t.root, None))
    stack = [(tree, t.root)]
    while stack:
        branch, node_id = stack.pop()
        for child in reversed(t.children.get(node_id, [])):
            sub = branch.add(label(child, t.nodes[node_id]))
            stack.append((sub, child))
    # children were added in reverse so the stack pops them in order; restore reading order
    _reverse(tree)
    return tree


def _reverse(tree) -> None:
    stack = [tree]
    while stack:
        t = stack.pop()
        t.children.reverse()
        stack.extend(t.children)
