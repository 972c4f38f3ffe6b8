"""Section 301 and Section 232 measures, derived from the HTS Chapter 99 text.

The Harmonized Tariff Schedule (USITC; one release, such as "2026 Revision 6")
enumerates in the U.S. notes to subchapter III of Chapter 99 the subheadings
each action covers:

- note 20(b), (d), (f), (s): Section 301 China Lists 1, 2, 3 and 4A (headings
  9903.88.01, .02, .03 and .15), each list's rate in subdivisions (a), (c),
  (e) and (r); note 20(vvv) and (www): the product exclusions still in force
  (headings 9903.88.69 and .70, whose tariff lines give their dates);
- note 31: the 2024 four-year review increases (headings 9903.91.01 to .11,
  89 FR 76581), each subdivision with the date it takes effect (and ends);
  subheading 9903.92.10 (ship-to-shore cranes) in its tariff line;
- note 16(c): the Section 232 lists of articles of aluminum, steel and copper
  and their derivatives (headings 9903.82.02 to .19), in force since the date
  note 19 gives for the end of the headings they replaced.

What the text does not state (when a list first took effect and its rates
before today's) comes from the Federal Register notices in `LISTS_301` and
`NOTE_31_RATES`. The text's current rate of each list is checked against the
last stage there, so a release that changes a rate stops the derivation with
`DerivationError` rather than being read wrong.

An exclusion that names only a statistical reporting number excludes it
outright (`exclusion` "yes"). One that describes a product ("pump parts, of
plastics, each valued not over $3 (described in 8413.91.9085)") has `exclusion`
"described": the number alone does not prove the goods are the product
described, so such an exclusion is listed but does not lift coverage.

Preconditions: `text` is the plain-text Chapter 99 as the USITC publishes it,
pages separated by form feeds, notes before tariff lines, in reading order.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterable

__all__ = ["FIELDS", "DerivationError", "Stage", "List301", "LISTS_301", "NOTE_31_RATES",
           "derive", "release_of", "write_bundle", "read_rows", "BUNDLE_NAME", "MANIFEST_NAME"]

FIELDS = ("measure_id", "kind", "country", "hts_prefix", "effective_on", "expires_on", "rate",
          "heading", "exclusion", "description", "source", "note")
BUNDLE_NAME = "measures_hts99.csv.gz"
MANIFEST_NAME = "measures_hts99.toml"


class DerivationError(ValueError):
    """The text does not read as the derivation expects (a note moved, a rate changed)."""


@dataclass(frozen=True)
class Stage:
    effective_on: date
    rate: str  # percent ad valorem, as the heading states it
    source: str  # the Federal Register notice that set it


@dataclass(frozen=True)
class List301:
    measure_id: str
    name: str
    heading: str
    rate_subdivision: str  # the note 20 subdivision stating the list's rate
    list_subdivision: str  # the note 20 subdivision enumerating its subheadings
    next_subdivision: str
    stages: tuple[Stage, ...]


# Dates and earlier rates from the notices; the current rate is checked against the text.
LISTS_301: tuple[List301, ...] = (
    List301("SEC301-CN-LIST1", "List 1", "9903.88.01", "a", "b", "c",
            (Stage(date(2018, 7, 6), "25", "83 FR 28710 (2018-06-20)"),)),
    List301("SEC301-CN-LIST2", "List 2", "9903.88.02", "c", "d", "e",
            (Stage(date(2018, 8, 23), "25", "83 FR 40823 (2018-08-16)"),)),
    List301("SEC301-CN-LIST3", "List 3", "9903.88.03", "e", "f", "g",
            (Stage(date(2018, 9, 24), "10", "83 FR 47974 (2018-09-21)"),
             Stage(date(2019, 5, 10), "25", "84 FR 20459 (2019-05-09)"))),
    List301("SEC301-CN-LIST4A", "List 4A", "9903.88.15", "r", "s", "t",
            (Stage(date(2019, 9, 1), "15", "84 FR 43304 (2019-08-20) as modified by 84 FR 45821 (2019-08-30)"),
             Stage(date(2020, 2, 14), "7.5", "85 FR 3741 (2020-01-22)"))),
)

# The rates of the note 31 headings, as their tariff lines state them (89 FR 76581, 2024-09-18).
NOTE_31_RATES = {
    "9903.91.01": "25", "9903.91.02": "50", "9903.91.03": "100", "9903.91.04": "25",
    "9903.91.05": "50", "9903.91.06": "25", "9903.91.07": "50", "9903.91.08": "100",
    "9903.91.11": "25", "9903.92.10": "25",
}
NOTE_31_FR = "89 FR 76581 (2024-09-18)"
NOTE_31_FROM = date(2024, 9, 27)  # 9903.92.10's own date, from the same notice

# Note 16(c) subdivisions by the heading that states their rate for most countries.
SECTION_232_GROUPS = {
    "i": ("9903.82.02", "50"), "ii": ("9903.82.02", "50"), "iii": ("9903.82.02", "50"),
    "iv": ("9903.82.02", "50"), "v": ("9903.82.02", "50"),
    "vi": ("9903.82.09", "25"), "vii": ("9903.82.09", "25"), "viii": ("9903.82.09", "25"),
    "ix": ("9903.82.10", "15"), "x": ("9903.82.10", "15"),
}

_HTS8 = re.compile(r"(?<![\d.])(\d{4}\.\d{2}\.\d{2})(?![\d.])")
_HTS8_10 = re.compile(r"(?<![\d.])(\d{4}\.\d{2}\.\d{2}(?:\d{2})?)(?![\d.])")
_STAT = re.compile(r"(?<![\d.])(\d{4}\.\d{2}\.\d{4})(?![\d.])")
_ANY_TOKEN = r"\d{4}(?:\.\d{2}(?:\.\d{2}(?:\d{2})?)?)?"
_TOKENS_ONLY = re.compile(rf"^\s*(?:{_ANY_TOKEN}\s+)*{_ANY_TOKEN}\s*$")
_DATE = r"([A-Z][a-z]+\s+\d{1,2},\s+\d{4})"
_ROMAN_232 = r"(i|ii|iii|iv|v|vi|vii|viii|ix|x)"


def _lines(text: str) -> list[str]:
    return [line.replace("\f", "") for line in text.split("\n")]


def _join(lines: Iterable[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(lines)).strip()


def _day(text: str) -> date:
    return datetime.strptime(re.sub(r"\s+", " ", text), "%B %d, %Y").date()


def _digits(hts: str) -> str:
    return hts.replace(".", "")


def _find(lines: list[str], pattern: str, start: int = 0) -> int:
    rx = re.compile(pattern)
    for i in range(start, len(lines)):
        if rx.search(lines[i]):
            return i
    raise DerivationError(f"no line matches {pattern!r}")


def _note(lines: list[str], number: int, heading: str) -> list[str]:
    """The lines of U.S. note `number` to subchapter III (the one naming `heading` in its first lines)."""
    starts = [i for i, line in enumerate(lines) if re.match(rf"^{number}\.\s+\(a\)", line)
              and heading in _join(lines[i:i + 3])]
    if not starts:
        raise DerivationError(f"no U.S. note {number} naming {heading}")
    start = starts[0]
    end = _find(lines, rf"^{number + 1}\.\s", start + 1)
    return lines[start:end]


def _subdivision(note: list[str], sub: str, until: str, text: str = "") -> list[str]:
    start = _find(note, rf"^(?:\d+\.\s+)?\({sub}\)\s+{text}")
    end = _find(note, rf"^\({until}\)\s", start + 1)
    return note[start:end]


def _tariff_line(lines: list[str], heading: str, width: int = 100) -> str:
    """The article description of a heading's tariff line (left column only)."""
    start = _find(lines, rf"^{re.escape(heading)}\s")
    out = [lines[start][:width]]
    for line in lines[start + 1:start + 25]:
        if re.match(r"^99\d\d\.\d\d\.\d\d\s", line) or line.startswith(("1/", " 1/")):
            break
        out.append(line[:width])
    return re.sub(r"\.{3,}\s*1/", "", _join(out))


