"""A team's PostgreSQL credentials never reach output, errors, the audit trail or a report."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import Cli

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"

pytestmark = pytest.mark.skipif(not os.environ.get("TRACKER_TEST_PG"),
                                reason="needs the PostgreSQL server that `make test` starts")


@pytest.fixture
def pg_url(monkeypatch, tmp_path):
    from tests.pg import fresh_database

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRACKER_EVIDENCE", str(tmp_path / "evidence"))
    monkeypatch.delenv("TRACKER_DB", raising=False)
    return fresh_database(os.environ["TRACKER_TEST_PG"])


def test_the_password_never_shows(pg_url, tmp_path):
    password = make_url(pg_url).password
    assert password and len(password) >= 12
    cli = Cli()
    outputs = [cli("init", "--db", pg_url)]
    outputs.append(cli("import", SAMPLE / "my_solar_modules.xlsx", "--db", pg_url))
    outputs += [cli("check", "--db", pg_url), cli("check", "--json", "--db", pg_url),
                cli("trace", "--entry", "231-4471877-0", "--db", pg_url),
                cli("report", "--entry", "231-4471877-0", "-o", tmp_path / "r.xlsx", "--package",
                    tmp_path / "r.zip", "--db", pg_url),
                cli("audit", "verify", "--db", pg_url), cli("audit", "log", "--json", "--db", pg_url)]
    wrong = make_url(pg_url).set(password="not-the-" + password).render_as_string(hide_password=False)
    failed = cli("check", "--db", wrong, code=1)
    assert "password authentication failed" in failed.stderr
    outputs.append(failed)
    for out in outputs:
        assert password not in out.stdout and password not in out.stderr
    with zipfile.ZipFile(tmp_path / "r.xlsx") as z:
        assert not any(password.encode() in z.read(n) for n in z.namelist())
        index = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/"))
        assert b"***" in index  # the database is named, its password masked
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        trail = " ".join(str(v) for row in conn.execute(text("SELECT * FROM audit_record")) for v in row)
        batches = " ".join(str(v) for row in conn.execute(text("SELECT * FROM import_batch")) for v in row)
    engine.dispose()
    assert password not in trail and password not in batches


def test_the_password_may_come_from_the_environment(pg_url, monkeypatch):
    """TRACKER_DB carries the URL; libpq's PGPASSWORD works for a URL without one."""
    url = make_url(pg_url)
    monkeypatch.setenv("PGPASSWORD", url.password)
    bare = url.set(password=None).render_as_string(hide_password=False)
    monkeypatch.setenv("TRACKER_DB", bare)
    out = Cli()("init")
    assert "created" in out.stdout and url.password not in out.stdout
