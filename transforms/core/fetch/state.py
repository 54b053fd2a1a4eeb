"""What live runs remember: feed validators and which article URLs were published.

Stored in one SQLite file under ``<state_dir>/fetch/``. A run only reads it;
the lead calls :meth:`FetchState.commit` after the run's datasets are
published, so history never claims an article that a crashed run lost.
Entries of an unchanged feed (HTTP 304) that were not published yet (a page
that timed out, say) are kept as ``pending`` and offered again, a bounded
number of times, since the 304 hides them from the next run otherwise.
"""
from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from transforms.core.fetch.feeds import FeedEntry
from transforms.core.urls import canonical_url

MAX_PENDING_ATTEMPTS = 3
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    feed_url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, content_hash TEXT,
    pending TEXT NOT NULL DEFAULT '[]', updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    canonical_url TEXT PRIMARY KEY, first_run_id TEXT NOT NULL, first_published_at TEXT NOT NULL);
"""


@dataclass(frozen=True)
class FeedRecord:
    """What one run learnt about one feed; the feed stage emits one per feed fetched."""

    feed_url: str
    status: int                           # 200, or 304 when unchanged
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    entries: tuple[FeedEntry, ...] = ()   # listed this run, or re-offered pending ones on 304
    bozo: str = ""

    def to_json(self) -> dict:
        d = asdict(self)
        d["entries"] = [asdict(e) for e in self.entries]
        return d

    @classmethod
    def from_json(cls, d: dict) -> FeedRecord:
        return cls(d["feed_url"], int(d["status"]), d.get("etag"), d.get("last_modified"),
                   d.get("content_hash"), tuple(FeedEntry(**e) for e in d.get("entries") or ()),
                   d.get("bozo") or "")


@dataclass(frozen=True)
class FeedValidators:
    etag: str | None
    last_modified: str | None
    content_hash: str | None


@dataclass(frozen=True)
class StateUpdate:
    run_id: str
    feeds: tuple[tuple[str, FeedValidators, str], ...]   # url, validators, pending JSON
    articles: tuple[str, ...] = field(default_factory=tuple)   # canonical URLs now published


def state_path(state_dir: str | os.PathLike[str]) -> Path:
    return Path(state_dir) / "fetch" / "fetch.sqlite"


def staging_dir(state_dir: str | os.PathLike[str], run_id: str) -> Path:
    return Path(state_dir) / "fetch" / "staging" / run_id


class FetchState:
    def __init__(self, state_dir: str | os.PathLike[str]) -> None:
        self.path = state_path(state_dir)
        self.state_dir = Path(state_dir)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    # -- reads (during a run) -------------------------------------------------------------
    def validators(self, feed_url: str) -> FeedValidators | None:
        row = self._db.execute("SELECT etag, last_modified, content_hash FROM feeds WHERE feed_url=?",
                               (feed_url,)).fetchone()
        return FeedValidators(*row) if row else None

    def conditional_headers(self, feed_url: str) -> dict[str, str]:
        v = self.validators(feed_url)
        headers: dict[str, str] = {}
        if v is not None and v.etag:
            headers["If-None-Match"] = v.etag
        if v is not None and v.last_modified:
            headers["If-Modified-Since"] = v.last_modified
        return headers

    def pending_entries(self, feed_url: str) -> list[FeedEntry]:
        row = self._db.execute("SELECT pending FROM feeds WHERE feed_url=?", (feed_url,)).fetchone()
        if not row:
            return []
        return [FeedEntry(**{k: v for k, v in p.items() if k != "attempts"}) for p in json.loads(row[0])]

    def was_fetched(self, url: str) -> bool:
        row = self._db.execute("SELECT 1 FROM articles WHERE canonical_url=?",
                               (canonical_url(url),)).fetchone()
        return row is not None

    # -- after publishing -------------------------------------------------------------------
    def _pending_attempts(self, feed_url: str) -> dict[str, int]:
        row = self._db.execute("SELECT pending FROM feeds WHERE feed_url=?", (feed_url,)).fetchone()
        return {p["link"]: int(p.get("attempts", 1)) for p in json.loads(row[0])} if row else {}

    def plan(self, run_id: str, feed_records: Iterable[FeedRecord],
             published_urls: Iterable[str]) -> StateUpdate:
        published = {canonical_url(u) for u in published_urls}
        feeds: list[tuple[str, FeedValidators, str]] = []
        for rec in sorted(feed_records, key=lambda r: r.feed_url):
            old = self.validators(rec.feed_url)
            if rec.status == 304 and old is not None:
                validators = FeedValidators(rec.etag or old.etag, rec.last_modified or old.last_modified,
                                            old.content_hash)
            else:
                validators = FeedValidators(rec.etag, rec.last_modified, rec.content_hash)
            attempts = self._pending_attempts(rec.feed_url)
            pending = []
            for e in rec.entries:
                key = canonical_url(e.link)
                if key in published or self.was_fetched(e.link):
                    continue
                n = attempts.get(e.link, 0) + 1
                if n <= MAX_PENDING_ATTEMPTS:
                    pending.append({**asdict(e), "attempts": n})
            feeds.append((rec.feed_url, validators,
                          json.dumps(sorted(pending, key=lambda p: p["link"]), ensure_ascii=False)))
        return StateUpdate(run_id, tuple(feeds), tuple(sorted(published)))

    def commit(self, update: StateUpdate) -> None:
        """Apply ``update`` in one transaction: all of it or, on a crash, none."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._db:
            for url, v, pending in update.feeds:
                self._db.execute(
                    "INSERT INTO feeds(feed_url, etag, last_modified, content_hash, pending, updated_at) "
                    "VALUES(?,?,?,?,?,?) ON CONFLICT(feed_url) DO UPDATE SET etag=excluded.etag, "
                    "last_modified=excluded.last_modified, content_hash=excluded.content_hash, "
                    "pending=excluded.pending, updated_at=excluded.updated_at",
                    (url, v.etag, v.last_modified, v.content_hash, pending, now))
            self._db.executemany(
                "INSERT OR IGNORE INTO articles(canonical_url, first_run_id, first_published_at) "
                "VALUES(?,?,?)", [(u, update.run_id, now) for u in update.articles])

    def commit_run(self, run_id: str, published_urls: Iterable[str]) -> StateUpdate:
        """Plan from the feed records the run staged, commit, then drop the staging folder."""
        records = load_staged_feed_records(self.state_dir, run_id)
        update = self.plan(run_id, records, published_urls)
        self.commit(update)
        folder = staging_dir(self.state_dir, run_id)
        if folder.is_dir():
            for f in folder.iterdir():
                f.unlink()
            folder.rmdir()
        return update


