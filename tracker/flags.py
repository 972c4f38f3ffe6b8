"""The red flags of determination-v1 and v2: one pure function per flag code.

Each check takes an `EntryContext` (the entry, its computed origin, route,
and everything upstream) and returns findings. Checks whose facts span the
whole database (mass balance, capacity, timeline) compute them once in a
`prepare` function and keep, per entry, those about its upstream.
`CHECKS` is the registry, in the order the spec lists the codes;
MISSING_EVIDENCE runs last because the evidence rules look at whether any
high flag was raised.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable

from .audit import evidence_path
from .canonical import decimal_text, file_sha256
from .chain import SupplyChain
from .findings import Finding
from .measures import Measure
from .metal import KEYS, LABELS, NOTHING, LotMetal, declared_metal, metal_chapter
from .origin import Basis, LotOrigin
from .regimes import REGIME_NAMES, RegimeOrigin
from .regimes.preference import Preference
from .route import RouteEvent, Step, Upstream, entry_facilities
from .schemas import evidence_rules, flag_info

__all__ = ["EntryContext", "Check", "CHECKS", "run_checks"]

TOLERANCE = Decimal("1.02")  # a process may report up to 2% more out than in (moisture, rounding)


@dataclass
class EntryContext:
    chain: SupplyChain
    origins: dict[str, LotOrigin]
    entry: Any  # the entry row
    computed: str | None
    basis: Basis
    line: list[str]  # main line, newest first
    events: list[RouteEvent]
    route: list[str]
    steps: dict[str, list[Step]]
    pass_through: set[str]
    upstream: Upstream
    measures: list[Measure]  # covering the entry's HTS on its date
    shared: dict[str, Any]  # what each check's `prepare` computed, by code
    evidence_store: Path | None = None
    regimes: dict[str, RegimeOrigin] = field(default_factory=dict)  # determination-v2: origin per regime
    preference: Preference | None = None
    findings: list[Finding] = field(default_factory=list)
    metal: LotMetal = NOTHING  # the entry lot's metal provenance (tracker.metal)

    @property
    def declared(self) -> str:
        return self.entry.declared_origin

    @property
    def duty_origin(self) -> str | None:
        """The `adcvd` origin: the substantial-transformation origin duties follow (v2 §6)."""
        r = self.regimes.get("adcvd")
        return r.origin if r else self.computed

    def regime_origin(self, regime: str) -> str | None:
        r = self.regimes.get(regime)
        return r.origin if r else self.computed

    @property
    def marking_basis(self) -> str:
        r = self.regimes.get("marking")
        return r.basis if r else self.basis.text()

    @property
    def entry_subject(self) -> str:
        return f"entry:{self.entry.entry_number}"


def _finding(code: str, message: str, *subjects: str) -> Finding:
    return Finding(code, flag_info()[code]["severity"], message, tuple(subjects))


def _qty(q: Decimal) -> str:
    """2400000 -> '2,400,000'; 0.5 -> '0.5'."""
    whole, _, frac = decimal_text(Decimal(q)).partition(".")
    return f"{int(whole):,}" + (f".{frac}" if frac else "")


# --- origin and route ---------------------------------------------------------------

def origin_mismatch(ctx: EntryContext) -> Iterable[Finding]:
    """determination-v2 §6: "the declared origin differs from the marking origin (its
    fallback when the marking origin is unresolved), or that origin is unknown"."""
    e = ctx.entry
    if ctx.computed is None:
        yield _finding("ORIGIN_MISMATCH", f"the origin of lot {e.lot_id} cannot be computed "
                       f"({ctx.marking_basis}); declared {ctx.declared}", ctx.entry_subject, f"lot:{e.lot_id}")
    elif ctx.computed != ctx.declared:
        yield _finding("ORIGIN_MISMATCH", f"declared {ctx.declared} but the supply chain gives "
                       f"{ctx.computed}: {ctx.marking_basis}", ctx.entry_subject, f"lot:{e.lot_id}")


def transshipment(ctx: EntryContext) -> Iterable[Finding]:
    """The declared country is a pass-through and the goods were made elsewhere
    (judged with the `adcvd` origin, determination-v2 §6)."""
    made = ctx.duty_origin
    if ctx.declared in ctx.pass_through and made not in (None, ctx.declared):
        what = _pass_through_text(ctx, ctx.declared)
        yield _finding("TRANSSHIPMENT", f"the goods only {what} in {ctx.declared}, the declared origin; "
                       f"they were made in {made}", ctx.entry_subject,
                       *_country_subjects(ctx, ctx.declared))


