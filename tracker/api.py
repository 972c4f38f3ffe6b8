"""`Tracker`: the one object a Python user starts from.

It holds what every command needs (the database engine, the evidence store,
the schema folder and the report layouts, and who is acting) and offers a
method per command; the `tracker` command line is one call on it per command.

    >>> from tracker import Tracker
    >>> t = Tracker("sqlite:///tracker.db", evidence="tracker-evidence")
    >>> t.import_path("my_supplier.xlsx")          # doctest: +SKIP
    >>> for line in t.check():                     # doctest: +SKIP
    ...     print(line.entry.entry_number, line.computed_origin, [f.code for f in line.flags])

Nothing is read from the environment after the object is made, and nothing is
written to it: `TRACKER_DB`, `TRACKER_EVIDENCE`, `TRACKER_SCHEMAS`,
`TRACKER_REPORTS` and `TRACKER_ACTOR` only fill in what the constructor was
not given. The database is opened (created or upgraded) on first use, so
`template` and `synth` never create one.
"""

from __future__ import annotations

from datetime import date

import os
from dataclasses import dataclass, field
from functools import cached_property, wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, NamedTuple

from sqlalchemy import Engine

from . import schemas
from .db import ensure_schema, evidence_beside, make_engine, read_tx, resolve_url, safe_url, with_evidence, write_tx
from .findings import TrackerError

if TYPE_CHECKING:
    from .checkpoint import Checkpoint
    from .report import Package
    from .measures import Measure
    from .audit import VerifyResult
    from .determination import EntryResult
    from .importer import ImportResult
    from .trace import Trace

__all__ = ["Tracker", "Written", "Demo", "DatabaseNotFresh"]


class DatabaseNotFresh(TrackerError):
    """The demo was pointed at a database that already holds data."""


class Written(NamedTuple):
    """Files a command wrote, and how many rows or entry lines they hold."""

    paths: list[Path]
    rows: int


@dataclass
class Demo:
    """What `Tracker.demo` did: the imports, the check, the files written, the trail."""

    tracker: "Tracker"
    imports: list[tuple[str, "ImportResult"]]
    results: list["EntryResult"]
    workbook: Path
    package: Path
    audit: "VerifyResult"
    database: str = field(default="")


def _in_schemas(method: Callable) -> Callable:
    """Run the method with this object's schema folder in effect."""
    @wraps(method)
    def run(self: "Tracker", *args: Any, **kwargs: Any) -> Any:
        with schemas.using(self.schemas):
            return method(self, *args, **kwargs)
    return run


