"""The real CLI end to end: two replays, then readers, ``report`` and ``compact`` on what they committed."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest
from deltalake import DeltaTable

from pipelines.cli import main as cli
from pipelines.delta import OutputTables
from transforms.core.schemas import DATASETS

pytestmark = pytest.mark.slow

TEXT = ("Officials said the storm hit the coast on Sunday. At least {n} people died, the ministry said "
        "in a statement on Monday. Power was cut in several towns, the utility said. ")


def _jsonl(path: Path, records: list[dict], bad_lines: tuple[str, ...] = ()) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + "".join(b + "\n" for b in bad_lines))
    return path


@pytest.fixture(scope="module")
def out(tmp_path_factory, seeds_dir) -> Path:
    tmp = tmp_path_factory.mktemp("e2e")
    first = _jsonl(tmp / "first.jsonl", [
        {"url": "https://www.example-news.com/a/1", "source": "example-news.com", "title": "Storm hits coast",
         "published": "2025-11-02T08:00:00Z", "text": TEXT.format(n=12) * 3},
        {"url": "https://wire.example.org/b/2", "title": "Storm kills 12", "published": "2025-11-02T09:00:00Z",
         "text": TEXT.format(n=12) * 2 + "Rescue teams were sent, the army said."},
    ], bad_lines=("{not json",))
    second = _jsonl(tmp / "second.jsonl", [
        {"url": "https://news.example.com/c/3", "title": "Storm toll rises", "published": "2025-11-02T15:00:00Z",
         "text": TEXT.format(n=13) * 3},
    ])
    out = tmp / "out"
    assert cli(["replay", str(seeds_dir), str(first), "--output", str(out), "--quiet"]) == 0
    assert cli(["replay", str(second), "--output", str(out), "--quiet"]) == 0
    return out


def _counts(out: Path) -> dict[str, int]:
    return {name: DeltaTable(str(out / spec.path)).to_pyarrow_dataset().count_rows()
            for name, spec in DATASETS.items()}


def test_duckdb_pyarrow_and_polars_agree(out):
    con = duckdb.connect()
    for name, n in _counts(out).items():
        path = out / DATASETS[name].path
        con.register(name, DeltaTable(str(path)).to_pyarrow_dataset())
        d = con.sql(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        p = pl.scan_delta(str(path)).select(pl.len()).collect().item()
        assert d == p == n, name
    assert _counts(out)["articles"] == 8 and _counts(out)["runs"] == 2


def test_report_and_compact_on_a_real_run(out):
    assert cli(["report", "--output", str(out)]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    run_ids = [r["run_id"] for r in OutputTables(out).runs()]
    assert len(run_ids) == 2 and all(r in page for r in run_ids)
    assert "example-news.com" in page and "bad_json" in page
    before = _counts(out)
    files = len(DeltaTable(str(out / "articles")).file_uris())
    assert cli(["compact", "--output", str(out), "--retention-hours", "0"]) == 0
    after = _counts(out)
    assert after == {**before, "runs": before["runs"] + 1}          # compaction is recorded as a runs row
    assert len(DeltaTable(str(out / "articles")).file_uris()) < files
    en = [f for f in DeltaTable(str(out / "articles")).file_uris() if "/published_date=2025-11-02/lang=en/" in f]
    assert len(en) == 1
    assert cli(["report", "--output", str(out)]) == 0
