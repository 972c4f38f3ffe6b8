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

__all__ = ["BadValue", "is_empty", "parse_id", "parse_text", "parse_country", "parse_date",
           "parse_quantity", "parse_hts", "parse_hts_prefix", "parse_sha256", "vocab_parser",
           "parser_for", "country_name", "QUANTITY_PLACES"]

QUANTITY_PLACES = 6  # decimals kept for quantities and values; more are rounded
_QUANT = Decimal(1).scaleb(-QUANTITY_PLACES)
_MAX_QUANTITY = Decimal(10) ** 17
MAX_ID = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
MAX_TEXT = 32_767  # Excel's own limit for a cell


class BadValue(ValueError):
    """A cell that cannot be read as the kind its column needs."""


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _show(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def parse_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise BadValue(f"text longer than {MAX_TEXT} characters")
    return text


def parse_id(value: Any) -> str:
    if isinstance(value, bool):
        raise BadValue(f"expected an identifier, got {value}")
    text = parse_text(value)
    if len(text) > MAX_ID:
        raise BadValue(f"identifier longer than {MAX_ID} characters")
    if _CONTROL.search(text):
        raise BadValue(f"identifier {_show(text)} contains control characters")
    return text


def _fold(name: str) -> str:
    """Lower case, accents and punctuation dropped: 'Viet Nam' and 'Vietnam' fold alike."""
    name = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in name if ch.isalnum())


@cache
def _country_index() -> dict[str, str]:
    import pycountry  # imported here: it loads a large database

    from .schemas import _toml

    index: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "common_name", "official_name"):
            text = getattr(c, attr, None)
            if text:
                index.setdefault(_fold(text), c.alpha_2)
    for alias, code in _toml("country_aliases.toml").get("aliases", {}).items():
        index[_fold(alias)] = code.upper()
    return index


@cache
def country_name(code: str | None) -> str:
    """The English short name of an alpha-2 code, for reports."""
    if not code:
        return ""
    import pycountry

    c = pycountry.countries.get(alpha_2=code)
    return getattr(c, "common_name", None) or getattr(c, "name", code) if c else code


def parse_country(value: Any) -> str:
    text = parse_text(value)
    code = _country_index().get(_fold(text))
    if code is None:
        raise BadValue(f"unknown country {_show(text)}: use an ISO code (VN, VNM) or the English name")
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
    if isinstance(value, bool):
        raise BadValue(f"expected a number, got {value}")
    if isinstance(value, (date, datetime)):
        raise BadValue(f"expected a number, got the date {value}")
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, float) else Decimal(repr(value))
    except InvalidOperation:
        raise BadValue(f"expected a number, got {_show(value)}") from None
    if not number.is_finite():
        raise BadValue(f"expected a number, got {_show(value)}")
    if number < 0:
        raise BadValue(f"must be 0 or more, got {value}")
    if number >= _MAX_QUANTITY:
        raise BadValue(f"{value} is too large")
    number = number.quantize(_QUANT)
    # Normalised so that 2400000, 2400000.0 and 2.4E6 compare and hash alike.
    return number.normalize() if number else Decimal(0)


def _hts_digits(value: Any) -> str:
    if isinstance(value, bool):
        raise BadValue(f"expected an HTS number, got {value}")
    if isinstance(value, float) and not value.is_integer():
        # A numeric cell loses trailing zeros (7326.20 -> 7326.2): HTS numbers
        # have 4 digits before the first dot and 2, 4 or 6 after it.
        head, _, tail = repr(value).partition(".")
        width = next(w for w in (2, 4, 6, len(tail)) if len(tail) <= w)
        return head + tail.ljust(width, "0")
    text = parse_text(value)
    digits = re.sub(r"[.\s]", "", text)
    if not digits.isdigit() or not digits.isascii():
        raise BadValue(f"expected an HTS number of digits, dots and spaces, got {_show(text)}")
    return digits


def parse_hts(value: Any) -> str:
    digits = _hts_digits(value)
    if not 6 <= len(digits) <= 10:
        raise BadValue(f"an HTS number has 6 to 10 digits, got {len(digits)} in {_show(value)}")
    return digits


def parse_hts_prefix(value: Any) -> str:
    digits = _hts_digits(value)
    if not 2 <= len(digits) <= 10:
        raise BadValue(f"an HTS prefix has 2 to 10 digits, got {len(digits)} in {_show(value)}")
    return digits


def parse_sha256(value: Any) -> str:
    text = parse_text(value).lower()
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise BadValue(f"a SHA-256 is 64 hex characters, got {_show(text)}")
    return text


def vocab_parser(name: str) -> Callable[[Any], str]:
    from .schemas import vocabulary

    words = vocabulary()[name]
    lookup = {w.casefold(): w for w in words}

    def parse(value: Any) -> str:
        text = parse_text(value)
        word = lookup.get(re.sub(r"[\s-]+", "_", text).casefold()) or lookup.get(text.casefold())
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
