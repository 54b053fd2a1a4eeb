"""Publishing under kill -9 and under concurrent readers.

A child process stages a run and publishes it through ``Store.publish``; a hook
in the child (test code only) sends itself SIGKILL just before the N-th call
of one file-system operation the publish makes (``link``, ``replace``,
``rename``, ``symlink``), so the kill lands at exact, repeatable moments.
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

for name in ("link", "replace", "rename", "symlink"):
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
    """Killed after staging, then at the first and last call of each operation, and mid-way through
    the replaces (which move new files in, swap links and replace the manifest)."""
    points = [("staged", 0)]
    for op in ("link", "replace", "rename", "symlink"):
        total = calls.get(op, 0)
        picks = {1, total} | ({(total + 1) // 2} if op == "replace" else set())
        points += [(op, n) for n in sorted(picks) if n >= 1]
    return points


def test_kill_9_at_every_kind_of_moment_leaves_whole_datasets_and_the_next_publish_cleans_up(states, tmp_path):
    base, before, after, calls, script = states
    assert calls["link"] > 5 and calls["symlink"] == 1   # a real publish: one version link swapped
    points = _kill_points(calls)
    assert len(points) >= 7
    children = {}
    for op, n in points:      # all children at once: the kill points are independent
        out = tmp_path / f"{op}-{n}"
        shutil.copytree(base, out, symlinks=True)
        children[(op, n)] = (out, _spawn(out, 2, op, n, script))
    for (op, n), (out, child) in children.items():
        _, err = child.communicate(timeout=120)
        assert child.returncode == -signal.SIGKILL, (op, n, err)
        manifest = _manifest_rows(out)
        assert manifest in (before, after), (op, n)      # the manifest is the old one or the new one, whole
        for name in DATASETS:
            # every dataset a reader can open is one complete version: the old one or the new one
            rows = _glob_rows(out, name)
            assert rows in (before[name], after[name]), (op, n, name, rows)
            assert rows == manifest[name], (op, n, name)     # and consistent across datasets
        # the next publish removes what the killed one left and ends in the complete new state
        store = Store(out)
        store.cleanup()
        staging, run_id, replaced = stage_run(store, 2)
        store.publish(staging, run_id, replace_keys={"stories": replaced, "story_claims": replaced})
        assert _manifest_rows(out) == after
        assert {name: _glob_rows(out, name) for name in DATASETS} == after
        assert not list((out / ".claimwire").rglob("*.building"))
        assert not any((out / ".claimwire" / "staging").iterdir())
        assert not list(out.glob(".*.link.tmp")) and not (out / "_manifest.json.tmp").exists()


def test_kill_just_before_the_version_swap_leaves_datasets_consistent_with_the_manifest(states, tmp_path):
    base, before, after, calls, script = states
    out = tmp_path / "out"
    shutil.copytree(base, out, symlinks=True)
    # killed just before the one swap of the version link (the last replace of a publish)
    last = states[3]["replace"]
    assert _child(out, 2, "replace", last, script).returncode == -signal.SIGKILL
    manifest = _manifest_rows(out)
    assert {name: _glob_rows(out, name) for name in DATASETS} == manifest


def _rows_in(files: list[str]) -> int | None:
    try:
        return sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    except FileNotFoundError:
        return None        # a listed file vanished: also half a version


def test_a_reader_globbing_in_a_loop_during_publishes_sees_only_complete_versions(tmp_path):
    store = Store(tmp_path)
    complete = {0}
    seen: list[int | None] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            # One resolution of the dataset link per scan, as pipelines.query and Spark-style
            # readers that take the folder path do; see the next test for a raw recursive glob.
            base = os.path.realpath(tmp_path / "articles")
            seen.append(_rows_in(glob.glob(f"{base}/**/*.parquet", recursive=True)))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for run in range(8):
            staging, run_id, replaced = stage_run(store, run)
            store.publish(staging, run_id, replace_keys={"stories": replaced, "story_claims": replaced})
            complete.add(store.read("articles").num_rows)
    finally:
        stop.set()
        thread.join()
    assert len(seen) > 50 and len(set(seen)) > 3
    assert set(seen) <= complete


@pytest.mark.xfail(strict=True, reason="known: a recursive glob through the dataset link resolves the link "
                   "once per directory it lists, so a swap in the middle of one scan mixes two versions; "
                   "this test stages that race deterministically. Readers that resolve the link first are safe")
def test_a_raw_recursive_glob_across_a_swap_sees_one_version(tmp_path):
    store = Store(tmp_path)
    for run in range(2):
        staging, run_id, replaced = stage_run(store, run)
        store.publish(staging, run_id, replace_keys={"stories": replaced, "story_claims": replaced})
    complete = {store.read("articles").num_rows}
    partitions = sorted(glob.glob(f"{tmp_path}/articles/*/*"))    # the scan lists the partitions...
    staging, run_id, replaced = stage_run(store, 2)
    store.publish(staging, run_id, replace_keys={"stories": replaced, "story_claims": replaced})
    complete.add(store.read("articles").num_rows)
    files = [f for p in partitions for f in glob.glob(f"{p}/*.parquet")]   # ...then their files
    assert _rows_in(files) in complete
