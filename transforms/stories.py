"""ClusterStories: set ``story_id`` (same event, any outlet or language, across runs).

Steps (labels are stable):

1. ``Window``: the index members of the days within ``stories.window_days`` of
   this run's articles (their profiles carry story ids): the active stories, read by
   workers from ``index_members``. Nothing older is read. ``Again`` reads the same files
   for step 4's sums, which wait on step 4's frequencies: a second read of a few files
   costs less than a local runner holding every earlier profile in between.
2. ``TermDf``: document frequency of terms over this run's canonical articles and
   the window's profiles, so each profile keeps its distinctive terms.
3. ``Profile``: a small :class:`StoryProfile` per canonical article (no text).
4. ``Blocks``: each new profile's blocking keys (its heaviest rare features); a block
   proposes the pairs of its new articles. An earlier story is one node: ``PerStory``
   groups its window members (``Again`` reads them packed per story and file), and
   ``PriorPairs`` sums them into a :class:`StorySum` (their unit vectors per language
   and years, and the keys they propose) and pairs it with the new articles of the
   blocks it shares (the blocks, bounded by this run, are a side input). Each node keeps
   its best ``max_candidates``, and each pair's link is worked out there (a story's link
   to an article is the sum of the article's similarities to its members, from the sum
   of their unit vectors; the run's new profiles are a side input).
5. ``Components``: connected components of this run's strong candidate pairs (a pair
   whose own mean link reaches the threshold; ids only), then ``Cluster``: average
   linkage inside each component, in parallel over components, over node sizes and the
   links of the pairs inside it (``average_linkage``: clusters only form inside such
   components, so this is what clustering the whole graph gives). A new article joins
   the story it links to best above the threshold; earlier stories keep their ids and
   are never merged.
6. ``SetStoryId``: story ids joined back by article_id; a copy (``dup_of``) takes
   the story of its canonical (read from the index when it is an earlier article). A new
   story's id is its first article's (``story_id_for``: the day it was published, then a
   hash of its id); ``Alone`` lists the articles that start a story by themselves, so their
   copies take the very same id.

Outputs: ``main`` (articles), ``failures`` and ``index`` (``("index_members", row)``
pairs for this run's articles). The record of this stage is an article: an exception while its
terms or its profile are computed is kept as ``(article_id, Failure)`` and the
article leaves as that failure at ``SetStoryId`` (so in = out + failed);
clustering itself works on ids and small profiles only.
"""
from __future__ import annotations

import hashlib
import pickle
import weakref
from collections import Counter

import apache_beam as beam
from apache_beam.pvalue import AsDict, AsSingleton

from transforms.common import FAILURES, MAIN, Counters, internal_failure
from transforms.core.dedup import connected_components
from transforms.core.entities import EntityLexicon
from transforms.core.index import index_day, member_row, profile_of, profiled as profiled_members
from transforms.core.prepare import prepared_ahead, profile_parts_of
from transforms.core.records import Article, ArticleMeta, Stage
from transforms.core.stories import (
    StoryConfig,
    ProfileParts,
    StoryProfile,
    StorySum,
    article_node,
    average_linkage,
    best_candidates,
    build_profile,
    heavy_keys,
    pair_link,
    profile_text,
    story_id_for,
    story_ids,
    story_node,
    strong,
    term_counts,
    vectorise,
)
from transforms.index import IndexFiles, ReadByArticle, ReadWindow, unpack_rows

INDEX = "index"
_ERRORS = "errors"
_EDGES = "edges"
_STORIES = "stories"
# (node, (other node, shared weight, link, story size)): one coder for both sides of the AllPairs
# flatten, so neither is re-encoded there.
_Pair = tuple[str, tuple[str, float, float, int]]
_STAGE = Stage.STORIES.value


def _parts(article: Article) -> ProfileParts | None:
    return pickle.loads(article.prepared_profile) if article.prepared_profile is not None else None


class _PrepareFn(beam.DoFn):
    """The article-only parts of an HTML article's story profile (entities, names, numbers, term
    counts), computed ahead and carried pickled with it.

    Fused with extraction, as ``transforms.claims.PrepareClaims`` is: this process works while
    the isolated extraction process parses the next page. A plain-text article has no such wait,
    so its parts are left to the stories stage. An article whose parts fail here goes on without
    them: the stories stage computes them again and records the failure as its own.
    """

    def __init__(self, cfg: StoryConfig, lexicon: EntityLexicon):
        self._cfg = cfg
        self._lexicon = lexicon

    def process(self, article: Article):
        yield prepared_ahead(article, "prepared_profile", lambda a: profile_parts_of(self._cfg, self._lexicon, a))


