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

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping, Optional, Union

from transforms.core.records import ArticleMeta, Claim

DISPUTABLE_KINDS = ("quantity", "equipment")
MAX_RATIO = 1.5


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
    groups: dict[tuple[str, str], list[Claim]] = defaultdict(list)
    for c in claims:
        meta = articles.get(c.article_id)
        story = c.story_id or (meta.story_id if meta else "") or c.article_id
        groups[(story, c.claim_key)].append(c)

    # slot -> source -> values given, to find outlets that disagree
    slot_values: dict[tuple[str, str], dict[str, set[Union[float, str]]]] = defaultdict(lambda: defaultdict(set))
    for (story, key), cs in groups.items():
        for c in cs:
            if c.kind in DISPUTABLE_KINDS and "=" in key:
                meta = articles.get(c.article_id)
                src = meta.source if meta else c.article_id
                slot_values[(story, key.split("=", 1)[0])][src].add(_value_of(c))

    out: list[StoryClaim] = []
    for (story, key), cs in sorted(groups.items()):
        slot = key.split("=", 1)[0]
        # a quote and a reported claim can share a key: pick the representative by content, not arrival order
        cs = sorted(cs, key=lambda c: (c.kind, c.unit or "", c.claim_id))
        kind = cs[0].kind
        metas = {c.article_id: articles.get(c.article_id) for c in cs}
        article_ids = tuple(sorted(metas))
        sources = tuple(sorted({(m.source if m else aid) for aid, m in metas.items()}))
        langs = tuple(sorted({(m.lang if m else c.lang) or c.lang for c in cs for m in [metas[c.article_id]]} - {""}))
        first = min(article_ids, key=lambda aid: _time_key(metas[aid], aid))
        first_meta = metas[first]
        disputed = False
        values: tuple[Union[float, str], ...] = tuple(sorted({_value_of(c) for c in cs}, key=str))
        by_source = slot_values.get((story, slot))
        if kind in DISPUTABLE_KINDS and by_source:
            mine = {_value_of(c) for c in cs}
            all_values = sorted({v for vs in by_source.values() for v in vs}, key=str)
            for src_a, va in by_source.items():
                for src_b, vb in by_source.items():
                    if src_a >= src_b:
                        continue
                    only_a, only_b = va - vb, vb - va
                    if any(_competing(x, y) for x in only_a for y in only_b if x in mine or y in mine):
                        disputed = True
            if disputed:
                values = tuple(v for v in all_values if any(_competing(v, m) or v == m for m in mine))
        out.append(StoryClaim(
            story_id=story, claim_key=key, slot=slot, kind=kind, unit=cs[0].unit,
            article_count=len(article_ids), source_count=len(sources), languages=langs,
            first_published_at=first_meta.published_at if first_meta else None, first_article_id=first,
            values=values, disputed=disputed, claim_ids=tuple(sorted(c.claim_id for c in cs)),
            article_ids=article_ids, sources=sources,
        ))
    return out
