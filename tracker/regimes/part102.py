"""Goods of a USMCA country: their marking origin under 19 CFR 102 (determination-v2 §4).

A good is *of a USMCA country* when the last process on its main line whose
class is not `none` ran at a facility in Mexico or Canada (19 CFR 102.0 and
134.1(b): Part 102 decides the marking of goods of Canada and Mexico; a good
of the United States is not imported and is out of scope). Its marking origin
follows the 102.11 hierarchy:

(a)(1) wholly obtained or produced; (a)(2) produced exclusively from domestic
materials; (a)(3) each foreign material undergoes the tariff change of 102.20
for the good's HTS (from the HTS of each input's item), with 102.13 de
minimis (7% of value) and 102.17 (a change in end use, dismantling, simple
packing or repacking (`repackaging`), mere dilution (`mixing_dilution`),
collecting parts under GRI 2(a): such a process never makes the change, while
any other process makes it when the HTS of its inputs and output satisfy the
102.20 rule, simple assembly included unless the rule itself excludes it);
else (b) the origin of the single material that gives the good its essential
character (the `essential` input, else the input of highest value among those
that did not shift). Where an input's HTS or a value the rule needs is
missing, the marking origin is `unresolved` and falls back to the
substantial-transformation origin.

The foreign materials are the lots that entered production in that country:
walking upstream from the good through processes at facilities in the
country, every input not made there is a material.
"""

from __future__ import annotations

from typing import Any

from ..chain import SupplyChain
from . import RegimeOrigin
from .substantial import LotOrigin
from .tariff_shift import (NON_QUALIFYING, Material, ShiftInputError, ShiftResult, hts_text, no_change_from,
                           part102)

__all__ = ["USMCA_COUNTRIES", "usmca_producer", "decide"]

USMCA_COUNTRIES = ("MX", "CA")
_RULE = {"wholly_obtained": "19 CFR 102.11(a)(1)", "exclusively_domestic": "19 CFR 102.11(a)(2)",
         "tariff_shift": "19 CFR 102.11(a)(3)", "tariff_shift_de_minimis": "19 CFR 102.11(a)(3), 102.13"}


def usmca_producer(chain: SupplyChain, origins: dict[str, LotOrigin], lot_id: str) -> tuple[str, str] | None:
    """(process, country) of the last main-line process that is not `none`, when in MX or CA."""
    x, seen = lot_id, set()
    while x is not None and x not in seen:  # down the main line only as far as needed
        seen.add(x)
        pid = chain.made_by.get(x)
        if pid is None:
            return None
        if origins[x].process_class != "none":
            country = chain.country_of(chain.processes[pid].facility_id)
            return (pid, country) if country in USMCA_COUNTRIES else None
        x = origins[x].principal
    return None


def _production(chain: SupplyChain, lot_id: str, country: str) -> tuple[list[str], list[Any]]:
    """(processes in `country` that led to the lot, input rows of lots not made there)."""
    procs: list[str] = []
    materials: list[Any] = []
    stack, seen = [lot_id], {lot_id}
    while stack:
        pid = chain.made_by.get(stack.pop())
        if pid is None or pid in procs:
            continue
        procs.append(pid)
        for pl in chain.inputs_of.get(pid, ()):
            maker = chain.made_by.get(pl.lot_id)
            made_here = maker is not None and chain.country_of(chain.processes[maker].facility_id) == country
            if made_here:
                if pl.lot_id not in seen:
                    seen.add(pl.lot_id)
                    stack.append(pl.lot_id)
            else:
                materials.append(pl)
    return procs, materials


def decide(chain: SupplyChain, origins: dict[str, LotOrigin], lot_id: str, hts: str | None,
           fallback: RegimeOrigin) -> RegimeOrigin | None:
    """The marking origin of a good of a USMCA country, or None when the good is not one."""
    found = usmca_producer(chain, origins, lot_id)
    if found is None:
        return None
    pid, country = found
    p = chain.processes[pid]
    where = f"at {p.facility_id} ({country}) on {p.completed_on.isoformat()}"
    procs, rows = _production(chain, lot_id, country)
    materials, missing = _materials(chain, origins, rows)
    if not hts:
        missing.insert(0, f"the HTS of the good (lot {lot_id})")
    if missing:
        return _unresolved(fallback, tuple(missing))
    kinds = {chain.processes[x].process_type for x in procs} - _idle_types(chain, procs, origins)
    operation = NON_QUALIFYING[kinds.pop()] if len(kinds) == 1 and next(iter(kinds)) in NON_QUALIFYING else None
    good = chain.lots[lot_id]
    good_value = good.quantity * good.unit_value_usd if good.unit_value_usd is not None else None
    try:
        r = part102(hts, tuple(materials), country, good_value=good_value, operation=operation)
    except ShiftInputError as exc:
        return _unresolved(fallback, (str(exc),))
    if r.status == "resolved" and r.basis in _RULE:
        return RegimeOrigin("marking", r.origin, "resolved", _RULE[r.basis], _shift_text(r, hts, where),
                            (), r.tests, "part102")
    if r.status == "resolved" or r.reason in ("shift_not_satisfied", "non_qualifying_operation") \
            or r.non_qualifying:
        direct, lacking = _materials(chain, origins, chain.inputs_of.get(pid, ()))
        if lacking:
            return _unresolved(fallback, tuple(lacking), r.tests)
        return _essential_character(chain, pid, r, hts, direct, country, fallback, where)
    return _unresolved(fallback, (r.needed or r.reason or "a fact the 102.20 rule turns on",), r.tests)


