"""The claimwire graph: sources -> extract -> language -> dedup -> stories -> claims -> datasets.

``build()`` reads like the flow of DESIGN.md section 1; every stage returns its
main output and its failures, and all failures meet in one dataset.
"""
from __future__ import annotations

import apache_beam as beam
from apache_beam.pvalue import AsList

from transforms.claims import ExtractClaims, PrepareClaims, SummariseStories
from transforms.common import FAILURES, MAIN, Counters, dead_letter
from transforms.core.records import Stage
from transforms.core.index import id_key, index_day, table_rows
from transforms.core.prepare import PagePrep
from transforms.core.schemas import INDEX_TABLES, article_row, claim_row, failure_row, story_claim_row
from transforms.extract import ExtractArticles
from transforms.index import IndexFiles, LookupIds
from transforms.language import DetectLanguage
from transforms.sink import WriteDatasets
from transforms.stories import PrepareProfiles
from pipelines.settings import Settings


class _SkipPublishedFn(beam.DoFn):
    """Drop articles whose id is already in the index (idempotent replays), counted."""

    def setup(self) -> None:
        self._counters = Counters(Stage.DEDUP.value)

    def process(self, article, published: list):
        if getattr(self, "_src", None) is not published:
            self._src, self._published = published, frozenset(published)
        if article.article_id in self._published:
            self._counters.inc("already_published")
            return
        yield article


def skip_published(articles, index: IndexFiles):
    """Articles an earlier run published are looked up by id in the index: only this run's ids are read."""
    found = (articles | "PublishedKeys" >> beam.Map(lambda a: id_key(a.article_id))
             | "LookupPublished" >> LookupIds(index.of("index_keys")))
    return articles | "SkipPublished" >> beam.ParDo(_SkipPublishedFn(), AsList(found))


def _claim_row(triple, run_id: str) -> dict:
    meta, claim, evidence = triple
    return claim_row(claim, meta, evidence, run_id)


def _article_row(article, run_id: str) -> dict:
    return article_row(article, run_id)


def _story_claim_row(item, run_id: str) -> dict:
    return story_claim_row(item, run_id)


class _RowFn(beam.DoFn):
    """A record -> its dataset row; a record whose row cannot be built is a ``sink`` failure.

    Only ``in`` and ``failed`` are counted here: the writer counts the rows it writes
    as ``out`` (and the ones it is handed as ``in``), so sink in = out + failed.
    """

    def __init__(self, to_row, run_id: str):
        self._to_row = to_row
        self._run_id = run_id

    def setup(self) -> None:
        self._counters = Counters(Stage.SINK.value)

    def process(self, record):
        yield from dead_letter(Stage.SINK.value, self._counters, record, self._one(record), fan_out=True)

    def _one(self, record):
        yield self._to_row(record, self._run_id)


def _rows(pcoll, label: str, to_row, run_id: str) -> dict:
    outs = pcoll | label >> beam.ParDo(_RowFn(to_row, run_id)).with_outputs(FAILURES, main=MAIN)
    return {MAIN: outs[MAIN], FAILURES: outs[FAILURES]}


def _index_claim_row(triple, run_day: str) -> tuple[str, dict]:
    meta, claim, evidence = triple
    row = claim_row(claim, meta, evidence, "")
    row["day"] = index_day(meta.published_at, run_day)
    return "index_claims", row


def local_runner(options) -> bool:
    """Whether the options run the pipeline on a local runner (the DirectRunner or FnApiRunner)."""
    from apache_beam.options.pipeline_options import StandardOptions
    runner = options.view_as(StandardOptions).runner or ""
    name = runner if isinstance(runner, str) else type(runner).__name__
    return name in ("DirectRunner", "FnApiRunner", "")


def runs_in_this_process(options) -> bool:
    """Whether a local runner runs its workers in this process (threads), not in processes of their own."""
    from apache_beam.options.pipeline_options import DirectOptions
    mode = options.view_as(DirectOptions).direct_running_mode
    return local_runner(options) and mode != "multi_processing"


