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
    ("it", "duecentocinquanta", 250),                           # Italian writes a number as one word
    ("it", "tremilacinquecento", 3500),
    ("it", "ventotto", 28),                                     # venti elided before otto
    ("nl", "vijfentwintig", 25),                                # Dutch glues with "en" (its own glue_words)
    ("nl", "tweeduizenddriehonderd", 2300),
    ("sv", "tjugofem", 25),
    ("sv", "tvåtusentrehundra", 2300),
])
def test_compound_numbers(lex, lang, text, want):
    assert values(lex, lang, text) == [want]


@pytest.mark.parametrize("lang, text, want", [
    ("zh", "这是7千元", [7000]),                 # a digit count before a multiplier word
    ("ja", "これは7百円です", [700]),
    ("zh", "3万4500吨", [34500]),                # a smaller number after 万 adds to it
    ("ja", "29万1,890メートルトン", [291890]),
    ("ja", "1万6千メートルトン", [16000]),
    ("ja", "114兆3812億円", [114_381_200_000_000]),
    ("ja", "1万億円", [1e12]),
    ("zh", "2019年3万人", [2019, 30000]),         # not next to each other: two numbers
    ("ko", "7천 5백만 달러", [75_000_000]),         # a large scale takes the small-scale number before it
    ("zh", "7千5百万", [75_000_000]),
    ("ko", "1천 640만 캐나다 달러", [16_400_000]),
    ("ko", "2억 8천만 달러", [280_000_000]),
    ("ko", "1만 2천 345 달러", [12345]),          # and smaller parts go on after a large one
    ("ko", "2019 3만명", [2019, 30000]),          # a number with no scale before a scaled one is another number
])
def test_digits_mixed_with_cjk_numerals_are_one_number(lex, lang, text, want):
    assert values(lex, lang, text) == want


def test_a_multiplier_that_opens_a_unit_is_the_units(lex):
    # 千克 is the kilogram, not a thousand grams; 千米 the kilometre
    assert [(q.value, q.unit) for q in find_quantities("1千克", lex["zh"])] == [(1.0, "kg")]
    assert [(q.value, q.unit) for q in find_quantities("走了3千米", lex["zh"])] == [(3.0, "km")]


@pytest.mark.parametrize("lang, text, want", [
    ("zh", "三分之一的人", [0.3333]),             # the denominator first
    ("ja", "宿題の3分の2が終わりました", [0.6667]),
    ("zh", "十分之九", [0.9]),
    ("ja", "30分の会議", [30]),                  # "分" of minutes, no numerator after it
])
def test_cjk_fractions_name_the_denominator_first(lex, lang, text, want):
    assert values(lex, lang, text) == want
    # a share, never a claim by itself
    assert not [q for q in find_quantities(text, lex[lang]) if q.value < 1]


def test_a_chinese_percentage_is_a_percentage_not_a_hundred_cents(lex):
    def got(text):
        return [(q.value, q.unit) for q in find_quantities(text, lex["zh"])]
    assert got("支持率为百分之五十三") == [(53.0, "percent")]
    assert got("增长了百分之3.5") == [(3.5, "percent")]
    # the unit named is the whole prefix word, not its first letter
    text = "支持率为百分之五十三"
    assert [text[q.counted_start:q.counted_end] for q in find_quantities(text, lex["zh"])] == ["百分之"]
    text = "enflasyon yüzde 45 oldu"
    assert [text[q.counted_start:q.counted_end] for q in find_quantities(text, lex["tr"])] == ["yüzde"]


@pytest.mark.parametrize("lang, text, want", [
    ("ja", "速度は時速120キロメートルです", (120.0, "kmh")),
    ("ja", "時速約300キロで走行", (300.0, "kmh")),     # a modifier between them
    ("ja", "速度は毎秒23メートルです", (23.0, "metre/second")),
    ("zh", "时速120公里", (120.0, "kmh")),
    ("ja", "時速188マイル", (188.0, "mph")),
    ("tr", "Fırtına saatte 120 kilometre hızla esti", (120.0, "kmh")),    # a speed already: no second rate
])
def test_a_rate_word_before_the_number_makes_a_rate(lex, lang, text, want):
    assert [(q.value, q.unit) for q in find_quantities(text, lex[lang])] == [want]


def test_full_width_decimal_points_and_groups_are_read_inside_numbers_only():
    from transforms.core.digits import normalize_digits
    assert normalize_digits("２．４パーセント") == "2.4パーセント"
    assert normalize_digits("1，000元") == "1,000元"
    assert normalize_digits("他说3，但是") == "他说3，但是"       # a clause comma stays
    assert normalize_digits("3，4号") == "3，4号"


def test_glue_words_are_a_languages_own(lex):
    # Dutch "en" joins number words and an amount to its cents; in French it means "in" and joins nothing
    assert values(lex, "fr", "de deux en trois ans") == [2, 3]
    assert [(q.value, q.unit) for q in find_quantities("3 euro en 50 cent", lex["nl"])] == [(3.5, "EUR")]
    assert [(q.value, q.unit) for q in find_quantities("13 dollars and 45 cents", lex["en"])] == [(13.45, "USD")]


def test_a_unit_with_a_suffix_after_an_apostrophe_is_a_unit_where_words_take_suffixes(lex):
    # Turkish "$'lık", "$'dan"; in French an apostrophe after "l" elides an article ("14 millions l'année")
    assert [(q.value, q.unit) for q in find_quantities("1 milyar $'lık bir dava", lex["tr"])] == [(1e9, "USD")]
    assert [(q.value, q.unit) for q in find_quantities("8,50 $'a mal oluyor", lex["tr"])] == [(8.5, "USD")]
    assert not [q for q in find_quantities("14 millions l'année", lex["fr"]) if q.unit == "litre"]


def test_a_unit_glued_to_digits_with_its_suffix_is_read_where_words_take_suffixes(lex):
    # Korean "29살이야" (29 years old + a particle); in English "30MK2" stays a model code
    assert [(q.value, q.unit) for q in find_quantities("나는 겨우 29살이야!", lex["ko"])] == [(29.0, "age_year")]
    assert [(q.value, q.unit) for q in find_quantities("12명이 사망했다", lex["ko"])] == [(12.0, "death")]
    assert values(lex, "en", "the Su-30MK2 jet") == []
