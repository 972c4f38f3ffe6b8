"""The `tracker` command: a thin layer over the library.

Each command parses its options, calls one method of `tracker.Tracker` (the
Python API's front door), prints, and sets the exit status (cli-v1): 0
success; 1 the input or data is wrong, with a message saying where; 2 the
command was used wrongly. With `--json`, standard output holds the JSON
document alone; progress, warnings and errors go to standard error. Heavy modules are imported inside the commands so that
`tracker --help` starts at once.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Callable, Iterator, NoReturn, Optional

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  rich_markup_mode=None,
                  help="Prove where imported goods were really made: import supplier workbooks, "
                       "trace each customs entry upstream, determine origin, raise red flags, "
                       "and write the evidence workbook for CBP.")
audit_app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit trail.")
app.add_typer(audit_app, name="audit")
measures_app = typer.Typer(no_args_is_help=True, help="The trade measures: AD/CVD orders, Section 301, 232, 201.")
app.add_typer(measures_app, name="measures")


def _show_version(value: bool) -> None:
    if value:
        from . import __version__
        from .schemas import refdata_manifest

        typer.echo(f"tracker {__version__}; bundled measures from {refdata_manifest()['release']} "
                   "(Chapter 99), AD/CVD orders curated by hand")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option(
        "--version", callback=_show_version, is_eager=True,
        help="The version, and the vintage of the bundled reference data.")] = False) -> None:
    del version

DbOpt = Annotated[Optional[str], typer.Option(
    "--db", metavar="URL", show_default=False,
    help="SQLAlchemy URL (default: $TRACKER_DB, else sqlite:///tracker.db).")]
ActorOpt = Annotated[Optional[str], typer.Option(
    "--actor", metavar="NAME", show_default=False,
    help="Who makes the change, for the audit trail (default: $TRACKER_ACTOR, else the login name).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on standard output.")]


def _stderr():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)  # one message, one line


def _stdout():
    from rich.console import Console

    # Piped output is read in files and logs: do not squeeze it to 80 columns,
    # unless COLUMNS says how wide the reader is (rich reads it when width is None).
    wide = sys.stdout.isatty() or os.environ.get("COLUMNS", "").isdigit()
    return Console(highlight=False, width=None if wide else 200)


def fail(message: str) -> NoReturn:
    from .terminal import printable

    _stderr().print(f"Error: {printable(message)}", markup=False)
    raise typer.Exit(1)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's errors into one-line messages and exit status 1."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from .findings import ImportFailed, TrackerError
    from .terminal import printable

    try:
        yield
    except ImportFailed as exc:
        err = _stderr()
        for w in exc.warnings:
            err.print(printable(f"warning: {w}"), markup=False)
        for e in exc.errors:
            err.print(printable(str(e)), markup=False)
        fail(f"{len(exc.errors)} error(s); nothing was imported")
    except TrackerError as exc:
        fail(str(exc))
    except (OperationalError, ProgrammingError) as exc:  # the database itself, not the input
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else exc.__class__.__name__
        fail(f"the database refused a query ({reason}): it may be locked, unreachable, or changed "
             "outside tracker; `tracker audit verify` says what differs")


def _tracker(db: str | None, actor: str | None = None):
    """The Tracker a command works on: `--db` and `--actor`, else the environment's."""
    from .api import Tracker

    return Tracker(db, actor=actor)


def _print_json(data) -> None:
    import orjson

    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


@app.command()
def init(db: DbOpt = None) -> None:
    """Create the database, or upgrade an older one in place (idempotent)."""
    with user_errors():
        t = _tracker(db)
        before, after = t.init()
    what = ("created" if before is None else "is up to date" if before == after
            else f"upgraded from schema {before} to {after}")
    typer.echo(f"Database {t.url} {what} (schema {after}).")


