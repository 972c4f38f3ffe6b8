"""Engine, schema and transactions.

`open_db(url)` gives an engine whose schema is present and current: a new
database is created, an older one upgraded in place (never rebuilt). SQLite
runs in WAL mode with foreign keys on; PostgreSQL through psycopg.

Writers are serialised: `write_tx` takes the database's write lock first
(`BEGIN IMMEDIATE` on SQLite, a transaction-scoped advisory lock on
PostgreSQL), so that two imports running at once each read the state and the
audit chain's head the other left, and the chain never forks.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlmodel import SQLModel

from . import models
from .findings import TrackerError

__all__ = ["DEFAULT_URL", "resolve_url", "make_engine", "open_db", "write_tx", "read_tx", "evidence_dir",
           "evidence_beside", "with_evidence", "ensure_schema", "safe_url", "schema_version"]

DEFAULT_URL = "sqlite:///tracker.db"
_WRITE_LOCK_KEY = 0x7472_6163  # "trac": the advisory lock every PostgreSQL writer takes


def resolve_url(url: str | None) -> str:
    """`--db`, else `TRACKER_DB`, else `sqlite:///tracker.db` in the current folder."""
    return url or os.environ.get("TRACKER_DB") or DEFAULT_URL


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=120000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache: whole-database reads are the norm
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> Engine:
    """An engine on `url` with the tracker's connection settings; the schema is not touched."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise TrackerError(f"--db {safe_url(url)!r} is not a database URL "
                           "(sqlite:///FILE or postgresql+psycopg://USER@HOST/DB)") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        folder = Path(parsed.database).expanduser().resolve().parent
        if not folder.is_dir():
            raise TrackerError(f"the folder of the database {parsed.database} does not exist")
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        engine = create_engine(parsed, hide_parameters=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise TrackerError(f"cannot use {safe_url(url)}: {exc.__class__.__name__}: "
                           "install the driver (pip install 'psycopg[binary]')") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def open_db(url: str | None = None) -> Engine:
    """An engine on `url` with the tracker's schema created or upgraded."""
    engine = make_engine(resolve_url(url))
    ensure_schema(engine)
    return engine


def ensure_schema(engine: Engine) -> tuple[int | None, int]:
    """`upgrade(engine)`; a database that cannot be reached is a TrackerError naming it."""
    try:
        return upgrade(engine)
    except OperationalError as exc:
        raise TrackerError(f"cannot open the database {safe_url(str(engine.url))}: "
                           f"{str(exc.orig).strip().splitlines()[0]}") from None


def schema_version(conn: Connection) -> int | None:
    if not inspect(conn).has_table("tracker_meta"):
        return None
    value = conn.execute(text("SELECT value FROM tracker_meta WHERE key = 'schema_version'")).scalar()
    return int(value) if value is not None else None


# Versioned steps for changes that adding tables and nullable columns cannot
# express (renames, data moves). Key: the version a step upgrades *to*.
MIGRATIONS: dict[int, callable] = {}


def upgrade(engine: Engine) -> tuple[int | None, int]:
    """Bring the schema to `models.SCHEMA_VERSION`, keeping every row.

    New tables are created; columns the models have and the database lacks
    are added (they are all nullable or defaulted); then the versioned steps
    run in order. Returns (version before, version after); before is None
    for a new database.
    """
    with engine.connect() as conn:  # the common case, a current schema, takes no write lock
        if schema_version(conn) == models.SCHEMA_VERSION:
            return models.SCHEMA_VERSION, models.SCHEMA_VERSION
    with write_tx(engine) as conn:
        before = schema_version(conn)  # again: another process may have upgraded meanwhile
        if before is not None and before > models.SCHEMA_VERSION:
            raise TrackerError(f"the database has schema version {before}, newer than this "
                               f"tracker ({models.SCHEMA_VERSION}): upgrade tracker")
        if before == models.SCHEMA_VERSION:
            return before, before
        SQLModel.metadata.create_all(conn)
        _add_missing_columns(conn)
        for version in range((before or models.SCHEMA_VERSION) + 1, models.SCHEMA_VERSION + 1):
            if version in MIGRATIONS:
                MIGRATIONS[version](conn)
        meta = models.Meta.__table__
        conn.execute(meta.delete().where(meta.c.key == "schema_version"))
        conn.execute(meta.insert().values(key="schema_version", value=str(models.SCHEMA_VERSION)))
    return before, models.SCHEMA_VERSION


def _add_missing_columns(conn: Connection) -> None:
    insp = inspect(conn)
    for table in SQLModel.metadata.sorted_tables:
        present = {c["name"] for c in insp.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            ddl_type = column.type.compile(dialect=conn.dialect)
            default = ""
            if column.default is not None and getattr(column.default, "is_scalar", False):
                default = f" DEFAULT {column.default.arg!r}".replace("True", "1").replace("False", "0")
            conn.exec_driver_sql(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {ddl_type}{default}')


def bulk_insert(conn: Connection, table, rows: list[dict], chunk: int = 20_000) -> None:
    """Insert many rows in the current transaction, fast.

    On SQLite the DBAPI's executemany gets plain tuples, each column's values
    converted once by its type's own bind processor: SQLAlchemy's per-row
    parameter handling would cost three times the insert itself. Elsewhere
    Core's executemany (insertmanyvalues batching) is already the fast way.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        for i in range(0, len(rows), chunk):
            conn.execute(table.insert(), rows[i:i + chunk])
        return
    columns = list(table.columns)
    names = [c.name for c in columns]
    procs = [c.type._cached_bind_processor(conn.dialect) for c in columns]
    sql = (f'INSERT INTO {table.name} ({", ".join(chr(34) + n + chr(34) for n in names)}) '
           f'VALUES ({", ".join("?" * len(names))})')
    for i in range(0, len(rows), chunk):
        part = rows[i:i + chunk]
        cols = [[r.get(n) for r in part] for n in names]
        cols = [list(map(p, col)) if p else col for p, col in zip(procs, cols)]
        conn.exec_driver_sql(sql, list(zip(*cols)))


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """A transaction holding the database's single write lock; commits on success."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITE_LOCK_KEY})
            yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """A read-only snapshot: one transaction, rolled back at the end."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin() as tx:
            yield conn
            tx.rollback()


def evidence_dir(engine: Engine) -> Path:
    """Where registered document files are kept, by SHA-256.

    The folder the engine was given (`with_evidence`, as `Tracker(evidence=)`
    does); else `TRACKER_EVIDENCE` if set; else beside a SQLite file
    (`tracker.db` -> `tracker-evidence/`); else `tracker-evidence/` in the
    current folder (a team on PostgreSQL points TRACKER_EVIDENCE at a shared
    folder).
    """
    given = engine.get_execution_options().get("tracker_evidence")
    if given:
        return Path(given)
    if os.environ.get("TRACKER_EVIDENCE"):
        return Path(os.environ["TRACKER_EVIDENCE"])
    return evidence_beside(engine)


def evidence_beside(engine: Engine) -> Path:
    """The evidence store's place when none is named: beside a SQLite file, else here."""
    db = engine.url.database
    if engine.dialect.name == "sqlite" and db and db != ":memory:":
        path = Path(db).expanduser().resolve()
        return path.with_name(path.stem + "-evidence")
    return Path("tracker-evidence").resolve()


def with_evidence(engine: Engine, store: str | os.PathLike) -> Engine:
    """The same engine (same pool and settings), whose evidence store is `store`."""
    return engine.execution_options(tracker_evidence=str(store))
