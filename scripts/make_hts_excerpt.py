"""Cut the excerpt of HTS Chapter 99 that tests/test_measures.py derives from.

    python scripts/make_hts_excerpt.py hts-2026-rev6-chapter99.txt.gz tests/data/hts99_excerpt.txt

Keeps, in reading order, what the derivation reads: the running title, notes
16, 19 (its first lines), 20 and 31 with each list cut to its first lines,
the USTR exclusion subdivisions still in force, and the tariff lines of the
headings whose dates the derivation takes from them. The lines kept are the
text's own, trailing spaces aside.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEEP_LIST_LINES = 3  # of each run of lines holding only HTS numbers
TARIFF_LINES = ("9903.82.02", "9903.82.09", "9903.88.69", "9903.88.70", "9903.91.10", "9903.92.10")


def main(argv: list[str]) -> int:
    from tracker.measures_load import read_text
    from tracker.refdata.hts99 import _TOKENS_ONLY, _lines

    text, _ = read_text(Path(argv[0]))
    lines = _lines(text)
    out = lines[:3]

    def note(number: int, first: str, until: str) -> list[str]:
        start = next(i for i, l in enumerate(lines) if re.match(rf"^{number}\.\s+\(a\)", l) and first in l)
        end = next(i for i in range(start + 1, len(lines)) if re.match(until, lines[i]))
        return lines[start:end]

    def cut_lists(part: list[str]) -> list[str]:
        kept, run = [], 0
        for line in part:
            run = run + 1 if _TOKENS_ONLY.match(line) else 0
            if run <= KEEP_LIST_LINES:
                kept.append(line)
        return kept

    out += cut_lists(note(16, "9903.85.67", r"^17\.\s"))
    out += [l for l in lines if re.match(r"^17\.\s+\(a\)", l)][:1]
    out += note(19, "This note", r"^\s*\(i\)\s")[:12]
    n20 = note(20, "9903.88.01", r"^21\.\s")
    drop, parts = False, False  # parts: inside (s) or (vvv), whose parts are (i), (ii)...
    for line in cut_lists(n20):
        m = re.match(r"^\(([a-z]{1,3})\)\s", line)
        if m and not (parts and m[1] in ("i", "ii", "iii", "iv")):
            # the exclusions that ended: (h) to (q), (u) to (uuu) but (vvv)
            drop = m[1] in set("hijklmnopqu") or (len(m[1]) > 1 and m[1] not in ("vvv", "www"))
            parts = m[1] in ("s", "vvv")
        if not drop:
            out.append(line)
    out += [l for l in lines if re.match(r"^21\.\s+\(a\)", l)][:1]
    out += cut_lists(note(31, "9903.91.01", r"^32\.\s"))
    out += [l for l in lines if re.match(r"^32\.\s", l)][:1]
    for heading in TARIFF_LINES:
        start = next(i for i, l in enumerate(lines) if re.match(rf"^{re.escape(heading)}\s", l))
        out += lines[start:start + 20] + [""]
    Path(argv[1]).write_text("\n".join(line.rstrip() for line in out) + "\n", encoding="utf-8")
    print(f"{len(out)} lines -> {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
