"""Parsing spreadsheet cells into the value formats of supplier-workbook-v1.

Every parser takes whatever a cell held (text, a number, an Excel date, None)
and returns the stored form, or raises `BadValue` with a message meant for the
person who filled in the sheet. Empty cells are handled by the caller.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, Callable

__all__ = ["BadValue", "AmbiguousNumber", "is_empty", "parse_id", "parse_text", "parse_country",
           "parse_date", "parse_quantity", "read_number", "parse_hts", "parse_hts_prefix",
           "parse_sha256", "vocab_parser", "parser_for", "country_name", "excel_error",
           "QUANTITY_PLACES", "EXCEL_ERRORS"]

QUANTITY_PLACES = 6  # decimals kept for quantities and values; a value with more is refused
_MAX_QUANTITY = Decimal(10) ** 17
MAX_ID = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
# Text keeps tab and line breaks (Alt+Enter in Excel); any other control character
# is refused: a NUL cannot be stored on PostgreSQL and escapes rewrite a terminal.
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MAX_TEXT = 32_767  # Excel's own limit for a cell
# The error values Excel shows in a cell (Microsoft, "Detect errors in formulas";
# the last ones come with dynamic arrays and data types).
EXCEL_ERRORS = frozenset({"#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!",
                          "#UNKNOWN!", "#GETTING_DATA"})


class BadValue(ValueError):
    """A cell that cannot be read as the kind its column needs."""


class AmbiguousNumber(BadValue):
    """Text such as `1.200` that is a different number under each convention.

    `readings` maps the convention ("point": decimal point, comma for
    thousands; "comma": the reverse) to the number it gives. The importer
    settles it when the rest of the column shows its convention.
    """

    def __init__(self, message: str, readings: dict[str, Decimal]):
        super().__init__(message)
        self.readings = readings


def excel_error(value: Any) -> str | None:
    """The Excel error value (`#N/A`, `#REF!`, ...) a cell holds as text, else None."""
    if type(value) is str and value[:1] == "#":
        upper = value.strip().upper()
        if upper in EXCEL_ERRORS:
            return upper
    return None


def _refuse_error_value(text: str) -> None:
    error = excel_error(text)
    if error:
        raise BadValue(f"the cell holds the Excel error {error}: fix the formula or type the value "
                       "(leave the cell empty when there is none)")


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _show(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _cell_text(value: Any) -> str:
    if type(value) is str:  # most cells: skip the conversions below
        text = value.strip()
    else:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime):
            value = value.date() if value.time() == datetime.min.time() else value
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise BadValue(f"text longer than {MAX_TEXT} characters")
    if text[:1] == "#":
        _refuse_error_value(text)
    return text


def parse_text(value: Any) -> str:
    text = _cell_text(value)
    control = _TEXT_CONTROL.search(text)
    if control:
        raise BadValue(f"{_show(text)} contains a control character (U+{ord(control[0]):04X}): "
                       "delete it and type the text again")
    return text


def parse_id(value: Any) -> str:
    if isinstance(value, bool):
        raise BadValue(f"expected an identifier, got {value}")
    text = _cell_text(value)
    if len(text) > MAX_ID:
        raise BadValue(f"identifier longer than {MAX_ID} characters")
    if _CONTROL.search(text):
        raise BadValue(f"identifier {_show(text)} contains control characters")
    if not text.isascii():
        # Zero-width and bidirectional marks (Unicode category Cf) make two ids that
        # look the same differ, or one id display as another (CVE-2021-42574).
        hidden = next((ch for ch in text if unicodedata.category(ch) == "Cf"), None)
        if hidden:
            raise BadValue(f"identifier {_show(text)} contains the invisible character "
                           f"U+{ord(hidden):04X} ({unicodedata.name(hidden, 'format character')}): "
                           "type the identifier again")
    return text


def _fold(name: str) -> str:
    """Lower case, accents and punctuation dropped: 'Viet Nam' and 'Vietnam' fold alike."""
    name = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in name if ch.isalnum())


@cache
def _country_index() -> tuple[dict[str, str], dict[str, str]]:
    """(ISO code as written in capitals -> alpha-2, folded name -> alpha-2).

    Codes match only when the cell holds just the letters: folding punctuation
    away would read `N/A` as NA, Namibia.
    """
    import pycountry  # imported here: it loads a large database

    from .schemas import _toml

    codes: dict[str, str] = {}
    names: dict[str, str] = {}
    for c in pycountry.countries:
        codes[c.alpha_2] = codes[c.alpha_3] = c.alpha_2
        for attr in ("name", "common_name", "official_name"):
            text = getattr(c, attr, None)
            if text:
                names.setdefault(_fold(text), c.alpha_2)
    for alias, code in _toml("country_aliases.toml").get("aliases", {}).items():
        names[_fold(alias)] = code.upper()
    return codes, names


@cache
def country_name(code: str | None) -> str:
    """The English short name of an alpha-2 code, for reports."""
    if not code:
        return ""
    import pycountry

    c = pycountry.countries.get(alpha_2=code)
    return getattr(c, "common_name", None) or getattr(c, "name", code) if c else code


# What people write for "no country" that folds to a code or looks like one.
_NOT_A_COUNTRY = {"na", "nan", "none", "null", "nil", "tbd", "unknown", "notapplicable"}


def parse_country(value: Any) -> str:
    text = parse_text(value)
    codes, names = _country_index()
    if 2 <= len(text) <= 3 and text.isascii() and text.isalpha():
        upper = text.upper()
        if upper == "NA":
            raise BadValue(f"{_show(text)} is ambiguous: Namibia or 'not applicable'? "
                           "Write Namibia, NAM or leave it empty")
        if upper in codes:
            return codes[upper]
    # Folding drops spaces, punctuation and accents; a symbol or a replacement character
    # (U+FFFD: a byte the file's encoding could not read) is not something to drop silently.
    odd = next((ch for ch in text if unicodedata.category(ch) in ("So", "Sk", "Sm", "Sc", "Co", "Cn", "Cs", "Cc")),
               None)
    if odd is not None:
        raise BadValue(f"{_show(text)} holds U+{ord(odd):04X} ({unicodedata.name(odd, 'unnamed')}), which no "
                       "country name has: type the country again")
    folded = _fold(text)
    code = names.get(folded)
    if code is None:
        if folded in _NOT_A_COUNTRY:
            raise BadValue(f"{_show(text)} is not a country: leave the cell empty when there is none, "
                           "or write the country")
        raise BadValue(f"unknown country {_show(text)}: use an ISO code (VN, VNM) or the English name, "
                       "or add this spelling to schemas/country_aliases.toml")
    return code


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise BadValue(f"expected a date, got the number {value}: format the cell as a date or type YYYY-MM-DD")
    text = parse_text(value)
    text = text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[T ]00:00(:00)?$", text) else text
    m = _ISO_DATE.match(text)
    if not m:
        raise BadValue(f"expected a date as YYYY-MM-DD, got {_show(text)}")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise BadValue(f"{text} is not a real date") from None


def parse_quantity(value: Any) -> Decimal:
    """A number >= 0 with at most QUANTITY_PLACES decimals, never rounded.

    Text may group thousands (`1,200.50`, `1.200,50`); text that reads as two
    different numbers (`1.200`, `1,200`) raises AmbiguousNumber.
    """
    return read_number(value)[0]


def read_number(value: Any) -> tuple[Decimal, str | None]:
    """(the quantity, the decimal convention its text shows: "point", "comma" or None)."""
    if type(value) is int:
        return _checked(Decimal(value), value), None
    if isinstance(value, bool):
        raise BadValue(f"expected a number, got {value}")
    if isinstance(value, float):
        return _checked(_float_decimal(value), value), None
    if isinstance(value, (date, datetime)):
        raise BadValue(f"expected a number, got the date {value}")
    text = str(value).strip()
    if "," not in text and "." not in text:
        return _checked(_decimal(text, value), value), None
    number, convention = _separated(text)
    if isinstance(number, dict):
        readings = {k: _checked(v, value) for k, v in number.items()}
        point, comma = readings["point"], readings["comma"]
        raise AmbiguousNumber(f"{_show(text)} is ambiguous: {_plain(point)} with a decimal point, "
                              f"{_plain(comma)} with a decimal comma; write it without a thousands "
                              "separator, or with both separators (1,200.50)", readings)
    return _checked(number, value), convention


def _plain(number: Decimal) -> str:
    return format(number, "f")


def _decimal(text: str, shown: Any) -> Decimal:
    _refuse_error_value(text)
    if not text.isascii():
        raise BadValue(f"expected a number, got {_show(shown)}")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise BadValue(f"expected a number, got {_show(shown)}") from None


_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_GROUPED = {sep: re.compile(r"[1-9][0-9]{0,2}(?:" + re.escape(sep) + r"[0-9]{3})+", re.ASCII) for sep in ".,"}


def _separated(text: str) -> tuple[Decimal | dict[str, Decimal], str | None]:
    """Text with dots or commas: the number and the convention it shows.

    One separator followed by exactly three digits (`1.200`) is ambiguous and
    comes back as a dict of both readings.
    """
    last = max(text.rfind("."), text.rfind(","))
    decimal_sep = text[last]
    head, tail = text[:last], text[last + 1:]
    other = "," if decimal_sep == "." else "."
    convention = "point" if decimal_sep == "." else "comma"
    if decimal_sep in head:  # 1,200,000 or 1.200.000: the only separator groups thousands
        if _GROUPED[decimal_sep].fullmatch(text):
            return _decimal(text.replace(decimal_sep, ""), text), ("comma" if convention == "point" else "point")
        raise BadValue(f"expected a number, got {_show(text)}")
    if not _DIGITS.fullmatch(tail) and not (decimal_sep == "." and not head.count(",") and "e" in tail.lower()):
        raise BadValue(f"expected a number, got {_show(text)}")
    if other in head:
        if not _GROUPED[other].fullmatch(head):
            raise BadValue(f"expected a number, got {_show(text)}")
        head = head.replace(other, "")
    elif len(tail) == 3 and _GROUPED[decimal_sep].fullmatch(text):
        as_decimal = _decimal(f"{head}.{tail}", text)
        as_thousands = _decimal(head + tail, text)
        if decimal_sep == ".":
            return {"point": as_decimal, "comma": as_thousands}, None
        return {"point": as_thousands, "comma": as_decimal}, None
    if head and not _DIGITS.fullmatch(head):
        raise BadValue(f"expected a number, got {_show(text)}")
    return _decimal(f"{head or '0'}.{tail}", text), convention


def _float_decimal(value: float) -> Decimal:
    """A numeric cell's value. Excel shows and keeps 15 significant digits; binary
    noise beyond them (0.1+0.2 = 0.30000000000000004) is not the supplier's."""
    number = Decimal(repr(value))
    if number.as_tuple().exponent < -QUANTITY_PLACES:
        shown = Decimal(format(value, ".15g"))
        if shown.normalize().as_tuple().exponent >= -QUANTITY_PLACES:
            return shown
    return number