def release_of(text: str) -> str:
    """'2026 Revision 6' from the running title of the text ('2026 Basic' for a basic edition)."""
    m = re.search(r"Harmonized Tariff Schedule of the United States\s+(?:Revision\s+(\d+)\s+)?\((\d{4})\)", text)
    if not m:
        raise DerivationError("the text does not name its HTS release in its title")
    return f"{m[2]} Revision {m[1]}" if m[1] else f"{m[2]} Basic"


def _row(measure_id: str, kind: str, country: str, hts: str, effective_on: date, expires_on: date | None,
         rate: str, heading: str, description: str, source: str, note: str = "",
         exclusion: bool = False, conditional: bool = False) -> dict:
    return {"measure_id": measure_id, "kind": kind, "country": country, "hts_prefix": _digits(hts),
            "effective_on": effective_on.isoformat(), "expires_on": expires_on.isoformat() if expires_on else "",
            "rate": rate, "heading": heading,
            "exclusion": ("described" if conditional else "yes") if exclusion else "",
            "description": description, "source": source,
            "note": note}


# --- Section 301: note 20 -------------------------------------------------------------

def _list_rate(note20: list[str], spec: List301) -> str:
    part = _join(_subdivision(note20, spec.rate_subdivision, spec.list_subdivision,
                              rf"For the purposes of heading {re.escape(spec.heading)}"))
    m = re.search(r"additional ([\d.]+) percent ad valorem", part)
    if not m:
        raise DerivationError(f"note 20({spec.rate_subdivision}) states no rate for {spec.heading}")
    return m[1]