def minor_processing(ctx: EntryContext) -> Iterable[Finding]:
    """Only minor processing happened in the declared country (19 CFR 134.1(b); judged
    with the `adcvd` origin, determination-v2 §6)."""
    made = ctx.duty_origin
    steps = ctx.steps.get(ctx.declared, [])
    classes = {s.process_class for s in steps if s.kind == "process"}
    if "minor" in classes and "substantial" not in classes and made not in (None, ctx.declared):
        done = ", ".join(f"{s.process_type} at {s.facility_id}" for s in steps if s.process_class == "minor")
        yield _finding("MINOR_PROCESSING", f"in {ctx.declared} the goods only had minor processing "
                       f"({done}), which does not change their {made} origin", ctx.entry_subject,
                       *[s.subject for s in steps if s.process_class == "minor"])


def transit_hop(ctx: EntryContext) -> Iterable[Finding]:
    for country in ctx.route:
        if country in ctx.pass_through and country not in (ctx.declared, "US"):
            yield _finding("TRANSIT_HOP", f"the goods passed through {country} ({_pass_through_text(ctx, country)})",
                           ctx.entry_subject, *_country_subjects(ctx, country))


def _pass_through_text(ctx: EntryContext, country: str) -> str:
    steps = ctx.steps.get(country, [])
    if steps:
        return "had " + ", ".join(f"{s.process_type} at {s.facility_id}" for s in steps) + " (nothing made)"
    return "arrived and left"


def _country_subjects(ctx: EntryContext, country: str) -> list[str]:
    return [f"facility:{fid}" for fid in _route_facilities(ctx, country)]


# --- trade measures -------------------------------------------------------------------

# The regime whose origin a measure of each kind turns on (determination-v2 §6);
# 232 and 201 measures do not turn on origin and never raise ORDER_EXPOSURE.
MEASURE_REGIME = {"301": "section_301", "AD": "adcvd", "CVD": "adcvd"}


def order_exposure(ctx: EntryContext) -> Iterable[Finding]:
    """determination-v2 §6: "an AD, CVD or 301 measure in effect on the entry date covers the
    entry's HTS for the origin of the measure's regime (`section_301` for `301`, `adcvd` for
    `AD` and `CVD`) but not for the declared origin"."""
    on_declared = {m.measure_id for m in ctx.measures if m.country == ctx.declared}
    exposed: dict[str, list[Measure]] = defaultdict(list)
    for m in ctx.measures:
        regime = MEASURE_REGIME.get(m.kind)
        if regime is None:
            continue
        origin = ctx.regime_origin(regime)
        if origin is not None and origin != ctx.declared and m.country == origin and m.measure_id not in on_declared:
            exposed[origin].append(m)
    for origin, ms in sorted(exposed.items()):
        names = ", ".join(sorted({m.label() for m in ms}))
        regimes = sorted({REGIME_NAMES[MEASURE_REGIME[m.kind]] for m in ms})
        yield _finding("ORDER_EXPOSURE", f"HTS {ctx.entry.hts} from {origin} ({' and '.join(regimes)} origin) is "
                       f"covered by {names}, which do not apply to the declared {ctx.declared}",
                       ctx.entry_subject, *sorted({f"measure:{m.measure_id}" for m in ms}))


def circumvention_risk(ctx: EntryContext) -> Iterable[Finding]:
    """Half or more of the raw inputs' value comes from a country under an AD/CVD order on
    the product (judged with the `adcvd` origin, determination-v2 §6)."""
    orders = [m for m in ctx.measures if m.is_order]
    ordered_countries = {m.country for m in orders}
    made = ctx.duty_origin
    if made is None or made in ordered_countries or not ordered_countries:
        return
    chain, up = ctx.chain, ctx.upstream
    raw = [x for x in up.lots if not chain.inputs_of.get(chain.made_by.get(x, ""), ())]
    raw = [x for x in raw if x != ctx.entry.lot_id]
    if not raw:
        return
    used = {x: sum((pl.quantity for pl in chain.used_by.get(x, ()) if pl.process_id in up.processes),
                   Decimal(0)) for x in raw}
    by_value = all(chain.lots[x].unit_value_usd is not None for x in raw)
    weight = {x: used[x] * chain.lots[x].unit_value_usd if by_value else used[x] for x in raw}
    total = sum(weight.values(), Decimal(0))
    if not total:
        return
    share: dict[str | None, Decimal] = defaultdict(Decimal)
    for x in raw:
        share[ctx.origins[x].country] += weight[x]
    for country in sorted(c for c in share if c in ordered_countries):
        if share[country] * 2 >= total:
            measure = ", ".join(sorted({m.label() for m in orders if m.country == country}))
            pct = share[country] * 100 / total
            yield _finding("CIRCUMVENTION_RISK", f"{pct:.0f}% of the {'value' if by_value else 'quantity'} "
                           f"of the raw inputs comes from {country}, under {measure}; the goods are "
                           f"entered as {made}", ctx.entry_subject,
                           *sorted(f"lot:{x}" for x in raw if ctx.origins[x].country == country))


