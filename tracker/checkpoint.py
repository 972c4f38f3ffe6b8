"""Checkpoints of the audit trail, kept outside the database.

The hash chain proves that no record was changed *relative to the records
around it*; it cannot prove that the whole trail was not rewritten and
re-hashed, cut back to an earlier head, or wiped: a consistent chain is a
consistent chain. The answer is Certificate Transparency's (RFC 6962, signed
tree heads): write down the head somewhere the database's users cannot reach,
and later prove that the trail still *extends* it: the record at that count
still has that hash. Since each hash covers every record before it, one
matching hash proves the whole prefix is unchanged.

A checkpoint is a small JSON file: the record count, the head hash, the head
record's time and when the checkpoint was taken. It is signed with Ed25519 when
the team configures a signing key (`TRACKER_SIGNING_KEY`, a PEM or OpenSSH
private key file; never stored in the database); checking a signature needs
only the public key (`TRACKER_PUBLIC_KEY`). Every evidence package carries the
checkpoint of the head it was built from, so whoever holds the package can
later ask the database to prove it still extends it.

What a checkpoint cannot prove: that records appended *after* it are honest.
Anyone who can write to the database can append well-formed records; they are
held to the trail's rules (verify replays them against the tables) but their
actor is what the writer claimed.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import orjson
from sqlalchemy import Connection, func, select

from .audit import GENESIS, VerifyResult, head, utc_now, verify
from .canonical import canonical_json
from .findings import Finding, TrackerError
from .models import AuditRecord

__all__ = ["FORMAT", "Checkpoint", "take", "write", "load", "check", "signing_key", "public_key",
           "fingerprint", "verify_database", "refuse_unverified", "CHECKPOINT_IN_PACKAGE"]

FORMAT = "tracker-checkpoint-v1"
CHECKPOINT_IN_PACKAGE = "checkpoint.json"  # its name inside an evidence package
_AUDIT = AuditRecord.__table__


@dataclass(frozen=True)
class Checkpoint:
    records: int  # how many records the trail held
    head: str  # the hash of record #records (GENESIS for an empty trail)
    head_at: str | None  # when that record was written
    taken_at: str  # when the checkpoint was taken (UTC)
    database: str = ""  # where it was taken, for people (never compared: URLs differ between users)
    signature: str | None = None  # base64 Ed25519 signature over canonical_json(body())
    public_key: str | None = None  # base64 raw public key that made the signature
    source: str = field(default="", compare=False)  # the file it was read from

    def body(self) -> dict:
        return {"format": FORMAT, "records": self.records, "head": self.head, "head_at": self.head_at,
                "taken_at": self.taken_at, "database": self.database}

    def to_dict(self) -> dict:
        out = self.body()
        if self.signature:
            out["signature"] = {"algorithm": "ed25519", "public_key": self.public_key,
                                "key_fingerprint": self.signer,
                                "value": self.signature}
        return out

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.to_dict(), option=orjson.OPT_INDENT_2) + b"\n"

    @property
    def signer(self) -> str | None:
        """The fingerprint of the key that signed it, if signed."""
        return fingerprint(base64.b64decode(self.public_key)) if self.signature and self.public_key else None

    @property
    def label(self) -> str:
        return self.source or f"checkpoint at record {self.records}"


def fingerprint(raw_public_key: bytes) -> str:
    """A short name for a public key: SHA-256 of its 32 raw bytes, first 16 hex digits."""
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


# --- keys -----------------------------------------------------------------------------------

def signing_key(path: str | os.PathLike | None = None):
    """The team's Ed25519 private key from `path`, else `TRACKER_SIGNING_KEY`; None if neither.
    A PEM (PKCS#8, `openssl genpkey -algorithm ed25519`) or OpenSSH (`ssh-keygen -t ed25519`)
    file; a passphrase, if any, from `TRACKER_SIGNING_KEY_PASSPHRASE`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = path or os.environ.get("TRACKER_SIGNING_KEY")
    if not path:
        return None
    passphrase = os.environ.get("TRACKER_SIGNING_KEY_PASSPHRASE")
    password = passphrase.encode() if passphrase else None
    return _load_key(path, "signing key", Ed25519PrivateKey,
                     lambda data: (serialization.load_ssh_private_key(data, password)
                                   if b"OPENSSH PRIVATE KEY" in data
                                   else serialization.load_pem_private_key(data, password)),
                     "an Ed25519 private key in PEM or OpenSSH form; a passphrase goes in "
                     "TRACKER_SIGNING_KEY_PASSPHRASE")


def public_key(path: str | os.PathLike | None = None):
    """The public key checkpoints must be signed with: `path`, else `TRACKER_PUBLIC_KEY`,
    else the public half of the configured signing key; None if none is configured.
    A PEM public key (`openssl pkey -pubout`) or an OpenSSH `ssh-ed25519 ...` line."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    path = path or os.environ.get("TRACKER_PUBLIC_KEY")
    if not path:
        key = signing_key()
        return key.public_key() if key is not None else None
    return _load_key(path, "public key", Ed25519PublicKey,
                     lambda data: (serialization.load_ssh_public_key(data) if data.lstrip().startswith(b"ssh-")
                                   else serialization.load_pem_public_key(data)),
                     "an Ed25519 public key in PEM or OpenSSH form")


def _load_key(path, what: str, kind: type, parse, hint: str):
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise TrackerError(f"cannot read the {what} {path}: {exc.strerror}") from None
    try:
        key = parse(data)
    except (ValueError, TypeError) as exc:
        raise TrackerError(f"the {what} {path} cannot be read: {exc} ({hint})") from None
    if not isinstance(key, kind):
        raise TrackerError(f"the {what} {path} is a {type(key).__name__}, not an Ed25519 key")
    return key


def _raw(public) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


# --- taking and reading ----------------------------------------------------------------------

def take(conn: Connection, database: str = "", key=None) -> Checkpoint:
    """A checkpoint of the trail's head as `conn` sees it, signed with `key` if given."""
    seq, hash_ = head(conn)
    at = conn.execute(select(_AUDIT.c.at).where(_AUDIT.c.seq == seq)).scalar() if seq else None
    cp = Checkpoint(seq, hash_, at, utc_now(), database)
    if key is None:
        return cp
    signature = key.sign(canonical_json(cp.body()).encode())
    return Checkpoint(cp.records, cp.head, cp.head_at, cp.taken_at, cp.database,
                      base64.b64encode(signature).decode(), base64.b64encode(_raw(key.public_key())).decode())


def write(cp: Checkpoint, path: str | os.PathLike) -> None:
    Path(path).write_bytes(cp.to_bytes())


def load(path: str | os.PathLike) -> Checkpoint:
    """A checkpoint file, the checkpoint inside an evidence package (`.zip`), or the head an
    evidence workbook (`.xlsx`) names on its Index (unsigned: the workbook carries no signature)."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return _from_workbook(path)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                if CHECKPOINT_IN_PACKAGE not in z.namelist():
                    raise TrackerError(f"{path} holds no {CHECKPOINT_IN_PACKAGE}: it is not an evidence "
                                       "package of this tracker")
                data = z.read(CHECKPOINT_IN_PACKAGE)
        else:
            data = path.read_bytes()
    except OSError as exc:
        raise TrackerError(f"cannot read the checkpoint {path}: {exc.strerror}") from None
    except zipfile.BadZipFile as exc:
        raise TrackerError(f"cannot read the evidence package {path}: {exc}") from None
    try:
        doc = orjson.loads(data)
        if doc.get("format") != FORMAT:
            raise ValueError(f"format is {doc.get('format')!r}, not {FORMAT!r}")
        records, head_ = doc["records"], doc["head"]
        if not isinstance(records, int) or records < 0 or not isinstance(head_, str) or len(head_) != 64:
            raise ValueError("records or head is malformed")
        sig = doc.get("signature") or {}
        return Checkpoint(records, head_, doc.get("head_at"), doc["taken_at"], doc.get("database", ""),
                          sig.get("value"), sig.get("public_key"), str(path))
    except (orjson.JSONDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TrackerError(f"{path} is not a tracker checkpoint: {exc}") from None


_INDEX_HEAD = re.compile(r"^([0-9a-f]{64}) \(record (\d+)\)$")


def _from_workbook(path: Path) -> Checkpoint:
    """The `Audit chain head` line of an evidence workbook's Index: `HASH (record N)`."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            made = None
            for row in book.get_sheet_by_name(name).iter_rows():
                if len(row) >= 2 and row[0] == "Made on (UTC)":
                    made = str(row[1])
                if len(row) >= 2 and row[0] == "Audit chain head":
                    m = _INDEX_HEAD.match(str(row[1]).strip())
                    if m:
                        return Checkpoint(int(m.group(2)), m.group(1), None, made or "", source=str(path))
    except Exception as exc:  # calamine raises its own error types for unreadable files
        raise TrackerError(f"cannot read the evidence workbook {path}: {exc}") from None
    raise TrackerError(f"{path} has no 'Audit chain head' line on its Index: it is not an evidence "
                       "workbook of this tracker")


# --- proving the trail extends a checkpoint ------------------------------------------------------

def check(conn: Connection, checkpoints: Iterable[Checkpoint], trusted=None) -> list[Finding]:
    """Findings for every checkpoint the trail does not extend, or whose signature fails.

    With a `trusted` public key every checkpoint must carry a valid signature by
    it. Without one, a signed checkpoint's signature is checked against the key it
    names (which proves the file was not edited, not who signed it).
    Precondition: the chain itself has been verified (`audit.verify`), so the
    stored hash of record #N is the recomputed one.
    """
    out: list[Finding] = []
    count = conn.execute(select(func.count()).select_from(_AUDIT)).scalar() or 0
    for cp in checkpoints:
        subject = (f"checkpoint:{cp.label}",)
        problem = _signature_problem(cp, trusted)
        if problem:
            out.append(Finding("CHECKPOINT_SIGNATURE", "error", f"checkpoint {cp.label}: {problem}", subject))
            continue
        if cp.records > count:
            out.append(Finding("CHECKPOINT_NOT_EXTENDED", "error",
                               f"checkpoint {cp.label} (taken {cp.taken_at}) saw {cp.records} audit records, "
                               f"the trail now holds {count}: records were removed (the trail was rolled "
                               "back, cut or wiped)", subject))
            continue
        at = (conn.execute(select(_AUDIT.c.hash).where(_AUDIT.c.seq == cp.records)).scalar()
              if cp.records else GENESIS)
        if at != cp.head:
            out.append(Finding("CHECKPOINT_NOT_EXTENDED", "error",
                               f"checkpoint {cp.label} (taken {cp.taken_at}) says record #{cp.records} has hash "
                               f"{cp.head}, the trail's record #{cp.records} has {at}: the trail was "
                               "rewritten", subject))
    return out


def _signature_problem(cp: Checkpoint, trusted) -> str | None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not cp.signature:
        return "it is not signed, and a public key is configured: only signed checkpoints count" \
            if trusted is not None else None
    try:
        raw = base64.b64decode(cp.public_key or "", validate=True)
        named = Ed25519PublicKey.from_public_bytes(raw)
        signature = base64.b64decode(cp.signature, validate=True)
    except ValueError:
        return "its signature or public key is malformed"
    if trusted is not None and _raw(trusted) != raw:
        return (f"it is signed by key {fingerprint(raw)}, not by the configured key "
                f"{fingerprint(_raw(trusted))}")
    try:
        named.verify(signature, canonical_json(cp.body()).encode())
    except InvalidSignature:
        return "its signature does not match its contents: the file was edited after it was signed"
    return None


def verify_database(conn: Connection, store: Path | None, checkpoints: Iterable[Checkpoint] = (),
                    trusted=None) -> VerifyResult:
    """`audit.verify`, then every checkpoint given: the whole of `tracker audit verify`."""
    result = verify(conn, store)
    checkpoints = list(checkpoints)
    if checkpoints and not any(p.code == "AUDIT_BROKEN" for p in result.problems):
        result.problems.extend(check(conn, checkpoints, trusted))
    return result


def refuse_unverified(conn: Connection, store: Path | None, checkpoints: Iterable[Checkpoint] = (),
                      trusted=None, purpose: str = "build this") -> VerifyResult:
    """Raise `TrackerError` unless the database passes verify (and extends every checkpoint):
    what a submission for CBP calls before building from the database."""
    result = verify_database(conn, store, checkpoints, trusted)
    if not result.ok:
        first = result.problems[0]
        more = f" (and {len(result.problems) - 1} more problem(s))" if len(result.problems) > 1 else ""
        raise TrackerError(f"refusing to {purpose} from a database that fails `tracker audit verify`: "
                           f"{first.code}: {first.message}{more}")
    return result
