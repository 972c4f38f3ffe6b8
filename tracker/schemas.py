"""The declarative data under `schemas/`: vocabularies, the workbook layout,
evidence rules, flag descriptions and the default trade measures.

Users adjust these files rather than the code. `TRACKER_SCHEMAS` may name a
folder of the user's own copies (or `Tracker(schemas=FOLDER)` for one
object, through `using`); a file missing there falls back to the bundled one,
which ships inside the package (`tracker.resources`). What is read is kept
per folder, so switching folders never serves another folder's data.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import os
import tomllib
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TypeVar

__all__ = ["schema_path", "vocabulary", "process_classes", "workbook_layout", "SheetSpec",
           "ColumnSpec", "evidence_rules", "flag_info", "default_measures_rows", "sheet_by_name",
           "sheet_headers", "user_folder", "using", "derived_measures_bytes", "derived_measures_rows",
           "refdata_manifest", "programs"]

_FOLDER: ContextVar[Path | None] = ContextVar("tracker_schemas", default=None)
_T = TypeVar("_T")


def user_folder() -> Path | None:
    """The user's schema folder in effect: `using(...)`'s, else `TRACKER_SCHEMAS`, else none."""
    folder = _FOLDER.get()
    if folder is None and os.environ.get("TRACKER_SCHEMAS"):
        folder = Path(os.environ["TRACKER_SCHEMAS"])
    return folder


@contextmanager
def using(folder: str | os.PathLike | None) -> Iterator[None]:
    """Read the user's schema files from `folder` inside the block (None: as outside it)."""
    if folder is None:
        yield
        return
    token = _FOLDER.set(Path(folder))
    try:
        yield
    finally:
        _FOLDER.reset(token)


def schema_path(name: str) -> Path:
    """The file `name` from the user's schema folder if it has one, else the bundled one."""
    from .resources import bundled

    override = user_folder()
    if override is not None and (override / name).is_file():
        return override / name
    return bundled("schemas") / name


def cache(fn: Callable[[], _T]) -> Callable[[], _T]:
    """Read once per schema folder in effect."""
    read: dict[Path | None, _T] = {}

    @functools.wraps(fn)
    def per_folder() -> _T:
        folder = user_folder()
        if folder not in read:
            read[folder] = fn()
        return read[folder]

    per_folder.cache_clear = read.clear  # type: ignore[attr-defined]
    return per_folder


def _toml(name: str) -> dict:
    with schema_path(name).open("rb") as fh:
        return tomllib.load(fh)


@cache
def vocabulary() -> dict[str, list[str]]:
    """Every vocabulary by name: its allowed words."""
    data = _toml("vocabulary.toml")
    out = {k: list(v) for k, v in data.items() if isinstance(v, list)}
    out["process_type"] = list(data["process_type"])
    # The programs vocabulary is the list of programs, so the two never disagree.
    out["preference_program"] = list(programs())
    out["certificate_program"] = list(programs()) + ["non_preferential"]
    return out


@cache
def programs() -> dict[str, dict]:
    """Preference program code -> its parties, citation and certificate rules (programs.toml)."""
    return _toml("programs.toml")


@cache
def process_classes() -> dict[str, str]:
    """process_type -> default class (`substantial`, `minor`, `none`)."""
    return {name: spec["class"] for name, spec in _toml("vocabulary.toml")["process_type"].items()}


@cache
def process_examples() -> dict[str, str]:
    return {name: spec.get("examples", "") for name, spec in
            _toml("vocabulary.toml")["process_type"].items()}


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    field: str
    kind: str
    required: bool
    ref: str | None
    note: str


@dataclass(frozen=True)
class SheetSpec:
    name: str
    table: str
    key: tuple[str, ...]
    note: str
    columns: tuple[ColumnSpec, ...]

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


@cache
def workbook_layout() -> tuple[SheetSpec, ...]:
    """The sheets of the supplier workbook in dependency order (referenced sheets first)."""
    sheets = []
    for s in _toml("workbook.toml")["sheet"]:
        cols = tuple(ColumnSpec(c["name"], c.get("field", c["name"]), c["kind"],
                                bool(c.get("required", False)), c.get("ref"), c.get("note", ""))
                     for c in s["columns"])
        sheets.append(SheetSpec(s["name"], s["table"], tuple(s["key"]), s.get("note", ""), cols))
    return tuple(sheets)


def sheet_headers() -> dict[str, list[str]]:
    """Sheet -> its column names, in the workbook's order."""
    return {s.name: [c.name for c in s.columns] for s in workbook_layout()}


def sheet_by_name(name: str) -> SheetSpec:
    return next(s for s in workbook_layout() if s.name == name)


@cache
def evidence_rules() -> tuple[dict, ...]:
    return tuple(_toml("evidence_rules.toml")["rule"])


@cache
def flag_info() -> dict[str, dict]:
    """Flag code -> severity, meaning, answer."""
    return _toml("flags.toml")


@cache
def default_measures_rows() -> tuple[dict, ...]:
    with schema_path("trade_measures.csv").open(newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def derived_measures_bytes() -> bytes:
    """The gzip CSV of the Section 301 and 232 rows derived from the HTS (tracker.refdata.hts99)."""
    return schema_path("measures_hts99.csv.gz").read_bytes()


def derived_measures_rows(data: bytes | None = None) -> list[list[str]]:
    """Those rows, header first, as lists (20,000 of them: dicts would cost twice the time)."""
    text = gzip.decompress(derived_measures_bytes() if data is None else data).decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


@cache
def refdata_manifest() -> dict:
    """What the derived measures come from: the HTS release, the SHA-256 of its text, row counts."""
    return _toml("measures_hts99.toml")