class PrepareProfiles(beam.PTransform):
    """Compute the profile parts of HTML articles where extraction leaves a core idle (see
    ``_PrepareFn``); ``ClusterStories`` uses them instead of computing them again. Same profiles
    either way."""

    def __init__(self, config: StoryConfig | None, lexicon: EntityLexicon):
        super().__init__()
        self._cfg = config or StoryConfig()
        self._lexicon = lexicon

    def expand(self, articles):
        return articles | "Prepare" >> beam.ParDo(_PrepareFn(self._cfg, self._lexicon))


class _ProfileFn(beam.DoFn):
    def __init__(self, cfg: StoryConfig, lexicon: EntityLexicon):
        self._cfg = cfg
        self._lexicon = lexicon

    def setup(self) -> None:
        self._counters = Counters(_STAGE)

    def process(self, article: Article, term_stats: _Frequencies):
        term_df, n_docs = term_stats.get()
        try:
            profile = build_profile(article.article_id, article.title, article.text, article.lang,
                                    article.published_at, article.source, self._lexicon, self._cfg, term_df, n_docs,
                                    _parts(article))
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
            parts = _parts(article)
            if parts is not None:
                terms = tuple(t for t, _ in parts.term_counts)
            else:
                terms = tuple(sorted(term_counts(profile_text(article.title, article.text), self._min_chars)))
        except Exception as exc:  # dead letter, as in _ProfileFn
            yield beam.pvalue.TaggedOutput(_ERRORS, (article.article_id, internal_failure(_STAGE, article, exc)))
            return
        yield terms


class _DocFreq(beam.CombineFn):
    """Document frequencies: each input is one document's distinct features; the output is
    ``(frequency of each feature held by two documents or more, number of documents)``, packed
    as :class:`_Frequencies`.

    One element per document (not one per feature) goes through the runner; the counts are
    merged per bundle and then once. A feature of one document is left out: every reader takes
    a missing feature as frequency 1 (``build_profile``, ``vectorise``; ``heavy_keys`` skips both),
    and the output is a side input that each consumer decodes and the runner's cache sizes, so
    it stays as small as what it says (a fifth of the features of the bench's history window,
    more in real news, where most names and terms are one article's).
    """

    def create_accumulator(self) -> tuple[Counter, int]:
        return Counter(), 0

    def add_input(self, acc: tuple[Counter, int], features) -> tuple[Counter, int]:
        counts, n = acc
        counts.update(features)
        return counts, n + 1

    def merge_accumulators(self, accumulators) -> tuple[Counter, int]:
        it = iter(accumulators)
        counts, n = next(it)
        for more, m in it:
            counts.update(more)
            n += m
        return counts, n

    def extract_output(self, acc: tuple[Counter, int]) -> _Frequencies:
        return _Frequencies.of({f: n for f, n in acc[0].items() if n > 1}, acc[1])


class _Frequencies:
    """``(document frequencies, number of documents)`` as a side input: one pickled bytes object,
    unpickled once where it is read (``get``).

    Each time a consumer loads a side input, the runner's state cache sizes it object by object
    (``objsize``); a dict of some 100,000 features is walked entry by entry, about 0.9 s of run 12 of
    the bench's history corpus over its four consumers. As bytes it is one object to size and to copy.
    """

    __slots__ = ("blob", "_held")

    def __init__(self, blob: bytes):
        self.blob = blob
        self._held: _Decoded | None = None

    @classmethod
    def of(cls, df: dict, n_docs: int) -> _Frequencies:
        return cls(pickle.dumps((df, n_docs), protocol=5))

    def __reduce__(self):
        return _Frequencies, (self.blob,)

    def get(self) -> tuple[dict, int]:
        if self._held is None:
            self._held = _decoded(self.blob)
        return self._held.value


class _Decoded:
    """Decoded frequencies, held by the side input objects that read them (weakly by ``_DECODED``)."""

    __slots__ = ("value", "__weakref__")

    def __init__(self, value: tuple[dict, int]):
        self.value = value


# Decoded frequencies by their bytes' digest, shared by the consumers in one process while any of them
# holds them: each consumer (Profile, BlockKeys, PriorPairs, BestEdges) is handed its own copy of the
# side input, and each decoded dict of the window's features is ~10 MB (90,000 features in run 12 of
# the bench's history). Read-only: every consumer reads the same dict. Held weakly, so that once the
# stages that read them are done they are let go, not kept to the end of the run: a later stage (the
# story summaries, where a run with history peaks) reuses that memory.
_DECODED: weakref.WeakValueDictionary[bytes, _Decoded] = weakref.WeakValueDictionary()