def new_facility(ctx: EntryContext) -> Iterable[Finding]:
    if not ctx.measures:
        return
    for fid in _route_facilities(ctx, ctx.declared):
        f = ctx.chain.facilities[fid]
        if f.established_on is None:
            continue
        older = [m for m in ctx.measures if m.effective_on < f.established_on]
        if older:
            first = min(older, key=lambda m: m.effective_on)
            yield _finding("NEW_FACILITY", f"{fid} in {f.country} began operating on {f.established_on}, "
                           f"after {first.label()} took effect on {first.effective_on}",
                           ctx.entry_subject, f"facility:{fid}")


def related_party(ctx: EntryContext) -> Iterable[Finding]:
    under = {m.country for m in ctx.measures} - {ctx.declared}
    if not under:
        return
    chain = ctx.chain
    for fid in _route_facilities(ctx, ctx.declared):
        cid, seen, path = chain.facilities[fid].company_id, set(), []
        while cid and cid in chain.companies and cid not in seen:
            seen.add(cid)
            company = chain.companies[cid]
            path.append(f"{cid} ({company.country})")
            if company.country in under:
                yield _finding("RELATED_PARTY", f"{fid} is operated under the ownership chain "
                               f"{' <- '.join(path)}; {company.country} is under a measure on HTS "
                               f"{ctx.entry.hts}", ctx.entry_subject, f"facility:{fid}", f"company:{cid}")
                break
            cid = company.parent_company_id


def _route_facilities(ctx: EntryContext, country: str) -> list[str]:
    out: list[str] = []
    for ev in ctx.events:
        for fid, c in ((ev.facility_id, ev.country), (ev.to_facility_id, ev.to_country)):
            if fid and c == country and fid not in out:
                out.append(fid)
    return out


# --- Section 232: the metal's own origin ------------------------------------------------------

def _under_232(ctx: EntryContext, metal: str) -> list[Measure]:
    """The 232 measures covering the entry that are about `metal` (or name no metal)."""
    return [m for m in ctx.measures if m.kind == "232" and m.metal in (metal, None)]


def _lots_upstream(ctx: EntryContext, wanted: Callable[[Any], bool]) -> list[str]:
    lots = ctx.chain.lots
    return [f"lot:{x}" for x in sorted(ctx.upstream.lots) if wanted(lots[x])]


def _chapter_of(ctx: EntryContext, lot: Any) -> str | None:
    item = ctx.chain.items.get(lot.item_id)
    return metal_chapter(item.hts if item else None)


def metal_provenance_unknown(ctx: EntryContext) -> Iterable[Finding]:
    """determination-v2 §8: "the entry's HTS is under a `232` measure in effect and, on some
    path upstream, no lot of an item of HTS chapter 72 or 73 states `melt_pour_country`
    (steel), or no lot of an item of chapter 76 states `smelt_country` and `cast_country`
    (aluminum)". The entry's own HTS counts as the metal of its lot."""
    if not any(m.kind == "232" for m in ctx.measures):
        return
    own, metal, hts = metal_chapter(ctx.entry.hts), ctx.metal, ctx.entry.hts
    for name, (untraced, unstated, what, lacking) in _UNTRACED.items():
        under = _under_232(ctx, name)
        if under and (untraced(metal) or (own == name and unstated(metal))):
            names = ", ".join(sorted({m.measure_id for m in under}))
            yield _finding("METAL_PROVENANCE_UNKNOWN", f"HTS {hts} is under {names}, but on a path upstream no "
                           f"{what}", ctx.entry_subject,
                           *_lots_upstream(ctx, lambda lot: _chapter_of(ctx, lot) == name and lacking(lot)))


