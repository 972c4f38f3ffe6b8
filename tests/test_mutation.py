"""A bounded mutation test over the sample workbooks: no supplier cell is ever changed silently.

Each round takes a sample workbook, changes one data cell the way real
suppliers' files differ (`N/A`, Excel error values, numbers typed as text with
separators, stray and invisible characters, extra spaces, leading zeros, huge
and tiny values, dates typed by hand) and imports it into an empty database.
The import must either store exactly what the cell means (`intended`) or fail
with nothing written and no file left in the evidence store. The figures are
printed; "silently changed" must be 0.
"""

from __future__ import annotations

import random
import shutil
import time
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from tests.builders import counts
from tracker.db import make_engine, open_db
from tracker.findings import ImportFailed
from tracker.importer import import_path
from tracker.models import table_for
from tracker.schemas import workbook_layout
from tracker.values import parse_country

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "sample_data").glob("*.xlsx"))
ROUNDS_PER_BOOK = 70
SEED = 20261124
REFUSE = object()  # the cell has no one meaning: the import must fail


def _number(value) -> Decimal:
    return Decimal(repr(value) if isinstance(value, float) else str(value)).normalize()


def _grouped(value: Decimal, group: str, decimal: str) -> str:
    text = format(value, ",f")
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group)


def _mutations(kind: str, value, rng: random.Random) -> list[tuple[str, object, object]]:
    """(name, new cell value, what the cell means) for a cell of `kind` holding `value`.
    A new value given as ("error", "#REF!") is written as an Excel error cell. An empty
    cell is mutated as if it held a typical value of its kind."""
    if value is None:
        value = {"quantity": 1234.5, "hts": "7604.29.1000", "date": date(2024, 3, 5), "country": "VN",
                 "text": "Lot 42", "id": "X-42"}.get(kind, value)
    text = "" if value is None else (value.isoformat() if isinstance(value, (date, datetime)) else str(value))
    common = [
        ("N/A", "N/A", "N/A" if kind in ("text", "id") else REFUSE),
        ("n/a", "n/a", "n/a" if kind in ("text", "id") else REFUSE),
        ("#N/A as text", "#N/A", REFUSE),
        ("error cell", ("error", rng.choice(["#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"])),
         REFUSE),
        ("NUL escape", f"{text}_x0000_", REFUSE),
        ("escape sequence", f"_x001B_[31m{text}", REFUSE),
    ]
    if kind in ("text", "id"):
        return common + [
            ("extra spaces", f"  {text}\t ", text.strip()),
            ("inner spaces", f"{text}  x", f"{text}  x".strip()),
            ("leading zero", f"0{text}", f"0{text}".strip()),
            ("mojibake", f"{text}Ã©", f"{text}Ã©".strip()),
            ("replacement char", f"{text}\ufffd", f"{text}\ufffd".strip()),
            ("non-breaking space", f"{text}\u00a0X", f"{text}\u00a0X".strip()),
            ("zero width", f"{text[:1]}\u200b{text[1:]}", f"{text[:1]}\u200b{text[1:]}".strip()),
            ("bidi override", f"\u202e{text}", f"\u202e{text}".strip()),
            ("homoglyph", text.replace("A", "\u0410").replace("o", "\u043e"), text.replace("A", "\u0410").replace("o", "\u043e").strip()),
            ("longest text", "x" * 32_767, "x" * 32_767),  # Excel's limit; openpyxl cuts anything longer
            ("number", 1200.0, "1200"),
        ]
    if kind == "quantity":
        v = _number(value)
        two = v.quantize(Decimal("0.01"))
        out = common + [
            ("US separators", _grouped(two, ",", "."), two),
            ("EU separators", _grouped(two, ".", ","), two),
            ("grouped integer", _grouped(v.to_integral_value(), ",", "."), v.to_integral_value()),
            ("dot as thousands", _grouped(v.to_integral_value(), ".", ","), v.to_integral_value()),
            ("text number", f" {format(v, 'f')} ", v),
            ("leading zeros", f"000{format(v, 'f')}", v),
            ("seven decimals", f"{format(v, 'f')}1234567" if "." in format(v, "f") else f"{format(v, 'f')}.1234567",
             Decimal(f"{format(v, 'f')}1234567" if "." in format(v, "f") else f"{format(v, 'f')}.1234567")),
            ("tiny", 1e-07, Decimal("1E-7")),
            ("huge", 1e20, Decimal("1E+20")),
            ("huge text", "9" * 30, Decimal("9" * 30)),
            ("negative", -float(v) - 1, REFUSE),
            ("fullwidth digits", format(v.to_integral_value(), "f").translate(str.maketrans("0123456789", "０１２３４５６７８９")),
             v.to_integral_value()),
            ("extra spaces", f"  {format(v, 'f')}\t", v),
        ]
        return out
    if kind == "country":
        import pycountry

        code = parse_country(value)  # the sample's own, clean spelling
        return common + [
            ("NA", "NA", REFUSE),
            ("extra spaces", f"  {text} ", code),
            ("lower case", text.lower(), code),
            ("alpha-3", pycountry.countries.get(alpha_2=code).alpha_3, code),
            ("stray byte", f"{text}\ufffd", REFUSE),
            # Invisible characters are dropped with the other punctuation when a
            # country name is matched; the name still means the same country.
            ("zero width", f"{text}\u200b", code),
            ("reversed by a bidi override", f"\u202e{text[::-1]}", REFUSE),
        ]
    if kind == "hts":
        digits = "".join(ch for ch in text if ch.isdigit())
        return common + [
            ("number cell", int(digits), digits),
            ("spaces", f"{digits[:4]} {digits[4:6]} {digits[6:]}".strip(), digits),
            ("digits", digits, digits),
            ("leading zero", f"0{digits}", REFUSE),
            ("lost zero", digits[1:] if len(digits) > 6 else digits, REFUSE if len(digits) > 6 else digits),
        ]
    if kind == "date":
        d = value.date() if isinstance(value, datetime) else value
        if not isinstance(d, date):
            return common
        return common + [
            ("unpadded", f"{d.year}-{d.month}-{d.day}", d),
            ("US style", d.strftime("%m/%d/%Y"), REFUSE),
            ("EU style", d.strftime("%d.%m.%Y"), REFUSE),
            # The cell keeps its date format, so Excel shows the serial number as the date.
            ("Excel serial", (d - date(1899, 12, 30)).days, d),
            ("midnight", datetime(d.year, d.month, d.day), d),
            ("with time", f"{d.isoformat()} 00:00:00", d),
            ("impossible", f"{d.year}-02-30", REFUSE),
        ]
    if kind.startswith("vocab:"):
        return common + [
            ("upper case", text.upper(), value),
            ("extra spaces", f" {text}  ", value),
        ] + ([("typo", text[:-1], REFUSE)] if len(text) > 1 else [])  # an empty cell has no typo
    return common


