"""The dedup and story index kept in ``<state_dir>/index/`` between runs (never texts).

Three Parquet files, each sorted by its key so a rewrite of the same rows is
byte-stable:

* ``dedup.parquet``: one :class:`DedupRow` per article (fingerprint, ``dup_of``, segment hashes);
* ``stories.parquet``: one :class:`~transforms.core.stories.StoryProfile` per article, with ``story_id``;
* ``boilerplate.parquet``: hashes of segments found to be boilerplate.

The transforms emit the union of the prior index and the new rows on their
``index`` output; the caller writes it with :func:`write_index` into a staging
folder and publishes that folder with the run, so a killed run leaves the
previous index intact.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from transforms.core.dedup import DedupRow, Fingerprint
from transforms.core.stories import StoryProfile

INDEX_SCHEMA_VERSION = "dedup_index.v1"
INDEX_FOLDER = "index"


@dataclass(frozen=True)
class BoilerplateRow:
    segment_hash: str


IndexRow = DedupRow | StoryProfile | BoilerplateRow


@dataclass(frozen=True)
class PriorIndex:
    """What earlier runs left: handed to ``FoldDuplicates`` and ``ClusterStories``."""

    dedup: tuple[DedupRow, ...] = ()
    stories: tuple[StoryProfile, ...] = ()
    boilerplate: frozenset[str] = field(default_factory=frozenset)

    def rows(self) -> list[IndexRow]:
        return [*self.dedup, *self.stories, *(BoilerplateRow(h) for h in sorted(self.boilerplate))]


_TS = pa.timestamp("us", tz="UTC")
_DEDUP_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("published_at", _TS), ("content_hash", pa.string()),
    ("url_key", pa.string()), ("signature", pa.binary()), ("size", pa.int64()), ("dup_of", pa.string()),
    ("segments", pa.list_(pa.string())),
])
_STORY_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("story_id", pa.string()), ("lang", pa.string()), ("published_at", _TS),
    ("source", pa.string()), ("entities", pa.list_(pa.string())), ("names", pa.list_(pa.string())),
    ("numbers", pa.list_(pa.string())), ("terms", pa.list_(pa.string())), ("term_counts", pa.list_(pa.int64())),
])
_BOILER_SCHEMA = pa.schema([("segment_hash", pa.string())])


def _write(table_rows: list[dict], schema: pa.Schema, path: Path) -> None:
    table = pa.Table.from_pylist(table_rows, schema=schema)
    table = table.replace_schema_metadata({"schema": INDEX_SCHEMA_VERSION})
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def write_index(rows: Iterable[IndexRow], folder: str | Path) -> Path:
    """Write index rows (any mix of the three kinds) into ``folder``; later rows of one id win."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    dedup: dict[str, DedupRow] = {}
    stories: dict[str, StoryProfile] = {}
    boiler: set[str] = set()
    for row in rows:
        if isinstance(row, DedupRow):
            dedup[row.article_id] = row
        elif isinstance(row, StoryProfile):
            stories[row.article_id] = row
        elif isinstance(row, BoilerplateRow):
            boiler.add(row.segment_hash)
        else:
            raise TypeError(f"not an index row: {type(row).__name__}")
    _write([{"article_id": r.fingerprint.article_id, "published_at": r.fingerprint.published_at,
             "content_hash": r.fingerprint.content_hash, "url_key": r.fingerprint.url_key,
             "signature": r.fingerprint.signature, "size": r.fingerprint.size, "dup_of": r.dup_of,
             "segments": list(r.segments)}
            for _, r in sorted(dedup.items())], _DEDUP_SCHEMA, folder / "dedup.parquet")
    _write([{"article_id": p.article_id, "story_id": p.story_id, "lang": p.lang, "published_at": p.published_at,
             "source": p.source, "entities": list(p.entities), "names": list(p.names),
             "numbers": list(p.numbers), "terms": [t for t, _ in p.terms], "term_counts": [c for _, c in p.terms]}
            for _, p in sorted(stories.items())], _STORY_SCHEMA, folder / "stories.parquet")
    _write([{"segment_hash": h} for h in sorted(boiler)], _BOILER_SCHEMA, folder / "boilerplate.parquet")
    return folder


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return pq.read_table(path).to_pylist()



def load_index(state_dir: str | Path | None) -> PriorIndex:
    """The index under ``<state_dir>/index/``; empty when there is none yet."""
    if not state_dir:
        return PriorIndex()
    folder = Path(state_dir) / INDEX_FOLDER
    return load_index_folder(folder)


def load_index_folder(folder: str | Path) -> PriorIndex:
    folder = Path(folder)
    dedup = tuple(
        DedupRow(Fingerprint(r["article_id"], r["published_at"], r["content_hash"], r["url_key"] or "",
                             r["signature"], int(r["size"])), r["dup_of"], tuple(r["segments"] or ()))
        for r in _read(folder / "dedup.parquet"))
    stories = tuple(
        StoryProfile(r["article_id"], r["lang"] or "", r["published_at"], r["source"] or "",
                     tuple(r["entities"] or ()), tuple(r["names"] or ()), tuple(r["numbers"] or ()),
                     tuple(zip(r["terms"] or (), r["term_counts"] or ())), story_id=r["story_id"] or "")
        for r in _read(folder / "stories.parquet"))
    boiler = frozenset(r["segment_hash"] for r in _read(folder / "boilerplate.parquet"))
    return PriorIndex(dedup, stories, boiler)


