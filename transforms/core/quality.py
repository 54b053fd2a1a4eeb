"""Per-source quality of one run, for the ``runs`` dataset: what a data engineer checks first.

Computed from the run's own rows (articles and failures), so it costs one pass
over small columns in the driver after the pipeline, never a second pipeline.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Mapping

from transforms.core.urls import site_of

UNKNOWN = "(unknown)"


def _source_of_input(value: str) -> str:
    return site_of(value) or UNKNOWN


def source_quality(articles: Iterable[Mapping[str, Any]], failures: Iterable[Mapping[str, Any]]
                   ) -> list[dict[str, Any]]:
    """One row per source: articles, duplicates and their rate, languages, fetch and extraction failures.

    ``articles`` rows need ``source``, ``lang``, ``dup_of``; ``failures`` rows need
    ``stage``, ``reason``, ``input`` (a failure's source is the host of its input URL).
    """
    acc: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "articles": 0, "duplicates": 0, "languages": set(), "fetch_failed": 0, "empty_extractions": 0,
        "failed": 0})
    for a in articles:
        q = acc[a.get("source") or UNKNOWN]
        q["articles"] += 1
        q["duplicates"] += 1 if a.get("dup_of") else 0
        q["languages"].add(a.get("lang") or "und")
    for f in failures:
        q = acc[_source_of_input(f.get("input") or "")]
        q["failed"] += 1
        q["fetch_failed"] += 1 if f.get("stage") == "fetch" else 0
        q["empty_extractions"] += 1 if f.get("stage") == "extract" and f.get("reason") == "no_text" else 0
    out = []
    for source in sorted(acc):
        q = acc[source]
        fetched = q["articles"] + q["fetch_failed"]
        out.append({
            "source": source, "articles": q["articles"], "duplicates": q["duplicates"],
            "duplicate_rate": round(q["duplicates"] / q["articles"], 4) if q["articles"] else None,
            "languages": sorted(q["languages"]), "failed": q["failed"], "fetch_failed": q["fetch_failed"],
            "fetch_success": round(q["articles"] / fetched, 4) if q["fetch_failed"] and fetched else None,
            "empty_extractions": q["empty_extractions"],
        })
    return out
