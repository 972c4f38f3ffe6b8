"""The bundled schemas, installed as the data package `tracker.schemas_data` (see setup.py).

To adjust them, copy this folder and point TRACKER_SCHEMAS at the copy
(README, "Your own schemas and layouts").
"""
