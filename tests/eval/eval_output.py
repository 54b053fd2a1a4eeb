"""Output figures: what ``compact`` does to many small runs, and what ``report`` costs.

Builds a synthetic output of RUNS small runs (tests/output_data.py: 6 articles,
12 claims, 3 failures each, publications spread over the days before), then
prints files per dataset and the time of typical DuckDB queries before and after
compaction, and the time to write the report.

    .venv/bin/python tests/eval/eval_output.py [RUNS]
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from deltalake import DeltaTable  # noqa: E402
from output_data import build_output  # noqa: E402
from pipelines.compact import compact  # noqa: E402
from pipelines.query import connect  # noqa: E402
from pipelines.report import write_report  # noqa: E402

QUERIES = {
    "articles per day and language": "SELECT published_date, lang, count(*) FROM articles GROUP BY ALL",
    "failures by reason": "SELECT stage, reason, count(*) FROM failures GROUP BY ALL",
    "claims per source": "SELECT source, count(*) FROM claims GROUP BY ALL",
}


def _timed(out: Path, repeat: int = 5) -> dict[str, float]:
    con = connect(out)
    best = {}
    for name, sql in QUERIES.items():
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            con.sql(sql).fetchall()
            times.append(time.perf_counter() - t)
        best[name] = min(times)
    return best


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    tmp = Path(tempfile.mkdtemp(prefix="eval-output-"))
    try:
        t = time.perf_counter()
        out = build_output(tmp / "out", runs=runs)
        print(f"built {runs} runs in {time.perf_counter() - t:.1f} s")

        def files(n: str) -> int:
            return len(DeltaTable(str(out / n)).file_uris())
        files_before = {n: files(n) for n in ("articles", "claims", "failures", "runs")}
        q_before = _timed(out)
        t = time.perf_counter()
        result = compact(str(out))
        t_compact = time.perf_counter() - t
        files_after = {n: files(n) for n in files_before}
        q_after = _timed(out)
        print(f"compact: {t_compact:.2f} s, {len(result.merged)} tables rewritten")
        print(f"{'dataset':10} {'files before':>12} {'after':>6}")
        for n in files_before:
            print(f"{n:10} {files_before[n]:12} {files_after[n]:6}")
        print(f"{'query':32} {'before ms':>10} {'after ms':>9}")
        for n in QUERIES:
            print(f"{n:32} {1000 * q_before[n]:10.1f} {1000 * q_after[n]:9.1f}")
        t = time.perf_counter()
        page = write_report(out)
        print(f"report: {time.perf_counter() - t:.2f} s, {Path(page).stat().st_size / 1024:.0f} KiB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