def _checked(number: Decimal, value: Any) -> Decimal:
    if not number.is_finite():
        raise BadValue(f"expected a number, got {_show(value)}")
    if number < 0:
        raise BadValue(f"must be 0 or more, got {value}")
    if number >= _MAX_QUANTITY:
        raise BadValue(f"{value} is too large")
    if not number:
        return Decimal(0)
    # Normalised so that 2400000, 2400000.0 and 2.4E6 compare and hash alike.
    number = number.normalize()
    if number.as_tuple().exponent < -QUANTITY_PLACES:
        raise BadValue(f"{_show(value)} has more than {QUANTITY_PLACES} decimals, which tracker does not "
                       "keep: round it in the sheet to the precision you mean")
    return number


def _hts_text(value: Any) -> str:
    if isinstance(value, bool):
        raise BadValue(f"expected an HTS number, got {value}")
    text = parse_text(value)
    digits = re.sub(r"[.\s]", "", text)
    if not digits.isdigit() or not digits.isascii():
        raise BadValue(f"expected an HTS number of digits, dots and spaces, got {_show(text)}")
    return digits


def _hts_from_number(value: int | float) -> str:
    """An HTS number typed into a number cell, recovered exactly.

    A number cell drops the leading zero of chapters 01-09 (0409.00.0010 ->
    409000010) and trailing zeros (7326.20 -> 7326.2). An HTS number has 4
    digits before its first dot and 6, 8 or 10 digits in all (HTSUS General
    Notes 1 and 3), so the digits lost are known: a 3-digit heading or an odd
    digit count lost one leading zero; a short tail lost trailing zeros.
    """
    if isinstance(value, float) and not value.is_integer():
        head, _, tail = repr(value).partition(".")
        if not head.isdigit() or len(head) not in (3, 4) or len(tail) > 6:
            raise BadValue(f"{value} is not an HTS number: type it as text, e.g. 7604.29.1000")
        width = next(w for w in (2, 4, 6) if len(tail) <= w)
        return head.zfill(4) + tail.ljust(width, "0")
    digits = str(int(value))
    return "0" + digits if len(digits) % 2 else digits


