"""The request log: every request sent, every item asked, and when each was answered.

Asking is itself evidence of reasonable care (19 U.S.C. 1484; in EAPA cases
what a supplier never sends is held against the importer, 19 U.S.C.
1517(c)(3)), so each request is recorded with its file's SHA-256, and every
insert and update goes to the hash-chained audit trail like any supplier row.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from .. import audit
from ..canonical import file_sha256
from ..db import evidence_dir, write_tx
from ..findings import TrackerError
from ..models import table_for

__all__ = ["Sent", "send_request", "list_requests", "DEFAULT_DAYS", "NothingToAsk"]

DEFAULT_DAYS = 30


class NothingToAsk(TrackerError):
    """The supplier's part of the chain lacks nothing: no request is written or logged."""


class Sent(dict):
    """What `send_request` recorded: the request row, with its items under "items"."""


def send_request(engine: Engine, path: str | os.PathLike, *, company: str | None = None,
                 facility: str | None = None, entries: list[str] | None = None, due: date | None = None,
                 contact: str | None = None, actor: str | None = None, today: date | None = None) -> Sent:
    """Write the request workbook for one supplier to `path` and log it, in one transaction:
    the file is in place only if the log holds it."""
    # Imported here: the log and every import need none of the determination or openpyxl.
    from ..determination import determine
    from .scope import find_supplier, plan_request
    from .workbook import write_request_workbook

    path = Path(path)
    today = today or date.today()
    due = due or today + timedelta(days=DEFAULT_DAYS)
    if due < today:
        raise TrackerError(f"the due date {due.isoformat()} is before today ({today.isoformat()})")
    actor = audit.resolve_actor(actor)
    requests, items = table_for("supply_request"), table_for("request_item")
    path.parent.mkdir(parents=True, exist_ok=True)
    with write_tx(engine) as conn:
        d = determine(conn, evidence_dir(engine))
        supplier = find_supplier(d, company, facility)
        plan = plan_request(d, supplier, entries)
        if not plan.asks:
            raise NothingToAsk(f"nothing is missing from {supplier.kind} {supplier.id} ({supplier.name})'s "
                               f"part of entries {', '.join(plan.entries)}: no request written")
        number = (conn.execute(select(func.max(requests.c.id))).scalar() or 0) + 1
        send_to = contact or ", ".join(plan.importers) or actor
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".xlsx")
        os.close(fd)
        try:
            write_request_workbook(Path(tmp), plan, number, today, due, send_to)
            row = {"id": number, "supplier_type": supplier.kind, "supplier_id": supplier.id,
                   "supplier_name": supplier.name, "facilities": sorted(supplier.facilities),
                   "entries": plan.entries, "rows": plan.row_keys(), "sent_on": today, "due_on": due,
                   "contact": send_to, "created_at": audit.utc_now(), "actor": actor,
                   "file_name": path.name, "file_sha256": file_sha256(Path(tmp))}
            asked = [{"request_id": number, "item_no": n, "kind": a.kind, "subject_type": a.subject_type,
                      "subject_id": a.subject_id, "detail": a.detail, "text": a.text, "status": "open",
                      "answered_at": None, "answered_batch": None} for n, a in enumerate(plan.asks, start=1)]
            conn.execute(requests.insert(), row)
            conn.execute(items.insert(), asked)
            audit.append(conn, [audit.Change("insert", t, audit.row_key(t, r), None, audit.row_json(r))
                                for t, rs in (("supply_request", [row]), ("request_item", asked)) for r in rs],
                         actor)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return Sent(row, items=asked)


def list_requests(conn: Connection, *, open_only: bool = False, overdue_only: bool = False,
                  today: date | None = None) -> list[dict[str, Any]]:
    """Every request with its items, oldest first; `open_only` keeps open items, `overdue_only`
    open items past their due date. A request left with no item is left out."""
    today = today or date.today()
    requests, items = table_for("supply_request"), table_for("request_item")
    by_request: dict[int, list[dict]] = {}
    for it in conn.execute(select(items).order_by(items.c.request_id, items.c.item_no)):
        by_request.setdefault(it.request_id, []).append(dict(it._mapping))
    batches = table_for("import_batch")
    files = dict(conn.execute(select(batches.c.id, batches.c.file_name)).all()) if by_request else {}
    out = []
    for r in conn.execute(select(requests).order_by(requests.c.id)):
        overdue = r.due_on < today
        kept = []
        for it in by_request.get(r.id, []):
            is_open = it["status"] == "open"
            if (open_only or overdue_only) and not is_open or overdue_only and not overdue:
                continue
            kept.append({"item": it["item_no"], "kind": it["kind"],
                         "subject": f"{it['subject_type']}:{it['subject_id']}", "asked": it["text"],
                         "status": "overdue" if is_open and overdue else it["status"],
                         "answered_at": it["answered_at"], "answered_by_batch": it["answered_batch"],
                         "answered_by_file": files.get(it["answered_batch"])})
        if not kept and (open_only or overdue_only):
            continue
        out.append({"request": r.id, "supplier": {"type": r.supplier_type, "id": r.supplier_id,
                                                  "name": r.supplier_name},
                    "entries": r.entries, "sent_on": r.sent_on.isoformat(), "due_on": r.due_on.isoformat(),
                    "contact": r.contact, "file_name": r.file_name, "file_sha256": r.file_sha256,
                    "actor": r.actor,
                    "open": sum(1 for it in by_request.get(r.id, []) if it["status"] == "open"),
                    "answered": sum(1 for it in by_request.get(r.id, []) if it["status"] == "answered"),
                    "overdue": overdue and any(it["status"] == "open" for it in by_request.get(r.id, [])),
                    "items": kept})
    return out
