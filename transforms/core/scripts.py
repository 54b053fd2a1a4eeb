"""Writing-system facts every matcher shares: one table for Arabic-script letters, one rule for joiners.

Entity matching (``entities.py``), date names (``dates.py``) and boilerplate phrases (``textclean.py``)
all compare Arabic and Persian words; they used to carry three tables that disagreed on the zero-width
non-joiner (ZWNJ): one read it as a space, two deleted it. A ZWNJ (and a ZWJ, a tatweel, a stray BOM)
only shapes letters: it sits *inside* a word ("روسیه‌ای", "می‌گوید"), never between two. So:

- ``fold_letters`` maps letter variants a reader does not tell apart (Arabic yeh/alef maksura and kaf
  to the Persian yeh and keheh) one to one: the length never changes, so spans stay valid;
- ``WORD`` is a word character class in which the joiners count as letters, for matchers that keep
  offsets;
- ``key`` is the lookup key of a name, where joiners are dropped and letters folded.
"""
from __future__ import annotations

import re

# Letter variants: Arabic yeh, alef maksura -> Persian yeh; Arabic kaf -> keheh.
LETTER_FOLD: dict[str, str] = {"ي": "ی", "ى": "ی", "ك": "ک"}
# Characters that join or stretch letters inside a word: ZWNJ, ZWJ, tatweel, BOM (zero-width no-break space).
JOINERS = "\u200c\u200d\u0640\ufeff"

_LETTERS = str.maketrans(LETTER_FOLD)
_KEY = str.maketrans({**LETTER_FOLD, **{j: None for j in JOINERS}})
_FOLDABLE = re.compile("[" + "".join(LETTER_FOLD) + "]")
# A word character, joiners included: [\w<joiners>]. Use it where a word boundary is decided.
WORD = r"[\w" + JOINERS + "]"
WORD_RUN = re.compile(WORD + "+")


def fold_letters(s: str) -> str:
    """Arabic-script letter variants folded, one character for one: ``len(fold_letters(s)) == len(s)``."""
    return s.translate(_LETTERS) if _FOLDABLE.search(s) else s


def strip_joiners(s: str) -> str:
    """Letter variants folded and joiners removed: the key under which two spellings of a word meet."""
    return s.translate(_KEY)


def is_word_char(ch: str) -> bool:
    """True for letters, digits, underscore and the joiners: what may continue a word."""
    return ch.isalnum() or ch == "_" or ch in JOINERS


def is_arabic_script(s: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or "\ufb50" <= ch <= "\ufdff"
               for ch in s)
