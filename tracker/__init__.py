"""tracker: prove where imported goods were really made.

A small core of plain functions over a graph of facilities, lots, processes
and shipments; the `tracker` command is a thin layer over it. The modules a
script usually needs:

- `tracker.db`: `open_db(url)` gives an engine with the schema in place.
- `tracker.importer`: `import_path(engine, path)` loads a supplier workbook.
- `tracker.determination`: `check(engine)` determines origin and raises flags.
- `tracker.trace`: `trace_entry(engine, entry_number)` gives the upstream graph.
- `tracker.report`: `write_report(engine, entries, path)` writes the evidence workbook.
- `tracker.audit`: `verify(engine)` checks the tamper-evident trail.
"""

__version__ = "0.1.0"