def waits_on_extraction(options) -> bool:
    """Whether the run is one local worker, whose process waits on the isolated extraction process
    for every HTML page: then an HTML article's claims and profile parts are worked out in that wait
    (``PrepareClaims``, ``PrepareProfiles``) instead of later. With more workers (or a cluster)
    every core is busy already, and carrying the results through the shuffles only costs (figures
    in the README's Benchmark section)."""
    from apache_beam.options.pipeline_options import DirectOptions
    return local_runner(options) and options.view_as(DirectOptions).direct_num_workers == 1


def build(p: beam.Pipeline, settings: Settings, sources: beam.PTransform, run_id: str, output: str,
          attempt: str, index: IndexFiles | None = None, run_day: str = "") -> beam.PCollection:
    """The whole graph; returns the receipts of the data files written.

    ``index`` lists the files of the index tables (the driver's listing, nothing more):
    workers read from them what this run needs. Data files, this run's index rows
    included, go straight into the tables under ``output`` (named by ``attempt``).
    ``run_day`` places undated articles in the index.
    """
    index = index or IndexFiles()
    read = p | "ReadSources" >> sources
    one_local_worker = waits_on_extraction(p.options)
    # One local worker: two pages in two extraction processes, which also build each page's article
    # and work out its language, claims and profile parts (``PagePrep``), while this process emits
    # the articles before them; the stages below keep what was worked out and do what was not (a
    # text document, a failed step, extraction in-process). More workers already keep every core busy.
    prep = (PagePrep(settings.articles, settings.language, settings.claim_extractor, settings.stories,
                     settings.entities) if one_local_worker else None)
    extracted = read[MAIN] | "ExtractArticles" >> ExtractArticles(
        settings.articles, in_flight=2 if one_local_worker else 1, prep=prep)
    language = extracted[MAIN] | "DetectLanguage" >> DetectLanguage(settings.language)
    prepared = language[MAIN]
    if one_local_worker:
        prepared = (prepared | "PrepareClaims" >> PrepareClaims(settings.claim_extractor)
                    | "PrepareProfiles" >> PrepareProfiles(settings.stories, settings.entities))
    fresh = skip_published(prepared, index)
    folded = fresh | "FoldDuplicates" >> settings.fold_duplicates(index, run_day)
    stories = folded[MAIN] | "ClusterStories" >> settings.cluster_stories(index, run_day)
    articles = stories[MAIN]
    claims = articles | "ExtractClaims" >> ExtractClaims(settings.claim_extractor)
    summary = ((articles, claims[MAIN])
               | "SummariseStories" >> SummariseStories(run_id, index, settings.stories.window_days, run_day))

    article_rows = _rows(articles, "ArticleRows", _article_row, run_id)
    claim_rows = _rows(claims[MAIN], "ClaimRows", _claim_row, run_id)
    story_claim_rows = _rows(summary["story_claims"], "StoryClaimRows", _story_claim_row, run_id)
    failures = ((read[FAILURES], extracted[FAILURES], language[FAILURES], folded[FAILURES],
                 stories[FAILURES], claims[FAILURES], summary[FAILURES], article_rows[FAILURES],
                 claim_rows[FAILURES], story_claim_rows[FAILURES]) | "AllFailures" >> beam.Flatten())
    rows = {
        "articles": article_rows[MAIN],
        "claims": claim_rows[MAIN],
        "stories": summary["stories"],
        "story_claims": story_claim_rows[MAIN],
        "failures": failures | "FailureRows" >> beam.Map(failure_row, run_id),
    }
    # This run's index rows, appended to the index tables with the datasets.
    index_rows = ((folded["index"], stories["index"],
                   claims[MAIN] | "IndexClaimRows" >> beam.Map(_index_claim_row, run_day))
                  | "IndexRows" >> beam.Flatten())
    for name in INDEX_TABLES:
        rows[name] = index_rows | f"Rows{name}" >> beam.FlatMap(lambda kv, n=name: table_rows(kv) if kv[0] == n else [])
    return rows | "WriteDatasets" >> WriteDatasets(output, run_id, attempt)
