#!/usr/bin/env bash
# Build the wheel, install it alone into a fresh virtual environment outside
# the checkout, and run `tracker demo` and `tracker template` in an empty
# folder: proves the package carries everything it needs at run time
# (schemas, report layouts, sample data), which an editable install hides.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/tracker-wheel.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Build from a copy of the files git knows (tracked or new, not ignored): nothing
# stale from an earlier build/ or a local file git would not ship gets in.
src="."
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  src="$work/src"
  mkdir "$src"
  git ls-files -z --cached --others --exclude-standard | "$PYTHON" -c '
import shutil, sys
from pathlib import Path
for name in sys.stdin.buffer.read().decode().split("\0"):
    if name and Path(name).is_file():  # a deleted file is still listed until committed
        (Path(sys.argv[1]) / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(name, Path(sys.argv[1]) / name)
' "$src"
fi
"$PYTHON" -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$work/dist" "$src"
wheel="$(ls "$work"/dist/tracker-*.whl)"
"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"

mkdir "$work/run"
cd "$work/run"
env -u TRACKER_DB -u TRACKER_EVIDENCE -u TRACKER_SCHEMAS -u TRACKER_REPORTS \
  "$work/venv/bin/tracker" demo --dir demo >demo.log
"$work/venv/bin/tracker" template -o supplier-template.xlsx
test -s demo/evidence.xlsx && test -s demo/evidence-package.zip && test -s supplier-template.xlsx
grep -q "verified" demo.log
echo "The wheel $(basename "$wheel") installed alone runs tracker demo and tracker template."
