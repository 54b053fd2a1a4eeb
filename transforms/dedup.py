"""FoldDuplicates: set ``content_hash`` and ``dup_of`` (exact and near copies, across runs).

The steps, in order (labels are stable):

1. ``OnePerId``: one article per ``article_id`` (a replayed input is not a copy of itself).
2. Boilerplate: segments held by several articles are judged on the holders' raw
   signatures; those held by unrelated articles are left out of the signatures.
3. ``Fingerprint``: MinHash signature, content hash and canonical URL per article.
4. ``Buckets``: every LSH band key, content hash and URL is a key; GroupByKey carries
   ids and order keys only, never signatures or texts. Each bucket proposes pairs,
   combined per pair (``Candidates``: a pair of near copies shares most bands); a pair
   from an exact bucket needs no verification, the others get their two
   fingerprints by id (``JoinFirst``, ``JoinSecond``) and are verified once.
5. ``Components``: connected components of this run's (small) edge list, in one place,
   with the canonical chosen by earliest publication, then smallest id.
6. ``JoinCanonical``: each copy gets the finding keys of its component that the run has:
   its canonical's (an article of this run, or an earlier one), and those of the earlier
   members read as candidates or segment holders.
7. ``Join``: dup_of joined back to the articles by article_id (CoGroupByKey); a copy is
   indexed only under the keys its component does not have already (``core.index.key_block``).

Earlier runs are read from the index tables by key (``transforms.index``): only the
articles that share a segment, a content hash, a URL or a band with this run's.

Outputs: ``main`` (articles), ``failures``, and ``index``: ``(table, row)`` pairs of
the index rows this run adds (``index_articles``, ``index_keys``, ``index_boilerplate``).

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
    bucket_pairs,
    fingerprint,
    is_boilerplate,
    normal_text,
    segment_hashes,
    verify,
)
from transforms.core.index import (article_index_row, boilerplate_row, dedup_row_of, finding_keys, index_day,
                                   key_block, match_keys, segment_key)
from transforms.index import IndexFiles, LookupIds, LookupKeys, ReadByArticle
from transforms.core.records import Article, Failure, Reason, Stage

INDEX = "index"
_ERRORS = "errors"
_SIGNATURES = "signatures"
_SEGMENTS = "segments"      # (article_id, segment hashes) of this run's articles
_KEYS = "keys"              # (article_id, finding keys) of this run's articles: indexed at Join, and a copy's canonical's
_STAGE = Stage.DEDUP.value

# A bucket member: (article_id, fingerprint, prior dup_of or None, is_prior).
_Member = tuple[str, Fingerprint, str | None, bool]
# What a bucket holds of a member (no signature): (article_id, order key, prior dup_of, is_prior).
_Node = tuple[str, tuple, str | None, bool]


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


class _OpenSegmentKeysFn(beam.DoFn):
    """A segment of this run -> its index key, unless the index already holds it as boilerplate."""

    def setup(self) -> None:
        self._counters = Counters(_STAGE)

    def process(self, segment: str, known: list[str]):
        if getattr(self, "_src", None) is not known:
            self._src, self._known = known, frozenset(known)   # one list object per bundle: one set
        if segment in self._known:
            self._counters.inc("known_boilerplate_segments")
            return
        yield segment_key(segment)


class _HolderSegmentsFn(beam.DoFn):
    """An earlier article holding one of this run's open segments -> its segments (counted: what
    judging boilerplate reads of the history)."""

    def setup(self) -> None:
        self._counters = Counters(_STAGE)

    def process(self, row: DedupRow):
        self._counters.inc("segment_holders_read")
        yield from row.segments


class _HoldersFn(beam.DoFn):
    """(segment, article_id) for the recurring segments of an article or index row, and once per holder
    its (article_id, (signature, size)) on ``_SIGNATURES``: a signature travels once per holder, not once
    per segment it holds (copies of one story hold dozens of segments each)."""

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
            mine = [seg for seg in item.segments if seg in self._recurring]
            if mine:
                yield beam.pvalue.TaggedOutput(_SIGNATURES, (item.article_id, (item.fingerprint.signature,
                                                                              item.fingerprint.size)))
        else:
            normal = normal_text(item.text)
            mine = [s for s in normal.segment_hashes(self._cfg) if s in self._recurring]
            if mine:
                fp = fingerprint(item.article_id, "", None, item.text, self._cfg, self._hasher, self._found, normal)
                yield beam.pvalue.TaggedOutput(_SIGNATURES, (item.article_id, (fp.signature, fp.size)))
        for seg in mine:
            yield seg, item.article_id


class _JudgeFn(beam.DoFn):
    """A recurring segment and its holders' ids -> the segment, when it is boilerplate; the holders'
    signatures come from a side input of this round's holders (one entry per holder)."""

    def __init__(self, cfg: DedupConfig):
        self._cfg = cfg

    def process(self, item, signatures: list):
        if getattr(self, "_src", None) is not signatures:
            # one list object per bundle: one dict; an id held twice (never in practice) resolves the same
            # way on every run
            self._src, self._sigs = signatures, {}
            for aid, sig in signatures:
                held = self._sigs.get(aid)
                self._sigs[aid] = sig if held is None else max(held, sig)
        seg, ids = item
        holders = []
        for aid in sorted(set(ids)):
            sig = self._sigs.get(aid)
            if sig is not None:
                holders.append((aid, sig[0], sig[1]))
        if is_boilerplate(holders, self._cfg):
            yield seg


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
            normal = normal_text(article.text)
            fp = fingerprint(article.article_id, article.url, article.published_at, article.text, self._cfg,
                             self._hasher, self._boiler, normal)
            segments = tuple(normal.segment_hashes(self._cfg))
        except Exception as exc:  # dead letter: the article fails at Join
            yield beam.pvalue.TaggedOutput(_ERRORS, (article.article_id, internal_failure(_STAGE, article, exc)))
            return
        if fp.size < self._cfg.min_shingles:
            self._counters.inc("too_short_for_minhash")
        yield fp
        # The segments and finding keys go to Join with the fingerprint (the text is normalised and
        # the keys hashed once, here), and the keys to the copies whose canonical this article is.
        yield beam.pvalue.TaggedOutput(_SEGMENTS, (article.article_id, segments))
        yield beam.pvalue.TaggedOutput(_KEYS, (article.article_id, finding_keys(DedupRow(fp, None, segments),
                                                                                self._cfg)))


