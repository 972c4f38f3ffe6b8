"""What to ask one supplier: its part of the chains behind the entries, and what is missing there.

A supplier is a company (its facilities and those of its subsidiaries) or one
facility. Its part of an entry's upstream is what it can speak for:

- the lots made or first recorded at its facilities, or made by its processes;
- its processes, with the lots they consumed (named by id only) and made;
- the shipments that left its facilities (the sender holds the bill of lading
  and the invoice; a shipment *into* its facilities is the sender's record);
- its facilities and companies, the items of its lots, and the documents
  held on any of these.

What is missing there is what `check` would find: the documents the evidence
rules require (`missing_documents`, as MISSING_EVIDENCE computes them), the
facts of `schemas/requests.toml` left empty, and, for a lot with no recorded
inputs whose origin is unknown (as UNTRACED_INPUT says), where it came from:
the supplier gives its origin or names its own supplier. Nothing else leaves
the database: no other party's rows, values or documents, no flags, no
computed origins, no entry numbers.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..audit import row_key
from ..determination import Determination
from ..findings import NotFound, TrackerError
from ..flags import _qty as quantity_text  # 2400000 -> '2,400,000': one wording everywhere
from ..flags import missing_documents
from ..schemas import schema_path
from ..values import country_name

__all__ = ["Supplier", "Ask", "RequestPlan", "find_supplier", "plan_request", "SUPPLIER_SHEETS",
           "asked_facts", "doc_words"]

# The sheets a supplier fills in; Entries, TradeMeasures and Rulings are the importer's.
SUPPLIER_SHEETS = ("Companies", "Facilities", "Items", "Lots", "Processes", "ProcessLots", "Shipments",
                   "Documents")
_TABLE_SHEET = {"company": "Companies", "facility": "Facilities", "item": "Items", "lot": "Lots",
                "process": "Processes", "process_lot": "ProcessLots", "shipment": "Shipments",
                "document": "Documents"}


@cache
def asked_facts() -> dict[str, dict[str, str]]:
    """table -> column -> the words a request uses for it (schemas/requests.toml)."""
    with schema_path("requests.toml").open("rb") as fh:
        return tomllib.load(fh)["facts"]


@dataclass(frozen=True)
class Supplier:
    kind: str  # company | facility
    id: str
    name: str
    facilities: frozenset[str]
    companies: frozenset[str]


@dataclass(frozen=True)
class Ask:
    """One thing asked: `kind` document (detail: doc types, any of, joined by |),
    fact (detail: the column) or source (where a raw lot came from)."""

    kind: str
    subject_type: str
    subject_id: str
    detail: str
    text: str
    sheet: str  # where the answer goes
    column: str | None = None


@dataclass
class RequestPlan:
    supplier: Supplier
    entries: list[str]
    importers: list[str]
    rows: dict[str, list[dict]] = field(default_factory=dict)  # sheet -> rows pre-filled
    asks: list[Ask] = field(default_factory=list)
    preference: bool = False  # an entry asked about claims a preference program (its certificate is asked)

    def row_keys(self) -> dict[str, list[str]]:
        """table -> keys of the rows sent, except Items: an item is shared by every supplier
        of it, so a change to one always needs the importer's confirmation."""
        out = {}
        for table, sheet in _TABLE_SHEET.items():
            if table != "item" and self.rows.get(sheet):
                out[table] = sorted(row_key(table, r) for r in self.rows[sheet])
        return out


def find_supplier(d: Determination, company: str | None = None, facility: str | None = None) -> Supplier:
    chain = d.chain
    if (company is None) == (facility is None):
        raise TrackerError("name exactly one supplier: --company C or --facility F")
    if facility is not None:
        f = chain.facilities.get(facility)
        if f is None:
            raise NotFound(f"no facility {facility!r} in the database")
        return Supplier("facility", facility, f.name, frozenset({facility}),
                        frozenset({f.company_id} if f.company_id in chain.companies else ()))
    if company not in chain.companies:
        raise NotFound(f"no company {company!r} in the database")
    group = {company}
    for cid in chain.companies:  # subsidiaries at any depth: walk each company's owners
        seen, at = [cid], chain.companies[cid].parent_company_id
        while at and at not in seen:
            if at == company:
                group.add(cid)
                break
            seen.append(at)
            at = chain.companies[at].parent_company_id if at in chain.companies else None
    facilities = {fid for fid, f in chain.facilities.items() if f.company_id in group}
    return Supplier("company", company, chain.companies[company].name, frozenset(facilities), frozenset(group))


