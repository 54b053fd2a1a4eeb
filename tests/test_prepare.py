"""Pages prepared in their extraction process (transforms.core.prepare): the same articles, claims
and profiles as the stages give, and a preparation that fails or hangs costs nothing but time."""
from __future__ import annotations

import dataclasses
import gzip
import pickle
import time
from pathlib import Path

import pytest

from transforms.core.articles import build_article
from transforms.core.extract import Extracted, extract_html
from transforms.core.isolate import IsolatedExtractor
from transforms.core.prepare import PagePrep, prepare_page, prepared_ahead, with_language
from transforms.core.records import Article, RawDocument

DATA = Path(__file__).parent / "data" / "extract"
PAGES = ["bbc_en", "galore_de", "assabah_ar"]


def _settings():
    from pipelines.settings import settings_from_config
    from transforms.core.config import load_config
    return settings_from_config(load_config())


def _prep(claims=None) -> PagePrep:
    s = _settings()
    return PagePrep(s.articles, s.language, claims or s.claim_extractor, s.stories, s.entities)


def _raw(name: str) -> RawDocument:
    html = gzip.decompress((DATA / f"{name}.html.gz").read_bytes()).decode("utf-8", "replace")
    return RawDocument(doc_id=f"id-{name}", input=f"{name}.html", url=f"https://example.org/{name}",
                       format="html", body=html, title=None, published=None, source=None, lang=None)


def _as_the_stages_give(raw: RawDocument, extracted: Extracted, prep: PagePrep) -> Article:
    """ExtractArticles, DetectLanguage, PrepareClaims and PrepareProfiles in the driver's process."""
    article = with_language(prep.language, build_article(raw, prep.articles, None, extracted))
    article = prepared_ahead(article, "prepared_claims", prep.claims_of)
    return prepared_ahead(article, "prepared_profile", prep.profile_of)


class HangingClaims:
    """A claim extractor that hangs on an article whose id says so and raises on a text that says so."""

    def __init__(self, inner):
        self.inner = inner

    def extract(self, article_id, text, lang):
        if article_id.startswith("hang"):
            time.sleep(3600)
        if "Raise here" in text:
            raise RuntimeError("a rule broke")
        return self.inner.extract(article_id, text, lang)


def test_a_page_prepared_in_its_extraction_process_is_the_article_the_stages_give() -> None:
    prep = _prep()
    with IsolatedExtractor(prep.articles.extract, max_seconds=30.0, processes=len(PAGES), prep=prep) as iso:
        pending = [(raw, iso.submit(raw.body, raw.url, raw=raw)) for raw in map(_raw, PAGES)]
        for raw, p in pending:
            extracted = p.result()
            assert isinstance(extracted, Extracted)
            assert extracted == extract_html(raw.body, raw.url, prep.articles.extract)
            got = p.prepared()
            assert isinstance(got, Article) and got.prepared_language
            want = _as_the_stages_give(raw, extracted, prep)
            # DetectLanguage keeps the language detected ahead and clears the mark: the same article.
            assert with_language(prep.language, got) == want
            assert got.lang == want.lang != "" and got.prepared_claims and got.prepared_profile
            assert pickle.loads(got.prepared_claims) == prep.claims_of(want)
        # Without the document, or from an extractor with no ``prep``, a page is only extracted.
        raw = _raw(PAGES[0])
        plain = iso.submit(raw.body, raw.url)
        assert isinstance(plain.result(), Extracted) and plain.prepared() is None
    with IsolatedExtractor(prep.articles.extract, max_seconds=30.0) as bare:
        p = bare.submit(raw.body, raw.url, raw=raw)
        assert isinstance(p.result(), Extracted) and p.prepared() is None


def test_what_fails_in_a_preparation_is_left_to_the_stages() -> None:
    """Claims that raise are left out (the claims stage extracts them again and dead-letters them);
    a language that cannot be worked out, or a page that gives no article, prepares nothing."""
    raw = _raw("bbc_en")
    prep = _prep()
    extracted = extract_html(raw.body, raw.url, prep.articles.extract)
    raising = dataclasses.replace(prep, claims=HangingClaims(prep.claims))
    broken = dataclasses.replace(extracted, text=extracted.text + "\n\nRaise here.")
    got = prepare_page(raw, broken, raising)
    assert got is not None and got.prepared_language and got.prepared_claims is None and got.prepared_profile
    assert prepare_page(raw, extracted, dataclasses.replace(prep, language=None)) is None
    assert prepare_page(raw, dataclasses.replace(extracted, text="Too short."), prep) is None


