"""Claims matched across a story: corroboration and disputes.

Claims with equal ``claim_key`` in one story mean the same thing (the key is
built from concepts, values and entity ids, never from words), so counting
their articles, outlets and languages measures corroboration. A key is
``slot=value``; the slot says *what* is claimed (deaths; the model of a jet
family) and the value what an outlet says it is. A slot is disputed when two
outlets give different values for it and neither also gives the other's value:
61 vs 62 dead, Su-20MK2 vs Su-30MK2. For quantities only values within a
factor of 1.5 of each other compete: "5 radars" and "50 radars" in one story are
more likely two different facts than a disagreement.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Iterable, Mapping, Optional, Union

from transforms.core.records import ArticleMeta, Claim

DISPUTABLE_KINDS = ("quantity", "equipment")
MAX_RATIO = 1.5
SAID_KINDS = ("reported", "quote")
# Share of the statements' entities and numbers two claims must have in common (Jaccard).
MIN_CONTENT_JACCARD = 0.5
# Same language: share of content words (4+ letters) the statements must have in common as well.
MIN_WORD_JACCARD = 0.2
_CONTENT_WORD = re.compile(r"[^\W\d_]{4,}")


@dataclass(frozen=True)
class SaidParts:
    """What a reported claim or quote asserts, read back from its key: who, about which entities, which numbers."""

    claimant: str
    items: frozenset[str]            # entity ids and unit:value numbers of the statement
    units: Mapping[str, str]         # unit -> value given, to tell a disagreement from another claim
    words: frozenset[str]            # content words of the statement (compared within one language)
    lang: str


def said_parts(c: Claim) -> Optional[SaidParts]:
    """Parse ``said/<claimant>/<entities>[/<numbers>]``; None for other kinds or foreign keys."""
    if c.kind not in SAID_KINDS or not c.claim_key.startswith("said/"):
        return None
    return _said_parts(c.claim_key, c.statement or "", c.lang or "")


def said_parts_of(claims: Iterable[Claim]) -> dict[str, Optional[SaidParts]]:
    """``claim_id -> said_parts`` for the claims of one summary. The syndicated copies of one report
    carry the same key, statement and language, and a story's summary reads all of them on every run
    that touches it: each distinct one is parsed once here, and the copies share it (SaidParts is
    immutable; its ``units`` mapping is read-only). Nothing is kept after the call."""
    parsed: dict[tuple[str, str, str], SaidParts] = {}
    out: dict[str, Optional[SaidParts]] = {}
    for c in claims:
        if c.kind not in SAID_KINDS or not c.claim_key.startswith("said/"):
            out[c.claim_id] = None
            continue
        key = (c.claim_key, c.statement or "", c.lang or "")
        p = parsed.get(key)
        if p is None:
            p = parsed[key] = _said_parts(*key)
        out[c.claim_id] = p
    return out


def _said_parts(claim_key: str, statement: str, lang: str) -> SaidParts:
    parts = claim_key.split("/", 3)
    claimant = parts[1] if len(parts) > 1 else ""
    ents = [e for e in (parts[2] if len(parts) > 2 else "").split(",") if e]
    nums = [n for n in (parts[3] if len(parts) > 3 else "").split(";") if n]
    units = {}
    for n in nums:
        unit, _, value = n.rpartition(":")
        units[unit] = value
    words = frozenset(w.lower() for w in _CONTENT_WORD.findall(statement))
    return SaidParts(claimant, frozenset(ents) | frozenset(nums), MappingProxyType(units), words, lang)


def claimant_identities(claimant: str) -> tuple[str, frozenset[str]]:
    """``<type>[+<identity>...]`` -> (type, identities); see ``claims._claimant_identity``."""
    base, *ids = claimant.split("+")
    return base, frozenset(ids)


def _same_identity(a: str, b: str) -> bool:
    ia, _, wa = a.partition("@")
    ib, _, wb = b.partition("@")
    # "the Foreign Ministry" and "the Russian Foreign Ministry" in one story are one claimant
    return ia == ib and (not wa or not wb or wa == wb)


def same_claimant(a: str, b: str) -> bool:
    """Whether two claimants are one source: a shared identity, or, when neither has one, the same type."""
    ta, ia = claimant_identities(a)
    tb, ib = claimant_identities(b)
    if ia or ib:
        return any(_same_identity(x, y) for x in ia for y in ib)
    return ta == tb


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def same_assertion(a: SaidParts, b: SaidParts) -> bool:
    """Whether two reported claims or quotes of one story carry the same assertion.

    Same claimant (an entity, an institution, or a kind of source), and statements about the same
    entities and numbers; within one language their words must overlap as well, so one speaker's two
    different statements about the same country stay apart. A claim with no claimant (``none:``) has a
    key of its words: it matches only the very same words, never on its cue alone.
    """
    unknown = a.claimant.startswith("none:") + b.claimant.startswith("none:")
    if unknown == 1:
        return False
    if unknown == 2:
        # two quotes with no speaker named: only the same figure (and most of the rest) joins them
        shared_nums = {i for i in a.items & b.items if not i.startswith(("place:", "person:", "org:", "equipment:"))}
        if not shared_nums or _jaccard(a.items, b.items) < MIN_CONTENT_JACCARD:
            return False
        return not (a.lang and a.lang == b.lang and _jaccard(a.words, b.words) < MIN_WORD_JACCARD)
    if not same_claimant(a.claimant, b.claimant):
        return False
    # a named model (Igla-S, Su-30MK2) is what a claim is about: one that names it and one that does not differ
    ea = {i for i in a.items if i.startswith("equipment:")}
    eb = {i for i in b.items if i.startswith("equipment:")}
    if (ea or eb) and not ea & eb:
        return False
    # a claimant known by its kind only ("officials", "he") needs more shared content
    weak = not (claimant_identities(a.claimant)[1] or claimant_identities(b.claimant)[1])
    shared = a.items & b.items
    # ... unless they share a figure: a number is as specific as it is for two quotes with no speaker
    figure = any(not i.startswith(("place:", "person:", "org:", "equipment:")) for i in shared)
    if len(shared) < (2 if weak and not figure else 1) or _jaccard(a.items, b.items) < MIN_CONTENT_JACCARD:
        return False
    if a.lang and a.lang == b.lang and _jaccard(a.words, b.words) < MIN_WORD_JACCARD:
        return False
    return True


def _candidates(members: list[int], said: list[tuple[Claim, SaidParts]]) -> list[tuple[int, int]]:
    """The pairs (i < j) of one claimant block that ``same_assertion`` or an equal key could join.

    Every pair it can accept has items with a Jaccard of at least ``MIN_CONTENT_JACCARD``, so
    prefix filtering (Chaudhuri et al. 2006, as in all-pairs similarity joins) is exact: order the
    block's items rarest first; two sets with Jaccard >= t share one of the first
    ``|x| - ceil(t * |x|) + 1`` items of each. Claims with no claimant also pair on equal keys.
    A story whose claims all name one country then costs pairs that share a rare item, not all pairs.
    """
    freq: dict[str, int] = defaultdict(int)
    for i in members:
        for item in said[i][1].items:
            freq[item] += 1
    by_item: dict[str, list[int]] = defaultdict(list)
    by_key: dict[str, list[int]] = defaultdict(list)
    for i in members:
        c, p = said[i]
        items = sorted(p.items, key=lambda it: (freq[it], it))
        for item in items[:len(items) - math.ceil(MIN_CONTENT_JACCARD * len(items)) + 1]:
            by_item[item].append(i)
        if p.claimant.startswith("none:"):
            by_key[c.claim_key].append(i)
    pairs: set[tuple[int, int]] = set()
    for group in (*by_item.values(), *by_key.values()):
        for x, i in enumerate(group):
            for j in group[x + 1:]:
                pairs.add((i, j) if i < j else (j, i))
    return sorted(pairs)


def match_groups(claims: Iterable[Claim], parts: Optional[Mapping[str, Optional[SaidParts]]] = None
                 ) -> dict[str, str]:
    """``claim_id -> group key`` for one story's claims.

    Quantities and equipment keep their own key (it is built from concepts and values already).
    Reported claims and quotes that carry the same assertion (``same_assertion``, linked
    transitively) share the smallest claim key among them, so the result does not depend on the
    order claims arrive in. Claims are compared only with those of the same claimant identity.
    ``parts``: each claim's ``said_parts``, when the caller has them already.

    Claims that everything compared here reads alike (one key, one language, the same content
    words: a syndicated copy's) are one assertion, and are compared as one: a wire report carried
    by hundreds of outlets costs its distinct statements' pairs, not its copies' pairs squared.
    """
    out: dict[str, str] = {}
    said: list[tuple[Claim, SaidParts]] = []   # one per distinct (key, language, words): the smallest claim id
    alike: list[list[Claim]] = []               # the claims each of ``said`` stands for
    seen_as: dict[tuple[str, str, frozenset[str]], int] = {}
    for c in sorted(claims, key=lambda c: c.claim_id):
        p = parts[c.claim_id] if parts is not None else said_parts(c)
        out[c.claim_id] = c.claim_key
        if p is None:
            continue
        at = seen_as.setdefault((c.claim_key, p.lang, p.words), len(said))
        if at == len(said):
            said.append((c, p))
            alike.append([])
        alike[at].append(c)
    parent = list(range(len(said)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # only claims that could share a claimant are compared: blocks by identity (without its "@" part),
    # or by type for claimants that have no identity
    by_claimant: dict[str, list[int]] = defaultdict(list)
    for i, (_, p) in enumerate(said):
        base, ids = claimant_identities(p.claimant)
        for block in ({x.partition("@")[0] for x in ids} or {"type:" + (base if not base.startswith("none:") else "none")}):
            by_claimant[block].append(i)
    seen: set[tuple[int, int]] = set()
    for members in by_claimant.values():
        for i, j in _candidates(members, said):
            if (i, j) in seen:
                continue
            seen.add((i, j))
            if find(i) == find(j):
                continue            # already one group (through others): the answer cannot change
            ci, pi = said[i]
            cj, pj = said[j]
            # a claim with no claimant is keyed by its words: equal keys are the same words
            if pi.claimant.startswith("none:") and ci.claim_key == cj.claim_key or same_assertion(pi, pj):
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(said)):
        groups[find(i)].append(i)
    # the group's key is its smallest member key; two groups that would share one (one speaker, two
    # statements about the same entities) are told apart by a suffix, in a fixed order
    ordered = sorted(groups.values(), key=lambda ms: (min(said[i][0].claim_key for i in ms),
                                                      min(said[i][0].claim_id for i in ms)))
    taken: dict[str, int] = {}
    for members in ordered:
        key = min(said[i][0].claim_key for i in members)
        n = taken.get(key, 0)
        taken[key] = n + 1
        for i in members:
            for c in alike[i]:
                out[c.claim_id] = key if n == 0 else f"{key}#{n + 1}"
    return out


@dataclass(frozen=True)
class StoryClaim:
    story_id: str
    claim_key: str
    slot: str
    kind: str
    unit: Optional[str]
    article_count: int
    source_count: int
    languages: tuple[str, ...]
    first_published_at: Optional[datetime]
    first_article_id: str
    values: tuple[Union[float, str], ...]       # every value outlets give for this slot in the story
    disputed: bool
    claim_ids: tuple[str, ...]
    article_ids: tuple[str, ...]
    sources: tuple[str, ...]
    claim_keys: tuple[str, ...] = ()            # the members' own keys (several when claims were matched)


def _value_of(c: Claim) -> Union[float, str]:
    if c.kind == "quantity" and c.value is not None:
        return float(c.value)
    return c.claim_key.split("=", 1)[1] if "=" in c.claim_key else ""


def _competing(a: Union[float, str], b: Union[float, str]) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        lo, hi = sorted((abs(a), abs(b)))
        return lo > 0 and hi / lo <= MAX_RATIO
    return a != b


def _time_key(meta: Optional[ArticleMeta], article_id: str) -> tuple[int, str, str]:
    ts = meta.published_at if meta else None
    return (0, ts.isoformat() if ts else "", article_id) if ts else (1, "", article_id)


def aggregate_story_claims(claims: Iterable[Claim], articles: Mapping[str, ArticleMeta]) -> list[StoryClaim]:
    """One row per (story, claim key), sorted by story, then claim key."""
    by_story: dict[str, list[Claim]] = defaultdict(list)
    for c in claims:
        meta = articles.get(c.article_id)
        by_story[c.story_id or (meta.story_id if meta else "") or c.article_id].append(c)
    groups: dict[tuple[str, str], list[Claim]] = defaultdict(list)
    # parsed once: matching and the numbers of matched statements both read them
    parts = said_parts_of(c for members in by_story.values() for c in members)
    for story, members in by_story.items():
        group_of = match_groups(members, parts)
        for c in members:
            groups[(story, group_of[c.claim_id])].append(c)

    # slot -> source -> values given, to find outlets that disagree
    slot_values: dict[tuple[str, str], dict[str, set[Union[float, str]]]] = defaultdict(lambda: defaultdict(set))
    for (story, key), cs in groups.items():
        for c in cs:
            if c.kind in DISPUTABLE_KINDS and "=" in key:
                meta = articles.get(c.article_id)
                src = meta.source if meta else c.article_id
                slot_values[(story, key.split("=", 1)[0])][src].add(_value_of(c))

    out: list[StoryClaim] = []
    time_keys: dict[str, tuple[int, str, str]] = {}    # one per article, not one per group it is in

    def time_key(aid: str) -> tuple[int, str, str]:
        k = time_keys.get(aid)
        if k is None:
            k = time_keys[aid] = _time_key(articles.get(aid), aid)
        return k

    for (story, key), cs in sorted(groups.items()):
        slot = key.split("=", 1)[0]
        # a quote and a reported claim can share a key: pick the representative by content, not arrival order
        cs = sorted(cs, key=lambda c: (c.kind, c.unit or "", c.claim_id))
        kind = cs[0].kind
        metas = {c.article_id: articles.get(c.article_id) for c in cs}
        article_ids = tuple(sorted(metas))
        sources = tuple(sorted({(m.source if m else aid) for aid, m in metas.items()}))
        langs = tuple(sorted({(m.lang if m else c.lang) or c.lang for c in cs for m in [metas[c.article_id]]} - {""}))
        first = min(article_ids, key=time_key)
        first_meta = metas[first]
        disputed = False
        values: tuple[Union[float, str], ...] = tuple(sorted({_value_of(c) for c in cs}, key=str))
        by_source = slot_values.get((story, slot))
        if kind in SAID_KINDS:
            values, disputed = _said_values(cs, articles, parts)
        elif kind in DISPUTABLE_KINDS and by_source:
            mine = {_value_of(c) for c in cs}
            all_values = sorted({v for vs in by_source.values() for v in vs}, key=str)
            # Outlets that give the same values never dispute each other: compare the distinct
            # sets of values given (a handful), not every pair of outlets (hundreds for a wire story).
            given = sorted({frozenset(vs) for vs in by_source.values()}, key=lambda vs: sorted(map(str, vs)))
            disputed = any(_competing(x, y) for a, va in enumerate(given) for vb in given[a + 1:]
                           for x in va - vb for y in vb - va if x in mine or y in mine)
            if disputed:
                values = tuple(v for v in all_values if any(_competing(v, m) or v == m for m in mine))
        out.append(StoryClaim(
            story_id=story, claim_key=key, slot=slot, kind=kind, unit=cs[0].unit,
            article_count=len(article_ids), source_count=len(sources), languages=langs,
            first_published_at=first_meta.published_at if first_meta else None, first_article_id=first,
            values=values, disputed=disputed, claim_ids=tuple(sorted(c.claim_id for c in cs)),
            article_ids=article_ids, sources=sources, claim_keys=tuple(sorted({c.claim_key for c in cs})),
        ))
    return out


def _said_values(cs: list[Claim], articles: Mapping[str, ArticleMeta],
                 parts: Mapping[str, Optional[SaidParts]]) -> tuple[tuple[str, ...], bool]:
    """The numbers outlets give in one matched statement, and whether two outlets give different ones."""
    by_unit: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for c in cs:
        p = parts[c.claim_id]
        if p is None:
            continue
        meta = articles.get(c.article_id)
        for unit, value in p.units.items():
            by_unit[unit][meta.source if meta else c.article_id].add(value)
    values: set[str] = set()
    disputed = False
    for unit, per_source in by_unit.items():
        given = {v for vs in per_source.values() for v in vs}
        values.update(f"{unit}={v}" for v in given)
        # two outlets whose values share none; outlets that give the same values are compared once
        sets = list({frozenset(vs) for vs in per_source.values()})
        if len(per_source) > 1 and len(given) > 1 and any(a.isdisjoint(b) for k, a in enumerate(sets)
                                                           for b in sets[k + 1:]):
            disputed = True
    return tuple(sorted(values)), disputed
