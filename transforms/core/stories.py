"""Stories: articles about one event, across outlets and languages, without translation.

An article is reduced to a :class:`StoryProfile` (no text): entity ids resolved
through the alias lexicons, numbers normalised from any script and separator,
Latin-script names (capitalised tokens, accents folded), its most distinctive
terms, language and publication time. Two profiles are compared as weighted
sparse vectors (cosine); features are weighted by kind and by inverse document
frequency, so a name or a number that few articles share says much and "the"
says nothing. Articles in different languages are compared on the
language-free features only (entities, names, numbers), so a Persian report
is not penalised for having no English words.

Clustering is average linkage over a sparse candidate graph: candidates come
from blocking keys (entities, names, numbers, rare terms), never from all
pairs. Average linkage (not connected components) keeps two events of the
same kind apart: one shared place does not chain two earthquakes together,
because the whole clusters must be similar on average. Profiles further apart
in time than ``max_gap_days`` are never linked.
"""
from __future__ import annotations

import bisect
import hashlib
import heapq
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from dataclasses import dataclass, field
from datetime import datetime, timezone

from transforms.core.config import ConfigError, settings_from_table
from transforms.core.digits import normalize_digits
from transforms.core.entities import EntityLexicon

_FAR_FUTURE = datetime.max.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class StoryConfig:
    """Parameters of the ``[stories]`` table of ``configs/defaults.toml``."""

    # Average-linkage cut: clusters merge while their mean pairwise similarity is above this.
    link_threshold: float = 0.12
    # Relative weight of each kind of feature in the profile vector.
    weight_entity: float = 2.0
    weight_name: float = 3.0
    weight_number: float = 1.0
    weight_term: float = 0.5
    # Distinctive terms kept per profile (by tf-idf) and the shortest term considered.
    max_terms: int = 40
    min_term_chars: int = 4
    # Numbers below this are too common ("two", "5") to tell events apart.
    min_number: float = 10.0
    # A blocking key shared by more profiles than this is too common to propose candidates.
    max_block_size: int = 200
    # Features of a profile used as blocking keys (its heaviest: rare names, entities, numbers, terms).
    block_keys: int = 40
    # Candidate pairs kept per profile (best by shared-key weight), which bounds the graph.
    max_candidates: int = 50
    # Profiles published further apart than this are never one story (when both dates are known).
    max_gap_days: float = 10.0
    # Similarity is multiplied by this when the latest years the two texts mention differ
    # (an undated article is still dated by the years it names: two earthquakes a year apart).
    year_conflict_factor: float = 0.5
    # Entities, names and numbers are weighted as if the batch held this many more articles
    # without them: in a batch of five reports of one story, a name all five share is evidence,
    # not a stop word. Terms get no such prior (a word in every article of a batch is common).
    background_docs: int = 100
    min_year: int = 1900
    max_year: int = 2100
    # A new article is compared with the stories that have an article within this many days
    # of its own (the index days a run reads); older stories are closed.
    window_days: int = 7

    def __post_init__(self) -> None:
        if isinstance(self.window_days, bool) or not isinstance(self.window_days, int) or self.window_days <= 0:
            raise ConfigError(f"[stories] window_days must be a whole number of days, at least 1 "
                              f"(got {self.window_days!r})")

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> StoryConfig:
        return settings_from_table(cls, data, "stories")


@dataclass(frozen=True)
class StoryProfile:
    """What the story stage keeps of an article (also persisted in the index)."""

    article_id: str
    lang: str
    published_at: datetime | None
    source: str = ""
    entities: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    terms: tuple[tuple[str, int], ...] = ()      # (term, count), distinctive terms only
    story_id: str = ""                             # set for profiles of earlier runs

    def order_key(self) -> tuple[datetime, str]:
        return (self.published_at or _FAR_FUTURE, self.article_id)

    def features(self) -> list[str]:
        """Language-free and term features, prefixed by kind: the vocabulary of IDF and blocking."""
        return ([f"e:{e}" for e in self.entities] + [f"n:{n}" for n in self.names]
                + [f"#:{n}" for n in self.numbers] + [f"t:{t}" for t, _ in self.terms])