def _row(r: Any) -> dict:
    return {k: v for k, v in r._mapping.items() if k not in ("batch_id",)}


def doc_words(types: str) -> str:
    """'mill_certificate|certificate_of_origin' -> 'Mill certificate or certificate of origin'."""
    words = " or ".join(t.replace("_", " ") for t in types.split("|"))
    return words[:1].upper() + words[1:]


def plan_request(d: Determination, supplier: Supplier, entries: list[str] | None = None) -> RequestPlan:
    """The rows to pre-fill and the things to ask, over the entries named (default: every
    entry whose upstream touches the supplier)."""
    chain, S = d.chain, supplier.facilities
    lines = d.lines(entries)
    lots: set[str] = set()
    procs: set[str] = set()
    ships: dict[tuple[str, str], Any] = {}
    facs: set[str] = set()
    missing: dict[tuple[str, str], list[str]] = {}
    chosen: list[str] = []
    importers: list[str] = []
    claims_preference = False
    for e in lines:
        r = d.entry(e)
        up = r.context.upstream
        if not up.facilities & S:
            continue
        chosen.append(e.entry_number)
        if e.importer:
            importers.append(e.importer)
        claims_preference = claims_preference or bool(e.preference_program)
        facs |= up.facilities & S
        procs |= {p for p in up.processes if chain.processes[p].facility_id in S}
        made_here = {pl.lot_id for p in procs for pl in chain.outputs_of.get(p, ())}
        lots |= {x for x in up.lots if chain.lots[x].facility_id in S or x in made_here}
        for s in up.shipments:
            if s.from_facility_id in S:
                ships[(s.shipment_id, s.lot_id)] = s
        for subject, types in missing_documents(r.context).items():
            missing.setdefault(subject, [])
            missing[subject] += [t for t in types if t not in missing[subject]]
    if not chosen:
        which = f" among entries {', '.join(entries)}" if entries else ""
        raise NotFound(f"no entry's supply chain passes through {supplier.kind} {supplier.id} "
                       f"({supplier.name}){which}: nothing to ask it")
    plan = RequestPlan(supplier, sorted(set(chosen)), sorted(set(importers)), preference=claims_preference)
    ship_ids = {sid for sid, _ in ships}
    companies = {chain.facilities[f].company_id for f in facs} & supplier.companies
    if supplier.kind == "company":
        companies.add(supplier.id)
    plan.rows = {
        "Companies": [_row(chain.companies[c]) for c in sorted(companies)],
        "Facilities": [_row(chain.facilities[f]) for f in sorted(facs)],
        "Items": [_row(chain.items[i]) for i in sorted({chain.lots[x].item_id for x in lots})],
        "Lots": [_row(chain.lots[x]) for x in sorted(lots)],
        "Processes": [_row(chain.processes[p]) for p in sorted(procs)],
        "ProcessLots": [_row(pl) for p in sorted(procs)
                        for pl in chain.inputs_of.get(p, []) + chain.outputs_of.get(p, [])],
        "Shipments": [_row(ships[k]) for k in sorted(ships)],
    }
    subjects = ([("company", c) for c in companies] + [("facility", f) for f in facs]
                + [("lot", x) for x in lots] + [("process", p) for p in procs]
                + [("shipment", s) for s in ship_ids])
    plan.rows["Documents"] = [_row(doc) for subject in sorted(subjects)
                              for doc in chain.documents_on.get(subject, ())]
    plan.asks = _asks(d, supplier, plan, lots, procs, ships, facs, companies, missing)
    return plan


