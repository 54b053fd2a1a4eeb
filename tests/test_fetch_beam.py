"""FetchFeeds in a real Beam pipeline on local servers; state committed after publishing."""
from __future__ import annotations

from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from fetch_server import article_html, host_factory, rss

from transforms.core.fetch.config import FetchConfig
from transforms.core.fetch.warc import iter_warc_documents
from transforms.core.records import RawDocument
from transforms.fetch import FEEDS, FetchFeeds, commit_fetch_state, shard_of

CFG = FetchConfig(allow_private_network=True, delay=0.05, timeout=3, retries=0, shards=3, threads=4)


@pytest.fixture
def local_hosts():
    with host_factory() as make:
        yield make



def test_shard_of_is_stable_and_by_host():
    assert shard_of("http://a.test/1", 8) == shard_of("http://a.test/2?x=1", 8)
    assert {shard_of(f"http://h{i}.test/", 4) for i in range(40)} == {0, 1, 2, 3}


def test_fetch_feeds_pipeline_and_second_run(local_hosts, tmp_path: Path):
    a, b = local_hosts(2)
    from fetch_server import conditional
    items_a = [(a.url(f"/n/{i}"), f"A{i}") for i in range(3)] + [(a.url("/gone"), "gone")]
    items_b = [(b.url(f"/n/{i}"), f"B{i}") for i in range(2)]
    for h, n in ((a, 3), (b, 2)):
        for i in range(n):
            h.page(f"/n/{i}", article_html(f"{h.address} story {i}"))
    a.routes["/rss"] = conditional(rss(items_a), '"x1"')
    b.routes["/rss"] = conditional(rss(items_b), '"y1"')
    feeds = [a.url("/rss"), b.url("/rss"), b.url("/nope")]
    good = sorted(u for u, _ in items_a[:3] + items_b)
    state, warc = tmp_path / "state", tmp_path / "out" / "warc"

    with TestPipeline(runner="FnApiRunner") as p:
        out = p | FetchFeeds(CFG, feeds, str(state), str(warc), "r1")
        assert_that(out["main"] | "DocInputs" >> beam.Map(lambda d: d.input), equal_to(good), label="docs")
        assert_that(out["failures"] | "FailPairs" >> beam.Map(lambda f: (f.input, f.reason)),
                    equal_to([(a.url("/gone"), "http_404"), (b.url("/nope"), "http_404")]), label="fails")
        assert_that(out[FEEDS] | "St" >> beam.Map(lambda r: r.status), equal_to([200, 200]), label="feeds")

    replayed = [d for f in sorted(warc.glob("*.warc.gz")) for d in iter_warc_documents(f)]
    assert sorted(d.input for d in replayed if isinstance(d, RawDocument)) == good
    assert sorted(f.name for f in warc.glob("*.warc.gz"))[0].startswith("r1-")

    update = commit_fetch_state(str(state), "r1", good)
    assert len(update.articles) == 5

    with TestPipeline(runner="FnApiRunner") as p:
        out = p | FetchFeeds(CFG, feeds, str(state), str(warc), "r2")
        assert_that(out["main"], equal_to([]), label="no_docs")
        assert_that(out[FEEDS] | "St" >> beam.Map(lambda r: r.status), equal_to([304, 304]), label="304s")
    page_hits = [h.path for h in a.hits + b.hits if h.path.startswith("/n/")]
    assert len(page_hits) == 5            # every page fetched once over both runs


def test_a_shard_that_raises_costs_its_urls_not_the_run(local_hosts, tmp_path: Path, monkeypatch):
    """Issue 15: the dead-letter path of fetch. The record is a URL, the element a shard of hosts."""
    from transforms.core.fetch.crawl import Fetcher
    (a,) = local_hosts(1)
    items = [(a.url(f"/n/{i}"), f"A{i}") for i in range(2)]
    for i in range(2):
        a.page(f"/n/{i}", article_html(f"{a.address} story {i}"))
    a.page("/rss", rss(items), "application/rss+xml")

    def broken(self, entries):
        raise KeyError("a bug in page fetching")
    monkeypatch.setattr(Fetcher, "fetch_pages", broken)
    with TestPipeline(runner="FnApiRunner") as p:
        out = p | FetchFeeds(CFG, [a.url("/rss")], str(tmp_path / "state"), str(tmp_path / "warc"), "r1")
        assert_that(out["main"], equal_to([]), label="docs")
        assert_that(out["failures"] | beam.Map(lambda f: (f.stage, f.reason, f.input, f.detail.split(" (at ")[0])),
                    equal_to([("fetch", "internal_error", u, "KeyError: 'a bug in page fetching'")
                              for u, _ in items]), label="fails")