def _cells(book) -> list[tuple[str, int, int, object]]:
    """(sheet, row, column, ColumnSpec) of every data cell under a spec column."""
    specs = {s.name: s for s in workbook_layout()}
    out = []
    for ws in book:
        spec = specs.get(ws.title)
        if not spec:
            continue
        header = [c.value for c in ws[1]]
        columns = {c.name: c for c in spec.columns}
        for col, title in enumerate(header, start=1):
            if title in columns and columns[title].kind != "sha256" and title != "file":
                out.extend((ws.title, row, col, columns[title]) for row in range(2, ws.max_row + 1))
    return out


def _same(kind: str, stored, intended) -> bool:
    if kind == "quantity":
        return stored is not None and Decimal(str(stored)).normalize() == intended
    if kind == "hts" or kind == "text" or kind == "id":
        return stored == intended
    return stored == intended


def test_mutated_sample_workbooks_are_kept_exactly_or_refused(tmp_path, monkeypatch):
    rng = random.Random(SEED)
    monkeypatch.setenv("TRACKER_ACTOR", "mutation")
    empty = tmp_path / "empty.db"
    open_db(f"sqlite:///{empty}").dispose()
    figures: Counter = Counter()
    changed: list[str] = []
    started = time.monotonic()
    for sample in SAMPLES:
        work = tmp_path / sample.stem
        work.mkdir()
        if (sample.parent / "docs").is_dir():
            shutil.copytree(sample.parent / "docs", work / "docs")
        book = load_workbook(sample)
        cells = _cells(book)
        for n in range(ROUNDS_PER_BOOK):
            sheet, row, col, spec = rng.choice(cells)
            cell = book[sheet].cell(row=row, column=col)
            original, original_type = cell.value, cell.data_type
            name, new, intended = rng.choice(_mutations(spec.kind, original, rng))
            if intended is not REFUSE and intended in (None, "") and spec.required:
                intended = REFUSE
            if isinstance(new, tuple):
                cell.value, cell.data_type = new[1], "e"
            else:
                cell.value = new
                if isinstance(new, str):
                    cell.data_type = "s"
            path = work / f"m{n}.xlsx"
            book.save(path)
            cell.value, cell.data_type = original, original_type

            url = f"sqlite:///{tmp_path / 'run.db'}"
            shutil.copyfile(empty, tmp_path / "run.db")
            store = tmp_path / f"evidence-{sample.stem}-{n}"
            monkeypatch.setenv("TRACKER_EVIDENCE", str(store))
            engine = make_engine(url)
            what = f"{sample.name} {sheet}!{row} {spec.name} <- {name} {new!r:.60}"
            figures["tried"] += 1
            try:
                import_path(engine, path)
            except ImportFailed:
                engine.dispose()
                left = [p for p in store.rglob("*") if p.is_file()] if store.exists() else []
                if any(counts(url).values()) or left:
                    figures["half written"] += 1
                    changed.append(f"{what}: refused but left rows or files behind")
                else:
                    figures["refused"] += 1
                continue
            table = table_for(next(s.table for s in workbook_layout() if s.name == sheet))
            with engine.connect() as conn:
                got = conn.execute(select(table.c[spec.field]).where(
                    table.c.source_sheet == sheet, table.c.source_row == row)).scalar_one()
            engine.dispose()
            if intended is not REFUSE and _same(spec.kind, got, intended):
                figures["kept exactly"] += 1
            else:
                figures["silently changed"] += 1
                changed.append(f"{what}: stored {got!r}, the cell means "
                               f"{'nothing certain' if intended is REFUSE else repr(intended)}")
    seconds = time.monotonic() - started
    print(f"\nmutation test: {figures['tried']} tried, {figures['kept exactly']} kept exactly, "
          f"{figures['refused']} refused, {figures['silently changed']} silently changed, "
          f"{figures['half written']} half written ({seconds:.0f} s)")
    assert figures["tried"] == ROUNDS_PER_BOOK * len(SAMPLES)
    assert figures["kept exactly"] + figures["refused"] + figures["silently changed"] + figures["half written"] \
        == figures["tried"]
    assert figures["kept exactly"] > 0 and figures["refused"] > 0
    assert not changed, "\n".join(changed)
