"""The evidence package: the workbook, the held document files and a SHA-256 manifest, as one zip."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import zipfile
from pathlib import Path

import orjson
from sqlalchemy import Connection

from .. import __version__
from ..audit import evidence_path
from ..canonical import file_sha256, jsonable
from .build import build_package
from .layouts import load_layout
from .workbook import atomic_write, write_workbook


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "file"


def write_package(conn: Connection, entries: list[str], zip_path: str | os.PathLike, *,
                  layout: str | None = None, store: Path | None = None, db_label: str = "") -> dict:
    """The evidence package: the workbook, the held document files, and a manifest of every
    file's SHA-256 (manifest.json, and SHA256SUMS for `sha256sum -c`)."""
    spec = load_layout(layout)
    pkg = build_package(conn, entries, store, db_label)
    with tempfile.TemporaryDirectory() as tmpdir:
        book = Path(tmpdir) / "evidence.xlsx"
        write_workbook(pkg, book, spec)
        files = [("evidence.xlsx", book, None)]
        excluded = []
        seen: set[str] = set()
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
                name = f"documents/{_safe_name(doc.document_id)}_{_safe_name(Path(doc.file or 'file').name)}"
                files.append((name, src, doc.document_id))
        listed = [{"path": name, "sha256": file_sha256(src), "size": src.stat().st_size,
                   **({"document_id": doc_id} if doc_id else {})} for name, src, doc_id in files]
        manifest = {"made_at": pkg.made_at.isoformat(), "tracker": __version__,
                    "entries": [{"entry_number": r.entry.entry_number, "lot_id": r.entry.lot_id,
                                 "declared_origin": r.entry.declared_origin, "computed_origin": r.computed_origin}
                                for r in pkg.results],
                    "audit_head": {"seq": pkg.audit_head[0], "hash": pkg.audit_head[1]},
                    "files": listed, "excluded": excluded}
        manifest_bytes = orjson.dumps(jsonable(manifest), option=orjson.OPT_INDENT_2)
        sums = "".join(f"{f['sha256']}  {f['path']}\n" for f in listed)
        sums += f"{hashlib.sha256(manifest_bytes).hexdigest()}  manifest.json\n"

        def write(tmp: Path) -> None:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
                for name, src, _ in files:
                    z.write(src, name)
                z.writestr("manifest.json", manifest_bytes)
                z.writestr("SHA256SUMS", sums)

        atomic_write(Path(zip_path), write)
    return manifest
