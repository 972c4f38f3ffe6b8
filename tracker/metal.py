"""The metal's own origin, for Section 232 (determination-v2 §8).

Section 232 asks where steel was first melted and poured, and where aluminum
was smelted (the largest and second-largest sources of its primary aluminum)
and most recently cast: properties of the metal that substantial
transformation never resets (CBP requires them on the entry for steel and
aluminum articles and their derivatives; Proclamations 10895 and 10896, 2025).

Every lot gathers each country from the nearest lot on each path upstream
that states it: a lot that states its own (a new melt, a recast) replaces
what its inputs said. Shipments move a lot without changing its metal, so
only processes carry the countries. All lots are gathered in one pass over
the graph in topological order, so every entry line reads its lot's result.

Alongside, each lot keeps which kinds of path reach it: whether the path
holds a steel lot (HTS chapter 72 or 73) or an aluminum lot (chapter 76), and
whether some lot on it states the steel's melt and pour country, or the
aluminum's smelt and cast countries. A path holding metal with no such lot is
a path whose metal cannot be traced (METAL_PROVENANCE_UNKNOWN).

Preconditions: the graph is a DAG (`SupplyChain.topological_lots` raises
`CycleError` otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .chain import SupplyChain

__all__ = ["FIELDS", "KEYS", "LABELS", "LotMetal", "NOTHING", "gather_metal", "for_lot", "metal_chapter",
           "declared_metal"]

# Lot and Entry column -> JSON key of `metal_provenance`.
FIELDS = {"melt_pour_country": "melt_pour", "smelt_country": "smelt",
          "secondary_smelt_country": "secondary_smelt", "cast_country": "cast"}
KEYS = tuple(FIELDS.values())
LABELS = {"melt_pour": "melt and pour", "smelt": "smelt", "secondary_smelt": "secondary smelt",
          "cast": "cast"}
# A lot stating either smelt country describes its own primary aluminum: both are replaced together.
_GROUPS = (("melt_pour_country",), ("smelt_country", "secondary_smelt_country"), ("cast_country",))
STEEL_CHAPTERS = ("72", "73")
ALUMINUM_CHAPTERS = ("76",)

_EMPTY: frozenset[str] = frozenset()
# A path is (has steel, steel stated, has aluminum, smelt stated, cast stated).
_BARE = (False, False, False, False, False)


@dataclass(frozen=True, slots=True)
class LotMetal:
    countries: tuple[frozenset[str], ...]  # in the order of KEYS
    paths: frozenset[tuple[bool, bool, bool, bool, bool]]

    def of(self, key: str) -> frozenset[str]:
        return self.countries[KEYS.index(key)]

    def to_dict(self) -> dict[str, list[str]]:
        """`metal_provenance` of check --json: each key a sorted list, empty when none."""
        return {k: sorted(c) for k, c in zip(KEYS, self.countries)}

    @property
    def steel_untraced(self) -> bool:
        """Some path holds steel and no lot on it states the melt and pour country."""
        return any(p[0] and not p[1] for p in self.paths)

    @property
    def aluminum_untraced(self) -> bool:
        """Some path holds aluminum and no lot on it states both the smelt and the cast country."""
        return any(p[2] and not (p[3] and p[4]) for p in self.paths)

    @property
    def any_path_unstated_steel(self) -> bool:
        return any(not p[1] for p in self.paths)

    @property
    def any_path_unstated_aluminum(self) -> bool:
        return any(not (p[3] and p[4]) for p in self.paths)


NOTHING = LotMetal((_EMPTY,) * len(KEYS), frozenset({_BARE}))


def metal_chapter(hts: str | None) -> str | None:
    """'steel' for HTS chapters 72 and 73, 'aluminum' for 76, else None."""
    if not hts:
        return None
    if hts[:2] in STEEL_CHAPTERS:
        return "steel"
    if hts[:2] in ALUMINUM_CHAPTERS:
        return "aluminum"
    return None


def _states(lot: Any, field: str) -> str | None:
    return getattr(lot, field, None)


def gather_metal(chain: SupplyChain) -> dict[str, LotMetal]:
    """Every lot's gathered countries and path kinds, in one topological pass."""
    stating = [lot for lot in chain.lots.values() if any(_states(lot, f) for f in FIELDS)]
    metal_items = {i for i, item in chain.items.items() if metal_chapter(item.hts)}
    if not stating and not any(lot.item_id in metal_items for lot in chain.lots.values()):
        return {}  # nothing to trace: `for_lot` gives NOTHING for every lot
    out: dict[str, LotMetal] = {}
    lots, items = chain.lots, chain.items
    for lot_id in chain.topological_lots():
        lot = lots[lot_id]
        pid = chain.made_by.get(lot_id)
        inputs = [out[pl.lot_id] for pl in chain.inputs_of.get(pid, ())] if pid else []
        inputs = inputs or [NOTHING]
        countries = []
        for group in _GROUPS:
            own = [_states(lot, f) for f in group]
            for f, mine in zip(group, own):
                if any(own):
                    countries.append(frozenset({mine}) if mine else _EMPTY)
                else:
                    i = KEYS.index(FIELDS[f])
                    gathered = _EMPTY
                    for m in inputs:
                        gathered = gathered | m.countries[i] if m.countries[i] else gathered
                    countries.append(gathered)
        # _GROUPS are in KEYS order already: melt_pour, smelt, secondary_smelt, cast
        kind = metal_chapter(items[lot.item_id].hts) if lot.item_id in items else None
        melt = bool(_states(lot, "melt_pour_country"))
        smelt = bool(_states(lot, "smelt_country"))
        cast = bool(_states(lot, "cast_country"))
        paths = set()
        for m in inputs:
            for p in m.paths:
                paths.add((p[0] or kind == "steel" or melt, p[1] or melt,
                           p[2] or kind == "aluminum" or smelt or cast, p[3] or smelt, p[4] or cast))
        out[lot_id] = LotMetal(tuple(countries), frozenset(paths))
    return out


def for_lot(gathered: dict[str, LotMetal], lot_id: str) -> LotMetal:
    return gathered.get(lot_id, NOTHING)


def declared_metal(entry: Any) -> dict[str, str | None]:
    """What the entry declared, by `metal_provenance` key."""
    return {key: getattr(entry, field, None) for field, key in FIELDS.items()}