# ---------------------------------------------------------------- features

_TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*", re.UNICODE)
_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*(?:[.,]\d+)?(?![\w])|(?<![\w.,])\d+(?:[.,]\d+)?(?![\w])")
_SENTENCE_END = re.compile(r"[.!?。؟:\n\"“”«»()]\s*$")


def fold_latin(token: str) -> str:
    """Accents off, case folded: Velásquez and VELASQUEZ are one name."""
    decomposed = unicodedata.normalize("NFKD", token)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


_LATIN_WORD = re.compile(r"^[0-9A-Za-z\u00C0-\u024F\u1E00-\u1EFF'’.-]*[A-Za-z\u00C0-\u024F\u1E00-\u1EFF][0-9A-Za-z\u00C0-\u024F\u1E00-\u1EFF'’.-]*$")
_HAS_DIGIT = re.compile(r"\d")


def _is_latin_word(token: str) -> bool:
    return _LATIN_WORD.match(token) is not None


def parse_number(raw: str) -> float | None:
    """Value of a digit string in any separator convention: 1,000 / 1.000 / 1 000 -> 1000."""
    s = raw.replace(" ", "")
    seps = [ch for ch in s if ch in ".,"]
    if not seps:
        return float(s)
    if len(set(seps)) == 2:
        # The last separator is the decimal one: 1.234,5 or 1,234.5.
        dec = s[max(s.rfind("."), s.rfind(","))]
        grp = "," if dec == "." else "."
        return float(s.replace(grp, "").replace(dec, "."))
    sep = seps[0]
    groups = s.split(sep)
    if len(groups) > 2 or (len(groups[-1]) == 3 and groups[0] != "0"):
        # 1,000 and 1.000 are thousands in every convention claimwire reads; 2.5 is a decimal.
        return float("".join(groups))
    return float(s.replace(sep, "."))


def numbers_in(text: str, min_value: float) -> list[str]:
    """Canonical spellings of the numbers of ``text`` (any digit script) at least ``min_value``."""
    norm = normalize_digits(text)
    out = set()
    for m in _NUMBER.finditer(norm):
        try:
            value = parse_number(m.group(0))
        except ValueError:
            continue
        if value is None or value < min_value:
            continue
        out.add(f"{value:.6g}" if value != int(value) else str(int(value)))
    return sorted(out)


def names_in(text: str, skip: Sequence[tuple[int, int]] = ()) -> list[str]:
    """Latin-script capitalised tokens that do not start a sentence (and codes like Su-30MK2)."""
    out = set()
    spans = sorted(skip)
    starts = [s for s, _ in spans]
    for m in _TOKEN.finditer(text):
        tok = m.group(0).strip(".")
        if len(tok) < 3 or not (tok[0].isupper() or tok[0].isdigit()) or not _is_latin_word(tok):
            continue
        k = bisect.bisect_right(starts, m.start()) - 1
        if k >= 0 and m.start() < spans[k][1]:
            continue
        has_digit = _HAS_DIGIT.search(tok) is not None
        if has_digit and not tok.isdigit() and any(ch.isupper() for ch in tok):
            out.add(fold_latin(tok))          # model codes: Su-30MK2, A320, COVID-19
            continue
        if not tok[0].isupper() or has_digit:
            continue
        before = text[max(0, m.start() - 3):m.start()]
        if m.start() == 0 or _SENTENCE_END.search(before):
            continue
        out.add(fold_latin(tok))
    return sorted(out)


def term_counts(text: str, min_chars: int) -> Counter[str]:
    """Lower-cased word counts (no digits), the raw material of distinctive terms."""
    counts: Counter[str] = Counter()
    for m in _TOKEN.finditer(unicodedata.normalize("NFKC", text)):
        tok = m.group(0).casefold().replace("\u200c", "")
        if len(tok) >= min_chars and _HAS_DIGIT.search(tok) is None:
            counts[tok] += 1
    return counts


