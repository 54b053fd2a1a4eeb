"""Publishing under kill -9 and under concurrent readers.

A child process stages a run and publishes it through ``Store.publish``; a hook
in the child (test code only) sends itself SIGKILL just before the N-th call
of one file-system operation the publish makes (``link``, ``replace``,
``rename``), so the kill lands at exact, repeatable moments: before the
journal is committed, between the renames it lists, before the manifest.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from output_data import build_output, stage_run, without_fsync
from transforms.core.schemas import DATASETS
from transforms.core.sink import Store

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, os, signal, sys
from collections import Counter
from pathlib import Path
sys.path[:0] = [sys.argv[3], sys.argv[3] + "/tests"]
import transforms.core.sink as sink
from transforms.core.sink import Store
from output_data import stage_run

sink._fsync_tree = lambda folder: None     # see output_data.without_fsync: SIGKILL, not power loss

op, n = os.environ["KILL_OP"], int(os.environ["KILL_N"])
store = Store(Path(sys.argv[1]))
staging, run_id, replaced = stage_run(store, int(sys.argv[2]))
if op == "staged":
    os.kill(os.getpid(), signal.SIGKILL)
calls = Counter()

def hook(name, fn):
    def wrapped(*args, **kwargs):
        calls[name] += 1
        if name == op and calls[name] == n:
            os.kill(os.getpid(), signal.SIGKILL)
        return fn(*args, **kwargs)
    return wrapped

for name in ("link", "replace", "rename"):
    setattr(os, name, hook(name, getattr(os, name)))
store.publish(staging, run_id, replace_keys={"stories": replaced, "story_claims": replaced})
print(json.dumps(calls))
"""


def _child(out: Path, run: int, op: str, n: int, script: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "KILL_OP": op, "KILL_N": str(n)}
    return subprocess.run([sys.executable, str(script), str(out), str(run), str(ROOT)], env=env,
                          capture_output=True, text=True, timeout=120)


