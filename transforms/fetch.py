"""FetchFeeds: feed URLs -> RawDocument records of their new article pages (+ failures).

Feeds are fetched, their entries grouped by host into a bounded number of
shards, and each shard's hosts fetched concurrently (threads) with per-host
politeness. Every exchange goes to one WARC file per shard and stage under
``warc_dir``. Fetch history is only read here; the lead commits it after the
run's datasets are published (:func:`commit_fetch_state`).
"""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import apache_beam as beam

from transforms.common import FAILURES, MAIN, Counters, internal_failure
from transforms.core.fetch.config import FetchConfig
from transforms.core.fetch.crawl import Fetcher, host_key
from transforms.core.fetch.feeds import FeedEntry
from transforms.core.fetch.state import FetchState, StateUpdate, stage_feed_records
from transforms.core.fetch.warc import WarcArchive
from transforms.core.records import Stage

FEEDS = "feeds"          # extra output: FeedRecord per feed fetched (what the state commit needs)
_ENTRIES = "entries"

# One Fetcher per worker process and config: the per-host gate and the robots.txt cache
# must be shared by every DoFn talking to a host, or two stages could hit it back to back.
_SHARED: dict[FetchConfig, Fetcher] = {}
_SHARED_LOCK = threading.Lock()


def _shared_fetcher(config: FetchConfig) -> Fetcher:
    with _SHARED_LOCK:
        fetcher = _SHARED.get(config)
        if fetcher is None:
            fetcher = _SHARED[config] = Fetcher(config)
        return fetcher


def shard_of(url: str, shards: int) -> int:
    """Stable shard of a URL's host (blake2b, not hash(): the same on every worker)."""
    digest = hashlib.blake2b(host_key(url).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


class _FetchFn(beam.DoFn):
    def __init__(self, config: FetchConfig, state_dir: str | None, warc_dir: str, run_id: str,
                 part: str) -> None:
        self._config = config
        self._state_dir = state_dir
        self._warc_dir = warc_dir
        self._run_id = run_id
        self._part = part

    def setup(self) -> None:
        self._fetcher = _shared_fetcher(self._config)
        self._state = FetchState(self._state_dir) if self._state_dir else None
        self._c = Counters(Stage.FETCH.value)

    def teardown(self) -> None:
        state = getattr(self, "_state", None)
        if state is not None:
            state.close()

    def _archive(self, shard: int) -> WarcArchive:
        # One file per run, stage and shard: a retried bundle rewrites its own file, nothing else.
        name = f"{self._run_id}-{self._part}-{shard:03d}.warc.gz"
        return WarcArchive(Path(self._warc_dir) / name)

    def _dead_letter(self, links: list[str], exc: Exception):
        # The record is a URL, the element a shard of hosts: what the shard fetched is lost
        # with it (its archive may hold it), and each of its URLs is one failures row.
        for link in links:
            self._c.inc("in")
            self._c.inc("failed")
            yield beam.pvalue.TaggedOutput(FAILURES, internal_failure(Stage.FETCH.value, None, exc, where=link))


class _FetchFeedsFn(_FetchFn):
    def process(self, element: tuple[int, Iterable[str]]):
        shard, urls = element
        urls = sorted(set(urls))
        try:
            outs = list(self._fetch(shard, urls))
        except Exception as exc:  # dead letter
            yield from self._dead_letter(urls, exc)
            return
        yield from outs

    def _fetch(self, shard: int, urls: list[str]):
        with self._archive(shard) as archive:
            results = self._fetcher.view(archive, self._state).fetch_feeds(urls)
        records = [r.record for r in results if r.record is not None]
        if self._state_dir:
            stage_feed_records(self._state_dir, self._run_id, f"feeds-{shard:03d}", records)
        for r in results:
            self._c.inc("feeds")
            if r.record is not None:
                self._c.inc(f"feeds_{r.record.status}")
                if r.record.bozo:
                    self._c.inc("feeds_bozo")
                yield beam.pvalue.TaggedOutput(FEEDS, r.record)
            for f in r.failures:
                self._c.inc("in")
                self._c.inc("failed")
                yield beam.pvalue.TaggedOutput(FAILURES, f)
            for e in r.entries:
                self._c.inc("entries")
                yield e


class _FetchPagesFn(_FetchFn):
    def process(self, element: tuple[int, Iterable[FeedEntry]]):
        shard, entries = element
        entries = list(entries)
        try:
            outs = list(self._fetch(shard, entries))
        except Exception as exc:  # dead letter
            yield from self._dead_letter(sorted({e.link for e in entries}), exc)
            return
        yield from outs

    def _fetch(self, shard: int, entries: list[FeedEntry]):
        with self._archive(shard) as archive:
            results = self._fetcher.view(archive, self._state).fetch_pages(list(entries))
        for r in sorted(results, key=lambda r: (r.entry.link, r.entry.feed_url)):
            self._c.inc("in")
            if r.document is not None:
                self._c.inc("out")
                yield r.document
            elif r.failure is not None:
                self._c.inc("failed")
                yield beam.pvalue.TaggedOutput(FAILURES, r.failure)
            else:
                self._c.inc(r.skipped)     # counted filter: in = out + failed + skips


class FetchFeeds(beam.PTransform):
    """PBegin -> {"main": RawDocument, "failures": Failure, "feeds": FeedRecord}."""

    def __init__(self, fetch_config: FetchConfig, feed_urls: Sequence[str],
                 state_dir: str | None, warc_dir: str, run_id: str = "run") -> None:
        super().__init__()
        self._config = fetch_config
        self._feeds = sorted(set(feed_urls))
        self._state_dir = str(state_dir) if state_dir else None
        self._warc_dir = str(warc_dir)
        self._run_id = run_id

    def expand(self, pbegin):
        n = self._config.shards
        args = (self._config, self._state_dir, self._warc_dir, self._run_id)
        feeds = (pbegin
                 | "ListFeeds" >> beam.Create(self._feeds, reshuffle=False)
                 | "KeyFeedsByHost" >> beam.Map(lambda u: (shard_of(u, n), u))
                 | "GroupFeedsByHost" >> beam.GroupByKey()
                 | "FetchFeeds" >> beam.ParDo(_FetchFeedsFn(*args, part="feeds")).with_outputs(
                     FAILURES, FEEDS, main=_ENTRIES))
        pages = (feeds[_ENTRIES]
                 | "KeyEntriesByHost" >> beam.Map(lambda e: (shard_of(e.link, n), e))
                 | "GroupEntriesByHost" >> beam.GroupByKey()
                 | "FetchPages" >> beam.ParDo(_FetchPagesFn(*args, part="pages")).with_outputs(
                     FAILURES, main=MAIN))
        failures = (feeds[FAILURES], pages[FAILURES]) | "AllFetchFailures" >> beam.Flatten()
        return {MAIN: pages[MAIN], FAILURES: failures, FEEDS: feeds[FEEDS]}


def commit_fetch_state(state_dir: str, run_id: str, published_urls: Iterable[str]) -> StateUpdate:
    """Call AFTER the run's datasets are published: remember feeds' validators and published pages.

    ``published_urls``: the ``input`` (feed entry link) or ``url`` of each article published;
    both are accepted since history is keyed by canonical URL.
    """
    state = FetchState(state_dir)
    try:
        return state.commit_run(run_id, published_urls)
    finally:
        state.close()


__all__ = ["FEEDS", "FetchFeeds", "commit_fetch_state", "shard_of"]