def plan_fetch_state_update(state_dir: str | os.PathLike[str], run_id: str,
                            published_urls: Iterable[str],
                            feed_records: Iterable[FeedRecord] | None = None) -> StateUpdate:
    """What committing this run would change; ``FetchState(state_dir).commit(plan)`` applies it."""
    state = FetchState(state_dir)
    try:
        records = (list(feed_records) if feed_records is not None
                   else load_staged_feed_records(state_dir, run_id))
        return state.plan(run_id, records, published_urls)
    finally:
        state.close()


def stage_feed_records(state_dir: str | os.PathLike[str], run_id: str, name: str,
                       records: Iterable[FeedRecord]) -> Path:
    folder = staging_dir(state_dir, run_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps([r.to_json() for r in records], ensure_ascii=False, sort_keys=True))
    os.replace(tmp, path)
    return path


def load_staged_feed_records(state_dir: str | os.PathLike[str], run_id: str) -> list[FeedRecord]:
    folder = staging_dir(state_dir, run_id)
    if not folder.is_dir():
        return []
    out: list[FeedRecord] = []
    for f in sorted(folder.glob("*.json")):
        out.extend(FeedRecord.from_json(d) for d in json.loads(f.read_text()))
    return sorted(out, key=lambda r: r.feed_url)