def parse_hts(value: Any) -> str:
    if type(value) in (int, float):
        digits = _hts_from_number(value)
    else:
        digits = _hts_text(value)
    if len(digits) not in (6, 8, 10):
        raise BadValue(f"an HTS number has 6, 8 or 10 digits, got {len(digits)} in {_show(value)}")
    return digits


def parse_hts_prefix(value: Any) -> str:
    if type(value) in (int, float):
        # A prefix may have any length, so a number cell's lost zeros cannot be told.
        raise BadValue(f"the HTS prefix {value} is in a number cell, which drops leading and trailing "
                       "zeros: type it as text (format the column as Text), e.g. 7604.29")
    digits = _hts_text(value)
    if not 2 <= len(digits) <= 10:
        raise BadValue(f"an HTS prefix has 2 to 10 digits, got {len(digits)} in {_show(value)}")
    return digits


def parse_sha256(value: Any) -> str:
    text = parse_text(value).lower()
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise BadValue(f"a SHA-256 is 64 hex characters, got {_show(text)}")
    return text


_WORD_GAP = re.compile(r"[\s-]+")


def vocab_parser(name: str) -> Callable[[Any], str]:
    from .schemas import vocabulary

    words = vocabulary()[name]
    exact = {w: w for w in words}
    lookup = {w.casefold(): w for w in words}

    def parse(value: Any) -> str:
        text = parse_text(value)
        word = exact.get(text) or lookup.get(_WORD_GAP.sub("_", text).casefold()) or lookup.get(text.casefold())
        if word is None:
            shown = ", ".join(words) if len(words) <= 12 else ", ".join(words[:12]) + ", ..."
            raise BadValue(f"{_show(text)} is not a {name.replace('_', ' ')}; use one of: {shown}")
        return word

    return parse


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "id": parse_id, "text": parse_text, "country": parse_country, "date": parse_date,
    "quantity": parse_quantity, "hts": parse_hts, "hts_prefix": parse_hts_prefix,
    "sha256": parse_sha256,
}


def parser_for(kind: str) -> Callable[[Any], Any]:
    """The parser for a column kind of schemas/workbook.toml."""
    if kind.startswith("vocab:"):
        return vocab_parser(kind.split(":", 1)[1])
    return _PARSERS[kind]
