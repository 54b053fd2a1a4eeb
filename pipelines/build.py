"""The claimwire graph: sources -> extract -> language -> dedup -> stories -> claims -> datasets.

``build()`` reads like the flow of DESIGN.md section 1; every stage returns its
main output and its failures, and all failures meet in one dataset.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import apache_beam as beam
from apache_beam.io.parquetio import ReadAllFromParquet

from transforms.claims import ExtractClaims, SummariseStories
from transforms.common import FAILURES, MAIN, Counters, dead_letter
from transforms.core.records import Stage
from transforms.core.schemas import article_row, claim_row, failure_row, story_claim_row
from transforms.extract import ExtractArticles
from transforms.language import DetectLanguage
from transforms.sink import WriteDatasets
from pipelines.settings import Settings


@dataclass(frozen=True)
class BuiltGraph:
    written: beam.PCollection            # receipts of the data files written
    index: beam.PCollection              # the staged index folder


class _SkipPublishedFn(beam.DoFn):
    """Drop articles whose id is already in the published dataset (idempotent replays), counted."""

    def setup(self) -> None:
        self._counters = Counters(Stage.DEDUP.value)

    def process(self, item):
        _, grouped = item
        if grouped["published"]:
            self._counters.inc("already_published", len(grouped["articles"]))
            return
        yield from grouped["articles"]


def skip_published(articles, published_files: Sequence[str]):
    if not published_files:
        return articles
    pipeline = articles.pipeline
    published = (pipeline | "PublishedFiles" >> beam.Create(sorted(published_files), reshuffle=False)
                 | "ReadPublishedIds" >> ReadAllFromParquet(columns=["article_id"])
                 | "KeyPublished" >> beam.Map(lambda r: (r["article_id"], True)))
    keyed = articles | "KeyNew" >> beam.Map(lambda a: (a.article_id, a))
    return ({"articles": keyed, "published": published} | "JoinPublished" >> beam.CoGroupByKey()
            | "SkipPublished" >> beam.ParDo(_SkipPublishedFn()))


def _claim_row(pair, run_id: str) -> dict:
    article, claim = pair
    return claim_row(claim, article, run_id)


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


def _write_index(rows, folder: str) -> str:
    from transforms.core.dedup_index import write_index
    return str(write_index(rows, folder))


def build(p: beam.Pipeline, settings: Settings, sources: beam.PTransform, run_id: str, output: str,
          attempt: str, index_dir: str, published: dict[str, list[str]] | None = None) -> BuiltGraph:
    """The whole graph; ``published`` lists the files of each table's latest version.

    Data files go straight into the tables under ``output`` (named by ``attempt``);
    the dedup and story index into the local ``index_dir`` beside the state.
    """
    published = published or {}
    read = p | "ReadSources" >> sources
    extracted = read[MAIN] | "ExtractArticles" >> ExtractArticles(settings.articles)
    language = extracted[MAIN] | "DetectLanguage" >> DetectLanguage(settings.language)
    fresh = skip_published(language[MAIN], published.get("articles", []))
    folded = fresh | "FoldDuplicates" >> settings.fold_duplicates()
    stories = folded[MAIN] | "ClusterStories" >> settings.cluster_stories()
    articles = stories[MAIN]
    claims = articles | "ExtractClaims" >> ExtractClaims(settings.claim_extractor)
    summary = (articles, claims[MAIN]) | "SummariseStories" >> SummariseStories(run_id, published)
    # The dedup and story index (earlier runs' rows and this run's), staged beside the
    # state; the driver makes it live once the tables are committed.
    index = ((folded["index"], stories["index"]) | "IndexRows" >> beam.Flatten()
             | "IndexList" >> beam.combiners.ToList()
             | "WriteIndex" >> beam.Map(_write_index, index_dir))

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
    written = rows | "WriteDatasets" >> WriteDatasets(output, run_id, attempt)
    return BuiltGraph(written=written, index=index)
