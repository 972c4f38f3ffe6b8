"""The one door to `originshift`, which holds 19 CFR 102.20 and 102.21 as data.

originshift (Apache-2.0, pinned ==0.3.0 in pyproject.toml) compiles the
tariff-shift tables of 19 CFR 102.20 (goods of Canada and Mexico) and
102.21(e) (textile and apparel goods) from the eCFR and walks the 102.11 and
102.21(c) hierarchies over them. It is young and has one maintainer, so
nothing else in tracker imports it: this module validates what it is given
(it accepts malformed HTS numbers and unknown operations), loads only the
corpus it ships (never a user's rebuilt one or overlays named by an
environment variable), and turns its answers into tracker's terms. Its
`unresolved` and `ambiguous` are answers, not failures: the caller reports
them as ORIGIN_UNRESOLVED with what originshift says is needed.

Where originshift stops short of what the regulation decides, the callers
in part102.py and textiles.py finish the step and say so in the basis:
- a 102.17 non-qualifying operation comes back `unresolved` instead of
  falling to 102.11(b);
- 102.11(b) with two or more candidate materials comes back `unresolved`,
  where determination-v2 §4 names the `essential` input, else the input of
  highest value among those that did not shift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache

from originshift.corpus import CORPUS_DIR, OVERLAY_DIR, Corpus, covered_by_102_21
from originshift.resolve import NON_QUALIFYING as _OS_OPERATIONS
from originshift.resolve import Material as _OSMaterial
from originshift.resolve import resolve as _os_resolve
from originshift.textile import TextileFacts as _OSTextileFacts

__all__ = ["Material", "MaterialTest", "ShiftResult", "TextileFacts", "ShiftInputError", "is_textile",
           "part102", "no_change_from", "textile", "NON_QUALIFYING", "hts_text"]

#: 19 CFR 102.17: process types of our vocabulary that are, by their nature, a
#: non-qualifying operation; such a process never makes the change of 102.20.
NON_QUALIFYING = {"repackaging": "simple_packing", "mixing_dilution": "mere_dilution"}

_HTS = re.compile(r"\d{6,10}")
_COUNTRY = re.compile(r"[A-Z]{2}")


class ShiftInputError(ValueError):
    """What we were about to pass originshift is not a well-formed fact."""


@dataclass(frozen=True, slots=True)
class Material:
    """An input to the good: its lot, the HTS of its item, its origin and value."""

    lot_id: str
    hts: str
    country: str | None
    value: Decimal | None = None


@dataclass(frozen=True, slots=True)
class MaterialTest:
    """One input tested for the change: HTS in, HTS out, and whether it shifted."""

    lot_id: str
    hts_in: str
    hts_out: str
    country: str | None
    shifted: bool | None  # None: not tested (domestic) or not decidable from codes
    detail: str


@dataclass(frozen=True, slots=True)
class TextileFacts:
    """Facts of production 102.21 turns on, read from the graph (textiles.py)."""

    fabric_formed_in: str | None = None
    knit_to_shape_in: str | None = None
    wholly_assembled_in: str | None = None
    most_important_process_in: str | None = None
    last_important_process_in: str | None = None


@dataclass(frozen=True, slots=True)
class ShiftResult:
    status: str  # resolved | unresolved (originshift's ambiguous is unresolved here)
    origin: str | None
    rule_id: str | None  # originshift's citation: "102.20/8501", "102.21(e)(1)/6301-6306", "102.11(b)(1)"
    basis: str | None  # wholly_obtained | exclusively_domestic | tariff_shift | tariff_shift_de_minimis |
    #                    essential_character | process | knit_to_shape | wholly_assembled | ...
    reason: str  # what decided, or why not
    needed: str  # what is missing, when unresolved
    tests: tuple[MaterialTest, ...] = ()
    non_qualifying: bool = False  # 102.17 stopped the change

    @property
    def not_shifted(self) -> tuple[MaterialTest, ...]:
        return tuple(t for t in self.tests if t.shifted is False)


def hts_text(hts: str) -> str:
    """'850152' -> '8501.52'; '8501524000' -> '8501.52.40.00'."""
    out = f"{hts[:4]}.{hts[4:6]}"
    for i in range(6, len(hts), 2):
        out += f".{hts[i:i + 2]}"
    return out


def _check_hts(hts: str, what: str) -> None:
    if not isinstance(hts, str) or not _HTS.fullmatch(hts):
        raise ShiftInputError(f"{what}: an HTS number of 6 to 10 digits is needed, got {hts!r}")


def _check(good: str, materials: tuple[Material, ...], country: str) -> None:
    _check_hts(good, "the good")
    if not _COUNTRY.fullmatch(country or ""):
        raise ShiftInputError(f"the country of production must be an ISO alpha-2 code, got {country!r}")
    for m in materials:
        _check_hts(m.hts, f"input {m.lot_id}")
        if m.country is not None and not _COUNTRY.fullmatch(m.country):
            raise ShiftInputError(f"input {m.lot_id}: country {m.country!r} is not an ISO alpha-2 code")
        if m.value is not None and m.value < 0:
            raise ShiftInputError(f"input {m.lot_id}: a value cannot be negative")


@cache
def _corpus(which: str) -> Corpus:
    # The corpus shipped with the pinned release, and only its own overlays.
    build = max(CORPUS_DIR.glob(f"{which}-*.json"))
    corpus = Corpus.load(build, overlays=False)
    corpus.apply_overlays(OVERLAY_DIR)
    # `candidates` scans all 1,000-odd rules for every call; the corpus never changes
    # once loaded, so each HTS number's rules are found once.
    corpus.candidates = cache(corpus.candidates)
    return corpus


@lru_cache(maxsize=4096)
def is_textile(hts: str) -> bool:
    """Is the HTS a textile or apparel product of 19 CFR 102.21(b)(5)?"""
    _check_hts(hts, "the good")
    return covered_by_102_21(hts_text(hts))


def part102(good: str, materials: tuple[Material, ...], country: str, *, good_value: Decimal | None = None,
            wholly_obtained: bool = False, operation: str | None = None) -> ShiftResult:
    """19 CFR 102.11(a) and (b) for a good produced in `country` (a USMCA country)."""
    _check(good, materials, country)
    if operation is not None and operation not in _OS_OPERATIONS:
        raise ShiftInputError(f"{operation!r} is not a 102.17 operation")
    if good_value is not None and good_value < 0:
        raise ShiftInputError("the value of the good cannot be negative")
    return _part102(good, materials, country, good_value, wholly_obtained, operation)


@lru_cache(maxsize=4096)
def _part102(good, materials, country, good_value, wholly_obtained, operation) -> ShiftResult:
    r = _os_resolve(hts_text(good), [_os_material(m) for m in materials], country,
                    good_value=float(good_value) if good_value is not None else None,
                    wholly_obtained=wholly_obtained, operation=operation, corpus=_corpus("102.20"))
    return _result(r, good, materials, country, operation is not None)


def no_change_from(good: str, materials: tuple[Material, ...], country: str) -> set[str]:
    """Lots whose HTS sits in a provision from which the 102.20 rule allows no change to the
    good, domestic materials included: the candidates 102.18(b)(1) admits for 102.11(b)."""
    _check(good, materials, country)
    as_foreign = tuple(Material(m.lot_id, m.hts, None, m.value) for m in materials)
    r = _part102(good, as_foreign, country, None, False, None)
    return {t.lot_id for t in r.tests if t.shifted is False}


def textile(good: str, materials: tuple[Material, ...], country: str, facts: TextileFacts, *,
            wholly_obtained: bool = False) -> ShiftResult:
    """19 CFR 102.21(c) for a textile or apparel good last processed in `country`."""
    _check(good, materials, country)
    for name in TextileFacts.__slots__:
        value = getattr(facts, name)
        if value is not None and not _COUNTRY.fullmatch(value):
            raise ShiftInputError(f"{name}: {value!r} is not an ISO alpha-2 code")
    return _textile(good, materials, country, facts, wholly_obtained)


@lru_cache(maxsize=4096)
def _textile(good, materials, country, facts: TextileFacts, wholly_obtained) -> ShiftResult:
    process_in = {}
    if facts.fabric_formed_in:
        process_in["fabric-making process"] = facts.fabric_formed_in
    if facts.knit_to_shape_in:
        process_in["knit"] = facts.knit_to_shape_in
    if facts.wholly_assembled_in:
        process_in["wholly assembled"] = facts.wholly_assembled_in
    os_facts = _OSTextileFacts(process_in=process_in, conditions=_conditions(facts),
                               knit_to_shape_in=facts.knit_to_shape_in,
                               wholly_assembled_in=facts.wholly_assembled_in,
                               most_important_process_in=facts.most_important_process_in,
                               last_important_process_in=facts.last_important_process_in)
    r = _os_resolve(hts_text(good), [_os_material(m) for m in materials], country,
                    wholly_obtained=wholly_obtained, textile=os_facts, corpus=_corpus("102.21"))
    if facts.knit_to_shape_in and r.status != "resolved" and r.reason == "insufficient_information" \
            and ("wholly assembled" in (r.needed or "") or "fabric-making" in (r.needed or "")):
        # originshift 0.3.0 reads every 6101-6117 alternative as holding because its
        # condition mentions paragraph (e)(2) (tests/test_tariff_shift.py), so for a
        # knit-to-shape good it asks for the facts of the not-knit-to-shape ones. The
        # knit-to-shape alternative was weighed and did not decide: (c)(2) does not
        # determine, and 102.21(c)(3) takes over.
        os_facts.c2_does_not_determine = True
        r = _os_resolve(hts_text(good), [_os_material(m) for m in materials], country,
                        wholly_obtained=wholly_obtained, textile=os_facts, corpus=_corpus("102.21"))
    return _result(r, good, materials, country, False)


# originshift 0.3.0 matches a stated condition as a substring of the rule's own
# condition and takes the first phrase found: {"knit to shape": True} would also
# "hold" for "the good is NOT knit to shape and consists of two or more
# component parts". The negated conditions of 102.21(e)(1) are therefore stated
# first, in full, so they match before the bare phrase does.
_NOT_KNIT_PARTS = "not knit to shape and consists of two or more component parts"
_NOT_KNIT_ONE = "not knit to shape and does not consist of two or more component parts"


def _conditions(facts: TextileFacts) -> dict[str, bool]:
    if facts.knit_to_shape_in:
        return {_NOT_KNIT_PARTS: False, _NOT_KNIT_ONE: False, "knit to shape": True}
    if facts.wholly_assembled_in:
        return {_NOT_KNIT_PARTS: True, _NOT_KNIT_ONE: False, "knit to shape": False,
                "two or more component parts": True}
    return {}


def _os_material(m: Material) -> _OSMaterial:
    return _OSMaterial(hts_text(m.hts), m.country, float(m.value) if m.value is not None else None)


def _result(r, good: str, materials: tuple[Material, ...], country: str, non_qualifying: bool) -> ShiftResult:
    outcome: dict[str, tuple[str, str]] = {}
    finding = next((f for f in r.trace if f.rule_id == r.rule_id and f.checks), None) \
        or next((f for f in r.trace if f.checks), None)
    if finding is not None:
        outcome = {c.material: (c.outcome, c.detail) for c in finding.checks}
    tests = []
    for m in materials:
        if m.country == country:
            tests.append(MaterialTest(m.lot_id, m.hts, good, m.country, None, "domestic: need not shift"))
            continue
        seen = outcome.get(hts_text(m.hts))
        if non_qualifying:
            tests.append(MaterialTest(m.lot_id, m.hts, good, m.country, False,
                                      "102.17: a non-qualifying operation makes no change"))
        elif seen is None:
            tests.append(MaterialTest(m.lot_id, m.hts, good, m.country, None, "not tested by the rule"))
        else:
            shifted = {"shifted": True, "not_shifted": False, "excluded": False}.get(seen[0])
            tests.append(MaterialTest(m.lot_id, m.hts, good, m.country, shifted, seen[1]))
    status = "resolved" if r.status == "resolved" and r.origin else "unresolved"
    return ShiftResult(status, r.origin if status == "resolved" else None, r.rule_id, r.basis,
                       r.reason or (r.rule_text or ""), r.needed or "", tuple(tests), non_qualifying)
