"""A trail that cannot be laundered: writers refuse to build on drifted rows, drifts are
acknowledged on the record, checkpoints are signed, and the edges give clear messages."""

from __future__ import annotations

import json
import zipfile

import pytest

from tests.builders import counts, simple, write_book, write_csv_folder
from tests.test_audit import _sql


@pytest.fixture
def loaded(cli, env, tmp_path):
    cli("import", write_book(tmp_path / "a.xlsx", simple()))
    return env


# --- writers refuse to build on a drifted row -------------------------------------------------

def test_an_import_refuses_a_row_changed_behind_its_back_and_writes_nothing(cli, loaded, tmp_path):
    _sql(loaded, "UPDATE entry SET declared_origin = 'CN'")
    data = simple()
    data["Lots"][0]["quantity"] = 1200  # a legitimate correction of another row in the same file
    before = counts(loaded)
    result = cli("import", write_book(tmp_path / "b.xlsx", data), code=1)
    assert 'entry ["E-1","P-1"] differs from its last audited values (audit record #' in result.stderr
    assert "tracker audit acknowledge --table entry --key '[\"E-1\",\"P-1\"]' --reason TEXT" in result.stderr
    assert counts(loaded) == before
    assert "differs" in cli("import", tmp_path / "b.xlsx", "--dry-run", code=1).stderr


def test_an_import_refuses_to_recreate_a_row_deleted_behind_its_back(cli, loaded, tmp_path):
    _sql(loaded, "DELETE FROM entry")
    result = cli("import", tmp_path / "a.xlsx", code=1)
    assert 'entry ["E-1","P-1"] was deleted behind the tracker\'s back' in result.stderr


def test_an_import_refuses_a_row_added_behind_its_back(cli, loaded, tmp_path):
    _sql(loaded, "INSERT INTO item (item_id, description, unit, extra) VALUES ('X', 'x', 'kg', '{}')")
    data = simple()
    data["Items"].append({"item_id": "X", "description": "x", "unit": "kg"})
    assert 'item ["X"] is in the database but no audit record put it there' in \
        cli("import", write_book(tmp_path / "b.xlsx", data), code=1).stderr


def test_an_import_that_does_not_touch_the_drifted_row_goes_ahead(cli, loaded, tmp_path):
    # The check reads only the rows the file names; verify still reports the drift.
    _sql(loaded, "UPDATE lot SET quantity = '1' WHERE lot_id = 'B-1'")
    other = {"Items": [{"item_id": "NEW", "description": "new", "unit": "kg"}]}
    cli("import", write_book(tmp_path / "b.xlsx", other))
    assert 'lot ["B-1"] differs' in cli("audit", "verify", code=1).stderr


def test_append_refuses_a_change_whose_before_is_not_the_audited_row(loaded):
    from tracker.audit import Change, DriftError, append
    from tracker.db import make_engine, write_tx

    written = counts(loaded)["audit_record"]
    engine = make_engine(loaded)
    with pytest.raises(DriftError, match=r'lot \["B-1"\] differs from its last audited values'):
        with write_tx(engine) as conn:
            append(conn, [Change("update", "lot", '["B-1"]', '{"quantity":"1"}', '{"quantity":"2"}')], "x")
    with pytest.raises(DriftError, match=r'lot \["B-1"\] was deleted behind the tracker'):
        with write_tx(engine) as conn:  # an insert: the writer saw no row, but the trail says there is one
            append(conn, [Change("insert", "lot", '["B-1"]', None, '{"quantity":"2"}')], "x")
    engine.dispose()
    assert counts(loaded)["audit_record"] == written


# --- acknowledging a drift ---------------------------------------------------------------------