def _decoded(blob: bytes) -> _Decoded:
    key = hashlib.blake2b(blob, digest_size=16).digest()
    held = _DECODED.get(key)
    if held is None:
        held = _Decoded(pickle.loads(blob))
        _DECODED[key] = held
    return held


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
        # A copy is in its canonical's story (an earlier article's, read from the index). Every
        # profiled article of this run is in ``sids``; what is not (a copy whose canonical is in no
        # story) starts its canonical's story, dated only when the canonical is the article itself.
        canonical = article.dup_of or article.article_id
        sid = sids.get(article.article_id) or sids.get(canonical) or story_id_for(
            canonical, article.published_at if canonical == article.article_id else None)
        # The profile parts prepared ahead are used up: later stages do not carry them.
        yield article.replace(story_id=sid, prepared_profile=None)


class _BlockKeysFn(beam.DoFn):
    """For each heavy feature of a new article's profile: (blocking key, (node, True, weight))."""

    def __init__(self, cfg: StoryConfig):
        self._cfg = cfg

    def process(self, profile: StoryProfile, stats: _Frequencies):
        df, n_docs = stats.get()
        v = vectorise(profile, df, n_docs, self._cfg)
        node = article_node(profile.article_id)
        for key in heavy_keys(v, df, self._cfg):
            yield key, (node, True, v.all[key])


class _Links:
    """The links of candidate pairs (``pair_link``) with this run's new profiles (a side input,
    bounded by the run), each vectorised once per bundle (~18 MB per 1,000 articles, let go when
    the bundle ends: a worker keeps a stage's DoFns after it has run)."""

    def __init__(self, profiles: dict, stats: _Frequencies, cfg: StoryConfig):
        self.profiles = profiles
        self._df, self._n_docs = stats.get()
        self._cfg = cfg
        self._vectors: dict = {}
        self._wanted: frozenset[str] | None = None

    def vector_of(self, profile: StoryProfile):
        """An earlier member's vector, with the run's frequencies."""
        return vectorise(profile, self._df, self._n_docs, self._cfg)

    def heavy_keys(self, v) -> list[str]:
        return heavy_keys(v, self._df, self._cfg)

    def story_sum(self, story_id: str, members: list[StoryProfile], blocks: dict) -> StorySum:
        """An earlier story's :class:`StorySum` over its window members, with the blocking keys they
        propose that some new article has (a key no new article has proposes no pair). Only the
        features of the new articles are summed: the sum is linked to them alone."""
        if self._wanted is None:
            self._wanted = frozenset(f for p in self.profiles.values() for f in p.features())
        story = StorySum(story_id)
        for p in members:
            v = self.vector_of(p)
            story.add(p, v, [key for key in self.heavy_keys(v) if key in blocks], self._df, self._wanted)
        return story

    def _vector(self, node: str):
        v = self._vectors.get(node)
        if v is None:
            v = self._vectors[node] = vectorise(self.profiles[node], self._df, self._n_docs, self._cfg)
        return v

    def to_story(self, story: StorySum, node: str) -> float:
        return story.linked(self.profiles[node], self._vector(node), self._cfg)

    def between(self, a: str, b: str) -> float:
        a, b = min(a, b), max(a, b)
        return pair_link(a, b, self.profiles, {a: self._vector(a), b: self._vector(b)}, {}, self._cfg)


class _LinkingFn(beam.DoFn):
    """A DoFn that computes links: ``fn(item, *side, cfg, links)`` with a :class:`_Links` per bundle."""

    def __init__(self, fn, cfg: StoryConfig):
        self._fn = fn
        self._cfg = cfg

    def start_bundle(self) -> None:
        self._links: _Links | None = None

    def finish_bundle(self) -> None:
        self._links = None

    def process(self, item, profiles: dict, stats: _Frequencies, *side):
        if self._links is None:   # the side inputs are one run's, the same for the whole bundle
            self._links = _Links(profiles, stats, self._cfg)
        yield from self._fn(item, *side, self._cfg, self._links)


def _edge(a: str, b: str, link: float, size: int, cfg: StoryConfig):
    """``(a, b, link, strong)`` with ``a < b``; ``size`` is the story's, or 1 between articles."""
    a, b = min(a, b), max(a, b)
    return a, b, link, strong(link, 1, size, cfg)


