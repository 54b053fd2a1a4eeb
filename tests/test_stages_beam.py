"""TestPipeline tests of the thin Beam stages: both outputs asserted, counters checked."""
import json
from pathlib import Path

import apache_beam as beam
import pytest
import pyarrow.parquet as pq
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.common import FAILURES, MAIN, METRICS_NAMESPACE
from transforms.core.records import Article
from transforms.core.language import LanguageSettings
from transforms.core.sources import ReadLimits
from transforms.language import DetectLanguage
from transforms.read import ReadSources
from transforms.core.sink import content_digest, parse_receipts, row_weight
from transforms.sink import WriteDatasets, _WriteFilesFn, _WriteReceiptsFn

OPTS = ["--runner=FnApiRunner"]


def holds(predicate, what: str):
    """An assert_that matcher that raises (a matcher returning False would never fail)."""
    from apache_beam.testing.util import BeamAssertException

    def _match(actual):
        if not predicate(list(actual)):
            raise BeamAssertException(f"{what}: got {list(actual)!r}")
    return _match


def _counters(result) -> dict:
    q = result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))
    out = {}
    for c in q["counters"]:
        out[c.key.metric.name] = out.get(c.key.metric.name, 0) + c.committed
    return out


def test_read_sources_both_outputs(tmp_path, seeds_dir):
    (tmp_path / "bad.jsonl").write_text('{"url": "u", "text": "fine text"}\n{oops\n')
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "x.doc").write_text("?")
    p = TestPipeline(options=beam.options.pipeline_options.PipelineOptions(OPTS))
    out = p | ReadSources([str(seeds_dir), str(tmp_path)], ReadLimits())
    assert_that(out[MAIN] | beam.Map(lambda d: Path(d.input.split(":")[0]).name),
                equal_to(sorted(f.name for f in seeds_dir.iterdir()) + ["bad.jsonl"]), label="docs")
    assert_that(out[FAILURES] | beam.Map(lambda f: (Path(f.input).name, f.reason)),
                equal_to([("bad.jsonl:2", "bad_json"), ("empty.txt", "empty"), ("x.doc", "unsupported_format")]),
                label="failures")
    result = p.run()
    result.wait_until_finish()
    c = _counters(result)
    assert c["read.in"] == 9 and c["read.out"] == 6 and c["read.failed"] == 3
    assert c["read.units"] == 7   # files read; the eighth input failed at discovery


def test_detect_language_stage():
    arts = [Article("a1", "i", "u", "s", "Título", "El presidente pidió ayuda militar a Rusia, China e Irán."),
            Article("a2", "i", "u", "s", "", "ok", lang="../../etc"),
            Article("a3", "i", "u", "s", "", "short", lang="vi")]
    with TestPipeline(options=beam.options.pipeline_options.PipelineOptions(OPTS)) as p:
        out = p | beam.Create(arts) | DetectLanguage(LanguageSettings())
        assert_that(out[MAIN] | beam.Map(lambda a: (a.article_id, a.lang)),
                    equal_to([("a1", "es"), ("a2", "und"), ("a3", "vi")]), label="langs")
        assert_that(out[FAILURES], equal_to([]), label="no failures")


def _written(out, dataset="failures"):
    """(rows of every file in read order, [(file, receipt)]) under an output folder."""
    files = sorted((out / dataset).rglob("*.parquet"))
    receipts = {r["path"]: r for f in (out / "_claimwire" / "attempts" / "a000001-x" / "receipts" / dataset
                                       ).glob("*.json") for r in parse_receipts(f.read_bytes())}
    return [pq.read_table(f).to_pylist() for f in files], [(f, receipts.get(str(f.relative_to(out / dataset))))
                                                           for f in files]


