"""Stories: articles about one event, across outlets and languages, without translation.

An article is reduced to a :class:`StoryProfile` (no text): entity ids resolved
through the alias lexicons, numbers normalised from any script and separator,
names (capitalised Latin or Cyrillic tokens, transliterated and accents folded, compared by
their spelling key ``name_key``), its most distinctive
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
import functools
import heapq
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import AbstractSet, Any
from dataclasses import dataclass, field
from datetime import datetime, timezone

from anyascii import anyascii

from transforms.core.config import ConfigError, settings_from_table
from transforms.core.digits import normalize_digits
from transforms.core.entities import EntityLexicon
from transforms.core.storyrows import story_day_of, story_id_for  # noqa: F401 (the ids' home)

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
    # Languages that capitalise every noun: a capitalised word is a name there only where the
    # text writes it within a run of capitalised words (``names_in``).
    capitalised_nouns: tuple[str, ...] = ("de", "lb")

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
        return ([f"e:{e}" for e in self.entities] + [f"n:{name_key(n)}" for n in self.names]
                + [f"#:{n}" for n in self.numbers] + [f"t:{t}" for t, _ in self.terms])


# ---------------------------------------------------------------- features

_TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*", re.UNICODE)
# Letters of the scripts written without spaces (CJK ideographs, kana, CJK punctuation and full-width
# forms but not full-width digits, and Hangul, which glues particles to numbers): a number next to
# them is still a number ("1905年", "27フィート", "2020년"); next to any other letter or a digit it is
# part of a code (A320, 5G).
_UNSPACED = "\u3000-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uFF00-\uFF0F\uFF1A-\uFFEF\uAC00-\uD7AF"
_NUMBER = re.compile(
    rf"(?<![.,])(?<![^\W{_UNSPACED}])\d{{1,3}}(?:([.,])\d{{3}})(?:\1\d{{3}})*(?:[.,]\d+)?(?![^\W{_UNSPACED}])"
    rf"|(?<![.,])(?<![^\W{_UNSPACED}])\d+(?:[.,]\d+)?(?![^\W{_UNSPACED}])")
_SENTENCE_END = re.compile(r"[.!?。؟:\n\"“”«»()]\s*$")


def fold_latin(token: str) -> str:
    """Accents off, case folded: Velásquez and VELASQUEZ are one name."""
    decomposed = unicodedata.normalize("NFKD", token)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


_LATIN_WORD = re.compile(r"^[0-9A-Za-z\u00C0-\u024F\u1E00-\u1EFF'’.-]*[A-Za-z\u00C0-\u024F\u1E00-\u1EFF][0-9A-Za-z\u00C0-\u024F\u1E00-\u1EFF'’.-]*$")
_HAS_DIGIT = re.compile(r"\d")
_CYRILLIC_WORD = re.compile(r"^[\u0400-\u04FF][\u0400-\u04FF'’.-]*$")


def _is_latin_word(token: str) -> bool:
    return _LATIN_WORD.match(token) is not None


_VOWELS = re.compile(r"[aeiouy]+")
_DOUBLED = re.compile(r"(.)\1+")


# Cached: every vectorising of a profile keys its names, and a run's window holds tens of thousands
# of distinct ones (51,000 in run 12 of the bench's history corpus); 65,536 keys take ~9 MB.
@functools.lru_cache(maxsize=1 << 16)
def name_key(name: str) -> str:
    """A folded name's spelling key, what names are compared by: each run of vowels one ``a``,
    ``w`` as ``v``, apostrophes out, a doubled letter once, and a final vowel dropped. Outlets in
    other scripts spell a name by its sound, and Russian inflects it, so the transliteration of
    "Вашингтон", "Сиэтл", "Путина" or "Навальный" (vashington, sietl, putina, naval'nyy) and the
    English "Washington", "Seattle", "Putin", "Navalny" differ in their vowels and doubled letters
    only; each pair has one key. A key keeps three consonants or more, or it is the name itself
    (Moore, Mary and Meyer stay apart), and a code with a digit is its own key (Su-30MK2: its
    digits tell models apart)."""
    if _HAS_DIGIT.search(name):
        return name
    key = _DOUBLED.sub(r"\1", _VOWELS.sub("a", name.replace("w", "v").replace("'", "").replace("’", "")))
    if sum(ch.isalpha() and ch != "a" for ch in key) < 3:
        return name
    return key[:-1] if key.endswith("a") else key


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


def names_in(text: str, skip: Sequence[tuple[int, int]] = (), capitalised_nouns: bool = False) -> list[str]:
    """Capitalised tokens that do not start a sentence (and codes like Su-30MK2), accents folded:
    Latin-script ones as written, Cyrillic ones transliterated (``anyascii``), so that a Russian
    report's names meet an English one's through ``name_key``. A Latin letter that has no accent to
    fold (þ, ð, ø, ł, đ) is transliterated too: Guðnason is written Gudnason in English.

    ``capitalised_nouns``: the text's language capitalises every noun (German), so a capitalised
    word alone says nothing; a word is a name there when the text writes it, at least once, within
    a run of capitalised words ("Valdas Dambrauskas", "Francisco Javier García Sanz"), as news
    does at a name's first mention. Left alone, a German article's nouns ("Einschränkungen") were
    its names: some 66 per article of the cross-lingual set against 13 with the rule."""
    out = set()
    spans = sorted(skip)
    starts = [s for s, _ in spans]
    tokens = list(_TOKEN.finditer(text))
    in_runs = _in_capitalised_runs(text, tokens) if capitalised_nouns else None
    for m in tokens:
        tok = m.group(0).strip(".")
        if not 3 <= len(tok) <= _MAX_NAME_CHARS or not (tok[0].isupper() or tok[0].isdigit()):
            continue
        if not _is_latin_word(tok) and _CYRILLIC_WORD.match(tok) is None:
            continue
        if not tok.isascii():
            tok = anyascii(tok)
        k = bisect.bisect_right(starts, m.start()) - 1
        if k >= 0 and m.start() < spans[k][1]:
            continue
        has_digit = _HAS_DIGIT.search(tok) is not None
        if has_digit and not tok.isdigit() and any(ch.isupper() for ch in tok):
            out.add(fold_latin(tok))          # model codes: Su-30MK2, A320, COVID-19
            continue
        if not tok[0].isupper() or has_digit:
            continue
        if _starts_sentence(text, m.start()):
            continue
        if in_runs is not None and m.group(0).strip(".") not in in_runs:
            continue
        out.add(fold_latin(tok))
    return sorted(out)


# A longer "word" is no name (hyphenated names and model codes are shorter): it would only bloat the
# profile, the index row and ``name_key``'s cache (a hostile page can be one 1 MB word).
_MAX_NAME_CHARS = 48


def _starts_sentence(text: str, at: int) -> bool:
    return at == 0 or _SENTENCE_END.search(text[max(0, at - 3):at]) is not None


def _in_capitalised_runs(text: str, tokens: Sequence[re.Match[str]]) -> set[str]:
    """The words of ``text`` that stand in a run of capitalised words joined by a space or a hyphen:
    two or more words that do not start a sentence (a sentence's first word, capitalised in any
    case, does not count towards a run)."""
    found: set[str] = set()
    run: list[str] = []

    def close() -> None:
        if len(run) >= 2:
            found.update(run)
        run.clear()

    previous_end = -1
    for m in tokens:
        word = m.group(0).strip(".")
        capitalised = bool(word) and word[0].isupper()
        joined = previous_end >= 0 and text[previous_end:m.start()] in (" ", "-")
        if not (capitalised and joined and run):
            close()
        if capitalised and not _starts_sentence(text, m.start()):
            run.append(word)
        previous_end = m.end() if capitalised else -1
    close()
    return found


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


@dataclass(frozen=True)
class ProfileParts:
    """What an article's profile takes from the article alone: everything but the choice of its
    distinctive terms, which needs the run's term frequencies. Computed ahead where a core waits
    (``transforms.stories.PrepareProfiles``), or by ``build_profile``."""

    entities: tuple[str, ...]
    names: tuple[str, ...]
    numbers: tuple[str, ...]
    term_counts: tuple[tuple[str, int], ...]      # every term of the article, with its count, sorted


def profile_text(title: str, text: str) -> str:
    """What a profile reads of an article: its text, the title first unless the text starts with it."""
    return f"{title}\n{text}" if title and not text.startswith(title) else text


def profile_parts(title: str, text: str, lexicon: EntityLexicon, cfg: StoryConfig,
                  lang: str = "") -> ProfileParts:
    full = profile_text(title, text)
    norm = normalize_digits(full)
    mentions = lexicon.find(norm)
    entities = sorted({m.entity_id for m in mentions})
    names = names_in(norm, [(m.start, m.end) for m in mentions], lang in cfg.capitalised_nouns)
    numbers = numbers_in(norm, cfg.min_number)
    counts = term_counts(full, cfg.min_term_chars)
    return ProfileParts(tuple(entities), tuple(names), tuple(numbers), tuple(sorted(counts.items())))


def build_profile(article_id: str, title: str, text: str, lang: str, published_at: datetime | None,
                  source: str, lexicon: EntityLexicon, cfg: StoryConfig,
                  term_df: Mapping[str, int] | None = None, n_docs: int = 0,
                  parts: ProfileParts | None = None) -> StoryProfile:
    """Profile of one article; ``term_df`` over ``n_docs`` picks its distinctive terms (else by count).

    ``term_df`` counts this article too, so a term it lacks is this article's alone (frequency 1):
    a caller may leave out the terms of one document. ``parts``: the article's
    :func:`profile_parts`, when they were computed ahead.
    """
    if parts is None:
        parts = profile_parts(title, text, lexicon, cfg, lang)
    entities, names, numbers = parts.entities, parts.names, parts.numbers
    counts = dict(parts.term_counts)
    if term_df is not None and n_docs > 0:
        scored = [(c * idf(term_df.get(t, 1), n_docs), t) for t, c in counts.items()]
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


# idf by document frequency, one table per number of documents: a window's profiles share a few
# hundred distinct frequencies, so each feature costs a lookup, not a logarithm (and the same float).
_IDF_TABLES: dict[int, dict[int, float]] = {}
_IDF_TABLES_KEPT = 8
# 1 + log(count) of a term's count in a profile.
_LOG_COUNTS: dict[int, float] = {}


def _idf_table(n_docs: int) -> dict[int, float]:
    table = _IDF_TABLES.get(n_docs)
    if table is None:
        if len(_IDF_TABLES) >= _IDF_TABLES_KEPT:
            _IDF_TABLES.clear()
        table = _IDF_TABLES[n_docs] = {}
    return table


def _vectorise(p: StoryProfile, df: Mapping[str, int], n_docs: int, cfg: StoryConfig) -> _Vector:
    # The features in ``StoryProfile.features()`` order, weighted; written out per kind because it
    # runs for every profile of the stories window on every run.
    v = _Vector()
    every, free = v.all, v.free
    background = n_docs + cfg.background_docs
    get = df.get
    table = _idf_table(background)
    for prefix, values, weight in (("e:", p.entities, cfg.weight_entity),
                                   ("n:", [name_key(n) for n in p.names], cfg.weight_name),
                                   ("#:", p.numbers, cfg.weight_number)):
        for val in values:
            key = prefix + val
            d = get(key, 1)
            i = table.get(d)
            if i is None:
                i = table[d] = idf(d, background)
            w = weight * i
            if w > 0:
                every[key] = w
                free[key] = w
    table = _idf_table(n_docs)
    weight = cfg.weight_term
    for term, count in p.terms:
        key = "t:" + term
        d = get(key, 1)
        i = table.get(d)
        if i is None:
            i = table[d] = idf(d, n_docs)
        tf = _LOG_COUNTS.get(count)
        if tf is None:
            tf = _LOG_COUNTS[count] = 1.0 + math.log(count)
        w = weight * i * tf
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
    get, most = df.get, cfg.max_block_size
    usable = [(-w, k) for k, w in v.all.items() if 1 < get(k, 0) <= most]   # heaviest first, then by key
    if len(usable) > cfg.block_keys:
        usable = heapq.nsmallest(cfg.block_keys, usable)
    else:
        usable.sort()
    return [k for _, k in usable]


def best_candidates(shared: Mapping[Any, float], cfg: StoryConfig) -> list[Any]:
    """The ``max_candidates`` others a profile shares the most blocking-key weight with."""
    return [j for j, _ in heapq.nsmallest(cfg.max_candidates, shared.items(), key=lambda kv: (-kv[1], kv[0]))]


# Sums of unit vectors are kept in fixed point: integer sums do not depend on the order in
# which members arrive (bundles, workers), so the same members give the same sum bit for bit.
_FIXED = float(1 << 40)


@dataclass
class StorySum:
    """An earlier story as one node: what average linkage needs of its members, summed.

    Average linkage links a cluster to a story by the sum of the similarities between their
    members. A similarity is a cosine (unit vectors, dotted), so the sum over a story's members
    is the dot product with the sum of their unit vectors: one sum per (language, years) of its
    members gives the same total, with the same language rule (all features within a language,
    the language-free ones across) and the same year-conflict factor, as comparing the
    members one by one. ``keys`` are the blocking keys the members propose, each with the
    distinct weights they give it. The members' dates bound the story in time: an article
    further than ``max_gap_days`` from the story's latest member is not linked to it.
    """

    story_id: str
    size: int = 0
    # (lang, years) -> [members, sum of unit vectors (all features), sum of unit vectors (language-free)]
    buckets: dict[tuple[str, frozenset[int]], list] = field(default_factory=dict)
    keys: dict[str, set[float]] = field(default_factory=dict)
    last: datetime | None = None

    def add(self, p: StoryProfile, v: _Vector, keys: Iterable[str] = (),
            df: Mapping[str, int] | None = None, wanted: AbstractSet[str] | None = None) -> StorySum:
        """Add one member. With ``df`` (document frequencies over the new articles and the
        members), a feature no other document has is left out of the sums: no article shares it,
        so it never adds to a dot product (it still counts in the member's norm). Most of a news
        story's names and terms are one article's, so its sum stays the size of what it shares.
        With ``wanted`` (the features of the articles the sum will be linked to), only those are
        summed: ``linked`` reads no other, so its links are the same."""
        bucket = self.buckets.setdefault((p.lang or "", v.years), [0, {}, {}])
        bucket[0] += 1
        for vec, norm, acc in ((v.all, v.norm_all, bucket[1]), (v.free, v.norm_free, bucket[2])):
            if norm > 0:
                scale = _FIXED / norm
                get = acc.get
                # the wanted features first, as a set intersection (over the member's features: not
                # ``vec.keys() & wanted``, which walks all of ``wanted``): a member shares few of its
                # features with the run's articles, and the sums are integers (any order gives them)
                for key in (wanted.intersection(vec) if wanted is not None else vec):
                    if df is None or df.get(key, 0) > 1:
                        acc[key] = get(key, 0) + int(vec[key] * scale)
        for key in keys:
            self.keys.setdefault(key, set()).add(v.all[key])
        self.size += 1
        if p.published_at is not None and (self.last is None or p.published_at > self.last):
            self.last = p.published_at
        return self

    def merge(self, other: StorySum) -> StorySum:
        for key, (count, every, free) in other.buckets.items():
            bucket = self.buckets.setdefault(key, [0, {}, {}])
            bucket[0] += count
            for src, acc in ((every, bucket[1]), (free, bucket[2])):
                for k, w in src.items():
                    acc[k] = acc.get(k, 0) + w
        for key, weights in other.keys.items():
            self.keys.setdefault(key, set()).update(weights)
        self.size += other.size
        if other.last is not None and (self.last is None or other.last > self.last):
            self.last = other.last
        return self

    def key_weights(self) -> dict[str, float]:
        """Each blocking key with the sum of the distinct weights the members give it (a block
        counts a (node, weight) entry once)."""
        return {key: sum(sorted(weights)) for key, weights in self.keys.items()}

    def linked(self, p: StoryProfile, v: _Vector, cfg: StoryConfig) -> float:
        """The sum of ``_similarity`` between ``p`` and each member."""
        if p.published_at and self.last:
            if abs((p.published_at - self.last).total_seconds()) / 86400.0 > cfg.max_gap_days:
                return 0.0
        total = 0.0
        for (lang, years), (_, every, free) in sorted(self.buckets.items(), key=lambda kv: (kv[0][0], sorted(kv[0][1]))):
            same = bool(p.lang and lang and p.lang == lang)
            vec, norm, acc = (v.all, v.norm_all, every) if same else (v.free, v.norm_free, free)
            if norm == 0:
                continue
            dot = sum(w * acc[k] for k, w in vec.items() if k in acc) / (norm * _FIXED)
            if v.years and years and not v.years & years:
                dot *= cfg.year_conflict_factor
            total += dot
        return total


def story_sums(profiles: Iterable[StoryProfile], df: Mapping[str, int], n_docs: int,
               cfg: StoryConfig) -> list[StorySum]:
    """Earlier profiles (``story_id`` set), one :class:`StorySum` per story, in story id order."""
    sums: dict[str, StorySum] = {}
    for p in sorted(profiles, key=lambda p: p.article_id):
        v = _vectorise(p, df, n_docs, cfg)
        sums.setdefault(p.story_id, StorySum(p.story_id)).add(p, v, heavy_keys(v, df, cfg), df)
    return [sums[sid] for sid in sorted(sums)]


def article_node(article_id: str) -> str:
    return f"a:{article_id}"


def article_of(node: str) -> str:
    """The article id of an ``article_node``."""
    return node[2:]


def story_node(story_id: str) -> str:
    return f"s:{story_id}"


def candidate_pairs(profiles: Sequence[StoryProfile], vectors: Sequence[_Vector], cfg: StoryConfig,
                    df: Mapping[str, int], stories: Sequence[StorySum] = ()) -> list[tuple[str, str]]:
    """Pairs of nodes sharing a blocking key; at most ``max_candidates`` per node.

    A node is a new article (``a:<id>``) or an earlier story (``s:<id>``). An article's
    blocking keys are its ``block_keys`` heaviest features (rare names, entities, numbers,
    terms), and a key held by more than ``max_block_size`` profiles proposes nothing: work
    and memory stay O(n * block_keys * max_block_size) at worst, linear in n. A story's keys
    are its members' (``StorySum.keys``); two stories are never paired (they never merge), so
    a story's candidates are chosen among the new articles, an article's among all nodes.
    The shared weight of two nodes is the sum over their common keys of the product of
    their weights, as ``ClusterStories`` computes it through its blocks.
    """
    nodes = [article_node(p.article_id) for p in profiles]
    blocks: dict[str, list[tuple[str, float]]] = {}
    keys_of: list[list[str]] = []
    for node, v in zip(nodes, vectors):
        heavy = heavy_keys(v, df, cfg)
        keys_of.append(heavy)
        for key in heavy:
            blocks.setdefault(key, []).append((node, v.all[key]))
    pairs: set[tuple[str, str]] = set()
    from_stories: dict[str, dict[str, float]] = defaultdict(dict)
    for s in stories:
        snode, shared = story_node(s.story_id), {}
        weights = s.key_weights()
        for key in sorted(weights):
            for other, w in blocks.get(key, ()):
                shared[other] = shared.get(other, 0.0) + weights[key] * w
        for other in sorted(shared):
            from_stories[other][snode] = shared[other]
        for other in best_candidates(shared, cfg):
            pairs.add((min(snode, other), max(snode, other)))
    for node, v, heavy in zip(nodes, vectors, keys_of):
        shared = dict(from_stories.get(node, {}))
        for key in heavy:
            wi = v.all[key]
            for other, w in blocks[key]:
                if other != node:
                    shared[other] = shared.get(other, 0.0) + wi * w
        for other in best_candidates(shared, cfg):
            pairs.add((min(node, other), max(node, other)))
    return sorted(pairs)


def vectorise(p: StoryProfile, df: Mapping[str, int], n_docs: int, cfg: StoryConfig) -> _Vector:
    """The weighted feature vector of a profile, given document frequencies over ``n_docs`` profiles."""
    return _vectorise(p, df, n_docs, cfg)


def pair_link(a: str, b: str, profiles: Mapping[str, StoryProfile], vectors: Mapping[str, _Vector],
              stories: Mapping[str, StorySum], cfg: StoryConfig) -> float:
    """The link of a candidate pair of nodes (``a < b``): an article's similarity to an article, or the
    sum of its similarities to a story's members. Computed in one fixed order, so a pair's link is the
    same float wherever it is computed."""
    if b in stories:
        return stories[b].linked(profiles[a], vectors[a], cfg)
    if a in stories:
        return stories[a].linked(profiles[b], vectors[b], cfg)
    return _similarity(profiles[a], vectors[a], profiles[b], vectors[b], cfg)


def strong(link: float, size_a: int, size_b: int, cfg: StoryConfig) -> bool:
    """Whether a pair's own mean link reaches the threshold. Average linkage merges two clusters only
    when their mean link does, and that mean is a weighted mean of the mean links of the pairs of
    nodes across them: some pair across must be strong. So clusters form inside the connected
    components of strong pairs, and each such component can be clustered on its own, exactly."""
    return link / (max(1, size_a) * max(1, size_b)) >= cfg.link_threshold


def average_linkage(sizes: Mapping[str, int], fixed: Mapping[str, str],
                    links: Iterable[tuple[str, str, float]], cfg: StoryConfig) -> list[list[str]]:
    """Average linkage over nodes and the links of their candidate pairs (missing pairs count as 0).

    ``sizes``: every node (a new article, size 1, or an earlier story, its members' count);
    ``fixed``: the nodes that are earlier stories (node -> story id): two clusters that both hold
    one never merge. ``links``: ``(a, b, total)`` with ``a < b``, in that order, each pair once;
    ``total`` is the sum of the similarities between their members. The pair of clusters with the
    highest mean link merges first, until none is at ``link_threshold``. Returns the clusters, each
    a list of nodes, the first node (in sorted order) holding the cluster.
    """
    order = sorted(sizes)
    index = {node: i for i, node in enumerate(order)}
    size: dict[int, int] = {i: max(1, sizes[node]) for i, node in enumerate(order)}
    held = {index[node] for node in fixed}
    members: dict[int, list[int]] = {c: [c] for c in size}
    # Sum of similarities between clusters, over candidate pairs only.
    link: dict[int, dict[int, float]] = {c: {} for c in size}
    for a, b, total in links:
        if total <= 0:
            continue
        i, j = index[a], index[b]
        link[i][j] = link[i].get(j, 0.0) + total
        link[j][i] = link[j].get(i, 0.0) + total
    heap: list[tuple[float, int, int]] = []
    for a, nbrs in link.items():
        for b, total in nbrs.items():
            if a < b:
                avg = total / (size[a] * size[b])
                if avg >= cfg.link_threshold:
                    heap.append((-avg, a, b))
    heapq.heapify(heap)
    while heap:
        neg, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue
        current = link[a].get(b, 0.0) / (size[a] * size[b])
        if abs(current + neg) > 1e-12:
            continue                         # stale entry: sizes changed since it was pushed
        if a in held and b in held:
            continue
        keep, gone = (a, b) if a < b else (b, a)
        members[keep].extend(members.pop(gone))
        size[keep] += size.pop(gone)
        if gone in held:
            held.discard(gone)
            held.add(keep)
        nbrs_gone = link.pop(gone)
        nbrs_gone.pop(keep, None)
        link[keep].pop(gone, None)
        for c, total in nbrs_gone.items():
            link[c].pop(gone, None)
            link[keep][c] = link[keep].get(c, 0.0) + total
            link[c][keep] = link[keep][c]
        for c, total in link[keep].items():
            avg = total / (size[keep] * size[c])
            if avg >= cfg.link_threshold:
                heapq.heappush(heap, (-avg, min(keep, c), max(keep, c)))
    return [[order[i] for i in sorted(idx)] for _, idx in sorted(members.items())]


def story_ids(clusters: Iterable[list[str]], fixed: Mapping[str, str],
              order_keys: Mapping[str, tuple]) -> dict[str, str]:
    """New article id -> story id, for the clusters of ``average_linkage``: the earlier story's id when
    the cluster holds one, otherwise the id of its earliest article (``order_keys``, by node)."""
    out: dict[str, str] = {}
    for nodes in clusters:
        articles = [n for n in nodes if n not in fixed]
        if not articles:
            continue
        stories = [fixed[n] for n in nodes if n in fixed]
        first = min(articles, key=lambda n: order_keys[n])
        sid = stories[0] if stories else story_id_for(article_of(first), order_keys[first][0])
        for n in articles:
            out[article_of(n)] = sid
    return out


def cluster_profiles(profiles: Sequence[StoryProfile], cfg: StoryConfig,
                     df: Mapping[str, int] | None = None, n_docs: int = 0,
                     stories: Sequence[StorySum] = ()) -> dict[str, str]:
    """``story_id`` for every profile. Profiles with ``story_id`` set (earlier runs) keep it.

    Earlier stories take part as :class:`StorySum` nodes: given in ``stories``, or built here
    from the profiles with ``story_id`` set. Average linkage over the candidate graph
    (``average_linkage``). A story's size is its members' count, and its link to an article is
    the sum of the article's similarities to each member. Two clusters that both carry an earlier
    story id never merge, so published ids stay stable.
    """
    profiles = sorted(profiles, key=lambda p: p.article_id)
    if df is None:
        df, n_docs = document_frequencies(profiles)
    prior = [p for p in profiles if p.story_id]
    new = [p for p in profiles if not p.story_id]
    stories = sorted([*stories, *story_sums(prior, df, n_docs, cfg)], key=lambda s: s.story_id)
    vectors = [_vectorise(p, df, n_docs, cfg) for p in new]
    by_node = {article_node(p.article_id): p for p in new}
    vector_of = {article_node(p.article_id): v for p, v in zip(new, vectors)}
    sums = {story_node(s.story_id): s for s in stories}
    sizes = {**{n: 1 for n in by_node}, **{n: s.size for n, s in sums.items()}}
    fixed = {n: s.story_id for n, s in sums.items()}
    # Two stories are never paired (candidate_pairs): every pair holds a new article.
    links = [(a, b, pair_link(a, b, by_node, vector_of, sums, cfg))
             for a, b in candidate_pairs(new, vectors, cfg, df, stories)]
    out: dict[str, str] = {p.article_id: p.story_id for p in prior}
    out.update(story_ids(average_linkage(sizes, fixed, links, cfg), fixed,
                         {n: p.order_key() for n, p in by_node.items()}))
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
        df.update(term_counts(profile_text(d.title, d.text), cfg.min_term_chars).keys())
    for p in prior:
        df.update(t for t, _ in p.terms)
    n_docs = len(docs) + len(prior)
    profiles = [build_profile(d.article_id, d.title, d.text, d.lang, d.published_at, d.source, lexicon, cfg,
                              df, n_docs) for d in docs]
    sids = cluster_profiles([*profiles, *prior], cfg)
    new = [StoryProfile(**{**p.__dict__, "story_id": sids[p.article_id]}) for p in profiles]
    return sids, sorted(new, key=lambda p: p.article_id)
