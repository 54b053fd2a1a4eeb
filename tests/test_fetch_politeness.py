"""robots.txt (RFC 9309), Crawl-delay, per-host delay and parallelism across hosts (timed)."""
from __future__ import annotations

import dataclasses
import time

import pytest
from fetch_server import article_html, host_factory, status

from transforms.core.fetch.config import FetchConfig
from transforms.core.fetch.crawl import Fetcher
from transforms.core.fetch.feeds import FeedEntry
from transforms.core.fetch.http import HttpClient
from transforms.core.fetch.robots import RobotsCache, product_token

CFG = FetchConfig(allow_private_network=True, delay=0.0, timeout=5, backoff=0.01, retries=0,
                  user_agent="claimwire/0.1 (+http://claimwire.test)")


@pytest.fixture
def local_hosts():
    with host_factory() as make:
        yield make



def entries(h, paths):
    return [FeedEntry(link=h.url(p), feed_url=h.url("/feed")) for p in paths]


def test_product_token():
    assert product_token("claimwire/0.1 (+http://x)") == "claimwire"


def test_robots_disallow_and_fetched_once(local_hosts):
    (h,) = local_hosts(1)
    h.page("/robots.txt", b"User-agent: *\nAllow: /\n\nUser-agent: claimwire\nDisallow: /private/\n",
           "text/plain")
    h.page("/private/a", article_html("a"))
    h.page("/public/b", article_html("b"))
    f = Fetcher(CFG)
    res = {r.entry.link: r for r in f.fetch_pages(entries(h, ["/private/a", "/public/b", "/private/c"]))}
    assert res[h.url("/private/a")].failure.reason == "robots_disallowed"
    assert res[h.url("/private/c")].failure.reason == "robots_disallowed"
    assert res[h.url("/public/b")].document is not None
    assert h.paths().count("/robots.txt") == 1
    assert "/private/a" not in h.paths()


def test_robots_404_allows_and_5xx_disallows(local_hosts):
    a, b = local_hosts(2)
    a.page("/x", b"<p>x</p>")
    b.routes["/robots.txt"] = status(503)
    b.page("/x", b"<p>x</p>")
    robots = RobotsCache(HttpClient(CFG), CFG.user_agent)
    assert robots.check(a.url("/x")) is None
    assert robots.check(b.url("/x")).reason == "robots_disallowed"


def test_crawl_delay_lengthens_delay(local_hosts):
    (h,) = local_hosts(1)
    h.page("/robots.txt", b"User-agent: *\nCrawl-delay: 0.5\n", "text/plain")
    for i in range(3):
        h.page(f"/p{i}", article_html(f"p{i}"))
    f = Fetcher(dataclasses.replace(CFG, delay=0.05))
    f.fetch_pages(entries(h, ["/p0", "/p1", "/p2"]))
    times = [hit.at for hit in h.hits if hit.path.startswith("/p")]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(gaps) == 2 and min(gaps) >= 0.45, gaps


def test_per_host_delay_and_hosts_in_parallel(local_hosts):
    """4 hosts x 5 pages at delay 0.3: one host alone needs >= 1.2 s; all four about as long."""
    hosts = local_hosts(4)
    for h in hosts:
        for i in range(5):
            h.page(f"/p{i}", article_html(f"{h.address} {i}"))
    f = Fetcher(dataclasses.replace(CFG, delay=0.3, obey_robots=False, threads=8))
    todo = [e for h in hosts for e in entries(h, [f"/p{i}" for i in range(5)])]
    t0 = time.monotonic()
    results = f.fetch_pages(todo)
    took = time.monotonic() - t0
    assert sum(r.document is not None for r in results) == 20
    for h in hosts:
        times = sorted(hit.at for hit in h.hits)
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert min(gaps) >= 0.28, gaps                  # never two requests to a host closer than delay
    # Sequential would be 20 x 0.3 = 6 s; in parallel about 5 x 0.3. Generous bound for slow CI.
    assert 1.2 <= took < 3.5, took
