"""Digits of any script, normalised without moving a single character.

``normalize_digits`` maps every Unicode decimal digit (Persian ۶۱, Arabic-Indic
٦١, Devanagari, full-width...) to its ASCII digit, and the Arabic decimal and
thousands separators to '.' and ','. It never changes the length of the text,
so spans found in the normalised text index the stored text unchanged.
"""
from __future__ import annotations

import sys
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(sys.maxunicode + 1):
        if 0x30 <= cp <= 0x39:
            continue
        ch = chr(cp)
        d = unicodedata.decimal(ch, None)
        if d is not None and unicodedata.category(ch) == "Nd":
            table[cp] = str(d)
    table[0x066B] = "."   # ARABIC DECIMAL SEPARATOR
    table[0x066C] = ","   # ARABIC THOUSANDS SEPARATOR
    table[0x066A] = "%"   # ARABIC PERCENT SIGN
    table[0x060C] = ","   # ARABIC COMMA (keeps lists of numbers readable)
    return table


def normalize_digits(text: str) -> str:
    """Return ``text`` with ASCII digits; ``len(result) == len(text)`` always."""
    if text.isascii():
        return text
    return text.translate(_table())
