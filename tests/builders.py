"""Small supplier workbooks built in the tests with openpyxl, never binary blobs."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import create_engine, func, select

from tracker.models import AUDITED_TABLES, AuditRecord, table_for
from tracker.schemas import sheet_headers

HEADERS = sheet_headers()

# A small, clean chain: Vietnamese aluminium extruded from Vietnamese billet.
SIMPLE = {
    "Facilities": [{"facility_id": "VN-EXT", "name": "Extruder", "country": "VN", "facility_type": "factory",
                    "established_on": date(2005, 1, 1)},
                   {"facility_id": "US-DC", "name": "DC", "country": "US", "facility_type": "warehouse"}],
    "Items": [{"item_id": "BILLET", "description": "billet", "unit": "kg", "hts": "7601.20"},
              {"item_id": "PROFILE", "description": "profile", "unit": "kg", "hts": "7604.29.1000"}],
    "Lots": [{"lot_id": "B-1", "item_id": "BILLET", "facility_id": "VN-EXT", "quantity": 1000,
              "produced_on": date(2024, 1, 2), "origin_country": "VN", "unit_value_usd": 2.5},
             {"lot_id": "P-1", "item_id": "PROFILE", "facility_id": "VN-EXT", "quantity": 950,
              "produced_on": date(2024, 1, 10), "unit_value_usd": 4}],
    "Processes": [{"process_id": "EXT-1", "facility_id": "VN-EXT", "process_type": "extrusion",
                   "completed_on": date(2024, 1, 10), "started_on": date(2024, 1, 5)}],
    "ProcessLots": [{"process_id": "EXT-1", "role": "input", "lot_id": "B-1", "quantity": 1000},
                    {"process_id": "EXT-1", "role": "output", "lot_id": "P-1", "quantity": 950}],
    "Shipments": [{"shipment_id": "S-1", "lot_id": "P-1", "quantity": 950, "from_facility_id": "VN-EXT",
                   "to_facility_id": "US-DC", "shipped_on": date(2024, 1, 15), "arrived_on": date(2024, 2, 10),
                   "transport_mode": "sea", "bill_of_lading": "BL-1"}],
    "Entries": [{"entry_number": "E-1", "lot_id": "P-1", "quantity": 950, "entry_date": date(2024, 2, 12),
                 "hts": "7604.29.1000", "declared_origin": "VN"}],
}


def simple() -> dict:
    return copy.deepcopy(SIMPLE)


class Formula(str):
    """A cell value to write as a formula; every other string is written as text, as a supplier's is."""


def write_book(path: Path, sheets: dict[str, list], headers: dict[str, list] | None = None) -> Path:
    """Sheets of dict rows (or raw lists) under the spec's headers (or those given)."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        header = (headers or {}).get(name) or HEADERS[name]
        ws.append(header)
        for row in rows:
            values = [row.get(h) for h in header] if isinstance(row, dict) else list(row)
            ws.append(values)
            for cell, value in zip(ws[ws.max_row], values):
                if isinstance(value, str) and not isinstance(value, Formula):
                    cell.data_type = "s"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_csv_folder(folder: Path, sheets: dict[str, list]) -> Path:
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in sheets.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(HEADERS[name])
            for row in rows:
                w.writerow(["" if row.get(h) is None else row.get(h) for h in HEADERS[name]])
    return folder


def counts(url: str) -> dict[str, int]:
    """Rows in every audited table and the audit trail: what 'nothing was written' compares."""
    engine = create_engine(url)
    with engine.connect() as conn:
        out = {t: conn.execute(select(func.count()).select_from(table_for(t))).scalar()
               for t in AUDITED_TABLES}
        out["audit_record"] = conn.execute(select(func.count()).select_from(AuditRecord.__table__)).scalar()
    engine.dispose()
    return out


def stored(url: str, table: str, **key) -> dict:
    """The row of `table` with `key`, as the database holds it."""
    engine = create_engine(url)
    t = table_for(table)
    with engine.connect() as conn:
        row = dict(conn.execute(select(t).where(*[t.c[k] == v for k, v in key.items()])).one()._mapping)
    engine.dispose()
    return row


def refused(cli, url: str, path, *expected: str):
    """Import must exit 1 listing each expected line, and leave the database as it was."""
    before = counts(url)
    result = cli("import", path, code=1)
    for line in expected:
        assert line in result.stderr, result.stderr
    assert "nothing was imported" in result.stderr
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert counts(url) == before
    return result
