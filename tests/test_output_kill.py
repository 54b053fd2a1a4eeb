"""kill -9 of a run at random moments and at every step of the commit phase.

Each table must read as its previous or its next committed version, never half
of one; a pinned reader (``claimwire query``) sees all tables at the previous
runs row or all at the next; files a killed run left are invisible to Delta
readers and ``compact`` removes them; the next run commits normally.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from deltalake import DeltaTable

from output_data import build_output
from pipelines.compact import main as compact_main
from pipelines.delta import OutputTables, read_dataset

pytestmark = pytest.mark.slow(weight=2)

ROOT = Path(__file__).resolve().parents[1]
DATA = ("articles", "claims", "stories", "story_claims", "failures")

# A child that commits run 2 of tests/output_data.py and SIGKILLs itself at its Nth step:
# before or after each table's commit (steps counted over create_write_transaction, MERGE and
# the runs append). N = 0 runs to the end and prints how many steps there were.
CHILD = r"""
import os, signal, sys
sys.path[:0] = [sys.argv[3], sys.argv[4]]
import deltalake
from deltalake import DeltaTable
from deltalake.table import TableMerger
kill_at, seen = int(sys.argv[2]), [0]

def step():
    seen[0] += 1
    if seen[0] == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)

def hooked(fn):
    def call(*a, **k):
        step()
        out = fn(*a, **k)
        step()
        return out
    return call

DeltaTable.create_write_transaction = hooked(DeltaTable.create_write_transaction)
TableMerger.execute = hooked(TableMerger.execute)
deltalake.write_deltalake = hooked(deltalake.write_deltalake)
from output_data import stage_run
from pipelines.delta import OutputTables
tables = OutputTables(sys.argv[1])
attempt, row = stage_run(tables, 2)
tables.commit(attempt, row)
print(seen[0])
"""


def _child(out: Path, kill_at: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CHILD, str(out), str(kill_at), str(ROOT / "tests"), str(ROOT)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def _rows(out: Path, name: str, pinned: bool) -> list[str]:
    return sorted(repr(sorted(r.items())) for r in read_dataset(out, name, pinned=pinned).to_pylist())


def _state(out: Path, pinned: bool) -> dict[str, list[str]]:
    return {n: _rows(out, n, pinned) for n in DATA}


def _unreferenced(out: Path) -> list[str]:
    """Parquet files under the tables that no version of their table lists."""
    left = []
    for name in (*DATA, "runs"):
        dt = DeltaTable(str(out / name))
        known = {Path(f).resolve() for v in range(dt.version() + 1)
                 for f in DeltaTable(str(out / name), version=v).file_uris()}
        left += [str(p) for p in (out / name).rglob("*.parquet") if p.resolve() not in known]
    return left


@pytest.fixture(scope="module")
def committed(tmp_path_factory):
    """Two committed runs, and the state after the third commits normally."""
    base = build_output(tmp_path_factory.mktemp("base") / "out", runs=2)
    full = tmp_path_factory.mktemp("full") / "out"
    shutil.copytree(base, full)
    done = _child(full, 0)
    assert done.returncode == 0, done.stderr[-2000:]
    return base, _state(base, True), _state(full, True), int(done.stdout.split()[-1])


def test_kill_at_every_step_of_the_commit_phase(committed, tmp_path):
    base, before, after, steps = committed
    assert steps == 12                      # 6 commits (3 appends, 2 MERGEs, runs), before and after each
    # Before each commit (after the previous one: the same state), and after the last.
    for kill_at in (*range(1, steps, 2), steps):
        out = tmp_path / f"k{kill_at}"
        shutil.copytree(base, out)
        r = _child(out, kill_at)
        assert r.returncode == -signal.SIGKILL, (kill_at, r.stderr[-1000:])
        latest = _state(out, pinned=False)
        for n in DATA:                      # any Delta reader: each table old or new, never half
            assert latest[n] in (before[n], after[n]), (kill_at, n)
        if kill_at == steps:                # runs committed: the run is done, only its cleanup was lost
            assert _state(out, pinned=True) == after
            continue
        assert _state(out, pinned=True) == before, kill_at
        # The next attempt rolls back what the killed one committed alone, then commits normally.
        again = _child(out, 0)
        assert again.returncode == 0, (kill_at, again.stderr[-2000:])
        assert _state(out, pinned=True) == after, kill_at
        assert _state(out, pinned=False) == after, kill_at
        assert [r["attempt"] for r in OutputTables(out).runs() if r["run_id"] == "run02"] == [1], kill_at


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipelines", *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, seeds_dir):
    root = tmp_path_factory.mktemp("in")
    first, second = root / "first", root / "all"
    first.mkdir()
    second.mkdir()
    for i, f in enumerate(sorted(seeds_dir.iterdir())):
        if i < 2:
            shutil.copy(f, first / f.name)
        shutil.copy(f, second / f.name)
    return first, second


@pytest.fixture(scope="module")
def run_pair(tmp_path_factory, inputs):
    """Output after the first input set, after both sets, and how long the second run takes."""
    first, second = inputs
    base = tmp_path_factory.mktemp("runbase") / "out"
    assert _cli("replay", str(first), "--output", str(base), "--quiet").wait(300) == 0
    full = tmp_path_factory.mktemp("runfull") / "out"
    shutil.copytree(base, full)
    t = time.monotonic()
    assert _cli("replay", str(second), "--output", str(full), "--quiet").wait(300) == 0
    return base, full, time.monotonic() - t


def _index_rows(out: Path) -> dict[str, list[str]]:
    """The index tables' rows at their latest version (no runs row pins them: recovery does)."""
    from transforms.core.schemas import INDEX_TABLES
    tables = OutputTables(out)
    return {n: sorted(repr(sorted(r.items())) for r in tables.open(n).to_pyarrow_table().to_pylist())
            for n in INDEX_TABLES}


