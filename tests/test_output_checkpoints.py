"""Every table writes a Delta checkpoint every ``CHECKPOINT_INTERVAL`` commits, so opening it replays
a bounded number of commit files however many runs came before (``TABLE_PROPERTIES``); tables an
older claimwire created get the property on the next run, and a value someone set is kept."""
from __future__ import annotations

from pathlib import Path

from deltalake import DeltaTable

import pipelines.delta as delta
from output_data import build_output
from pipelines.delta import CHECKPOINT_INTERVAL, OutputTables, read_dataset
from transforms.core.schemas import DATASETS

KEY = "delta.checkpointInterval"


def _checkpoints(table: Path) -> list[str]:
    return sorted(p.name for p in (table / "_delta_log").glob("*.checkpoint.parquet"))


def test_runs_write_checkpoints_and_the_rows_read_the_same(tmp_path):
    out = build_output(tmp_path / "out", runs=CHECKPOINT_INTERVAL + 2)
    for name, spec in DATASETS.items():
        dt = DeltaTable(str(out / spec.path))
        assert dt.metadata().configuration.get(KEY) == str(CHECKPOINT_INTERVAL), name
    # articles and runs take one commit a run: each has passed a checkpoint, and only a few commit
    # files after it are replayed to open it
    for name in ("articles", "runs"):
        table = out / DATASETS[name].path
        marks = _checkpoints(table)
        assert marks, name
        newest = int(marks[-1].split(".")[0])
        assert DeltaTable(str(table)).version() - newest < CHECKPOINT_INTERVAL, name
    assert len(read_dataset(out, "runs", ["run_id"])) == CHECKPOINT_INTERVAL + 2


def test_tables_of_an_older_claimwire_get_the_property_once_and_a_set_value_is_kept(tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setattr(delta, "TABLE_PROPERTIES", {})          # as an older claimwire created them
    build_output(out, runs=1)
    monkeypatch.undo()
    for spec in DATASETS.values():
        assert KEY not in (DeltaTable(str(out / spec.path)).metadata().configuration or {})
    DeltaTable(str(out / "claims")).alter.set_table_properties({KEY: "50"})     # someone's choice
    before = {n: DeltaTable(str(out / s.path)).version() for n, s in DATASETS.items()}
    OutputTables(out).ensure_tables()
    after = {n: DeltaTable(str(out / s.path)).version() for n, s in DATASETS.items()}
    for name, spec in DATASETS.items():
        got = DeltaTable(str(out / spec.path)).metadata().configuration.get(KEY)
        assert got == ("50" if name == "claims" else str(CHECKPOINT_INTERVAL)), name
        assert after[name] == before[name] + (0 if name == "claims" else 1), name
    OutputTables(out).ensure_tables()                            # once: nothing more to set
    assert {n: DeltaTable(str(out / s.path)).version() for n, s in DATASETS.items()} == after
    # the next run commits on top, and recover leaves the property commits alone
    assert OutputTables(out).recover() == []
