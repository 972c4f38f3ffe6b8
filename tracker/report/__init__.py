"""`tracker report`: the evidence workbook an importer hands to CBP.

CBP reviewers (CF-28 requests, focused assessments, EAPA inquiries) ask for
an index "like a book", numbered production steps and documents that refer to
each other; missing records are held against the importer. The workbook is
built from one determination run and laid out by a layout file in `reports/`
(`default.toml`, or a team's own per inquiry type): which sheets, in which
order, which columns with which headers.

A module per idea:

- `layouts`: reading and checking a layout file;
- `build`: the `Package`, everything the sheets show, from one determination;
- `rows`: the row builders, and `kinds`: the registry of sheet kinds;
- `xlsx`: styled cells, print setup and the fast sheet-XML streamer;
- `index`: the Index sheet and card sheets; `chart`: the route picture;
- `workbook`: a whole workbook; `package`: the zip with files and manifest;
- `submission`: the facts and exhibits of the submission for CBP, `binder`: its PDF,
  `cbp`: writing both.
"""

from .build import Package, build_package
from .cbp import write_submission
from .chart import route_picture
from .kinds import SHEET_KINDS
from .layouts import LAYOUTS_DIR, load_layout
from .package import write_evidence, write_package
from .workbook import write_report
from .xlsx import neutralize

__all__ = ["write_report", "write_package", "load_layout", "Package", "build_package", "LAYOUTS_DIR",
           "neutralize", "route_picture", "SHEET_KINDS", "write_evidence",
           "write_submission"]
