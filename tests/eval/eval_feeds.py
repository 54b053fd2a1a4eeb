"""Feed parsing robustness on feedparser's own test corpus (shared/eval/feeds/feedparser-tests).

    .venv/bin/python tests/eval/eval_feeds.py

Every one of the ~1,850 well-formed, ill-formed and oddly encoded feeds goes
through ``parse_feed`` as a fetched body would. It must end as a parsed feed
or as a failure with a reason, never as an exception, and quickly. Prints the
outcomes per folder, the entries that became fetchable links, the entries
rejected with a reason, and the slowest feed.
"""
from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from transforms.core.fetch.feeds import ParsedFeed, parse_feed  # noqa: E402

DATA = ROOT.parent / "shared" / "eval" / "feeds" / "feedparser-tests"


def main() -> int:
    outcomes: dict[str, Counter] = defaultdict(Counter)
    entries = rejected = 0
    slowest = (0.0, "")
    t0 = time.perf_counter()
    files = [f for f in sorted(DATA.rglob("*")) if f.is_file() and f.name != "LICENSE"]
    for f in files:
        rel = f.relative_to(DATA).as_posix()
        group = rel.split("/", 1)[0]
        start = time.perf_counter()
        try:
            result = parse_feed(f.read_bytes(), f"https://feeds.example.com/{rel}")
        except Exception as exc:  # noqa: BLE001 - what the eval exists to catch
            outcomes[group][f"exception {type(exc).__name__}"] += 1
            continue
        slowest = max(slowest, (time.perf_counter() - start, rel))
        if isinstance(result, ParsedFeed):
            outcomes[group]["parsed, malformed (bozo)" if result.bozo else "parsed"] += 1
            entries += len(result.entries)
            rejected += len(result.rejected)
        else:
            outcomes[group][f"failure {result.reason}"] += 1
    total = time.perf_counter() - t0
    for group, c in sorted(outcomes.items()):
        print(f"{group:12} " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
    exceptions = sum(v for c in outcomes.values() for k, v in c.items() if k.startswith("exception"))
    print(f"\n{len(files)} feeds in {total:.2f} s; exceptions {exceptions}; entries with a link {entries}, "
          f"rejected with a reason {rejected}; slowest {slowest[0] * 1000:.1f} ms ({slowest[1]})")
    return 1 if exceptions else 0


if __name__ == "__main__":
    raise SystemExit(main())