def idf(df: int, n_docs: int) -> float:
    """Zero for a feature every document has: in a small batch that is a stop word."""
    return max(0.0, math.log((n_docs + 1) / (df + 1)))


def build_profile(article_id: str, title: str, text: str, lang: str, published_at: datetime | None,
                  source: str, lexicon: EntityLexicon, cfg: StoryConfig,
                  term_df: Mapping[str, int] | None = None, n_docs: int = 0) -> StoryProfile:
    """Profile of one article; ``term_df`` over ``n_docs`` picks its distinctive terms (else by count)."""
    full = f"{title}\n{text}" if title and not text.startswith(title) else text
    norm = normalize_digits(full)
    mentions = lexicon.find(norm)
    entities = sorted({m.entity_id for m in mentions})
    names = names_in(norm, [(m.start, m.end) for m in mentions])
    numbers = numbers_in(norm, cfg.min_number)
    counts = term_counts(full, cfg.min_term_chars)
    if term_df is not None and n_docs > 0:
        scored = [(c * idf(term_df.get(t, 0), n_docs), t) for t, c in counts.items()]
    else:
        scored = [(float(c), t) for t, c in counts.items()]
    top = sorted((s for s in scored if s[0] > 0), key=lambda x: (-x[0], x[1]))[:cfg.max_terms]
    terms = tuple(sorted((t, counts[t]) for _, t in top))
    return StoryProfile(article_id, lang or "", published_at, source, tuple(entities), tuple(names),
                        tuple(numbers), terms)


# ---------------------------------------------------------------- similarity

@dataclass
class _Vector:
    all: dict[str, float] = field(default_factory=dict)
    free: dict[str, float] = field(default_factory=dict)       # language-free features only
    norm_all: float = 0.0
    norm_free: float = 0.0
    years: frozenset[int] = frozenset()


def _vectorise(p: StoryProfile, df: Mapping[str, int], n_docs: int, cfg: StoryConfig) -> _Vector:
    # The features in ``StoryProfile.features()`` order, weighted; written out per kind because it
    # runs for every profile of the stories window on every run.
    v = _Vector()
    every, free = v.all, v.free
    background = n_docs + cfg.background_docs
    for prefix, values, weight in (("e:", p.entities, cfg.weight_entity), ("n:", p.names, cfg.weight_name),
                                   ("#:", p.numbers, cfg.weight_number)):
        for val in values:
            key = prefix + val
            w = weight * idf(df.get(key, 1), background)
            if w > 0:
                every[key] = w
                free[key] = w
    for term, count in p.terms:
        key = "t:" + term
        w = cfg.weight_term * idf(df.get(key, 1), n_docs) * (1.0 + math.log(count))
        if w > 0:
            every[key] = w
    v.norm_all = math.sqrt(sum(w * w for w in every.values()))
    v.norm_free = math.sqrt(sum(w * w for w in free.values()))
    v.years = frozenset(_years(p, cfg))
    return v


def _cos(a: dict[str, float], na: float, b: dict[str, float], nb: float) -> float:
    if na == 0 or nb == 0:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b[k] for k, w in a.items() if k in b) / (na * nb)


def _years(p: StoryProfile, cfg: StoryConfig) -> set[int]:
    years = {int(n) for n in p.numbers if n.isdigit() and cfg.min_year <= int(n) <= cfg.max_year}
    if p.published_at is not None:
        years.add(p.published_at.year)
    return years


def _similarity(pa: StoryProfile, va: _Vector, pb: StoryProfile, vb: _Vector, cfg: StoryConfig) -> float:
    if pa.published_at and pb.published_at:
        gap = abs((pa.published_at - pb.published_at).total_seconds()) / 86400.0
        if gap > cfg.max_gap_days:
            return 0.0
    factor = 1.0
    ya, yb = va.years, vb.years
    if ya and yb and not ya & yb:
        factor = cfg.year_conflict_factor
    if pa.lang and pb.lang and pa.lang == pb.lang:
        return factor * _cos(va.all, va.norm_all, vb.all, vb.norm_all)
    return factor * _cos(va.free, va.norm_free, vb.free, vb.norm_free)


