"""``claimwire compact``: Delta optimize + vacuum under the run lock; killed runs' files go."""
from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from output_data import build_output, stage_run
from pipelines.cli import main as cli
from pipelines.compact import main as compact_main
from pipelines.delta import OutputTables, read_dataset
from pipelines.query import run_query

APPEND = ("articles", "claims", "failures")


def _rows(out: Path) -> dict[str, list]:
    return {n: sorted(map(str, read_dataset(out, n).to_pylist())) for n in (*APPEND, "stories", "story_claims")}


@pytest.fixture()
def out(tmp_path) -> Path:
    return build_output(tmp_path / "out", runs=3)


def test_compact_merges_small_files_keeps_rows_and_moves_the_pins(out):
    before_rows = _rows(out)
    before_uris = {n: set(DeltaTable(str(out / n)).file_uris()) for n in APPEND}
    before_files = {n: len(before_uris[n]) for n in APPEND}
    _, pinned_before = OutputTables(out).pinned_versions()
    result = compact_main(out, retention_hours=0)
    assert result.changed
    for n in APPEND:
        files = DeltaTable(str(out / n)).file_uris()
        assert len(files) < before_files[n], n
        assert result.merged[n] == (before_files[n], len(files))
    assert _rows(out) == before_rows
    # the files compaction wrote are zstd (delta-rs optimize's codec), small files written snappy
    # (parquet_options) included
    written = [f for n in APPEND for f in DeltaTable(str(out / n)).file_uris() if f not in before_uris[n]]
    assert written
    assert all(pq.ParquetFile(f).metadata.row_group(0).column(0).compression == "ZSTD" for f in written)
    runs = OutputTables(out).runs()
    assert len(runs) == 4
    versions = runs[-1]["table_versions"]
    assert all(versions[n] == DeltaTable(str(out / n)).version() for n in APPEND)   # readers see the compacted files
    on_disk = {p.as_posix() for n in APPEND for p in (out / n).rglob("*.parquet")}
    live = {Path(f).as_posix() for n in APPEND for f in DeltaTable(str(out / n)).file_uris()}
    # Retention 0: what is left is the live files and those of the versions readers were pinned to
    # when compaction started (a query in flight); the next compaction removes those.
    in_flight = {Path(f).as_posix() for n in APPEND
                 for f in DeltaTable(str(out / n), version=pinned_before[n]).file_uris()}
    assert on_disk == live | in_flight and len(on_disk) > len(live)
    compact_main(out, retention_hours=0)
    assert {p.as_posix() for n in APPEND for p in (out / n).rglob("*.parquet")} == live
    assert run_query(out, "SELECT count(*) FROM articles", "csv").splitlines()[1] == "18"


def test_files_of_a_killed_run_are_invisible_and_compact_removes_them(out):
    tables = OutputTables(out)
    before_rows = _rows(out)
    attempt, _ = stage_run(tables, 3)              # written, never committed: the driver was killed
    dead = sorted(p for p in (out / "articles").rglob(f"*{attempt.attempt_id}*.parquet"))
    assert dead
    assert _rows(out) == before_rows               # no Delta version lists them
    assert len(DeltaTable(str(out / "articles")).to_pyarrow_table()) == 18
    compact_main(out, retention_hours=168)         # however young, a dead attempt's files go at once
    assert not any(p.exists() for p in dead)
    assert not (out / "_claimwire" / "attempts" / attempt.attempt_id).exists()
    assert _rows(out) == before_rows


def test_compact_with_nothing_to_merge_commits_nothing(tmp_path):
    out = build_output(tmp_path / "one", runs=1)
    versions = {n: DeltaTable(str(out / n)).version() for n in (*APPEND, "runs")}
    assert cli(["compact", "--output", str(out)]) == 0
    assert {n: DeltaTable(str(out / n)).version() for n in (*APPEND, "runs")} == versions


def test_compact_refuses_what_is_not_claimwire_output(tmp_path, capsys):
    assert cli(["compact", "--output", str(tmp_path)]) == 2
    assert "holds no claimwire tables" in capsys.readouterr().err
    out = build_output(tmp_path / "o", runs=1)
    assert cli(["compact", "--output", str(out), "--dataset", "nope"]) == 2
