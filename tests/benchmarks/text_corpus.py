"""A JSON-lines corpus of N news texts from the ECB+ and WMT texts of ../shared/eval, for memory checks.

    python -m tests.benchmarks.text_corpus N DEST

The 924 texts of ``ecbplus_dev.jsonl`` and ``xling_dev.jsonl`` (en, de, ...), each copy after
the first edited as the bench edits its text corpus (``write_text_corpus``: every copy is a
near-duplicate of its original, never an exact one), in shards of 1,000 records. Undated. The
dedup and controller figures of 2026-12-04 were measured on ``text_corpus 4000`` and
``text_corpus 20000`` with ``proc_tree``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.benchmarks.bench import write_text_corpus

EVAL = Path(__file__).resolve().parents[3] / "shared" / "eval"


def base_texts() -> list[dict[str, str]]:
    base = []
    for name in ("ecbplus_dev.jsonl", "xling_dev.jsonl"):
        for line in (EVAL / name).read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            base.append({"title": r.get("title", ""), "text": r["text"],
                         "url": r.get("url") or f"https://ecb.example/{r['doc']}"})
    return base


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[0].isdigit():
        print("usage: python -m tests.benchmarks.text_corpus N DEST", file=sys.stderr)
        return 2
    print(write_text_corpus(base_texts(), int(argv[0]), Path(argv[1]), "jsonl"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