# metal -> (some path holding it is untraced, some path states nothing, what no lot states, a lot lacking it)
_UNTRACED: dict[str, tuple[Callable, Callable, str, Callable]] = {
    "steel": (lambda m: m.steel_untraced, lambda m: m.any_path_unstated_steel,
              "steel lot states where the steel was melted and poured (the mill certificate gives it)",
              lambda lot: not lot.melt_pour_country),
    "aluminum": (lambda m: m.aluminum_untraced, lambda m: m.any_path_unstated_aluminum,
                 "aluminum lot states where its primary aluminum was smelted and where it was cast",
                 lambda lot: not (lot.smelt_country and lot.cast_country)),
}


def metal_provenance_mismatch(ctx: EntryContext) -> Iterable[Finding]:
    """determination-v2 §8: "a country the entry declares for melt and pour, smelt or cast is
    not among those traced upstream, or one traced is not declared". Judged when the entry
    declares any of them, or is under a `232` measure (which makes declaring them due)."""
    e = ctx.entry
    said_any = e.melt_pour_country or e.smelt_country or e.secondary_smelt_country or e.cast_country
    if not said_any and (ctx.metal is NOTHING or not any(m.kind == "232" for m in ctx.measures)):
        return
    declared = declared_metal(e)
    problems = []
    for key in KEYS:
        traced, said = ctx.metal.of(key), declared[key]
        if said and said not in traced:
            problems.append(f"declared {LABELS[key]} country {said}, traced "
                            f"{', '.join(sorted(traced)) or 'none'}")
        missing = sorted(traced - {said})
        if missing:
            problems.append(f"traced {LABELS[key]} country {', '.join(missing)} not declared")
    if problems:
        yield _finding("METAL_PROVENANCE_MISMATCH", "; ".join(problems), ctx.entry_subject)


def russian_aluminum(ctx: EntryContext) -> Iterable[Finding]:
    """determination-v2 §8: "a smelt or cast country upstream of an entry under a `232`
    aluminum measure is RU" (headings 9903.85.67 and 9903.85.68: 200%)."""
    if ctx.metal is NOTHING or not _under_232(ctx, "aluminum"):
        return
    where = [LABELS[k] for k in ("smelt", "secondary_smelt", "cast") if "RU" in ctx.metal.of(k)]
    if where:
        yield _finding("RUSSIAN_ALUMINUM", f"the aluminum upstream was {' and '.join(where)} in Russia: "
                       "Section 232 duty of 200% (headings 9903.85.67 and 9903.85.68)", ctx.entry_subject,
                       *_lots_upstream(ctx, lambda lot: "RU" in (lot.smelt_country, lot.secondary_smelt_country,
                                                                 lot.cast_country)))


# --- quantities and dates ----------------------------------------------------------------

def entered_at(chain: SupplyChain) -> dict[str, list]:
    out: dict[str, list] = defaultdict(list)
    for e in chain.entries:
        out[e.lot_id].append(e)
    return out


def lot_balance(chain: SupplyChain, lot_id: str, entered: list) -> dict[str, tuple[Decimal, dict[str, Decimal]]]:
    """facility -> (made or arrived there, {consumed|shipped|entered: quantity that left})."""
    lot = chain.lots[lot_id]
    arrived: dict[str, Decimal] = {lot.facility_id: lot.quantity}
    left: dict[str, dict[str, Decimal]] = {}

    def leave(fid: str, way: str, q: Decimal) -> None:
        ways = left.setdefault(fid, {})
        ways[way] = ways.get(way, 0) + q

    for s in chain.shipments_of.get(lot_id, ()):
        arrived[s.to_facility_id] = arrived.get(s.to_facility_id, 0) + s.quantity
        leave(s.from_facility_id, "shipped", s.quantity)
    for pl in chain.used_by.get(lot_id, ()):
        leave(chain.processes[pl.process_id].facility_id, "consumed", pl.quantity)
    if entered:
        where = entry_facilities(chain, lot_id)[0]
        for e in entered:
            leave(where, "entered", e.quantity)
    return {f: (Decimal(arrived.get(f, 0)), left.get(f, {})) for f in arrived.keys() | left.keys()}


def process_balance(chain: SupplyChain, pid: str) -> dict[str | None, tuple[Decimal, Decimal]]:
    """unit -> (inputs, outputs) of a process, for units both sides share."""
    ins: dict[str | None, Decimal] = defaultdict(Decimal)
    outs: dict[str | None, Decimal] = defaultdict(Decimal)
    for pl in chain.inputs_of.get(pid, ()):
        ins[chain.unit_of(pl.lot_id)] += pl.quantity
    for pl in chain.outputs_of.get(pid, ()):
        outs[chain.unit_of(pl.lot_id)] += pl.quantity
    return {u: (ins[u], outs[u]) for u in sorted(set(ins) & set(outs), key=str)}


