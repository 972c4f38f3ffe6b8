"""Textile and apparel goods: 19 CFR 102.21, for every regime (determination-v2 §3).

A good whose HTS falls under 102.21(b)(5) takes its origin under 102.21(c):
(1) wholly obtained or produced in one country; (2) the tariff shift or
process of 102.21(e) (for most apparel: where it was wholly assembled; for
goods such as 6213, 6214, 6302, 6304 and 9404.90: where the fabric was
formed); (3) knit to shape: where it was knit, else where wholly assembled;
(4) the single country of the most important assembly or manufacturing
process; (5) the last country of such a process. The tables of (e) are
originshift's (tariff_shift.py). The facts come from the graph:

- `weaving_knitting` forms fabric (the fabric-making process);
- `knitting_to_shape` knits components to shape;
- `garment_assembly` wholly assembles the good;
- a `substantial`-class process is an important assembly or manufacturing
  process for (c)(4) and (c)(5).

Facts are read from the main line first (it follows the essential input),
then from anywhere upstream when a single country did that step.
"""

from __future__ import annotations

from ..chain import SupplyChain
from . import RegimeOrigin
from .substantial import LotOrigin
from .tariff_shift import Material, ShiftInputError, TextileFacts, textile

__all__ = ["decide", "textile_facts"]

FABRIC, KNIT, ASSEMBLY = "weaving_knitting", "knitting_to_shape", "garment_assembly"


def _main_line(origins: dict[str, LotOrigin], lot_id: str) -> list[str]:
    from ..route import main_line
    return main_line(origins, lot_id)


def _where(chain: SupplyChain, line_processes: list[str], upstream: set[str], ptype: str) -> str | None:
    for pid in line_processes:
        if chain.processes[pid].process_type == ptype:
            return chain.country_of(chain.processes[pid].facility_id)
    countries = {chain.country_of(chain.processes[p].facility_id) for p in upstream
                 if chain.processes[p].process_type == ptype}
    return countries.pop() if len(countries) == 1 else None


def textile_facts(chain: SupplyChain, origins: dict[str, LotOrigin], lot_id: str
                  ) -> tuple[TextileFacts, str | None, list[str]]:
    """(facts, the last main-line process that did something, main-line processes newest first)."""
    pairs = [(x, chain.made_by[x]) for x in _main_line(origins, lot_id) if x in chain.made_by]
    procs = [p for _, p in pairs]
    _, upstream = chain.upstream(lot_id)
    important = [chain.country_of(chain.processes[p].facility_id) for x, p in pairs
                 if origins[x].process_class == "substantial"]
    last = next((p for x, p in pairs if origins[x].process_class != "none"), None)
    facts = TextileFacts(
        fabric_formed_in=_where(chain, procs, upstream, FABRIC),
        knit_to_shape_in=_where(chain, procs, upstream, KNIT),
        wholly_assembled_in=_where(chain, procs, set(), ASSEMBLY),
        most_important_process_in=important[0] if important and len(set(important)) == 1 else None,
        last_important_process_in=important[0] if important else None)
    return facts, last, procs


def decide(chain: SupplyChain, origins: dict[str, LotOrigin], lot_id: str, hts: str,
           fallback: RegimeOrigin) -> RegimeOrigin:
    """102.21(c) for the lot entered under `hts`; unresolved falls back to `fallback`."""
    facts, last_pid, procs = textile_facts(chain, origins, lot_id)
    lot = chain.lots[lot_id]
    if last_pid is None:  # nothing made: the lot is as it was found
        if lot.origin_country and not procs:
            return RegimeOrigin(fallback.regime, lot.origin_country, "resolved", "19 CFR 102.21(c)(1)",
                                f"lot {lot_id}: claimed wholly obtained or produced in {lot.origin_country}",
                                law="textile")
        return _unresolved(fallback, ("where the good was made (no process on its main line)",))
    country = chain.country_of(chain.processes[last_pid].facility_id)
    missing = []
    materials = []
    for pl in chain.inputs_of.get(last_pid, ()):
        item = chain.items[chain.lots[pl.lot_id].item_id]
        if not item.hts:
            missing.append(f"the HTS of item {item.item_id} (input lot {pl.lot_id})")
            continue
        value = chain.lots[pl.lot_id].unit_value_usd
        materials.append(Material(pl.lot_id, item.hts, origins[pl.lot_id].country,
                                  pl.quantity * value if value is not None else None))
    if missing:
        return _unresolved(fallback, tuple(missing))
    lots, upstream = chain.upstream(lot_id)
    places = {chain.country_of(chain.processes[p].facility_id) for p in upstream}
    places |= {origins[x].country for x in lots if x not in chain.made_by}
    try:
        r = textile(hts, tuple(materials), country, facts, wholly_obtained=places == {country})
    except ShiftInputError as exc:
        return _unresolved(fallback, (str(exc),))
    if r.status != "resolved":
        return _unresolved(fallback, (r.needed or r.reason,), r.tests)
    paragraph = "102.21(c)(2)" if (r.rule_id or "").startswith("102.21(e)") else r.rule_id
    where = f"; last processed at {chain.processes[last_pid].facility_id} ({country})"
    return RegimeOrigin(fallback.regime, r.origin, "resolved", f"19 CFR {paragraph}",
                        f"{r.reason or r.basis} ({r.rule_id}){where}", (), r.tests, "textile")


def _unresolved(fallback: RegimeOrigin, missing: tuple[str, ...], tests=()) -> RegimeOrigin:
    return RegimeOrigin(fallback.regime, fallback.origin, "unresolved", "19 CFR 102.21",
                        f"102.21 does not decide yet; substantial transformation gives {fallback.origin}: "
                        f"{fallback.basis}", missing, tuple(tests), "textile")
