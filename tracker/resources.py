"""The data tracker ships inside its package, and a user's own copies of it.

In the repository the data sits at the top level, where users and reviewers
look for it: `schemas/` (vocabularies, the workbook layout, evidence rules,
flags, trade measures), `reports/` (evidence workbook layouts) and
`sample_data/` (what `tracker demo` loads). setup.py installs them as the
data packages `tracker.schemas_data`, `tracker.reports_data` and
`tracker.sample_data`, so a wheel installed alone carries them; they are read
here with importlib.resources, from an editable install and a wheel alike.

A team's own copies take precedence: `TRACKER_SCHEMAS` names a folder whose
files replace the bundled schema files of the same name (a file missing there
falls back to the bundled one), and `TRACKER_REPORTS` a folder of layouts
found by name before the bundled ones. `Tracker(schemas=..., reports=...)`
does the same for one object without touching the environment.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

from .findings import TrackerError

__all__ = ["bundled", "layout_path", "layout_names", "sample_workbooks"]

_PACKAGES = {"schemas": "tracker.schemas_data", "reports": "tracker.reports_data",
             "sample_data": "tracker.sample_data"}


def bundled(folder: str) -> Path:
    """The installed folder `schemas`, `reports` or `sample_data`.

    Precondition: tracker is installed as files (a wheel or an editable
    install), not imported from a zip archive.
    """
    root = files(_PACKAGES[folder])
    if not isinstance(root, Path):  # importlib gives a Path for every installation on disk
        raise TrackerError(f"tracker's bundled {folder}/ is not on disk ({root!r}): install tracker unzipped")
    return root


def _user_reports(reports: str | os.PathLike | None) -> Path | None:
    folder = reports or os.environ.get("TRACKER_REPORTS")
    return Path(folder) if folder else None


def layout_names(reports: str | os.PathLike | None = None) -> list[str]:
    """Every layout a name can choose: the user's folder's and the bundled ones."""
    folders = [f for f in (_user_reports(reports), bundled("reports")) if f is not None and f.is_dir()]
    return sorted({p.stem for f in folders for p in f.glob("*.toml")})


def layout_path(layout: str | os.PathLike | None = None, reports: str | os.PathLike | None = None) -> Path:
    """The file of a report layout.

    A path (ending in .toml, or with a folder in it) is taken as given; a name
    (`default`, `cf28`, a team's `eapa`) is looked for in the user's reports
    folder (`reports`, else `TRACKER_REPORTS`), then among the bundled ones.
    """
    text = str(layout) if layout is not None else "default"
    if text.endswith(".toml") or os.sep in text or "/" in text:
        path = Path(text)
        if not path.is_file():
            raise TrackerError(f"no report layout file {text}")
        return path
    for folder in (_user_reports(reports), bundled("reports")):
        if folder is not None and (folder / f"{text}.toml").is_file():
            return folder / f"{text}.toml"
    raise TrackerError(f"no report layout {text!r} (known: {', '.join(layout_names(reports))}; "
                       "or give a .toml path)")


def sample_workbooks() -> list[Path]:
    """The sample suppliers' workbooks `tracker demo` imports, their documents beside them."""
    return sorted(bundled("sample_data").glob("*.xlsx"))