@pytest.mark.parametrize("reshuffle", [False, True])
def test_write_datasets_is_independent_of_bundling(tmp_path, reshuffle):
    rows = [{"run_id": "r", "stage": "read", "reason": "bad_json", "input": f"f:{i:02d}", "detail": ""}
            for i in range(50)]
    out = tmp_path / "o"
    with TestPipeline(options=beam.options.pipeline_options.PipelineOptions(OPTS)) as p:
        pc = p | beam.Create(list(reversed(rows)), reshuffle=reshuffle)
        written = {"failures": pc} | WriteDatasets(str(out), "r", "a000001-x")
        assert_that(written | beam.Map(lambda w: (w["dataset"], w["rows"], w["partition_values"])),
                    equal_to([("failures", 50, {"stage": "read"})]), label="written")
    (got,), ((f, r),) = _written(out)
    # Sorted in the file whatever order they came in (the partition column lives in the folder name).
    assert got == [{k: v for k, v in r.items() if k != "stage"} for r in rows]
    assert r["size"] == f.stat().st_size and f.parent.name == "stage=read"
    # Named by its bytes: the same rows give the same file name in any run of this attempt.
    assert f.name == f"part-r-a000001-x-{content_digest(f.read_bytes())}.parquet"


def test_a_writer_holds_a_bounded_number_of_bytes(tmp_path):
    """Past the byte budget the fullest partition is written: more files, the same rows, each file sorted."""
    rows = [{"run_id": "r", "stage": ("read", "extract")[i % 2], "reason": "bad_json", "input": f"f:{i:03d}",
             "detail": "x" * 200} for i in range(120)]
    budget = 20 * row_weight(rows[0])
    with TestPipeline(options=beam.options.pipeline_options.PipelineOptions(OPTS)) as p:
        _ = {"failures": p | beam.Create(rows)} | WriteDatasets(str(tmp_path), "r", "a000001-x",
                                                                 max_buffered_bytes=budget)
    files, receipted = _written(tmp_path)
    assert len(files) >= 120 // 21 and all(len(f) <= 21 for f in files)
    assert all(f == sorted(f, key=lambda r: r["input"]) for f in files)
    assert sorted(r["input"] for f in files for r in f) == [r["input"] for r in rows]
    assert all(r is not None and r["rows"] == len(f) for (_, r), f in zip(receipted, files))


def test_receipts_are_written_a_thousand_to_a_file(tmp_path):
    receipts = [{"dataset": "claims", "path": f"p/{i:05d}.parquet", "size": i, "rows": 1} for i in range(2500)]
    fn = _WriteReceiptsFn(str(tmp_path), "a000001-x")
    assert list(fn.process(("claims", reversed(receipts)))) == receipts
    files = sorted((tmp_path / "_claimwire" / "attempts" / "a000001-x" / "receipts" / "claims").glob("*.json"))
    chunks = [parse_receipts(f.read_bytes()) for f in files]
    assert sorted(len(c) for c in chunks) == [500, 1000, 1000]
    assert sorted((r for c in chunks for r in c), key=lambda r: r["path"]) == receipts
    assert all(f.name == f"{content_digest(f.read_bytes())}.json" for f in files)


def test_the_writer_writes_no_receipt_itself(tmp_path):
    """Receipts come after a GroupByKey, which only a bundle that succeeded reaches: a file that a
    failed attempt of a bundle wrote is never committed."""
    fn = _WriteFilesFn("failures", str(tmp_path), "r", "a000001-x", max_buffered_bytes=1)
    fn.setup()
    fn.start_bundle()
    outs = list(fn.process({"run_id": "r", "stage": "read", "reason": "empty", "input": "f", "detail": ""}))
    assert [o["rows"] for o in outs] == [1]
    assert list((tmp_path / "failures").rglob("*.parquet")) and not (tmp_path / "_claimwire").exists()


def _settings():
    from pipelines.settings import settings_from_config
    from transforms.core.config import load_config
    return settings_from_config(load_config())


