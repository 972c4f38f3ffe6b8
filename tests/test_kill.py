"""kill -9 during a real import, on each engine: the database holds all of it or none of it,
and the audit trail still verifies."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.builders import counts
from tracker.db import _WRITE_LOCK_KEY
from tracker.synth import generate, write_csv

ROOT = Path(__file__).resolve().parent.parent


def writer_holds_the_lock(url: str) -> bool:
    """True while another process holds the database's write lock (the importer's write pass)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(parsed.database, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:  # database is locked
            return True
        finally:
            conn.close()
    engine = create_engine(url)
    with engine.connect() as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _WRITE_LOCK_KEY}).scalar()
        if got:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _WRITE_LOCK_KEY})
    engine.dispose()
    return not got


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic") / "csv"
    write_csv(generate(20_000, seed=11), folder)
    return folder


@pytest.mark.parametrize("delay", [0.0, 0.4])
def test_kill_9_in_the_write_pass_leaves_all_or_nothing(cli, env, big_csv, delay):
    before = counts(env)
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "import", str(big_csv)], cwd=ROOT, env=os.environ.copy(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not writer_holds_the_lock(env):  # wait for the write pass: parsing writes nothing
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL  # killed, not finished
    after_kill = counts(env)
    cli("audit", "verify")
    cli("import", big_csv)  # the same file again completes the import
    full = counts(env)
    assert full["lot"] > 1000
    assert after_kill in (before, full)
    cli("audit", "verify")
