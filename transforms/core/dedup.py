"""Exact and near-duplicate detection: content hashes, MinHash, LSH bands, components.

Three ideas carry the design:

* **Texts never travel.** An article is reduced once to a :class:`Fingerprint`
  (content hash, canonical URL, MinHash signature, shingle count). Band keys,
  pair verification and the cross-run index work on fingerprints only.
* **Containment, not only Jaccard.** An abridged copy (half an article, wholly
  inside the full one) has Jaccard 0.5 but containment 1. Containment is
  estimated from the MinHash Jaccard and the two shingle counts, so LSH must
  catch pairs down to the Jaccard that the weakest accepted containment implies;
  bands and rows are derived from that Jaccard (:func:`lsh_params`).
* **Boilerplate counts for nothing.** A segment (sentence or paragraph) that
  recurs in several articles which are *otherwise unrelated* (a disclaimer, a
  newsletter pitch, a standard closing paragraph) is removed before the
  signature that decides duplicates is computed. Recurrence alone is not
  enough: thirty copies of one wire story share every segment too, so the test
  is whether the articles holding the segment are copies of each other
  (:func:`is_boilerplate`).

Everything is deterministic: hashes are blake2b, MinHash signatures come from
datasketch with a seed from the config, and outputs are sorted.
"""
from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import numpy as np
from datasketch import MinHash

from transforms.core.config import ConfigError, settings_from_table
from transforms.core.digits import normalize_digits
from transforms.core.urls import canonical_url

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)
# The order key of an undated article: after every date (datetime.max in microseconds since 1970).
_FAR_FUTURE = (datetime.max.replace(tzinfo=timezone.utc) - _EPOCH) // _MICROSECOND


def _micros(when: datetime | None) -> int:
    """Microseconds since 1970 (UTC; a naive time is read as UTC): orders as the datetimes do, and
    travels through a shuffle as a few bytes where a pickled aware datetime takes about 100."""
    if when is None:
        return _FAR_FUTURE
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return (when - _EPOCH) // _MICROSECOND


def _fingerprint_of(article_id: str, published: int | None, content_hash: str, url_key: str, signature: bytes,
                    size: int) -> "Fingerprint":
    when = None if published is None else _EPOCH + published * _MICROSECOND
    return Fingerprint(article_id, when, content_hash, url_key, signature, size)




