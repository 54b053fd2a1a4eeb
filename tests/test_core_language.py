"""Language ID: writing-system rules before langdetect, on real sentences and on the traps of rules."""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from transforms.core.language import (
    LangIdRules,
    LanguageSettings,
    default_rules,
    detect_language,
    supported_languages,
)

DATA = Path(__file__).parent / "data" / "langid" / "sentences.tsv"
SETTINGS = LanguageSettings()


def _sentences() -> list[tuple[str, str]]:
    rows = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            gold, text = line.split("\t", 1)
            rows.append((gold, text))
    return rows


def test_real_sentences_in_24_languages():
    by_lang: dict[str, Counter] = defaultdict(Counter)
    for gold, text in _sentences():
        by_lang[gold][detect_language(text, SETTINGS).lang == gold] += 1
    assert len(by_lang) == 24
    wrong = {lang: c[False] for lang, c in by_lang.items() if c[False]}
    # one sentence of 96 may go astray (langdetect on a short Esperanto line); no language twice
    assert sum(wrong.values()) <= 1 and all(n <= 1 for n in wrong.values()), wrong


@pytest.mark.parametrize("text, lang, how", [
    ("Հայաստանի Հանրապետության կառավարությունը այսօր հայտարարեց", "hy", "script"),   # langdetect alone: et
    ("საქართველოს მთავრობამ დღეს განაცხადა, რომ", "ka", "script"),                    # langdetect alone: et
    ("문자메시지 수신에 동의한다는 절차는", "ko", "script"),
    ("クロノたちが再会！", "ja", "script"),          # short, but kana and ideographs weigh more than letters
    ("Azərbaycan Respublikasının Prezidenti İlham Əliyev bu gün bəyan edib", "az", "letters"),   # not tr
    ("Беларускія ўлады заявілі пра новыя правілы ўезду", "be", "letters"),                        # not uk
])
def test_writing_system_rules_answer_what_langdetect_cannot(text, lang, how):
    got = detect_language(text, SETTINGS)
    assert (got.lang, got.how) == (lang, how)


def test_a_name_in_a_long_text_does_not_decide_its_language():
    text = ("The president of Azerbaijan, Ilham Əliyev, met the delegation on Monday and said that the "
            "talks on the pipeline would continue next month in Baku, according to officials. ") * 3
    assert detect_language(text, SETTINGS).lang == "en"


def test_letters_another_language_also_shows_leave_langdetect_its_answer():
    # Turkish decoded as windows-1252 instead of windows-1254 shows Icelandic's þ and ð
    mojibake = "Çanakkale Zaferinin 100.yýldönümü okulumuzda coþkuyla kutlandý, öðrenciler þiirler okudu."
    assert detect_language(mojibake, SETTINGS).lang == "tr"
    # Vietnamese writes ẹ and ọ (Yoruba's letters) for its nặng tone
    assert detect_language("Học sinh đọc sách mẹ mua cho trong kỳ nghỉ hè vừa rồi ở Hà Nội.", SETTINGS).lang == "vi"


def test_short_texts_and_hints():
    assert detect_language("Ok, yes.", SETTINGS).how == "too_short"
    assert detect_language("anything at all", SETTINGS, hint="pt_BR") == detect_language("x", SETTINGS, hint="pt-BR")
    assert detect_language("anything at all", SETTINGS, hint="pt_BR").lang == "pt-BR"


def test_the_answer_depends_on_the_text_only():
    sentences = [t for _, t in _sentences()]
    first = [detect_language(t, SETTINGS) for t in sentences]
    assert [detect_language(t, SETTINGS) for t in reversed(sentences)] == list(reversed(first))


def test_rules_are_validated_and_listed_as_supported():
    assert {"hy", "ka", "az", "be", "kk"} <= supported_languages()
    assert {"en", "fa", "vi"} <= supported_languages()
    assert len(default_rules().scripts) >= 10
    with pytest.raises(ValueError, match="min_share"):
        LangIdRules.from_mapping({"letters": [{"lang": "az", "script": "LATIN", "letters": "ə", "min_share": 0}]})
    with pytest.raises(ValueError, match="bad language rule"):
        LangIdRules.from_mapping({"script": [{"lang": "hy"}]})
