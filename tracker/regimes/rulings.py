"""Which rulings apply to an entry line, per regime and date (determination-v2 §2.3).

A ruling row may name a `regime` (`all`, the default, `marking`,
`section_301`, `adcvd`) and an `effective_on` / `expires_on` window. Rulings
bind entries (a revocation under 19 USC 1625(c) applies to goods entered
after it takes effect), so a ruling applies to an entry line whose entry
date lies inside its window, to processes of its item and process type, and
only in its regime. Where several apply, the latest `effective_on` wins, then
the first ruling_id.

Entries under the same applicable rulings share one pass over the graph:
`RulingSets` hands out the mapping and a key that names it, cached per
(regime, date), so the cost is one pass per distinct set, never per lot.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable

__all__ = ["applicable_rulings", "RulingSets", "REGIMES"]

REGIMES = ("marking", "section_301", "adcvd")


def _in_effect(r: Any, regime: str | None, on: date | None) -> bool:
    if (r.regime or "all") not in ("all", regime):
        return False
    if on is None:  # no entry: every regime-wide ruling without a window, and those in effect today
        on = date.today()
    return (r.effective_on is None or r.effective_on <= on) and (r.expires_on is None or on <= r.expires_on)


def applicable_rulings(rows: Iterable[Any], regime: str | None, on: date | None) -> dict[tuple[str, str], Any]:
    """(item_id, process_type) -> the ruling that applies in `regime` on `on`."""
    best: dict[tuple[str, str], Any] = {}
    for r in rows:
        if not _in_effect(r, regime, on):
            continue
        key = (r.item_id, r.process_type)
        old = best.get(key)
        if old is None or _rank(r) < _rank(old):
            best[key] = r
    return best


def _rank(r: Any) -> tuple:
    # the latest effective_on first (no date: the earliest), then the first ruling_id
    return (-(r.effective_on.toordinal() if r.effective_on else 0), r.ruling_id)


class RulingSets:
    """Applicable rulings per (regime, entry date), with a key shared by equal sets."""

    def __init__(self, rows: list[Any]):
        self.rows = rows
        # Rulings for every regime and without a window apply everywhere: only the
        # others can make two entry lines differ, so only they are looked at per date.
        self._plain = not any((r.regime or "all") != "all" or r.effective_on or r.expires_on for r in rows)
        self._cache: dict[tuple[str | None, date | None], tuple[tuple[str, ...], dict]] = {}

    def get(self, regime: str | None, on: date | None) -> tuple[tuple[str, ...], dict[tuple[str, str], Any]]:
        """(key, mapping): equal keys mean equal mappings, so one pass serves them all."""
        ck = (None, None) if self._plain else (regime, on)
        found = self._cache.get(ck)
        if found is None:
            mapping = applicable_rulings(self.rows, regime, on)
            key = tuple(sorted(r.ruling_id for r in mapping.values()))
            found = self._cache[ck] = (key, mapping)
        return found
