"""Origin per regime (determination-v2): the same goods can have one origin
for marking and the entry's declared country, and another for Section 301
and AD/CVD duties.

| regime | key | rule |
| --- | --- | --- |
| marking | `marking` | textile and apparel goods: 19 CFR 102.21 (textiles.py); a good of a USMCA country: 19 CFR 102 (part102.py); else substantial transformation, 19 CFR 134.1(b) (substantial.py) |
| Section 301 | `section_301` | substantial transformation, even for goods of a USMCA country; textile and apparel goods: 19 CFR 102.21 |
| AD/CVD | `adcvd` | as `section_301` |

Each regime's origin carries its status (`resolved`, or `unresolved` with
what is missing, in which case the substantial-transformation origin stands
in), the rule cited and a basis a person can check. Rulings apply per regime
and entry date (rulings.py), so each regime reads the lot origins of the
substantial-transformation pass under its own rulings.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..chain import SupplyChain
from .rulings import REGIMES
from .substantial import RULE_134, LotOrigin
from .tariff_shift import MaterialTest, ShiftInputError, is_textile

__all__ = ["RegimeOrigin", "REGIMES", "decide_regimes", "substantial_regime", "REGIME_NAMES"]

REGIME_NAMES = {"marking": "marking", "section_301": "Section 301", "adcvd": "AD/CVD"}


@dataclass(frozen=True, slots=True)
class RegimeOrigin:
    """A lot's origin under one regime, with the rule and the facts that decided it."""

    regime: str
    origin: str | None
    status: str  # resolved | unresolved
    rule: str  # the citation: "19 CFR 134.1(b)", "19 CFR 102.11(a)(3)", "19 CFR 102.21(c)(2)", "ruling HQ ..."
    basis: str  # what happened where, in words a person can check
    missing: tuple[str, ...] = ()  # what would resolve it
    inputs: tuple[MaterialTest, ...] = ()  # Part 102 and 102.21: each input tested, HTS in and out
    law: str = "substantial"  # substantial | part102 | textile: which body of rules answered

    def to_dict(self) -> dict:
        out = {"origin": self.origin, "status": self.status, "rule": self.rule, "basis": self.basis}
        if self.missing:
            out["missing"] = list(self.missing)
        if self.inputs:
            out["inputs"] = [{"lot_id": t.lot_id, "hts_in": t.hts_in, "hts_out": t.hts_out, "origin": t.country,
                              "shifted": t.shifted, "detail": t.detail} for t in self.inputs]
        return out


def substantial_regime(chain: SupplyChain, origins: dict[str, LotOrigin], lot_id: str,
                       regime: str) -> RegimeOrigin:
    """The v1 origin (19 CFR 134.1(b), as refined by determination-v2 §2) as a regime's answer."""
    lo = origins[lot_id]
    b = lo.basis
    pid = chain.made_by.get(lot_id)
    if b.rule == "ruling":
        rule = f"ruling {b.ruling_id}"
    elif b.rule == "process_class" or pid:  # made here: whether or not it transformed, 134.1(b) decided
        rule = RULE_134
    elif b.rule == "claimed_origin":
        rule = "claimed origin (no recorded inputs)"
    else:
        rule = "unknown"
    text = b.text()
    if pid and lo.process_class != "substantial" and lo.principal:
        p = chain.processes[pid]
        which = "essential input" if lo.by_essential else "principal input"
        text = (f"{p.process_type} at {p.facility_id} ({chain.country_of(p.facility_id)}) is {lo.process_class}; "
                f"{which} {lo.principal} ({origins[lo.principal].country}): {text}")
    if lo.country is None:
        return RegimeOrigin(regime, None, "unresolved", rule, text, (f"the origin of lot {b.lot_id}",))
    return RegimeOrigin(regime, lo.country, "resolved", rule, text)


def decide_regimes(chain: SupplyChain, passes: dict[str, dict[str, LotOrigin]], lot_id: str,
                   hts: str | None) -> dict[str, RegimeOrigin]:
    """The origin of `lot_id` (entered under `hts`) in every regime.

    `passes` holds, per regime, the lot origins of the substantial-transformation
    pass under the rulings that apply to it.
    """
    from . import part102, textiles

    out = {r: substantial_regime(chain, passes[r], lot_id, r) for r in REGIMES}
    try:
        textile = bool(hts) and is_textile(hts)
    except ShiftInputError:
        textile = False
    if textile:
        decided: dict[int, RegimeOrigin] = {}
        for r in REGIMES:  # one 102.21 answer per distinct pass: the regimes usually share one
            key = id(passes[r])
            if key not in decided:
                decided[key] = textiles.decide(chain, passes[r], lot_id, hts, out[r])
            out[r] = _as(decided[key], r)
        return out
    marking = part102.decide(chain, passes["marking"], lot_id, hts, out["marking"])
    if marking is not None:
        out["marking"] = marking
    return out


def _as(ro: RegimeOrigin, regime: str) -> RegimeOrigin:
    return RegimeOrigin(regime, ro.origin, ro.status, ro.rule, ro.basis, ro.missing, ro.inputs, ro.law)
