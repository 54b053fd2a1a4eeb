"""How long each run of an output took, and what passed between runs, from its ``runs`` table.

    .venv/bin/python -m tests.benchmarks.run_times OUTPUT [OUTPUT ...]

For a replay in passes (``run.pass_documents``), or any scheduled series of runs: per output, the
seconds of each replay or fetch row (``finished_at - started_at``: the pipeline, as the runs row
records it) and of each gap between one row's ``finished_at`` and the next one's ``started_at`` (the
commit, the index compaction and the next run's listing and table opening). A gap that grows from
run to run is a cost in the driver that depends on the history, not on the run's input.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def run_times(output: str) -> tuple[list[float], list[float]]:
    """(seconds of each run, seconds between consecutive runs), in commit order; compactions skipped."""
    from pipelines.delta import read_dataset
    rows = read_dataset(output, "runs", ["command", "started_at", "finished_at"]).to_pylist()
    runs = sorted((r for r in rows if r["command"] != "compact"), key=lambda r: r["started_at"])
    own = [(r["finished_at"] - r["started_at"]).total_seconds() for r in runs]
    gaps = [(b["started_at"] - a["finished_at"]).total_seconds() for a, b in zip(runs, runs[1:])]
    return own, gaps


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outputs", nargs="+")
    args = ap.parse_args(argv)
    for out in args.outputs:
        own, gaps = run_times(out)
        print(f"{out}: {len(own)} runs, {sum(own):.1f} s in runs, {sum(gaps):.1f} s between them")
        print("  runs: " + " ".join(f"{s:.1f}" for s in own))
        print("  between: " + " ".join(f"{s:.1f}" for s in gaps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
