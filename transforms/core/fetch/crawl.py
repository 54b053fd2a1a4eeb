"""A live fetch of feeds and their pages, without Beam: what one worker does with its hosts.

Each host's work runs in order on one thread (with :class:`HostGate` pacing
it); different hosts run in parallel. Every feed entry ends as a
:class:`RawDocument`, a :class:`Failure`, or a counted skip (fetched by an
earlier run, or listed twice), and every exchange is archived.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from transforms.core.fetch.config import FetchConfig
from transforms.core.fetch.feeds import (
    FeedEntry,
    content_hash,
    discover_feeds,
    looks_like_html,
    parse_feed,
)
from transforms.core.fetch.http import FetchOutcome, HttpClient
from transforms.core.fetch.netguard import resolve_host
from transforms.core.fetch.politeness import HostGate, run_by_host
from transforms.core.fetch.robots import RobotsCache
from transforms.core.fetch.state import FeedRecord, FetchState
from transforms.core.fetch.warc import (
    ARTICLE,
    FEED,
    ROBOTS,
    EntryInfo,
    WarcArchive,
    document_from_response,
)
from transforms.core.records import Failure, RawDocument
from transforms.core.urls import canonical_url

SKIP_FETCHED = "already_fetched"
SKIP_DUPLICATE = "duplicate_entry"


@dataclass
class FeedResult:
    feed_url: str
    record: FeedRecord | None = None
    entries: list[FeedEntry] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


@dataclass(frozen=True)
class PageResult:
    entry: FeedEntry
    document: RawDocument | None = None
    failure: Failure | None = None
    skipped: str = ""            # SKIP_FETCHED | SKIP_DUPLICATE


def host_key(url: str) -> str:
    try:
        parts = urlsplit(url)
        return f"{parts.hostname or ''}:{parts.port or ''}".lower()
    except ValueError:
        return ""


class Fetcher:
    """One run's clients: HTTP, per-host gate, robots cache; plus where to archive and what state says.

    The gate and robots cache must be shared by everything that talks to a host
    in one process; :meth:`view` gives another archive/state over the same ones.
    """

    def __init__(self, config: FetchConfig, archive: WarcArchive | None = None,
                 state: FetchState | None = None,
                 resolver: Callable[..., object] = resolve_host,
                 _shared: Fetcher | None = None) -> None:
        self.config = config
        self.archive = archive
        self.state = state
        self.gate: HostGate
        self.client: HttpClient
        self.robots: RobotsCache
        if _shared is not None:
            self.gate, self.client, self.robots = _shared.gate, _shared.client, _shared.robots
        else:
            self.gate = HostGate(config.delay)
            self.client = HttpClient(config, self.gate, resolver=resolver)  # type: ignore[arg-type]
            self.robots = RobotsCache(self.client, config.user_agent)

    def view(self, archive: WarcArchive | None, state: FetchState | None) -> Fetcher:
        return Fetcher(self.config, archive, state, _shared=self)

    def _archive_robots(self, url: str, outcome: FetchOutcome) -> None:
        if self.archive is not None:
            self.archive.write_outcome(outcome, ROBOTS)

    def _fail(self, failure: Failure) -> Failure:
        if self.archive is not None:
            self.archive.write_failure(failure)
        return failure

    def _allowed(self, url: str) -> Failure | None:
        bad = HttpClient.check_url(url, url)
        if bad is not None:
            return bad
        if not self.config.obey_robots:
            return None
        refused = self.robots.check(url, self._archive_robots)
        if refused is not None:
            return refused
        delay = self.robots.crawl_delay(url)
        if delay is not None:
            self.gate.set_host_delay((urlsplit(url).hostname or "").lower(), delay)
        return None

    # -- feeds ------------------------------------------------------------------------------
    def fetch_feed(self, feed_url: str, _discovered: bool = False) -> FeedResult:
        result = FeedResult(feed_url)
        refused = self._allowed(feed_url)
        if refused is not None:
            result.failures.append(self._fail(refused))
            return result
        headers = self.state.conditional_headers(feed_url) if self.state is not None else {}
        outcome = self.client.get(feed_url, headers)
        if self.archive is not None:
            self.archive.write_outcome(outcome, FEED)
        if outcome.failure is not None:
            result.failures.append(self._fail(outcome.failure))
            return result
        final = outcome.final
        assert final is not None
        etag, modified = final.header("ETag"), final.header("Last-Modified")
        if final.status == 304:
            pending = self.state.pending_entries(feed_url) if self.state is not None else []
            result.entries = pending
            result.record = FeedRecord(feed_url, 304, etag, modified, None, tuple(pending))
            return result
        parsed = parse_feed(final.body, feed_url, final.header("Content-Type"),
                            self.config.max_entries_per_feed)
        if isinstance(parsed, Failure):
            if not _discovered and looks_like_html(final.body):
                found = discover_feeds(final.body.decode("utf-8", "replace"), outcome.final_url)
                if found:
                    inner = self.fetch_feed(found[0], _discovered=True)
                    return inner
            result.failures.append(self._fail(parsed))
            return result
        result.entries = list(parsed.entries)
        result.failures.extend(self._fail(f) for f in parsed.rejected)
        result.record = FeedRecord(feed_url, final.status, etag, modified, content_hash(final.body),
                                   parsed.entries, parsed.bozo)
        return result

    def fetch_feeds(self, feed_urls: Sequence[str]) -> list[FeedResult]:
        return run_by_host(_group(sorted(set(feed_urls)), lambda u: u), self.fetch_feed,
                           self.config.threads)

    # -- pages ------------------------------------------------------------------------------
    def fetch_page(self, entry: FeedEntry) -> PageResult:
        refused = self._allowed(entry.link)
        if refused is not None:
            return PageResult(entry, failure=self._fail(refused))
        outcome = self.client.get(entry.link)
        info = EntryInfo(entry.link, entry.feed_url, entry.title, entry.published, entry.guid)
        offset = self.archive.write_outcome(outcome, ARTICLE, info) if self.archive is not None else None
        if outcome.failure is not None:
            return PageResult(entry, failure=self._fail(outcome.failure))
        final = outcome.final
        assert final is not None
        doc = document_from_response(info, outcome.final_url, final.body, final.header("Content-Type"),
                                     self.archive.name if self.archive is not None else None, offset)
        if isinstance(doc, Failure):
            return PageResult(entry, failure=self._fail(doc))
        return PageResult(entry, document=doc)

    def select(self, entries: Iterable[FeedEntry]) -> tuple[list[FeedEntry], list[PageResult]]:
        """Entries to fetch, and the ones skipped (history says fetched; listed twice)."""
        todo: list[FeedEntry] = []
        skipped: list[PageResult] = []
        seen: set[str] = set()
        for e in sorted(entries, key=lambda e: (canonical_url(e.link), e.feed_url)):
            key = canonical_url(e.link)
            if key in seen:
                skipped.append(PageResult(e, skipped=SKIP_DUPLICATE))
            elif (not self.config.refetch and self.state is not None and self.state.was_fetched(e.link)):
                skipped.append(PageResult(e, skipped=SKIP_FETCHED))
            else:
                todo.append(e)
            seen.add(key)
        return todo, skipped

    def fetch_pages(self, entries: Iterable[FeedEntry]) -> list[PageResult]:
        todo, skipped = self.select(entries)
        done = run_by_host(_group(todo, lambda e: e.link), self.fetch_page, self.config.threads)
        return done + skipped


def _group(items: Sequence, url_of: Callable) -> list[tuple[str, list]]:
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(host_key(url_of(item)), []).append(item)
    return sorted(groups.items(), key=lambda kv: kv[0])


__all__ = [
    "SKIP_DUPLICATE",
    "SKIP_FETCHED",
    "FeedResult",
    "Fetcher",
    "PageResult",
    "host_key",
]
