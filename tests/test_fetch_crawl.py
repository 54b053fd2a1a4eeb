"""A live run on local servers: two feeds, real pages, every fault; WARC replay; second run.

Every feed entry must end as a document or a failure; the WARC archive must
replay to the same documents and failures; the second run must ask for the
feeds conditionally (304) and fetch no page twice.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fetch_server import (
    article_html,
    conditional,
    gzip_bomb,
    host_factory,
    real_feed,
    real_page,
    rss,
    status,
    trickle,
)

from transforms.core.fetch.config import FetchConfig
from transforms.core.fetch.crawl import SKIP_FETCHED, Fetcher
from transforms.core.fetch.state import FetchState, load_staged_feed_records, stage_feed_records
from transforms.core.fetch.warc import WarcArchive, iter_warc_documents
from transforms.core.records import Failure, RawDocument

REAL = ["anarc.at.cdpath.html", "mdavis.xyz.supermarket.html", "nhk.or.jp.k100.html",
        "wiki.python.org.Download.html", "womencantalksports.com-top10.html"]
CFG = FetchConfig(allow_private_network=True, delay=0.05, timeout=1.5, read_timeout=1.0,
                  connect_timeout=1.0, backoff=0.05, retries=1, max_bytes=512 * 1024, threads=8)


@pytest.fixture
def local_hosts():
    with host_factory() as make:
        yield make



def setup_sites(local_hosts):
    news, wire, other = local_hosts(3)
    good = []
    for i, name in enumerate(REAL):
        news.page(f"/real/{i}", real_page(name))
        good.append(news.url(f"/real/{i}"))
    for i in range(4):
        wire.page(f"/story/{i}", article_html(f"Wire story {i}"))
        good.append(wire.url(f"/story/{i}"))
    news.page("/robots.txt", b"User-agent: *\nDisallow: /members/\n", "text/plain")
    news.page("/members/x", article_html("members only"))
    news.sequence("/flaky", [status(503), lambda h: h.send_plain(200, article_html("flaky but ok"),
                                                                    "text/html; charset=utf-8")])
    good.append(news.url("/flaky"))
    news.routes["/slow"] = trickle(0.3, 100)
    news.routes["/bomb"] = gzip_bomb(8 * 1024 * 1024)
    news.page("/huge", b"<p>" + b"x" * 700_000 + b"</p>")
    news.redirect("/loop1", "/loop2")
    news.redirect("/loop2", "/loop1")
    news.redirect("/tofile", "file:///etc/passwd")
    news.redirect("/moved", other.url("/landing"))
    other.page("/landing", article_html("Moved here"))
    good.append(news.url("/moved"))
    # A page declared latin-1 whose bytes are cp1252 with curly quotes: must decode, not garble.
    news.page("/cp1252", ("<html><head><title>Quote</title></head><body><article><p>"
                          "\u201cWe will rebuild\u201d, said the mayor of Sa\u00f4ne \u2013 "
                          "again and again. " * 10 + "</p></article></body></html>").encode("cp1252"),
              "text/html; charset=iso-8859-1")
    good.append(news.url("/cp1252"))
    faults = {"/missing": "http_404", "/members/x": "robots_disallowed", "/slow": "timeout",
              "/bomb": "decompression_limit", "/huge": "too_large", "/loop1": "redirect_loop",
              "/tofile": "bad_scheme"}
    items = [(u, f"t{i}") for i, u in enumerate(good[:5] + good[9:])] + \
        [(news.url(p), p) for p in faults]
    items.append(("file:///etc/passwd", "local file"))
    items.append((news.url("/real/0?utm_source=rss#top"), "same page, tracking params"))
    news.routes["/feed.xml"] = conditional(rss(items), '"v1"')
    # The second feed is a real feedparser test feed (Atom), pointed at the wire host.
    atom = real_feed("entry_link_href.xml", wire.url("/story/0"))
    assert wire.url("/story/0").encode() in atom
    atom = atom.replace(b"</feed>", b"".join(
        f'<entry><link rel="alternate" type="text/html" href="{wire.url(f"/story/{i}")}"/></entry>'
        .encode() for i in range(1, 4)) + b"</feed>")
    wire.routes["/atom"] = conditional(atom, '"a1"', "application/atom+xml")
    feeds = [news.url("/feed.xml"), wire.url("/atom"), wire.url("/no-feed-here")]
    expected_fail = {news.url(p): r for p, r in faults.items()}
    expected_fail["file:"] = "bad_scheme"     # feedparser respells file:/// links; the scheme is what counts
    return news, wire, other, feeds, good, expected_fail


def _key(link: str) -> str:
    return "file:" if link.startswith("file:") else link


def run_once(cfg, feeds, warc_path, state_dir, run_id):
    state = FetchState(state_dir)
    with WarcArchive(warc_path) as archive:
        f = Fetcher(cfg, archive, state)
        feed_results = f.fetch_feeds(feeds)
        entries = [e for r in feed_results for e in r.entries]
        pages = f.fetch_pages(entries)
    stage_feed_records(state_dir, run_id, "feeds-000", [r.record for r in feed_results if r.record])
    return feed_results, pages, state


def test_live_run_accounts_for_everything_and_replays(local_hosts, tmp_path: Path):
    news, wire, other, feeds, good, expected_fail = setup_sites(local_hosts)
    state_dir = tmp_path / "state"
    warc1 = tmp_path / "out" / "warc" / "run1.warc.gz"
    feed_results, pages, state = run_once(CFG, feeds, warc1, state_dir, "run1")

    feed_fail = {f.input: f.reason for r in feed_results for f in r.failures}
    assert feed_fail == {wire.url("/no-feed-here"): "http_404"}
    docs = {p.entry.link: p.document for p in pages if p.document is not None}
    fails = {_key(p.entry.link): p.failure.reason for p in pages if p.failure is not None}
    skipped = [p for p in pages if p.skipped]
    assert set(docs) == set(good), sorted(set(good) ^ set(docs))
    assert fails == expected_fail
    assert len(skipped) == 1 and "utm_source" in skipped[0].entry.link     # same canonical URL
    assert len(docs) + len(fails) + len(skipped) == len(pages)

    moved = docs[news.url("/moved")]
    assert moved.url == other.url("/landing") and moved.input == news.url("/moved")
    cp = docs[news.url("/cp1252")]
    assert "\u201cWe will rebuild\u201d" in cp.body and "Sa\u00f4ne \u2013" in cp.body
    real = docs[news.url("/real/2")]
    assert real.title == "t2" and real.published == "Mon, 02 Nov 2026 09:00:00 GMT"
    assert real.charset.endswith("(bom)")                              # that page starts with a BOM
    assert all(d.warc_file == "run1.warc.gz" and d.warc_offset is not None for d in docs.values())

    # Replay: the same documents, and the same failure rows, with no network.
    replayed = list(iter_warc_documents(warc1))
    r_docs = {d.input: d for d in replayed if isinstance(d, RawDocument)}
    r_fail = {(f.input, f.reason) for f in replayed if isinstance(f, Failure)}
    assert r_docs == docs
    live_fail = {(f.input, f.reason) for r in feed_results for f in r.failures} | \
        {(p.failure.input, p.failure.reason) for p in pages if p.failure}
    assert r_fail == live_fail

    # Publish (as the lead does after the sink) then run again.
    state.commit_run("run1", [d.input for d in docs.values()])
    hits_before = {h.address: len(h.hits) for h in (news, wire, other)}
    warc2 = tmp_path / "out" / "warc" / "run2.warc.gz"
    feed_results2, pages2, _ = run_once(CFG, feeds, warc2, state_dir, "run2")
    feed_hits = [h for h in news.hits[hits_before[news.address]:] if h.path == "/feed.xml"]
    assert feed_hits and feed_hits[0].headers.get("if-none-match") == '"v1"'
    assert {r.record.status for r in feed_results2 if r.record} == {304}
    fetched_again = [p for p in pages2 if p.document is not None]
    assert fetched_again == []
    # Failed entries of the unchanged feed are offered again (pending), published ones are not.
    retried = {_key(p.entry.link) for p in pages2 if p.failure is not None}
    assert retried == set(expected_fail)
    assert not any(p.entry.link in docs for p in pages2 if not p.skipped)

    # --refetch fetches published pages again.
    state3 = FetchState(state_dir)
    f3 = Fetcher(dataclasses.replace(CFG, refetch=True), None, state3)
    again = f3.fetch_pages([p.entry for p in pages if p.document is not None][:2])
    assert all(p.document is not None for p in again)
    f4 = Fetcher(CFG, None, state3)
    assert {p.skipped for p in f4.fetch_pages([p.entry for p in pages if p.document][:2])} == {SKIP_FETCHED}


def test_staged_records_round_trip(tmp_path):
    from transforms.core.fetch.feeds import FeedEntry
    from transforms.core.fetch.state import FeedRecord
    rec = FeedRecord("http://f.test/x", 200, '"e"', "Mon, 02 Nov 2026 10:00:00 GMT", "abc",
                     (FeedEntry("http://f.test/1", "http://f.test/x", "g", "T", "D", "S"),), "")
    stage_feed_records(tmp_path, "r1", "feeds-000", [rec])
    assert load_staged_feed_records(tmp_path, "r1") == [rec]
    state = FetchState(tmp_path)
    plan = state.plan("r1", [rec], [])
    assert plan.articles == () and "f.test/1" in plan.feeds[0][2]
    state.commit(state.plan("r1", [rec], ["http://f.test/1?utm_medium=rss"]))
    assert state.was_fetched("http://f.test/1") and state.pending_entries("http://f.test/x") == []
