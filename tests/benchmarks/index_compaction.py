"""What a run's index compaction costs as a day's history grows: Delta's default (every file of a
day merged into one) against merging small files up to a target size (``INDEX_FILE_BYTES``).

    .venv/bin/python -m tests.benchmarks.index_compaction OUTPUT [--table index_claims] [--slices 20] [--passes 60]

``OUTPUT`` is a claimwire output (the bench's history runs, or a ``text_corpus`` replay). The rows of
its ``_index/<table>`` are cut, day by day, into ``--slices`` slices; each pass appends the next slice
(after the last, the first again) to every day it has rows for, one file per day as a run of one
worker does, and then compacts: once in a table compacted Delta's default way and once in one
compacted up to the target. Every pass adds the same rows, so a compaction whose cost depends only
on what the pass added takes the same time at every pass. Prints the seconds of some compactions,
the bytes they rewrote, and for each way the mean seconds of passes 2-11 (the first has nothing to
merge), of 10 passes from the middle and of the last 10, and the ratio of the last two: about 1 when
a compaction's cost no longer grows with the history, about the ratio of the history's sizes (1.6
with 60 passes) when it grows in step with it.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _slices(table, passes: int):
    """``passes`` tables, each with about 1/passes of every day's rows."""
    import pyarrow as pa
    import pyarrow.compute as pc
    days = pc.unique(table.column("day")).to_pylist()
    per_day = {d: table.filter(pc.equal(table.column("day"), d)) for d in days}
    out = []
    for i in range(passes):
        parts = []
        for d, rows in per_day.items():
            lo, hi = rows.num_rows * i // passes, rows.num_rows * (i + 1) // passes
            if hi > lo:
                parts.append(rows.slice(lo, hi - lo))
        out.append(pa.concat_tables(parts))
    return out


def _total(stats) -> int:
    """Bytes of Delta's file statistics (a JSON text or a dict, by deltalake version)."""
    import json
    if isinstance(stats, str):
        stats = json.loads(stats)
    return int((stats or {}).get("totalSize", 0))


def main(argv: list[str] | None = None) -> int:
    from deltalake import DeltaTable, write_deltalake

    from pipelines.runner import INDEX_FILE_BYTES
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("output")
    ap.add_argument("--table", default="index_claims")
    ap.add_argument("--slices", type=int, default=20)
    ap.add_argument("--passes", type=int, default=60)
    args = ap.parse_args(argv)
    source = Path(args.output) / "_index" / args.table.removeprefix("index_")
    rows = DeltaTable(str(source)).to_pyarrow_table()
    slices = _slices(rows, args.slices)
    ways = {"one file a day (Delta's default)": None, f"up to {INDEX_FILE_BYTES >> 20} MiB": INDEX_FILE_BYTES}
    work = Path(tempfile.mkdtemp(prefix="claimwire-compaction-"))
    seconds: dict[str, list[float]] = {w: [] for w in ways}
    print(f"{args.table} of {args.output}: {rows.num_rows} rows, {len(set(rows.column('day').to_pylist()))} days, "
          f"{args.slices} slices, {args.passes} passes")
    try:
        for i in range(args.passes):
            for w, target in ways.items():     # the two ways interleaved: the machine's speed drifts
                path = str(work / ("default" if target is None else "target"))
                write_deltalake(path, slices[i % len(slices)], mode="append", partition_by=["day"])
                dt = DeltaTable(path)
                start = time.perf_counter()
                m = dt.optimize.compact(target_size=target)
                seconds[w].append(time.perf_counter() - start)
                if i in (1, args.passes // 2, args.passes - 1):
                    print(f"  {w}: pass {i + 1}: {seconds[w][-1]:.2f} s, {m.get('numFilesRemoved', 0)} files "
                          f"merged ({_total(m.get('filesRemoved')) / 2**20:.1f} MiB), "
                          f"{len(DeltaTable(path).file_uris())} files after")
        for w, s in seconds.items():
            mid = len(s) // 2
            windows = {"2-11": s[1:11], f"{mid + 1}-{mid + 10}": s[mid:mid + 10], "last 10": s[-10:]}
            means = {k: sum(v) / max(len(v), 1) for k, v in windows.items()}
            print(f"{w}: all {args.passes} compactions {sum(s):.1f} s; mean s of passes "
                  + ", ".join(f"{k}: {v:.2f}" for k, v in means.items())
                  + f"; last 10 / passes {mid + 1}-{mid + 10}: {means['last 10'] / max(means[f'{mid + 1}-{mid + 10}'], 1e-9):.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
