"""What a story's claim summary costs as a wire report is copied by more outlets.

    python -m tests.benchmarks.story_claims_scaling [COPIES ...]

One story of the three ECB+ dev texts (of the first 300) that give the most claims, each carried
by COPIES outlets (every copy the same statements, its own article id and outlet), summarised
with ``aggregate_story_claims`` as the summary stage does. Prints the seconds and the microseconds
per claim for each size: flat per claim is linear in the copies. Needs ../shared/eval (``make bench``
prints it when that is there).
"""
from __future__ import annotations

import dataclasses
import json
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT.parent / "shared" / "eval"


def report_lines(sizes: list[int] | None = None) -> list[str]:
    """The markdown table ``make bench`` prints (and ``main``)."""
    from transforms.core.claims import ClaimKnowledge, extract_claims
    from transforms.core.claims.story import aggregate_story_claims
    from transforms.core.records import ArticleMeta
    sizes = sizes or [25, 100, 400]
    kb = ClaimKnowledge.load(ROOT / "configs")
    rows = [json.loads(line) for line in (EVAL / "ecbplus_dev.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = sorted((extract_claims(r["doc"], r["text"], "en", kb) for r in rows[:300]), key=len)[-3:]
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    lines = [f"One story of three ECB+ texts ({', '.join(str(len(t)) for t in texts)} claims), each carried by N "
             "outlets, summarised (`python -m tests.benchmarks.story_claims_scaling`).", "",
             "| copies N | claims | story_claims rows | seconds | us per claim |", "|---|---|---|---|---|"]
    for n in sizes:
        claims, metas = [], {}
        for k, base in enumerate(texts):
            for i in range(n):
                aid = f"a{k}_{i}"
                metas[aid] = ArticleMeta(aid, f"outlet{i % 50}", "en", t0 + timedelta(minutes=i), "s1")
                claims += [dataclasses.replace(c, claim_id=f"{c.claim_id}_{i}", article_id=aid, story_id="s1")
                           for c in base]
        start = time.perf_counter()
        out = aggregate_story_claims(claims, metas)
        took = time.perf_counter() - start
        lines.append(f"| {n} | {len(claims)} | {len(out)} | {took:.3f} | {took / len(claims) * 1e6:.1f} |")
    return lines


def main(argv: list[str]) -> int:
    print("\n".join(report_lines([int(a) for a in argv] or None)))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