def test_an_acknowledged_drift_passes_verify_and_stays_in_the_history(cli, loaded, tmp_path):
    _sql(loaded, "UPDATE lot SET quantity = '1' WHERE lot_id = 'B-1'")
    cli("audit", "verify", code=1)
    out = cli("audit", "acknowledge", "--table", "lot", "--key", "B-1", "--actor", "j.doe",
              "--reason", "test edit by the DBA on 2026-11-20, confirmed with her").stdout
    assert "drift acknowledged: row changed behind the tracker's back: quantity: 1000 -> 1" in out
    verified = cli("audit", "verify").stdout
    assert verified.startswith("OK: ") and "1 acknowledged drift(s)" in verified
    # The supplier's value comes back through an ordinary import, on the record.
    cli("import", tmp_path / "a.xlsx")
    cli("audit", "verify")
    log = json.loads(cli("audit", "log", "--key", "B-1", "--json").stdout)
    assert [r["action"] for r in log] == ["insert", "acknowledge", "update"]
    ack = log[1]
    assert ack["actor"] == "j.doe"
    payload = json.loads(ack["after"])
    assert payload["reason"] == "test edit by the DBA on 2026-11-20, confirmed with her"
    assert payload["drift"] == "ROW_CHANGED" and json.loads(payload["found"])["quantity"] == "1"
    assert json.loads(ack["before"])["quantity"] == "1000"  # what the trail had said
    assert json.loads(log[2]["before"])["quantity"] == "1"


def test_an_acknowledged_deletion_and_addition(cli, loaded):
    _sql(loaded, "DELETE FROM entry",
         "INSERT INTO item (item_id, description, unit, extra) VALUES ('X', 'x', 'kg', '{}')")
    cli("audit", "acknowledge", "--table", "entry", "--key", '["E-1","P-1"]', "--reason", "withdrawn entry")
    cli("audit", "acknowledge", "--table", "item", "--key", "X", "--reason", "added by hand, kept")
    assert "2 acknowledged drift(s)" in cli("audit", "verify").stdout
    shown = cli("audit", "log", "--table", "entry").stdout
    assert "row deleted behind the tracker's back" in shown and "withdrawn entry" in shown


def test_acknowledge_refuses_without_a_drift_or_a_reason(cli, loaded):
    assert "there is no drift to acknowledge" in cli("audit", "acknowledge", "--table", "lot", "--key", "B-1",
                                                     "--reason", "x", code=1).stderr
    _sql(loaded, "UPDATE lot SET quantity = '1' WHERE lot_id = 'B-1'")
    assert "say why" in cli("audit", "acknowledge", "--table", "lot", "--key", "B-1", "--reason", " ",
                            code=1).stderr
    assert "unknown table" in cli("audit", "acknowledge", "--table", "lots", "--key", "B-1", "--reason", "x",
                                  code=1).stderr
    assert "keyed by" in cli("audit", "acknowledge", "--table", "entry", "--key", "E-1", "--reason", "x",
                             code=1).stderr
    cli("audit", "acknowledge", "--key", "B-1", "--reason", "x", code=2)
    cli("audit", "verify", code=1)  # nothing was acknowledged


def test_a_past_write_that_buried_a_drift_is_acknowledged_by_its_record(cli, loaded):
    from tests.test_tamper import launder_by_forged_update

    launder_by_forged_update(loaded, None, cli)
    err = cli("audit", "verify", code=1).stderr
    seq = json.loads(cli("audit", "log", "--limit", "1", "--json").stdout)[0]["seq"]
    assert f"tracker audit acknowledge --record {seq} --reason TEXT" in err
    cli("audit", "acknowledge", "--record", seq - 1, "--reason", "x", code=1)  # not such a write
    out = cli("audit", "acknowledge", "--record", seq, "--reason", "mallory's edit, confirmed by IT").stdout
    assert f"record #{seq} built on a changed row" in out
    assert "1 acknowledged drift(s)" in cli("audit", "verify").stdout


# --- checkpoints: signatures, packages ------------------------------------------------------------

@pytest.fixture
def keys(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    def pair(name: str, ssh: bool = False):
        key = Ed25519PrivateKey.generate()
        private = tmp_path / f"{name}.key"
        public = tmp_path / f"{name}.pub"
        if ssh:
            private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                                  serialization.NoEncryption()))
            public.write_bytes(key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                             serialization.PublicFormat.OpenSSH))
        else:
            private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
            public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                             serialization.PublicFormat.SubjectPublicKeyInfo))
        return private, public
    return pair


