"""RSS/Atom parsing and feed discovery on bytes already fetched.

feedparser is only ever handed ``io.BytesIO``: given a string it treats it as a
path or URL and opens it itself, with no timeout and no address checks. Its
SAX parser runs with external general entities off, and expat >= 2.4 bounds
entity expansion, so XXE and billion-laughs feeds parse to nothing harmful.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import feedparser

from transforms.core.records import Failure, Reason, Stage

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml",
                        "application/feed+json", "application/xml", "text/xml"})


@dataclass(frozen=True)
class FeedEntry:
    link: str
    feed_url: str
    guid: str = ""
    title: str | None = None
    published: str | None = None      # as the feed wrote it; normalised downstream
    summary: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    feed_url: str
    title: str
    entries: tuple[FeedEntry, ...]
    rejected: tuple[Failure, ...]        # entries that cannot become a fetch (no usable link)
    bozo: str = ""                       # why feedparser found the feed malformed, "" if well-formed
    version: str = ""


def _text(value: object) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def _entry_link(entry: dict, base: str) -> str | None:
    link = _text(entry.get("link"))
    if link is None:
        for alt in entry.get("links") or []:
            if alt.get("rel", "alternate") == "alternate" and alt.get("href"):
                link = str(alt["href"]).strip()
                break
    if link is None:
        guid = _text(entry.get("id"))
        if guid and guid.lower().startswith(("http://", "https://")):
            link = guid
    if link is None:
        return None
    link = urljoin(base, link)
    return link   # its scheme is judged at fetch time, so a bad one becomes a counted failure


def parse_feed(body: bytes, feed_url: str, content_type: str | None = None,
               max_entries: int = 1000) -> ParsedFeed | Failure:
    """Entries of an RSS 0.9x/1.0/2.0, Atom or JSON Feed; a malformed feed keeps what parsed."""
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return _parse_json_feed(body, feed_url, max_entries)
    # With no Content-Type feedparser flags every feed bozo; a file has none either, and
    # feedparser treats files as XML, so do the same.
    headers = {"content-location": feed_url, "content-type": content_type or "application/xml"}
    try:
        parsed = feedparser.parse(io.BytesIO(body), response_headers=headers,
                                  sanitize_html=True, resolve_relative_uris=True)
    except Exception as exc:  # feedparser catches parser errors itself; anything else is a bug in it
        return Failure(Stage.FETCH.value, Reason.BAD_FEED.value, feed_url,
                       f"feedparser raised {type(exc).__name__}: {exc}"[:500])
    bozo = ""
    if parsed.get("bozo"):
        why_bozo = parsed.get("bozo_exception")
        bozo = (f"{type(why_bozo).__name__}: {why_bozo}"[:500] if why_bozo is not None
                else "malformed")
    raw_entries = list(parsed.get("entries") or [])
    if not raw_entries:
        if not parsed.get("version"):
            why = bozo or "not a feed"
            return Failure(Stage.FETCH.value, Reason.BAD_FEED.value, feed_url,
                           f"no entries: {why}"[:500])
    feed_meta = parsed.get("feed") or {}
    return _feed(feed_url, _text(feed_meta.get("title")) or "", raw_entries, max_entries, bozo,
                 str(parsed.get("version") or ""))


def _parse_json_feed(body: bytes, feed_url: str, max_entries: int) -> ParsedFeed | Failure:
    """JSON Feed 1.x (https://jsonfeed.org/version/1.1), which feedparser 6.0 does not read.

    Items are mapped onto feedparser's field names (``url`` -> ``link``,
    ``date_published`` -> ``published``) so that one loop judges every format.
    """
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:     # RecursionError: nesting bombs
        return Failure(Stage.FETCH.value, Reason.BAD_FEED.value, feed_url,
                       f"not a JSON feed: {type(exc).__name__}: {exc}"[:500])
    version = str(doc.get("version") or "") if isinstance(doc, dict) else ""
    items = doc.get("items") if isinstance(doc, dict) else None
    if not version.startswith("https://jsonfeed.org/version/") or not isinstance(items, list):
        return Failure(Stage.FETCH.value, Reason.BAD_FEED.value, feed_url,
                       "JSON without a JSON Feed version and items list")
    raw = []
    for item in items:
        item = item if isinstance(item, dict) else {}
        link = item.get("url") or item.get("external_url")
        raw.append({"id": item.get("id"), "link": link if isinstance(link, str) else None,
                    "title": item.get("title"), "published": item.get("date_published"),
                    "updated": item.get("date_modified"), "summary": item.get("summary")})
    return _feed(feed_url, _text(doc.get("title")) or "", raw, max_entries, "", "json" + version.rsplit("/", 1)[-1])


def _feed(feed_url: str, title: str, raw_entries: list, max_entries: int, bozo: str, version: str) -> ParsedFeed:
    """Entries with a usable link; the others rejected with a reason."""
    entries: list[FeedEntry] = []
    rejected: list[Failure] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw_entries):
        guid = _text(entry.get("id")) or ""
        link = _entry_link(entry, feed_url)
        ident = f"{feed_url}#entry={guid or i}"
        if link is None:
            rejected.append(Failure(Stage.FETCH.value, Reason.MISSING_FIELD.value, ident,
                                    "feed entry without link"))
            continue
        if i >= max_entries:
            rejected.append(Failure(Stage.FETCH.value, Reason.TOO_LARGE.value, link,
                                    f"feed entry {i} past max_entries_per_feed={max_entries}"))
            continue
        if link in seen:
            continue   # the same link twice in one feed is one article, not two
        seen.add(link)
        entries.append(FeedEntry(
            link=link, feed_url=feed_url, guid=guid,
            title=_text(entry.get("title")),
            published=_text(entry.get("published") or entry.get("updated")),
            summary=_text(entry.get("summary")),
        ))
    return ParsedFeed(feed_url, title, tuple(entries), tuple(rejected), bozo, version)


def content_hash(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


class _AlternateLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link" or len(self.found) >= 50:
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        rels = a.get("rel", "").lower().split()
        ctype = a.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and ctype in FEED_TYPES and a.get("href"):
            self.found.append((a["href"].strip(), ctype))


_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)


def discover_feeds(html: str, base_url: str) -> list[str]:
    """Feed URLs a page announces with ``<link rel="alternate" type="application/rss+xml">``."""
    m = _HEAD_END.search(html)
    head = html[: m.end()] if m else html[:200_000]
    parser = _AlternateLinks()
    try:
        parser.feed(head)
        parser.close()
    except Exception:  # html.parser is lenient; a crash here must not lose the page
        pass
    out: list[str] = []
    for href, _ctype in parser.found:
        url = urljoin(base_url, href)
        if urlsplit(url).scheme.lower() in ("http", "https") and url not in out:
            out.append(url)
    return out


def looks_like_html(body: bytes) -> bool:
    head = body[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:512]
