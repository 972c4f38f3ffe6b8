"""What a newcomer's clone and a pip install need: the data ships inside the
package, and the tests need nothing beside the repository.

The wheel itself is built, installed alone and run by scripts/check_wheel.sh
(CI runs it before the suite); these tests catch the usual ways it breaks.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tracker.resources import bundled, layout_path, sample_workbooks

ROOT = Path(__file__).resolve().parent.parent


def _setup_value(name: str):
    tree = ast.parse((ROOT / "setup.py").read_text())
    node = next(n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == name)
    return ast.literal_eval(node.value)


def test_every_data_file_ships_in_the_wheel():
    """A file added to schemas/, reports/ or sample_data/ of a kind setup.py does not list
    would work from the repository and be missing from an installed package."""
    packages = _setup_value("DATA_PACKAGES")
    shipped = {glob.rsplit(".", 1)[1] for glob in _setup_value("DATA_FILES")}
    assert set(packages.values()) == {"schemas", "reports", "sample_data"}
    for folder in packages.values():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".py":
                assert path.suffix.lstrip(".") in shipped, path.relative_to(ROOT)


def test_the_bundled_data_is_read_through_the_package():
    assert (bundled("schemas") / "workbook.toml").is_file()
    assert layout_path("cf28").name == "cf28.toml" and layout_path().name == "default.toml"
    assert [p.name for p in sample_workbooks()] == ["mx_motors_linens.xlsx", "my_solar_modules.xlsx",
                                                    "vn_aluminium_profiles.xlsx", "vn_hardwood_plywood.xlsx"]
    assert (sample_workbooks()[0].parent / "docs").is_dir()


def test_no_test_reads_outside_the_repository():
    for path in (ROOT / "tests").glob("*.py"):
        if path.name == Path(__file__).name:
            continue
        text = path.read_text()
        assert "../shared" not in text and '"shared"' not in text, path.name
