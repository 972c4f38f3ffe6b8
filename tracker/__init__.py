"""tracker: prove where imported goods were really made.

A small core of plain functions over a graph of facilities, lots, processes
and shipments; the `tracker` command is a thin layer over it. A script starts
from one object, `Tracker`, which holds the database, the evidence store, the
schemas and the report layouts, and has a method per command:

    from tracker import Tracker

    t = Tracker("sqlite:///tracker.db", evidence="tracker-evidence", actor="me")
    t.import_path("supplier.xlsx")            # ImportResult; raises ImportFailed listing every error
    for line in t.check():                    # EntryResult per entry line: origin, basis, route, flags
        print(line.entry.entry_number, line.computed_origin, [f.code for f in line.flags])
    t.trace(entry="231-4471877-0")            # Trace: nodes and edges
    t.report(["231-4471877-0"], "evidence.xlsx", package="evidence.zip")
    t.verify()                                # VerifyResult of the audit trail

The core modules beneath it, for finer use: `tracker.db` (`open_db`,
`read_tx`), `tracker.importer` (`import_path(engine, path)`),
`tracker.determination` (`check(conn)`, `check_dicts(conn)`), `tracker.trace`
(`trace(conn, entry=..., lot=...)`), `tracker.report` (`write_report`,
`write_package`), `tracker.audit` (`verify(conn, store)`, `history(conn)`).
"""

__version__ = "0.1.0"

__all__ = ["Tracker", "__version__"]


def __getattr__(name: str):
    # `Tracker` is imported on first use, so that `tracker --help` need not load SQLAlchemy.
    if name == "Tracker":
        from .api import Tracker

        return Tracker
    raise AttributeError(f"module 'tracker' has no attribute {name!r}")