def test_extract_articles_both_outputs(seeds_dir):
    from transforms.core.records import RawDocument
    from transforms.extract import ExtractArticles
    s = _settings()
    seed = (seeds_dir / "003_186ae76859dc7b7b.txt").read_text(encoding="utf-8")
    page = ("<html><head><title>Council vote</title></head><body><nav>Home | News</nav><article>"
            "<h1>Council vote</h1><p>The city council approved a budget of 12 million euros for new bicycle "
            "lanes on Tuesday, the mayor said, after a debate that lasted four hours.</p>"
            "<p>Opponents said the money should go to road repairs instead.</p></article></body></html>")
    docs = [RawDocument("d1", "seed.txt", "file:///seed.txt", "text", seed),
            RawDocument("d2", "page.html", "https://ex.com/a", "html", page),
            RawDocument("d3", "tiny.txt", "file:///tiny.txt", "text", "hi"),
            RawDocument("d4", "nav.html", "https://ex.com/b", "html", "<html><body><nav>Home</nav></body></html>")]
    with TestPipeline(options=beam.options.pipeline_options.PipelineOptions(OPTS)) as p:
        out = p | beam.Create(docs) | ExtractArticles(s.articles)
        assert_that(out[MAIN] | beam.Map(lambda a: (a.article_id, a.title, a.source, a.date_source)),
                    equal_to([("d1", "Venezuela đề nghị gửi khí tài quân sự", "", "header"),
                              ("d2", "Council vote", "ex.com", "")]), label="articles")
        assert_that(out[MAIN] | beam.Map(lambda a: "bicycle lanes" in a.text or "Theo các tài liệu" in a.text),
                    equal_to([True, True]), label="texts")
        assert_that(out[FAILURES] | beam.Map(lambda f: (f.input, f.stage, f.reason)),
                    equal_to([("tiny.txt", "extract", "no_text"), ("nav.html", "extract", "no_text")]),
                    label="failures")


def test_extract_claims_and_story_summary():
    from transforms.claims import ExtractClaims, SummariseStories
    s = _settings()
    text = ("The storm killed at least 12 people, officials said on Monday. "
            "According to the Red Cross, more than 3,000 homes were destroyed.")
    arts = [Article("a1", "i1", "u1", "one.com", "T", text, lang="en", story_id="s1"),
            Article("a2", "i2", "u2", "two.com", "T", text.replace("12", "14"), lang="en", story_id="s1")]
    with TestPipeline(options=beam.options.pipeline_options.PipelineOptions(OPTS)) as p:
        arts_pc = p | beam.Create(arts)
        claims = arts_pc | ExtractClaims(s.claim_extractor)
        assert_that(claims[FAILURES], equal_to([]), label="no failures")
        # Each claim comes with its article's metadata (no text) and its evidence span.
        by_id = {a.article_id: a for a in arts}
        assert_that(claims[MAIN] | beam.Map(
                        lambda t: not hasattr(t[0], "text") and t[0].story_id == "s1" and t[2] != ""
                        and t[2] == by_id[t[1].article_id].text[t[1].char_start:t[1].char_end]),
                    holds(lambda got: got == [True] * len(got) and len(got) >= 4, "4+ claims, all with evidence"),
                    label="claims with evidence")
        summary = (arts_pc, claims[MAIN]) | SummariseStories("r")
        assert_that(summary["stories"] | beam.Map(lambda r: (r["story_id"], r["article_count"], r["source_count"])),
                    equal_to([("s1", 2, 2)]), label="stories")
        assert_that(summary["story_claims"] | beam.Filter(lambda item: item[0].unit == "death")
                    | beam.Map(lambda item: item[0].disputed), holds(lambda got: True in got, "12 vs 14 dead disputed"),
                    label="disputed")


class UpperCaseQuoteExtractor:
    """A stand-in for a model-backed extractor: one quote claim per article, its first word."""

    def __init__(self, kb):
        self.kb = kb

    def extract(self, article_id, text, lang):
        from transforms.core.records import Claim
        end = text.find(" ")
        return [Claim(f"{article_id}-0", article_id, "quote", 0, end, 0.5, "model/first-word", lang=lang)]


