"""The fast sheet-XML streamer: what it writes reads back as the same values."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from tracker.report.xlsx import splice, table_sheet

COLUMNS = [{"key": "text", "header": "Text", "width": 20}, {"key": "number", "header": "Number", "width": 12},
           {"key": "when", "header": "When", "width": 12}, {"key": "flag", "header": "Flag", "width": 6}]

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2", "@SUM(A1)", "a < b & c > d",
           "bell \x07 and form feed \x0c", "_x0041_ literal escape", "line one\nline two", "  spaces kept  ",
           "Công ty TNHH Nhôm Việt 铝业", "😀 emoji"]


def ooxml_text(value):
    """A string cell as Excel shows it: `_xHHHH_` is the character HHHH (ECMA-376 ST_Xstring)."""
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def round_trip(tmp_path, rows: list[dict]) -> list[list]:
    wb = Workbook(write_only=True)
    pending: dict = {}
    written = table_sheet(wb, {"name": "Data", "columns": COLUMNS}, iter(rows), pending)
    path = tmp_path / "t.xlsx"
    wb.save(path)
    splice(path, pending)
    assert written == len(rows)
    ws = load_workbook(path)["Data"]
    got = [[ooxml_text(c.value) for c in r] for r in ws.iter_rows()]
    assert got[0] == [c["header"] for c in COLUMNS]
    return got[1:]


def test_values_read_back_equal(tmp_path):
    rows = [
        {"text": "plain", "number": 950, "when": date(2024, 1, 10), "flag": True},
        {"text": "decimal", "number": Decimal("1234.567891"), "when": datetime(2024, 2, 1, 13, 45)},
        {"text": "whole decimal", "number": Decimal("180000"), "when": date(1999, 12, 31), "flag": False},
        {"text": "float", "number": 0.125},
        {"text": "negative", "number": Decimal("-3.5")},
        {"text": "empty", "number": None, "when": None},
    ]
    got = round_trip(tmp_path, rows)
    assert got[0] == ["plain", 950, datetime(2024, 1, 10), True]
    assert got[1][:3] == ["decimal", 1234.567891, datetime(2024, 2, 1, 13, 45)]
    assert got[2] == ["whole decimal", 180000, datetime(1999, 12, 31), False]
    assert got[3][:2] == ["float", 0.125]
    assert got[4][:2] == ["negative", -3.5]
    assert got[5] == ["empty", None, None, None]


def test_hostile_and_long_text_reads_back_as_text(tmp_path):
    long = "x" * 40_000  # longer than a cell holds: cut to Excel's limit with an ellipsis
    got = round_trip(tmp_path, [{"text": t} for t in HOSTILE] + [{"text": long}])
    for want, row in zip(HOSTILE, got):
        # Control characters XML cannot hold go in as Excel's _xHHHH_ escape; text that merely
        # looks like one ("_x0041_") is escaped itself, so Excel shows it as typed.
        assert row[0] == want
    assert got[-1][0] == "x" * 32_766 + "…"


def test_hostile_text_gets_a_quote_prefix_and_no_formula(tmp_path):
    wb = Workbook(write_only=True)
    pending: dict = {}
    table_sheet(wb, {"name": "Data", "columns": COLUMNS}, iter([{"text": t} for t in HOSTILE]), pending)
    wb.save(tmp_path / "t.xlsx")
    splice(tmp_path / "t.xlsx", pending)
    ws = load_workbook(tmp_path / "t.xlsx")["Data"]
    for row in ws.iter_rows(min_row=2, max_col=1):
        c = row[0]
        assert c.data_type == "s"
        assert c.quotePrefix == c.value.startswith(("=", "+", "-", "@"))
