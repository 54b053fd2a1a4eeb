"""Story ids, and rows of the ``stories`` dataset from the metadata of each story's articles."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from typing import Any, Iterable

from transforms.core.records import ArticleMeta

_FAR_FUTURE = datetime.max.replace(tzinfo=timezone.utc)


def story_id_for(article_id: str, published_at: datetime | None = None) -> str:
    """Stable story id of a story first seen as ``article_id``, published at ``published_at``.

    ``s_YYYYMMDD_<hash>``: the day (UTC) the story's first article was published, so the id alone
    says which ``story_day`` partition of ``stories`` and ``story_claims`` holds the story, and a
    run rewrites only the partitions of the stories it touches. Without a date (an undated first
    article) ``s_<hash>``, as every story id was before the day was added.
    """
    digest = hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).hexdigest()
    if published_at is None or published_at == _FAR_FUTURE:
        return "s_" + digest
    return f"s_{published_at.astimezone(timezone.utc):%Y%m%d}_{digest}"


_DAY_IN_ID = re.compile(r"s_(\d{4})(\d{2})(\d{2})_[0-9a-f]+")


def story_day_of(story_id: str | None) -> str | None:
    """The ``story_day`` partition of a story (``YYYY-MM-DD``), read off its id; None for an id
    without a day (an undated first article, or a story of a claimwire before ids carried one)."""
    m = _DAY_IN_ID.fullmatch(story_id or "")
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else None


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
        "story_day": story_day_of(story_id),
    }


def started_by(story_id: str, metas: Iterable[ArticleMeta]) -> bool:
    """Whether one of ``metas`` (articles of this run) started the story ``story_id``: a new story takes
    the id of its first article (``story_id_for``), and an article is published once (a run skips the
    ones published before), so no earlier run wrote a row of such a story."""
    return any(story_id_for(m.article_id, m.published_at) == story_id for m in metas)
