"""Origin per regime, in words and on the chart (determination-v2 §1).

`computed_origin` is the marking origin (19 CFR 134 and the country the entry
declares): for a good of a USMCA country it comes from the Part 102 rules, for
textiles from 19 CFR 102.21, for everything else from substantial
transformation (19 CFR 134.1(b)). Section 301 and AD/CVD duties follow
substantial transformation even for goods of a USMCA country (CBP HQ H301619:
Chinese stators and rotors assembled into motors in Mexico are Mexican for
marking, Chinese for Section 301). Where the regimes split, what the importer
owes follows the duty origin, and a report must say so, never hide it.
"""

from __future__ import annotations

from typing import Any


__all__ = ["REGIME_NAMES", "marking_of", "duty_origins", "conferring_facilities", "LAW_TEXT"]

REGIME_NAMES = {"marking": "marking", "section_301": "Section 301", "adcvd": "AD/CVD"}
LAW_TEXT = {
    "part102": "the Part 102 rules, which decide the marking origin of goods of a USMCA country "
               "(19 CFR 134.1(b), 19 CFR 102.0)",
    "textile": "the textile rules of 19 CFR 102.21, which decide the origin of textile and apparel goods",
    "substantial": "substantial transformation (19 CFR 134.1(b))",
}


def marking_of(r: Any) -> Any | None:
    """The marking regime's answer (RegimeOrigin), or None for a result without regimes."""
    return (r.regimes or {}).get("marking")


def duty_origins(r: Any) -> list[tuple[list[str], Any]]:
    """The duty regimes whose origin differs from the marking origin, grouped by the answer they
    share: [(["section_301", "adcvd"], RegimeOrigin), ...]."""
    regimes, marking = r.regimes or {}, marking_of(r)
    if marking is None:
        return []
    out: list[tuple[list[str], Any]] = []
    for key in ("section_301", "adcvd"):
        ro = regimes.get(key)
        if ro is None or ro.origin == marking.origin:
            continue
        for keys, seen in out:
            if (seen.origin, seen.rule, seen.basis) == (ro.origin, ro.rule, ro.basis):
                keys.append(key)
                break
        else:
            out.append(([key], ro))
    return out


def _substantial_facility(r: Any) -> str | None:
    b = r.basis
    return b.facility_id if b.rule in ("process_class", "ruling", "claimed_origin") else None


def conferring_facilities(chain: Any, r: Any) -> tuple[str | None, str | None]:
    """(where the marking origin was conferred, where the duty origin was, when it differs).

    Substantial transformation: the facility of the basis (the last substantial
    process, or where a raw input with a claimed origin was produced). Part 102
    and 102.21: the last production step on the main line in the marking
    country (where the tariff shift or the assembly happened)."""
    marking = marking_of(r)
    st = _substantial_facility(r)
    if marking is None or marking.origin is None:
        return st, None
    if marking.law == "substantial" or marking.origin == r.basis.country:
        fid = st if r.basis.country == marking.origin else None
    else:
        fid = None
        for lot in r.context.line:  # the entered lot first, upstream from there
            pid = chain.made_by.get(lot)
            where = chain.processes[pid].facility_id if pid else chain.lots[lot].facility_id
            if chain.country_of(where) == marking.origin:
                fid = where
                break
    duty = None
    split = duty_origins(r)
    if split and split[0][1].origin == r.basis.country and st != fid:
        duty = st
    return fid, duty


def regimes_words(keys: list[str]) -> str:
    names = [REGIME_NAMES[k] for k in keys]
    return " and ".join(names)
