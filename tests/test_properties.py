"""Properties of the value parsers and the CSV and xlsx readers, checked on generated input.

The promise under test: whatever a cell holds is read back as exactly what was
written (surrounding spaces aside, which the supplier-workbook contract trims)
or refused with a BadValue or ImportFailed; it is never changed on the way.
"""

from __future__ import annotations

import csv
import re
import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from tracker.findings import ImportFailed
from tracker.sources import read_source
from tracker.values import (QUANTITY_PLACES, BadValue, parse_date, parse_hts,
                            parse_quantity, parse_text)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

quantities = st.decimals(min_value=0, max_value=Decimal(10) ** 17 - 1, places=QUANTITY_PLACES,
                         allow_nan=False, allow_infinity=False)


def _read_or_refuse(parse, value):
    try:
        return parse(value)
    except BadValue:
        return BadValue


@SETTINGS
@given(quantities)
def test_a_quantity_written_plainly_reads_back_as_itself(number):
    assert parse_quantity(format(number, "f")) == number
    assert parse_quantity(str(number)) == number


@SETTINGS
@given(quantities, st.sampled_from(["us", "eu", "space"]))
def test_a_quantity_with_thousands_separators_is_itself_or_refused(number, style):
    text = format(number, ",f")
    if style == "eu":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    elif style == "space":
        text = text.replace(",", " ")
    got = _read_or_refuse(parse_quantity, text)
    assert got is BadValue or got == number, (text, got)


@SETTINGS
@given(st.floats(min_value=0, max_value=1e16, allow_nan=False, allow_infinity=False))
def test_a_number_cell_reads_as_excel_shows_it_or_is_refused(value):
    got = _read_or_refuse(parse_quantity, value)
    if got is not BadValue:
        shown = Decimal(format(value, ".15g"))
        assert got == shown or got == Decimal(repr(value)), (value, got)
        assert -got.as_tuple().exponent <= QUANTITY_PLACES


def _reading(text: str, decimal: str) -> Decimal | None:
    """An independent reading of `text` under one convention (`decimal` is "." or ","), or None."""
    group = "," if decimal == "." else "."
    d, g = re.escape(decimal), re.escape(group)
    if re.fullmatch(rf"(?:[0-9]+|[1-9][0-9]{{0,2}}(?:{g}[0-9]{{3}})+)?(?:{d}[0-9]+)?", text) and re.search("[0-9]", text):
        head, _, tail = text.replace(group, "").partition(decimal)
        return Decimal(f"{head or 0}.{tail or 0}")
    return None


@SETTINGS
@given(st.text(alphabet="0123456789.,", min_size=1, max_size=12))
def test_digit_and_separator_text_never_reads_two_ways(text):
    """A text that reads as two numbers under the two conventions is refused; any
    number returned is the one some convention gives."""
    point, comma = _reading(text, "."), _reading(text, ",")
    try:
        got = parse_quantity(text)
    except BadValue:
        return
    readings = {r for r in (point, comma) if r is not None}
    assert got in readings, (text, got, readings)
    assert len(readings) == 1, (text, got, readings)


hts_numbers = st.builds(lambda chapter, rest: f"{chapter:02d}{rest}",
                        st.integers(min_value=1, max_value=97),
                        st.sampled_from([4, 6, 8]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)))


@SETTINGS
@given(hts_numbers)
def test_an_hts_number_is_recovered_exactly_from_text_or_a_number_cell(digits):
    dotted = ".".join([digits[:4], digits[4:6]] + ([digits[6:]] if len(digits) > 6 else []))
    assert parse_hts(dotted) == digits
    assert parse_hts(int(digits)) == digits  # a number cell drops the chapter's leading zero
    if len(digits) == 6:
        # A number cell also drops trailing zeros: 7604.10 -> 7604.1 is recovered,
        # 7604.00 -> 7604 cannot be told from heading 7604 and is refused.
        assert _read_or_refuse(parse_hts, float(dotted)) in (digits, BadValue)
        if not digits.endswith("00"):
            assert parse_hts(float(dotted)) == digits


@SETTINGS
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)))
def test_a_date_reads_back_as_itself(day):
    assert parse_date(day.isoformat()) == day
    assert parse_date(datetime(day.year, day.month, day.day)) == day


cell_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
# openpyxl writes `_x0041_` unescaped and readers decode it: Excel itself escapes a
# typed `_x0041_` as `_x005F_x0041_` (ECMA-376 Part 1, 22.9.2.19 ST_Xstring).
_OOXML_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")


def _kept_or_refused(written: str, read) -> None:
    got = _read_or_refuse(parse_text, "" if read is None else read)
    assert got is BadValue or got == written.strip(), (written, read, got)


@SETTINGS
@given(st.lists(cell_text, min_size=1, max_size=8))
def test_any_text_in_a_csv_cell_is_read_back_exactly_or_refused(texts):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with (folder / "Items.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["item_id", "description"])
            for i, text in enumerate(texts):
                writer.writerow([f"I-{i}", text])
        try:
            source = read_source(folder)
            rows = [cells for _, cells in source.sheets["items"].rows]
        except ImportFailed:
            return
    assert rows[0] == ["item_id", "description"]
    assert len(rows) == len(texts) + 1
    for text, cells in zip(texts, rows[1:]):
        assert cells[0] == f"I-{texts.index(text)}" or cells[0].startswith("I-")
        assert cells[1] == text  # the reader keeps every character, line breaks included
        _kept_or_refused(text, cells[1])


xlsx_text = cell_text.filter(lambda t: not _OOXML_ESCAPE.search(t))


@SETTINGS
@given(st.lists(xlsx_text, min_size=1, max_size=8))
def test_any_text_in_an_xlsx_cell_is_read_back_exactly_or_refused(texts):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = Workbook()
    ws = wb.active
    ws.title = "Items"
    ws.append(["item_id", "description"])
    for i, text in enumerate(texts):
        # Control characters cannot stand in the XML; Excel stores them escaped.
        ws.append([f"I-{i}", ILLEGAL_CHARACTERS_RE.sub(lambda m: f"_x{ord(m[0]):04X}_", text)])
        ws.cell(row=i + 2, column=2).data_type = "s"
    with tempfile.TemporaryDirectory() as tmp:
        wb.save(Path(tmp) / "book.xlsx")
        try:
            rows = [cells for _, cells in read_source(Path(tmp) / "book.xlsx").sheets["items"].rows]
        except ImportFailed:
            return
    for text, cells in zip(texts, rows[1:]):
        read = cells[1] if len(cells) > 1 else None
        if text.strip():
            assert read is not None
        _kept_or_refused(text, read)
