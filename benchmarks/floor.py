"""The floors the benchmark compares tracker with: the stack's own fastest way to
do the least work each command must do, run as a whole process like tracker.

    python benchmarks/floor.py import-xlsx FILE URL
    python benchmarks/floor.py import-csv DIR URL
    python benchmarks/floor.py check URL
    python benchmarks/floor.py trace URL LOT
    python benchmarks/floor.py report URL LOT ROWS COLUMNS
    python benchmarks/floor.py verify URL

import: read every sheet with the fastest reader (python-calamine, or the csv
module), insert the raw values with executemany in one transaction, and
hash-chain the rows into the audit table. check: read every table a
determination needs (lots, process lots, shipments, entries, and the
documents, facilities and companies that evidence and ownership flags rest
on), build the graph once and walk it once in topological order. trace: the graph and one `ancestors`. report: the upstream lots, then
the same number of cells written with openpyxl's write-only mode. verify:
read the trail in order and recompute the chain, and read every table once.
No validation, no diff, no findings: that is the work tracker adds.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from pathlib import Path

import orjson
from sqlalchemy import create_engine


def _engine(url: str):
    return create_engine(url)


def _placeholder(conn) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _plain(v):
    if v is None or isinstance(v, (int, float, str)):
        return v
    return str(v)


def _sheets_xlsx(path: str):
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(path)
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).iter_rows()
        header = next(rows, None)
        if header:
            yield name, [str(h) for h in header], rows


def _sheets_csv(folder: str):
    from tracker.schemas import workbook_layout

    for spec in workbook_layout():  # referenced sheets first, as foreign keys need
        f = Path(folder) / f"{spec.name}.csv"
        if not f.is_file():
            continue
        with f.open(newline="", encoding="utf-8") as fh:
            rows = csv.reader(fh)
            header = next(rows, None)
            if header:
                yield f.stem, header, list(rows)


def floor_import(sheets, url: str) -> None:
    from sqlmodel import SQLModel

    import tracker.models  # noqa: F401  the same schema as tracker's
    from tracker.schemas import workbook_layout

    engine = _engine(url)
    SQLModel.metadata.create_all(engine)
    spec = {s.name: s for s in workbook_layout()}
    prev = "0" * 64
    seq = 0
    audit = []
    with engine.begin() as conn:
        ph = _placeholder(conn)
        for name, header, rows in sheets:
            s = spec[name]
            fields = [next(c.field for c in s.columns if c.name == h) for h in header]
            fixed = {"extra": "{}", **({"stored": False} if s.table == "document" else {})}
            sql = (f'INSERT INTO {s.table} ({", ".join([*fields, *fixed])}) '
                   f'VALUES ({", ".join([ph] * (len(fields) + len(fixed)))})')
            tail = tuple(fixed.values())
            pad = [""] * len(header)  # a row may stop before the optional columns at the end
            values = [tuple(_plain(v) if v != "" else None for v in (list(r) + pad)[:len(header)]) + tail
                      for r in rows]
            if not values:
                continue
            conn.exec_driver_sql(sql, values)
            for v in values:
                seq += 1
                after = orjson.dumps(v).decode()
                h = hashlib.sha256(orjson.dumps([seq, prev, after])).hexdigest()
                audit.append((seq, "", "floor", "insert", s.table, "", None, after, None, prev, h))
                prev = h
        conn.exec_driver_sql(f"INSERT INTO audit_record VALUES ({', '.join([ph] * 11)})", audit)


def floor_check(url: str) -> None:
    import networkx as nx

    engine = _engine(url)
    with engine.connect() as conn:
        lots = {r[0]: r for r in conn.exec_driver_sql("SELECT lot_id, origin_country FROM lot")}
        pls = list(conn.exec_driver_sql("SELECT process_id, role, lot_id FROM process_lot"))
        # A determination cannot be made without these: evidence, places and owners.
        for table in ("shipment", "document", "facility", "company", "process", "item"):
            list(conn.exec_driver_sql(f"SELECT * FROM {table}"))
        entries = list(conn.exec_driver_sql("SELECT entry_number, lot_id FROM entry"))
    g = nx.DiGraph()
    g.add_nodes_from(lots)
    g.add_edges_from((lot, "p:" + p) if role == "input" else ("p:" + p, lot) for p, role, lot in pls)
    origin = {}
    for node in nx.topological_sort(g):
        preds = list(g.predecessors(node))
        origin[node] = origin.get(preds[0]) if preds else lots.get(node, (None, None))[1]
    sum(1 for e in entries if origin.get(e[1]))


def floor_trace(url: str, lot: str) -> None:
    import networkx as nx

    engine = _engine(url)
    with engine.connect() as conn:
        pls = list(conn.exec_driver_sql("SELECT process_id, role, lot_id FROM process_lot"))
    g = nx.DiGraph((lot_, "p:" + p) if role == "input" else ("p:" + p, lot_) for p, role, lot_ in pls)
    orjson.dumps(sorted(nx.ancestors(g, lot)))


def floor_report(url: str, lot: str, rows: int, columns: int, out: str) -> None:
    from openpyxl import Workbook

    floor_trace(url, lot)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("rows")
    row = [f"value {i}" for i in range(columns)]
    for _ in range(rows):
        ws.append(row)
    wb.save(out)


def floor_verify(url: str) -> None:
    engine = _engine(url)
    with engine.connect() as conn:
        prev = "0" * 64
        for r in conn.execution_options(stream_results=True).exec_driver_sql(
                "SELECT seq, at, actor, action, table_name, record_key, before, after, batch_id, prev_hash "
                "FROM audit_record ORDER BY seq"):
            prev = hashlib.sha256(orjson.dumps([*r, prev])).hexdigest()
        for table in ("import_batch", "company", "facility", "item", "lot", "process", "process_lot", "shipment",
                      "entry", "document", "trade_measure", "ruling"):
            for _ in conn.exec_driver_sql(f"SELECT * FROM {table}"):
                pass


def main(argv: list[str]) -> None:
    task, *args = argv
    if task == "import-xlsx":
        floor_import(_sheets_xlsx(args[0]), args[1])
    elif task == "import-csv":
        floor_import(_sheets_csv(args[0]), args[1])
    elif task == "check":
        floor_check(args[0])
    elif task == "trace":
        floor_trace(args[0], args[1])
    elif task == "report":
        floor_report(args[0], args[1], int(args[2]), int(args[3]), args[4])
    elif task == "verify":
        floor_verify(args[0])
    else:
        raise SystemExit(f"unknown task {task}")


if __name__ == "__main__":
    main(sys.argv[1:])
