"""The `tracker` command: a thin layer over the library.

Each command parses its options, calls one core function, prints, and sets
the exit status (cli-v1): 0 success; 1 the input or data is wrong, with a
message saying where; 2 the command was used wrongly. With `--json`, standard
output holds the JSON document alone; progress, warnings and errors go to
standard error. Heavy modules are imported inside the commands so that
`tracker --help` starts at once.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Iterator, NoReturn, Optional

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  rich_markup_mode=None,
                  help="Prove where imported goods were really made: import supplier workbooks, "
                       "trace each customs entry upstream, determine origin, raise red flags, "
                       "and write the evidence workbook for CBP.")
audit_app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit trail.")
app.add_typer(audit_app, name="audit")

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

    # Piped output is read in files and logs: do not squeeze it to 80 columns.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 200)


def fail(message: str) -> NoReturn:
    _stderr().print(f"Error: {message}", markup=False)
    raise typer.Exit(1)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's errors into one-line messages and exit status 1."""
    from .findings import ImportFailed, TrackerError

    try:
        yield
    except ImportFailed as exc:
        err = _stderr()
        for w in exc.warnings:
            err.print(f"warning: {w}", markup=False)
        for e in exc.errors:
            err.print(str(e), markup=False)
        fail(f"{len(exc.errors)} error(s); nothing was imported")
    except TrackerError as exc:
        fail(str(exc))


def _open(db: str | None):
    from .db import open_db

    return open_db(db)


def _print_json(data) -> None:
    import orjson

    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


@app.command()
def init(db: DbOpt = None) -> None:
    """Create the database, or upgrade an older one in place (idempotent)."""
    from .db import make_engine, resolve_url, safe_url, upgrade

    with user_errors():
        engine = make_engine(resolve_url(db))
        before, after = upgrade(engine)
    what = ("created" if before is None else "is up to date" if before == after
            else f"upgraded from schema {before} to {after}")
    typer.echo(f"Database {safe_url(str(engine.url))} {what} (schema {after}).")


@app.command()
def template(output: Annotated[Path, typer.Option("-o", "--output", metavar="FILE.xlsx",
                                                  help="Where to write the blank workbook.")],
             db: DbOpt = None) -> None:
    """Write the blank supplier workbook: every sheet and column, notes and drop-down lists."""
    del db  # accepted like every command's (cli-v1); the template needs no database
    from .template import write_template

    if output.suffix.lower() != ".xlsx":
        fail(f"{output} must end in .xlsx")
    write_template(output)
    typer.echo(f"Wrote the blank supplier workbook to {output}")


@app.command("import")
def import_(path: Annotated[Path, typer.Argument(help="A supplier workbook (.xlsx) or a folder of .csv files.",
                                                 show_default=False)],
            dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and report; write nothing.")] = False,
            db: DbOpt = None, actor: ActorOpt = None, json: JsonOpt = False) -> None:
    """Import a supplier workbook, all or nothing: on any error nothing is written."""
    from .importer import import_path

    with user_errors():
        engine = _open(db)
        with _progress("Importing") as tick:
            result = import_path(engine, path, actor=actor, dry_run=dry_run, progress=tick)
    err = _stderr()
    for w in result.warnings:
        err.print(f"warning: {w}", markup=False)
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


@audit_app.command("verify")
def audit_verify(db: DbOpt = None, json: JsonOpt = False) -> None:
    """Check the hash chain, every table against it, and every stored document file."""
    from .audit import verify
    from .db import evidence_dir, read_tx

    with user_errors():
        engine = _open(db)
        with read_tx(engine) as conn:
            result = verify(conn, evidence_dir(engine))
    if json:
        _print_json({"ok": result.ok, "records": result.records, "head_hash": result.head_hash,
                     "rows_checked": result.rows_checked, "files_checked": result.files_checked,
                     "problems": [p.to_dict() for p in result.problems]})
    if not result.ok:
        err = _stderr()
        for p in result.problems:
            err.print(f"{p.code}: {p.message}", markup=False)
        fail(f"the audit trail is broken: {result.problems[0].message}")
    if not json:
        typer.echo(f"OK: {result.records} audit records chain to {result.head_hash}; "
                   f"{result.rows_checked} rows and {result.files_checked} files match.")


