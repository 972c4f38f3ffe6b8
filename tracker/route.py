"""What is upstream of a customs entry, and the route its goods took.

The *main line* of an entry is its lot, the essential input of the process
that made it where one is marked, else its principal input (determination-v2
§2.5), and so on back to a lot with no
recorded inputs. The *route* is where the main line's lots were made and
where they were shipped, oldest first, consecutive repeats merged, ending
with US. Walking the main line gives the order; dates are not trusted for it
(wrong dates are what the TIMELINE flag is for).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .chain import SupplyChain
from .origin import LotOrigin

__all__ = ["Step", "RouteEvent", "Upstream", "entry_facilities", "shipments_toward", "main_line",
           "build_route", "upstream_of"]


@dataclass(frozen=True, slots=True)
class Step:
    """Something done to main-line goods in a country: a process, or a raw lot first recorded there."""

    kind: str  # process | raw_lot
    subject: str  # process:P or lot:L
    country: str | None
    facility_id: str
    process_class: str | None  # for processes
    process_type: str | None
    on: date | None


@dataclass(frozen=True, slots=True)
class RouteEvent:
    """One move or making of main-line goods, in route order."""

    kind: str  # made | recorded | shipment
    country: str | None
    facility_id: str
    subject: str
    lot_id: str
    on: date | None
    to_facility_id: str | None = None
    to_country: str | None = None
    arrived_on: date | None = None


@dataclass
class Upstream:
    lots: set[str]
    processes: set[str]
    shipments: list[Any]  # shipment rows
    facilities: set[str]
    companies: set[str]
    documents: list[Any]
    subjects: set[str] = field(default_factory=set)  # kind:id of everything above


def entry_facilities(chain: SupplyChain, lot_id: str) -> list[str]:
    """Where a lot was when it was entered: the end of its shipments, in the US if any end there."""
    ships = chain.shipments_of.get(lot_id, [])
    if not ships:
        return [chain.lots[lot_id].facility_id]
    origins = {s.from_facility_id for s in ships}
    sinks = sorted({s.to_facility_id for s in ships} - origins) or sorted({ships[-1].to_facility_id})
    us = [f for f in sinks if chain.country_of(f) == "US"]
    return us or sinks


def shipments_toward(chain: SupplyChain, lot_id: str, targets: set[str]) -> list[Any]:
    """The lot's shipments on some path from where it was made to one of `targets`, in shipped order."""
    ships = chain.shipments_of.get(lot_id, [])
    if not ships:
        return []
    reach, chosen = set(targets), set()
    grew = True
    while grew:
        grew = False
        for i, s in enumerate(ships):
            if i not in chosen and s.to_facility_id in reach:
                chosen.add(i)
                reach.add(s.from_facility_id)
                grew = True
    return [s for i, s in enumerate(ships) if i in chosen]


def main_line(origins: dict[str, LotOrigin], lot_id: str) -> list[str]:
    """The entry's lot, its principal input, and so on: newest first."""
    line, seen = [lot_id], {lot_id}
    while (nxt := origins[line[-1]].principal) is not None and nxt not in seen:
        line.append(nxt)
        seen.add(nxt)
    return line


def build_route(chain: SupplyChain, origins: dict[str, LotOrigin], line: list[str]
                ) -> tuple[list[RouteEvent], list[str], dict[str, list[Step]]]:
    """(events oldest first, route countries ending with US, steps by country)."""
    events: list[RouteEvent] = []
    steps: dict[str, list[Step]] = {}
    oldest_first = list(reversed(line))
    for i, lot_id in enumerate(oldest_first):
        lot = chain.lots[lot_id]
        pid = chain.made_by.get(lot_id)
        if pid:
            p = chain.processes[pid]
            country = chain.country_of(p.facility_id)
            klass = origins[lot_id].process_class  # as the pass that decided it classed it
            events.append(RouteEvent("made", country, p.facility_id, f"process:{pid}", lot_id, p.completed_on))
            steps.setdefault(country, []).append(
                Step("process", f"process:{pid}", country, p.facility_id, klass, p.process_type, p.completed_on))
        else:
            country = chain.country_of(lot.facility_id)
            events.append(RouteEvent("recorded", country, lot.facility_id, f"lot:{lot_id}", lot_id, lot.produced_on))
            steps.setdefault(country, []).append(
                Step("raw_lot", f"lot:{lot_id}", country, lot.facility_id, None, None, lot.produced_on))
        if i + 1 < len(oldest_first):
            consumer = chain.made_by[oldest_first[i + 1]]
            targets = {chain.processes[consumer].facility_id}
        else:
            targets = set(entry_facilities(chain, lot_id))
        for s in shipments_toward(chain, lot_id, targets):
            events.append(RouteEvent("shipment", chain.country_of(s.from_facility_id), s.from_facility_id,
                                     f"shipment:{s.shipment_id}", lot_id, s.shipped_on, s.to_facility_id,
                                     chain.country_of(s.to_facility_id), s.arrived_on))
    countries: list[str] = []
    for ev in events:
        for c in (ev.country, ev.to_country):
            if c and (not countries or countries[-1] != c):
                countries.append(c)
    if not countries or countries[-1] != "US":
        countries.append("US")
    return events, countries, steps


def upstream_of(chain: SupplyChain, lot_id: str, entry_number: str | None = None) -> Upstream:
    """Every lot, process, shipment, facility, company and document that leads to the lot."""
    lots, procs = chain.upstream(lot_id)
    shipments = []
    for lot in sorted(lots):
        if lot not in chain.shipments_of:
            continue
        if lot == lot_id:
            targets = set(entry_facilities(chain, lot))
        else:
            targets = {chain.processes[pl.process_id].facility_id for pl in chain.used_by.get(lot, ())
                       if pl.process_id in procs}
        shipments.extend(shipments_toward(chain, lot, targets))
    facilities = {chain.lots[x].facility_id for x in lots} | {chain.processes[p].facility_id for p in procs}
    for s in shipments:
        facilities.update((s.from_facility_id, s.to_facility_id))
    companies: set[str] = set()
    for f in facilities:
        cid = chain.facilities[f].company_id
        while cid and cid not in companies and cid in chain.companies:
            companies.add(cid)
            cid = chain.companies[cid].parent_company_id
    by_kind = (("lot", lots), ("process", procs), ("shipment", {s.shipment_id for s in shipments}),
               ("facility", facilities), ("company", companies),
               ("entry", () if entry_number is None else (entry_number,)))
    subjects = {f"{kind}:{ident}" for kind, ids in by_kind for ident in ids}
    found = {}
    documents_on = chain.documents_on
    for kind, ids in by_kind:
        for ident in ids:
            for d in documents_on.get((kind, ident), ()):
                found[d.document_id] = d
    docs = [found[k] for k in sorted(found)]
    return Upstream(lots, procs, shipments, facilities, companies, docs, subjects)
