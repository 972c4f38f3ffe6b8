"""Canonical JSON and SHA-256: the only bytes the audit trail ever hashes.

The canonical form is `json.dumps(obj, sort_keys=True, separators=(",", ":"))`
(ASCII, `\\uXXXX` escapes). orjson writes the same bytes for ASCII text at five
times the speed, so it is used whenever the result is pure ASCII; other text
falls back to the standard library so the bytes never depend on which path
ran. Values are first made JSON-safe: decimals become their shortest exact
string, dates ISO text; floats never reach the hash.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

__all__ = ["canonical_json", "sha256_hex", "jsonable", "decimal_text", "file_sha256"]


def decimal_text(value: Decimal) -> str:
    """Shortest exact text: Decimal('2400000.000000') -> '2400000'."""
    if not value:
        return "0"
    return format(value.normalize(), "f")


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return decimal_text(Decimal(repr(value)))
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return str(value)


def _orjson_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_text(value)
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def canonical_json(obj: Any) -> str:
    """`obj` as canonical JSON text.

    Precondition: no floats (quantities are Decimals). Decimals, dates and
    datetimes are written as `jsonable` would write them, without a pass over
    the object first.
    """
    try:
        data = orjson.dumps(obj, default=_orjson_default, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        data = orjson.dumps(jsonable(obj), option=orjson.OPT_SORT_KEYS)
    # json.dumps escapes DEL (0x7f) and everything above it; orjson does not.
    if data.isascii() and b"\x7f" not in data:
        return data.decode("ascii")
    return json.dumps(jsonable(obj), sort_keys=True, separators=(",", ":"))


def sha256_hex(text: str | bytes) -> str:
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
