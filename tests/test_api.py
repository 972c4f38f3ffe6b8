"""The Python API: `tracker.Tracker`, one object with a method per command."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.builders import simple, write_book
from tracker import Tracker
from tracker.findings import ImportFailed, NotFound, TrackerError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No TRACKER_* variable: the object must know everything it uses."""
    for name in ("TRACKER_DB", "TRACKER_EVIDENCE", "TRACKER_SCHEMAS", "TRACKER_REPORTS", "TRACKER_ACTOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def documented_book(folder: Path) -> Path:
    data = simple()
    (folder / "bl.pdf").write_bytes(b"%PDF bill of lading S-1")
    data["Documents"] = [{"document_id": "D-1", "doc_type": "bill_of_lading", "covers_type": "shipment",
                          "covers_id": "S-1", "file": "bl.pdf"}]
    return write_book(folder / "a.xlsx", data)


def test_a_tracker_holds_its_database_store_and_actor(clean_env, db_url):
    store = clean_env / "store"
    t = Tracker(db_url, evidence=store, actor="analyst")
    result = t.import_path(documented_book(clean_env))
    assert result.files_stored == 1 and len(list(store.rglob("*"))) == 2  # a folder and the file, by hash
    assert [r["actor"] for r in t.log(table="lot")] == ["analyst", "analyst"]
    [line] = t.check()
    assert (line.entry.entry_number, line.computed_origin, line.route) == ("E-1", "VN", ["VN", "US"])
    assert t.check_dicts(["E-1"])[0]["computed_origin"] == "VN"
    assert t.verify().ok and t.verify().files_checked == 1


def test_check_from_python_raises_doc_tampered_without_any_environment(clean_env, db_url):
    """The store is the object's, so a changed file is caught as on the command line."""
    store = clean_env / "store"
    t = Tracker(db_url, evidence=store)
    t.import_path(documented_book(clean_env))
    [held] = [p for p in store.rglob("*") if p.is_file()]
    held.write_bytes(b"%PDF a different bill of lading")
    assert "DOC_TAMPERED" in {f.code for f in t.check()[0].flags}
    # the core function, given the object's engine, knows the store too
    from tracker.db import read_tx
    from tracker.determination import check

    with read_tx(t.engine) as conn:
        assert "DOC_TAMPERED" in {f.code for f in check(conn)[0].flags}
    assert not t.verify().ok


def test_errors_are_the_librarys_exceptions(clean_env, db_url):
    t = Tracker(db_url, evidence=clean_env / "store")
    data = simple()
    data["Lots"][0]["origin_country"] = "Atlantis"
    with pytest.raises(ImportFailed) as failed:
        t.import_path(write_book(clean_env / "bad.xlsx", data))
    assert any("Atlantis" in str(e) for e in failed.value.errors)
    with pytest.raises(NotFound, match="no entry 'E-9'"):
        t.trace(entry="E-9")
    with pytest.raises(ValueError, match="exactly one"):
        t.trace()
    with pytest.raises(TrackerError, match="no report layout 'nope'.*cf28, default"):
        t.report(["E-1"], clean_env / "x.xlsx", layout="nope")


def test_template_and_synth_need_no_database(clean_env):
    t = Tracker()
    assert t.template(clean_env / "t.xlsx").is_file()
    written = t.synth(clean_env / "syn", 50, format="both")
    assert [p.name for p in written.paths] == ["synthetic.xlsx", "csv"] and written.rows >= 50
    assert not (clean_env / "tracker.db").exists()
    with pytest.raises(ValueError, match="must end in .xlsx"):
        t.template(clean_env / "t.csv")


def test_demo_leaves_the_environment_alone(clean_env):
    before = dict(os.environ)
    demo = Tracker.for_demo(clean_env / "demo").demo(clean_env / "demo")
    assert dict(os.environ) == before
    assert demo.tracker.evidence == (clean_env / "demo" / "demo-evidence").resolve()
    assert demo.audit.ok and demo.workbook.is_file() and demo.package.is_file()
    assert {r.entry.entry_number: r.computed_origin for r in demo.results}["231-4471877-0"] == "CN"


def test_the_demo_refuses_a_database_that_holds_data(clean_env, db_url):
    t = Tracker(db_url, evidence=clean_env / "store")
    t.import_path(documented_book(clean_env))
    with pytest.raises(TrackerError, match="already holds data"):
        Tracker.for_demo(clean_env / "demo", db_url).demo(clean_env / "demo")
    assert [e.entry.entry_number for e in t.check()] == ["E-1"]  # nothing of the demo's was added


def test_own_schemas_folder_for_one_object(clean_env, db_url):
    """A schema file in the object's folder replaces the bundled one, for that object only."""
    mine = clean_env / "my-schemas"
    mine.mkdir()
    vocabulary = (ROOT / "schemas" / "vocabulary.toml").read_text()
    assert 'extrusion = { class = "substantial"' in vocabulary
    (mine / "vocabulary.toml").write_text(
        vocabulary.replace('extrusion = { class = "substantial"', 'extrusion = { class = "minor"'))
    data = simple()
    data["Lots"][0]["origin_country"] = "CN"  # Chinese billet extruded in Vietnam
    book = write_book(clean_env / "a.xlsx", data)
    Tracker(db_url, evidence=clean_env / "store").import_path(book)
    assert Tracker(db_url, evidence=clean_env / "store").check()[0].computed_origin == "VN"
    assert Tracker(db_url, evidence=clean_env / "store", schemas=mine).check()[0].computed_origin == "CN"
    assert Tracker(db_url, evidence=clean_env / "store").check()[0].computed_origin == "VN"


def test_own_reports_folder_and_layout_file(clean_env, db_url, monkeypatch):
    from openpyxl import load_workbook

    t = Tracker(db_url, evidence=clean_env / "store")
    t.import_path(documented_book(clean_env))
    mine = clean_env / "my-layouts"
    mine.mkdir()
    (mine / "short.toml").write_text('[[sheet]]\nkind = "flags"\nname = "To answer"\n'
                                     'columns = [{ key = "code", header = "Code" }]\n')
    Tracker(db_url, evidence=clean_env / "store", reports=mine).report(["E-1"], "a.xlsx", layout="short")
    t.report(["E-1"], "b.xlsx", layout=mine / "short.toml")
    sheets = ["To answer"]
    assert load_workbook("a.xlsx").sheetnames == sheets == load_workbook("b.xlsx").sheetnames
    assert sheets != load_workbook(t.report(["E-1"], "d.xlsx").paths[0]).sheetnames  # the default is longer
    monkeypatch.setenv("TRACKER_REPORTS", str(mine))
    Tracker(db_url, evidence=clean_env / "store").report(["E-1"], "e.xlsx", layout="short")
    assert load_workbook("e.xlsx").sheetnames == sheets


def test_the_package_docstring_names_what_exists():
    import importlib
    import re

    import tracker

    doc = tracker.__doc__
    methods = set(re.findall(r"\bt\.(\w+)\(", doc))
    assert {"import_path", "check", "trace", "report", "verify"} <= methods
    assert all(callable(getattr(Tracker, m, None)) for m in methods), methods
    named = 0
    for part in doc.split("`tracker.")[1:]:
        module = importlib.import_module("tracker." + re.match(r"\w+", part).group())
        for name in re.findall(r"`(\w+)[(`]", part):
            assert callable(getattr(module, name, None)), (module.__name__, name)
            named += 1
    assert named >= 10