def test_pinned_readers_see_the_index_as_the_last_committed_run_left_it(run_pair, tmp_path):
    """``claimwire query`` and ``report`` read the index tables too: at the version the last committed
    run left, never at their empty first version, and never with an unfinished attempt's commit."""
    from deltalake import write_deltalake
    from deltalake.transaction import CommitProperties

    from transforms.core.schemas import INDEX_TABLES
    out = tmp_path / "out"
    shutil.copytree(run_pair[1], out)
    committed = {n: _rows(out, n, pinned=False) for n in INDEX_TABLES}
    assert all(committed[n] for n in ("index_keys", "index_articles", "index_members", "index_claims"))
    assert {n: _rows(out, n, pinned=True) for n in INDEX_TABLES} == committed
    # An attempt that committed an index table and was killed before its runs row.
    dt = OutputTables(out).open("index_members")
    write_deltalake(dt, dt.to_pyarrow_table().slice(0, 1), mode="append",
                    commit_properties=CommitProperties(custom_metadata={"claimwire.attempt": "killed-attempt"}))
    assert len(_rows(out, "index_members", pinned=False)) == len(committed["index_members"]) + 1
    assert {n: _rows(out, n, pinned=True) for n in INDEX_TABLES} == committed


@pytest.mark.parametrize("seed", [1, 2])
def test_kill_at_a_random_moment_of_a_run(run_pair, inputs, tmp_path, seed):
    base, full, seconds = run_pair
    before, after = _state(base, True), _state(full, True)
    index_before, index_after = _index_rows(base), _index_rows(full)
    out = tmp_path / "out"
    shutil.copytree(base, out)
    proc = _cli("replay", str(inputs[1]), "--output", str(out), "--quiet")
    time.sleep(random.Random(seed).uniform(0.1, 1.0) * seconds)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    latest = _state(out, pinned=False)
    for n in DATA:
        assert latest[n] in (before[n], after[n]), (seed, n)
    assert _state(out, pinned=True) in (before, after), seed
    # The next run's recovery leaves the index as the last committed run left it, never half a run.
    OutputTables(out).recover()
    assert _index_rows(out) == (index_after if _state(out, pinned=True) == after else index_before), seed
    # compact (same lock as a run) removes every file the killed run left, however young
    compact_main(out, retention_hours=168)
    assert _unreferenced(out) == [], seed
    assert not list((out / "_claimwire" / "attempts").glob("*")), seed
    assert _cli("replay", str(inputs[1]), "--output", str(out), "--quiet").wait(300) == 0
    assert _state(out, pinned=True) == after, seed
