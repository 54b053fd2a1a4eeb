"""The dedup and story index as table rows: what a run appends and what later runs read back.

The index is five Delta tables under ``<output>/_index/`` (schemas in
``transforms.core.schemas``), committed with the run's datasets, so it never
knows an article that readers cannot see. Every table is partitioned by
``day``: the article's publication day, or the day of the run that read it
when it has none.

* ``index_keys``: (key, article_id) for every lookup key of an article (travelling
  through the graph as one :class:`KeyRows` per article): its id,
  content hash, canonical URL, MinHash LSH band keys and segment hashes, each
  folded to a signed 64-bit integer (:func:`index_key`). A run looks its own keys
  up in every day, reading one integer column and keeping the matches.
* ``index_articles``: the dedup fingerprint of each article (signature, size,
  published ``dup_of``, segment hashes), read only for the candidates found by key.
* ``index_boilerplate``: segments judged boilerplate, looked up by key.
* ``index_members``: every article's story and metadata, with the story profile
  of a canonical; a run reads the days of its stories window.
* ``index_claims``: the claims of every article, for story summaries in the window.

A run only appends. Nothing here touches a filesystem or Beam.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from transforms.core.dedup import DedupConfig, DedupRow, Fingerprint, band_keys
from transforms.core.records import ArticleMeta
from transforms.core.schemas import published_date
from transforms.core.stories import StoryProfile

# A key's kind is hashed with its value: a content hash never meets a URL of the same text.
ID, HASH, URL, BAND, SEGMENT = "id", "h", "u", "b", "s"


def index_key(kind: str, value: str) -> int:
    """A signed 64-bit key (Parquet int64) for ``value`` of ``kind``; stable across runs and machines."""
    digest = hashlib.blake2b(f"{kind}\x1f{value}".encode("utf-8", "surrogateescape"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def index_day(published_at: datetime | None, run_day: str) -> str:
    """The ``day`` partition of an article's index rows."""
    return published_date(published_at) or run_day


