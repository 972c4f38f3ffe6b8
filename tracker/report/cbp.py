"""Writing the submission for CBP: the workbook, and with it the PDF binder, from one build.

The submission is built only from a database whose audit trail verifies
(`tracker.audit.verify`): evidence handed to CBP must not rest on rows changed
behind the trail's back. It carries no database name: `db_label` stays empty.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Connection

from ..audit import verify
from ..findings import TrackerError
from .build import Package, build_package
from .layouts import load_layout
from .submission import EDITIONS, Edition, facts_of
from .workbook import atomic_write, write_workbook

__all__ = ["write_submission", "SUBMISSION_LAYOUT"]

SUBMISSION_LAYOUT = "cf28"


def write_submission(conn: Connection, entries: list[str], output: str | os.PathLike, *,
                     pdf: str | os.PathLike | None = None, edition: str = "confidential",
                     layout: str | None = None, store: Path | None = None) -> Package:
    """Write the submission workbook to `output` and, with `pdf`, the binder; returns the package."""
    if edition not in EDITIONS:
        raise TrackerError(f"edition is one of {', '.join(EDITIONS)}, not {edition!r}")
    spec = load_layout(layout, default=SUBMISSION_LAYOUT)
    if spec["product"] != "submission":
        raise TrackerError(f"report layout {spec['path']} is an internal review (product = \"review\"); "
                           f"a submission for CBP needs a submission layout such as {SUBMISSION_LAYOUT}")
    audit = verify(conn, store)
    if not audit.ok:
        first = audit.problems[0]
        raise TrackerError(f"the audit trail fails verification ({len(audit.problems)} problem(s), first: "
                           f"{first.message}); a submission is built only from a database that verifies: "
                           f"run `tracker audit verify`")
    pkg = build_package(conn, entries, store, db_label="")
    pkg.edition = Edition(edition, frozenset(spec["confidential"]["fields"]),
                          frozenset(spec["confidential"].get("aliased", ())))
    pkg.bates_prefix = spec.get("bates_prefix", "")
    facts_of(pkg)
    if pdf is not None:
        from .binder import write_binder

        write_binder(pkg, spec, Path(pdf))  # first: it numbers the pages the exhibit index shows
    atomic_write(Path(output), lambda tmp: write_workbook(pkg, tmp, spec))
    return pkg