def _bucket_keys(cfg: DedupConfig, member: _Member) -> Iterable[tuple[str, _Node]]:
    """(bucket key, node) for each content hash, URL and LSH band of a member: ids, no signature."""
    fp, node = member[1], _node(member)
    yield "h:" + fp.content_hash, node
    if fp.url_key:
        yield "u:" + fp.url_key, node
    for key in band_keys(fp, cfg):
        yield "b:" + key, node


class _BucketPairsFn(beam.DoFn):
    """The candidate pairs of one bucket: ((id, id), (node, node, exact)); none among earlier articles."""

    def __init__(self, cfg: DedupConfig):
        self._cfg = cfg

    def start_bundle(self) -> None:
        # Near copies share most of their bands: a pair already proposed in this bundle is not
        # proposed again (``Candidates`` still combines it across bundles).
        self._seen: set[tuple[_Node, _Node, bool]] = set()

    def process(self, item):
        key, nodes = item
        by_id: dict[str, _Node] = {}
        for n in nodes:
            # An id both indexed and re-read resolves the same way on every run.
            held = by_id.get(n[0])
            by_id[n[0]] = n if held is None or held == n else max(held, n, key=_node_rank)
        exact = not key.startswith("b:")
        try:
            pairs = bucket_pairs(list(by_id), self._cfg) if len(by_id) > 1 else []
        except Exception as exc:  # dead letter: every new member of the bucket fails at Join
            yield from _errors_of(by_id.values(), exc)
            return
        for a, b in pairs:
            na, nb = by_id[a], by_id[b]
            if na[3] and nb[3]:          # pairs among earlier runs' articles are settled
                continue
            seen = (na, nb, exact)     # the nodes, not the ids: the same whatever the bundles
            if seen not in self._seen:
                self._seen.add(seen)
                yield (a, b), (na, nb, exact)