@app.command()
def template(output: Annotated[Path, typer.Option("-o", "--output", metavar="FILE.xlsx",
                                                  help="Where to write the blank workbook.")],
             db: DbOpt = None) -> None:
    """Write the blank supplier workbook: every sheet and column, notes and drop-down lists."""
    if output.suffix.lower() != ".xlsx":  # wrong usage (exit 2), not wrong data
        raise typer.BadParameter(f"{output} must end in .xlsx", param_hint="'-o' / '--output'")
    with user_errors():
        _tracker(db).template(output)  # accepts --db like every command (cli-v1); needs no database
    typer.echo(f"Wrote the blank supplier workbook to {output}")


@app.command("import")
def import_(path: Annotated[Path, typer.Argument(help="A supplier workbook (.xlsx) or a folder of .csv files.",
                                                 show_default=False)],
            dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and report; write nothing.")] = False,
            accept_changes: Annotated[bool, typer.Option(
                "--accept-changes", help="Import a returned request even where it changes rows that were "
                                         "not sent to the supplier (list them first with --dry-run).")] = False,
            db: DbOpt = None, actor: ActorOpt = None, json: JsonOpt = False) -> None:
    """Import a supplier workbook, all or nothing: on any error nothing is written."""
    from .requests.returns import UnrequestedChanges

    with user_errors():
        t = _tracker(db, actor)
        with _progress("Importing") as tick:
            try:
                result = t.import_path(path, dry_run=dry_run, accept_changes=accept_changes, progress=tick)
            except UnrequestedChanges as exc:
                for change in exc.changes:
                    _stderr().print(f"not requested: {change}", markup=False)
                raise
    err = _stderr()
    for w in result.warnings:
        err.print(f"warning: {w}", markup=False)
    for change in result.outside_changes:
        err.print(f"not requested: {change}", markup=False)
    if json:
        _print_json(result.to_dict())
        return
    from rich.table import Table

    verb = ("Checked (dry run, nothing written)" if dry_run else
            f"Imported as batch {result.batch_id}" if result.batch_id else "Nothing new in")
    table = Table(title=f"{verb}: {result.source}", title_justify="left")
    for col in ("sheet", "new", "changed", "unchanged"):
        table.add_column(col, justify="left" if col == "sheet" else "right")
    for s in result.sheets:
        table.add_row(s.sheet, str(s.new), str(s.changed), str(s.unchanged))
    _stdout().print(table)
    if result.files_stored:
        typer.echo(f"{result.files_stored} document file(s) stored in the evidence store.")
    if result.request_id is not None:
        typer.echo(f"This workbook answers request {result.request_id}.")
    for change in result.corrected:
        typer.echo(f"Corrected by the supplier: {change}")
    for a in result.answered:
        typer.echo(f"{'Would answer' if dry_run else 'Answered'} request {a['request']} item {a['item']}: "
                   f"{a['asked']}")
    if result.outside_changes:
        typer.echo(f"{len(result.outside_changes)} change(s) to rows not sent to the supplier (listed above): "
                   + ("importing needs --accept-changes." if dry_run else "accepted."))