def _prior_pairs(item, blocks: dict, cfg: StoryConfig, links: _Links):
    """An earlier story and the new articles it shares blocking keys with (what the blocks would
    propose, summed over the keys before any shuffle).

    A story's pairs all come from here (two earlier stories are never paired), so its best
    candidates are chosen here and leave as ``TaggedOutput("edges", edge)`` (see ``_edge``); each
    new article gets ``(article node, (story node, shared weight, link, story size))``, to be
    ranked with its other pairs. The links are worked out here, where the story's sum is: the
    sum goes no further. A story with a pair leaves as ``TaggedOutput("stories", node part)``
    (``_node_part``), for the clustering of its component.
    """
    node, story = item
    weights = story.key_weights()
    shared: dict[str, float] = {}
    for key in sorted(weights):
        w = weights[key]
        for other, _, w_other in sorted(set(blocks.get(key, ()))):
            shared[other] = shared.get(other, 0.0) + w * w_other
    link = {other: links.to_story(story, other) for other in sorted(shared)}
    for other in sorted(shared):
        yield other, (node, shared[other], link[other], story.size)
    for other in best_candidates(shared, cfg):
        yield beam.pvalue.TaggedOutput(_EDGES, _edge(node, other, link[other], story.size, cfg))
    if shared:
        yield beam.pvalue.TaggedOutput(_STORIES, (node, _node_part(node, story.size, story.story_id)))


def _story_pairs(item, blocks: dict, cfg: StoryConfig, links: _Links):
    """An earlier story's window members, grouped by story id (packed rows of ``index_members``) -> its
    :class:`StorySum`, then its pairs with the new articles (``_prior_pairs``). One story's members
    are Python objects at a time, and its sum goes no further than here."""
    story_id, parts = item
    members = sorted((profile_of(r) for part in parts for r in unpack_rows(part)), key=lambda p: p.article_id)
    yield from _prior_pairs((story_node(story_id), links.story_sum(story_id, members, blocks)), blocks, cfg, links)


def _block_pairs(item):
    """Within one block of new articles: (node, (other node, shared weight, 0.0, 0)) for each ordered
    pair (size 0: an article; its link is worked out where its candidates are chosen)."""
    _, members = item
    members = sorted(set(members))
    for a, _, wa in members:
        for b, _, wb in members:
            if a != b:
                yield a, (b, wa * wb, 0.0, 0)


def _best_edges(item, cfg: StoryConfig, links: _Links):
    """A new article's best candidates among the articles and stories it shares keys with, as edges."""
    node, contributions = item
    shared: dict[str, float] = {}
    stories: dict[str, tuple[float, int]] = {}
    for other, w, link, size in contributions:
        shared[other] = shared.get(other, 0.0) + w
        if size:
            stories[other] = (link, size)
    for other in best_candidates(shared, cfg):
        link, size = stories.get(other) or (links.between(node, other), 1)
        yield _edge(node, other, link, size, cfg)


def _components(edges: list):
    for node, root in connected_components(sorted(set(edges))).items():
        yield node, root


def _node_part(node: str, size: int, story_id: str = "", order_key=None):
    """What the clustering of a component needs of a node: its size, its story id when it is an
    earlier story, its order when it is a new article. Never a profile or a sum."""
    return ("node", node, size, story_id, order_key)


def _in_component(item, roots: dict):
    """(node, part) -> (its component's root, part); a node without a strong pair is in no
    component (a new article alone starts its own story)."""
    node, part = item
    root = roots.get(node)
    if root is not None:
        yield root, part


def _edge_in_component(edge, roots: dict):
    """An edge inside one component -> (root, edge part); an edge between components links
    clusters that can never merge (``strong``), and is left out."""
    a, b, link, _ = edge
    root = roots.get(a)
    if root is not None and roots.get(b) == root:
        yield root, ("edge", a, b, link)


def _alone(profile: StoryProfile, roots: dict):
    """A new article in no component of strong pairs -> (its id, the id of the story it starts)."""
    if article_node(profile.article_id) not in roots:
        yield profile.article_id, story_id_for(profile.article_id, profile.published_at)