def _node_rank(n: _Node) -> tuple:
    """An earlier run's node of an id ranks above this run's (as the index row wins)."""
    return (n[0], n[3], repr(n))


class _Candidate(beam.CombineFn):
    """One candidate pair out of the buckets that propose it: exact when any is an exact bucket.

    Near copies share most bands, so a pair arrives from many buckets; combined before
    the shuffle, it is verified once.
    """

    def create_accumulator(self):
        return None

    def add_input(self, acc, pair):
        if acc is None:
            return pair
        if acc[0] != pair[0] or acc[1] != pair[1]:
            return (max(acc[0], pair[0], key=_node_rank), max(acc[1], pair[1], key=_node_rank), acc[2] or pair[2])
        return pair if pair[2] and not acc[2] else acc

    def merge_accumulators(self, accumulators):
        out = None
        for acc in accumulators:
            if acc is not None:
                out = self.add_input(out, acc)
        return out

    def extract_output(self, acc):
        return acc


def _first_signature(item):
    """(second id, (pair, first fingerprint)) for the near pairs of one id and its fingerprints."""
    _, grouped = item
    fps = list(grouped["fp"])
    pairs = list(grouped["pair"])
    if not pairs:
        return
    fp = _pick(fps)
    for pair in pairs:
        yield pair[1][0], (pair, fp)


def _pick(fps: list) -> Fingerprint | None:
    """The fingerprint of an id: an earlier run's when the id is both (as ``_node_rank``)."""
    if not fps:
        return None
    return max(fps, key=lambda t: (t[0], t[1].signature, t[1].content_hash))[1]


class _VerifyFn(beam.DoFn):
    """Near pairs with both fingerprints -> verified edges ((node, node)); errors for both articles."""

    def __init__(self, cfg: DedupConfig):
        self._cfg = cfg

    def setup(self) -> None:
        self._counters = Counters(_STAGE)

    def process(self, item):
        _, grouped = item
        halves = list(grouped["half"])
        if not halves:
            return
        fb = _pick(list(grouped["fp"]))
        for (na, nb, _), fa in halves:
            self._counters.inc("candidate_pairs")
            try:
                if fa is None or fb is None:
                    raise RuntimeError(f"no fingerprint for a candidate pair ({na[0]}, {nb[0]})")
                same = verify(fa, fb, self._cfg)
            except Exception as exc:  # which of the two is at fault is unknown: both fail
                yield from _errors_of((na, nb), exc)
                continue
            if same:
                self._counters.inc("verified_pairs")
                yield (na, nb)


def _errors_of(members: Iterable[_Member | _Node], exc: Exception):
    for m in members:
        if not m[3]:     # earlier runs' articles are not records of this run
            yield beam.pvalue.TaggedOutput(_ERRORS, (m[0], internal_failure(_STAGE, None, exc, where=m[0])))