@pytest.mark.parametrize("ssh", [False, True], ids=["pem", "openssh"])
def test_a_signed_checkpoint_is_checked_with_the_public_key_alone(cli, loaded, tmp_path, keys, monkeypatch, ssh):
    team_key, team_pub = keys("team", ssh)
    _, other_pub = keys("other")
    monkeypatch.setenv("TRACKER_SIGNING_KEY", str(team_key))
    out = cli("audit", "checkpoint", "-o", tmp_path / "cp.json").stdout
    assert "signed by key" in out
    assert json.loads((tmp_path / "cp.json").read_text())["signature"]["algorithm"] == "ed25519"
    monkeypatch.delenv("TRACKER_SIGNING_KEY")
    ok = cli("audit", "verify", "--checkpoint", tmp_path / "cp.json", "--public-key", team_pub).stdout
    assert "signed by key" in ok
    monkeypatch.setenv("TRACKER_PUBLIC_KEY", str(other_pub))
    assert "not by the configured key" in cli("audit", "verify", "--checkpoint", tmp_path / "cp.json",
                                              code=1).stderr
    # Edited after signing: the count moved back to hide a later rollback.
    mark = json.loads((tmp_path / "cp.json").read_text())
    mark["records"] -= 1
    (tmp_path / "cp.json").write_text(json.dumps(mark))
    assert "the file was edited after it was signed" in cli(
        "audit", "verify", "--checkpoint", tmp_path / "cp.json", "--public-key", team_pub, code=1).stderr


def test_an_unsigned_checkpoint_does_not_count_once_a_key_is_configured(cli, loaded, tmp_path, keys, monkeypatch):
    _, team_pub = keys("team")
    cli("audit", "checkpoint", "-o", tmp_path / "cp.json")
    monkeypatch.setenv("TRACKER_PUBLIC_KEY", str(team_pub))
    assert "it is not signed" in cli("audit", "verify", "--checkpoint", tmp_path / "cp.json", code=1).stderr


def test_a_bad_signing_key_is_a_clear_error(cli, loaded, tmp_path):
    (tmp_path / "bad.key").write_text("not a key")
    assert "cannot be read" in cli("audit", "checkpoint", "-o", tmp_path / "cp.json", "--key",
                                   tmp_path / "bad.key", code=1).stderr
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    rsa_like = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "ec.key").write_bytes(rsa_like)
    assert "not an Ed25519 key" in cli("audit", "checkpoint", "-o", tmp_path / "cp.json", "--key",
                                       tmp_path / "ec.key", code=1).stderr
    assert not (tmp_path / "cp.json").exists()


def test_refuse_unverified_stops_a_submission_from_a_tampered_database(loaded):
    from tracker.checkpoint import refuse_unverified
    from tracker.db import make_engine, read_tx
    from tracker.findings import TrackerError

    engine = make_engine(loaded)
    with read_tx(engine) as conn:
        assert refuse_unverified(conn, None).ok
    _sql(loaded, "UPDATE entry SET declared_origin = 'CN'")
    with read_tx(engine) as conn, pytest.raises(TrackerError, match="refusing to build the submission from a "
                                                "database that fails `tracker audit verify`: ROW_CHANGED"):
        refuse_unverified(conn, None, purpose="build the submission")
    engine.dispose()


def test_check_and_report_warn_when_verify_fails(cli, loaded, tmp_path):
    assert "warning" not in cli("check").stderr
    _sql(loaded, "UPDATE entry SET declared_origin = 'CN'")
    warning = "warning: the database fails `tracker audit verify`: ROW_CHANGED: entry [\"E-1\",\"P-1\"]"
    result = cli("check", "--json")
    assert warning in result.stderr and json.loads(result.stdout)["entries"]
    assert warning in cli("report", "--entry", "E-1", "-o", tmp_path / "e.xlsx").stderr


# --- edges -------------------------------------------------------------------------------------