def _staged(spec: List301, hts: str, release: str, sub: str, **kw) -> list[dict]:
    rows = []
    for i, stage in enumerate(spec.stages):
        ends = spec.stages[i + 1].effective_on - timedelta(days=1) if i + 1 < len(spec.stages) else None
        rows.append(_row(spec.measure_id, "301", "CN", hts, stage.effective_on, ends, stage.rate, spec.heading,
                         f"Section 301 China {spec.name} ({stage.rate}%)",
                         f"HTS {release}, ch. 99 U.S. note 20({sub}); {stage.source}", **kw))
    return rows


def section_301_lists(lines: list[str], release: str) -> list[dict]:
    """Every subheading of Lists 1, 2, 3 and 4A, one row per rate stage."""
    note20 = _note(lines, 20, "9903.88.01")
    rows: list[dict] = []
    for spec in LISTS_301:
        rate = _list_rate(note20, spec)
        if rate != spec.stages[-1].rate:
            raise DerivationError(f"the text gives {rate}% for {spec.heading} ({spec.name}); the last "
                                  f"stage known is {spec.stages[-1].rate}%: add the notice that changed it")
        part = _subdivision(note20, spec.list_subdivision, spec.next_subdivision,
                            rf"Heading {re.escape(spec.heading)} applies")
        described: list[str] = []
        cut = next((i for i, line in enumerate(part) if re.match(r"^\(ii\)\s+the following products", line)), None)
        if cut is not None:  # 20(s)(ii): subheadings with statistical numbers carved out
            part, described = part[:cut], part[cut:]
        seen = set()
        for hts in (h for line in part for h in _HTS8.findall(line) if not h.startswith("99")):
            if hts not in seen:
                seen.add(hts)
                rows += _staged(spec, hts, release, spec.list_subdivision)
        for item in re.split(r"\s(?=\d{1,2}\.\s+[A-Z])", " " + _join(described[1:])):
            m = re.search(r"provided for in subheading (\d{4}\.\d{2}\.\d{2}),?\s+except (.*)", item)
            if not m:
                continue
            rows += _staged(spec, m[1], release, f"{spec.list_subdivision})(ii",
                            note=f"Except {m[2].rstrip(' .;')}")
            for stat in _STAT.findall(m[2]):
                rows.append(_row(spec.measure_id, "301", "CN", stat, spec.stages[0].effective_on, None, "",
                                 spec.heading, f"Not in {spec.name}: carved out of {m[1]} by note "
                                 f"20({spec.list_subdivision})(ii)", f"HTS {release}, ch. 99 U.S. note "
                                 f"20({spec.list_subdivision})(ii)", exclusion=True))
    return rows


