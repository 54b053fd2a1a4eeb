"""The remote-state lease and generations on fsspec's ``memory://`` filesystem (no network)."""
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import fsspec
import pytest

from pipelines.runner import RunError
from pipelines.state_store import (
    CACHE_MARKER,
    GenerationStore,
    Lease,
    LeaseRecord,
    download_state,
    open_state,
    remote_filesystem,
    state_files,
    upload_state,
)


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def root():
    path = f"/claimwire-test-{uuid.uuid4().hex}"
    fs = fsspec.filesystem("memory")
    yield fs, path
    if fs.exists(path):
        fs.rm(path, recursive=True)


def holder(fs, path) -> LeaseRecord:
    return LeaseRecord.decode(fs.cat_file(path))


def test_a_lease_is_taken_and_a_live_one_refuses_the_next_run(root):
    fs, base = root
    a = Lease(fs, f"{base}/run.lock", ttl=60, heartbeat=3600)
    a.acquire()
    try:
        rec = holder(fs, f"{base}/run.lock")
        assert rec.token == a.token and rec.pid == os.getpid()
        b = Lease(fs, f"{base}/run.lock", ttl=60, heartbeat=3600)
        b.pid = a.pid + 1            # another process of this host, alive as far as b can tell
        b.host = "elsewhere"
        with pytest.raises(RunError, match=r"another claimwire run holds the state .*pid \d+ on "):
            b.acquire()
        assert holder(fs, f"{base}/run.lock").token == a.token
    finally:
        a.release()
    assert not fs.exists(f"{base}/run.lock")


def test_an_expired_lease_is_taken_over(root, caplog):
    fs, base = root
    clock = Clock()
    a = Lease(fs, f"{base}/run.lock", ttl=30, clock=clock, heartbeat=3600)
    a.host = "other-host"            # its pid cannot be checked from here
    a.acquire()
    a._stop.set()                    # a killed run: no more heartbeats, no release
    b = Lease(fs, f"{base}/run.lock", ttl=30, clock=clock, heartbeat=3600)
    with pytest.raises(RunError):
        b.acquire()
    clock.now += 31
    b.acquire()
    try:
        assert holder(fs, f"{base}/run.lock").token == b.token
        assert "took over the lease" in caplog.text and "expired" in caplog.text
    finally:
        b.release()


def test_a_lease_of_a_dead_process_on_this_host_is_taken_over_at_once(root):
    fs, base = root
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    a = Lease(fs, f"{base}/run.lock", ttl=3600, heartbeat=3600)
    a.pid = int(dead)
    a.acquire()
    a._stop.set()
    b = Lease(fs, f"{base}/run.lock", ttl=3600, heartbeat=3600)
    b.acquire()
    try:
        assert holder(fs, f"{base}/run.lock").token == b.token
    finally:
        b.release()


def test_release_deletes_only_our_own_lease(root):
    fs, base = root
    clock = Clock()
    a = Lease(fs, f"{base}/run.lock", ttl=30, clock=clock, heartbeat=3600)
    a.host = "other-host"
    a.acquire()
    a._stop.set()
    clock.now += 60
    b = Lease(fs, f"{base}/run.lock", ttl=30, clock=clock, heartbeat=3600)
    b.acquire()
    a.release()                      # the old holder comes back and lets go: b's lease must stay
    assert holder(fs, f"{base}/run.lock").token == b.token
    with pytest.raises(RunError, match="lost the lease"):
        a.ensure_held()
    assert a.renew() is False
    b.ensure_held()
    b.release()
    assert not fs.exists(f"{base}/run.lock")


def test_the_heartbeat_extends_the_lease(root):
    fs, base = root
    a = Lease(fs, f"{base}/run.lock", ttl=1.0, heartbeat=0.1)
    a.acquire()
    try:
        first = holder(fs, f"{base}/run.lock").expires()
        time.sleep(1.5)                                  # longer than the TTL
        rec = holder(fs, f"{base}/run.lock")
        assert rec.token == a.token and rec.expires() > first + 1.0
        assert rec.expires() > time.time()               # still live: nobody may take it
        b = Lease(fs, f"{base}/run.lock", ttl=1.0, heartbeat=3600)
        b.host = "x"
        with pytest.raises(RunError, match="another claimwire run"):
            b.acquire()
    finally:
        a.release()


def test_an_unreadable_lease_is_never_taken_over(root):
    fs, base = root
    fs.pipe_file(f"{base}/run.lock", b"{not json")
    with pytest.raises(RunError, match="unreadable lease"):
        Lease(fs, f"{base}/run.lock", ttl=1).acquire()


# -- generations ---------------------------------------------------------------------------------

def make_state(folder: Path, payload: str) -> None:
    """A state as a run leaves it: index behind a link, leftovers that must not travel."""
    (folder / "index-r1-1").mkdir(parents=True)
    (folder / "index-r1-1" / "signatures.parquet").write_text(payload)
    (folder / "index").symlink_to("index-r1-1")
    (folder / "index-r0-9").mkdir()                      # staged by a killed run
    (folder / "index-r0-9" / "junk").write_text("junk")
    (folder / "fetch" / "staging" / "r1").mkdir(parents=True)
    (folder / "fetch" / "staging" / "r1" / "feeds-000.json").write_text("[]")
    (folder / "fetch" / "fetch.sqlite").write_text("db " + payload)
    (folder / "fetch" / "fetch.sqlite-journal").write_text("j")
    (folder / "run.lock").write_text("pid 1")


def test_state_files_dereference_the_index_and_skip_leftovers(tmp_path):
    make_state(tmp_path, "v1")
    assert sorted(state_files(tmp_path)) == ["fetch/fetch.sqlite", "index/signatures.parquet"]


