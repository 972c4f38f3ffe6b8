"""Report layouts: which sheets, in which order, with which columns and headers.

A layout is a toml file in `reports/` (`default.toml`, `cf28.toml`) or a
team's own path. Column keys are fixed by the row builders (`kinds.py`); a
key no builder gives, or a sheet without columns, is refused naming the
layout file, the sheet and the key rather than printing an empty column.
"""

from __future__ import annotations

import difflib
import os
import tomllib

from ..findings import TrackerError
from ..resources import bundled, layout_path
from .kinds import SHEET_KINDS, SUBMISSION_KINDS
from .submission import CONFIDENTIAL_KINDS, ALIAS_KINDS

__all__ = ["LAYOUTS_DIR", "load_layout"]

LAYOUTS_DIR = bundled("reports")  # the bundled layouts; a team's own folder comes first (TRACKER_REPORTS)


def load_layout(name: str | os.PathLike | None = None, *, default: str = "default") -> dict:
    """A layout by name (`default`, `cf28`, or one in $TRACKER_REPORTS) or by path."""
    path = layout_path(name or default)
    try:
        layout = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TrackerError(f"report layout {path}: {exc}") from None
    if not layout.get("sheet"):
        raise TrackerError(f"report layout {path}: no [[sheet]] tables")
    for n, sheet in enumerate(layout["sheet"], start=1):
        where = f"report layout {path}, sheet {sheet.get('name') or n}"
        kind = sheet.get("kind")
        if kind not in SHEET_KINDS:
            raise TrackerError(f"{where}: unknown sheet kind {kind!r} (known: {', '.join(SHEET_KINDS)})")
        if not sheet.get("name"):
            raise TrackerError(f"{where}: give the sheet a name")
        builder = SHEET_KINDS[kind]
        if builder is None:  # drawn by its own writer: no columns
            continue
        columns = sheet.get("columns")
        if not isinstance(columns, list) or not columns:
            raise TrackerError(f"{where}: a {kind} sheet needs columns = [{{ key = ..., header = ... }}, ...] "
                               f"(keys: {', '.join(builder.keys)})")
        for column in columns:
            key = column.get("key") if isinstance(column, dict) else None
            if key not in builder.keys:
                close = difflib.get_close_matches(str(key), builder.keys, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise TrackerError(f"{where}: unknown column key {key!r} for a {kind} sheet{hint} "
                                   f"(keys: {', '.join(builder.keys)})")
            column.setdefault("header", key)
    product = layout.setdefault("product", "review")
    if product not in ("review", "submission"):
        raise TrackerError(f"report layout {path}: product is \"review\" (the internal review) or \"submission\" "
                           f"(for CBP), not {product!r}")
    if product == "submission":
        for sheet in layout["sheet"]:
            if sheet["kind"] not in SUBMISSION_KINDS:
                raise TrackerError(f"report layout {path}, sheet {sheet['name']}: a {sheet['kind']} sheet belongs "
                                   f"to the internal review, not a submission for CBP "
                                   f"(kinds: {', '.join(sorted(SUBMISSION_KINDS))})")
    fields = layout.setdefault("confidential", {}).setdefault("fields", [])
    unknown = [f for f in fields if f not in CONFIDENTIAL_KINDS]
    if unknown:
        raise TrackerError(f"report layout {path}: unknown confidential field {unknown[0]!r} "
                           f"(known: {', '.join(CONFIDENTIAL_KINDS)})")
    aliased = layout["confidential"].setdefault("aliased", [])
    unknown = [f for f in aliased if f not in ALIAS_KINDS]
    if unknown:
        raise TrackerError(f"report layout {path}: unknown aliased identifier {unknown[0]!r} "
                           f"(known: {', '.join(ALIAS_KINDS)})")
    layout["path"] = str(path)
    return layout