def prepare_mass_balance(chain: SupplyChain) -> dict[str, list[Finding]]:
    """Every lot's in and out at every facility, and every process's in and out per unit."""
    out: list[Finding] = []
    entered = entered_at(chain)
    for lot_id in chain.lots:
        unit = chain.unit_of(lot_id) or ""
        for fid, (arrived, ways) in sorted(lot_balance(chain, lot_id, entered.get(lot_id, [])).items()):
            total = sum(ways.values(), Decimal(0))
            if total > arrived:
                how = ", ".join(f"{k} {_qty(v)}" for k, v in ways.items())
                out.append(_finding("MASS_BALANCE", f"at {fid}, {_qty(total)} {unit} of lot {lot_id} left "
                                    f"({how}) but only {_qty(arrived)} was made or arrived there",
                                    f"lot:{lot_id}", f"facility:{fid}"))
    for pid in chain.processes:
        for unit, (ins, outs) in process_balance(chain, pid).items():
            if outs > ins * TOLERANCE:
                out.append(_finding("MASS_BALANCE", f"process {pid} made {_qty(outs)} {unit} from "
                                    f"{_qty(ins)} {unit} of inputs, more than the 2% allowed",
                                    f"process:{pid}"))
    return _about(out)


def _about(findings: list[Finding]) -> dict[str, list[Finding]]:
    """Database-wide findings by their first subject, so an entry looks up only its own."""
    out: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        out[f.subjects[0]].append(f)
    return out


def _upstream_findings(ctx: EntryContext, by_subject: dict[str, list[Finding]]) -> list[Finding]:
    if len(by_subject) < len(ctx.upstream.subjects):
        return [f for subject, fs in by_subject.items() if subject in ctx.upstream.subjects for f in fs]
    return [f for subject in ctx.upstream.subjects for f in by_subject.get(subject, ())]


def mass_balance(ctx: EntryContext) -> Iterable[Finding]:
    return _upstream_findings(ctx, ctx.shared["MASS_BALANCE"])


def _made_on(chain: SupplyChain, lot_id: str):
    lot = chain.lots[lot_id]
    if lot.produced_on:
        return lot.produced_on
    pid = chain.made_by.get(lot_id)
    return chain.processes[pid].completed_on if pid else None


def output_by_year(chain: SupplyChain) -> dict[tuple[str, int], Decimal]:
    """(facility, calendar year) -> output completed there, for facilities with a capacity.

    Output is what processes at the facility made (their output lots, in the
    capacity unit), by the year the process completed. Lots merely received
    or first recorded there are not production and do not count.
    """
    made: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for pid, p in chain.processes.items():
        f = chain.facilities[p.facility_id]
        if f.annual_capacity is None:
            continue
        for pl in chain.outputs_of.get(pid, ()):
            if chain.unit_of(pl.lot_id) == f.capacity_unit:
                made[(f.facility_id, p.completed_on.year)] += pl.quantity
    return made


def prepare_capacity(chain: SupplyChain) -> dict[tuple[str, int], Finding]:
    """Output per facility and year (`output_by_year`) against its annual_capacity."""
    made = output_by_year(chain)
    out = {}
    for (fid, year), total in made.items():
        f = chain.facilities[fid]
        if total > f.annual_capacity:
            out[(fid, year)] = _finding("CAPACITY", f"{fid} made {_qty(total)} {f.capacity_unit} in {year}, "
                                        f"more than its annual capacity of {_qty(f.annual_capacity)}",
                                        f"facility:{fid}")
    return out


def capacity(ctx: EntryContext) -> Iterable[Finding]:
    over = ctx.shared["CAPACITY"]
    if not over:
        return []
    found = {}
    for pid in sorted(ctx.upstream.processes):
        p = ctx.chain.processes[pid]
        key = (p.facility_id, p.completed_on.year)
        if key in over and key not in found:
            f = over[key]
            found[key] = Finding(f.code, f.severity, f.message, f.subjects + (f"process:{pid}",))
    return list(found.values())


