"""Substantial transformation: the country of origin of every lot under
19 CFR 134.1(b) (determination-v1, "Country of origin of a lot", as refined
by determination-v2 §2). It decides Section 301 and AD/CVD origin, and the
marking origin of goods that are neither textile nor of a USMCA country.

One pass over the lots in topological order, so each lot's inputs are
decided before it:

1. the output of a `substantial` process (by the vocabulary's class, or a
   ruling for that item and process type) takes the country of the process's
   facility; a type missing from the vocabulary never confers origin;
2. the output of a `minor` or `none` process keeps the origin of its
   *essential* input where ProcessLots marks one ("the component that gives
   the article its character"), else of its principal input: the largest by
   value (quantity x unit_value_usd), by quantity where any value is missing,
   ties to the first lot_id; inputs of other origins are kept in
   `other_inputs`. The main line follows the same input;
3. a lot with no recorded inputs takes its `origin_country`, else is unknown;
4. shipments never change origin.

Every origin carries its `Basis`: where, when and under which rule it was
conferred, so a person can check it by reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ..chain import SupplyChain
from ..schemas import process_classes

__all__ = ["Basis", "LotOrigin", "determine_origins", "process_class", "principal_input", "essential_input",
           "RULE_134"]

RULE_134 = "19 CFR 134.1(b)"


@dataclass(frozen=True, slots=True)
class Basis:
    rule: str  # process_class | ruling | claimed_origin | unknown
    lot_id: str
    country: str | None
    process_id: str | None = None
    process_type: str | None = None
    facility_id: str | None = None
    on: date | None = None
    ruling_id: str | None = None

    def text(self) -> str:
        if self.rule in ("process_class", "ruling"):
            why = "substantial by process class" if self.rule == "process_class" else \
                f"substantial by ruling {self.ruling_id}"
            when = f" on {self.on.isoformat()}" if self.on else ""
            return f"{self.process_type} at {self.facility_id} ({self.country}){when}: {why}"
        if self.rule == "claimed_origin":
            where = f" recorded at {self.facility_id}" if self.facility_id else ""
            return f"lot {self.lot_id}{where}: claimed origin {self.country} (no recorded inputs)"
        return f"lot {self.lot_id}: no recorded inputs and no origin_country, origin unknown"

    def to_dict(self) -> dict:
        return {"rule": self.rule, "lot_id": self.lot_id, "country": self.country,
                "process_id": self.process_id, "process_type": self.process_type,
                "facility_id": self.facility_id, "date": self.on.isoformat() if self.on else None,
                "ruling_id": self.ruling_id}


@dataclass(frozen=True, slots=True)
class LotOrigin:
    country: str | None
    basis: Basis  # the step that conferred (or claimed) the origin
    process_class: str | None  # class of the process that made this lot, for its item
    principal: str | None  # principal input lot, when made from inputs
    other_inputs: tuple[tuple[str, str | None], ...] = ()  # (lot, origin) of other origins
    by_essential: bool = False  # the principal is the input marked essential (determination-v2 §2.1)


def process_class(chain: SupplyChain, process_id: str, item_id: str,
                  rulings: dict[tuple[str, str], Any] | None = None) -> tuple[str, str | None]:
    """(class, ruling_id) of a process for the item it outputs; a ruling overrides the type's class.

    `rulings` are those that apply to the pass ((item_id, process_type) -> ruling,
    see tracker.regimes.rulings); by default the chain's rulings of every regime
    in effect without a date."""
    ptype = chain.processes[process_id].process_type
    ruling = (chain.rulings if rulings is None else rulings).get((item_id, ptype))
    if ruling is not None:
        return ruling.process_class, ruling.ruling_id
    # An unknown type can only come from an edited vocabulary: never let it confer origin.
    return process_classes().get(ptype, "minor"), None


def essential_input(chain: SupplyChain, process_id: str) -> str | None:
    """The input marked `essential` (ProcessLots, v1.1), if any: at most one per process."""
    return chain.essential_of.get(process_id)


def principal_input(chain: SupplyChain, process_id: str) -> str | None:
    """The input with the largest value, else the largest quantity; ties to the first lot_id."""
    inputs = chain.inputs_of.get(process_id)
    if not inputs:
        return None
    lots = chain.lots
    values = [(pl.quantity * lots[pl.lot_id].unit_value_usd)
              if lots[pl.lot_id].unit_value_usd is not None else None for pl in inputs]
    if all(v is not None for v in values):
        weights = values
    else:
        weights = [pl.quantity for pl in inputs]
    # Sum per lot: the same lot may appear once per role only, but be safe.
    total: dict[str, Decimal] = {}
    for pl, w in zip(inputs, weights):
        total[pl.lot_id] = total.get(pl.lot_id, Decimal(0)) + w
    return min(total, key=lambda lot: (-total[lot], lot))


def determine_origins(chain: SupplyChain, only: set[str] | None = None,
                      rulings: dict[tuple[str, str], Any] | None = None) -> dict[str, LotOrigin]:
    """The origin of every lot, or of the lots in `only` (which must hold every
    lot upstream of each of its lots), under the `rulings` that apply (default:
    the chain's); raises CycleError when the lots form a cycle."""
    out: dict[str, LotOrigin] = {}
    for lot_id in chain.topological_lots(only):
        lot = chain.lots[lot_id]
        pid = chain.made_by.get(lot_id)
        if pid is None:
            out[lot_id] = _raw(lot)
            continue
        process = chain.processes[pid]
        klass, ruling_id = process_class(chain, pid, lot.item_id, rulings)
        essential = essential_input(chain, pid)
        principal = essential or principal_input(chain, pid)
        if klass == "substantial":
            country = chain.country_of(process.facility_id)
            basis = Basis("ruling" if ruling_id else "process_class", lot_id, country, pid,
                          process.process_type, process.facility_id, process.completed_on, ruling_id)
        elif principal is not None:
            country, basis = out[principal].country, out[principal].basis
        else:
            raw = _raw(lot)
            country, basis = raw.country, raw.basis
        others = tuple(sorted({(pl.lot_id, out[pl.lot_id].country) for pl in chain.inputs_of.get(pid, ())
                               if out[pl.lot_id].country != country}))
        out[lot_id] = LotOrigin(country, basis, klass, principal, others, essential is not None)
    return out


def _raw(lot) -> LotOrigin:
    if lot.origin_country:
        return LotOrigin(lot.origin_country, Basis("claimed_origin", lot.lot_id, lot.origin_country,
                                                   facility_id=lot.facility_id, on=lot.produced_on), None, None)
    return LotOrigin(None, Basis("unknown", lot.lot_id, None, facility_id=lot.facility_id), None, None)
