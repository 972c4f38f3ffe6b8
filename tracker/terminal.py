"""Text shown in a terminal: supplier data never drives the terminal.

A supplier's cell may hold escape sequences (`ESC [ 2 J` clears the screen, an
OSC 8 sequence plants a link, OSC 52 writes the clipboard) or Unicode
direction overrides that make a terminal show text in another order than it is
stored. Everything printed from the database goes through `printable`, which
shows each such character as a visible escape (`\\x1b`, `\\u202e`) instead of
sending it: the reader sees that something odd is stored, and exactly what.
"""

from __future__ import annotations

import re

__all__ = ["printable"]

# C0 controls except tab and newline, DEL, C1 controls, and the bidirectional
# embedding/override/isolate characters (Unicode TR9; CVE-2021-42574).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def printable(text: str) -> str:
    """`text` with every control and direction-override character shown as an escape."""
    return _UNSAFE.sub(_escape, text)