def prepare_timeline(chain: SupplyChain) -> dict[str, list[Finding]]:
    """Dates that cannot be true, anywhere in the database."""
    out: list[Finding] = []

    def add(message: str, *subjects: str) -> None:
        out.append(_finding("TIMELINE", message, *subjects))

    for pid, p in chain.processes.items():
        if p.started_on and p.completed_on < p.started_on:
            add(f"process {pid} completes on {p.completed_on}, before it starts on {p.started_on}", f"process:{pid}")
        for pl in chain.outputs_of.get(pid, ()):
            made = chain.lots[pl.lot_id].produced_on
            if made and p.started_on and made < p.started_on:
                add(f"lot {pl.lot_id} is dated {made}, before process {pid} that made it started on "
                    f"{p.started_on}", f"lot:{pl.lot_id}", f"process:{pid}")
        for pl in chain.inputs_of.get(pid, ()):
            lot = chain.lots[pl.lot_id]
            if lot.produced_on and p.completed_on < lot.produced_on:
                add(f"lot {pl.lot_id} is used by process {pid} on {p.completed_on}, before it was produced "
                    f"on {lot.produced_on}", f"lot:{pl.lot_id}", f"process:{pid}")
            if lot.facility_id != p.facility_id:
                arrivals = [s.arrived_on or s.shipped_on for s in chain.shipments_of.get(pl.lot_id, ())
                            if s.to_facility_id == p.facility_id]
                if arrivals and min(arrivals) > p.completed_on:
                    add(f"lot {pl.lot_id} is used at {p.facility_id} by process {pid} on {p.completed_on}, "
                        f"before it arrived there on {min(arrivals)}", f"lot:{pl.lot_id}", f"process:{pid}")
    for lot_id, ships in chain.shipments_of.items():
        lot = chain.lots[lot_id]
        made = _made_on(chain, lot_id)
        for s in ships:
            subject = f"shipment:{s.shipment_id}"
            if s.arrived_on and s.arrived_on < s.shipped_on:
                add(f"shipment {s.shipment_id} arrives on {s.arrived_on}, before it leaves on {s.shipped_on}",
                    subject, f"lot:{lot_id}")
            if made and s.shipped_on < made:
                add(f"lot {lot_id} is shipped on {s.shipped_on} ({s.shipment_id}), before it was produced "
                    f"on {made}", subject, f"lot:{lot_id}")
            if s.from_facility_id != lot.facility_id:
                arrivals = [t.arrived_on or t.shipped_on for t in ships if t.to_facility_id == s.from_facility_id]
                if arrivals and min(arrivals) > s.shipped_on:
                    add(f"lot {lot_id} leaves {s.from_facility_id} on {s.shipped_on} ({s.shipment_id}), "
                        f"before it arrived there on {min(arrivals)}", subject, f"lot:{lot_id}")
    return _about(out)


def timeline(ctx: EntryContext) -> Iterable[Finding]:
    out = _upstream_findings(ctx, ctx.shared["TIMELINE"])
    e, chain = ctx.entry, ctx.chain
    made = _made_on(chain, e.lot_id)
    if made and e.entry_date < made:
        out.append(_finding("TIMELINE", f"entry {e.entry_number} is dated {e.entry_date}, before lot "
                            f"{e.lot_id} was produced on {made}", ctx.entry_subject, f"lot:{e.lot_id}"))
    where = set(entry_facilities(chain, e.lot_id))
    arrivals = [s.arrived_on or s.shipped_on for s in chain.shipments_of.get(e.lot_id, ())
                if s.to_facility_id in where]
    if arrivals and min(arrivals) > e.entry_date:
        out.append(_finding("TIMELINE", f"entry {e.entry_number} is dated {e.entry_date}, before lot "
                            f"{e.lot_id} arrived on {min(arrivals)}", ctx.entry_subject, f"lot:{e.lot_id}"))
    return out


def untraced_input(ctx: EntryContext) -> Iterable[Finding]:
    for lot_id in sorted(ctx.upstream.lots):
        if ctx.origins[lot_id].country is None and ctx.origins[lot_id].basis.lot_id == lot_id:
            yield _finding("UNTRACED_INPUT", f"lot {lot_id} has no recorded inputs and no origin_country: "
                           "where it came from is unknown", f"lot:{lot_id}")


# --- documents ---------------------------------------------------------------------------

def doc_conflict(ctx: EntryContext) -> Iterable[Finding]:
    e = ctx.entry
    for d in ctx.upstream.documents:
        if d.stated_origin:
            computed = _origins_covered(ctx, d)
            wrong = sorted({c for c in computed if c is not None and c != d.stated_origin})
            if wrong:
                yield _finding("DOC_CONFLICT", f"{d.doc_type} {d.document_id} ({d.reference_no or 'no number'}) "
                               f"states origin {d.stated_origin}, but {d.covers_type} {d.covers_id} is of "
                               f"{', '.join(wrong)} origin", f"document:{d.document_id}",
                               f"{d.covers_type}:{d.covers_id}")
        if d.issued_on and d.issued_on > e.entry_date:
            yield _finding("DOC_CONFLICT", f"{d.doc_type} {d.document_id} is dated {d.issued_on}, after entry "
                           f"{e.entry_number} of {e.entry_date} that it supports", f"document:{d.document_id}",
                           ctx.entry_subject)


