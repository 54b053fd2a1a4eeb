"""Entity matching: the word-indexed matcher finds exactly what one big alias regex would, only faster."""
from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings, strategies as st

from transforms.core.entities import EntityLexicon, EntityMention, _fold, _is_arabic_script

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))

LEX = EntityLexicon.from_mapping({
    "place:russia": {"type": "place", "name": "Russia", "aliases": ["Russia", "Russian", "Nga", "روسیه", "Россия"]},
    "place:united_states": {"type": "place", "name": "United States",
                            "aliases": ["United States", "US", "U.S.", "Hoa Kỳ", "آمریکا", "ایالات متحده"]},
    "place:united_kingdom": {"type": "place", "name": "United Kingdom", "aliases": ["United Kingdom"]},
    "org:cnn": {"type": "organisation", "name": "CNN", "aliases": ["CNN"]},
    "person:peskov": {"type": "person", "name": "Dmitry Peskov", "aliases": ["Peskov", "Dmitry Peskov", "پسکوف"]},
    "place:kerman": {"type": "place", "name": "Kerman", "aliases": ["کرمان"]},
    "place:kermanshah": {"type": "place", "name": "Kermanshah", "aliases": ["کرمانشاه"]},
})


def _reference(lex: EntityLexicon, text: str) -> list[EntityMention]:
    """The matcher as it was: one alternation, Latin aliases first, longest first."""
    latin = sorted((a for a in lex.alias_to_id if not _is_arabic_script(a)), key=lambda a: (-len(a), a))
    arabic = sorted((a for a in lex.alias_to_id if _is_arabic_script(a)), key=lambda a: (-len(a), a))
    parts = [r"(?<!\w)(?:" + "|".join(map(re.escape, latin)) + r")(?!\w)"] if latin else []
    if arabic:
        parts.append(r"(?<!\w)(?:" + "|".join(map(re.escape, arabic)) + r")")
    found = [(m.start(), m.end(), lex.alias_to_id[m.group(0)]) for m in re.compile("|".join(parts)).finditer(_fold(text))]
    acr = sorted(lex.acronym_to_id, key=lambda a: (-len(a), a))
    found += [(m.start(), m.end(), lex.acronym_to_id[m.group(0)])
              for m in re.finditer(r"(?<![\w.])(?:" + "|".join(map(re.escape, acr)) + r")(?![\w])", text)]
    found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    out, last = [], -1
    for s, e, eid in found:
        if s >= last:
            out.append(EntityMention(s, e, eid, lex.entities[eid].type, text[s:e]))
            last = e
    return out


def test_longest_alias_and_boundaries():
    text = "Dmitry Peskov said the United States and Russian jets; Russians and USA are not aliases."
    got = [(m.text, m.entity_id) for m in LEX.find(text)]
    assert got == [("Dmitry Peskov", "person:peskov"), ("United States", "place:united_states"),
                   ("Russian", "place:russia")]


def test_arabic_script_suffixes_and_keheh_yeh_folding():
    text = "پسکوف گفت روسیه‌ای‌ها و ایالات متحده‌ی آمریكا در کرمانشاه"   # Arabic kaf in آمریكا
    got = [(m.text, m.entity_id) for m in LEX.find(text)]
    assert got == [("پسکوف", "person:peskov"), ("روسیه", "place:russia"), ("ایالات متحده", "place:united_states"),
                   ("آمریكا", "place:united_states"), ("کرمانشاه", "place:kermanshah")]
    for m in LEX.find(text):
        assert text[m.start:m.end] == m.text


def test_acronyms_need_their_case():
    assert [m.entity_id for m in LEX.find("CNN reported it; help us, cnn.")] == ["org:cnn"]


def test_same_as_reference_on_seeds_and_config_lexicon():
    lex = EntityLexicon.load_dir(ROOT / "configs" / "entities")
    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    assert texts, "seeds missing"
    for text in texts:
        assert lex.find(text) == _reference(lex, text)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["Russia", "Russian", "russians", "United", "States", "United States", "US",
                                 "U.S.", "us", "Peskov", "Dmitry", "روسیه", "ای", "‌ها", "کرمان", "شاه", "کرمانشاه",
                                 "ایالات", "متحده", "Hoa Kỳ", "Nga", "CNN", " ", ", ", ".", "-", "_", "x"]),
                max_size=14))
def test_same_as_reference_on_generated_text(parts):
    text = "".join(p if p in (" ", ", ", ".", "-", "_") else p + " " for p in parts)
    assert LEX.find(text) == _reference(LEX, text)