def test_the_claim_extractor_is_a_config_seam():
    from pipelines.settings import settings_from_config
    from transforms.claims import ExtractClaims
    from transforms.core.config import load_config
    s = settings_from_config(load_config(sets=["claims.extractor=test_stages_beam:UpperCaseQuoteExtractor"]))
    assert isinstance(s.claim_extractor, UpperCaseQuoteExtractor)
    with TestPipeline(options=beam.options.pipeline_options.PipelineOptions(OPTS)) as p:
        out = (p | beam.Create([Article("a1", "i", "u", "s", "T", "Hello world", lang="en")])
               | ExtractClaims(s.claim_extractor))
        assert_that(out[MAIN] | beam.Map(lambda t: (t[1].claim_key, t[2])),
                    equal_to([("model/first-word", "Hello")]))


def test_a_bad_extractor_name_is_a_config_error():
    from pipelines.settings import settings_from_config
    from transforms.core.config import ConfigError, load_config
    with pytest.raises(ConfigError, match=r"\[claims\] extractor"):
        settings_from_config(load_config(sets=["claims.extractor=nowhere:Nothing"]))


class _CountingExtractor:
    """The rule extractor, counting its calls; raises on articles whose text says so."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def extract(self, article_id, text, lang):
        self.calls += 1
        if "EXPLODE" in text:
            raise RuntimeError("a rule broke")
        return self.inner.extract(article_id, text, lang)


def test_claims_prepared_in_the_extraction_stage_are_the_claims_the_claims_stage_would_extract():
    """PrepareClaims extracts an HTML article's claims once, ahead; the claims stage then gives
    exactly what it gives without them. A plain-text article is left to the claims stage, and
    one whose claims fail ahead is extracted again there and becomes that stage's failure."""
    from transforms.claims import _ClaimsFn, _PrepareFn
    from transforms.core.articles import TEXT_EXTRACTOR
    s = _settings()
    text = ("The storm killed at least 12 people, officials said on Monday. "
            "According to the Red Cross, more than 3,000 homes were destroyed.")
    html = Article("h1", "i1", "u1", "one.com", "T", text, lang="en", story_id="s1", extractor="trafilatura 2")
    plain = Article("t1", "i2", "u2", "two.com", "T", text, lang="en", story_id="s1", extractor=TEXT_EXTRACTOR)
    broken = Article("h2", "i3", "u3", "one.com", "T", text + " EXPLODE", lang="en", extractor="trafilatura 2")
    ex = _CountingExtractor(s.claim_extractor)
    prep = _PrepareFn(ex)
    (p_html,), (p_plain,), (p_broken,) = (list(prep.process(a)) for a in (html, plain, broken))
    assert p_html.prepared_claims and p_plain is plain and p_broken is broken
    assert ex.calls == 2                          # html and broken, not the plain text

    def claims_of(article, extractor):
        fn = _ClaimsFn(extractor)
        fn.setup()
        return list(fn.process(article))

    ahead = claims_of(p_html, ex)
    assert ex.calls == 2                          # the prepared claims were used, not extracted again
    plain_claims = claims_of(html, s.claim_extractor)
    assert len(ahead) >= 3 and ahead == plain_claims
    failed = claims_of(p_broken, ex)
    assert ex.calls == 3
    assert [(f.value.stage, f.value.reason) for f in failed] == [("claims", "internal_error")]