class Tracker:
    """A tracker database and everything around it.

    db: a SQLAlchemy URL or Engine (default `TRACKER_DB`, else
    `sqlite:///tracker.db` in the current folder). evidence: the folder of
    the content-addressed document store (default `TRACKER_EVIDENCE`, else
    beside a SQLite file). schemas: a folder of the user's own schema files,
    each replacing the bundled file of its name (default `TRACKER_SCHEMAS`).
    reports: a folder of the user's own report layouts, found by name before
    the bundled ones (default `TRACKER_REPORTS`). actor: who makes the
    changes, for the audit trail (default `TRACKER_ACTOR`, else the login name).
    """

    def __init__(self, db: str | Engine | None = None, *, evidence: str | os.PathLike | None = None,
                 schemas: str | os.PathLike | None = None, reports: str | os.PathLike | None = None,
                 actor: str | None = None) -> None:
        from .audit import resolve_actor

        self._db: str | Engine = db if isinstance(db, Engine) else resolve_url(db)
        given = evidence if evidence is not None else os.environ.get("TRACKER_EVIDENCE")
        self._evidence_given = Path(given) if given else None
        folder = schemas if schemas is not None else os.environ.get("TRACKER_SCHEMAS")
        self.schemas: Path | None = Path(folder) if folder else None
        folder = reports if reports is not None else os.environ.get("TRACKER_REPORTS")
        self.reports: Path | None = Path(folder) if folder else None
        self.actor: str = resolve_actor(actor)
        self._upgraded = False

    # The engine is made on first use (it checks the URL and the driver), so that `template`
    # and `synth` work whatever TRACKER_DB says.
    @cached_property
    def _base(self) -> Engine:
        return self._db if isinstance(self._db, Engine) else make_engine(self._db)

    @cached_property
    def _engine(self) -> Engine:
        return with_evidence(self._base, self.evidence)

    @cached_property
    def evidence(self) -> Path:
        """The evidence store: as given, else `TRACKER_EVIDENCE` (read when the object was made),
        else `NAME-evidence/` beside a SQLite file NAME.db, else `tracker-evidence/` here."""
        if self._evidence_given is not None:
            return self._evidence_given.resolve()
        return evidence_beside(self._base).resolve()

    def __repr__(self) -> str:
        return f"Tracker({self.url!r})"

    def __enter__(self) -> "Tracker":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The database URL, password masked."""
        return safe_url(str(self._db.url) if isinstance(self._db, Engine) else self._db)

    @property
    def engine(self) -> Engine:
        """The engine, its schema created or upgraded on first use; it carries the evidence store."""
        if not self._upgraded:
            ensure_schema(self._engine)
            self._upgraded = True
        return self._engine

    def close(self) -> None:
        """Close the database connections (the object may be used again: they reopen)."""
        if "_base" in self.__dict__:
            self._base.dispose()

    # --- the database ----------------------------------------------------------------------

    def init(self) -> tuple[int | None, int]:
        """Create the database, or upgrade an older one in place: (schema before, after); before is
        None for a new database. A table dropped outside tracker is made again, empty (`verify`
        then names every row that was lost)."""
        versions = ensure_schema(self._engine, recreate=True)
        self._upgraded = True
        return versions

    upgrade = init

    def is_empty(self) -> bool:
        """True when no change was ever recorded (the audit trail is empty)."""
        from .audit import head

        with read_tx(self.engine) as conn:
            return head(conn)[0] == 0

    # --- commands --------------------------------------------------------------------------

    @_in_schemas
    def import_path(self, path: str | os.PathLike, *, dry_run: bool = False, accept_changes: bool = False,
                    progress: Callable[[int], None] | None = None) -> "ImportResult":
        """Import a supplier workbook (.xlsx) or a folder of .csv files, all or nothing.

        Raises `ImportFailed` listing every error (sheet, row, column); then
        nothing was written. Document files are stored in `self.evidence`.
        A returned request that changes rows not sent to the supplier raises
        `UnrequestedChanges` unless `accept_changes` is true.
        """
        from .importer import import_path

        return import_path(self.engine, path, actor=self.actor, dry_run=dry_run, progress=progress,
                           accept_changes=accept_changes)

    @_in_schemas
    def check(self, entries: list[str] | None = None) -> list["EntryResult"]:
        """Origin and flags for every entry line, or the entries named (determination-v1).

        Stored document files are re-hashed against `self.evidence`, so a
        changed file raises DOC_TAMPERED here as on the command line.
        """
        from .determination import check

        with read_tx(self.engine) as conn:
            return check(conn, entries, self.evidence)

    @_in_schemas
    def check_dicts(self, entries: list[str] | None = None) -> list[dict]:
        """`check` as the JSON of determination-v1, on every core for many entry lines."""
        from .determination import check_dicts

        with read_tx(self.engine) as conn:
            return check_dicts(conn, entries, self.evidence)

    @_in_schemas
    def trace(self, entry: str | None = None, lot: str | None = None) -> "Trace":
        """The upstream graph of an entry or a lot (exactly one): `nodes`, `edges`, and a tree."""
        from .trace import trace

        if (entry is None) == (lot is None):
            raise ValueError("trace needs exactly one of entry and lot")
        with read_tx(self.engine) as conn:
            return trace(conn, entry=entry, lot=lot)

    @_in_schemas
    def report(self, entries: list[str], workbook: str | os.PathLike | None = None, *,
               package: str | os.PathLike | None = None, layout: str | os.PathLike | None = None) -> Written:
        """Write the evidence workbook for `entries` and/or the evidence package (a zip with the
        workbook, the held document files and a SHA-256 manifest), from one snapshot.

        layout: a name (`default`, `cf28`, or one in the reports folder) or a .toml path.
        """
        from .report import write_evidence
        from .resources import layout_path

        if workbook is None and package is None:
            raise ValueError("report needs a workbook path, a package path, or both")
        spec = str(layout_path(layout, self.reports))
        with read_tx(self.engine) as conn:
            # one determination; the zip holds the very workbook written, hashed in its manifest
            pkg, _ = write_evidence(conn, entries, output=workbook, package=package, layout=spec,
                                    store=self.evidence, db_label=self.url)
        paths = [Path(p) for p in (workbook, package) if p is not None]
        return Written(paths, len(pkg.results))

    @_in_schemas
    def submission(self, entries: list[str], workbook: str | os.PathLike, *, pdf: str | os.PathLike | None = None,
                   edition: str = "confidential", layout: str | os.PathLike | None = None) -> "Package":
        """Write the submission for CBP for `entries`: facts and numbered exhibits only, never flags
        or internal advice; with `pdf`, the binder of every page stamped with its exhibit and Bates
        number. `edition` is `confidential` (marked, confidential values bracketed) or `public`
        (confidential values redacted). Refused when the audit trail fails verification."""
        from .report import write_submission
        from .resources import layout_path

        spec = str(layout_path(layout or "cf28", self.reports))
        with read_tx(self.engine) as conn:
            return write_submission(conn, entries, workbook, pdf=pdf, edition=edition, layout=spec,
                                    store=self.evidence)

    def package(self, entries: list[str], path: str | os.PathLike, *,
                layout: str | os.PathLike | None = None) -> Written:
        """Write the evidence package alone (see `report`)."""
        return self.report(entries, package=path, layout=layout)

    def verify(self, checkpoints: Iterable["str | os.PathLike | Checkpoint"] = (), *, public_key: str | os.PathLike | None = None,
               files: bool = True) -> "VerifyResult":
        """Recompute the hash chain, replay it against every table, re-hash every stored file
        (unless `files` is false), and prove the trail still extends every checkpoint given (a
        checkpoint file, an evidence package or an evidence workbook), signed with `public_key`
        (default: $TRACKER_PUBLIC_KEY) when one is configured."""
        from . import checkpoint as cp

        marks = [p if isinstance(p, cp.Checkpoint) else cp.load(p) for p in checkpoints]
        trusted = cp.public_key(public_key) if marks else None
        with read_tx(self.engine) as conn:
            return cp.verify_database(conn, self.evidence if files else None, marks, trusted)

    def checkpoint(self, path: str | os.PathLike, *, key: str | os.PathLike | None = None) -> "Checkpoint":
        """Write a checkpoint of the audit trail (record count, head hash, times) to `path`, to keep
        outside the database; signed with the Ed25519 key `key` (default: $TRACKER_SIGNING_KEY)."""
        from . import checkpoint as cp

        signer = cp.signing_key(key)
        with read_tx(self.engine) as conn:
            mark = cp.take(conn, self.url, signer)
        try:
            cp.write(mark, path)
        except OSError as exc:
            raise TrackerError(f"cannot write {path}: {exc.strerror}") from None
        return mark

    def acknowledge(self, reason: str, *, table: str | None = None, key: str | None = None,
                    record: int | None = None) -> dict:
        """Record that a row changed behind the tracker's back (`table` and `key`), or a past
        write that built on one (`record`), was investigated: what was found, by whom, why."""
        from .audit import acknowledge, acknowledge_record

        with write_tx(self.engine) as conn:
            if record is not None:
                return acknowledge_record(conn, record, reason, self.actor)
            return acknowledge(conn, table, key, reason, self.actor)

    def log(self, table: str | None = None, key: str | None = None, limit: int | None = None) -> list[dict]:
        """Audit records, oldest first: of everything, one table, or one record (by its id)."""
        from .audit import history

        with read_tx(self.engine) as conn:
            return history(conn, table, key, limit)

    @_in_schemas
    def request(self, path: str | os.PathLike, *, company: str | None = None, facility: str | None = None,
                entries: list[str] | None = None, due: "date | None" = None,
                contact: str | None = None) -> dict:
        """Write the workbook asking one supplier (a company or one facility) for what is missing
        from its part of the chains behind `entries` (default: every entry it touches), and log
        the request in the audit trail. Raises `NothingToAsk` when nothing is missing."""
        from .requests import send_request

        return send_request(self.engine, path, company=company, facility=facility, entries=entries, due=due,
                            contact=contact, actor=self.actor)

    def requests(self, *, open_only: bool = False, overdue_only: bool = False) -> list[dict]:
        """The request log: each request with its items, what is open, answered or overdue."""
        from .requests import list_requests

        with read_tx(self.engine) as conn:
            return list_requests(conn, open_only=open_only, overdue_only=overdue_only)

    @_in_schemas
    def measures(self, *, kind: str | None = None, country: str | None = None, hts: str | None = None,
                 on: "date | None" = None) -> list["Measure"]:
        """The trade measures, bundled and imported, filtered by kind, country (and `*` rows),
        the HTS number they cover and the day they are in effect."""
        from sqlalchemy import select

        from .measures import all_measures, select_measures
        from .models import table_for

        with read_tx(self.engine) as conn:
            imported = conn.execute(select(table_for("trade_measure"))).fetchall()
        return select_measures(all_measures(imported), kind=kind, country=country, hts=hts, on=on)

    @_in_schemas
    def load_hts(self, path: str | os.PathLike, *, effective_on: "date | None" = None) -> Any:
        """Load a newer HTS Chapter 99 release: rows it adds or changes are written, rows it no
        longer has get an end date, in one audited import batch."""
        from .measures_load import load_hts

        return load_hts(self.engine, Path(path), effective_on=effective_on, actor=self.actor)

    @_in_schemas
    def template(self, path: str | os.PathLike) -> Path:
        """Write the blank supplier workbook (.xlsx) to `path`; needs no database."""
        from .template import write_template

        if Path(path).suffix.lower() != ".xlsx":
            raise ValueError(f"{path} must end in .xlsx")
        return write_template(Path(path))

    @_in_schemas
    def synth(self, folder: str | os.PathLike, rows: int = 10_000, *, seed: int = 7, deep: int = 0,
              format: str = "xlsx") -> Written:
        """Write a seeded synthetic supplier workbook of about `rows` rows (format xlsx, csv or both);
        needs no database."""
        from .synth import generate, write_csv, write_xlsx

        if format not in ("xlsx", "csv", "both"):
            raise ValueError("format is xlsx, csv or both")
        data = generate(rows, seed=seed, deep=deep)
        paths = []
        if format in ("xlsx", "both"):
            paths.append(write_xlsx(data, Path(folder) / "synthetic.xlsx"))
        if format in ("csv", "both"):
            paths.append(write_csv(data, Path(folder) / "csv"))
        return Written(paths, data.total)

    @_in_schemas
    def demo(self, directory: str | os.PathLike) -> Demo:
        """Load the bundled sample suppliers into this (fresh) database, check every entry, and
        write the evidence workbook and package into `directory`.

        Raises `DatabaseNotFresh` if the database already holds data: the
        demo never mixes its suppliers into a real database.
        """
        from .resources import sample_workbooks

        if not self.is_empty():
            raise DatabaseNotFresh(f"the database {self.url} already holds data: the demo loads its "
                                   "sample suppliers into a fresh one (leave out --db, or give an empty database)")
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        imports = [(book.name, self.import_path(book)) for book in sample_workbooks()]
        results = self.check()
        entries = list(dict.fromkeys(r.entry.entry_number for r in results))
        workbook, package = folder / "evidence.xlsx", folder / "evidence-package.zip"
        self.report(entries, workbook, package=package)
        return Demo(self, imports, results, workbook, package, self.verify(), self.url)

    @classmethod
    def for_demo(cls, directory: str | os.PathLike, db: str | None = None, *, actor: str = "demo") -> "Tracker":
        """The tracker `tracker demo` uses: `db` if given (it must be empty), else a new SQLite
        database `demo.db` in `directory` (any earlier one there is replaced) with its evidence
        store `demo-evidence/` beside it."""
        if db is not None:
            return cls(db, actor=actor)
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "demo.db"
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
        return cls(f"sqlite:///{path}", evidence=folder / "demo-evidence", actor=actor)