@dataclass(frozen=True)
class DedupConfig:
    """Parameters of the ``[dedup]`` table of ``configs/defaults.toml``."""

    shingle_words: int = 4
    num_perm: int = 128
    seed: int = 1
    jaccard_threshold: float = 0.6
    containment_threshold: float = 0.8
    # Shortest copy, as a share of the longer text, that containment must still catch.
    min_length_ratio: float = 0.4
    # LSH errs towards recall: verification removes false positives, nothing recovers a miss.
    false_positive_weight: float = 0.3
    false_negative_weight: float = 0.7
    min_segment_words: int = 6
    # A segment is boilerplate when this many articles that are not copies of each other hold it.
    boilerplate_min_docs: int = 3
    # Rounds of judging: each judges on signatures without the previous round's boilerplate.
    boilerplate_rounds: int = 2
    # Holders examined per recurring segment (in id order), which bounds the cost of a common one.
    boilerplate_max_holders: int = 50
    # Texts with fewer shingles than this are only folded by the exact content hash.
    min_shingles: int = 5
    # Band buckets larger than this are sampled (a chain through sorted members), not all pairs.
    max_bucket_pairs: int = 200

    def __post_init__(self) -> None:
        if not 0.0 < self.jaccard_threshold <= 1.0 or not 0.0 < self.containment_threshold <= 1.0:
            raise ConfigError("[dedup] thresholds must be in (0, 1]")
        if not 0.0 < self.min_length_ratio <= 1.0:
            raise ConfigError("[dedup] min_length_ratio must be in (0, 1]")
        if self.num_perm < 8 or self.shingle_words < 1:
            raise ConfigError("[dedup] num_perm must be >= 8 and shingle_words >= 1")

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> DedupConfig:
        return settings_from_table(cls, data, "dedup")

    @property
    def lsh_jaccard(self) -> float:
        """Lowest Jaccard a verified pair can have: the bands are tuned to catch it.

        A text of n shingles wholly inside one of n / r shingles (r the length
        ratio) at containment c has Jaccard c*r / (1 + r - c*r).
        """
        c, r = self.containment_threshold, self.min_length_ratio
        return min(self.jaccard_threshold, c * r / (1.0 + r - c * r))

    @property
    def bands_rows(self) -> tuple[int, int]:
        return lsh_params(self.lsh_jaccard, self.num_perm, self.false_positive_weight,
                          self.false_negative_weight)


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int, fp_weight: float, fn_weight: float) -> tuple[int, int]:
    """Bands b and rows r (b*r <= num_perm) minimising weighted LSH error around ``threshold``.

    The same criterion as datasketch's ``_optimal_param``: the probability that
    a pair of Jaccard s shares a band is 1 - (1 - s^r)^b; false positives are
    its integral below the threshold, false negatives the integral of its
    complement above. Integrated numerically on a fixed grid (deterministic).
    """
    grid_lo = np.linspace(0.0, threshold, 201)
    grid_hi = np.linspace(threshold, 1.0, 201)
    best: tuple[float, int, int] = (math.inf, 0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = float(np.trapezoid(1 - (1 - grid_lo ** r) ** b, grid_lo))
            fn = float(np.trapezoid((1 - grid_hi ** r) ** b, grid_hi))
            err = fp * fp_weight + fn * fn_weight
            if err < best[0] - 1e-12:
                best = (err, b, r)
    return best[1], best[2]


# ---------------------------------------------------------------- normalisation

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_SEGMENT_SPLIT = re.compile(r"\n+|(?<=[.!?。؟])\s+")


def normalize_text(text: str) -> str:
    """NFKC, casefold, ASCII digits, punctuation and whitespace collapsed to one space."""
    text = normalize_digits(unicodedata.normalize("NFKC", text)).casefold()
    # ZWNJ joins Persian morphemes; a copy that drops it is still the same text.
    text = text.replace("\u200c", "")
    return _NON_WORD.sub(" ", text).strip()


def content_hash(text: str) -> str:
    """blake2b-128 of the normalised text: equal for texts that differ only in case, digits, spacing."""
    return _content_hash_of(normalize_text(text))


def _content_hash_of(norm: str) -> str:
    return hashlib.blake2b(norm.encode("utf-8"), digest_size=16).hexdigest()


def words(text: str) -> list[str]:
    norm = normalize_text(text)
    return norm.split() if norm else []


@dataclass(frozen=True)
class NormalText:
    """A text split where segments are split, each part normalised once (``normal_text``).

    Everything dedup reads of a text comes from these parts: the content hash, the segments, the
    shingled words with or without boilerplate. The separators the split drops (line breaks, the
    spaces after a sentence) are non-word characters that ``normalize_text`` collapses to one
    space, and no step of it reaches across them (NFKC composes nothing across a separator, casefold
    and digit folding map one character at a time), so the non-empty parts joined by spaces are
    ``normalize_text`` of the whole text. A text used to be normalised up to a dozen times on its
    way through dedup; now it is normalised once per step that reads it.
    """

    parts: tuple[str, ...]

    def joined(self, boilerplate: frozenset[str] = frozenset()) -> str:
        """``normalize_text`` of the text, without the parts whose segment hash is in ``boilerplate``."""
        if boilerplate:
            return " ".join(p for p in self.parts if p and segment_hash(p) not in boilerplate)
        return " ".join(p for p in self.parts if p)

    def segments(self, min_words: int) -> list[str]:
        return [p for p in self.parts if p and p.count(" ") + 1 >= min_words]

    def segment_hashes(self, cfg: DedupConfig) -> list[str]:
        return sorted({segment_hash(s) for s in self.segments(cfg.min_segment_words)})


def normal_text(text: str) -> NormalText:
    return NormalText(tuple(normalize_text(part) for part in _SEGMENT_SPLIT.split(text)))


def segments(text: str, min_words: int) -> list[str]:
    """Normalised sentences/paragraphs long enough to be recognisable boilerplate, in order."""
    return normal_text(text).segments(min_words)


def segment_hash(norm_segment: str) -> str:
    return hashlib.blake2b(norm_segment.encode("utf-8"), digest_size=8).hexdigest()


def segment_hashes(text: str, cfg: DedupConfig) -> list[str]:
    return normal_text(text).segment_hashes(cfg)


# ---------------------------------------------------------------- MinHash

def _token_hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


def shingle_hashes(tokens: Sequence[str], k: int) -> np.ndarray:
    """Unique 32-bit hashes of the k-word shingles (the whole text when shorter than k)."""
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    cache: dict[str, int] = {}
    for t in tokens:
        if t not in cache:
            cache[t] = _token_hash(t)
    th = np.array([cache[t] for t in tokens], dtype=np.uint64)
    n = max(1, len(tokens) - k + 1)
    k = min(k, len(tokens))
    acc = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            # Rotating by position keeps "a b" and "b a" apart; uint64 wraps, deterministically.
            rot = np.uint64((j * 13) % 64)
            part = th[j:j + n]
            acc ^= (part << rot) | (part >> (np.uint64(64) - rot)) if rot else part
            acc *= np.uint64(0x9E3779B97F4A7C15)
    return np.unique(acc >> np.uint64(32))


def _identity(value: int) -> int:
    """Shingles are hashed once (shingle_hashes); datasketch permutes those 32-bit values."""
    return value


class MinHasher:
    """MinHash signatures by datasketch (seeded ``affine32`` scheme) over 32-bit shingle hashes.

    The permutations are drawn once per (num_perm, seed) and shared by every
    signature, so equal shingle sets give equal signatures in every process.
    """

    def __init__(self, num_perm: int, seed: int):
        self.num_perm = num_perm
        self.seed = seed
        self._permutations = MinHash(num_perm=num_perm, seed=seed, hashfunc=_identity,
                                     scheme="affine32").permutations

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        m = MinHash(num_perm=self.num_perm, hashfunc=_identity, permutations=self._permutations,
                    scheme="affine32")
        if hashes.size:
            m.update_batch(hashes.tolist())
        return np.asarray(m.hashvalues, dtype=np.uint32)


@dataclass(frozen=True)
class Fingerprint:
    """What dedup keeps of an article: no text."""

    article_id: str
    published_at: datetime | None
    content_hash: str
    url_key: str
    signature: bytes        # num_perm little-endian uint32
    size: int               # number of distinct shingles

    def sig(self) -> np.ndarray:
        return np.frombuffer(self.signature, dtype="<u4")

    def order_key(self) -> tuple[int, str]:
        """(publication in microseconds since 1970, id): earliest first, undated last, then by id."""
        return (_micros(self.published_at), self.article_id)

    def __reduce__(self):
        # Pickled with its time as an integer: a fingerprint crosses dedup's joins once per candidate
        # pair (816 -> ~620 bytes). A time in another zone than UTC keeps its own form.
        when = self.published_at
        if when is not None and when.tzinfo is not timezone.utc:
            return (Fingerprint, (self.article_id, when, self.content_hash, self.url_key, self.signature, self.size))
        return (_fingerprint_of, (self.article_id, None if when is None else _micros(when), self.content_hash,
                                  self.url_key, self.signature, self.size))


def fingerprint(article_id: str, url: str, published_at: datetime | None, text: str,
                cfg: DedupConfig, hasher: MinHasher, boilerplate: frozenset[str] = frozenset(),
                normal: NormalText | None = None) -> Fingerprint:
    """Fingerprint of ``text`` with the boilerplate segments (by hash) left out of the signature.
    ``normal``: ``normal_text(text)``, when the caller has it already."""
    if normal is None:
        normal = normal_text(text)
    kept = normal.joined(boilerplate)
    hashes = shingle_hashes(kept.split() if kept else [], cfg.shingle_words)
    sig = hasher.signature(hashes)
    return Fingerprint(article_id, published_at, _content_hash_of(normal.joined()), canonical_url(url) if url else "",
                       sig.astype("<u4").tobytes(), int(hashes.size))


def band_keys(fp: Fingerprint, cfg: DedupConfig) -> list[str]:
    """One key per LSH band; empty for texts too short to compare by shingles."""
    if fp.size < cfg.min_shingles:
        return []
    bands, rows = cfg.bands_rows
    sig = fp.sig()
    out = []
    for b in range(bands):
        chunk = sig[b * rows:(b + 1) * rows].tobytes()
        out.append(f"{b}:" + hashlib.blake2b(chunk, digest_size=8).hexdigest())
    return out


# ---------------------------------------------------------------- verification

@dataclass(frozen=True)
class PairScore:
    jaccard: float
    containment: float


def estimate(a_sig: np.ndarray, a_size: int, b_sig: np.ndarray, b_size: int) -> PairScore:
    """MinHash Jaccard, and containment of the smaller set derived from it and the set sizes."""
    j = float(np.mean(a_sig == b_sig))
    small = min(a_size, b_size)
    if small <= 0:
        return PairScore(j, 0.0)
    inter = j * (a_size + b_size) / (1.0 + j)
    return PairScore(j, min(1.0, inter / small))


def is_copy(score: PairScore, cfg: DedupConfig) -> bool:
    return score.jaccard >= cfg.jaccard_threshold or score.containment >= cfg.containment_threshold


def verify(a: Fingerprint, b: Fingerprint, cfg: DedupConfig) -> bool:
    if a.size < cfg.min_shingles or b.size < cfg.min_shingles:
        return False
    return is_copy(estimate(a.sig(), a.size, b.sig(), b.size), cfg)


def bucket_pairs(members: Sequence[str], cfg: DedupConfig) -> list[tuple[str, str]]:
    """Candidate pairs of one band bucket, members sorted; big buckets chained, not squared.

    A big bucket is mostly copies of one text (or one boilerplate); linking each
    member to its next few neighbours keeps it connected at linear cost.
    """
    ids = sorted(set(members))
    n = len(ids)
    if n * (n - 1) // 2 <= cfg.max_bucket_pairs:
        return [(ids[i], ids[j]) for i in range(n) for j in range(i + 1, n)]
    width = max(1, cfg.max_bucket_pairs // max(1, n))
    return [(ids[i], ids[j]) for i in range(n) for j in range(i + 1, min(n, i + 1 + width))]


def is_boilerplate(holders: Sequence[tuple[str, bytes, int]], cfg: DedupConfig) -> bool:
    """Whether a segment held by these (article_id, raw signature, size) is boilerplate.

    Copies of one wire story share every segment because they share everything,
    so holders are first grouped into copy groups (greedy, in id order: a holder
    joins the first group whose representative it copies). The segment is
    boilerplate when it recurs in at least ``boilerplate_min_docs`` *unrelated*
    articles, i.e. that many groups.
    """
    uniq = sorted({h[0]: h for h in holders}.values())
    if len(uniq) < cfg.boilerplate_min_docs:
        return False
    reps: list[tuple[np.ndarray, int]] = []
    for _, sig_bytes, size in uniq[:cfg.boilerplate_max_holders]:
        sig = np.frombuffer(sig_bytes, dtype="<u4")
        if not any(is_copy(estimate(sig, size, rsig, rsize), cfg) for rsig, rsize in reps):
            reps.append((sig, size))
            if len(reps) >= cfg.boilerplate_min_docs:
                return True
    return False


# ---------------------------------------------------------------- components

class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo


def connected_components(edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each node of ``edges`` -> the smallest node of its connected component."""
    uf = _UnionFind()
    for a, b in edges:
        uf.union(a, b)
    return {node: uf.find(node) for node in sorted(uf.parent)}


def assign_canonicals(
    edges: Iterable[tuple[str, str]],
    order: Mapping[str, tuple[datetime, str]],
    fixed: Mapping[str, str | None] = {},
) -> dict[str, str | None]:
    """``dup_of`` for every article in ``order``: None for the canonical of its component.

    The canonical is the earliest published member, then the smallest id.
    ``fixed`` holds articles of earlier runs with their published ``dup_of``:
    their rows are not rewritten, so a component that holds any of them keeps
    the earliest of their canonicals and new members point there.
    """
    uf = _UnionFind()
    for aid in order:
        uf.find(aid)
    for a, b in edges:
        if a in order and b in order:
            uf.union(a, b)
    comps: dict[str, list[str]] = {}
    for aid in order:
        comps.setdefault(uf.find(aid), []).append(aid)
    out: dict[str, str | None] = {}
    for members in comps.values():
        prior_roots = sorted({fixed[m] or m for m in members if m in fixed},
                             key=lambda a: order.get(a, (_FAR_FUTURE, a)))
        canon = prior_roots[0] if prior_roots else min(members, key=lambda m: order[m])
        for m in members:
            if m in fixed:
                out[m] = fixed[m]
            else:
                out[m] = None if m == canon else canon
    return out


@dataclass(frozen=True)
class DocIn:
    """What dedup reads of an article."""

    article_id: str
    url: str
    published_at: datetime | None
    text: str


@dataclass(frozen=True)
class DedupRow:
    """An article of an earlier run as the index keeps it: fingerprint, published dup_of, segment hashes.

    The segment hashes let boilerplate be counted across runs (a disclaimer seen
    twice yesterday and once today has been seen three times).
    """

    fingerprint: Fingerprint
    dup_of: str | None = None
    segments: tuple[str, ...] = ()

    @property
    def article_id(self) -> str:
        return self.fingerprint.article_id


@dataclass(frozen=True)
class FoldResult:
    dup_of: dict[str, str | None]           # every new article; None for a canonical
    fingerprints: list[Fingerprint]            # the new articles', sorted by id
    boilerplate: frozenset[str]                # prior and newly found boilerplate segments
    rows: list[DedupRow]                       # the new articles' index rows, sorted by id


def find_boilerplate(docs: Sequence[DocIn], cfg: DedupConfig, hasher: MinHasher,
                     known: frozenset[str] = frozenset(), prior: Sequence[DedupRow] = ()) -> frozenset[str]:
    """Boilerplate segment hashes of a batch: the same steps as FoldDuplicates' Beam graph.

    Each round judges the recurring segments on signatures that leave out what
    the previous round found: a copy carrying a long disclaimer only looks like
    a copy of its original once the disclaimer is out. Articles of earlier runs
    count and hold segments with the signature they were indexed with.
    """
    normal = {d.article_id: normal_text(d.text) for d in docs}
    seg_lists = {aid: n.segment_hashes(cfg) for aid, n in normal.items()}
    counts: dict[str, int] = {}
    for segs in [*seg_lists.values(), *(r.segments for r in prior)]:
        for sh in segs:
            counts[sh] = counts.get(sh, 0) + 1
    found = known
    for _ in range(cfg.boilerplate_rounds):
        holders: dict[str, list[tuple[str, bytes, int]]] = {}
        for r in prior:
            for sh in r.segments:
                if counts[sh] >= cfg.boilerplate_min_docs:
                    holders.setdefault(sh, []).append((r.article_id, r.fingerprint.signature, r.fingerprint.size))
        for d in docs:
            mine = [sh for sh in seg_lists[d.article_id] if counts[sh] >= cfg.boilerplate_min_docs]
            if not mine:
                continue
            fp = fingerprint(d.article_id, "", None, d.text, cfg, hasher, found, normal[d.article_id])
            for sh in mine:
                holders.setdefault(sh, []).append((d.article_id, fp.signature, fp.size))
        found = known | frozenset(sh for sh, hs in holders.items() if is_boilerplate(hs, cfg))
    return found


def fold_duplicates(docs: Sequence[DocIn], cfg: DedupConfig, prior: Sequence[DedupRow] = (),
                    prior_boilerplate: frozenset[str] = frozenset()) -> FoldResult:
    """The whole dedup stage in one process (the Beam transform distributes the same steps)."""
    hasher = MinHasher(cfg.num_perm, cfg.seed)
    boilerplate = find_boilerplate(docs, cfg, hasher, prior_boilerplate, prior)
    fps = sorted((fingerprint(d.article_id, d.url, d.published_at, d.text, cfg, hasher, boilerplate)
                  for d in docs), key=lambda f: f.article_id)
    fixed = {r.article_id: r.dup_of for r in prior}
    everyone = [*(r.fingerprint for r in prior), *fps]
    edges = [(a, b) for a, b in candidate_edges(everyone, cfg) if not (a in fixed and b in fixed)]
    order = {fp.article_id: fp.order_key() for fp in everyone}
    dup_of = assign_canonicals(edges, order, fixed)
    texts = {d.article_id: d.text for d in docs}
    rows = [DedupRow(fp, dup_of[fp.article_id], tuple(segment_hashes(texts[fp.article_id], cfg))) for fp in fps]
    return FoldResult({fp.article_id: dup_of[fp.article_id] for fp in fps}, fps, boilerplate, rows)


def candidate_edges(fps: Sequence[Fingerprint], cfg: DedupConfig) -> list[tuple[str, str]]:
    """Verified duplicate edges among fingerprints: exact (hash, URL) and near (LSH + verify)."""
    by_id = {fp.article_id: fp for fp in fps}
    edges: set[tuple[str, str]] = set()
    buckets: dict[str, list[str]] = {}
    for fp in fps:
        buckets.setdefault("h:" + fp.content_hash, []).append(fp.article_id)
        if fp.url_key:
            buckets.setdefault("u:" + fp.url_key, []).append(fp.article_id)
    for key, members in buckets.items():
        ids = sorted(set(members))
        edges.update((ids[0], m) for m in ids[1:])
    lsh: dict[str, list[str]] = {}
    for fp in fps:
        for key in band_keys(fp, cfg):
            lsh.setdefault(key, []).append(fp.article_id)
    for members in lsh.values():
        if len(members) < 2:
            continue
        for a, b in bucket_pairs(members, cfg):
            if (a, b) not in edges and verify(by_id[a], by_id[b], cfg):
                edges.add((a, b))
    return sorted(edges)
