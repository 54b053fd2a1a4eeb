"""Whether two outputs hold the same rows, table by table (what a change that should not move any
row is checked with).

    .venv/bin/python -m tests.benchmarks.same_rows OUTPUT_A OUTPUT_B [--show 5] [--tables T,...] [--components]

Rows are compared as sets of whole rows, without the columns that name the run or its time
(``run_id``, ``updated_at``, ``committed_at``): two runs of one batch at two commits, or a batch
replayed into copies of one output, give the same rows when nothing they compute has changed.
Prints one line per table (rows in each, ``same`` or how many rows only one side has) and exits 1
when a table differs. ``--tables`` names the tables (the index ones too: ``index_keys``, ...).
``--components`` compares how the two fold copies together, whatever canonical each picked: the
pairs of articles in one dup_of component, B's pairs counted against A's (precision, recall) -- a
replay in passes against one pass of the same documents, where the canonical of an undated
component is the smallest id the first pass saw.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("articles", "claims", "stories", "story_claims", "failures")
RUN_COLUMNS = {"run_id", "updated_at", "committed_at"}


def table_rows(output: str, table: str) -> list[str]:
    from pipelines.delta import read_dataset
    # the runs row pins the published tables only: an index table is read at its latest version
    data = read_dataset(output, table, pinned=not table.startswith("index_"))
    cols = [c for c in data.column_names if c not in RUN_COLUMNS]
    return sorted(map(repr, data.select(cols).to_pylist()))


def component_pairs(a: str, b: str) -> tuple[float, float]:
    """Pair precision and recall of B's dup_of components against A's, over the articles both hold."""
    from collections import Counter

    from pipelines.delta import read_dataset

    def roots(output: str) -> dict[str, str]:
        rows = read_dataset(output, "articles", ["article_id", "dup_of"]).to_pylist()
        return {r["article_id"]: r["dup_of"] or r["article_id"] for r in rows}

    ra, rb = roots(a), roots(b)
    both = sorted(set(ra) & set(rb))

    def pairs(counts: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    together = pairs(Counter((ra[x], rb[x]) for x in both))
    in_a, in_b = pairs(Counter(ra[x] for x in both)), pairs(Counter(rb[x] for x in both))
    return (together / in_b if in_b else 1.0), (together / in_a if in_a else 1.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--show", type=int, default=0, help="print this many differing rows of each side")
    parser.add_argument("--tables", default=",".join(TABLES), help="comma-separated tables to compare")
    parser.add_argument("--components", action="store_true", help="pair precision/recall of dup_of components")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.components:
        p, r = component_pairs(args.a, args.b)
        print(f"dup_of components, pairs of B against A: P={p:.4f} R={r:.4f}")
    differ = False
    for table in [t for t in args.tables.split(",") if t]:
        ra, rb = table_rows(args.a, table), table_rows(args.b, table)
        if ra == rb:
            print(f"{table}: {len(ra)} and {len(rb)} rows, same")
            continue
        differ = True
        only_a, only_b = sorted(set(ra) - set(rb)), sorted(set(rb) - set(ra))
        print(f"{table}: {len(ra)} and {len(rb)} rows, {len(only_a)} only in A, {len(only_b)} only in B")
        for side, rows in (("A", only_a), ("B", only_b)):
            for row in rows[:args.show]:
                print(f"  {side}: {row[:300]}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