def test_a_generation_round_trips_and_head_names_it(root, tmp_path):
    fs, base = root
    store = GenerationStore(fs, base)
    src, dst = tmp_path / "src", tmp_path / "dst"
    make_state(src, "v1")
    assert download_state(store, dst) is None and list(dst.iterdir()) == []
    gen = upload_state(store, src, None)
    head = json.loads(fs.cat_file(f"{base}/HEAD"))
    assert head["generation"] == gen and head["previous"] is None
    got = download_state(store, dst)
    assert got["generation"] == gen
    assert (dst / "index").is_dir() and not (dst / "index").is_symlink()
    assert (dst / "index" / "signatures.parquet").read_text() == "v1"
    assert (dst / "fetch" / "fetch.sqlite").read_text() == "db v1"
    assert not (dst / "run.lock").exists() and not (dst / "fetch" / "staging").exists()
    assert (dst / CACHE_MARKER).read_text().strip() == gen
    # Unchanged state: no new generation.
    assert upload_state(store, dst, got) == gen
    assert store.generations() == [gen]


def test_a_failure_mid_upload_leaves_the_previous_generation_current(root, tmp_path, monkeypatch):
    fs, base = root
    store = GenerationStore(fs, base)
    src = tmp_path / "src"
    make_state(src, "v1")
    first = upload_state(store, src, None)
    (src / "index-r1-1" / "signatures.parquet").write_text("v2 is longer")
    (src / "fetch" / "fetch.sqlite").write_text("db v2")
    calls = []

    def put_file(lpath, rpath, **kw):
        calls.append(rpath)
        if len(calls) == 2:
            raise OSError(5, "connection reset")
        return type(fs).put_file(fs, lpath, rpath, **kw)

    monkeypatch.setattr(fs, "put_file", put_file)
    with pytest.raises(OSError):
        upload_state(store, src, store.head())
    monkeypatch.undo()
    assert len(calls) == 2 and any(fs.find(f"{base}/{g}") for g in store.generations() if g != first)
    dst = tmp_path / "dst"
    assert download_state(store, dst)["generation"] == first
    assert (dst / "index" / "signatures.parquet").read_text() == "v1"
    # The next clean upload commits, and only two generations stay.
    second = upload_state(store, src, store.head())
    third_src = tmp_path / "third"
    make_state(third_src, "v3")
    third = upload_state(store, third_src, store.head())
    assert store.generations() == sorted([second, third])
    assert json.loads(fs.cat_file(f"{base}/HEAD"))["previous"] == second


def test_open_state_uploads_on_a_clean_exit_only(root, tmp_path):
    fs, base = root
    url = f"memory://{base}"
    with open_state(url, tmp_path / "out", lease_ttl=60, cache_root=tmp_path / "c1") as state:
        assert fs.exists(f"{base}/run.lock")
        (state / "fetch").mkdir()
        (state / "fetch" / "fetch.sqlite").write_text("one")
    assert not fs.exists(f"{base}/run.lock")
    gen = GenerationStore(fs, base).head()["generation"]
    with pytest.raises(ValueError, match="boom"), open_state(
            url, tmp_path / "out", lease_ttl=60, cache_root=tmp_path / "c2") as state:
        assert (state / "fetch" / "fetch.sqlite").read_text() == "one"     # fresh cache: downloaded
        (state / "fetch" / "fetch.sqlite").write_text("half done")
        raise ValueError("boom")
    assert GenerationStore(fs, base).head()["generation"] == gen
    assert not fs.exists(f"{base}/run.lock")
    # The failed run's cache is not trusted: it is downloaded again.
    with open_state(url, tmp_path / "out", lease_ttl=60, cache_root=tmp_path / "c2") as state:
        assert (state / "fetch" / "fetch.sqlite").read_text() == "one"


def test_a_local_state_keeps_the_flock(tmp_path):
    with open_state(str(tmp_path / "st"), tmp_path / "out") as state:
        assert state == tmp_path / "st" and (state / "run.lock").exists()
        with pytest.raises(RunError, match="another claimwire run holds the state"), open_state(
                str(tmp_path / "st"), tmp_path / "out"):
            pass
    with open_state(None, tmp_path / "out") as state:
        assert state == tmp_path / "out" / ".state"


@pytest.mark.parametrize("url, package", [("gs://bucket/state", "gcsfs"), ("abfs://c/state", "adlfs")])
def test_a_missing_filesystem_package_is_one_line(url, package):
    pytest.importorskip("fsspec")
    try:
        fsspec.get_filesystem_class(url.split("://")[0])
        pytest.skip(f"{package} is installed here")
    except ImportError:
        pass
    with pytest.raises(RunError) as err:
        remote_filesystem(url)
    assert f"needs the package {package}" in str(err.value) and "\n" not in str(err.value)


def test_a_run_that_lost_its_lease_does_not_overwrite_the_state(root, tmp_path):
    fs, base = root
    url = f"memory://{base}"
    with open_state(url, tmp_path / "out", lease_ttl=60, cache_root=tmp_path / "c") as state:
        (state / "a").write_text("first")
    gen = GenerationStore(fs, base).head()["generation"]
    thief = LeaseRecord("thief", "other-host", 1, "2026-01-01T00:00:00+00:00", "2999-01-01T00:00:00+00:00")
    with pytest.raises(RunError, match="lost the lease on memory://.* pid 1 on other-host"), open_state(
            url, tmp_path / "out", lease_ttl=60, cache_root=tmp_path / "c") as state:
        (state / "a").write_text("second")
        fs.pipe_file(f"{base}/run.lock", thief.encode())    # an operator or a takeover after a long stall
    assert GenerationStore(fs, base).head()["generation"] == gen
    assert holder(fs, f"{base}/run.lock").token == "thief"  # not released by the run that lost it
