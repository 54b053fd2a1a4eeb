"""Fetch throughput: N pages on H local hosts at --delay D, all hosts in parallel.

Starts H HTTP servers on 127.0.0.2..(H+1) serving real pages from
tests/data/fetch/pages, then runs the live fetch (robots.txt, politeness,
WARC archive) over one feed per host. Prints pages/second and the time a
strictly sequential crawler would need. No internet.

    .venv/bin/python tests/eval/eval_fetch.py [--hosts 20] [--pages 200] [--delay 1]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))          # tests/ (fetch_server)
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))          # repo root

from fetch_server import DATA, LocalHost, rss

from transforms.core.fetch.config import FetchConfig
from transforms.core.fetch.crawl import Fetcher
from transforms.core.fetch.warc import WarcArchive, iter_warc_documents
from transforms.core.records import RawDocument


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--delay", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=32)
    args = ap.parse_args()

    bodies = [p.read_bytes() for p in sorted((DATA / "pages").glob("*.html"))]
    hosts = [LocalHost(f"127.0.0.{i + 2}").start() for i in range(args.hosts)]
    feeds = []
    try:
        for n in range(args.pages):
            h = hosts[n % args.hosts]
            h.page(f"/a/{n}", bodies[n % len(bodies)])
        for h in hosts:
            items = [(h.url(path), path) for path in sorted(h.routes) if path.startswith("/a/")]
            h.routes["/feed"] = (lambda body: (lambda r: r.send_plain(200, body, "application/rss+xml")))(
                rss(items))
            feeds.append(h.url("/feed"))
        cfg = FetchConfig(delay=args.delay, allow_private_network=True, threads=args.threads, timeout=30)
        with tempfile.TemporaryDirectory() as tmp:
            warc = Path(tmp) / "eval.warc.gz"
            with WarcArchive(warc) as archive:
                fetcher = Fetcher(cfg, archive)
                t0 = time.monotonic()
                feed_results = fetcher.fetch_feeds(feeds)
                t_feeds = time.monotonic() - t0
                entries = [e for r in feed_results for e in r.entries]
                t1 = time.monotonic()
                pages = fetcher.fetch_pages(entries)
                t_pages = time.monotonic() - t1
            docs = sum(p.document is not None for p in pages)
            replay = sum(isinstance(d, RawDocument) for d in iter_warc_documents(warc))
            requests = sum(len(h.hits) for h in hosts)
            size = warc.stat().st_size
    finally:
        for h in hosts:
            h.stop()
    per_host = args.pages / args.hosts
    print(f"hosts={args.hosts} pages={args.pages} delay={args.delay}s threads={args.threads}")
    print(f"feeds: {len(feeds)} in {t_feeds:.2f}s; entries {len(entries)}")
    print(f"pages: {docs}/{len(entries)} fetched in {t_pages:.2f}s = {docs / t_pages:.1f} pages/s "
          f"(incl. robots.txt; floor per host ~{per_host:.0f} x {args.delay}s)")
    print(f"total wall {t_feeds + t_pages:.2f}s; sequential at this delay would be "
          f">= {(args.pages + 2 * args.hosts) * args.delay:.0f}s")
    print(f"HTTP requests served: {requests}; WARC {size / 1024:.0f} KiB; replayed documents: {replay}")


if __name__ == "__main__":
    main()
