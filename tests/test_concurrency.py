"""Two imports and a check at once, as real processes, on each engine: no lost row,
no corruption, and one unbroken audit chain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import counts, write_book
from tests.chains import entry, fac, item, lot

ROOT = Path(__file__).resolve().parent.parent


def supplier(prefix: str, n: int, quantity: int = 100) -> dict:
    return {
        "Facilities": [fac(f"{prefix}-F", "VN"), fac("US-DC", "US", "warehouse")],
        "Items": [item("WIDGET", hts="8537.10.9170")],
        "Lots": [lot(f"{prefix}-L{i}", "WIDGET", f"{prefix}-F", quantity, "2024-01-02", "VN", 1) for i in range(n)],
        "Entries": [entry(f"{prefix}-E{i}", f"{prefix}-L{i}", quantity, "2024-02-01", "8537.10.9170", "VN")
                    for i in range(n)],
    }


def run_parallel(commands: list[list[str]], env: dict) -> list[subprocess.CompletedProcess]:
    procs = [subprocess.Popen([sys.executable, "-m", "tracker", *c], env=env, cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for c in commands]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


@pytest.mark.parametrize("rounds", [3])
def test_two_imports_and_a_check_at_once(env, tmp_path, rounds):
    n = 300
    a = write_book(tmp_path / "a.xlsx", supplier("A", n))
    b = write_book(tmp_path / "b.xlsx", supplier("B", n))
    a2 = write_book(tmp_path / "a2.xlsx", supplier("A", n, quantity=90))  # corrects every A lot and entry
    penv = {**os.environ, "TRACKER_DB": env}
    for r in range(rounds):
        first = a if r % 2 == 0 else a2
        results = run_parallel([["import", str(first)], ["import", str(b)], ["check", "--json"]], penv)
        for res in results:
            assert res.returncode == 0, (res.args, res.stderr)
            assert "Traceback" not in res.stderr
        entries = json.loads(results[2].stdout)["entries"]
        assert len(entries) in (0, n, 2 * n)  # a check sees whole imports, never half of one
    c = counts(env)
    assert c["lot"] == c["entry"] == 2 * n
    verify = subprocess.run([sys.executable, "-m", "tracker", "audit", "verify", "--json"], env=penv, cwd=ROOT,
                            capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr
    report = json.loads(verify.stdout)
    # Round 1: A and B insert their lots and entries, one facility each, and the US
    # warehouse and the item once between them. Rounds 2 and 3: A's lots and entries
    # are corrected (and back); B finds nothing new. One record a batch. Nothing twice.
    first_round = (1 + 2 * n + 3) + (1 + 2 * n + 1)
    assert report["ok"] and report["records"] == c["audit_record"]
    assert report["records"] == first_round + (rounds - 1) * (1 + 2 * n)


def test_an_import_racing_itself_writes_each_row_once(env, tmp_path):
    book = write_book(tmp_path / "a.xlsx", supplier("A", 200))
    penv = {**os.environ, "TRACKER_DB": env}
    results = run_parallel([["import", str(book), "--json"]] * 3, penv)
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    batches = [json.loads(r.stdout)["batch_id"] for r in results]
    assert sum(b is not None for b in batches) == 1  # one wrote, the others found nothing new
    assert counts(env)["lot"] == 200
