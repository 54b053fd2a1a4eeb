"""ExtractClaims: Article -> Claim records (+ failures); SummariseStories: stories and story_claims rows."""
from __future__ import annotations

import dataclasses
import pickle

import apache_beam as beam

from transforms.common import FAILURES, MAIN, Counters, dead_letter
from transforms.core.prepare import claims_of, prepared_ahead
from transforms.core.records import ArticleMeta, Stage
from transforms.core.schemas import STARTED_HERE
from transforms.core.storyrows import started_by, story_row


class _PrepareFn(beam.DoFn):
    """Claims of an article extracted from HTML, extracted ahead and carried pickled with it.

    Fused with extraction: the stage hands the next page to the isolated extraction process and,
    while that process works, this one detects the language of the page before it and extracts
    its claims, on a core that would otherwise wait. A plain-text article has no such wait, so
    its claims are left to the claims stage (carrying them would only grow what stages hold).
    An article whose claims fail here goes on without them: the claims stage extracts them again
    and records the failure as its own.
    """

    def __init__(self, extractor):
        self._extractor = extractor

    def process(self, article):
        yield prepared_ahead(article, "prepared_claims", lambda a: claims_of(self._extractor, a))


class PrepareClaims(beam.PTransform):
    """Extract the claims of HTML articles where extraction leaves a core idle (see ``_PrepareFn``);
    ``ExtractClaims`` uses them instead of extracting again. Same claims either way."""

    def __init__(self, extractor):
        super().__init__()
        self._extractor = extractor

    def expand(self, articles):
        return articles | "Prepare" >> beam.ParDo(_PrepareFn(self._extractor))


class _ClaimsFn(beam.DoFn):
    def __init__(self, extractor):
        self._extractor = extractor

    def setup(self) -> None:
        self._counters = Counters(Stage.CLAIMS.value)

    def process(self, article):
        self._counters.inc("in")
        yield from dead_letter(Stage.CLAIMS.value, self._counters, article, self._one(article))

    def _one(self, article):
        # Every claim is built before the first is emitted: a bug in a rule costs the
        # article (one failures row), never half of its claims. A claim travels with its
        # article's metadata and its evidence, not the text: a pair per claim that held the
        # article would copy the text once per claim wherever the pairs are stored.
        meta = ArticleMeta.of(article)
        found = (pickle.loads(article.prepared_claims) if article.prepared_claims is not None
                 else self._extractor.extract(article.article_id, article.text, article.lang))
        claims = [(meta, dataclasses.replace(c, story_id=article.story_id, lang=c.lang or article.lang),
                   article.text[c.char_start:c.char_end])
                  for c in found]
        self._counters.inc("out")
        self._counters.inc("claims", len(claims))
        yield from claims


class ExtractClaims(beam.PTransform):
    """Claims of every article, each with its article's metadata (for partitioning) and its evidence span.

    ``extractor`` is any ``transforms.core.claims.ClaimExtractor`` (the rule-based
    one by default; see ``[claims] extractor``). Main output: ``(ArticleMeta, Claim,
    evidence)`` triples; an article with no claims is an ``out`` with zero claims, not a failure.
    """

    def __init__(self, extractor):
        super().__init__()
        self._extractor = extractor

    def expand(self, articles):
        outs = articles | "Extract" >> beam.ParDo(_ClaimsFn(self._extractor)).with_outputs(FAILURES, main=MAIN)
        return {MAIN: outs[MAIN], FAILURES: outs[FAILURES]}


# What a story summary reads of its earlier members and claims (``meta_of``; ``aggregate_story_claims``
# and ``_example``): not the profiles, offsets or entity lists.
_MEMBER_COLUMNS = ("article_id", "story_id", "source", "lang", "published_at", "dup_of", "title")
_CLAIM_COLUMNS = ("claim_id", "article_id", "story_id", "kind", "claim_key", "lang", "claimant", "statement",
                  "value", "unit", "char_start")
