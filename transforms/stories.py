"""ClusterStories: set ``story_id`` (same event, any outlet or language, across runs).

Steps (labels are stable):

1. ``TermDf``: document frequency of terms over this run's canonical articles and
   the earlier runs' profiles, so each profile keeps its distinctive terms.
2. ``Profile``: a small :class:`StoryProfile` per canonical article (no text).
3. ``Cluster``: blocking keys, pair scores and average linkage over all profiles
   (this run's and the index's) in one place: profiles are small, and blocking
   keeps the work near-linear. Earlier stories keep their ids.
4. ``Join``: story ids joined back by article_id; a copy (``dup_of``) takes the
   story of its canonical.

Outputs: ``main`` (articles), ``failures`` and ``index`` (story profiles of
earlier runs and this one, with story ids). The record of this stage is an
article: an exception while its terms or its profile are computed is kept as
``(article_id, Failure)`` and the article leaves as that failure at ``SetStoryId``
(so in = out + failed); clustering itself works on ids and small profiles only.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import apache_beam as beam
from apache_beam.pvalue import AsDict, AsList, AsSingleton

from transforms.common import FAILURES, MAIN, Counters, internal_failure
from transforms.core.dedup_index import PriorIndex
from transforms.core.entities import EntityLexicon
from transforms.core.records import Article, Stage
from transforms.core.stories import (
    StoryConfig,
    StoryProfile,
    build_profile,
    cluster_profiles,
    story_id_for,
    term_counts,
)

INDEX = "index"
_ERRORS = "errors"
_STAGE = Stage.STORIES.value


def _doc_text(article: Article) -> str:
    return f"{article.title}\n{article.text}" if article.title else article.text


class _ProfileFn(beam.DoFn):
    def __init__(self, cfg: StoryConfig, lexicon: EntityLexicon):
        self._cfg = cfg
        self._lexicon = lexicon

    def setup(self) -> None:
        self._counters = Counters(_STAGE)

    def process(self, article: Article, term_df: dict, n_docs: int):
        try:
            profile = build_profile(article.article_id, article.title, article.text, article.lang,
                                    article.published_at, article.source, self._lexicon, self._cfg, term_df, n_docs)
        except Exception as exc:  # dead letter: the article fails at SetStoryId, the run goes on
            yield beam.pvalue.TaggedOutput(_ERRORS, (article.article_id, internal_failure(_STAGE, article, exc)))
            return
        self._counters.inc("profiles")
        yield profile


class _TermsFn(beam.DoFn):
    def __init__(self, min_chars: int):
        self._min_chars = min_chars

    def process(self, article: Article):
        try:
            terms = sorted(term_counts(_doc_text(article), self._min_chars))
        except Exception as exc:  # dead letter, as in _ProfileFn
            yield beam.pvalue.TaggedOutput(_ERRORS, (article.article_id, internal_failure(_STAGE, article, exc)))
            return
        yield from terms


def _cluster(profiles: list, dup_pairs: list, cfg: StoryConfig) -> Iterable[tuple[str, str]]:
    sids = cluster_profiles(profiles, cfg)
    for aid in sorted(sids):
        yield aid, sids[aid]
    for aid, canonical in sorted(dup_pairs):
        # A canonical that is not profiled (e.g. indexed before stories existed) starts a story.
        yield aid, sids.get(canonical) or story_id_for(canonical)


class _SetStoryFn(beam.DoFn):
    """Article -> the same article with its story id, looked up in a small side input (no shuffle of texts)."""

    def setup(self) -> None:
        self._counters = Counters(_STAGE)

    def process(self, article: Article, sids: dict, errors: dict):
        self._counters.inc("in")
        failed = errors.get(article.article_id)
        if failed is not None:
            self._counters.inc("failed")
            yield beam.pvalue.TaggedOutput(FAILURES, failed)
            return
        self._counters.inc("out")
        yield article.replace(story_id=sids.get(article.article_id) or story_id_for(article.article_id))


def _with_story(profile: StoryProfile, sid: str) -> StoryProfile:
    return replace(profile, story_id=sid)


class ClusterStories(beam.PTransform):
    """Articles in, the same articles out with ``story_id`` set."""

    def __init__(self, config: StoryConfig | None, lexicon: EntityLexicon,
                 prior_index: PriorIndex | None = None):
        super().__init__()
        self._cfg = config or StoryConfig()
        self._lexicon = lexicon
        self._prior = prior_index or PriorIndex()

    def expand(self, articles):
        cfg, prior = self._cfg, self._prior
        p = articles.pipeline
        canonical = articles | "Canonicals" >> beam.Filter(lambda a: not a.dup_of)
        dup_pairs = (articles | "Copies" >> beam.Filter(lambda a: bool(a.dup_of))
                     | "CopyPairs" >> beam.Map(lambda a: (a.article_id, a.dup_of)))
        prior_profiles = p | "PriorProfiles" >> beam.Create(list(prior.stories), reshuffle=False)

        terms = canonical | "Terms" >> beam.ParDo(_TermsFn(cfg.min_term_chars)).with_outputs(_ERRORS, main=MAIN)
        new_terms = terms[MAIN]
        old_terms = prior_profiles | "PriorTerms" >> beam.FlatMap(lambda pr: [t for t, _ in pr.terms])
        term_df = ((new_terms, old_terms) | "AllTerms" >> beam.Flatten()
                   | "TermDf" >> beam.combiners.Count.PerElement())
        n_docs = (canonical | "CountDocs" >> beam.combiners.Count.Globally()
                  | "WithPrior" >> beam.Map(lambda n: n + len(prior.stories)))
        profiled = canonical | "Profile" >> beam.ParDo(_ProfileFn(cfg, self._lexicon), AsDict(term_df),
                                                       AsSingleton(n_docs)).with_outputs(_ERRORS, main=MAIN)
        profiles = profiled[MAIN]
        # An article may fail in both steps: the first failure (by its text) is its row.
        errors = ((terms[_ERRORS], profiled[_ERRORS]) | "AllErrors" >> beam.Flatten()
                  | "GroupErrors" >> beam.GroupByKey()
                  | "OneErrorPerArticle" >> beam.MapTuple(
                      lambda aid, fs: (aid, min(fs, key=lambda f: (f.detail, f.input)))))
        sids = ((profiles, prior_profiles) | "AllProfiles" >> beam.Flatten()
                | "ProfileList" >> beam.combiners.ToList()
                | "Cluster" >> beam.FlatMap(lambda ps, dups: _cluster(ps, dups, cfg), AsList(dup_pairs)))
        # Story ids are small (id -> id): articles take theirs from a side input, so the
        # texts never go through a shuffle here.
        with_story = articles | "SetStoryId" >> beam.ParDo(_SetStoryFn(), AsDict(sids),
                                                           AsDict(errors)).with_outputs(FAILURES, main=MAIN)
        new_index = profiles | "ProfilesWithStory" >> beam.Map(
            lambda pr, ids: _with_story(pr, ids.get(pr.article_id) or story_id_for(pr.article_id)), AsDict(sids))
        index = (new_index, prior_profiles) | "IndexRows" >> beam.Flatten()
        return {MAIN: with_story[MAIN], FAILURES: with_story[FAILURES], INDEX: index}
