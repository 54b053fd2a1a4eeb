"""Claim rules added for issue 5's targets: attribution shapes, German and Chinese cues, locale currencies."""
from __future__ import annotations

from pathlib import Path

import pytest

from transforms.core.claims import ClaimKnowledge, extract_claims
from transforms.core.claims.lexicon import LexiconError, load_lexicon
from claim_spans import check_statement_span

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def kb() -> ClaimKnowledge:
    return ClaimKnowledge.load(ROOT / "configs")


def _said(text: str, lang: str, kb: ClaimKnowledge) -> list[tuple[str, str | None, str | None, str]]:
    out = []
    for c in extract_claims("a", text, lang, kb):
        if c.kind in ("reported", "quote"):
            check_statement_span(text, c)
            if c.claimant is not None:
                assert text[c.claimant_start:c.claimant_end] == c.claimant
            out.append((c.kind, c.claimant, c.cue, c.statement))
    return out


def _q(text: str, lang: str, kb: ClaimKnowledge) -> set[tuple[str, float]]:
    return {(c.unit, c.value) for c in extract_claims("a", text, lang, kb) if c.kind == "quantity"}


# --- English attribution shapes -------------------------------------------------------------------------

def test_subject_with_apposition_before_cue(kb):
    text = ("Jane Miller, chief executive of a consulting firm and broker for corporations, said the jet "
            "was an unusual aircraft for a man of his wealth.")
    assert _said(text, "en", kb) == [("reported", "Jane Miller", "said",
                                      "the jet was an unusual aircraft for a man of his wealth")]


def test_statement_then_said_name_with_title_still_reads_right(kb):
    text = "The jet was an unusual aircraft for a man of his wealth, said Jane Miller, chief executive of a firm."
    assert _said(text, "en", kb) == [("reported", "Jane Miller", "said",
                                      "The jet was an unusual aircraft for a man of his wealth")]


def test_quote_with_speaker_after_it_spanning_sentences(kb):
    text = "“I don’t like what he is doing. But I don’t dislike him. He is hard to dislike,” Carter said."
    said = _said(text, "en", kb)
    assert said == [("quote", "Carter", "said", "“I don’t like what he is doing. But I don’t dislike him. "
                                                "He is hard to dislike,”")]


def test_quote_then_said_name_apposition(kb):
    text = "“We remove any content that praises terrorism,” said Ann Lee, head of policy at the company."
    assert _said(text, "en", kb)[0][:3] == ("quote", "Ann Lee", "said")


def test_several_attributions_in_one_sentence(kb):
    text = ("He said he intends to run for a delegate slot next week, and other party leaders said he is an "
            "example of a backer who could make it through the process.")
    said = _said(text, "en", kb)
    assert [(k, cl, cue) for k, cl, cue, _ in said] == [("reported", "He", "said"),
                                                        ("reported", "other party leaders", "said")]
    assert said[0][3] == "he intends to run for a delegate slot next week"


def test_participle_cue_keeps_the_statement(kb):
    text = "The judge imposed a long sentence on Monday, saying a tough penalty was needed to deter future hacking."
    said = _said(text, "en", kb)
    assert ("reported", None, "saying", "a tough penalty was needed to deter future hacking") in said


def test_subordinate_clause_ends_the_statement_and_leaves_the_claimant(kb):
    text = "When Francis said the candidate is not a Christian, the pope served up red meat for headline writers."
    assert _said(text, "en", kb) == [("reported", "Francis", "said", "the candidate is not a Christian")]


def test_infinitive_is_not_a_cue(kb):
    # "to see" is not an attribution; the sentence's cue is "said" and its statement runs whole
    text = "Mr. Obama said he had told his envoy to keep negotiating over the coming days to see if a deal was possible."
    said = _said(text, "en", kb)
    assert said == [("reported", "Mr. Obama", "said",
                     "he had told his envoy to keep negotiating over the coming days to see if a deal was possible")]


def test_short_colon_headline_is_not_a_claim(kb):
    assert _said("Christie: A closing surge", "en", kb) == []
    assert _said("Peskov: Moscow respects the decision of the people of Venezuela.", "en", kb)[0][1] == "Peskov"


def test_adjunct_before_that_is_skipped(kb):
    text = "Sanders said during an interview on a Sunday talk show in Iowa that he would stay in the race."
    assert _said(text, "en", kb) == [("reported", "Sanders", "said", "he would stay in the race")]
    text = "She told an audience of academics at the forum that rates would stay low."
    assert _said(text, "en", kb) == [("reported", "She", "told", "rates would stay low")]


def test_said_in_a_statement_that_is_not_a_claimant(kb):
    text = ("Ann Lee, director general of the agency, said in a statement Wednesday that, if the claims are "
            "true, the country is violating its obligations.")
    said = _said(text, "en", kb)
    assert said[0][:3] == ("reported", "Ann Lee", "said in")
    assert said[0][3].endswith("the country is violating its obligations")


# --- German and Chinese ---------------------------------------------------------------------------------

