"""Packaging beyond what pyproject.toml can say: the data folders ship inside the package.

`schemas/`, `reports/` and `sample_data/` stay at the top of the repository,
where users and reviewers look for them, and are installed as the data
packages `tracker.schemas_data`, `tracker.reports_data` and
`tracker.sample_data` (read through `tracker.resources` with
importlib.resources), so a wheel installed alone carries them. Everything
else (name, version, dependencies, the `tracker` command) is in pyproject.toml.
"""

from setuptools import find_packages, setup

DATA_PACKAGES = {"tracker.schemas_data": "schemas", "tracker.reports_data": "reports",
                 "tracker.sample_data": "sample_data"}
DATA_FILES = ["**/*.toml", "**/*.csv", "**/*.json", "**/*.xlsx", "**/*.pdf", "**/*.txt", "**/*.md"]

setup(
    packages=find_packages(include=["tracker", "tracker.*"]) + list(DATA_PACKAGES),
    package_dir=DATA_PACKAGES,
    package_data={name: DATA_FILES for name in DATA_PACKAGES},
)
