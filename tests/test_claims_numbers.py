"""Written numbers: fractions, long-scale compounds, and the Romance number words, on the languages' own grammar."""
from __future__ import annotations

from pathlib import Path

import pytest

from transforms.core.claims import ClaimKnowledge
from transforms.core.claims.numbers import find_numbers, find_quantities

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def lex():
    return ClaimKnowledge.load(ROOT / "configs").lexicons


def values(lex, lang: str, text: str) -> list[float]:
    return [round(n.value, 4) for n in find_numbers(text, lex[lang])]


@pytest.mark.parametrize("lang, text, want", [
    ("en", "two thirds of voters", [0.6667]),
    ("en", "a quarter of the budget", [0.25]),
    ("en", "one and a half", [1.5]),
    ("en", "twenty-three fifths", [4.6]),                      # the whole run is the numerator
    ("en", "twenty and three fifths", [20.6]),                 # before the last "and": the whole part
    ("en", "one hundred and three quarters", [100.75]),
    ("fr", "deux tiers des électeurs", [0.6667]),
    ("es", "tres cuartos", [0.75]),
    ("pt", "dois terços", [0.6667]),
    ("de", "zwei Drittel", [0.6667]),
])
def test_fractions(lex, lang, text, want):
    assert values(lex, lang, text) == want


def test_an_ordinal_is_not_a_fraction_and_a_fraction_is_not_a_count(lex):
    assert values(lex, "en", "on the third day") == []
    assert values(lex, "en", "the fifth of November") == []
    # "one and a half million people" is a count; "two thirds of the 61 dead" counts the 61 only
    assert [(q.value, q.unit) for q in find_quantities("one and a half million people fled", lex["en"])] == \
        [(1_500_000.0, "person")]
    assert [(q.value, q.unit) for q in find_quantities("two thirds of the 61 dead were civilians", lex["en"])] == \
        [(61.0, "death")]


@pytest.mark.parametrize("lang, text, want", [
    ("es", "dos mil millones", 2e9),                            # long scale: mil millones is a billion
    ("es", "tres billones cuatrocientos cincuenta y cinco mil doscientos veintiocho millones", 3_455_228_000_000),
    ("en", "two million three hundred thousand", 2_300_000),    # a smaller scale after a larger one adds
    ("en", "one thousand million", 1e9),
    ("es", "trescientos cuarenta y siete", 347),
    ("es", "mil quinientos veintitrés", 1523),                  # "mil" alone is a thousand
    ("pt", "duzentos e vinte e cinco", 225),
    ("fr", "quatre-vingt-dix-neuf", 99),
])
def test_compound_numbers(lex, lang, text, want):
    assert values(lex, lang, text) == [want]