def _origins_covered(ctx: EntryContext, doc) -> set[str | None]:
    """The origin of what a document covers: the marking origin for the entry and its lot
    (determination-v2 §6), the substantial-transformation origin for lots upstream."""
    chain, kind, ident = ctx.chain, doc.covers_type, doc.covers_id
    if kind == "entry":
        return {ctx.computed} if ident == ctx.entry.entry_number else set()
    if kind == "lot" and ident == ctx.entry.lot_id:
        return {ctx.computed}
    if kind == "lot":
        return {ctx.origins[ident].country} if ident in ctx.origins else set()
    if kind == "shipment":
        return {ctx.origins[s.lot_id].country for s in ctx.upstream.shipments if s.shipment_id == ident}
    if kind == "process":
        return {ctx.origins[pl.lot_id].country for pl in chain.outputs_of.get(ident, ())}
    return set()  # a company or facility has no origin to state


def prepare_tampering(chain: SupplyChain) -> dict[str, bool]:
    return {}  # sha256 -> file still matches; filled lazily, once per file per run


def doc_tampered(ctx: EntryContext) -> Iterable[Finding]:
    if ctx.evidence_store is None:
        return
    cache: dict[str, bool] = ctx.shared["DOC_TAMPERED"]
    for d in ctx.upstream.documents:
        if not (d.stored and d.sha256):
            continue
        if d.sha256 not in cache:
            path = evidence_path(ctx.evidence_store, d.sha256)
            cache[d.sha256] = path.is_file() and file_sha256(path) == d.sha256
        if not cache[d.sha256]:
            yield _finding("DOC_TAMPERED", f"the file of {d.doc_type} {d.document_id} ({d.file}) no longer "
                           f"matches its recorded SHA-256 {d.sha256[:12]}...", f"document:{d.document_id}")


def missing_documents(ctx: EntryContext) -> dict[tuple[str, str], list[str]]:
    """(kind, id) -> the document types the evidence rules require and the records lack."""
    chain, up, e = ctx.chain, ctx.upstream, ctx.entry
    high = any(f.severity == "high" for f in ctx.findings if f.code != "MISSING_EVIDENCE")
    conditions = {"preference_claimed": bool(e.preference_program), "high_flag": high}
    raw = sorted(x for x in up.lots if not chain.inputs_of.get(chain.made_by.get(x, ""), ()))
    subjects = {
        "entry": [("entry", e.entry_number)],
        "shipment": sorted({("shipment", s.shipment_id) for s in up.shipments}),
        "process": sorted(("process", p) for p in up.processes),
        "raw_lot": [("lot", x) for x in raw],
    }
    missing: dict[tuple[str, str], list[str]] = defaultdict(list)
    held: dict[tuple[str, str], set[str]] = {}
    for rule in evidence_rules():
        when = rule.get("when")
        if when and not any(conditions.get(c) for c in when):
            continue
        for subject in subjects.get(rule["subject"], ()):
            have = held.get(subject)
            if have is None:
                have = held[subject] = {d.doc_type for d in chain.documents_on.get(subject, ())}
            kind, ident = subject
            if rule.get("all_of"):
                missing[(kind, ident)].extend(t for t in rule["all_of"] if t not in have)
            if rule.get("any_of") and not have.intersection(rule["any_of"]):
                missing[(kind, ident)].append(" or ".join(rule["any_of"]))
    return {k: v for k, v in missing.items() if v}


def missing_evidence(ctx: EntryContext) -> Iterable[Finding]:
    for (kind, ident), docs in missing_documents(ctx).items():
        yield _finding("MISSING_EVIDENCE", f"{kind} {ident} has no {', '.join(docs)}", f"{kind}:{ident}")


# --- regimes and preference (determination-v2) -------------------------------------------

def regime_split(ctx: EntryContext) -> Iterable[Finding]:
    """determination-v2 §6: "the origins of the regimes differ (say which and why)"."""
    if len({r.origin for r in ctx.regimes.values()}) < 2:
        return
    parts = [f"{REGIME_NAMES[k]} {r.origin or 'unknown'} ({r.rule}: {r.basis})" for k, r in ctx.regimes.items()]
    yield _finding("REGIME_SPLIT", "the regimes give different origins: " + "; ".join(parts),
                   ctx.entry_subject, f"lot:{ctx.entry.lot_id}")