_META_FIELDS = tuple(f.name for f in dataclasses.fields(ArticleMeta))
# A story claim's ``example``: the first characters of its first outlet's statement.
EXAMPLE_CHARS = 300


def _claim_values(claim) -> tuple:
    """A claim of this run as the values of ``_CLAIM_COLUMNS``: what a summary reads of it, as its
    earlier claims come from the index. A tuple of plain values is a third of a pickled Claim's bytes
    in the ``ByStory`` join, which every runner holds or shuffles whole."""
    return tuple(getattr(claim, c) for c in _CLAIM_COLUMNS)


def _meta_values(meta: ArticleMeta) -> tuple:
    """An ArticleMeta as its field values, in order (``ArticleMeta(*values)`` gives it back): 60% of its
    pickled bytes in the ``ByStory`` join."""
    return tuple(getattr(meta, f) for f in _META_FIELDS)


def _summarise(run_id: str, item):
    from transforms.core.claims.story import aggregate_story_claims
    from transforms.core.schemas import claims_from_columns
    from transforms.index import unpack_columns
    story_id, grouped = item
    if not grouped["metas"]:
        return   # no article of this run joined the story: its published rows stand
    # Members published by earlier runs count too: a story row replaces its old version whole.
    metas = sorted({m[0]: ArticleMeta(*m) for m in [*grouped["prior_metas"], *grouped["metas"]]}.values(),
                   key=lambda m: m.article_id)
    prior_claims = [c for part in grouped["prior_claims"] for c in claims_from_columns(unpack_columns(part))]
    new_claims = list(grouped["claims"])
    if new_claims:
        new_claims = claims_from_columns(dict(zip(_CLAIM_COLUMNS, (list(col) for col in zip(*new_claims)))))
    claims = sorted({c.claim_id: c for c in [*prior_claims, *new_claims]}.values(),
                    key=lambda c: c.claim_id)
    # A story this run started has no rows yet: its rows are appended, not replaced (``STARTED_HERE``).
    started = started_by(story_id, (ArticleMeta(*m) for m in grouped["metas"]))
    row = story_row(story_id, metas, run_id)
    if started:
        row[STARTED_HERE] = True
    yield beam.pvalue.TaggedOutput("stories", row)
    by_id = {c.claim_id: c for c in claims}
    # Outlets, not sources, count for corroboration and disputes (as in story_row).
    outlets = {m.article_id: dataclasses.replace(m, source=m.outlet) for m in metas}
    for sc in aggregate_story_claims(claims, outlets):
        yield sc, _example(sc, by_id), started


def _example(sc, by_id) -> str | None:
    """The statement of the first outlet's claim: what an analyst reads first."""
    first = [by_id[i] for i in sc.claim_ids if i in by_id and by_id[i].article_id == sc.first_article_id]
    pool = first or [by_id[i] for i in sc.claim_ids if i in by_id]
    if not pool:
        return None
    c = min(pool, key=lambda c: (c.char_start, c.claim_id))
    text = c.statement or c.claimant or ""
    return text[:EXAMPLE_CHARS] or None


