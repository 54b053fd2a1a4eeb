"""build_article: title, text, source and the order of trust for dates; digits normalisation."""
import unicodedata
from datetime import datetime, timezone

import pytest
from hypothesis import given, strategies as st

from transforms.core.articles import ArticleSettings, build_article
from transforms.core.digits import normalize_digits
from transforms.core.records import Article, Failure, RawDocument
from transforms.core.textclean import DebrisLexicon

S = ArticleSettings(debris=DebrisLexicon.default())
PAGE = ("<html><head><title>Council vote</title><meta property='article:published_time' "
        "content='2024-03-05T10:00:00Z'></head><body><article><h1>Council vote</h1><p>The city council "
        "approved a budget of 12 million euros for new bicycle lanes on Tuesday, the mayor said, after a "
        "debate that lasted four hours.</p><p>Opponents said the money should go to roads.</p></article>"
        "</body></html>")


def raw(body, fmt="text", **kw):
    return RawDocument("d1", kw.pop("input", "in.txt"), kw.pop("url", "file:///in.txt"), fmt, body, **kw)


def test_single_paragraph_text_record_is_text_not_only_title():
    a = build_article(raw("The council approved a budget of 12 million euros, the mayor said."), S)
    assert isinstance(a, Article) and a.text.startswith("The council approved")


def test_record_title_keeps_first_paragraph_in_text():
    a = build_article(raw("First paragraph of real text.\n\nSecond paragraph here.", title="Headline"), S)
    assert a.title == "Headline" and a.text.startswith("First paragraph")


def test_long_first_line_is_a_paragraph():
    long = "A " + "very " * 60 + "long opening paragraph."
    a = build_article(raw(long + "\n\nAnother paragraph follows here."), S)
    assert long.startswith(a.title) and a.text.startswith(long)


def test_date_order_of_trust():
    seed = " date 2025-11-01 Title line\n\nBody text of the article, published 3 March 2024, long enough."
    assert build_article(raw(seed), S).date_source == "header"
    a = build_article(raw(seed, published="2025-10-30T08:00:00+02:00"), S)
    assert a.date_source == "record" and a.published_at == datetime(2025, 10, 30, 6, tzinfo=timezone.utc)
    h = build_article(raw(PAGE, "html", url="https://www.ex.com/a", input="https://www.ex.com/a"), S)
    assert (h.date_source, h.published_at.date().isoformat(), h.source) == ("html", "2024-03-05", "ex.com")


def test_html_failures_keep_the_input_provenance():
    f = build_article(raw("<html><body><nav>Home</nav></body></html>", "html", input="/x/page.html"), S)
    assert isinstance(f, Failure) and f.input == "/x/page.html" and f.stage == "extract"


def test_record_source_wins_over_url():
    a = build_article(raw("Some real article text that is long enough.", url="https://www.ex.com/a",
                          source="Example News"), S)
    assert a.source == "Example News"


def test_normalize_digits_every_script_keeps_length():
    assert normalize_digits("۶۱ نفر، ۱۱٪ و ۱٬۰۰۰ و ۲٫۵") == "61 نفر, 11% و 1,000 و 2.5"
    assert normalize_digits("٦١ १२ ０９") == "61 12 09"
    assert normalize_digits("plain 123") == "plain 123"


def test_normalize_digits_folds_every_decimal_digit_of_unicode():
    import unicodedata
    digits = "".join(chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Nd")
    assert len(digits) > 600
    assert normalize_digits(digits) == "".join(str(unicodedata.decimal(c)) for c in digits)
    assert normalize_digits("x\u00b2\u2460\u00bd") == "x\u00b2\u2460\u00bd"   # not decimal digits: kept


@given(st.text())
def test_normalize_digits_never_moves_a_character(s):
    out = normalize_digits(s)
    assert len(out) == len(s)
    for a, b in zip(s, out):
        if a != b:
            assert unicodedata.category(a) == "Nd" or a in "\u066b\u066c\u066a\u060c"
