"""Whether two outputs hold the same rows, table by table (what a change that should not move any
row is checked with).

    .venv/bin/python -m tests.benchmarks.same_rows OUTPUT_A OUTPUT_B [--show 5]

Rows are compared as sets of whole rows, without the columns that name the run or its time
(``run_id``, ``updated_at``, ``committed_at``): two runs of one batch at two commits, or a batch
replayed into copies of one output, give the same rows when nothing they compute has changed.
Prints one line per table (rows in each, ``same`` or how many rows only one side has) and exits 1
when a table differs.
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
    data = read_dataset(output, table)
    cols = [c for c in data.column_names if c not in RUN_COLUMNS]
    return sorted(map(repr, data.select(cols).to_pylist()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--show", type=int, default=0, help="print this many differing rows of each side")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    differ = False
    for table in TABLES:
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