# ---------------------------------------------------------------- clustering

def story_id_for(article_id: str) -> str:
    """Stable story id of a story first seen as ``article_id``."""
    return "s_" + hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).hexdigest()


def document_frequencies(profiles: Iterable[StoryProfile]) -> tuple[dict[str, int], int]:
    df: Counter[str] = Counter()
    n = 0
    for p in profiles:
        n += 1
        df.update(set(p.features()))
    return dict(df), n


def heavy_keys(v: _Vector, df: Mapping[str, int], cfg: StoryConfig) -> list[str]:
    """A profile's blocking keys: its ``block_keys`` heaviest features that some other profile
    has and at most ``max_block_size`` have (a key no other profile has, or too many have,
    proposes nothing, so it is skipped before choosing)."""
    usable = [(k, w) for k, w in v.all.items() if 1 < df.get(k, 0) <= cfg.max_block_size]
    return [k for k, _ in heapq.nsmallest(cfg.block_keys, usable, key=lambda kv: (-kv[1], kv[0]))]


def best_candidates(shared: Mapping[Any, float], cfg: StoryConfig) -> list[Any]:
    """The ``max_candidates`` others a profile shares the most blocking-key weight with."""
    return [j for j, _ in heapq.nsmallest(cfg.max_candidates, shared.items(), key=lambda kv: (-kv[1], kv[0]))]


def candidate_pairs(profiles: Sequence[StoryProfile], vectors: Sequence[_Vector], cfg: StoryConfig,
                    df: Mapping[str, int], new: Sequence[bool] | None = None) -> list[tuple[int, int]]:
    """Pairs sharing a blocking key; at most ``max_candidates`` per profile.

    A profile's blocking keys are its ``block_keys`` heaviest features (rare
    names, entities, numbers, terms), and a key held by more than
    ``max_block_size`` profiles proposes nothing: work and memory stay
    O(n * block_keys * max_block_size) at worst, linear in n.

    With ``new``, only pairs that involve a new profile are proposed: a new profile's
    candidates are chosen among all, an earlier one's among the new ones only (two
    earlier stories never merge, so a pair of earlier profiles could never count).
    """
    keys_of: list[list[str]] = []
    blocks: dict[str, list[int]] = {}
    fresh: dict[str, list[int]] = {}
    for i, v in enumerate(vectors):
        heavy = heavy_keys(v, df, cfg)
        keys_of.append(heavy)
        for key in heavy:
            blocks.setdefault(key, []).append(i)
            if new is not None and new[i]:
                fresh.setdefault(key, []).append(i)
    pairs: set[tuple[int, int]] = set()
    for i, heavy in enumerate(keys_of):
        shared: dict[int, float] = defaultdict(float)
        vi = vectors[i].all
        among = blocks if new is None or new[i] else fresh
        for key in heavy:
            wi = vi[key]
            for j in among.get(key, ()):
                if j != i:
                    shared[j] += wi * vectors[j].all.get(key, 0.0)
        for j in best_candidates(shared, cfg):
            pairs.add((min(i, j), max(i, j)))
    return sorted(pairs)


def vectorise(p: StoryProfile, df: Mapping[str, int], n_docs: int, cfg: StoryConfig) -> _Vector:
    """The weighted feature vector of a profile, given document frequencies over ``n_docs`` profiles."""
    return _vectorise(p, df, n_docs, cfg)