def _cluster_component(item, cfg: StoryConfig):
    """A component's nodes and edges (ids, sizes, links) -> its new articles' story ids."""
    _, parts = item
    sizes: dict[str, int] = {}
    fixed: dict[str, str] = {}
    order_keys: dict[str, tuple] = {}
    links: dict[tuple[str, str], float] = {}
    for part in parts:
        if part[0] == "node":
            _, node, size, sid, key = part
            sizes[node] = size
            if sid:
                fixed[node] = sid
            else:
                order_keys[node] = key
        else:
            _, a, b, link = part
            links.setdefault((a, b), link)    # an edge chosen from both ends comes twice, with one link
    clusters = average_linkage(sizes, fixed, [(a, b, link) for (a, b), link in sorted(links.items())], cfg)
    yield from sorted(story_ids(clusters, fixed, order_keys).items())


def _member_row(item, run_day: str):
    _, grouped = item
    metas, profiles = list(grouped["meta"]), list(grouped["profile"])
    if not metas:
        return
    meta = metas[0]
    yield "index_members", member_row(meta, profiles[0] if profiles else None,
                                      index_day(meta.published_at, run_day))


class _WindowProfiles(beam.PTransform):
    """This run's days in, the profiles of the window's members that are in a story out (``index_members``)."""

    def __init__(self, index: IndexFiles, cfg: StoryConfig, run_day: str):
        super().__init__()
        self._index = index
        self._cfg = cfg
        self._run_day = run_day

    def expand(self, run_days):
        return (run_days | "ReadWindow" >> ReadWindow(self._index.of("index_members"), self._cfg.window_days,
                                                      self._run_day)
                | "WindowProfiled" >> beam.Filter(lambda r: bool(r["profiled"] and r["story_id"]))
                | "WindowProfiles" >> beam.Map(profile_of))


