"""`tracker demo`: the sample supplier workbooks, end to end, in a fresh database."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from .audit import verify
from .db import evidence_dir, open_db, read_tx, safe_url
from .determination import check
from .importer import import_path
from .report import write_evidence

SAMPLE_DATA = Path(__file__).resolve().parent.parent / "sample_data"


def run_demo(directory: Path, db_url: str | None, echo: Callable[[str], None],
             show: Callable[[object], None]) -> Path:
    """Import every workbook of sample_data/, check all entries, write the workbook; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    if db_url is None:
        path = directory / "demo.db"
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)  # a fresh database every time
        db_url = f"sqlite:///{path}"
        os.environ.setdefault("TRACKER_EVIDENCE", str(directory / "demo-evidence"))
    engine = open_db(db_url)
    echo(f"Database: {safe_url(db_url)}")
    for book in sorted(SAMPLE_DATA.glob("*.xlsx")):
        result = import_path(engine, book, actor="demo")
        rows = sum(s.new + s.changed for s in result.sheets)
        echo(f"Imported {book.name}: {rows} rows, {result.files_stored} document files")
    store = evidence_dir(engine)
    with read_tx(engine) as conn:
        results = check(conn, evidence_store=store)
        from rich.table import Table

        table = Table(title="Origin determination", title_justify="left")
        for col in ("entry", "declared", "computed", "route", "flags"):
            table.add_column(col)
        for r in results:
            table.add_row(r.entry.entry_number, r.entry.declared_origin, r.computed_origin or "unknown",
                          " > ".join(r.route), " ".join(dict.fromkeys(f.code for f in r.flags)) or "none")
        show(table)
        entries = list(dict.fromkeys(r.entry.entry_number for r in results))
        workbook = directory / "evidence.xlsx"
        package = directory / "evidence-package.zip"
        write_evidence(conn, entries, output=workbook, package=package, store=store, db_label=safe_url(db_url))
        audit = verify(conn, store)
    echo(f"Audit trail: {audit.records} records, {'verified' if audit.ok else 'BROKEN'}")
    echo(f"Evidence workbook: {workbook.resolve()}")
    echo(f"Evidence package:  {package.resolve()}")
    return workbook