def _exclusion_dates(lines: list[str], heading: str) -> tuple[date, date]:
    line = _tariff_line(lines, heading)
    m = re.search(rf"on or after {_DATE},? and through {_DATE}", line)
    if not m:
        raise DerivationError(f"the tariff line of {heading} gives no period")
    return _day(m[1]), _day(m[2])


def _exclusion_items(part: list[str]) -> list[tuple[str, str]]:
    """(item number, text) of each numbered exclusion."""
    items: list[tuple[str, list[str]]] = []
    for line in part[1:]:
        m = re.match(r"^\s*\((\d+)\)\s+(.*)", line)
        if m:
            items.append((m[1], [m[2]]))
        elif items and line.strip():
            items[-1][1].append(line)
    return [(n, _join(text)) for n, text in items]


def section_301_exclusions(lines: list[str], release: str) -> list[dict]:
    """The exclusions in force: note 20(vvv)(i)-(iv) (9903.88.69) and (www) (9903.88.70)."""
    note20 = _note(lines, 20, "9903.88.01")
    by_heading = {spec.heading: spec for spec in LISTS_301}
    vvv = _find(note20, r"^\(vvv\)\s")
    www = _find(note20, r"^\(www\)\s", vvv + 1)
    end = next((i for i in range(www + 1, len(note20))
                if "9903.89." in note20[i] or re.match(r"^\d{1,2}\.\s", note20[i])), len(note20))
    parts: list[tuple[str, str, list[str]]] = []
    starts = [i for i in range(vvv, www) if re.match(r"^(?:\(vvv\)\s+)?\((i|ii|iii|iv)\)\s", note20[i])]
    for a, b in zip(starts, starts[1:] + [www]):
        parts.append(("9903.88.69", "vvv)(" + re.match(r"^(?:\(vvv\)\s+)?\(([iv]+)\)", note20[a])[1], note20[a:b]))
    parts.append(("9903.88.70", "www", note20[www:end]))
    merged: dict[tuple[str, str], dict] = {}
    for heading, sub, part in parts:
        m = re.search(r"classified in heading (9903\.88\.\d\d)", _join(part[:4]))
        if not m or m[1] not in by_heading:
            raise DerivationError(f"note 20({sub}) names no list heading")
        spec = by_heading[m[1]]
        start, through = _exclusion_dates(lines, heading)
        for number, text in _exclusion_items(part):
            numbers = _STAT.findall(text) or _HTS8.findall(text)
            conditional = not re.fullmatch(r"[\d.]+", text.strip())
            for hts in numbers:
                key = (spec.measure_id, _digits(hts))
                row = merged.get(key)
                if row is None:
                    merged[key] = _row(spec.measure_id, "301", "CN", hts, start, through, "", heading,
                                       f"USTR exclusion from {spec.name}: " + (text[:160] if conditional else hts),
                                       f"HTS {release}, ch. 99 U.S. note 20({sub})({number}); heading {heading}",
                                       "Applies only to the product described: confirm the goods match"
                                       if conditional else "", exclusion=True, conditional=conditional)
                else:
                    row["source"] += f", ({number})"
                    if not conditional:  # an exclusion of the whole number covers the described ones too
                        row["exclusion"], row["note"] = "yes", ""
                        row["description"] = f"USTR exclusion from {spec.name}: {hts}"
    return list(merged.values())


# --- Section 301: note 31 ---------------------------------------------------------------

