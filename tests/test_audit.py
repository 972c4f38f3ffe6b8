"""The audit trail: append-only, hash-chained, and checked against the tables."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import create_engine, text

from tests.builders import simple, write_book
from tracker.canonical import canonical_json


def _sql(url: str, *statements: str, **params) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for s in statements:
            conn.execute(text(s), params)
    engine.dispose()


@pytest.fixture
def loaded(cli, env, tmp_path):
    data = simple()
    (tmp_path / "bl.pdf").write_bytes(b"%PDF bill of lading S-1")
    data["Documents"] = [{"document_id": "D-1", "doc_type": "bill_of_lading", "covers_type": "shipment",
                          "covers_id": "S-1", "file": "bl.pdf"}]
    cli("import", write_book(tmp_path / "a.xlsx", data))
    return env


def test_verify_passes_on_an_untouched_database(cli, loaded):
    out = cli("audit", "verify").stdout
    assert out.startswith("OK: ")
    assert "1 files match" in out


def test_an_update_behind_the_trackers_back_is_caught(cli, loaded):
    _sql(loaded, "UPDATE lot SET origin_country = 'TH' WHERE lot_id = 'B-1'")
    result = cli("audit", "verify", code=1)
    assert 'lot ["B-1"] differs from its last audited values' in result.stderr


def test_a_row_added_behind_the_trackers_back_is_caught(cli, loaded):
    _sql(loaded, "INSERT INTO item (item_id, description, unit, extra) VALUES ('X', 'x', 'kg', '{}')")
    assert 'item ["X"] is in the database but no audit record put it there' in cli("audit", "verify", code=1).stderr


def test_a_row_deleted_behind_the_trackers_back_is_caught(cli, loaded):
    _sql(loaded, "DELETE FROM entry")
    assert 'entry ["E-1","P-1"] was deleted' in cli("audit", "verify", code=1).stderr


def test_an_altered_audit_record_breaks_the_chain(cli, loaded):
    _sql(loaded, "UPDATE audit_record SET actor = 'mallory' WHERE seq = 3")
    result = cli("audit", "verify", code=1)
    assert "audit record #3" in result.stderr and "altered" in result.stderr


def test_a_removed_audit_record_breaks_the_chain(cli, loaded):
    _sql(loaded, "DELETE FROM audit_record WHERE seq = 5")
    assert "audit record #5 is missing" in cli("audit", "verify", code=1).stderr


def test_a_rehashed_record_still_breaks_the_next_link(cli, loaded):
    # Rewriting a record together with its own hash is caught by the record after it.
    from tracker.audit import _link_hash

    engine = create_engine(loaded)
    with engine.begin() as conn:
        r = conn.execute(text("SELECT * FROM audit_record WHERE seq = 3")).one()
        forged = _link_hash(r.seq, r.at, "mallory", r.action, r.table_name, r.record_key, r.before, r.after,
                            r.batch_id, r.prev_hash)
        conn.execute(text("UPDATE audit_record SET actor = 'mallory', hash = :h WHERE seq = 3"), {"h": forged})
    engine.dispose()
    assert "audit record #4 does not follow" in cli("audit", "verify", code=1).stderr


def test_an_altered_evidence_file_is_caught_by_verify_and_check(cli, loaded, tmp_path):
    sha = hashlib.sha256(b"%PDF bill of lading S-1").hexdigest()
    (tmp_path / "evidence" / sha[:2] / sha).write_bytes(b"%PDF forged")
    assert "no longer matches its SHA-256" in cli("audit", "verify", code=1).stderr
    flags = json.loads(cli("check", "--json").stdout)["entries"][0]["flags"]
    assert "DOC_TAMPERED" in {f["code"] for f in flags}


def test_the_actor_is_recorded(cli, env, tmp_path):
    cli("import", write_book(tmp_path / "a.xlsx", simple()), "--actor", "alice")
    log = json.loads(cli("audit", "log", "--limit", "1", "--json").stdout)
    assert log[0]["actor"] == "alice"
    data = simple()
    data["Lots"][0]["quantity"] = 999
    cli("import", write_book(tmp_path / "b.xlsx", data))  # TRACKER_ACTOR from the fixture
    assert json.loads(cli("audit", "log", "--limit", "1", "--json").stdout)[0]["actor"] == "tester"


@pytest.mark.parametrize("value", ["plain", "Hà Nội", "tab\tand\nnewline", "del\x7f", "quote\"back\\slash",
                                   "emoji \U0001F4E6", "ctrl\x01"])
def test_canonical_json_is_the_standard_librarys_form(value):
    obj = {"b": value, "a": [1, None, True, {"z": value}]}
    assert canonical_json(obj) == json.dumps(obj, sort_keys=True, separators=(",", ":"))


def test_init_upgrades_an_older_database_in_place(cli, loaded):
    _sql(loaded, "ALTER TABLE lot DROP COLUMN unit_value_usd",
         "UPDATE tracker_meta SET value = '0' WHERE key = 'schema_version'")
    assert "upgraded from schema 0" in cli("init").stdout
    assert "is up to date" in cli("init").stdout
    out = json.loads(cli("check", "--json").stdout)
    assert out["entries"][0]["computed_origin"] == "VN"  # the rows survived the upgrade
