"""The command line's own manners: exit codes for wrong usage, the demo's fresh
database, and a check table a reader can copy ids from at any width."""

from __future__ import annotations

import re

import pytest

from tests.builders import counts, simple, write_book


def test_template_to_a_non_xlsx_file_is_wrong_usage(cli, tmp_path):
    result = cli("template", "-o", tmp_path / "t.csv", code=2)
    assert "t.csv must end in .xlsx" in result.stderr
    assert not (tmp_path / "t.csv").exists()
    cli("template", "-o", tmp_path / "t.xlsx")
    assert (tmp_path / "t.xlsx").stat().st_size > 0


def test_demo_refuses_a_database_that_holds_data(cli, env, tmp_path):
    cli("import", write_book(tmp_path / "a.xlsx", simple()))
    before = counts(env)
    result = cli("demo", "--dir", tmp_path / "demo", "--db", env, code=1)
    assert "already holds data" in result.stderr and "fresh" in result.stderr
    assert counts(env) == before  # not a row of the samples was added
    assert not (tmp_path / "demo" / "evidence.xlsx").exists()


def test_demo_into_an_empty_database_given(cli, env, tmp_path):
    result = cli("demo", "--dir", tmp_path / "demo", "--db", env)
    assert "verified" in result.stdout
    assert counts(env)["entry"] == _sample_entry_lines()


def _sample_entry_lines() -> int:
    """Entry lines in the bundled sample workbooks, counted from the files themselves."""
    from openpyxl import load_workbook

    from tracker.resources import sample_workbooks

    total = 0
    for book in sample_workbooks():
        wb = load_workbook(book, read_only=True)
        if "Entries" in wb.sheetnames:
            total += sum(1 for row in wb["Entries"].iter_rows(min_row=2, values_only=True) if any(row))
    return total


def test_demo_without_db_starts_afresh_each_run(cli, tmp_path):
    first = cli("demo", "--dir", tmp_path / "demo").stdout
    again = cli("demo", "--dir", tmp_path / "demo").stdout
    records = [re.search(r"Audit trail: (\d+) records, verified", out).group(1) for out in (first, again)]
    assert records[0] == records[1] and int(records[0]) > 0  # the second run did not add to the first


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    """The demo's database, made once for the table tests (they only read it)."""
    from tracker import Tracker

    folder = tmp_path_factory.mktemp("demo")
    Tracker.for_demo(folder).demo(folder).tracker.close()
    return f"sqlite:///{folder / 'demo.db'}"


@pytest.fixture
def reader(demo_db, monkeypatch):
    """`tracker check` on the demo's database, with COLUMNS as given."""
    from tests.conftest import Cli

    monkeypatch.setenv("TRACKER_EVIDENCE", demo_db.removeprefix("sqlite:///").replace("demo.db", "demo-evidence"))

    def check(columns: int | None) -> str:
        if columns is None:
            monkeypatch.delenv("COLUMNS", raising=False)
        else:
            monkeypatch.setenv("COLUMNS", str(columns))
        return Cli()("check", "--db", demo_db).stdout
    return check


FLAG_CODES = {"ORIGIN_MISMATCH", "MINOR_PROCESSING", "ORDER_EXPOSURE", "DOC_CONFLICT", "CAPACITY",
              "RELATED_PARTY", "MISSING_EVIDENCE", "NEW_FACILITY", "CIRCUMVENTION_RISK", "TRANSIT_HOP"}
ENTRIES = {"231-4471002-5", "231-4471877-0", "231-4472290-3"}
LOTS = {"PRF-2024-0412", "MOD-24-118", "PLY-VN-3307"}


def _tokens(out: str) -> set[str]:
    return set(re.split(r"[\s│┃]+", out))


@pytest.mark.parametrize("columns", [72, 80, 100, 132])
def test_check_table_fits_columns_and_never_breaks_an_id(reader, columns):
    out = reader(columns)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert re.fullmatch(r"\d+ entry line\(s\); flags: \d+ high, \d+ medium, \d+ low, \d+ info", lines[-1])
    tokens = _tokens(out)
    assert ENTRIES | LOTS | FLAG_CODES | {"7604291000", "8541430010", "4412330620"} <= tokens
    assert "declared" in tokens and "computed" in tokens


def test_piped_check_without_columns_is_wide(reader):
    out = reader(None)
    assert "CN > SG > VN > US" in out  # a log or a file is not squeezed to 80 columns
    assert "CIRCUMVENTION_RISK NEW_FACILITY TRANSIT_HOP" in out


def test_too_narrow_a_table_still_keeps_the_ids_whole(reader):
    out = reader(56)
    assert max(len(line) for line in out.splitlines()) <= 56
    assert ENTRIES | LOTS | {"7604291000", "8541430010", "4412330620"} <= _tokens(out)


def test_report_layouts_of_ones_own_by_name(cli, monkeypatch, tmp_path):
    from openpyxl import load_workbook

    cli("import", write_book(tmp_path / "a.xlsx", simple()))
    mine = tmp_path / "layouts"
    mine.mkdir()
    (mine / "answers.toml").write_text('[[sheet]]\nkind = "flags"\nname = "To answer"\n'
                                       'columns = [{ key = "code", header = "Code" }]\n')
    unknown = cli("report", "--entry", "E-1", "-o", tmp_path / "x.xlsx", "--layout", "answers", code=1)
    assert "no report layout 'answers' (known: cf28, default;" in unknown.stderr
    monkeypatch.setenv("TRACKER_REPORTS", str(mine))
    cli("report", "--entry", "E-1", "-o", tmp_path / "x.xlsx", "--layout", "answers")
    assert load_workbook(tmp_path / "x.xlsx").sheetnames == ["To answer"]
    cli("report", "--entry", "E-1", "-o", tmp_path / "y.xlsx", "--layout", "default")  # the bundled ones still
    assert len(load_workbook(tmp_path / "y.xlsx").sheetnames) > 1
