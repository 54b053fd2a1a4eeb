"""Entity matching: token boundaries in every script, and the word-indexed matcher finds exactly what
one big alias regex with the same rules would, only faster."""
from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.core.entities import (
    EntityLexicon,
    EntityMention,
    _fold,
    _is_arabic_script,
    _is_cjk_alias,
)
from transforms.core.scripts import JOINERS, WORD

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))

SCRIPTS = {"arabic_suffixes": ["ی", "ای", "ها", "های"], "homographs": ["مالی"], "not_names": ["Chủ Nhật"]}
LEX = EntityLexicon.from_mapping({
    "place:russia": {"type": "place", "name": "Russia", "aliases": ["Russia", "Russian", "Nga", "روسیه", "Россия"]},
    "place:united_states": {"type": "place", "name": "United States",
                            "aliases": ["United States", "US", "U.S.", "Hoa Kỳ", "آمریکا", "ایالات متحده"]},
    "place:united_kingdom": {"type": "place", "name": "United Kingdom", "aliases": ["United Kingdom"]},
    "org:cnn": {"type": "organisation", "name": "CNN", "aliases": ["CNN"]},
    "person:peskov": {"type": "person", "name": "Dmitry Peskov", "aliases": ["Peskov", "Dmitry Peskov", "پسکوف"]},
    "place:kerman": {"type": "place", "name": "Kerman", "aliases": ["کرمان"]},
    "place:kermanshah": {"type": "place", "name": "Kermanshah", "aliases": ["کرمانشاه"]},
    "place:peru": {"type": "place", "name": "Peru", "aliases": ["Peru", "پرو", "ペルー", "秘鲁"]},
    "place:mali": {"type": "place", "name": "Mali", "aliases": ["Mali", "مالی", "جمهوری مالی"]},
    "place:japan": {"type": "place", "name": "Japan", "aliases": ["Japan", "Nhật", "Nhật Bản", "日本"]},
    "place:china": {"type": "place", "name": "China", "aliases": ["China", "中国", "Trung Quốc"]},
}, SCRIPTS)


def _reference(lex: EntityLexicon, text: str) -> list[EntityMention]:
    """The same rules as one alternation: Latin aliases first, longest first; Arabic-script aliases end
    at a word end, a joiner or a listed suffix; capitals of an alias are capitals in the text."""
    aliases = [a for a in lex.alias_to_id if not _is_cjk_alias(a)]
    latin = sorted((a for a in aliases if not _is_arabic_script(a)), key=lambda a: (-len(a), a))
    arabic = sorted((a for a in aliases if _is_arabic_script(a)), key=lambda a: (-len(a), a))
    nw = "(?!" + WORD + ")"
    parts = [r"(?<!" + WORD + r")(?:" + "|".join(map(re.escape, latin)) + r")" + nw] if latin else []
    if arabic:
        sufs = "|".join(map(re.escape, sorted(lex._suffixes, key=len, reverse=True)))
        parts.append(r"(?<!" + WORD + r")(?:" + "|".join(map(re.escape, arabic)) + r")(?=" + nw + "|[" + JOINERS
                     + "]" + (f"|(?:{sufs}){nw}" if sufs else "") + ")")
    found = []
    for m in re.compile("|".join(parts)).finditer(_fold(text)):
        caps = lex._caps.get(m.group(0), ())
        if all(text[m.start() + c].isupper() for c in caps):
            found.append((m.start(), m.end(), lex.alias_to_id[m.group(0)]))
    acr = sorted(lex.acronym_to_id, key=lambda a: (-len(a), a))
    found += [(m.start(), m.end(), lex.acronym_to_id[m.group(0)])
              for m in re.finditer(r"(?<![\w.])(?:" + "|".join(map(re.escape, acr)) + r")(?![\w])", text)]
    found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    out, last = [], -1
    for s, e, eid in found:
        if s >= last:
            last = e
            if eid:
                out.append(EntityMention(s, e, eid, lex.entities[eid].type, text[s:e]))
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


def test_arabic_script_aliases_end_at_a_word_end_a_joiner_or_a_suffix():
    got = [(m.text, m.entity_id) for m in LEX.find("پروژه‌های جدید در پرو و پروی و پروها")]
    assert got == [("پرو", "place:peru"), ("پرو", "place:peru"), ("پرو", "place:peru")]   # not پروژه "project"
    assert [m.entity_id for m in LEX.find("تأمین مالی خریدها")] == []                     # "financing", not Mali
    assert [m.text for m in LEX.find("سفیر جمهوری مالی گفت")] == ["جمهوری مالی"]


def test_vietnamese_names_are_capitalised_syllables():
    assert [m.entity_id for m in LEX.find("Hôm Chủ nhật, một chiếc máy bay")] == []    # Sunday
    assert [m.entity_id for m in LEX.find("Hôm Chủ Nhật ở Nhật Bản và Trung Quốc")] == ["place:japan", "place:china"]
    assert [m.text for m in LEX.find("do Nhật sản xuất")] == ["Nhật"]


def test_cjk_whole_run_rules():
    # katakana: the whole katakana run; Han: anywhere in a Han run (no boundary to see), two characters or more
    assert [m.text for m in LEX.find("ペルーとペルーシャ")] == ["ペルー"]
    assert [m.entity_id for m in LEX.find("日本と中国は秘鲁の")] == ["place:japan", "place:china", "place:peru"]
    for m in LEX.find("在秘鲁和中国之间"):
        assert m.text in ("秘鲁", "中国")


def test_zwnj_is_inside_a_word_in_every_matcher():
    from transforms.core import dates, scripts, textclean
    assert scripts.is_word_char("\u200c")
    assert re.fullmatch(WORD + "+", "روسیه\u200cای")
    # one key for the spellings with and without joiners and with Arabic letter variants
    assert dates._fold("اردی\u200cبهشت") == dates._fold("اردیبهشت") == dates._fold("اردي\u0640بهشت")
    assert textclean._fold("نظر\u200cها") == textclean._fold("نظرها")
    assert len(scripts.fold_letters("كيى\u200c")) == 4


def test_same_as_reference_on_seeds_and_config_lexicon():
    lex = EntityLexicon.load_dir(ROOT / "configs" / "entities")
    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    assert texts, "seeds missing"
    for text in texts:
        assert lex.find(text) == _reference(lex, text)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["Russia", "Russian", "russians", "United", "States", "United States", "US",
                                 "U.S.", "us", "Peskov", "Dmitry", "روسیه", "ای", "‌ها", "کرمان", "شاه", "کرمانشاه",
                                 "ایالات", "متحده", "Hoa Kỳ", "Nga", "CNN", " ", ", ", ".", "-", "_", "x",
                                 "پرو", "ژه", "ی", "\u200c", "مالی", "جمهوری", "Nhật", "nhật", "Chủ", "Bản"]),
                max_size=14))
def test_same_as_reference_on_generated_text(parts):
    text = "".join(p if p in (" ", ", ", ".", "-", "_") else p + " " for p in parts)
    assert LEX.find(text) == _reference(LEX, text)