@pytest.mark.timeout(120)
def test_a_preparation_past_the_time_limit_costs_its_worker_not_the_page() -> None:
    """The extraction keeps its own limit; a preparation that hangs past the limit again gives the
    page without its preparation (the stages do it), and a fresh worker takes the next page."""
    raw = _raw("bbc_en")
    prep = _prep(HangingClaims(_settings().claim_extractor))
    with IsolatedExtractor(prep.articles.extract, max_seconds=3.0, prep=prep) as iso:
        extracted = extract_html(raw.body, raw.url, prep.articles.extract)
        started = time.monotonic()
        p = iso.submit(raw.body, raw.url, raw=dataclasses.replace(raw, doc_id="hang-1"))
        assert p.result() == extracted and p.prepared() is None
        assert 3.0 <= time.monotonic() - started < 20
        assert iso.restarts == 1                  # the hung worker was killed
        p = iso.submit(raw.body, raw.url, raw=raw)
        assert p.result() == extracted and p.prepared() is not None   # a fresh one takes the next page


def _first_stage(docs: list[RawDocument], prep: PagePrep | None) -> tuple[list[Article], list, set[str]]:
    """ExtractArticles (two pages in flight), DetectLanguage, PrepareClaims and PrepareProfiles, as
    the graph of one local worker has them, with or without ``prep``: the articles, the failures,
    and the ids of the articles that left ExtractArticles prepared."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from transforms.claims import PrepareClaims
    from transforms.common import FAILURES, MAIN
    from transforms.extract import ExtractArticles
    from transforms.language import DetectLanguage
    from transforms.stories import PrepareProfiles
    s = _settings()
    _SEEN.clear()
    with beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"])) as p:
        extracted = p | beam.Create(docs) | ExtractArticles(s.articles, in_flight=2, prep=prep)
        language = extracted[MAIN] | DetectLanguage(s.language)
        prepared = (language[MAIN] | PrepareClaims(s.claim_extractor)
                    | PrepareProfiles(s.stories, s.entities))
        failures = (extracted[FAILURES], language[FAILURES]) | beam.Flatten()
        ahead = extracted[MAIN] | beam.Filter(lambda a: a.prepared_language) | beam.Map(lambda a: a.article_id)
        for name, pcoll in (("articles", prepared), ("failures", failures), ("ahead", ahead)):
            pcoll | f"Keep{name}" >> beam.Map(_keep, name)
    return (sorted(_SEEN.get("articles", []), key=lambda a: a.article_id),
            sorted(_SEEN.get("failures", []), key=lambda f: f.input), set(_SEEN.get("ahead", [])))


# What _first_stage's pipeline gives (the FnApiRunner runs it in this process).
_SEEN: dict[str, list] = {}


def _keep(element, name: str) -> None:
    _SEEN.setdefault(name, []).append(element)


def test_the_first_stage_gives_the_same_articles_with_pages_prepared_in_their_extraction_processes() -> None:
    """With ``prep`` the articles come prepared from the extraction processes and the stages keep
    what they carry: every article, its language, claims and profile parts, and every failure are
    what the stages give by themselves. A text document and a page with no text go as before."""
    pages = [_raw(name) for name in PAGES]
    text = RawDocument(doc_id="id-text", input="t.txt", url="file:///t.txt", format="text",
                       body="Officials said at least 300 homes were destroyed by the storm on Sunday. " * 3)
    empty = RawDocument(doc_id="id-empty", input="e.html", url="https://example.org/e", format="html",
                        body="<html><body><p>Too short.</p></body></html>")
    docs = [pages[0], text, pages[1], empty, pages[2]]
    ahead, ahead_failures, prepared = _first_stage(docs, _prep())
    plain, plain_failures, none = _first_stage(docs, None)
    assert prepared == {"id-assabah_ar", "id-bbc_en", "id-galore_de"} and none == set()
    assert [a.article_id for a in ahead] == ["id-assabah_ar", "id-bbc_en", "id-galore_de", "id-text"]
    assert ahead == plain
    assert [f.reason for f in ahead_failures] == ["no_text"] and ahead_failures == plain_failures
    assert all(a.prepared_claims and a.prepared_profile and not a.prepared_language
               for a in ahead if a.article_id != "id-text")
