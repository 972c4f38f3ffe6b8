"""Shared fixtures: a fresh database per test, a CLI runner, workbook builders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracker.cli import app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = Path(__file__).resolve().parent / "examples"  # the worked examples, kept with the tests


def database_urls() -> list[str]:
    """SQLite always; PostgreSQL too when the test run started a server (TRACKER_TEST_PG)."""
    urls = ["sqlite"]
    if os.environ.get("TRACKER_TEST_PG"):
        urls.append("postgresql")
    return urls


@pytest.fixture(params=database_urls())
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    from tests.pg import fresh_database

    return fresh_database(os.environ["TRACKER_TEST_PG"])


@pytest.fixture
def env(db_url, tmp_path, monkeypatch):
    """TRACKER_DB, TRACKER_EVIDENCE and TRACKER_ACTOR set for the test, cwd in tmp."""
    monkeypatch.setenv("TRACKER_DB", db_url)
    monkeypatch.setenv("TRACKER_EVIDENCE", str(tmp_path / "evidence"))
    monkeypatch.setenv("TRACKER_ACTOR", "tester")
    monkeypatch.chdir(tmp_path)
    from tracker.db import open_db

    open_db(db_url).dispose()
    return db_url


class Cli:
    def __init__(self):
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int | None = 0):
        result = self.runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, (result.exit_code, result.output, result.stderr)
        return result


@pytest.fixture
def cli(env) -> Cli:
    return Cli()


@pytest.fixture
def example(tmp_path):
    """Copy of a worked example folder (tests/examples), so tests may edit it."""
    def copy(name: str) -> Path:
        dest = tmp_path / "examples" / name
        shutil.copytree(EXAMPLES / name, dest)
        (dest / "expected.json").unlink()
        return dest
    return copy


def pytest_terminal_summary(terminalreporter):
    """One line per database engine, so a CI log shows both ran."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            for engine in ("sqlite", "postgresql"):
                if f"[{engine}" in report.nodeid:
                    counts.setdefault(engine, {}).setdefault(outcome, 0)
                    counts[engine][outcome] += 1
    for engine, outcomes in counts.items():
        terminalreporter.write_line(f"database tests on {engine}: "
                                    + ", ".join(f"{n} {o}" for o, n in outcomes.items()))
