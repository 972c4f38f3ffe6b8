"""The tracker benchmark: every command as a whole process, at three sizes,
beside the floor of each (benchmarks/floor.py), measured in the same run.

    python benchmarks/bench.py                        # 10k, 100k and 1M rows
    python benchmarks/bench.py --sizes 10k,100k       # fewer
    python benchmarks/bench.py --db postgresql+psycopg://USER@HOST/DB   # another engine

Synthetic data comes from `tracker synth` (seeded, cached under
benchmarks/data/). Each size has one deep entry, E-DEEP, with 10,000 upstream
lots (1,000 at the smallest size) for trace and report. It prints a table of
seconds, rows per second, peak memory and the ratio to the floor, and writes
it to benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))


@dataclass
class Run:
    seconds: float
    peak_mib: float


def run(args: list[str], env: dict | None = None) -> Run:
    """Run a whole process; wall time and its peak resident memory."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{err}")
    return Run(seconds, usage.ru_maxrss / 1024)


def parse_size(text: str) -> int:
    text = text.lower()
    return int(float(text[:-1]) * (1_000_000 if text.endswith("m") else 1_000)) if text[-1] in "km" else int(text)


def dataset(rows: int, deep: int) -> tuple[Path, Path, int]:
    from tracker.synth import generate, write_csv, write_xlsx

    folder = HERE / "data" / f"{rows}-deep{deep}"
    book, csvs = folder / "synthetic.xlsx", folder / "csv"
    stamp = folder / "rows"
    if not stamp.exists():
        shutil.rmtree(folder, ignore_errors=True)
        print(f"  generating {rows:,} rows ...", flush=True)
        data = generate(rows, seed=7, deep=deep)
        write_xlsx(data, book)
        write_csv(data, csvs)
        stamp.write_text(str(data.total))
    return book, csvs, int(stamp.read_text())


def fresh_url(base: str | None, folder: Path, name: str) -> str:
    if base is None:
        db = folder / f"{name}.db"
        for p in folder.glob(f"{name}.db*"):
            p.unlink()
        return f"sqlite:///{db}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base)
    dbname = f"bench_{name}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}"'))
        conn.execute(text(f'CREATE DATABASE "{dbname}"'))
    admin.dispose()
    return url.set(database=dbname).render_as_string(hide_password=False)


def count(url: str, sql: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text(sql)).scalar()
    engine.dispose()
    return n


def bench_size(label: str, rows: int, base_url: str | None, work: Path) -> list[tuple]:
    deep = 10_000 if rows >= 100_000 else 1_000
    book, csvs, total = dataset(rows, deep)
    py = sys.executable
    tracker = [py, "-m", "tracker"]
    floor = [py, str(HERE / "floor.py")]
    env = {**os.environ, "TRACKER_EVIDENCE": str(work / "evidence")}
    out = []

    def measure(op: str, n: int, ours: list[str], theirs: list[str]) -> None:
        a = run(ours, env)
        b = run(theirs, env)
        out.append((label, op, n, a.seconds, n / a.seconds, a.peak_mib, b.seconds, a.seconds / b.seconds))
        print(f"  {op:<14} {a.seconds:7.2f} s  {n / a.seconds:>10,.0f} rows/s  {a.peak_mib:7.0f} MiB   "
              f"floor {b.seconds:6.2f} s   x{a.seconds / b.seconds:.1f}", flush=True)

    print(f"{label}: {total:,} rows", flush=True)
    url_x, url_fx = fresh_url(base_url, work, "xlsx"), fresh_url(base_url, work, "floor_xlsx")
    measure("import xlsx", total, [*tracker, "import", str(book), "--db", url_x],
            [*floor, "import-xlsx", str(book), url_fx])
    url_c, url_fc = fresh_url(base_url, work, "csv"), fresh_url(base_url, work, "floor_csv")
    measure("import csv", total, [*tracker, "import", str(csvs), "--db", url_c],
            [*floor, "import-csv", str(csvs), url_fc])
    lots = count(url_c, "SELECT count(*) FROM lot")
    measure("check", lots, [*tracker, "check", "--json", "--db", url_c], [*floor, "check", url_c])
    deep_lot = count(url_c, "SELECT count(*) FROM lot") and _deep_lot(url_c)
    measure("trace deep", deep + 1, [*tracker, "trace", "--entry", "E-DEEP", "--json", "--db", url_c],
            [*floor, "trace", url_c, deep_lot])
    report = work / "deep.xlsx"
    a = run([*tracker, "report", "--entry", "E-DEEP", "-o", str(report), "--db", url_c], env)
    cells, rows_written = _cells(report)
    b = run([*floor, "report", url_c, deep_lot, str(rows_written), str(cells // max(rows_written, 1)),
             str(work / "floor.xlsx")], env)
    out.append((label, "report deep", deep + 1, a.seconds, (deep + 1) / a.seconds, a.peak_mib, b.seconds,
                a.seconds / b.seconds))
    print(f"  {'report deep':<14} {a.seconds:7.2f} s  {(deep + 1) / a.seconds:>10,.0f} rows/s  "
          f"{a.peak_mib:7.0f} MiB   floor {b.seconds:6.2f} s   x{a.seconds / b.seconds:.1f}"
          f"   ({rows_written:,} rows, {cells:,} cells)", flush=True)
    records = count(url_c, "SELECT count(*) FROM audit_record")
    measure("audit verify", records, [*tracker, "audit", "verify", "--db", url_c], [*floor, "verify", url_c])
    return out


def _deep_lot(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        lot = conn.execute(text("SELECT lot_id FROM entry WHERE entry_number = 'E-DEEP'")).scalar()
    engine.dispose()
    return lot


def _cells(path: Path) -> tuple[int, int]:
    """(cells, rows) of the table sheets of a workbook, counted from its XML."""
    cells = rows = 0
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                data = z.read(name)
                cells += data.count(b"<c ")
                rows += data.count(b"<row ")
    return cells, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10k,100k,1m")
    ap.add_argument("--db", default=None, help="a PostgreSQL server URL; databases bench_* are made on it")
    ap.add_argument("--out", default=str(HERE / "results.md"))
    opts = ap.parse_args()
    work = HERE / "data" / "work"
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for label in opts.sizes.split(","):
        results += bench_size(label, parse_size(label), opts.db, work)
    engine = "SQLite" if opts.db is None else "PostgreSQL"
    lines = [f"Engine: {engine}. Machine: {os.cpu_count()} cores. Whole processes, wall time; the floor is "
             "benchmarks/floor.py measured in the same run.", "",
             "| size | operation | rows | seconds | rows/s | peak MiB | floor s | ratio |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for size, op, n, s, rps, mib, fs, ratio in results:
        lines.append(f"| {size} | {op} | {n:,} | {s:.2f} | {rps:,.0f} | {mib:,.0f} | {fs:.2f} | {ratio:.1f}x |")
    Path(opts.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
