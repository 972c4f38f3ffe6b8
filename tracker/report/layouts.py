"""Report layouts: which sheets, in which order, with which columns and headers.

A layout is a toml file in `reports/` (`default.toml`, `cf28.toml`) or a
team's own path. Column keys are fixed by the row builders (`kinds.py`); a
key no builder gives, or a sheet without columns, is refused naming the
layout file, the sheet and the key rather than printing an empty column.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from ..findings import TrackerError
from .kinds import SHEET_KINDS

__all__ = ["LAYOUTS_DIR", "load_layout"]

LAYOUTS_DIR = Path(__file__).resolve().parent.parent.parent / "reports"


def load_layout(name: str | os.PathLike | None = None) -> dict:
    """A layout by name (`default`, `cf28`: files in reports/) or by path."""
    path = Path(name) if name and (str(name).endswith(".toml") or os.sep in str(name)) else \
        LAYOUTS_DIR / f"{name or 'default'}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in LAYOUTS_DIR.glob("*.toml")))
        raise TrackerError(f"no report layout {str(name)!r} (known: {known}, or give a .toml path)")
    try:
        layout = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TrackerError(f"report layout {path}: {exc}") from None
    for sheet in layout.get("sheet", []):
        if sheet.get("kind") not in SHEET_KINDS:
            raise TrackerError(f"report layout {path}: unknown sheet kind {sheet.get('kind')!r} "
                               f"(known: {', '.join(SHEET_KINDS)})")
    layout["path"] = str(path)
    return layout