def run_day_of(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d")


def window_of(days: Iterable[str], window_days: int) -> frozenset[str]:
    """Every day within ``window_days`` of one of ``days`` (ISO dates): the partitions a run reads."""
    out: set[str] = set()
    for d in days:
        try:
            centre = date.fromisoformat(d)
        except (TypeError, ValueError):
            continue
        for k in range(-window_days, window_days + 1):
            out.add((centre + timedelta(days=k)).isoformat())
    return frozenset(out)


# ---------------------------------------------------------------- dedup rows

def match_keys(fp: Fingerprint, cfg: DedupConfig) -> list[int]:
    """Keys that find an article's exact and near copies: content hash, URL, LSH bands."""
    keys = [index_key(HASH, fp.content_hash)]
    if fp.url_key:
        keys.append(index_key(URL, fp.url_key))
    keys += [index_key(BAND, b) for b in band_keys(fp, cfg)]
    return keys


def segment_key(segment_hash: str) -> int:
    return index_key(SEGMENT, segment_hash)


def id_key(article_id: str) -> int:
    return index_key(ID, article_id)


@dataclass(frozen=True)
class KeyRows:
    """The ``index_keys`` rows of one article as one element.

    An article has about 60 keys: as one element (ints, no repeated field names) they
    cross the runner's stage boundaries compactly, and the writer expands them.
    """

    article_id: str
    keys: tuple[int, ...]
    day: str

    def rows(self) -> list[dict[str, Any]]:
        return [{"key": k, "article_id": self.article_id, "day": self.day} for k in self.keys]


def finding_keys(row: DedupRow, cfg: DedupConfig) -> frozenset[int]:
    """The keys that find an article as a near copy or as a holder of a segment: content hash, URL,
    LSH bands and segments (not its id)."""
    return frozenset((*match_keys(row.fingerprint, cfg), *(segment_key(s) for s in row.segments)))


def key_block(row: DedupRow, cfg: DedupConfig, day: str, known: frozenset[int] = frozenset(),
              own: frozenset[int] | None = None) -> KeyRows:
    """Every key a later run may look one article up by.

    ``known``: for a copy, the finding keys this run knows of its component: its canonical's,
    and those of earlier copies of it that the run read. The copy is not indexed under those. Every
    finding key of an indexed article is indexed for some member of its component (a canonical is
    indexed under all of its keys; a copy left out only keys that were so already), so a later
    article with such a key finds a member, is verified against it, and joins the copy's component
    all the same; and the boilerplate judgement counts a canonical and its copies as one holder in
    any case (``is_boilerplate``). So a wire story carried a hundred times costs a later copy a few
    candidates, not a hundred, and the index grows by what each copy has of its own (its id, URL,
    the bands and segments its edits changed).
    """
    own = finding_keys(row, cfg) if own is None else own     # ``own``: the row's finding keys, when known
    keys = {id_key(row.article_id), *(own - known)}
    return KeyRows(row.article_id, tuple(sorted(keys)), day)


def table_rows(item: tuple[str, Any]) -> list[dict[str, Any]]:
    """The rows of one ``(index table, row or KeyRows)`` element."""
    value = item[1]
    return value.rows() if isinstance(value, KeyRows) else [value]


def article_index_row(row: DedupRow, day: str) -> dict[str, Any]:
    fp = row.fingerprint
    return {"article_id": fp.article_id, "published_at": fp.published_at, "content_hash": fp.content_hash,
            "url_key": fp.url_key, "signature": fp.signature, "size": fp.size, "dup_of": row.dup_of,
            "segments": list(row.segments), "day": day}


def dedup_row_of(r: Mapping[str, Any]) -> DedupRow:
    """An ``index_articles`` row back as the DedupRow dedup compares against."""
    return DedupRow(Fingerprint(r["article_id"], r.get("published_at"), r["content_hash"], r.get("url_key") or "",
                                r["signature"], int(r["size"])), r.get("dup_of"), tuple(r.get("segments") or ()))


def boilerplate_row(segment_hash: str, day: str) -> dict[str, Any]:
    return {"key": segment_key(segment_hash), "segment_hash": segment_hash, "day": day}


# ---------------------------------------------------------------- story rows

def member_row(meta: ArticleMeta, profile: StoryProfile | None, day: str) -> dict[str, Any]:
    """An ``index_members`` row: the article's story and metadata, and its profile if it is a canonical."""
    p = profile
    return {"article_id": meta.article_id, "story_id": meta.story_id, "dup_of": meta.dup_of, "lang": meta.lang,
            "published_at": meta.published_at, "source": meta.source, "title": meta.title,
            "profiled": p is not None,
            "entities": list(p.entities) if p else None, "names": list(p.names) if p else None,
            "numbers": list(p.numbers) if p else None,
            "terms": [t for t, _ in p.terms] if p else None, "term_counts": [c for _, c in p.terms] if p else None,
            "day": day}


def profile_of(r: Mapping[str, Any]) -> StoryProfile:
    return StoryProfile(r["article_id"], r.get("lang") or "", r.get("published_at"), r.get("source") or "",
                        tuple(r.get("entities") or ()), tuple(r.get("names") or ()), tuple(r.get("numbers") or ()),
                        tuple(zip(r.get("terms") or (), r.get("term_counts") or ())), story_id=r.get("story_id") or "")


def profiled(table):
    """The rows of an ``index_members`` Arrow table that are a profile in a story: what ``profile_of``
    reads to compare new articles with earlier stories."""
    import pyarrow.compute as pc
    return table.filter(pc.and_(pc.fill_null(table["profiled"], False),
                                pc.fill_null(pc.not_equal(table["story_id"], ""), False)))


def meta_of(r: Mapping[str, Any]) -> ArticleMeta:
    return ArticleMeta(r["article_id"], r.get("source") or "", r.get("lang") or "und", r.get("published_at"),
                       r.get("story_id") or "", r.get("dup_of"), r.get("title") or "")
