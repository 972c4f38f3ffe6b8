"""The review workbook's "Due diligence" sheet: what was asked of which supplier, when, by
when, and what came back and when. Reasonable care (19 U.S.C. 1484) is shown by asking,
not only by what was received; an item never answered is itself a fact a reviewer weighs."""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from sqlalchemy import Connection

from .log import list_requests

__all__ = ["due_diligence_log", "due_diligence_rows"]


def due_diligence_log(conn: Connection, entries: list[str], today: date | None = None) -> list[dict]:
    """The requests about any of `entries`, with all their items (see `list_requests`)."""
    wanted = set(entries)
    return [r for r in list_requests(conn, today=today) if wanted & set(r["entries"])]


def due_diligence_rows(pkg: Any) -> Iterable[dict]:
    """One row per item asked, for the report package's request log (`Package.requests`)."""
    for r in getattr(pkg, "requests", ()):
        supplier = f"{r['supplier']['name']} ({r['supplier']['type']} {r['supplier']['id']})"
        for it in r["items"]:
            yield {"request": r["request"], "supplier": supplier, "entries": ", ".join(r["entries"]),
                   "sent_on": date.fromisoformat(r["sent_on"]), "due_on": date.fromisoformat(r["due_on"]),
                   "item": it["item"], "asked": it["asked"], "status": it["status"].upper()
                   if it["status"] == "overdue" else it["status"],
                   "answered_on": date.fromisoformat(it["answered_at"][:10]) if it["answered_at"] else None,
                   "answered_by": it["answered_by_file"],
                   "request_file": f"{r['file_name']} (SHA-256 {r['file_sha256']})", "asked_by": r["actor"]}