@contextmanager
def _progress(label: str):
    """A progress bar on a terminal for files large enough to wait for."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:,} rows"),
                  TimeElapsedColumn(), console=_stderr(), transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda n: bar.advance(task, n)


CheckpointOpt = Annotated[Optional[list[Path]], typer.Option(
    "--checkpoint", metavar="FILE", show_default=False,
    help="A checkpoint file, or an evidence package (.zip) carrying one, that the trail must "
         "still extend (repeatable).")]
PublicKeyOpt = Annotated[Optional[Path], typer.Option(
    "--public-key", metavar="FILE", show_default=False,
    help="Ed25519 public key checkpoints must be signed with (default: $TRACKER_PUBLIC_KEY, "
         "else the public half of $TRACKER_SIGNING_KEY).")]


@audit_app.command("verify")
def audit_verify(checkpoint: CheckpointOpt = None, public_key: PublicKeyOpt = None,
                 db: DbOpt = None, json: JsonOpt = False) -> None:
    """Check the hash chain, every table against it, every stored document file, and that the
    trail still extends every checkpoint given."""
    from .terminal import printable

    from . import checkpoint as cp

    with user_errors():
        marks = [cp.load(p) for p in checkpoint or ()]
        result = _tracker(db).verify(marks, public_key=public_key)
    if json:
        _print_json({"ok": result.ok, "records": result.records, "head_hash": result.head_hash,
                     "rows_checked": result.rows_checked, "files_checked": result.files_checked,
                     "acknowledged": result.acknowledged,
                     "checkpoints": [{"file": m.source, "records": m.records, "head": m.head,
                                      "signed": bool(m.signature)} for m in marks],
                     "problems": [p.to_dict() for p in result.problems]})
    if not result.ok:
        err = _stderr()
        for p in result.problems:
            err.print(printable(f"{p.code}: {p.message}"), markup=False)
        fail(f"the audit trail is broken: {result.problems[0].message}")
    if not json:
        typer.echo(f"OK: {result.records} audit records chain to {result.head_hash}; "
                   f"{result.rows_checked} rows and {result.files_checked} files match.")
        if result.acknowledged:
            typer.echo(f"{len(result.acknowledged)} acknowledged drift(s): audit record(s) "
                       + ", ".join(f"#{s}" for s in result.acknowledged) + " (tracker audit log shows why).")
        for m in marks:
            signed = f", signed by key {m.signer}" if m.signer else ", unsigned"
            typer.echo(printable(f"Extends checkpoint {m.source} (record {m.records}, taken {m.taken_at}{signed})."))


@audit_app.command("checkpoint")
def audit_checkpoint(output: Annotated[Path, typer.Option("-o", "--output", metavar="FILE",
                                                          help="Where to write the checkpoint (JSON).")],
                     key: Annotated[Optional[Path], typer.Option(
                         "--key", metavar="FILE", show_default=False,
                         help="Ed25519 private key to sign with (default: $TRACKER_SIGNING_KEY; "
                              "unsigned when neither is set).")] = None,
                     db: DbOpt = None, json: JsonOpt = False) -> None:
    """Write a checkpoint of the audit trail (record count, head hash, time) to keep outside the
    database; `audit verify --checkpoint FILE` later proves the trail still extends it."""
    with user_errors():
        mark = _tracker(db).checkpoint(output, key=key)
    if json:
        _print_json(mark.to_dict())
        return
    signed = f"signed by key {mark.signer}" if mark.signer else "unsigned"
    typer.echo(f"Wrote the checkpoint of {mark.records} audit records (head {mark.head}, {signed}) to {output}")


@audit_app.command("acknowledge")
def audit_acknowledge(reason: Annotated[str, typer.Option(
                          "--reason", metavar="TEXT",
                          help="What was found, who checked it, and why it is accepted.")],
                      table: Annotated[Optional[str], typer.Option(
                          "--table", metavar="T", help="The table of the drifted row (lot, entry, ...).")] = None,
                      key: Annotated[Optional[str], typer.Option(
                          "--key", metavar="K", help="The row's id (L-9), or its key as verify prints it.")] = None,
                      record: Annotated[Optional[int], typer.Option(
                          "--record", metavar="N",
                          help="Instead: a past audit record that verify says built on a drifted row.")] = None,
                      db: DbOpt = None, actor: ActorOpt = None, json: JsonOpt = False) -> None:
    """Record that a row changed behind the tracker's back was investigated: what was found, who
    acknowledged it and why. The trail continues from what was found; the history shows it."""
    if (record is None) == (table is None or key is None) or (record is not None and (table or key)):
        raise typer.BadParameter("give --table and --key (a row that drifted), or --record N")
    from .audit import describe
    from .terminal import printable

    with user_errors():
        rec = _tracker(db, actor).acknowledge(reason, table=table, key=key, record=record)
    if json:
        _print_json(rec)
        return
    typer.echo(printable(f"Recorded as audit record #{rec['seq']} by {rec['actor']}: "
                         f"{rec['table_name']} {rec['record_key']}: {describe(rec['action'], rec['before'], rec['after'])}"))


@audit_app.command("log")
def audit_log(table: Annotated[Optional[str], typer.Option(help="Only this table (lot, entry, ...).")] = None,
              key: Annotated[Optional[str], typer.Option(help="Only this record, by id (e.g. L-9).")] = None,
              limit: Annotated[Optional[int], typer.Option(help="Only the newest N records.")] = None,
              db: DbOpt = None, json: JsonOpt = False) -> None:
    """Show the history of a record, or of everything."""
    from .audit import describe
    from .terminal import printable

    with user_errors():
        rows = _tracker(db).log(table, key, limit)
    if json:
        _print_json(rows)
        return
    from rich.table import Table

    t = Table()
    for col in ("seq", "at", "actor", "action", "table", "key", "values"):
        t.add_column(col)
    for r in rows:
        t.add_row(*(printable(str(v)) for v in (r["seq"], r["at"], r["actor"], r["action"], r["table_name"],
                                                r["record_key"], describe(r["action"], r["before"], r["after"]))))
    _stdout().print(t)


def _unverified(db: str | None) -> Callable[[], str | None]:
    """Start checking the database against `audit verify` (chain and tables; document files are
    left to DOC_TAMPERED) and return a function that gives the warning, or None when it passes.

    On Linux the check runs in a forked process beside the command's own work, which reads the
    same tables: a whole verify would otherwise add a third to `check`. The fork happens before
    this process opens any connection, and the child opens its own.
    """
    import multiprocessing

    def warning() -> str | None:
        result = _tracker(db).verify(files=False)
        if result.ok:
            return None
        p = result.problems[0]
        more = f" (and {len(result.problems) - 1} more)" if len(result.problems) > 1 else ""
        return f"warning: the database fails `tracker audit verify`: {p.code}: {p.message}{more}"

    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return warning
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            send.send(("ok", warning()))
        except Exception as exc:  # the command reports its own errors; say only that this failed
            send.send(("error", f"warning: could not verify the database: {exc.__class__.__name__}"))

    worker = ctx.Process(target=child, daemon=True)
    worker.start()
    send.close()

    def result() -> str | None:
        try:
            _, message = receive.recv()
        except EOFError:
            message = "warning: could not verify the database (the check was interrupted)"
        worker.join()
        return message
    return result


def _warn(pending: Callable[[], str | None]) -> None:
    from .terminal import printable

    message = pending()
    if message:
        _stderr().print(printable(message), markup=False)


@measures_app.command("list")
def measures_list(kind: Annotated[Optional[str], typer.Option("--kind", metavar="K",
                                                             help="AD, CVD, 301, 232 or 201.")] = None,
                  country: Annotated[Optional[str], typer.Option("--country", metavar="C",
                                                                help="Rows for this country (and * rows).")] = None,
                  hts: Annotated[Optional[str], typer.Option("--hts", metavar="H",
                                                            help="Rows covering this HTS number.")] = None,
                  on: Annotated[Optional[str], typer.Option("--on", metavar="DATE",
                                                           help="Rows in effect on this date.")] = None,
                  db: DbOpt = None, json: JsonOpt = False) -> None:
    """The trade measures, bundled and imported, as rows: filter by kind, country, HTS and date."""
    from .measures import parse_measure_country
    from .values import BadValue, parse_date, parse_hts

    try:
        country = parse_measure_country(country) if country else None
        hts = parse_hts(hts) if hts else None
        day = parse_date(on) if on else None
    except BadValue as exc:
        raise typer.BadParameter(str(exc)) from None
    with user_errors():
        rows = _tracker(db).measures(kind=kind, country=country, hts=hts, on=day)
    if json:
        _print_json({"measures": [m.to_dict() for m in rows]})
        return
    from rich.table import Table

    table = Table(title=f"Trade measures ({len(rows)} rows)", title_justify="left")
    for col in ("measure_id", "kind", "country", "hts_prefix", "effective_on", "expires_on", "rate",
                "heading", "exclusion", "source"):
        table.add_column(col, overflow="fold")
    for m in rows:
        d = m.to_dict()
        table.add_row(*[str(d[c] or "") if c != "rate" or d[c] is None else f"{d[c]}%"
                        for c in ("measure_id", "kind", "country", "hts_prefix", "effective_on", "expires_on",
                                  "rate", "heading", "exclusion", "source")])
    _stdout().print(table)


@measures_app.command("load-hts")
def measures_load_hts(file: Annotated[Path, typer.Argument(metavar="FILE", help="HTS Chapter 99 as text (.txt or .txt.gz).")],
                      effective: Annotated[Optional[str], typer.Option(
                          "--effective", metavar="DATE",
                          help="The day the release takes effect (default: today).")] = None,
                      db: DbOpt = None, actor: ActorOpt = None, json: JsonOpt = False) -> None:
    """Load a newer HTS release: rows it adds or changes are written, rows it drops get an end date."""
    from .refdata.hts99 import DerivationError
    from .values import BadValue, parse_date

    try:
        day = parse_date(effective) if effective else None
    except BadValue as exc:
        raise typer.BadParameter(str(exc)) from None
    if not file.is_file():
        fail(f"{file} not found")
    with user_errors():
        try:
            result = _tracker(db, actor).load_hts(file, effective_on=day)
        except DerivationError as exc:
            fail(f"{file} does not read as HTS Chapter 99: {exc}")
    if json:
        _print_json(result.to_dict())
        return
    typer.echo(f"HTS {result.release}: {result.derived} rows derived; {result.new} new, {result.changed} changed, "
               f"{result.ended} ended" + ("" if result.batch_id else " (nothing to write)"))


def main() -> None:
    """Entry point: no traceback reaches a user unless TRACKER_DEBUG is set."""
    try:
        app()
    except Exception as exc:  # a bug, not a user error: say so briefly
        if os.environ.get("TRACKER_DEBUG"):
            raise
        sys.stderr.write(f"Error: internal error ({exc.__class__.__name__}); run with TRACKER_DEBUG=1 "
                         "for details and please report it.\n")
        sys.exit(1)


SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


@app.command()
def check(entry: Annotated[Optional[list[str]], typer.Option("--entry", metavar="N",
                                                            help="Only this entry (repeatable).")] = None,
          db: DbOpt = None, json: JsonOpt = False) -> None:
    """Determine origin and raise flags for every entry, or one. Exit 0 whatever it finds."""
    with user_errors():
        pending = _unverified(db)  # beside the determination, which reads the same tables
        results = _tracker(db).check_dicts(entry)
        _warn(pending)
    if json:
        _print_json({"entries": results})
        return
    if not results:
        typer.echo("No entries in the database: import a supplier workbook first.")
        return
    out = _stdout()
    out.print(_check_table(results, out.width))
    counts = {s: sum(1 for r in results for f in r["flags"] if f["severity"] == s) for s in SEVERITY_STYLE}
    out.print(f"{len(results)} entry line(s); flags: " + ", ".join(f"{n} {s}" for s, n in counts.items()))


def _route_text(r: dict, metal: str) -> str:
    """The route, and under it the metal's own countries when any are traced (Section 232)."""
    route = " > ".join(r["route"])
    return f"{route}\nmetal: {metal}" if metal else route


