"""Runs as a scheduler sees them: one lock, kill -9 and resume.

That other runners (2 worker processes, the portable runner) write the same rows as the
default one is checked in test_output_s3, over S3 inputs and tables.
"""
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from output_data import table_digest as digest

pytestmark = pytest.mark.slow    # a long file: make test starts it first

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)



@pytest.fixture(scope="module")
def inputs(tmp_path_factory, seeds_dir):
    root = tmp_path_factory.mktemp("in")
    shutil.copytree(seeds_dir, root / "seeds")
    (root / "seeds" / "bad.jsonl").write_text('{"url": "u"}\n{nope\n')
    return root / "seeds"


@pytest.fixture(scope="module")
def reference(tmp_path_factory, inputs):
    out = tmp_path_factory.mktemp("ref") / "out"
    r = cli("replay", str(inputs), "--output", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    return digest(out)


def test_a_second_run_on_the_same_state_is_refused(tmp_path, inputs):
    state = tmp_path / "state"
    state.mkdir()
    fd = os.open(state / "run.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        t0 = time.monotonic()
        r = cli("replay", str(inputs), "--output", str(tmp_path / "out"), "--state", str(state), "--quiet")
        assert r.returncode == 2
        assert "another claimwire run holds the state" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
        assert time.monotonic() - t0 < 60          # refused at once, not after a run
        assert not (tmp_path / "out" / "articles").exists()
    finally:
        os.close(fd)


def test_a_lock_left_by_a_killed_run_does_not_block(tmp_path, inputs):
    state = tmp_path / "state"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
        "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(600)"),
        str(state / "run.lock")], stdout=subprocess.PIPE, text=True) if state.mkdir() is None else None
    assert holder.stdout.readline().strip() == "locked"
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    assert (state / "run.lock").exists()           # the file stays; the lock died with its process
    r = cli("replay", str(inputs), "--output", str(tmp_path / "out"), "--state", str(state), "--quiet")
    assert r.returncode == 0, r.stderr


def test_a_run_killed_mid_way_resumes_to_the_same_output(tmp_path, inputs, reference):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "pipelines", "replay", str(inputs), "--output", str(out),
                             "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    attempts = out / "_claimwire" / "attempts"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (attempts.is_dir() and any(attempts.iterdir())):
        time.sleep(0.05)
    time.sleep(1.0)                                 # inside the pipeline, before committing
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert digest(out) in ({}, reference)
    r = cli("replay", str(inputs), "--output", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    assert digest(out) == reference
    assert not any(attempts.iterdir())




def test_a_run_tunes_the_cyclic_collector_and_gives_it_back():
    import gc
    from pipelines.runner import collector_for_run
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with collector_for_run():
        assert gc.get_threshold()[0] >= 10_000 and gc.get_threshold()[1:] == before[1:]
        assert gc.get_freeze_count() > frozen          # what is alive at the start is not walked again
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen
    with pytest.raises(ZeroDivisionError):             # a failed run gives it back too
        with collector_for_run():
            1 / 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc settings")
def test_the_cli_tames_malloc_for_the_workers_it_starts_and_keeps_a_users_value(monkeypatch):
    from pipelines.cli import tame_malloc
    import pyarrow as pa
    names = ("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "ARROW_DEFAULT_MEMORY_POOL")
    for name in names:
        monkeypatch.delenv(name, raising=False)
    pool = pa.default_memory_pool()
    try:
        tame_malloc()
        assert pa.default_memory_pool().backend_name == "system"
    finally:
        pa.set_memory_pool(pool)
    assert [os.environ[n] for n in names] == ["2", "1048576", "1048576", "system"]
    child = subprocess.run([sys.executable, "-c", "import os, pyarrow as pa; "
                            f"print([os.environ.get(n) for n in {names!r}], pa.default_memory_pool().backend_name)"],
                           capture_output=True, text=True, check=True)
    # a runner's worker process inherits them
    assert child.stdout.strip() == "['2', '1048576', '1048576', 'system'] system"
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")
    tame_malloc()
    assert os.environ["MALLOC_ARENA_MAX"] == "4" and os.environ["MALLOC_MMAP_THRESHOLD_"] == "65536"
    assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "mimalloc"
    assert pa.default_memory_pool().backend_name == pool.backend_name      # not switched


def test_beams_construction_type_check_is_off_unless_the_config_asks(tmp_path, capsys):
    """A run skips Beam's type check at graph construction (it checks the graph's code, which the suite builds
    with it on: tests/test_index.py); ``run.type_check = true`` turns it back on, and a value that is no
    boolean is a config error naming the key."""
    from apache_beam.options.pipeline_options import TypeOptions

    from pipelines.cli import main
    from pipelines.runner import pipeline_options, type_check
    from transforms.core.config import ConfigError, load_config
    checked = lambda *a: pipeline_options(*a).view_as(TypeOptions).pipeline_type_check  # noqa: E731
    assert type_check(load_config(None)) is False
    assert checked([], "FnApiRunner") is False
    assert checked([], "FnApiRunner", type_check(load_config(None, ["run.type_check=true"]))) is True
    assert checked(["--no_pipeline_type_check"], "FnApiRunner", True) is False     # Beam's own flag still counts
    with pytest.raises(ConfigError, match="type_check"):
        type_check(load_config(None, ["run.type_check=1"]))
    assert main(["replay", str(tmp_path), "--output", str(tmp_path / "out"), "--set", "run.type_check=1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "type_check" in err[0] and "Traceback" not in err[0], err