def _spawn(out: Path, run: int, op: str, n: int, script: Path) -> subprocess.Popen:
    env = {**os.environ, "KILL_OP": op, "KILL_N": str(n)}
    return subprocess.Popen([sys.executable, str(script), str(out), str(run), str(ROOT)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _glob_rows(out: Path, name: str) -> int:
    """Rows a reader sees through the dataset link (footers only: fast, and opens every file)."""
    files = glob.glob(f"{out}/{name}/**/*.parquet", recursive=True)
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def _manifest_rows(out: Path) -> dict[str, int]:
    return {k: v["rows"] for k, v in json.loads((out / "_manifest.json").read_text())["datasets"].items()}


@pytest.fixture(scope="module", autouse=True)
def _no_fsync():
    with without_fsync():
        yield


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """(published state after 2 runs, its manifest rows, rows after a 3rd run completes, op call counts)."""
    base = build_output(tmp_path_factory.mktemp("base"), runs=2)
    full = build_output(tmp_path_factory.mktemp("full"), runs=3)
    script = tmp_path_factory.mktemp("child") / "child.py"
    script.write_text(CHILD)
    probe = tmp_path_factory.mktemp("probe") / "out"
    shutil.copytree(base, probe, symlinks=True)
    done = _child(probe, 2, "none", 0, script)
    assert done.returncode == 0, done.stderr
    return base, _manifest_rows(base), _manifest_rows(full), json.loads(done.stdout), script


def _kill_points(calls: dict[str, int]) -> list[tuple[str, int]]:
    """Killed after staging, then at every call of each operation a publish makes."""
    return [("staged", 0)] + [(op, n) for op in ("link", "replace", "rename") for n in range(1, calls.get(op, 0) + 1)]


def _store_rows(out: Path) -> dict[str, int]:
    """Rows a manifest reader sees (the files the manifest lists, as ``claimwire query`` reads them)."""
    return {name: sum(pq.ParquetFile(f).metadata.num_rows for f in Store(out).files(name)) for name in DATASETS}


def test_kill_9_at_every_moment_leaves_each_dataset_whole_and_the_next_run_finishes_or_drops_it(states, tmp_path):
    base, before, after, calls, script = states
    # a real publish: batch folders renamed in, snapshot files linked and replaced, the journal and manifest
    assert calls["rename"] >= 3 and calls["link"] >= 3 and calls["replace"] >= 5
    points = _kill_points(calls)
    children = {}
    for op, n in points:      # all children at once: the kill points are independent
        out = tmp_path / f"{op}-{n}"
        shutil.copytree(base, out, symlinks=True)
        children[(op, n)] = (out, _spawn(out, 2, op, n, script))
    outcomes = set()
    for (op, n), (out, child) in children.items():
        _, err = child.communicate(timeout=120)
        assert child.returncode == -signal.SIGKILL, (op, n, err)
        manifest = _manifest_rows(out)
        assert manifest in (before, after), (op, n)      # the manifest is the old one or the new one, whole
        assert _store_rows(out) == manifest, (op, n)     # and its files are all there
        for name in DATASETS:
            # every dataset a plain glob can read is one complete version: the old one or the new one
            assert _glob_rows(out, name) in (before[name], after[name]), (op, n, name)
        # the next run first finishes a committed publish, or drops an uncommitted one
        committed = (out / ".claimwire" / "journal.json").exists()
        Store(out).cleanup()
        expect = after if committed or manifest == after else before
        outcomes.add("finished" if expect == after else "dropped")
        assert _manifest_rows(out) == expect and _store_rows(out) == expect, (op, n)
        assert {name: _glob_rows(out, name) for name in DATASETS} == expect, (op, n)
        assert not any((out / ".claimwire" / "staging").iterdir())
        assert not (out / ".claimwire" / "journal.json").exists()
        # and publishing the same run again ends in the complete new state, with no row twice
        store = Store(out)
        staging, run_id, replaced = stage_run(store, 2)
        store.publish(staging, run_id, replace_keys={"stories": replaced, "story_claims": replaced})
        assert _manifest_rows(out) == after and _store_rows(out) == after, (op, n)
        assert {name: _glob_rows(out, name) for name in DATASETS} == after, (op, n)
    assert outcomes == {"finished", "dropped"}


def _rows_in(files: list[str]) -> int | None:
    try:
        return sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    except FileNotFoundError:
        return None        # a listed file vanished: also half a version


def _article_counts(files: list[str]) -> int | None:
    """A snapshot's content, not just its size: stories keep their number but gain articles."""
    try:
        return sum(sum(pq.ParquetFile(f).read(columns=["article_count"])["article_count"].to_pylist())
                   for f in files)
    except FileNotFoundError:
        return None


@pytest.mark.parametrize("dataset", ["articles", "failures", "stories", "story_claims"])
def test_a_plain_recursive_glob_in_a_loop_during_publishes_sees_only_complete_states(tmp_path, dataset):
    store = Store(tmp_path)
    measure = _article_counts if DATASETS[dataset].snapshot else _rows_in
    complete = {0}
    seen: list[int | None] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            # exactly what an analyst types: no link resolved first, no manifest
            seen.append(measure(glob.glob(f"{tmp_path}/{dataset}/**/*.parquet", recursive=True)))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for run in range(8):
            staging, run_id, replaced = stage_run(store, run)
            store.publish(staging, run_id, replace_keys={"stories": replaced, "story_claims": replaced})
            complete.add(measure([str(f) for f in store.files(dataset)]))
    finally:
        stop.set()
        thread.join()
    assert len(seen) > 50 and len(set(seen)) > 3
    assert set(seen) <= complete


def test_a_raw_recursive_glob_across_a_publish_sees_one_version(tmp_path):
    """The race a loop can only sample, staged deterministically: the scan lists the
    partition folders, a publish lands, then the scan lists their files."""
    store = Store(tmp_path)
    for run in range(2):
        staging, run_id, replaced = stage_run(store, run)
        store.publish(staging, run_id, replace_keys={"stories": replaced, "story_claims": replaced})
    complete = {store.read("articles").num_rows}
    partitions = sorted(glob.glob(f"{tmp_path}/articles/*/*/*"))    # batch / date / lang
    staging, run_id, replaced = stage_run(store, 2)
    store.publish(staging, run_id, replace_keys={"stories": replaced, "story_claims": replaced})
    complete.add(store.read("articles").num_rows)
    files = [f for p in partitions for f in glob.glob(f"{p}/*.parquet")]
    assert _rows_in(files) in complete