def _check_table(results: list[dict], width: int):
    """The check table. Ids (entry, lot, HTS) and flag codes are what a reader copies: they are
    never broken; the entry's lot and HTS sit under its number, declared origin over computed, and
    the route and the flags wrap between words, so the table fits 80 columns."""
    from rich.table import Table
    from rich.text import Text

    from .metal import metal_text

    order = ("high", "medium", "low", "info")
    table = Table(title="Origin determination", title_justify="left", show_lines=True)
    for col in ("entry / lot / HTS", "origin"):
        table.add_column(col, no_wrap=True)
    # rich narrows the widest wrapping columns alike; the route yields first, so that the longest
    # flag code shown keeps its line: it gets what the other columns (and 13 of rules and padding) leave
    flags_width = max([len(f["code"]) for r in results for f in r["flags"]] + [len("flags")])
    fixed = (max(len(x or "") for r in results for x in ("entry / lot / HTS", r["entry_number"], r["lot_id"],
                                                          r["hts"]))
             + max(len(f"computed {r['computed_origin'] or 'unknown'}") for r in results))
    table.add_column("route", max_width=max(2, width - 13 - fixed - flags_width))
    table.add_column("flags", min_width=flags_width)
    for r in results:
        origin = Text(f"declared {r['declared_origin']}\ncomputed ") + Text(
            r["computed_origin"] or "unknown",
            style="" if r["computed_origin"] == r["declared_origin"] else "bold red")
        duty = {v["origin"] for k, v in r.get("regimes", {}).items() if k != "marking"} - {r["computed_origin"]}
        if duty:  # the regimes split: the marking origin, then what duties follow (determination-v2)
            origin.append(f"\n≠ 301/AD {'/'.join(sorted(str(c) for c in duty))}", style="bold yellow")
        flags = Text()
        for f in sorted(r["flags"], key=lambda f: order.index(f["severity"])):
            if f["code"] not in flags.plain.split():
                flags.append(f["code"] + " ", style=SEVERITY_STYLE.get(f["severity"], ""))
        ids = Text(r["entry_number"]) + Text(f"\n{r['lot_id']}\n{r['hts']}", style="dim")
        table.add_row(ids, origin, _route_text(r, metal_text(r["metal_provenance"])),
                      flags if flags else Text("none", style="green"))
    return table


