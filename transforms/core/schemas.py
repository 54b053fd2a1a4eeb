"""Explicit, versioned pyarrow schemas of the output datasets, and record -> row conversion.

The schema version of each dataset is written into every Parquet file's
key-value metadata (``claimwire.schema``); bump it on any change of columns.
Partition columns are not stored inside the files: they live in the
``key=value`` folder names, which Hive-aware readers turn back into columns.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Sequence

import pyarrow as pa

from transforms.core.records import Article, ArticleMeta, Claim, Failure
from transforms.core.storyrows import story_day_of

TS = pa.timestamp("us", tz="UTC")


# Set (True) on a row of a ``merge_on`` table whose story this run started (``storyrows.started_by``):
# no earlier run wrote a row of that story, so the row's file goes straight into the table and is
# committed as an append, not read back and rewritten by the driver's replace. Not a column
# (``table_for`` keeps only the schema's).
STARTED_HERE = "_started_here"


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    version: str                     # "articles.v1"
    schema: pa.Schema                # columns stored in the files (partition columns excluded)
    partition_by: tuple[str, ...]    # Hive partition keys, in folder order
    sort_by: tuple[str, ...]         # order of rows within a file
    rows_per_file: int = 200_000     # file size target of a run's files
    # Rows whose change a later run recomputes (stories grow): replaced in the Delta
    # table on these keys instead of appended. Empty: the table is append-only.
    merge_on: tuple[str, ...] = ()
    # Folder of the table under the output, when not its name (the index tables live under _index/,
    # which Hive-style readers skip as hidden).
    folder: str = ""

    @property
    def path(self) -> str:
        return self.folder or self.name


ARTICLES = DatasetSpec(
    "articles", "articles.v1",
    pa.schema([
        ("article_id", pa.string()), ("url", pa.string()), ("source", pa.string()),
        ("title", pa.string()), ("text", pa.string()), ("lang_prob", pa.float64()),
        ("published_at", TS), ("date_source", pa.string()), ("content_hash", pa.string()),
        ("dup_of", pa.string()), ("story_id", pa.string()), ("run_id", pa.string()),
        ("input", pa.string()), ("extractor", pa.string()), ("char_count", pa.int64()),
        ("warc_file", pa.string()), ("warc_offset", pa.int64()),
    ]),
    partition_by=("published_date", "lang"),
    sort_by=("article_id",),
    rows_per_file=20_000,            # whole texts: keeps files near the few hundred MB scans like
)

CLAIMS = DatasetSpec(
    "claims", "claims.v1",
    pa.schema([
        ("claim_id", pa.string()), ("article_id", pa.string()), ("story_id", pa.string()),
        ("kind", pa.string()), ("claimant", pa.string()), ("claimant_type", pa.string()),
        ("cue", pa.string()), ("statement", pa.string()), ("value", pa.float64()),
        ("value_max", pa.float64()), ("unit", pa.string()), ("modifier", pa.string()),
        ("char_start", pa.int64()), ("char_end", pa.int64()), ("evidence", pa.string()),
        ("claimant_start", pa.int64()), ("claimant_end", pa.int64()),
        ("cue_start", pa.int64()), ("cue_end", pa.int64()),
        ("statement_start", pa.int64()), ("statement_end", pa.int64()),
        ("confidence", pa.float64()), ("claim_key", pa.string()), ("entities", pa.list_(pa.string())),
        ("published_at", TS), ("source", pa.string()), ("run_id", pa.string()),
    ]),
    partition_by=("published_date", "lang"),
    sort_by=("article_id", "char_start", "char_end", "claim_id"),
)

STORIES = DatasetSpec(
    "stories", "stories.v2",
    pa.schema([
        ("story_id", pa.string()), ("article_count", pa.int64()), ("source_count", pa.int64()),
        ("languages", pa.list_(pa.string())), ("first_published_at", TS),
        ("last_published_at", TS), ("representative_article_id", pa.string()),
        ("title", pa.string()), ("run_id", pa.string()),
    ]),
    # The day of the story's first article, read off its id (``story_day_of``): a run replaces the
    # rows of the stories it touches in their days' partitions and leaves every other file alone.
    partition_by=("story_day",),
    sort_by=("story_id",),
    merge_on=("story_id",),
)

STORY_CLAIMS = DatasetSpec(
    "story_claims", "story_claims.v3",
    pa.schema([
        ("story_id", pa.string()), ("claim_key", pa.string()), ("claim_keys", pa.list_(pa.string())),
        ("kind", pa.string()),
        ("unit", pa.string()), ("article_count", pa.int64()), ("source_count", pa.int64()),
        ("languages", pa.list_(pa.string())), ("first_published_at", TS),
        ("first_article_id", pa.string()), ("values", pa.list_(pa.string())),
        ("disputed", pa.bool_()), ("dispute_detail", pa.string()), ("example", pa.string()),
        ("run_id", pa.string()),
    ]),
    partition_by=("story_day",),     # as stories
    sort_by=("story_id", "claim_key"),
    merge_on=("story_id", "claim_key"),
)

FAILURES = DatasetSpec(
    "failures", "failures.v1",
    pa.schema([
        ("run_id", pa.string()), ("reason", pa.string()), ("input", pa.string()), ("detail", pa.string()),
    ]),
    partition_by=("stage",),
    sort_by=("input", "reason", "detail"),
    # appended like articles: a rerun of the same inputs adds only failures not already recorded
)

TABLE_VERSIONS = pa.struct([(n, pa.int64()) for n in ("articles", "claims", "stories", "story_claims", "failures")])

RUNS = DatasetSpec(
    "runs", "runs.v3",
    pa.schema([
        ("run_id", pa.string()), ("attempt", pa.int64()), ("attempt_id", pa.string()), ("serial", pa.int64()),
        ("command", pa.string()), ("started_at", TS), ("finished_at", TS),
        ("status", pa.string()), ("config_hash", pa.string()), ("versions", pa.string()),
        ("inputs", pa.int64()), ("articles", pa.int64()), ("claims", pa.int64()),
        ("stories", pa.int64()), ("failures", pa.int64()),
        ("articles_added", pa.int64()), ("claims_added", pa.int64()), ("stories_changed", pa.int64()),
        ("failures_added", pa.int64()), ("table_versions", TABLE_VERSIONS),
        ("stage_counts", pa.list_(pa.struct([("stage", pa.string()), ("outcome", pa.string()),
                                             ("count", pa.int64())]))),
        ("source_quality", pa.list_(pa.struct([
            ("source", pa.string()), ("articles", pa.int64()), ("duplicates", pa.int64()),
            ("duplicate_rate", pa.float64()), ("languages", pa.list_(pa.string())), ("failed", pa.int64()),
            ("fetch_failed", pa.int64()), ("fetch_success", pa.float64()), ("empty_extractions", pa.int64()),
        ]))),
    ]),
    partition_by=(),
    sort_by=("serial",),
    # append-only: every attempt adds its own row, a rerun's too (attempt 2, 3, ...)
)

# ---- the dedup and story index: what later runs read back, partitioned by day --------------
# ``day`` is the article's publication day, or the day of the run that read it when it has
# none; later runs read the stories window by it and look keys up in every day.

INDEX_KEYS = DatasetSpec(
    "index_keys", "index_keys.v1",
    pa.schema([("key", pa.int64()), ("article_id", pa.string())]),
    partition_by=("day",), sort_by=("key", "article_id"), rows_per_file=1_000_000, folder="_index/keys",
)

INDEX_ARTICLES = DatasetSpec(
    "index_articles", "index_articles.v1",
    pa.schema([
        ("article_id", pa.string()), ("published_at", TS), ("content_hash", pa.string()),
        ("url_key", pa.string()), ("signature", pa.binary()), ("size", pa.int64()), ("dup_of", pa.string()),
        ("segments", pa.list_(pa.string())),
    ]),
    partition_by=("day",), sort_by=("article_id",), folder="_index/articles",
)

INDEX_BOILERPLATE = DatasetSpec(
    "index_boilerplate", "index_boilerplate.v1",
    pa.schema([("key", pa.int64()), ("segment_hash", pa.string())]),
    partition_by=("day",), sort_by=("key", "segment_hash"), folder="_index/boilerplate",
)

INDEX_MEMBERS = DatasetSpec(
    "index_members", "index_members.v1",
    pa.schema([
        ("article_id", pa.string()), ("story_id", pa.string()), ("dup_of", pa.string()), ("lang", pa.string()),
        ("published_at", TS), ("source", pa.string()), ("title", pa.string()), ("profiled", pa.bool_()),
        ("entities", pa.list_(pa.string())), ("names", pa.list_(pa.string())), ("numbers", pa.list_(pa.string())),
        ("terms", pa.list_(pa.string())), ("term_counts", pa.list_(pa.int64())),
    ]),
    partition_by=("day",), sort_by=("article_id",), folder="_index/members",
)

INDEX_CLAIMS = DatasetSpec(
    "index_claims", "index_claims.v1",
    pa.schema([(f.name, f.type) for f in CLAIMS.schema if f.name in (
        "claim_id", "article_id", "kind", "char_start", "char_end", "confidence", "claim_key", "story_id",
        "claimant", "claimant_type", "cue", "statement", "value", "value_max", "unit", "modifier",
        "claimant_start", "claimant_end", "cue_start", "cue_end", "statement_start", "statement_end",
        "entities")] + [("lang", pa.string())]),
    partition_by=("day",), sort_by=("article_id", "char_start", "char_end", "claim_id"), folder="_index/claims",
)

INDEX_TABLES = ("index_keys", "index_articles", "index_boilerplate", "index_members", "index_claims")

DATASETS: dict[str, DatasetSpec] = {s.name: s for s in (
    ARTICLES, CLAIMS, STORIES, STORY_CLAIMS, FAILURES, RUNS,
    INDEX_KEYS, INDEX_ARTICLES, INDEX_BOILERPLATE, INDEX_MEMBERS, INDEX_CLAIMS)}

_SAFE = re.compile(r"[^A-Za-z0-9_.\-]")


def partition_value(value: Any) -> str:
    """A folder-safe partition value: nothing from input can steer a path.

    Only [A-Za-z0-9_.-] survive, leading dots are removed (no '..'), length is
    capped; an empty result becomes the Hive null marker.
    """
    text = "" if value is None else str(value)
    text = _SAFE.sub("_", text).lstrip(".")[:64]
    return text or "__HIVE_DEFAULT_PARTITION__"


def published_date(ts: datetime | None) -> str | None:
    """The day partition; None (Hive's default partition, read back as NULL) when unknown."""
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%d") if ts else None


def article_row(a: Article, run_id: str) -> dict[str, Any]:
    return {
        "article_id": a.article_id, "url": a.url, "source": a.source, "title": a.title, "text": a.text,
        "lang_prob": a.lang_prob, "published_at": a.published_at, "date_source": a.date_source,
        "content_hash": a.content_hash, "dup_of": a.dup_of, "story_id": a.story_id, "run_id": run_id,
        "input": a.input, "extractor": a.extractor, "char_count": len(a.text),
        "warc_file": a.warc_file, "warc_offset": a.warc_offset,
        "published_date": published_date(a.published_at), "lang": a.lang or "und",
    }


def claim_row(c: Claim, article: Article | ArticleMeta, evidence: str, run_id: str) -> dict[str, Any]:
    """A ``claims`` row; ``evidence`` is ``text[char_start:char_end]`` of the claim's article (a claim
    travels with its article's metadata and its evidence, never the whole text)."""
    return {
        "claim_id": c.claim_id, "article_id": c.article_id, "story_id": article.story_id or c.story_id,
        "kind": c.kind, "claimant": c.claimant, "claimant_type": c.claimant_type, "cue": c.cue,
        "statement": c.statement, "value": c.value, "value_max": c.value_max, "unit": c.unit,
        "modifier": c.modifier, "char_start": c.char_start, "char_end": c.char_end,
        "evidence": evidence,
        "claimant_start": c.claimant_start, "claimant_end": c.claimant_end,
        "cue_start": c.cue_start, "cue_end": c.cue_end,
        "statement_start": c.statement_start, "statement_end": c.statement_end,
        "confidence": c.confidence, "claim_key": c.claim_key, "entities": list(c.entities),
        "published_at": article.published_at, "source": article.source, "run_id": run_id,
        "published_date": published_date(article.published_at), "lang": c.lang or article.lang or "und",
    }


def failure_row(f: Failure, run_id: str) -> dict[str, Any]:
    return {"run_id": run_id, "stage": f.stage, "reason": f.reason, "input": f.input, "detail": f.detail}


def partition_path(spec: DatasetSpec, row: Mapping[str, Any]) -> str:
    return "/".join(f"{k}={partition_value(row.get(k))}" for k in spec.partition_by)


def sort_key(spec: DatasetSpec) -> Callable[[Mapping[str, Any]], tuple]:
    def key(row: Mapping[str, Any]) -> tuple:
        return tuple((row.get(k) is None, "" if row.get(k) is None else row.get(k)) for k in spec.sort_by)
    return key


def _value_text(v: Any) -> str:
    return v if isinstance(v, str) else (f"{v:g}" if isinstance(v, float) else str(v))


def story_claim_row(item: Any, run_id: str) -> dict[str, Any]:
    """A ``story_claims`` row from ``(StoryClaim, example)`` or ``(StoryClaim, example, started here)``;
    values kept as text (numbers or names)."""
    sc, example = item[0], item[1]
    values = [_value_text(v) for v in sc.values]
    own = sc.claim_key.split("=", 1)[1] if "=" in sc.claim_key else ""
    detail = None
    if sc.disputed:
        others = [v for v in values if v != own and v != _value_text(_maybe_float(own))]
        detail = (f"{sc.article_count} article(s) from {sc.source_count} outlet(s) say {own}; "
                  f"others in the story say {', '.join(others)}")
    return {
        "story_id": sc.story_id, "claim_key": sc.claim_key,
        "claim_keys": list(getattr(sc, "claim_keys", ()) or (sc.claim_key,)), "kind": getattr(sc, "kind", None),
        "unit": getattr(sc, "unit", None), "article_count": sc.article_count, "source_count": sc.source_count,
        "languages": sorted(sc.languages), "first_published_at": sc.first_published_at,
        "first_article_id": sc.first_article_id, "values": values, "disputed": bool(sc.disputed),
        "dispute_detail": detail, "example": example,
        "run_id": run_id, "story_day": story_day_of(sc.story_id),
        **({STARTED_HERE: True} if len(item) > 2 and item[2] else {}),
    }


def _maybe_float(v: str) -> Any:
    try:
        return float(v)
    except ValueError:
        return v


_CLAIM_FIELDS = ("claim_id", "article_id", "kind", "char_start", "char_end", "confidence", "claim_key", "story_id",
                 "claimant", "claimant_type", "cue", "statement", "value", "value_max", "unit", "modifier",
                 "claimant_start", "claimant_end", "cue_start", "cue_end", "statement_start", "statement_end")
PUBLISHED_CLAIM_COLUMNS = (*_CLAIM_FIELDS, "entities")
# Claim's fields in the order of its constructor.
_CLAIM_ORDER = tuple(f.name for f in dataclasses.fields(Claim))
PUBLISHED_META_COLUMNS = ("article_id", "source", "published_at", "story_id", "dup_of", "title")


def partition_from_path(path: str, key: str) -> str | None:
    """The value of a Hive partition key in a file path (``.../lang=fa/...`` -> ``fa``)."""
    for part in str(path).split("/"):
        if part.startswith(key + "="):
            value = part[len(key) + 1:]
            return None if value == "__HIVE_DEFAULT_PARTITION__" else value
    return None


def claim_from_row(row: Mapping[str, Any], lang: str | None) -> Claim:
    """A published ``claims`` row back as a Claim (for story summaries across runs)."""
    return Claim(**{k: row.get(k) for k in _CLAIM_FIELDS}, lang=lang or "",
                 entities=tuple(row.get("entities") or ()))


def claims_from_columns(columns: Mapping[str, Sequence[Any]]) -> list[Claim]:
    """Published ``claims`` rows given as columns (name -> values) back as Claims: what
    ``claim_from_row(row, row["lang"])`` gives for each row, without a dict per row."""
    n = len(next(iter(columns.values()))) if columns else 0
    none = [None] * n
    by_field = {k: columns.get(k, none) for k in _CLAIM_FIELDS}
    by_field["lang"] = [lang or "" for lang in columns.get("lang", none)]
    by_field["entities"] = [tuple(e or ()) for e in columns.get("entities", none)]
    return [Claim(*vals) for vals in zip(*(by_field[f] for f in _CLAIM_ORDER))]


def meta_from_row(row: Mapping[str, Any], lang: str | None) -> ArticleMeta:
    return ArticleMeta(row["article_id"], row.get("source") or "", lang or "und", row.get("published_at"),
                       row.get("story_id") or "", row.get("dup_of"), row.get("title") or "")