def cluster_profiles(profiles: Sequence[StoryProfile], cfg: StoryConfig,
                     df: Mapping[str, int] | None = None, n_docs: int = 0) -> dict[str, str]:
    """``story_id`` for every profile. Profiles with ``story_id`` set (earlier runs) keep it.

    Average linkage over the candidate graph (missing pairs count as 0): the
    pair of clusters with the highest mean similarity merges first, until no
    pair is above ``link_threshold``. Two clusters that both carry an earlier
    story id never merge, so published ids stay stable.
    """
    profiles = sorted(profiles, key=lambda p: p.article_id)
    if df is None:
        df, n_docs = document_frequencies(profiles)
    vectors = [_vectorise(p, df, n_docs, cfg) for p in profiles]
    n = len(profiles)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    fixed: dict[int, str] = {}
    # Earlier stories start as formed clusters.
    by_story: dict[str, int] = {}
    parent = list(range(n))
    for i, p in enumerate(profiles):
        if p.story_id:
            root = by_story.setdefault(p.story_id, i)
            if root != i:
                members[root].append(i)
                del members[i]
                parent[i] = root
            fixed[root] = p.story_id
    # Sum of similarities between clusters, over candidate pairs only.
    link: dict[int, dict[int, float]] = {c: {} for c in members}
    for i, j in candidate_pairs(profiles, vectors, cfg, df, [not p.story_id for p in profiles]):
        ci, cj = parent[i], parent[j]
        if ci == cj:
            continue
        s = _similarity(profiles[i], vectors[i], profiles[j], vectors[j], cfg)
        if s <= 0:
            continue
        link[ci][cj] = link[ci].get(cj, 0.0) + s
        link[cj][ci] = link[cj].get(ci, 0.0) + s
    heap: list[tuple[float, int, int]] = []
    for a, nbrs in link.items():
        for b, total in nbrs.items():
            if a < b:
                avg = total / (len(members[a]) * len(members[b]))
                if avg >= cfg.link_threshold:
                    heap.append((-avg, a, b))
    heapq.heapify(heap)
    while heap:
        neg, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue
        current = link[a].get(b, 0.0) / (len(members[a]) * len(members[b]))
        if abs(current + neg) > 1e-12:
            continue                         # stale entry: sizes changed since it was pushed
        if a in fixed and b in fixed:
            continue
        keep, gone = (a, b) if a < b else (b, a)
        members[keep].extend(members.pop(gone))
        if gone in fixed:
            fixed[keep] = fixed.pop(gone)
        nbrs_gone = link.pop(gone)
        nbrs_gone.pop(keep, None)
        link[keep].pop(gone, None)
        for c, total in nbrs_gone.items():
            link[c].pop(gone, None)
            link[keep][c] = link[keep].get(c, 0.0) + total
            link[c][keep] = link[keep][c]
        for c, total in link[keep].items():
            avg = total / (len(members[keep]) * len(members[c]))
            if avg >= cfg.link_threshold:
                heapq.heappush(heap, (-avg, min(keep, c), max(keep, c)))
    out: dict[str, str] = {}
    for root, idx in members.items():
        if root in fixed:
            sid = fixed[root]
        else:
            first = min((profiles[i] for i in idx), key=lambda p: p.order_key())
            sid = story_id_for(first.article_id)
        for i in idx:
            out[profiles[i].article_id] = sid
    return out


@dataclass(frozen=True)
class StoryDoc:
    """What the story stage reads of a canonical article."""

    article_id: str
    title: str
    text: str
    lang: str
    published_at: datetime | None = None
    source: str = ""


def assign_stories(docs: Sequence[StoryDoc], lexicon: EntityLexicon, cfg: StoryConfig,
                   prior: Sequence[StoryProfile] = ()) -> tuple[dict[str, str], list[StoryProfile]]:
    """The whole story stage in one process (ClusterStories distributes the same steps).

    Returns the story id of every new and prior article, and the new profiles with their ids.
    """
    df: Counter[str] = Counter()
    for d in docs:
        full = f"{d.title}\n{d.text}" if d.title else d.text
        df.update(term_counts(full, cfg.min_term_chars).keys())
    for p in prior:
        df.update(t for t, _ in p.terms)
    n_docs = len(docs) + len(prior)
    profiles = [build_profile(d.article_id, d.title, d.text, d.lang, d.published_at, d.source, lexicon, cfg,
                              df, n_docs) for d in docs]
    sids = cluster_profiles([*profiles, *prior], cfg)
    new = [StoryProfile(**{**p.__dict__, "story_id": sids[p.article_id]}) for p in profiles]
    return sids, sorted(new, key=lambda p: p.article_id)