@app.command()
def trace(entry: Annotated[Optional[str], typer.Option("--entry", metavar="N", help="An entry number.")] = None,
          lot: Annotated[Optional[str], typer.Option("--lot", metavar="L", help="A lot id.")] = None,
          db: DbOpt = None, json: JsonOpt = False) -> None:
    """The goods' upstream graph: lots, processes, shipments, facilities and countries."""
    if (entry is None) == (lot is None):
        raise typer.BadParameter("give exactly one of --entry and --lot")
    from .trace import render_tree

    with user_errors():
        result = _tracker(db).trace(entry=entry, lot=lot)
    if json:
        _print_json(result.to_dict())
    else:
        _stdout().print(render_tree(result))


@app.command()
def report(entry: Annotated[list[str], typer.Option("--entry", metavar="N",
                                                    help="An entry to include (repeatable).")],
           output: Annotated[Optional[Path], typer.Option("-o", "--output", metavar="FILE.xlsx",
                                                          help="Where to write the evidence workbook.")] = None,
           package: Annotated[Optional[Path], typer.Option(
               "--package", metavar="FILE.zip",
               help="Also write the evidence package: workbook, held document files and a SHA-256 manifest.")] = None,
           layout: Annotated[Optional[str], typer.Option(
               help="Layout: a name (default, cf28, or one in $TRACKER_REPORTS) or a .toml path.")] = None,
           for_: Annotated[Optional[str], typer.Option(
               "--for", metavar="cbp",
               help="cbp: the submission for CBP (facts and numbered exhibits, never flags or advice) "
                    "instead of the internal review.")] = None,
           pdf: Annotated[Optional[Path], typer.Option(
               "--pdf", metavar="FILE.pdf",
               help="With --for cbp: also write the PDF binder, every page stamped with its exhibit and "
                    "Bates number.")] = None,
           edition: Annotated[Optional[str], typer.Option(
               metavar="confidential|public",
               help="With --for cbp: confidential (every page marked, confidential values in brackets; "
                    "the default) or public (confidential values redacted).")] = None,
           db: DbOpt = None) -> None:
    """Write the evidence workbook for one entry (or several --entry): the internal review, or with
    --for cbp the submission for CBP."""
    if for_ is not None and for_ != "cbp":
        raise typer.BadParameter(f"--for takes cbp, not {for_!r}")
    if for_ is None and (pdf is not None or edition is not None):
        raise typer.BadParameter("--pdf and --edition go with --for cbp")
    if for_ is not None and package is not None:
        raise typer.BadParameter("--package writes the internal review's package; the submission's documents "
                                 "go in its --pdf binder")
    if edition is not None and edition not in ("confidential", "public"):
        raise typer.BadParameter(f"--edition is confidential or public, not {edition!r}")
    if output is None and package is None:
        raise typer.BadParameter("give -o FILE.xlsx, --package FILE.zip, or both")
    if output is not None and output.suffix.lower() != ".xlsx":
        raise typer.BadParameter(f"{output} must end in .xlsx")
    if pdf is not None and pdf.suffix.lower() != ".pdf":
        raise typer.BadParameter(f"{pdf} must end in .pdf")
    with user_errors():
        t = _tracker(db)
        if for_ == "cbp":  # refused outright when verify fails (tracker.report.cbp)
            pkg = t.submission(entry, output, pdf=pdf, edition=edition or "confidential", layout=layout)
            typer.echo(f"Wrote the submission for CBP ({pkg.edition.name} edition) for {len(pkg.results)} "
                       f"entry line(s) to {output}")
            if pdf is not None:
                typer.echo(f"Wrote the binder to {pdf}")
            return
        pending = _unverified(db)
        written = t.report(entry, output, package=package, layout=layout)
        _warn(pending)
    if output is not None:
        typer.echo(f"Wrote the evidence workbook for {written.rows} entry line(s) to {output}")
    if package is not None:
        typer.echo(f"Wrote the evidence package (workbook, held documents, SHA-256 manifest) to {package}")


