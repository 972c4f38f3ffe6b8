"""The evidence workbook's Section 232 sheet: per entry line, the metal's own origin.

For each entry line under a Section 232 measure, or with any melt and pour,
smelt or cast country traced or declared: each country the supply chain
traces (tracker.metal) beside the one the entry declares, the lots it was
read from, and the mill certificates on file for those lots.
"""

from __future__ import annotations

from typing import Iterable

from ..metal import KEYS, LABELS, declared_metal, stating_lots
from .build import Package

__all__ = ["section_232_rows"]


def _certificates(chain, lots: list[str]) -> str:
    certs = [f"{d.document_id}" + (f" {d.reference_no}" if d.reference_no else "") + f" (lot {lot})"
             for lot in lots for d in chain.documents_on.get(("lot", lot), ()) if d.doc_type == "mill_certificate"]
    return "; ".join(certs) or ("none on file" if lots else "")


def section_232_rows(pkg: Package) -> Iterable[dict]:
    chain = pkg.d.chain
    for r in pkg.results:
        e, metal = r.entry, r.context.metal
        under = [m for m in r.context.measures if m.kind == "232"]
        declared = declared_metal(e)
        keys = [k for k in KEYS if metal.of(k) or declared[k]]
        if not under and not keys:
            continue
        measures = "; ".join(f"{m.measure_id} ({m.heading or 'no heading'}"
                             + (f", {m.rate.normalize():f}%" if m.rate is not None else "") + ")" for m in under)
        for key in keys or [k for k in KEYS if k in ("melt_pour", "smelt", "cast")]:
            traced = sorted(metal.of(key))
            lots = stating_lots(chain, e.lot_id, key) if traced else []
            said = declared[key]
            yield {"entry_number": e.entry_number, "lot_id": e.lot_id, "hts": e.hts, "entry_date": e.entry_date,
                   "measures": measures or "none in effect", "attribute": LABELS[key],
                   "traced": ", ".join(traced) or "not traced", "declared": said or "not declared",
                   "agrees": "yes" if traced == ([said] if said else []) else "no",
                   "stated_by": "; ".join(f"{x} ({chain.lots[x].facility_id})" for x in lots),
                   "certificates": _certificates(chain, lots)}
