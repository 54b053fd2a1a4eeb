"""Rows of the ``stories`` dataset, from the metadata of each story's articles."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable

from transforms.core.records import ArticleMeta

_FAR_FUTURE = datetime.max.replace(tzinfo=timezone.utc)


def source_count(metas: Iterable[ArticleMeta]) -> int:
    """Distinct outlets (``ArticleMeta.outlet``: an unknown source is an outlet of its own)."""
    return len({m.outlet for m in metas})


def representative(metas: list[ArticleMeta]) -> ArticleMeta:
    """The canonical (non-duplicate) article published first, then the smallest id."""
    pool = [m for m in metas if not m.dup_of] or metas
    return min(pool, key=lambda m: (m.published_at or _FAR_FUTURE, m.article_id))


def story_row(story_id: str, metas: Iterable[ArticleMeta], run_id: str) -> dict[str, Any]:
    members = sorted(metas, key=lambda m: m.article_id)
    dates = [m.published_at for m in members if m.published_at]
    rep = representative(members)
    return {
        "story_id": story_id,
        "article_count": len(members),
        "source_count": source_count(members),
        "languages": sorted({m.lang or "und" for m in members}),
        "first_published_at": min(dates) if dates else None,
        "last_published_at": max(dates) if dates else None,
        "representative_article_id": rep.article_id,
        "title": rep.title,
        "run_id": run_id,
    }