def test_profile_parts_prepared_in_the_extraction_stage_give_the_profiles_the_stories_stage_would_build():
    """PrepareProfiles computes an HTML article's profile parts once, ahead; the stories stage then
    builds exactly the terms and profile it builds without them. A plain-text article is left to the
    stories stage, and one whose parts fail ahead goes on without them and fails there."""
    import pickle

    from transforms.core.articles import TEXT_EXTRACTOR
    from transforms.core.stories import ProfileParts
    from transforms.stories import _Frequencies, _PrepareFn, _ProfileFn, _TermsFn
    s = _settings()
    text = ("Venezuelan President Nicolas Maduro asked China to speed up radar production, "
            "the documents show. Maduro wrote in 2025 that 300 radars were needed. " * 3)
    html = Article("h1", "i1", "u1", "one.com", "Maduro asks China for radars", text, lang="en",
                   extractor="trafilatura 2")
    plain = Article("t1", "i2", "u2", "two.com", "T", text, lang="en", extractor=TEXT_EXTRACTOR)
    prep = _PrepareFn(s.stories, s.entities)
    (p_html,), (p_plain,) = (list(prep.process(a)) for a in (html, plain))
    assert p_plain is plain and p_html.prepared_profile is not None
    parts = pickle.loads(p_html.prepared_profile)
    assert isinstance(parts, ProfileParts) and "person:nicolas_maduro" in parts.entities and "300" in parts.numbers

    class _Broken:
        def find(self, text):
            raise RuntimeError("lexicon down")
    (p_broken,) = prep.__class__(s.stories, _Broken()).process(html)
    assert p_broken is html                       # goes on without parts

    terms = _TermsFn(s.stories.min_term_chars)
    assert list(terms.process(p_html)) == list(terms.process(html))
    stats = _Frequencies.of({"radar": 2, "maduro": 3}, 4)
    fn = _ProfileFn(s.stories, s.entities)
    fn.setup()
    (ahead,), (fresh,) = fn.process(p_html, stats), fn.process(html, stats)
    assert ahead == fresh and ahead.entities and ahead.terms
    failing = _ProfileFn(s.stories, _Broken())
    failing.setup()
    assert list(failing.process(p_html, stats)) == [ahead]          # the prepared parts were used
    (failed,) = failing.process(html, stats)
    assert failed.tag == "errors" and failed.value[1].reason == "internal_error"


def test_work_is_prepared_ahead_only_where_one_local_worker_waits_on_extraction():
    """PrepareClaims and PrepareProfiles are in the graph of one local worker (its process waits on
    the isolated extractor), and its extraction processes prepare pages too; not with two workers or
    another runner, where they would only cost."""
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipelines.build import waits_on_extraction
    assert waits_on_extraction(PipelineOptions(["--runner=FnApiRunner"]))
    assert waits_on_extraction(PipelineOptions(["--runner=DirectRunner", "--direct_num_workers=1"]))
    assert not waits_on_extraction(PipelineOptions(["--runner=FnApiRunner", "--direct_num_workers=2",
                                                    "--direct_running_mode=multi_processing"]))
    assert not waits_on_extraction(PipelineOptions(["--runner=DirectRunner", "--direct_num_workers=0"]))
    assert not waits_on_extraction(PipelineOptions(["--runner=DataflowRunner"]))
    assert not waits_on_extraction(PipelineOptions(["--runner=FlinkRunner"]))

    from pipelines.build import build

    class _Labels(beam.pipeline.PipelineVisitor):
        def __init__(self):
            self.labels = set()
            self.page_prep = None

        def visit_transform(self, node):
            self.labels.add(node.full_label)

        def enter_composite_transform(self, node):
            if node.full_label == "ExtractArticles":
                self.page_prep = node.transform._prep

    settings = _settings()
    for args, prepared in ((["--runner=FnApiRunner"], True),
                           (["--runner=FnApiRunner", "--direct_num_workers=2"], False)):
        p = beam.Pipeline(options=PipelineOptions(args))
        build(p, settings, ReadSources(["x.txt"], settings.limits), "r1", "/nonexistent/out", "a1")
        walk = _Labels()
        p.visit(walk)
        assert {"PrepareClaims/Prepare", "PrepareProfiles/Prepare"} <= walk.labels if prepared else \
            not {label for label in walk.labels if label.startswith("Prepare")}, args
        # ... and its extraction processes prepare each page (transforms.core.prepare) only then
        assert (walk.page_prep is not None) == prepared, args