def _summary_statements(table):
    """The earlier claims a summary reads, with only what it reads of their statements: a quote's or a
    reported claim's whole (its words are matched), any other claim's first ``EXAMPLE_CHARS`` characters
    (its statement is read only as an example). A quantity's statement is its sentence: on run 12 of
    the bench's history, 31,000 earlier quantity claims of the touched stories held 9.4 MB of them."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from transforms.core.claims.story import SAID_KINDS
    at = table.schema.get_field_index("statement")
    if at < 0 or "kind" not in table.schema.names:   # a file without them reads as it is (ReadWindow)
        return table
    said = pc.is_in(table["kind"], value_set=pa.array(SAID_KINDS, pa.string()))
    short = pc.utf8_slice_codeunits(table["statement"], 0, EXAMPLE_CHARS)
    return table.set_column(at, "statement", pc.if_else(said, table["statement"], short))


class SummariseStories(beam.PTransform):
    """One ``stories`` row per story touched by this run, and its ``story_claims``.

    The story's earlier members and their claims come from the index, over the
    stories window (``index_members`` and ``index_claims`` of the days ``ClusterStories``
    reads, filtered by story id in Arrow, with only the columns a summary uses), so a
    story's counts, languages, first publisher and disputes cover its members in the
    window, and publishing does not grow with the output. Grouped values are article
    metadata and claim rows, never texts.
    """

    def __init__(self, run_id: str, index=None, window_days: int = 7, run_day: str = ""):
        super().__init__()
        from transforms.index import IndexFiles
        self._run_id = run_id
        self._index = index or IndexFiles()
        self._window_days = window_days
        self._run_day = run_day

    def expand(self, inputs):
        from transforms.core.index import index_day, meta_of
        from transforms.index import ReadWindow
        articles, claims = inputs
        run_day = self._run_day
        # Metas and claims cross the join as tuples of values (``_meta_values``, ``_claim_values``).
        metas = articles | "Metas" >> beam.Map(lambda a: (a.story_id, _meta_values(ArticleMeta.of(a))))
        keyed = claims | "KeyClaims" >> beam.Map(lambda triple: (triple[0].story_id, _claim_values(triple[1])))
        # Only the stories this run touches are regrouped; the rest of the published rows stand.
        story_ids = metas | "TouchedStories" >> beam.Map(lambda kv: kv[0])
        run_days = articles | "RunDays" >> beam.Map(lambda a: index_day(a.published_at, run_day))
        # The window's members and claims of the touched stories, filtered by story id in Arrow and
        # read with the columns a summary uses: only what this run touches becomes rows.
        prior_metas = ((run_days, story_ids)
                       | "ReadWindowMembers" >> ReadWindow(self._index.of("index_members"), self._window_days,
                                                           run_day, column="story_id", columns=list(_MEMBER_COLUMNS))
                       | "PriorMetas" >> beam.Map(lambda r: (r["story_id"], _meta_values(meta_of(r)))))
        # One element per story and index file: (story id, packed claim rows); they become Claims in Summarise.
        prior_claims = ((run_days, story_ids)
                        | "ReadWindowClaims" >> ReadWindow(self._index.of("index_claims"), self._window_days,
                                                           run_day, column="story_id", per_value=True,
                                                           columns=list(_CLAIM_COLUMNS), shape=_summary_statements))
        grouped = ({"metas": metas, "claims": keyed, "prior_metas": prior_metas, "prior_claims": prior_claims}
                   | "ByStory" >> beam.CoGroupByKey())
        outs = grouped | "Summarise" >> beam.ParDo(_SummariseFn(self._run_id)).with_outputs(
            "stories", FAILURES, main="story_claims")
        return {"stories": outs["stories"], "story_claims": outs["story_claims"], FAILURES: outs[FAILURES]}


class _SummariseFn(beam.DoFn):
    """One story touched by this run -> its stories row and story_claims rows.

    The record here is the story: if aggregating it raises, the story's rows are not
    rewritten (its published rows stand) and one failures row names the story id.
    """

    def __init__(self, run_id: str):
        self._run_id = run_id

    def setup(self) -> None:
        self._counters = Counters(Stage.SUMMARISE.value)

    def process(self, item):
        story_id, grouped = item
        if not grouped["metas"]:
            return []   # not touched by this run: nothing to summarise
        self._counters.inc("in")
        return dead_letter(Stage.SUMMARISE.value, self._counters, item, self._one(item),
                           where=f"story:{story_id}")

    def _one(self, item):
        rows = list(_summarise(self._run_id, item))   # whole or nothing per story
        self._counters.inc("out")
        yield from rows
