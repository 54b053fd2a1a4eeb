"""ExtractClaims: Article -> Claim records (+ failures); SummariseStories: stories and story_claims rows."""
from __future__ import annotations

import dataclasses

import apache_beam as beam

from transforms.common import FAILURES, MAIN, Counters
from transforms.core.records import ArticleMeta, Failure, Reason, Stage
from transforms.core.storyrows import story_row


class _ClaimsFn(beam.DoFn):
    def __init__(self, kb):
        self._kb = kb

    def setup(self) -> None:
        self._counters = Counters(Stage.CLAIMS.value)

    def process(self, article):
        from transforms.core.claims import extract_claims
        self._counters.inc("in")
        try:
            claims = extract_claims(article.article_id, article.text, article.lang, self._kb)
        except Exception as exc:  # a bug in a rule must cost one article, not the run
            self._counters.inc("failed")
            yield beam.pvalue.TaggedOutput(FAILURES, Failure(
                Stage.CLAIMS.value, Reason.CLAIMS_ERROR.value, article.input, f"{type(exc).__name__}: {exc}"[:500]))
            return
        self._counters.inc("out")
        self._counters.inc("claims", len(claims))
        for c in claims:
            yield article, dataclasses.replace(c, story_id=article.story_id, lang=c.lang or article.lang)


class ExtractClaims(beam.PTransform):
    """Claims of every article, each paired with its article for evidence and partitioning.

    Main output: ``(Article, Claim)`` pairs; an article with no claims is an
    ``out`` with zero claims, not a failure.
    """

    def __init__(self, kb):
        super().__init__()
        self._kb = kb

    def expand(self, articles):
        outs = articles | "Extract" >> beam.ParDo(_ClaimsFn(self._kb)).with_outputs(FAILURES, main=MAIN)
        return {MAIN: outs[MAIN], FAILURES: outs[FAILURES]}


def _summarise(run_id: str, item):
    from transforms.core.claims.story import aggregate_story_claims
    story_id, grouped = item
    metas = sorted(grouped["metas"], key=lambda m: m.article_id)
    claims = sorted(grouped["claims"], key=lambda c: c.claim_id)
    yield beam.pvalue.TaggedOutput("stories", story_row(story_id, metas, run_id))
    by_id = {c.claim_id: c for c in claims}
    # An article of unknown source is an outlet of its own (as in story_row): two unknown
    # sources cannot be said to be one outlet, so they can corroborate or dispute each other.
    outlets = {m.article_id: dataclasses.replace(m, source=m.source or f"unknown:{m.article_id}") for m in metas}
    for sc in aggregate_story_claims(claims, outlets):
        yield sc, _example(sc, by_id)


def _example(sc, by_id) -> str | None:
    """The statement of the first outlet's claim: what an analyst reads first."""
    first = [by_id[i] for i in sc.claim_ids if i in by_id and by_id[i].article_id == sc.first_article_id]
    pool = first or [by_id[i] for i in sc.claim_ids if i in by_id]
    if not pool:
        return None
    c = min(pool, key=lambda c: (c.char_start, c.claim_id))
    text = c.statement or c.claimant or ""
    return text[:300] or None


class SummariseStories(beam.PTransform):
    """One ``stories`` row per story and its ``story_claims``: corroboration and disputes.

    Grouped values are article metadata and claims, never article texts.
    """

    def __init__(self, run_id: str):
        super().__init__()
        self._run_id = run_id

    def expand(self, inputs):
        articles, claims = inputs
        metas = articles | "Metas" >> beam.Map(lambda a: (a.story_id, ArticleMeta.of(a)))
        keyed = claims | "KeyClaims" >> beam.Map(lambda pair: (pair[0].story_id, pair[1]))
        grouped = {"metas": metas, "claims": keyed} | "ByStory" >> beam.CoGroupByKey()
        outs = grouped | "Summarise" >> beam.FlatMap(_summarise_with_run, self._run_id).with_outputs(
            "stories", main="story_claims")
        return {"stories": outs["stories"], "story_claims": outs["story_claims"]}


def _summarise_with_run(item, run_id):
    return _summarise(run_id, item)