def _node(m: _Member) -> _Node:
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
    def __init__(self, cfg: DedupConfig, run_day: str):
        self._cfg = cfg
        self._run_day = run_day

    def setup(self) -> None:
        self._counters = Counters(_STAGE)

    def process(self, item):
        aid, grouped = item
        articles, fps, dups = list(grouped["article"]), list(grouped["fp"]), list(grouped["dup"])
        if not articles:
            return []    # an error of an earlier run's row, or of no article of this run
        segments = next(iter(grouped["segments"]), None)
        known = next(iter(grouped["known"]), frozenset())
        own = next(iter(grouped["own"]), None)
        article = articles[0]
        errors = sorted(grouped["error"], key=lambda f: (f.detail, f.input))
        if errors or not fps:
            self._counters.inc("failed")
            failure = errors[0] if errors else internal_failure(
                _STAGE, article, RuntimeError(f"no fingerprint for article {aid}"))
            # The id alone is all an error raised on a bucket member knows of its article.
            return [beam.pvalue.TaggedOutput(FAILURES, dataclasses.replace(failure, input=article.input))]
        return dead_letter(_STAGE, self._counters, article, self._one(article, fps[0], dups, segments, known, own))

    def _one(self, article: Article, fp: Fingerprint, dups: list, segments: tuple[str, ...] | None,
             known: frozenset[int], own: frozenset[int] | None):
        dup_of = dups[0] if dups else None
        if segments is None:
            segments = tuple(segment_hashes(article.text, self._cfg))
        self._counters.inc("out")
        self._counters.inc("duplicate" if dup_of else "canonical")
        yield article.replace(content_hash=fp.content_hash, dup_of=dup_of)
        row = DedupRow(fp, dup_of, segments)
        day = index_day(article.published_at, self._run_day)
        yield beam.pvalue.TaggedOutput(INDEX, ("index_articles", article_index_row(row, day)))
        # A copy is not indexed under the keys its component has already (``key_block``).
        # The finding keys come from Fingerprint with the segments: computed once per article.
        if own is None:
            own = finding_keys(row, self._cfg)
        keys = key_block(row, self._cfg, day, known if dup_of else frozenset(), own)
        if dup_of and known:
            self._counters.inc("copy_keys_left_to_component", len(own & known))
        yield beam.pvalue.TaggedOutput(INDEX, ("index_keys", keys))


