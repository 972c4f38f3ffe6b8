"""The rows of the evidence workbook's "Origin by regime" sheet (kind `regimes`).

Per entry line and regime: the origin, the rule cited, the basis and the
status; for Part 102 and 102.21 each input tested, with its HTS in and out and
whether it shifted; for a preference claim the certificate checklist, each
element against the document (by its id on the Documents sheet) that holds it.
"""

from __future__ import annotations

from typing import Any, Iterable

from . import REGIME_NAMES
from .tariff_shift import hts_text

__all__ = ["regime_rows"]


def _shifted(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "not tested")


def regime_rows(pkg: Any) -> Iterable[dict]:
    """Rows for every entry line of a report package (tracker.report.build.Package)."""
    for r in pkg.results:
        number, lot = r.entry.entry_number, r.entry.lot_id
        for key, ro in (r.regimes or {}).items():
            yield {"entry_number": number, "lot_id": lot, "regime": REGIME_NAMES[key], "line": "origin",
                   "origin": ro.origin, "status": ro.status, "rule": ro.rule, "basis": ro.basis,
                   "detail": "; ".join(ro.missing)}
            if key != "marking" and ro.law == "textile":
                continue  # 102.21 decides every regime alike: its inputs are listed once, under marking
            for t in ro.inputs:
                yield {"entry_number": number, "lot_id": lot, "regime": REGIME_NAMES[key], "line": "input tested",
                       "input_lot": t.lot_id, "hts_in": hts_text(t.hts_in), "hts_out": hts_text(t.hts_out), "origin": t.country,
                       "shifted": _shifted(t.shifted), "detail": t.detail}
        p = r.preference
        if p is None:
            continue
        yield {"entry_number": number, "lot_id": lot, "regime": p.program, "line": "preference",
               "origin": r.computed_origin, "status": "eligible" if p.eligible else "not a party",
               "rule": p.citation, "basis": f"parties: {', '.join(p.parties)}", "document_id": p.certificate,
               "detail": p.kind or "no certificate"}
        for name, ok, detail in p.checklist:
            yield {"entry_number": number, "lot_id": lot, "regime": p.program, "line": "certificate",
                   "document_id": p.certificate, "element": name, "status": "ok" if ok else "DEFECT",
                   "detail": detail}
        for problem in p.problems:
            if not p.checklist or not problem.startswith(f"certificate {p.certificate}:"):
                yield {"entry_number": number, "lot_id": lot, "regime": p.program, "line": "certificate",
                       "document_id": p.certificate, "status": "DEFECT", "detail": problem}
