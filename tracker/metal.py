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
           "declared_metal", "stated_metal", "metal_text"]

# Lot and Entry column -> JSON key of `metal_provenance`.
FIELDS = {"melt_pour_country": "melt_pour", "smelt_country": "smelt",
          "secondary_smelt_country": "secondary_smelt", "cast_country": "cast"}
KEYS = tuple(FIELDS.values())
_AT = {k: i for i, k in enumerate(KEYS)}
LABELS = {"melt_pour": "melt and pour", "smelt": "smelt", "secondary_smelt": "secondary smelt",
          "cast": "cast"}
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
        return self.countries[_AT[key]]

    def to_dict(self) -> dict[str, list[str]]:
        """`metal_provenance` of check --json: each key a sorted list, empty when none."""
        if not any(self.countries):
            return {"melt_pour": [], "smelt": [], "secondary_smelt": [], "cast": []}
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


def gather_metal(chain: SupplyChain, only: set[str] | None = None) -> dict[str, LotMetal]:
    """Every lot's gathered countries and path kinds (or those of `only`, a set of lots
    closed upstream), in one topological pass.

    Most lots state nothing and have one input, or inputs that gathered the
    same: they share their input's result object instead of building one, and
    results built from the same inputs and statements are built once.
    """
    metal_items = {i: metal_chapter(item.hts) for i, item in chain.items.items() if metal_chapter(item.hts)}
    lots = chain.lots
    stating = any(getattr(lot, f, None) for lot in lots.values() for f in FIELDS)
    if not stating and not any(lot.item_id in metal_items for lot in lots.values()):
        return {}  # nothing to trace: `for_lot` gives NOTHING for every lot
    out: dict[str, LotMetal] = {}
    merged: dict[frozenset[int], LotMetal] = {}
    applied: dict[tuple, LotMetal] = {}
    made_by, inputs_of = chain.made_by, chain.inputs_of
    for lot_id in chain.topological_lots(only):
        lot = lots[lot_id]
        pid = made_by.get(lot_id)
        ins = inputs_of.get(pid, ()) if pid else ()
        if not ins:
            base = NOTHING
        elif len(ins) == 1:
            base = out[ins[0].lot_id]
        else:
            objs = {id(o): o for o in (out[pl.lot_id] for pl in ins)}
            if len(objs) == 1:
                base = next(iter(objs.values()))
            else:
                key = frozenset(objs)
                base = merged.get(key)
                if base is None:
                    base = merged[key] = _merge(list(objs.values()))
        state = (metal_items.get(lot.item_id), lot.melt_pour_country, lot.smelt_country,
                 lot.secondary_smelt_country, lot.cast_country)
        if state == _PLAIN:
            out[lot_id] = base
            continue
        key2 = (id(base), state)
        result = applied.get(key2)
        if result is None:
            result = applied[key2] = _apply(base, state)
        out[lot_id] = result
    return out


_PLAIN = (None, None, None, None, None)


def _merge(inputs: list[LotMetal]) -> LotMetal:
    countries = tuple(frozenset().union(*(m.countries[i] for m in inputs)) for i in range(len(KEYS)))
    return LotMetal(countries, frozenset().union(*(m.paths for m in inputs)))


def _apply(base: LotMetal, state: tuple) -> LotMetal:
    """What a lot makes of its inputs' result: its own statements replace theirs (melt and pour;
    both smelt countries together; cast), and its metal marks the paths through it."""
    kind, melt, smelt, second, cast = state
    c = base.countries
    countries = (frozenset({melt}) if melt else c[0],
                 (frozenset({smelt}) if smelt else _EMPTY) if smelt or second else c[1],
                 (frozenset({second}) if second else _EMPTY) if smelt or second else c[2],
                 frozenset({cast}) if cast else c[3])
    steel, aluminum = kind == "steel" or bool(melt), kind == "aluminum" or bool(smelt or cast)
    paths = frozenset((p[0] or steel, p[1] or bool(melt), p[2] or aluminum, p[3] or bool(smelt),
                       p[4] or bool(cast)) for p in base.paths)
    return LotMetal(countries, paths)


def for_lot(gathered: dict[str, LotMetal], lot_id: str) -> LotMetal:
    return gathered.get(lot_id, NOTHING)


def declared_metal(entry: Any) -> dict[str, str | None]:
    """What the entry declared, by `metal_provenance` key."""
    return {key: getattr(entry, field, None) for field, key in FIELDS.items()}


def stated_metal(lot: Any) -> dict[str, str]:
    """The countries a lot states itself, by `metal_provenance` key."""
    return {key: getattr(lot, field) for field, key in FIELDS.items() if getattr(lot, field, None)}


def metal_text(provenance: dict[str, Any]) -> str:
    """'melt and pour KR; smelt RU, AE' from a `metal_provenance` (lists) or declared (one each)."""
    parts = []
    for key in KEYS:
        value = provenance.get(key)
        values = [value] if isinstance(value, str) else list(value or ())
        if values:
            parts.append(f"{LABELS[key]} {', '.join(values)}")
    return "; ".join(parts)


_GROUP_OF = {"melt_pour": ("melt_pour_country",), "smelt": ("smelt_country", "secondary_smelt_country"),
             "secondary_smelt": ("smelt_country", "secondary_smelt_country"), "cast": ("cast_country",)}


def stating_lots(chain: SupplyChain, lot_id: str, key: str) -> list[str]:
    """The lots a gathered `key` was read from: the nearest on each path upstream of `lot_id`
    that states it (or, for the smelt countries, states either), in the order met."""
    fields = _GROUP_OF[key]
    found, seen, stack = [], set(), [lot_id]
    while stack:
        x = stack.pop()
        if x in seen:
            continue
        seen.add(x)
        lot = chain.lots[x]
        if any(getattr(lot, f, None) for f in fields):
            if getattr(lot, next(f for f, k in FIELDS.items() if k == key), None):
                found.append(x)
            continue
        pid = chain.made_by.get(x)
        if pid:
            stack.extend(pl.lot_id for pl in reversed(chain.inputs_of.get(pid, ())))
    return found
