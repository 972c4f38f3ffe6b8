"""The registry of sheet kinds: a layout sheet's `kind` -> the function giving its rows.

To add a sheet kind: write a row builder `def my_rows(pkg: Package) -> Iterable[dict]`
under `@sheet_rows("key", ...)` (rows.py), naming the column keys a layout may
use; add one line here; and give a layout a `[[sheet]]` with `kind = "my_kind"`
and its `columns`. Kinds mapped to
None are drawn by their own writer (the Index, the route map).
"""

from __future__ import annotations

from typing import Callable, Iterable

from ..regimes.evidence import regime_rows
from ..requests.due_diligence import due_diligence_rows
from .build import Package
from .rows import (audit_rows, determination_rows, document_rows, facility_rows, flag_rows, mass_balance_rows,
                   measure_rows, route_rows, sheet_rows, source_rows)
from .section_232 import section_232_rows
from .submission import certificate_rows, exhibit_rows, party_rows, step_rows, summary_rows, yield_rows

__all__ = ["SHEET_KINDS", "SUBMISSION_KINDS"]

# Row builders that live with their own area (regimes, requests, metal) name their keys here,
# where the report meets them, so those areas need not import the report.
sheet_rows("entry_number", "lot_id", "regime", "line", "origin", "status", "rule", "basis", "detail",
           "input_lot", "hts_in", "hts_out", "shifted", "document_id", "element")(regime_rows)
sheet_rows("request", "supplier", "entries", "item", "asked", "asked_by", "sent_on", "due_on", "status",
           "answered_on", "answered_by", "request_file")(due_diligence_rows)
sheet_rows("entry_number", "lot_id", "hts", "entry_date", "measures", "attribute", "traced", "declared", "agrees",
           "stated_by", "certificates")(section_232_rows)

SHEET_KINDS: dict[str, Callable[[Package], Iterable[dict]] | None] = {
    "index": None, "route_map": None,
    "determination": determination_rows, "route": route_rows, "facilities": facility_rows,
    "mass_balance": mass_balance_rows, "documents": document_rows, "flags": flag_rows,
    "measures": measure_rows, "audit": audit_rows, "sources": source_rows,
    "regimes": regime_rows,
    "due_diligence": due_diligence_rows,
    "section_232": section_232_rows,
    # the submission for CBP (submission.py): facts and exhibits only
    "summary": summary_rows, "exhibits": exhibit_rows, "steps": step_rows, "yields": yield_rows,
    "parties": party_rows, "certificates": certificate_rows,
}

# Kinds a submission for CBP may hold: facts and the evidence behind them. The internal
# review's kinds carry flags, advice, the audit trail and the database's name.
SUBMISSION_KINDS = frozenset({"summary", "exhibits", "steps", "route_map", "yields", "parties", "certificates"})