def _materials(chain: SupplyChain, origins: dict[str, LotOrigin], rows: Any) -> tuple[list[Material], list[str]]:
    """(materials, what is missing) for process input rows: each lot's item HTS, origin and value."""
    materials: list[Material] = []
    missing: list[str] = []
    for pl in rows:
        lot = chain.lots[pl.lot_id]
        item = chain.items[lot.item_id]
        if not item.hts:
            missing.append(f"the HTS of item {item.item_id} (input lot {pl.lot_id})")
            continue
        value = pl.quantity * lot.unit_value_usd if lot.unit_value_usd is not None else None
        materials.append(Material(pl.lot_id, item.hts, origins[pl.lot_id].country, value))
    return materials, missing


def _idle_types(chain: SupplyChain, procs: list[str], origins: dict[str, LotOrigin]) -> set[str]:
    """Types of the processes that did nothing (class `none`): storage and transit make no change."""
    out = set()
    for x in procs:
        for pl in chain.outputs_of.get(x, ()):
            if pl.lot_id in origins and origins[pl.lot_id].process_class == "none":
                out.add(chain.processes[x].process_type)
    return out


def _shift_text(r: ShiftResult, hts: str, where: str) -> str:
    shifted = sorted({hts_text(t.hts_in)[:4] for t in r.tests if t.shifted})
    if r.basis in ("tariff_shift", "tariff_shift_de_minimis"):
        head = f"{', '.join(shifted) or 'the'} inputs shift to {hts_text(hts)[:4]} ({r.rule_id}: {r.reason})"
        return f"{head} {where}"
    return f"{r.rule_id}: {r.reason} {where}"


def _essential_character(chain: SupplyChain, pid: str, r: ShiftResult, hts: str, materials: list[Material],
                         country: str, fallback: RegimeOrigin, where: str) -> RegimeOrigin:
    """102.11(b): the single material that gives the good its essential character: the
    `essential` input where ProcessLots marks one, else the input of highest value among
    those that did not shift (determination-v2 §4). The candidates are the good's own
    materials (the inputs of the process that made it, self-produced ones included) that
    102.18(b)(1) admits: after a 102.17 operation every one, else those in a provision from
    which the 102.20 rule allows no change."""
    if r.non_qualifying:
        why = "102.17: a non-qualifying operation makes no change; "
        candidates = list(materials)
    else:
        why = "not every foreign material shifts (102.11(a)(3)); "
        blocked = no_change_from(hts, tuple(materials), country)
        candidates = [m for m in materials if m.lot_id in blocked]
    if not candidates:
        return _unresolved(fallback, (r.needed or "which material gives the good its essential character",),
                           r.tests)
    marked = chain.essential_of.get(pid)
    chosen = next((m for m in candidates if m.lot_id == marked), None)
    if chosen is not None:
        how = f"input {chosen.lot_id} is marked essential"
    elif len({m.country for m in candidates}) == 1:
        chosen = candidates[0]
        how = (f"{chosen.lot_id} ({hts_text(chosen.hts)}) is the only material in a provision from which "
               "no change is allowed" if len(candidates) == 1 else
               "every material that did not shift is of one country")
    else:
        lacking = sorted(m.lot_id for m in candidates if m.value is None)
        if lacking:
            return _unresolved(fallback, tuple(f"the unit_value_usd of lot {k}" for k in lacking), r.tests)
        chosen = max(candidates, key=lambda m: (m.value, m.lot_id))
        how = f"{chosen.lot_id} has the highest value of the materials that did not shift"
    if chosen.country is None:
        return _unresolved(fallback, (f"the origin of lot {chosen.lot_id}",), r.tests)
    return RegimeOrigin("marking", chosen.country, "resolved", "19 CFR 102.11(b)",
                        f"{why}{how}: {chosen.country} {where}", (), r.tests, "part102")


def _unresolved(fallback: RegimeOrigin, missing: tuple[str, ...], tests=()) -> RegimeOrigin:
    return RegimeOrigin("marking", fallback.origin, "unresolved", "19 CFR 102.11",
                        f"Part 102 does not decide yet; substantial transformation gives {fallback.origin}: "
                        f"{fallback.basis}", missing, tuple(tests), "part102")