def origin_unresolved(ctx: EntryContext) -> Iterable[Finding]:
    """determination-v2 §6: "a regime's origin is `unresolved`: name the missing facts (an
    input's HTS, a value)". An unknown substantial-transformation origin is already
    UNTRACED_INPUT and ORIGIN_MISMATCH; this flag is for the facts Part 102 and 102.21 need."""
    by_missing: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for key, r in ctx.regimes.items():
        if r.status == "unresolved" and r.law != "substantial":
            by_missing[r.missing].append(key)
    for missing, keys in by_missing.items():
        first = ctx.regimes[keys[0]]
        yield _finding("ORIGIN_UNRESOLVED", f"{' and '.join(REGIME_NAMES[k] for k in keys)} origin unresolved "
                       f"under {first.rule}: missing {'; '.join(missing) or 'a fact'}; "
                       f"{first.origin or 'no'} origin by substantial transformation stands in",
                       ctx.entry_subject, f"lot:{ctx.entry.lot_id}")


def preference_ineligible(ctx: EntryContext) -> Iterable[Finding]:
    """determination-v2 §6: "a preference is claimed and the marking origin is not a party to
    the program"."""
    p = ctx.preference
    if p is not None and not p.eligible:
        parties = ", ".join(p.parties) or "none known"
        yield _finding("PREFERENCE_INELIGIBLE", f"{p.program} is claimed but the goods are of "
                       f"{ctx.computed or 'unknown'} origin for marking, not a party to it ({parties}; "
                       f"{p.citation})", ctx.entry_subject)


def cert_defective(ctx: EntryContext) -> Iterable[Finding]:
    """determination-v2 §6: "the certificate for a claimed program lacks a required element, has a
    certifier the program does not allow, a blanket period too long or not covering the entry
    date, is signed after the entry date, or names a program other than the one claimed".
    No certificate at all is MISSING_EVIDENCE's."""
    p = ctx.preference
    if p is None or p.certificate is None or not p.problems:
        return
    yield _finding("CERT_DEFECTIVE", f"{p.program} certificate {p.certificate} ({p.kind}): " +
                   "; ".join(x.split(": ", 1)[-1] for x in p.problems),
                   f"document:{p.certificate}", ctx.entry_subject)


@dataclass(frozen=True)
class Check:
    code: str
    run: Callable[[EntryContext], Iterable[Finding]]
    prepare: Callable[[SupplyChain], Any] | None = None


CHECKS: tuple[Check, ...] = (
    Check("ORIGIN_MISMATCH", origin_mismatch),
    Check("TRANSSHIPMENT", transshipment),
    Check("MINOR_PROCESSING", minor_processing),
    Check("ORDER_EXPOSURE", order_exposure),
    Check("CIRCUMVENTION_RISK", circumvention_risk),
    Check("MASS_BALANCE", mass_balance, prepare_mass_balance),
    Check("CAPACITY", capacity, prepare_capacity),
    Check("TIMELINE", timeline, prepare_timeline),
    Check("NEW_FACILITY", new_facility),
    Check("RELATED_PARTY", related_party),
    Check("TRANSIT_HOP", transit_hop),
    Check("UNTRACED_INPUT", untraced_input),
    Check("DOC_CONFLICT", doc_conflict),
    Check("DOC_TAMPERED", doc_tampered, prepare_tampering),
    Check("REGIME_SPLIT", regime_split),
    Check("ORIGIN_UNRESOLVED", origin_unresolved),
    Check("PREFERENCE_INELIGIBLE", preference_ineligible),
    Check("CERT_DEFECTIVE", cert_defective),
    Check("METAL_PROVENANCE_UNKNOWN", metal_provenance_unknown),
    Check("METAL_PROVENANCE_MISMATCH", metal_provenance_mismatch),
    Check("RUSSIAN_ALUMINUM", russian_aluminum),
    Check("MISSING_EVIDENCE", missing_evidence),  # last: its rules look at the high flags above
)


def prepare_all(chain: SupplyChain) -> dict[str, Any]:
    return {c.code: c.prepare(chain) for c in CHECKS if c.prepare}


def run_checks(ctx: EntryContext) -> list[Finding]:
    for check in CHECKS:
        ctx.findings.extend(check.run(ctx))
    return ctx.findings