class ClusterStories(beam.PTransform):
    """Articles in, the same articles out with ``story_id`` set.

    ``index`` lists the files of the index tables; the workers read the members of
    the days within ``config.window_days`` of this run's articles.
    """

    def __init__(self, config: StoryConfig | None, lexicon: EntityLexicon,
                 index: IndexFiles | None = None, run_day: str = ""):
        super().__init__()
        self._cfg = config or StoryConfig()
        self._lexicon = lexicon
        self._index = index or IndexFiles()
        self._run_day = run_day

    def expand(self, articles):
        cfg, index, run_day = self._cfg, self._index, self._run_day
        canonical = articles | "Canonicals" >> beam.Filter(lambda a: not a.dup_of)
        copies = articles | "Copies" >> beam.Filter(lambda a: bool(a.dup_of))
        run_days = articles | "RunDays" >> beam.Map(lambda a: index_day(a.published_at, run_day))
        prior_profiles = run_days | "Window" >> _WindowProfiles(index, cfg, run_day)

        terms = canonical | "Terms" >> beam.ParDo(_TermsFn(cfg.min_term_chars)).with_outputs(_ERRORS, main=MAIN)
        old_terms = prior_profiles | "PriorTerms" >> beam.Map(lambda pr: tuple(t for t, _ in pr.terms))
        term_df = ((terms[MAIN], old_terms) | "AllTerms" >> beam.Flatten()
                   | "TermDf" >> beam.CombineGlobally(_DocFreq()))
        profiled = canonical | "Profile" >> beam.ParDo(_ProfileFn(cfg, self._lexicon), AsSingleton(term_df)
                                                       ).with_outputs(_ERRORS, main=MAIN)
        profiles = profiled[MAIN]
        # An article may fail in both steps: the first failure (by its text) is its row.
        errors = ((terms[_ERRORS], profiled[_ERRORS]) | "AllErrors" >> beam.Flatten()
                  | "GroupErrors" >> beam.GroupByKey()
                  | "OneErrorPerArticle" >> beam.MapTuple(
                      lambda aid, fs: (aid, min(fs, key=lambda f: (f.detail, f.input)))))

        every = (((profiles | "MarkNew" >> beam.Map(lambda pr: (pr, True))),
                  (prior_profiles | "MarkPrior" >> beam.Map(lambda pr: (pr, False))))
                 | "AllProfiles" >> beam.Flatten())
        feature_df = (every | "Features" >> beam.Map(lambda item: set(item[0].features()))
                      | "FeatureDf" >> beam.CombineGlobally(_DocFreq()))
        # The new articles' blocks (bounded by this run) are grouped once: they propose the pairs
        # among new articles, and, as a side input, the pairs of each earlier story that shares a key.
        blocks = (profiles
                  | "BlockKeys" >> beam.ParDo(_BlockKeysFn(cfg), AsSingleton(feature_df))
                  | "Blocks" >> beam.GroupByKey())
        new_pairs = blocks | "BlockPairs" >> beam.FlatMap(_block_pairs).with_output_types(_Pair)
        # The window is read a second time for the stories' sums, which need the frequencies of the
        # first read: a local runner would otherwise hold every earlier profile in between. Its rows
        # come packed per story and file, and are grouped by story: a story's sum is built where its
        # pairs are chosen, one story at a time (summing each bundle's members and combining the parts
        # held every story's sum at once, twice over: ~100 MB in run 12 of the bench's history).
        by_story = (run_days | "Again" >> ReadWindow(index.of("index_members"), cfg.window_days, run_day,
                                                     group_by="story_id", where=profiled_members)
                    | "PerStory" >> beam.GroupByKey())
        # The new profiles by node (bounded by this run): the links of candidate pairs are worked out
        # where the pairs are chosen, so no profile or story sum is carried to the clustering.
        new_by_node = AsDict(profiles | "KeyByNode" >> beam.Map(lambda pr: (article_node(pr.article_id), pr)))
        prior_pairs = (by_story
                       | "PriorPairs" >> beam.ParDo(_LinkingFn(_story_pairs, cfg), new_by_node, AsSingleton(feature_df),
                                                    AsDict(blocks)).with_output_types(
                           _Pair).with_outputs(_EDGES, _STORIES, main=MAIN))
        new_edges = ((new_pairs, prior_pairs[MAIN]) | "AllPairs" >> beam.Flatten()
                     | "ByNode" >> beam.GroupByKey()
                     | "BestEdges" >> beam.ParDo(_LinkingFn(_best_edges, cfg), new_by_node, AsSingleton(feature_df)))
        edges = (new_edges, prior_pairs[_EDGES]) | "AllEdges" >> beam.Flatten()
        # Components of this run's strong candidate pairs (ids only; see ``strong``: clusters form
        # inside them, so each is clustered on its own worker, exactly as all of them together).
        roots = (edges | "StrongEdges" >> beam.Filter(lambda e: e[3])
                 | "EdgeIds" >> beam.Map(lambda e: (e[0], e[1]))
                 | "EdgeList" >> beam.combiners.ToList()
                 | "Components" >> beam.FlatMap(_components))
        # A component is its nodes' sizes and ids and its edges' links: small tuples, one shuffle by
        # component. The roots (node -> root) are a side input.
        nodes = ((profiles | "NodeOfArticle" >> beam.Map(
                      lambda pr: (article_node(pr.article_id),
                                  _node_part(article_node(pr.article_id), 1, "", pr.order_key())))),
                 prior_pairs[_STORIES]) | "Nodes" >> beam.Flatten()
        parts = ((nodes | "InComponent" >> beam.FlatMap(_in_component, AsDict(roots))),
                 (edges | "EdgeInComponent" >> beam.FlatMap(_edge_in_component, AsDict(roots))))
        sids = (parts | "ComponentParts" >> beam.Flatten()
                | "Components_" >> beam.GroupByKey()
                | "Cluster" >> beam.FlatMap(_cluster_component, cfg))
        # A copy whose canonical is an earlier article takes that article's story.
        prior_canonicals = (copies | "CanonicalIds" >> beam.Map(lambda a: a.dup_of)
                            | "ReadCanonicals" >> ReadByArticle(index.of("index_members"))
                            | "CanonicalStories" >> beam.Map(lambda r: (r["article_id"], r["story_id"])))
        # An article in no component starts its own story (dated by its publication): listed here,
        # so that its copies take the very id it takes.
        alone = profiles | "Alone" >> beam.FlatMap(_alone, AsDict(roots))
        story_of = (sids, prior_canonicals, alone) | "StoryIds" >> beam.Flatten()
        # Story ids are small (id -> id): articles take theirs from a side input, so the
        # texts never go through a shuffle here.
        with_story = articles | "SetStoryId" >> beam.ParDo(_SetStoryFn(), AsDict(story_of),
                                                           AsDict(errors)).with_outputs(FAILURES, main=MAIN)
        members = ({"meta": with_story[MAIN] | "Metas" >> beam.Map(lambda a: (a.article_id, ArticleMeta.of(a))),
                    "profile": profiles | "KeyProfiles" >> beam.Map(lambda pr: (pr.article_id, pr))}
                   | "JoinProfiles" >> beam.CoGroupByKey()
                   | "MemberRows" >> beam.FlatMap(_member_row, run_day))
        return {MAIN: with_story[MAIN], FAILURES: with_story[FAILURES], INDEX: members}