@audit_app.command("log")
def audit_log(table: Annotated[Optional[str], typer.Option(help="Only this table (lot, entry, ...).")] = None,
              key: Annotated[Optional[str], typer.Option(help="Only this record, by id (e.g. L-9).")] = None,
              limit: Annotated[Optional[int], typer.Option(help="Only the newest N records.")] = None,
              db: DbOpt = None, json: JsonOpt = False) -> None:
    """Show the history of a record, or of everything."""
    from .audit import describe, history
    from .db import read_tx

    with user_errors():
        engine = _open(db)
        with read_tx(engine) as conn:
            rows = history(conn, table, key, limit)
    if json:
        _print_json(rows)
        return
    from rich.table import Table

    t = Table()
    for col in ("seq", "at", "actor", "action", "table", "key", "values"):
        t.add_column(col)
    for r in rows:
        t.add_row(str(r["seq"]), r["at"], r["actor"], r["action"], r["table_name"], r["record_key"],
                  describe(r["action"], r["before"], r["after"]))
    _stdout().print(t)



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
    from .db import evidence_dir, read_tx
    from .determination import check_dicts

    with user_errors():
        engine = _open(db)
        with read_tx(engine) as conn:
            results = check_dicts(conn, entry, evidence_dir(engine))
    if json:
        _print_json({"entries": results})
        return
    if not results:
        typer.echo("No entries in the database: import a supplier workbook first.")
        return
    from rich.table import Table
    from rich.text import Text

    order = ("high", "medium", "low", "info")
    table = Table(title="Origin determination", title_justify="left", show_lines=True)
    for col in ("entry", "lot", "HTS", "declared", "computed", "route", "flags"):
        table.add_column(col, overflow="fold")
    for r in results:
        computed = Text(r["computed_origin"] or "unknown",
                        style="" if r["computed_origin"] == r["declared_origin"] else "bold red")
        flags = Text()
        for f in sorted(r["flags"], key=lambda f: order.index(f["severity"])):
            if f["code"] not in flags.plain.split():
                flags.append(f["code"] + " ", style=SEVERITY_STYLE.get(f["severity"], ""))
        table.add_row(r["entry_number"], r["lot_id"], r["hts"], r["declared_origin"], computed,
                      " > ".join(r["route"]), flags if flags else Text("none", style="green"))
    out = _stdout()
    out.print(table)
    counts = {s: sum(1 for r in results for f in r["flags"] if f["severity"] == s) for s in SEVERITY_STYLE}
    out.print(f"{len(results)} entry line(s); flags: " + ", ".join(f"{n} {s}" for s, n in counts.items()))


@app.command()
def trace(entry: Annotated[Optional[str], typer.Option("--entry", metavar="N", help="An entry number.")] = None,
          lot: Annotated[Optional[str], typer.Option("--lot", metavar="L", help="A lot id.")] = None,
          db: DbOpt = None, json: JsonOpt = False) -> None:
    """The goods' upstream graph: lots, processes, shipments, facilities and countries."""
    if (entry is None) == (lot is None):
        raise typer.BadParameter("give exactly one of --entry and --lot")
    from .db import read_tx
    from .trace import render_tree, trace as run_trace

    with user_errors():
        engine = _open(db)
        with read_tx(engine) as conn:
            result = run_trace(conn, entry=entry, lot=lot)
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
               help="Layout: a name from reports/ (default, cf28) or a .toml path.")] = None,
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
    from .db import evidence_dir, read_tx, safe_url
    from .report import write_evidence, write_submission

    with user_errors():
        engine = _open(db)
        label = safe_url(str(engine.url))
        with read_tx(engine) as conn:
            if for_ == "cbp":
                pkg = write_submission(conn, entry, output, pdf=pdf, edition=edition or "confidential",
                                       layout=layout, store=evidence_dir(engine))
                typer.echo(f"Wrote the submission for CBP ({pkg.edition.name} edition) for {len(pkg.results)} "
                           f"entry line(s) to {output}")
                if pdf is not None:
                    typer.echo(f"Wrote the binder to {pdf}")
                return
            pkg, manifest = write_evidence(conn, entry, output=output, package=package, layout=layout,
                                           store=evidence_dir(engine), db_label=label)
        if output is not None:
            typer.echo(f"Wrote the evidence workbook for {len(pkg.results)} entry line(s) to {output}")
        if manifest is not None:
            typer.echo(f"Wrote the evidence package ({len(manifest['files'])} files, SHA-256 manifest) "
                       f"to {package}")


@app.command()
def demo(directory: Annotated[Path, typer.Option("--dir", help="Where to put the demo database and workbook.")]
         = Path("out/demo"),
         db: DbOpt = None) -> None:
    """Load the bundled sample data into a fresh database, check it, and write an evidence workbook."""
    from .demo import run_demo

    with user_errors():
        run_demo(directory, db, echo=typer.echo, show=lambda r: _stdout().print(r))


@app.command()
def synth(output: Annotated[Path, typer.Option("-o", "--output", metavar="DIR", help="Folder to write into.")],
          rows: Annotated[int, typer.Option(help="About how many rows over all sheets.", min=10)] = 10_000,
          seed: Annotated[int, typer.Option(help="Same seed, same data.")] = 7,
          deep: Annotated[int, typer.Option(help="Add entry E-DEEP with this many upstream lots.", min=0)] = 0,
          fmt: Annotated[str, typer.Option("--format", help="xlsx, csv or both.")] = "xlsx",
          db: DbOpt = None) -> None:
    """Write a synthetic supplier workbook of a given size (for benchmarks and trials)."""
    del db  # accepted like every command's; synth writes files only
    if fmt not in ("xlsx", "csv", "both"):
        raise typer.BadParameter("--format is xlsx, csv or both")
    from .synth import generate, write_csv, write_xlsx

    data = generate(rows, seed=seed, deep=deep)
    if fmt in ("xlsx", "both"):
        typer.echo(f"Wrote {write_xlsx(data, output / 'synthetic.xlsx')} ({data.total:,} rows)")
    if fmt in ("csv", "both"):
        typer.echo(f"Wrote {write_csv(data, output / 'csv')}/ ({data.total:,} rows)")
