"""Regenerate the bundled Section 301 and 232 measures from an HTS Chapter 99 text.

    python scripts/derive_measures.py hts-2026-rev6-chapter99.txt.gz

Writes schemas/measures_hts99.csv.gz and its manifest schemas/measures_hts99.toml
(the release and the SHA-256 of the text they come from). The text is the
USITC's Chapter 99 as plain text, gzip or not. To load a newer release into a
database without changing the package, use `tracker measures load-hts FILE`.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str]) -> int:
    from tracker.measures_load import read_text
    from tracker.refdata.hts99 import derive, release_of, write_bundle

    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    text, sha = read_text(Path(argv[0]))
    release = release_of(text)
    rows = derive(text, release)
    csv_path, manifest = write_bundle(rows, ROOT / "schemas", release, sha)
    print(f"HTS {release}: {len(rows)} rows -> {csv_path.relative_to(ROOT)}, {manifest.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