def four_year_review(lines: list[str], release: str) -> list[dict]:
    """Note 31's headings 9903.91.01-.11 with their staged dates, and subheading 9903.92.10."""
    note31 = _note(lines, 31, "9903.91.01")
    rows: list[dict] = []
    start_rx = re.compile(r"^\s*(?:\(([a-z])\)\s*)?(?:\(([ivx]+)\)\s*)?(?:Heading|Subheading) "
                          r"(9903\.9\d\.\d\d) applies")
    letter = ""
    blocks: list[tuple[str, str, list[str]]] = []
    for i, line in enumerate(note31):
        lm = re.match(r"^\s{0,6}\(([a-z])\)(\s|$)", line)
        if lm and not start_rx.match(line):
            letter = lm[1]
        m = start_rx.match(line)
        if not m:
            continue
        letter = m[1] or letter
        end = next((j for j in range(i + 1, len(note31))
                    if re.match(r"^\s{0,6}\([a-z]{1,4}\)(\s|$)", note31[j])), len(note31))
        sub = letter + (f")({m[2]}" if m[2] else "")
        blocks.append((m[3], sub, note31[i:end]))
    for heading, sub, block in blocks:
        if heading not in NOTE_31_RATES:
            continue
        text = _join(block)
        on = re.search(rf"on or after .*?{_DATE}", text)
        if not on:
            raise DerivationError(f"note 31({sub}) gives no date for {heading}")
        before = re.search(rf"and before {_DATE}", text)
        ends = _day(before[1]) - timedelta(days=1) if before else None
        rate = NOTE_31_RATES[heading]
        for hts in dict.fromkeys(h for h in _HTS8_10.findall(text) if not h.startswith("99")):
            rows.append(_row(f"SEC301-CN-{heading}", "301", "CN", hts, _day(on[1]), ends, rate, heading,
                             f"Section 301 four-year review (2024): note 31({sub}) ({rate}%)",
                             f"HTS {release}, ch. 99 U.S. note 31({sub}); {NOTE_31_FR}"))
    cranes = _tariff_line(lines, "9903.92.10")
    for hts in re.findall(r"subheading (\d{4}\.\d{2}\.\d{2})", cranes):
        rows.append(_row("SEC301-CN-9903.92.10", "301", "CN", hts, NOTE_31_FROM, None,
                         NOTE_31_RATES["9903.92.10"], "9903.92.10",
                         "Section 301 four-year review (2024): ship-to-shore gantry cranes (25%)",
                         f"HTS {release}, ch. 99 subheading 9903.92.10; {NOTE_31_FR}"))
    # Exclusions written as their own tariff lines: "Notwithstanding heading X, ... entries of
    # <goods>, of China, on or after D1, and before D2 (described in statistical reporting number N)".
    for i, line in enumerate(lines):
        m = re.match(r"^(9903\.91\.\d\d)\s+1/\s+Notwithstanding heading (9903\.91\.\d\d)", line)
        if not m or m[2] not in NOTE_31_RATES:
            continue
        text = _tariff_line(lines, m[1])
        d = re.search(rf"entries of (.*?), of China, on or after {_DATE},? and before {_DATE} "
                      r"\(described in statistical reporting number (\d{4}\.\d{2}\.\d{4})\)", text)
        if d:
            rows.append(_row(f"SEC301-CN-{m[2]}", "301", "CN", d[4], _day(d[2]),
                             _day(d[3]) - timedelta(days=1), "", m[1],
                             f"Not under {m[2]}: {d[1]} (heading {m[1]})",
                             f"HTS {release}, ch. 99 heading {m[1]}; {NOTE_31_FR}", exclusion=True))
    return rows


# --- Section 232: note 16 -------------------------------------------------------------------

def _section_232_from(lines: list[str]) -> date:
    """Note 16's headings replaced note 19's: the day note 19 says those ended."""
    note19 = _join(_note(lines, 19, "aluminum products")[:12])
    m = re.search(rf"9903\.85\.01.*?terminated as of {_DATE}", note19)
    if not m:
        raise DerivationError("note 19 does not say when its headings ended")
    return _day(m[1])