def _asks(d: Determination, supplier: Supplier, plan: RequestPlan, lots: set[str], procs: set[str],
          ships: dict, facs: set[str], companies: set[str], missing: dict) -> list[Ask]:
    chain, S = d.chain, supplier.facilities
    facts = asked_facts()

    def at(fid: str) -> str:
        f = chain.facilities[fid]
        return f.name if fid in S else f"{fid} ({country_name(f.country)})"

    def lot_words(x: str) -> str:
        lt = chain.lots[x]
        item = chain.items[lt.item_id]
        return f"lot {x} ({item.description}, {quantity_text(lt.quantity)} {item.unit})"

    def process_words(p: str) -> str:
        pr = chain.processes[p]
        return (f"process {p} ({pr.process_type.replace('_', ' ')}) at {at(pr.facility_id)}, "
                f"completed {pr.completed_on.isoformat()}")

    def shipment_words(sid: str) -> str:
        rows = [s for (i, _), s in sorted(ships.items()) if i == sid]
        s = rows[0]
        what = ", ".join(lot_words(r.lot_id) if r.lot_id in lots else f"lot {r.lot_id}" for r in rows)
        return (f"shipment {sid} of {what} from {at(s.from_facility_id)} to {at(s.to_facility_id)}, "
                f"shipped {s.shipped_on.isoformat()}")

    def placed_lot(x: str) -> str:
        lt = chain.lots[x]
        how = "made at" if x in chain.made_by else "received or recorded at"
        when = f" on {lt.produced_on.isoformat()}" if lt.produced_on else ""
        return f"{lot_words(x)} {how} {at(lt.facility_id)}{when}"

    words = {"lot": placed_lot, "process": process_words, "shipment": shipment_words,
             "facility": lambda f: f"{chain.facilities[f].name} ({f})",
             "company": lambda c: f"{chain.companies[c].name} ({c})"}

    def cap(text: str) -> str:
        return text[:1].upper() + text[1:]

    asks: list[Ask] = []
    mine = {"company": companies, "facility": facs, "lot": lots, "process": procs,
            "shipment": {sid for sid, _ in ships}}
    # Facts, sheet by sheet in the workbook's order.
    for table, ids in (("company", sorted(companies)), ("facility", sorted(facs)), ("lot", sorted(lots)),
                       ("process", sorted(procs)), ("shipment", sorted({sid for sid, _ in ships}))):
        for ident in ids:
            if table == "shipment":
                row_of = {c: next((getattr(s, c) for (i, _), s in ships.items()
                                   if i == ident and getattr(s, c) is not None), None) for c in facts[table]}
            else:
                source = {"company": chain.companies, "facility": chain.facilities, "lot": chain.lots,
                          "process": chain.processes}[table][ident]
                row_of = {c: getattr(source, c) for c in facts[table]}
            for column, phrase in facts[table].items():
                if row_of[column] is None:
                    asks.append(Ask("fact", table, ident, column, f"{cap(words[table](ident))}: {phrase}",
                                    _TABLE_SHEET[table], column))
    # Where the chain continues upstream of this supplier.
    for x in sorted(lots):
        o = d.origins[x]
        if o.country is None and o.basis.lot_id == x:
            asks.append(Ask("source", "lot", x, "origin_country",
                            f"Where {words['lot'](x)} came from: if you made it from materials of your own, "
                            "give the country in origin_country; if you bought it, name your supplier "
                            "(see 'If you bought it' above)", "Lots", "origin_country"))
    # Documents the evidence rules require, as MISSING_EVIDENCE computes them.
    for (kind, ident), types in sorted(missing.items()):
        if ident not in mine.get(kind, ()):
            continue
        for t in types:
            detail = "|".join(t.split(" or "))
            tail = ". If you bought this lot, ask your supplier for it" if kind == "lot" else ""
            asks.append(Ask("document", kind, ident, detail, f"{doc_words(detail)} for {words[kind](ident)}{tail}",
                            "Documents"))
    order = {"document": 0, "fact": 1, "source": 2}  # as the Request sheet lists them: papers first
    return sorted(asks, key=lambda a: order[a.kind])
