"""The bundled report layouts, installed as the data package `tracker.reports_data` (see setup.py).

To make your own, copy a layout into a folder of yours and point TRACKER_REPORTS at it,
or give `tracker report --layout FILE.toml` (README, "Your own schemas and layouts").
"""