def test_german_laut_without_comma(kb):
    said = _said("Laut Polizei wurden bei dem Angriff 12 Menschen getötet.", "de", kb)
    assert said == [("reported", "Polizei", "Laut", "wurden bei dem Angriff 12 Menschen getötet")]
    said = _said("Laut einem Bericht der Washington Post hat Russland 14 Raketen geliefert.", "de", kb)
    assert said[0][1] == "einem Bericht der Washington Post"
    said = _said("Laut der russischen Regierung ist die Lage stabil und unter Kontrolle.", "de", kb)
    assert said[0][1] == "der russischen Regierung"


def test_german_zufolge_takes_the_claimant_before_it(kb):
    said = _said("Der Polizei zufolge wurden 12 Menschen getötet.", "de", kb)
    assert said == [("reported", "Der Polizei", "zufolge", "wurden 12 Menschen getötet")]


def test_german_claimant_type(kb):
    claims = extract_claims("a", "Laut Polizei wurden bei dem Angriff 12 Menschen getötet.", "de", kb)
    rep = [c for c in claims if c.kind == "reported"][0]
    assert rep.claimant_type == "official"
    assert rep.claim_key.endswith("/death:12")


@pytest.mark.parametrize("text,claimant,cue,statement", [
    ("据新华社报道，俄罗斯向越南交付了12架战斗机。", "新华社报道", "据", "俄罗斯向越南交付了12架战斗机"),
    ("外交部发言人表示，中方对此表示关切。", "外交部发言人", "表示", "中方对此表示关切"),
    ("俄罗斯外交部发言人扎哈罗娃称，美国的指控毫无根据。", "外交部发言人扎哈罗娃", "称", "美国的指控毫无根据"),
])
def test_chinese_attribution(kb, text, claimant, cue, statement):
    assert _said(text, "zh", kb) == [("reported", claimant, cue, statement)]


def test_chinese_quote_after_colon(kb):
    said = _said("他说：“我们将继续支持和平进程。”", "zh", kb)
    assert said == [("quote", "他", "说", "“我们将继续支持和平进程。”")]


def test_chinese_claimant_typed_from_lexicon(kb):
    c = [c for c in extract_claims("a", "外交部发言人表示，中方对此表示关切。", "zh", kb) if c.kind == "reported"][0]
    assert c.claimant_type == "official"


# --- numbers in other locales ----------------------------------------------------------------------------

@pytest.mark.parametrize("lang,text,expected", [
    ("de", "Der Vertrag hat einen Wert von 75 Millionen Dollar.", ("USD", 75e6)),
    ("de", "National zahlte 94.000 $, damit alle Klagen fallen gelassen werden.", ("USD", 94000.0)),
    ("de", "Das dürften ca. 99€ pro Kopf sein.", ("EUR", 99.0)),
    ("fr", "Les ventes ont atteint environ 14 millions de $ l'année dernière.", ("USD", 14e6)),
    ("fr", "La valeur nette a été évaluée à £ 8,10 millions en octobre.", ("GBP", 8.1e6)),
    ("fr", "Le groupe a payé 420 millions de francs suisses.", ("CHF", 420e6)),
    ("es", "Un refrigerador de 10 galones había caído al suelo.", ("gallon", 10.0)),
    ("es", "El viaje de seis millas tardó más de tres horas.", ("mile", 6.0)),
    ("pt", "O preço oscila em torno de C$ 16,4 milhões.", ("currency", 16.4e6)),
    ("pt", "A empresa pagou US$ 3,5 bilhões pela rival.", ("USD", 3.5e9)),
    ("ru", "Стоимость контракта составила 1,5 млрд рублей.", ("RUB", 1.5e9)),
    ("zh", "东芝重组另需1万亿日元。", ("JPY", 1e12)),
    ("zh", "在下面的价格中选一个，这台电脑的价格是￥300。", ("CNY", 300.0)),
])
def test_locale_currencies_and_units(kb, lang, text, expected):
    assert expected in _q(text, lang, kb), _q(text, lang, kb)


def test_symbol_does_not_reach_over_words(kb):
    # "$" belongs to 75,3 millones; the year before it is no amount of dollars
    got = _q("En el tercer trimestre de 1988 fue de $ 75,3 millones.", "es", kb)
    assert got == {("USD", 75.3e6)}


def test_french_elided_article_is_not_litres(kb):
    assert ("litre", 14e6) not in _q("Les ventes étaient de 14 millions l'année dernière.", "fr", kb)


# --- lexicon schema --------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, error", [
    ('[attribution]\nverbz = ["x"]\n', "yy.toml.*verbz"),                          # an unknown key
    ('[numbers.rate_before]\nkm = ["速"]\n', "yy.toml.*rate_before.*time unit"),   # a rate per no time unit
])
def test_a_bad_lexicon_key_names_file_and_key(tmp_path, body, error):
    bad = tmp_path / "yy.toml"
    bad.write_text('lang = "yy"\n' + body, encoding="utf-8")
    with pytest.raises(LexiconError, match=error):
        load_lexicon(bad)


def test_new_attribution_keys_load():
    de = load_lexicon(ROOT / "configs/lexicons/de.toml")
    en = load_lexicon(ROOT / "configs/lexicons/en.toml")
    assert "zufolge" in de.postpositions and "zufolge" in de.prep_cues and de.capitalised_nouns
    assert "saying" in en.participles and "when" in en.subordinators and not en.capitalised_nouns
