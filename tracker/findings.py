"""Findings and errors: problems are data, collected and rendered, never raised one by one."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Finding", "TrackerError", "ImportFailed", "CycleError", "NotFound", "Collector"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing worth telling a user: a red flag on an entry or an import error.

    Import errors carry the spreadsheet location (sheet, row as the
    spreadsheet numbers it, column); flags carry `subjects` as ``kind:id``.
    """

    code: str
    severity: str
    message: str
    subjects: tuple[str, ...] = ()
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    @property
    def location(self) -> str:
        """`Sheet!ROW column`, as much of it as is known."""
        where = self.sheet or ""
        if self.row is not None:
            where += f"!{self.row}"
        if self.column:
            where += f" {self.column}" if where else self.column
        return where

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message

    def to_dict(self) -> dict:
        out: dict = {"code": self.code, "severity": self.severity, "message": self.message,
                     "subjects": list(self.subjects)}
        if self.sheet is not None:
            out.update(sheet=self.sheet, row=self.row, column=self.column)
        return out


class TrackerError(Exception):
    """A problem with the user's input or data; the CLI prints it and exits 1."""


class ImportFailed(TrackerError):
    """The workbook has errors; nothing was written. `errors` lists every one."""

    def __init__(self, errors: list[Finding], warnings: list[Finding] | None = None):
        self.errors = errors
        self.warnings = warnings or []
        super().__init__(f"{len(errors)} error(s) in the workbook; nothing was imported")


class CycleError(TrackerError):
    """The lots and processes form a cycle: a lot is (indirectly) its own input."""

    def __init__(self, lots: list[str]):
        self.lots = lots
        super().__init__("the supply chain has a cycle: lot " + " -> ".join(lots)
                         + " is made, directly or not, from itself")


class NotFound(TrackerError):
    """An entry, lot or other record named by the user does not exist."""


@dataclass
class Collector:
    """Gathers findings so that every problem is reported, not just the first."""

    items: list[Finding] = field(default_factory=list)

    def add(self, code: str, message: str, *, sheet=None, row=None, column=None,
            severity: str = "error", subjects: tuple[str, ...] = ()) -> None:
        self.items.append(Finding(code, severity, message, subjects, sheet, row, column))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)
