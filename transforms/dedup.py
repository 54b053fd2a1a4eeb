"""FoldDuplicates: set ``content_hash`` and ``dup_of`` (exact and near copies, across runs).

The steps, in order (labels are stable):

1. ``OnePerId``: one article per ``article_id`` (a replayed input is not a copy of itself).
2. Boilerplate: segments held by several articles are judged on the holders' raw
   signatures; those held by unrelated articles are left out of the signatures.
3. ``Fingerprint``: MinHash signature, content hash and canonical URL per article.
4. ``Buckets``: every LSH band key, content hash and URL is a key; GroupByKey carries
   ``(article_id, published_at, signature, size)``, never texts. Each bucket yields
   its verified pairs (exact buckets need no verification).
5. ``Components``: connected components of the (small) edge list, in one place,
   with the canonical chosen by earliest publication, then smallest id.
6. ``Join``: dup_of joined back to the articles by article_id (CoGroupByKey).

Outputs: ``main`` (articles), ``failures``, and ``index`` (prior and new index rows).

The record of this stage is an article. An exception while one article is
segmented, fingerprinted or verified against another is kept as
``(article_id, Failure)`` (both articles of a pair whose verification raised);
the article then leaves at ``Join`` as that ``internal_error`` failure, so
in = out + failed holds. ``OnePerId`` works on the articles sharing an id: if it
raises, each of them is a failure. ``Components`` sees only ids and order keys.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import apache_beam as beam
from apache_beam.pvalue import AsList

from transforms.common import FAILURES, MAIN, Counters, dead_letter, internal_failure
from transforms.core.dedup import (
    DedupConfig,
    DedupRow,
    Fingerprint,
    MinHasher,
    assign_canonicals,
    band_keys,
    bucket_id,
    first_shared_bucket,
    bucket_pairs,
    fingerprint,
    is_boilerplate,
    segment_hashes,
    verify,
)
from transforms.core.dedup_index import BoilerplateRow, PriorIndex
from transforms.core.records import Article, Failure, Reason, Stage

INDEX = "index"
_ERRORS = "errors"
_STAGE = Stage.DEDUP.value

# A bucket member: (article_id, fingerprint, prior dup_of or None, is_prior).
_Member = tuple[str, Fingerprint, str | None, bool]


class _OnePerIdFn(beam.DoFn):
    def setup(self) -> None:
        self._counters = Counters(_STAGE)

    def process(self, item):
        aid, articles = item
        articles = list(articles)
        self._counters.inc("in", len(articles))
        try:
            outs = list(self._one(aid, articles))
        except Exception as exc:  # dead letter: each article of the group is a failure
            for a in articles:
                self._counters.inc("failed")
                yield beam.pvalue.TaggedOutput(FAILURES, internal_failure(_STAGE, a, exc))
            return
        yield from outs

    def _one(self, aid, articles):
        articles = sorted(articles, key=lambda a: (a.input, a.url))
        yield articles[0]
        for extra in articles[1:]:
            self._counters.inc("failed")
            yield beam.pvalue.TaggedOutput(FAILURES, Failure(
                _STAGE, Reason.DUPLICATE_ID.value, extra.input, f"article_id {aid} already read from {articles[0].input}"))


class _SegmentsFn(beam.DoFn):
    def __init__(self, cfg: DedupConfig):
        self._cfg = cfg

    def process(self, article: Article):
        try:
            segments = segment_hashes(article.text, self._cfg)
        except Exception as exc:  # dead letter: the article fails at Join
            yield beam.pvalue.TaggedOutput(_ERRORS, (article.article_id, internal_failure(_STAGE, article, exc)))
            return
        yield from segments


class _HoldersFn(beam.DoFn):
    """(segment, (article_id, signature, size)) for the recurring segments of an article or index row."""

    def __init__(self, cfg: DedupConfig):
        self._cfg = cfg

    def setup(self) -> None:
        self._hasher = MinHasher(self._cfg.num_perm, self._cfg.seed)

    def process(self, item, recurring: list[str], found: list[str]):
        try:
            yield from list(self._holders(item, recurring, found))
        except Exception as exc:  # dead letter: the article fails at Join
            yield beam.pvalue.TaggedOutput(_ERRORS, (item.article_id, internal_failure(_STAGE, item, exc)))

    def _holders(self, item, recurring: list[str], found: list[str]):
        # Side inputs are the same list object for a whole bundle: build the sets once.
        src = getattr(self, "_src", (None, None))
        if src[0] is not recurring or src[1] is not found:
            self._src = (recurring, found)     # holding them keeps the identity check sound
            self._recurring, self._found = frozenset(recurring), frozenset(found)
        if isinstance(item, DedupRow):
            # Earlier runs' articles hold their segments with the signature they were indexed with.
            for seg in item.segments:
                if seg in self._recurring:
                    yield seg, (item.article_id, item.fingerprint.signature, item.fingerprint.size)
        else:
            mine = [s for s in segment_hashes(item.text, self._cfg) if s in self._recurring]
            fp = (fingerprint(item.article_id, "", None, item.text, self._cfg, self._hasher, self._found)
                  if mine else None)
            for seg in mine:
                yield seg, (item.article_id, fp.signature, fp.size)


class _FingerprintFn(beam.DoFn):
    def __init__(self, cfg: DedupConfig):
        self._cfg = cfg

    def setup(self) -> None:
        self._hasher = MinHasher(self._cfg.num_perm, self._cfg.seed)
        self._counters = Counters(_STAGE)

    def process(self, article: Article, boilerplate: list[str]):
        if not hasattr(self, "_boiler_src") or self._boiler_src is not boilerplate:
            self._boiler_src, self._boiler = boilerplate, frozenset(boilerplate)
        try:
            fp = fingerprint(article.article_id, article.url, article.published_at, article.text, self._cfg,
                             self._hasher, self._boiler)
        except Exception as exc:  # dead letter: the article fails at Join
            yield beam.pvalue.TaggedOutput(_ERRORS, (article.article_id, internal_failure(_STAGE, article, exc)))
            return
        if fp.size < self._cfg.min_shingles:
            self._counters.inc("too_short_for_minhash")
        yield fp


def _bucket_keys(cfg: DedupConfig, member: _Member) -> Iterable[tuple[str, _Member]]:
    fp = member[1]
    yield "h:" + fp.content_hash, member
    if fp.url_key:
        yield "u:" + fp.url_key, member
    for key in band_keys(fp, cfg):
        yield "b:" + key, member


class _VerifyBucketFn(beam.DoFn):
    """Verified pairs of one bucket, as ((id, order, prior_dup, is_prior), same) edges."""

    def __init__(self, cfg: DedupConfig):
        self._cfg = cfg

    def setup(self) -> None:
        self._counters = Counters(_STAGE)

    def process(self, item):
        key, members = item
        # Sorted so that an id both indexed and re-read resolves the same way on every run.
        by_id = {m[0]: m for m in sorted(members, key=lambda m: (m[0], m[3]))}
        exact = not key.startswith("b:")
        here = bucket_id(key)
        try:
            pairs = bucket_pairs(list(by_id), self._cfg) if len(by_id) > 1 else []
        except Exception as exc:  # dead letter: every new member of the bucket fails at Join
            yield from _errors_of(by_id.values(), exc)
            return
        for a, b in pairs:
            ma, mb = by_id[a], by_id[b]
            if ma[3] and mb[3]:
                continue                 # pairs among earlier runs' articles are settled
            try:
                if first_shared_bucket(ma[1], mb[1], self._cfg) != here:
                    continue             # verified once, in the first bucket the pair shares
                self._counters.inc("candidate_pairs")
                same = exact or verify(ma[1], mb[1], self._cfg)
            except Exception as exc:  # which of the two is at fault is unknown: both fail
                yield from _errors_of((ma, mb), exc)
                continue
            if same:
                self._counters.inc("verified_pairs")
                yield (_node(ma), _node(mb))


def _errors_of(members: Iterable[_Member], exc: Exception):
    for m in members:
        if not m[3]:     # earlier runs' articles are not records of this run
            yield beam.pvalue.TaggedOutput(_ERRORS, (m[0], internal_failure(_STAGE, None, exc, where=m[0])))


def _node(m: _Member) -> tuple[str, tuple, str | None, bool]:
    return (m[0], m[1].order_key(), m[2], m[3])


def _components(edges: list) -> Iterable[tuple[str, str | None]]:
    # Several buckets may yield one pair: the set keeps the edge list as small as the graph.
    edges = sorted(set(edges))
    order: dict[str, tuple] = {}
    fixed: dict[str, str | None] = {}
    for edge in edges:
        for aid, key, prior_dup, is_prior in edge:
            order[aid] = key
            if is_prior:
                fixed[aid] = prior_dup
    dup_of = assign_canonicals(((a[0], b[0]) for a, b in edges), order, fixed)
    for aid in sorted(dup_of):
        if aid not in fixed:
            yield aid, dup_of[aid]


class _JoinFn(beam.DoFn):
    def __init__(self, cfg: DedupConfig):
        self._cfg = cfg

    def setup(self) -> None:
        self._counters = Counters(_STAGE)

    def process(self, item):
        aid, grouped = item
        articles, fps, dups = list(grouped["article"]), list(grouped["fp"]), list(grouped["dup"])
        if not articles:
            return []    # an error of an earlier run's row, or of no article of this run
        article = articles[0]
        errors = sorted(grouped["error"], key=lambda f: (f.detail, f.input))
        if errors or not fps:
            self._counters.inc("failed")
            failure = errors[0] if errors else internal_failure(
                _STAGE, article, RuntimeError(f"no fingerprint for article {aid}"))
            # The id alone is all an error raised on a bucket member knows of its article.
            return [beam.pvalue.TaggedOutput(FAILURES, dataclasses.replace(failure, input=article.input))]
        return dead_letter(_STAGE, self._counters, article, self._one(article, fps[0], dups))

    def _one(self, article: Article, fp: Fingerprint, dups: list):
        dup_of = dups[0] if dups else None
        segments = tuple(segment_hashes(article.text, self._cfg))
        self._counters.inc("out")
        self._counters.inc("duplicate" if dup_of else "canonical")
        yield article.replace(content_hash=fp.content_hash, dup_of=dup_of)
        yield beam.pvalue.TaggedOutput(INDEX, DedupRow(fp, dup_of, segments))


class FoldDuplicates(beam.PTransform):
    """Articles in, the same articles out with ``content_hash`` and ``dup_of`` set."""

    def __init__(self, config: DedupConfig | None = None, prior_index: PriorIndex | None = None):
        super().__init__()
        self._cfg = config or DedupConfig()
        self._prior = prior_index or PriorIndex()

    def expand(self, articles):
        cfg, prior = self._cfg, self._prior
        p = articles.pipeline
        unique = (articles | "KeyById" >> beam.Map(lambda a: (a.article_id, a))
                  | "GroupById" >> beam.GroupByKey()
                  | "OnePerId" >> beam.ParDo(_OnePerIdFn()).with_outputs(FAILURES, main=MAIN))
        arts = unique[MAIN]

        def prior_rows(label: str):
            # One Create per use: a stage that both feeds and reads a side input would never run.
            return p | label >> beam.Create(list(prior.dedup))

        segmented = arts | "Segments" >> beam.ParDo(_SegmentsFn(cfg)).with_outputs(_ERRORS, main=MAIN)
        new_segments = segmented[MAIN]
        errors = [segmented[_ERRORS]]
        old_segments = prior_rows("PriorRowsForSegments") | "PriorSegments" >> beam.FlatMap(lambda r: r.segments)
        recurring = ((new_segments, old_segments) | "AllSegments" >> beam.Flatten()
                     | "CountSegments" >> beam.combiners.Count.PerElement()
                     | "Recurring" >> beam.Filter(lambda kv: kv[1] >= cfg.boilerplate_min_docs)
                     | "RecurringKeys" >> beam.Keys())
        prior_boiler = p | "PriorBoilerplate" >> beam.Create(sorted(prior.boilerplate), reshuffle=False)
        boilerplate = prior_boiler
        for r in range(cfg.boilerplate_rounds):
            # Each round judges on signatures without the previous round's boilerplate.
            # Articles and earlier runs' rows go through one DoFn: FnApiRunner does not run a
            # Flatten of two DoFns waiting on the same side input.
            holders = ((arts, prior_rows(f"PriorRowsForHolders{r}")) | f"HolderInputs{r}" >> beam.Flatten()
                       | f"Holders{r}" >> beam.ParDo(_HoldersFn(cfg), AsList(recurring), AsList(boilerplate)
                                                     ).with_outputs(_ERRORS, main=MAIN))
            errors.append(holders[_ERRORS])
            judged = (holders[MAIN]
                      | f"GroupHolders{r}" >> beam.GroupByKey()
                      | f"Judge{r}" >> beam.FlatMap(lambda kv: [kv[0]] if is_boilerplate(list(kv[1]), cfg) else []))
            boilerplate = ((judged, prior_boiler) | f"AllBoilerplate{r}" >> beam.Flatten()
                           | f"DistinctBoilerplate{r}" >> beam.Distinct())

        fingerprinted = arts | "Fingerprint" >> beam.ParDo(_FingerprintFn(cfg), AsList(boilerplate)).with_outputs(
            _ERRORS, main=MAIN)
        fps = fingerprinted[MAIN]
        errors.append(fingerprinted[_ERRORS])
        new_members = fps | "NewMembers" >> beam.Map(lambda fp: (fp.article_id, fp, None, False))
        prior_members = (p | "PriorFingerprints" >> beam.Create(
            [(r.article_id, r.fingerprint, r.dup_of, True) for r in prior.dedup], reshuffle=False))
        edges = ((new_members, prior_members) | "AllMembers" >> beam.Flatten()
                 | "BucketKeys" >> beam.FlatMap(lambda m: _bucket_keys(cfg, m))
                 | "Buckets" >> beam.GroupByKey()
                 | "VerifyPairs" >> beam.ParDo(_VerifyBucketFn(cfg)).with_outputs(_ERRORS, main=MAIN))
        errors.append(edges[_ERRORS])
        edges = edges[MAIN]
        dups = (edges | "EdgeList" >> beam.combiners.ToList()
                | "Components" >> beam.FlatMap(_components))

        joined = ({"article": arts | "KeyArticles" >> beam.Map(lambda a: (a.article_id, a)),
                   "fp": fps | "KeyFingerprints" >> beam.Map(lambda f: (f.article_id, f)),
                   "dup": dups,
                   "error": errors | "AllErrors" >> beam.Flatten()}
                  | "Join" >> beam.CoGroupByKey()
                  | "SetDupOf" >> beam.ParDo(_JoinFn(cfg)).with_outputs(INDEX, FAILURES, main=MAIN))
        index = ((joined[INDEX], prior_rows("PriorIndexRows"), boilerplate | "BoilerplateRows" >> beam.Map(BoilerplateRow))
                 | "IndexRows" >> beam.Flatten())
        failures = (unique[FAILURES], joined[FAILURES]) | "AllFailures" >> beam.Flatten()
        return {MAIN: joined[MAIN], FAILURES: failures, INDEX: index}