class FoldDuplicates(beam.PTransform):
    """Articles in, the same articles out with ``content_hash`` and ``dup_of`` set.

    ``index`` lists the files of the index tables; the workers read from them only
    the earlier articles that share a key with this run's (segments, content hash,
    URL, LSH bands) and the boilerplate among this run's segments.
    """

    def __init__(self, config: DedupConfig | None = None, index: IndexFiles | None = None, run_day: str = ""):
        super().__init__()
        self._cfg = config or DedupConfig()
        self._index = index or IndexFiles()
        self._run_day = run_day

    def expand(self, articles):
        cfg, index, run_day = self._cfg, self._index, self._run_day
        unique = (articles | "KeyById" >> beam.Map(lambda a: (a.article_id, a))
                  | "GroupById" >> beam.GroupByKey()
                  | "OnePerId" >> beam.ParDo(_OnePerIdFn()).with_outputs(FAILURES, main=MAIN))
        arts = unique[MAIN]

        segmented = arts | "Segments" >> beam.ParDo(_SegmentsFn(cfg)).with_outputs(_ERRORS, main=MAIN)
        new_segments = segmented[MAIN]
        errors = [segmented[_ERRORS]]
        # Earlier articles holding one of this run's segments, read by key: a segment seen
        # twice yesterday and once today has been seen three times.
        seg_keys = new_segments | "SegmentKeys" >> beam.Map(segment_key)
        prior_boiler = (seg_keys | "LookupBoilerplate" >> LookupKeys(index.of("index_boilerplate"))
                        | "PriorBoilerplateHashes" >> beam.Map(lambda r: r["segment_hash"]))
        # A segment the index already holds as boilerplate is not judged again, so its holders
        # are not read: a footer's holders are every earlier article of its outlet.
        open_keys = new_segments | "OpenSegmentKeys" >> beam.ParDo(_OpenSegmentKeysFn(), AsList(prior_boiler))
        holder_rows = _prior_articles(open_keys, index, "PriorSegmentHolders")
        old_segments = holder_rows | "PriorSegments" >> beam.ParDo(_HolderSegmentsFn())
        # Only segments this run holds are judged: the others concern no article of the run.
        recurring = (((new_segments | "MarkNew" >> beam.Map(lambda s: (s, (1, 1)))),
                      (old_segments | "MarkOld" >> beam.Map(lambda s: (s, (1, 0)))))
                     | "AllSegments" >> beam.Flatten()
                     | "CountSegments" >> beam.CombinePerKey(_sum_pairs)
                     | "Recurring" >> beam.Filter(lambda kv: kv[1][0] >= cfg.boilerplate_min_docs and kv[1][1] > 0)
                     | "RecurringKeys" >> beam.Keys())
        boilerplate = prior_boiler
        for r in range(cfg.boilerplate_rounds):
            # Each round judges on signatures without the previous round's boilerplate.
            # Articles and earlier runs' rows go through one DoFn: FnApiRunner does not run a
            # Flatten of two DoFns waiting on the same side input.
            holders = ((arts, holder_rows) | f"HolderInputs{r}" >> beam.Flatten()
                       | f"Holders{r}" >> beam.ParDo(_HoldersFn(cfg), AsList(recurring), AsList(boilerplate)
                                                     ).with_outputs(_ERRORS, _SIGNATURES, main=MAIN))
            errors.append(holders[_ERRORS])
            judged = (holders[MAIN]
                      | f"GroupHolders{r}" >> beam.GroupByKey()
                      | f"Judge{r}" >> beam.ParDo(_JudgeFn(cfg), AsList(holders[_SIGNATURES])))
            boilerplate = ((judged, prior_boiler) | f"AllBoilerplate{r}" >> beam.Flatten()
                           | f"DistinctBoilerplate{r}" >> beam.Distinct())

        fingerprinted = arts | "Fingerprint" >> beam.ParDo(_FingerprintFn(cfg), AsList(boilerplate)).with_outputs(
            _ERRORS, _SEGMENTS, _KEYS, main=MAIN)
        fps = fingerprinted[MAIN]
        errors.append(fingerprinted[_ERRORS])
        new_members = fps | "NewMembers" >> beam.Map(lambda fp: (fp.article_id, fp, None, False))
        # Earlier articles sharing a content hash, a URL or an LSH band with this run's: only
        # their fingerprints are read (as Spark's approxSimilarityJoin joins on band keys).
        match = fps | "MatchKeys" >> beam.FlatMap(lambda fp: match_keys(fp, cfg))
        prior_rows = _prior_articles(match, index, "PriorCandidates")
        prior_members = prior_rows | "PriorMembers" >> beam.Map(lambda r: (r.article_id, r.fingerprint, r.dup_of,
                                                                            True))
        members = (new_members, prior_members) | "AllMembers" >> beam.Flatten()
        # Buckets hold ids only; a candidate pair is verified once, with the two fingerprints
        # joined to it by id (a signature crosses two shuffles, not one per band).
        pairs = (members | "BucketKeys" >> beam.FlatMap(lambda m: _bucket_keys(cfg, m))
                 | "Buckets" >> beam.GroupByKey()
                 | "BucketPairs" >> beam.ParDo(_BucketPairsFn(cfg)).with_outputs(_ERRORS, main=MAIN))
        errors.append(pairs[_ERRORS])
        candidates = pairs[MAIN] | "Candidates" >> beam.CombinePerKey(_Candidate()) | "CandidatePairs" >> beam.Values()
        exact = candidates | "Exact" >> beam.FlatMap(lambda c: [(c[0], c[1])] if c[2] else [])
        near = candidates | "Near" >> beam.Filter(lambda c: not c[2])
        signatures = members | "KeySignatures" >> beam.Map(lambda m: (m[0], (m[3], m[1])))
        firsts = ({"pair": near | "ByFirst" >> beam.Map(lambda c: (c[0][0], c)), "fp": signatures}
                  | "JoinFirst" >> beam.CoGroupByKey()
                  | "FirstSignature" >> beam.FlatMap(_first_signature))
        verified = ({"half": firsts, "fp": signatures}
                    | "JoinSecond" >> beam.CoGroupByKey()
                    | "VerifyPairs" >> beam.ParDo(_VerifyFn(cfg)).with_outputs(_ERRORS, main=MAIN))
        errors.append(verified[_ERRORS])
        edges = (exact, verified[MAIN]) | "AllEdges" >> beam.Flatten()
        # The verified pairs of this run's articles (ids and order keys, a few per copy): their
        # components are found in one place, which costs what the run's own copies cost.
        dups = (edges | "EdgeList" >> beam.combiners.ToList()
                | "Components" >> beam.FlatMap(_components))

        # The finding keys of each copy's component that this run has, by canonical id: the canonical's
        # (an article of this run, or an earlier one), and those of every earlier member read as a
        # candidate or a segment holder (ints, ~60 per article). Every finding key of an indexed article
        # is indexed for some member of its component (``key_block``), so a copy need not repeat one.
        prior_keys = ((prior_rows, holder_rows) | "PriorRows" >> beam.Flatten()
                      | "PriorKeys" >> beam.Map(lambda r: (r.dup_of or r.article_id, finding_keys(r, cfg))))
        all_errors = errors | "AllErrors" >> beam.Flatten()
        # A canonical of this run that fails is not indexed: its copies then keep all their keys.
        copies = dups | "CopiesByCanonical" >> beam.FlatMap(lambda kv: [(kv[1], kv[0])] if kv[1] else [])
        known_keys = ({"copy": copies,
                       "keys": (fingerprinted[_KEYS], prior_keys) | "CanonicalKeys" >> beam.Flatten(),
                       "error": all_errors}
                      | "JoinCanonical" >> beam.CoGroupByKey()
                      | "KeysOfCanonical" >> beam.FlatMap(_keys_of_canonical))
        joined = ({"article": arts | "KeyArticles" >> beam.Map(lambda a: (a.article_id, a)),
                   "fp": fps | "KeyFingerprints" >> beam.Map(lambda f: (f.article_id, f)),
                   "dup": dups,
                   "segments": fingerprinted[_SEGMENTS],
                   "own": fingerprinted[_KEYS],
                   "known": known_keys,
                   "error": all_errors}
                  | "Join" >> beam.CoGroupByKey()
                  | "SetDupOf" >> beam.ParDo(_JoinFn(cfg, run_day)).with_outputs(INDEX, FAILURES, main=MAIN))
        new_boiler = ((boilerplate, prior_boiler | "KnownMarks" >> beam.Map(lambda h: (h, True)))
                      | "NewBoilerplate" >> _NewOnly()
                      | "BoilerplateRows" >> beam.Map(lambda h: ("index_boilerplate", boilerplate_row(h, run_day))))
        index_rows = (joined[INDEX], new_boiler) | "IndexRows" >> beam.Flatten()
        failures = (unique[FAILURES], joined[FAILURES]) | "AllFailures" >> beam.Flatten()
        return {MAIN: joined[MAIN], FAILURES: failures, INDEX: index_rows}