def section_232(lines: list[str], release: str) -> list[dict]:
    """Note 16(c): articles of aluminum, steel and copper, and their derivatives."""
    note16 = _note(lines, 16, "9903.82.02")
    start = _find(note16, r"^\(c\)\s+Headings 9903\.82\.02")
    end = _find(note16, r"^\(d\)\s", start + 1)
    effective = _section_232_from(lines)
    title = re.compile(rf"^\s*\({_ROMAN_232}\)\s+(Articles of (aluminum|steel|copper)|Derivative "
                       r"(aluminum|steel) articles):\s*(.*)$")
    lists: dict[str, tuple[str, bool, list[str]]] = {}
    current = None
    for line in note16[start:end]:
        m = title.match(line)
        if m:
            current = m[1]
            lists[current] = (m[3] or m[4], m[4] is not None, [])
            rest = m[5]
            if _TOKENS_ONLY.match(rest):
                lists[current][2].extend(rest.split())
        elif current and _TOKENS_ONLY.match(line):
            lists[current][2].extend(line.split())
    rows = []
    for sub, (metal, derivative, numbers) in lists.items():
        heading, rate = SECTION_232_GROUPS[sub]
        what = f"derivative {metal} articles" if derivative else f"articles of {metal}"
        measure_id = f"SEC232-{metal.upper()}{'-DERIV' if derivative else ''}-{sub}"
        for hts in dict.fromkeys(numbers):
            rows.append(_row(measure_id, "232", "*", hts, effective, None, rate, heading,
                             f"Section 232: {what} (note 16(c)({sub}))",
                             f"HTS {release}, ch. 99 U.S. note 16(c)({sub}); heading {heading}",
                             "Outside chapters 72, 73, 74 and 76 only when the metal is 15% or more of the "
                             "article's weight (note 16(c)); the rate differs for UK, Russian and US-metal goods"
                             if derivative or metal == "copper" else ""))
    return rows


# --- the whole derivation ---------------------------------------------------------------------

def derive(text: str, release: str | None = None) -> list[dict]:
    """Every bundled Section 301 and Section 232 row the text gives, sorted."""
    lines = _lines(text)
    release = release or release_of(text)
    rows = (section_301_lists(lines, release) + section_301_exclusions(lines, release)
            + four_year_review(lines, release) + section_232(lines, release))
    keys = set()
    for r in rows:
        key = (r["measure_id"], r["hts_prefix"], r["effective_on"])
        if key in keys:
            raise DerivationError(f"{key} derived twice")
        keys.add(key)
    return sorted(rows, key=lambda r: (r["measure_id"], r["hts_prefix"], r["effective_on"]))


def write_bundle(rows: list[dict], folder: Path, release: str, source_sha256: str) -> tuple[Path, Path]:
    """The gzip CSV the package ships, and its manifest naming the release (byte-stable)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    csv_path, manifest = folder / BUNDLE_NAME, folder / MANIFEST_NAME
    with gzip.GzipFile(csv_path, "wb", mtime=0) as fh:
        fh.write(data)
    prefixes: dict[str, set[str]] = {}
    for r in rows:
        if not r["exclusion"]:
            prefixes.setdefault(r["measure_id"], set()).add(r["hts_prefix"])
    lines = ["# Written by `python scripts/derive_measures.py FILE`: do not edit by hand.",
             f'release = "HTS {release}"',
             f'source_sha256 = "{source_sha256}"',
             f'rows_sha256 = "{hashlib.sha256(data).hexdigest()}"',
             f"rows = {len(rows)}",
             f"exclusions = {sum(1 for r in rows if r['exclusion'])}",
             "", "[prefixes]  # HTS prefixes per measure, exclusions aside"]
    lines += [f'"{k}" = {len(v)}' for k, v in sorted(prefixes.items())]
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return csv_path, manifest


def read_rows(fh) -> list[dict]:
    """Rows of a bundle written by `write_bundle`, from a binary file object."""
    with gzip.open(fh, "rt", encoding="utf-8", newline="") as text:
        return list(csv.DictReader(text))
