"""The real CLI end to end: two replays, then readers, ``report`` and ``compact`` on what they published."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.dataset as ds
import pytest

from output_data import without_fsync
from pipelines.cli import main as cli
from transforms.core.schemas import DATASETS

pytestmark = pytest.mark.slow

TEXT = ("Officials said the storm hit the coast on Sunday. At least {n} people died, the ministry said "
        "in a statement on Monday. Power was cut in several towns, the utility said. ")


def _jsonl(path: Path, records: list[dict], bad_lines: tuple[str, ...] = ()) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + "".join(b + "\n" for b in bad_lines))
    return path


@pytest.fixture(scope="module", autouse=True)
def _no_fsync():
    with without_fsync():
        yield


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


def _manifest(out: Path) -> dict:
    return json.loads((out / "_manifest.json").read_text())["datasets"]


def test_duckdb_pyarrow_and_polars_agree_with_the_manifest(out):
    for name, spec in DATASETS.items():
        rows = _manifest(out)[name]["rows"]
        glob = f"{out}/{name}/**/*.parquet"
        d = duckdb.sql(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning = true)").fetchall()[0][0]
        a = ds.dataset(str(out / name), format="parquet", partitioning="hive").count_rows()
        p = pl.scan_parquet(glob, hive_partitioning=True).select(pl.len()).collect().item()
        assert d == a == p == rows, name
    assert _manifest(out)["articles"]["rows"] == 8 and _manifest(out)["runs"]["rows"] == 2


def test_report_and_compact_on_a_real_run(out):
    assert cli(["report", "--output", str(out)]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    run_ids = [r[0] for r in duckdb.sql(f"SELECT run_id FROM read_parquet('{out}/runs/*.parquet')").fetchall()]
    assert len(run_ids) == 2 and all(r in page for r in run_ids)
    assert "example-news.com" in page and "bad_json" in page
    before = {n: d for n, d in _manifest(out).items()}
    assert cli(["compact", "--output", str(out)]) == 0
    after = _manifest(out)
    assert {n: d["rows"] for n, d in after.items()} == {n: d["rows"] for n, d in before.items()}
    assert len(after["runs"]["files"]) == 1 == len(before["runs"]["files"])     # a snapshot: one file
    assert len(after["articles"]["files"]) < len(before["articles"]["files"])
    en = [f for f in after["articles"]["files"] if "/published_date=2025-11-02/lang=en/" in f]
    assert len(en) == 1 and "part-compact-" in en[0] and en[0].startswith("articles/batch=3/")
    # a run after compaction adds on top as usual, and the report still reads everything
    assert cli(["report", "--output", str(out)]) == 0