@pytest.mark.parametrize("table", ["ruling", "audit_record"])
def test_a_dropped_table_gives_a_clear_message(cli, loaded, table):
    _sql(loaded, f"DROP TABLE {table}")
    for command in (["check"], ["audit", "verify"], ["import", "a.xlsx"]):
        err = cli(*command, code=1).stderr
        assert f"has lost its table(s) {table}: they were dropped outside tracker" in err, command
        assert "internal error" not in err
    cli("init")  # recreates it empty; verify then names what was lost, if anything
    if table == "ruling":
        cli("audit", "verify")
    else:
        assert "no audit record put it there" in cli("audit", "verify", code=1).stderr


def test_audit_log_shows_terminal_escape_sequences_as_text(cli, env, tmp_path):
    # Control characters are refused at import; the refusal itself must not play them.
    hostile = {"Facilities": [{"facility_id": "F-1", "name": "Plant\x1b]0;owned\x07\x1b[2J",
                               "country": "VN", "facility_type": "factory"}]}
    refused = cli("import", write_csv_folder(tmp_path / "bad", hostile), code=1).stderr
    assert "\x1b" not in refused and "\x07" not in refused and "Plant\\x1b]0;owned" in refused
    # A direction override is text a supplier may send: kept exactly, shown as an escape.
    data = {"Facilities": [{"facility_id": "F-1", "name": "Plant\u202eevil",
                            "country": "VN", "facility_type": "factory"}]}
    cli("import", write_csv_folder(tmp_path / "csv", data))
    out = cli("audit", "log", "--table", "facility").stdout
    assert "\u202e" not in out
    assert "Plant\\u202eevil" in out.replace("\n", "").replace("│", "").replace(" ", "")
    stored = json.loads(cli("audit", "log", "--table", "facility", "--json").stdout)[0]["after"]
    assert json.loads(stored)["name"] == "Plant\u202eevil"  # the data itself is kept exactly


def test_audit_log_key_is_matched_exactly_not_as_a_pattern(cli, env, tmp_path):
    data = simple()
    data["Shipments"].append({**data["Shipments"][0], "shipment_id": "SH-CN-MY-0412"})
    cli("import", write_book(tmp_path / "a.xlsx", data))
    assert json.loads(cli("audit", "log", "--key", "SH_CN_MY_0412", "--json").stdout) == []
    assert json.loads(cli("audit", "log", "--key", "SH-CN-MY-_412", "--json").stdout) == []
    assert json.loads(cli("audit", "log", "--key", "SH-CN-MY-%", "--json").stdout) == []
    [rec] = json.loads(cli("audit", "log", "--key", "SH-CN-MY-0412", "--json").stdout)
    assert rec["record_key"] == '["SH-CN-MY-0412","P-1"]'


def test_the_package_carries_a_checkpoint_the_database_must_extend(cli, loaded, tmp_path):
    cli("report", "--entry", "E-1", "--package", tmp_path / "e.zip")
    with zipfile.ZipFile(tmp_path / "e.zip") as z:
        mark = json.loads(z.read("checkpoint.json"))
        sums = z.read("SHA256SUMS").decode()
    assert "checkpoint.json" in sums
    assert mark["records"] == counts(loaded)["audit_record"] and len(mark["head"]) == 64
    assert "Extends checkpoint" in cli("audit", "verify", "--checkpoint", tmp_path / "e.zip").stdout
    with zipfile.ZipFile(tmp_path / "e.zip") as z:
        z.extract("evidence.xlsx", tmp_path)
    assert f"(record {mark['records']}," in cli("audit", "verify", "--checkpoint", tmp_path / "evidence.xlsx").stdout
    from tests.test_tamper import wipe

    wipe(loaded, tmp_path, cli)
    assert "records were removed" in cli("audit", "verify", "--checkpoint", tmp_path / "e.zip", code=1).stderr
    assert "records were removed" in cli("audit", "verify", "--checkpoint", tmp_path / "evidence.xlsx",
                                         code=1).stderr


def test_trace_shows_terminal_escape_sequences_as_text(cli, env, tmp_path):
    data = simple()
    data["Items"][1]["description"] = "profile\u202elivE"
    cli("import", write_csv_folder(tmp_path / "csv", data))
    out = cli("trace", "--entry", "E-1").stdout
    assert "\u202e" not in out
    assert "profile\\u202elivE" in out
