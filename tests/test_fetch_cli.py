"""`claimwire fetch` end to end on local servers: articles, failures, WARC replay, a second run."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli import main
from test_fetch_crawl import local_hosts, setup_sites  # noqa: F401  (fixture and site builder)

pytestmark = pytest.mark.slow    # a long file: make test starts it first

FAST = ["--allow-private-network", "--delay", "0.05", "--timeout", "1.5", "--quiet",
        "--set", "fetch.read_timeout=1.0", "--set", "fetch.connect_timeout=1.0",
        "--set", "fetch.backoff=0.05", "--set", "fetch.retries=1", "--set", "fetch.max_bytes=524288"]


def rows(out: Path, sql: str):
    from pipelines.query import connect
    return connect(out).sql(sql).fetchall()


def test_fetch_publishes_every_entry_replays_from_warc_and_refetches_nothing(local_hosts, tmp_path):  # noqa: F811
    news, wire, other, feeds, good, expected_fail = setup_sites(local_hosts)
    out = tmp_path / "out"
    args = ["fetch", *[a for f in feeds for a in ("--feed", f)], "--output", str(out), *FAST]
    assert main(args) == 0

    inputs = {i for (i,) in rows(out, "SELECT input FROM articles")}
    wanted = set(good[:5] + good[9:]) | {wire.url(f"/story/{i}") for i in range(4)}
    assert wanted <= inputs, sorted(wanted - inputs)
    failures = {i: r for i, r in rows(out, "SELECT input, reason FROM failures WHERE stage = 'fetch'")}
    for url, reason in expected_fail.items():
        got = [r for i, r in failures.items() if i.startswith(url)]
        assert reason in got, (url, got)
    texts = dict(rows(out, "SELECT input, text FROM articles"))
    assert "“We will rebuild”" in texts[news.url("/cp1252")]      # cp1252 declared latin-1, not garbled

    # The WARC archive replays to the same articles, without the network.
    warcs = sorted((out / "warc").glob("*.warc.gz"))
    assert warcs
    replayed = tmp_path / "replayed"
    assert main(["replay", *map(str, warcs), "--output", str(replayed), "--quiet"]) == 0
    again = dict(rows(replayed, "SELECT url, text FROM articles"))
    assert {u: t for u, t in rows(out, "SELECT url, text FROM articles")} == again

    # A second run asks for the feeds conditionally and fetches no page twice.
    page_hits = len([p for p in news.paths() + wire.paths() if p.startswith(("/real/", "/story/"))])
    assert main(args) == 0
    after = [p for p in news.paths() + wire.paths() if p.startswith(("/real/", "/story/"))]
    assert len(after) == page_hits
    feed_hits = [h for h in news.hits if h.path == "/feed.xml"]
    assert "if-none-match" in feed_hits[-1].headers
    assert rows(out, "SELECT count(*) FROM runs") == [(2,)]