def _keys_of_canonical(item):
    """(canonical id, its copies and the finding keys of its members) -> (copy id, those keys) per copy;
    none when the run has no member's keys, or the canonical is of this run and fails here (the copy is
    then indexed under all of its own)."""
    _, grouped = item
    found = list(grouped["keys"])    # the same row may be read as a candidate and as a holder
    if not found or any(True for _ in grouped["error"]):
        return
    keys = frozenset().union(*found)
    for copy in sorted(set(grouped["copy"])):
        yield copy, keys


def _sum_pairs(pairs):
    total, new = 0, 0
    for a, b in pairs:
        total += a
        new += b
    return total, new


def _prior_articles(keys, index: IndexFiles, label: str):
    """DedupRows of the earlier articles holding any of ``keys``."""
    ids = keys | f"{label}Keys" >> LookupIds(index.of("index_keys"))
    return (ids | f"{label}Rows" >> ReadByArticle(index.of("index_articles"))
            | f"{label}AsRows" >> beam.Map(dedup_row_of))


class _NewOnly(beam.PTransform):
    """Boilerplate hashes judged this run that the index does not hold yet."""

    def expand(self, pair):
        judged, known = pair
        return ({"judged": judged | "KeyJudged" >> beam.Map(lambda h: (h, True)), "known": known}
                | "JoinKnown" >> beam.CoGroupByKey()
                | "Unknown" >> beam.FlatMap(lambda kv: [kv[0]] if kv[1]["judged"] and not kv[1]["known"] else []))
