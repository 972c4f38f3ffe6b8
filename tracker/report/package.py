"""The evidence package: the workbook, the held document files and a SHA-256 manifest, as one zip."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection

from .. import __version__, checkpoint
from ..audit import evidence_path
from ..canonical import file_sha256, jsonable
from ..findings import TrackerError
from .build import Package, build_package
from .layouts import load_layout
from .workbook import atomic_write, write_workbook


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "file"


def _unique(name: str, taken: set[str], ident: str) -> str:
    """`name`, or `name` with a short hash of `ident` when another file already took it.

    Document ids `D 1` and `D_1` make the same safe name; without this one file
    would overwrite the other in the zip and `sha256sum -c` would fail. Names
    are compared case-folded, as a Windows or macOS unzip would.
    """
    if name.casefold() in taken:
        stem, dot, ext = name.rpartition(".") if "." in name.rsplit("/", 1)[-1] else (name, "", "")
        name = f"{stem}-{hashlib.sha256(ident.encode()).hexdigest()[:8]}{dot}{ext}"
    taken.add(name.casefold())
    return name


def held_documents(pkg: Package, store: Path | None) -> tuple[list[tuple[Any, Path]], list[dict]]:
    """Every document on the package's routes whose file is held and still matches its SHA-256,
    in route order, each once; and those left out, with why."""
    held, excluded, seen = [], [], set()
    for r in pkg.results:
        for doc in r.context.upstream.documents:
            if doc.document_id in seen or not (doc.stored and store):
                continue
            seen.add(doc.document_id)
            src = evidence_path(store, doc.sha256)
            if not src.is_file() or file_sha256(src) != doc.sha256:
                excluded.append({"document_id": doc.document_id, "reason": "the held file no longer matches "
                                 "its recorded SHA-256"})
                continue
            held.append((doc, src))
    return held, excluded


def zip_package(pkg: Package, zip_path: str | os.PathLike, book: Path, store: Path | None,
                book_name: str = "evidence.xlsx", mark: "checkpoint.Checkpoint | None" = None) -> dict:
    """Zip the workbook file `book` as it is (the very bytes handed over), the held document files,
    a manifest of every file's SHA-256 (manifest.json, and SHA256SUMS for `sha256sum -c`), and
    the checkpoint `mark` of the audit head the package was built from (`tracker audit verify
    --checkpoint FILE.zip` later proves the database still extends it)."""
    files: list[tuple[str, Path, str | None]] = [(book_name, book, None)]
    taken = {book_name.casefold()}
    held, excluded = held_documents(pkg, store)
    for doc, src in held:
        name = f"documents/{_safe_name(doc.document_id)}_{_safe_name(Path(doc.file or 'file').name)}"
        files.append((_unique(name, taken, doc.document_id), src, doc.document_id))
    listed = [{"path": name, "sha256": file_sha256(src), "size": src.stat().st_size,
               **({"document_id": doc_id} if doc_id else {})} for name, src, doc_id in files]
    manifest = {"made_at": pkg.made_at.isoformat(), "tracker": __version__,
                "entries": [{"entry_number": r.entry.entry_number, "lot_id": r.entry.lot_id,
                             "declared_origin": r.entry.declared_origin, "computed_origin": r.computed_origin}
                            for r in pkg.results],
                "audit_head": {"seq": pkg.audit_head[0], "hash": pkg.audit_head[1]},
                **({"checkpoint": mark.to_dict()} if mark else {}), "files": listed, "excluded": excluded}
    manifest_bytes = orjson.dumps(jsonable(manifest), option=orjson.OPT_INDENT_2)
    mark_bytes = mark.to_bytes() if mark else None
    sums = "".join(f"{f['sha256']}  {f['path']}\n" for f in listed)
    if mark_bytes:
        sums += f"{hashlib.sha256(mark_bytes).hexdigest()}  {checkpoint.CHECKPOINT_IN_PACKAGE}\n"
    sums += f"{hashlib.sha256(manifest_bytes).hexdigest()}  manifest.json\n"

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for name, src, _ in files:
                z.write(src, name)
            z.writestr("manifest.json", manifest_bytes)
            if mark_bytes:
                z.writestr(checkpoint.CHECKPOINT_IN_PACKAGE, mark_bytes)
            z.writestr("SHA256SUMS", sums)

    atomic_write(Path(zip_path), write)
    return manifest


def write_evidence(conn: Connection, entries: list[str], *, output: str | os.PathLike | None = None,
                   package: str | os.PathLike | None = None, layout: str | None = None,
                   store: Path | None = None, db_label: str = "") -> tuple[Package, dict | None]:
    """The evidence workbook (`output`) and/or the package (`package`) from one determination run.

    The workbook is written once; the zip holds that same file, so the
    SHA-256 in the manifest is the hash of the file written to `output`.
    Returns the package and the manifest (None without `package`).
    """
    if output is None and package is None:
        raise TrackerError("give a workbook path, a package path, or both")
    spec = load_layout(layout)
    if spec["product"] != "review":
        raise TrackerError(f"report layout {spec['path']} is a submission for CBP: write it with --for cbp "
                           f"(write_submission), which checks the audit trail and marks its edition")
    pkg = build_package(conn, entries, store, db_label)
    # The head the package was built from, to keep outside the database (tracker.checkpoint).
    mark = checkpoint.take(conn, db_label, checkpoint.signing_key()) if package is not None else None
    manifest: dict | None = None

    def write(book: Path) -> None:
        nonlocal manifest
        write_workbook(pkg, book, spec)
        if package is not None:
            manifest = zip_package(pkg, package, book, store, mark=mark)

    if output is not None:
        atomic_write(Path(output), write)
    else:
        with tempfile.TemporaryDirectory() as tmpdir:
            write(Path(tmpdir) / "evidence.xlsx")
    return pkg, manifest


def write_package(conn: Connection, entries: list[str], zip_path: str | os.PathLike, *,
                  layout: str | None = None, store: Path | None = None, db_label: str = "") -> dict:
    """The evidence package alone: the workbook, the held document files, and a SHA-256 manifest."""
    return write_evidence(conn, entries, package=zip_path, layout=layout, store=store, db_label=db_label)[1]