@app.command()
def request(output: Annotated[Path, typer.Option("-o", "--output", metavar="FILE.xlsx",
                                                 help="Where to write the request workbook.")],
            company: Annotated[Optional[str], typer.Option(
                "--company", metavar="C", help="The supplier: a company (its and its subsidiaries' facilities).")]
            = None,
            facility: Annotated[Optional[str], typer.Option("--facility", metavar="F",
                                                            help="The supplier: one facility.")] = None,
            entry: Annotated[Optional[list[str]], typer.Option(
                "--entry", metavar="N", help="Only the chains behind this entry (repeatable; default: every "
                                             "entry whose chain passes through the supplier).")] = None,
            due: Annotated[Optional[str], typer.Option("--due", metavar="DATE",
                                                       help="Answer by YYYY-MM-DD (default: 30 days from today).")]
            = None,
            contact: Annotated[Optional[str], typer.Option(
                "--contact", metavar="TEXT", help="Who the supplier sends it back to (default: the entries' "
                                                  "importer of record).")] = None,
            db: DbOpt = None, actor: ActorOpt = None) -> None:
    """Write the workbook asking one supplier for what is missing from its part of the chain, and log it."""
    from datetime import date

    if (company is None) == (facility is None):
        raise typer.BadParameter("give exactly one of --company and --facility")
    if output.suffix.lower() != ".xlsx":
        raise typer.BadParameter(f"{output} must end in .xlsx")
    try:
        due_on = date.fromisoformat(due) if due else None
    except ValueError:
        raise typer.BadParameter(f"--due {due!r} is not a date (YYYY-MM-DD)") from None
    from .requests import NothingToAsk

    with user_errors():
        try:
            sent = _tracker(db, actor).request(output, company=company, facility=facility, entries=entry,
                                               due=due_on, contact=contact)
        except NothingToAsk as exc:
            typer.echo(f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
            return
    typer.echo(f"Wrote request {sent['id']} to {sent['supplier_name']} ({len(sent['items'])} item(s), "
               f"due {sent['due_on'].isoformat()}, send back to {sent['contact']}) to {output}")


@app.command()
def requests(open_: Annotated[bool, typer.Option("--open", help="Only items still open.")] = False,
             overdue: Annotated[bool, typer.Option("--overdue", help="Only open items past their due date.")]
             = False,
             db: DbOpt = None, json: JsonOpt = False) -> None:
    """The request log: who was asked for what, when, by when, and what came back."""
    with user_errors():
        log = _tracker(db).requests(open_only=open_, overdue_only=overdue)
    if json:
        _print_json({"requests": log})
        return
    if not log:
        typer.echo("No overdue request items." if overdue else "No open request items." if open_ else
                   "No requests yet: see tracker request.")
        return
    from rich.table import Table

    t = Table(title="Requests to suppliers", title_justify="left", show_lines=False)
    for col in ("request", "supplier", "sent", "due", "item", "asked", "status"):
        t.add_column(col, overflow="fold")
    for r in log:
        for it in r["items"]:
            status = it["status"]
            if status == "answered":
                status = f"answered {it['answered_at'][:10]} ({it['answered_by_file']})"
            t.add_row(str(r["request"]), f"{r['supplier']['name']} ({r['supplier']['id']})", r["sent_on"],
                      r["due_on"], str(it["item"]), it["asked"],
                      status.upper() if status == "overdue" else status)
    out = _stdout()
    out.print(t)
    out.print(f"{len(log)} request(s); {sum(r['open'] for r in log)} item(s) open, "
              f"{sum(r['answered'] for r in log)} answered; "
              f"{sum(1 for r in log if r['overdue'])} request(s) overdue")


@app.command()
def demo(directory: Annotated[Path, typer.Option("--dir", help="Where to put the demo database and workbook.")]
         = Path("out/demo"),
         db: Annotated[Optional[str], typer.Option(
             "--db", metavar="URL", show_default=False,
             help="An empty database to load the demo into (default: DIR/demo.db, made anew; "
                  "$TRACKER_DB is not used).")] = None) -> None:
    """Load the bundled sample data into a fresh database, check it, and write an evidence workbook.

    Without --db the database is DIR/demo.db, made anew each run; a --db database must be empty.
    """
    from .api import Tracker

    with user_errors():
        result = Tracker.for_demo(directory, db).demo(directory)
    typer.echo(f"Database: {result.database}")
    for name, imported in result.imports:
        rows = sum(s.new + s.changed for s in imported.sheets)
        typer.echo(f"Imported {name}: {rows} rows, {imported.files_stored} document files")
    out = _stdout()
    out.print(_check_table([r.to_dict() for r in result.results], out.width))
    typer.echo(f"Audit trail: {result.audit.records} records, {'verified' if result.audit.ok else 'BROKEN'}")
    typer.echo(f"Evidence workbook: {result.workbook.resolve()}")
    typer.echo(f"Evidence package:  {result.package.resolve()}")


@app.command()
def synth(output: Annotated[Path, typer.Option("-o", "--output", metavar="DIR", help="Folder to write into.")],
          rows: Annotated[int, typer.Option(help="About how many rows over all sheets.", min=10)] = 10_000,
          seed: Annotated[int, typer.Option(help="Same seed, same data.")] = 7,
          deep: Annotated[int, typer.Option(help="Add entry E-DEEP with this many upstream lots.", min=0)] = 0,
          fmt: Annotated[str, typer.Option("--format", help="xlsx, csv or both.")] = "xlsx",
          db: DbOpt = None) -> None:
    """Write a synthetic supplier workbook of a given size (for benchmarks and trials)."""
    if fmt not in ("xlsx", "csv", "both"):
        raise typer.BadParameter("--format is xlsx, csv or both")
    with user_errors():
        written = _tracker(db).synth(output, rows, seed=seed, deep=deep, format=fmt)  # writes files only
    for path in written.paths:
        typer.echo(f"Wrote {path}{'/' if path.is_dir() else ''} ({written.rows:,} rows)")
