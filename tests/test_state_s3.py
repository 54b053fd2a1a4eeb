"""``--state s3://...`` end to end through the CLI, against moto's S3 API on 127.0.0.1 (no internet)."""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from output_data import story_grouping
from s3_server import environ, fake_aws_env, moto_thread, point_beam_here

pytestmark = pytest.mark.slow(weight=2)    # a long file: make test starts it first

pytest.importorskip("s3fs")
moto_server = pytest.importorskip("moto.server")

ROOT = Path(__file__).resolve().parents[1]
BUCKET = "claimwire-state"


@pytest.fixture(scope="module")
def s3_env():
    with moto_thread() as endpoint:
        env = fake_aws_env(endpoint)
        import s3fs
        with environ(env):
            point_beam_here()
            fs = s3fs.S3FileSystem(skip_instance_cache=True)
            fs.mkdir(BUCKET)
            yield env, fs


def cli(env: dict, cache: Path, *args: str, ttl: str = "60") -> subprocess.CompletedProcess:
    full = {**os.environ, **env, "CLAIMWIRE_STATE_CACHE": str(cache), "CLAIMWIRE_STATE_LEASE_TTL": ttl}
    return subprocess.run([sys.executable, "-m", "pipelines", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=full, check=False)


def test_a_replay_split_in_two_over_an_s3_state_groups_like_one_run(tmp_path, seeds_dir, s3_env):
    env, fs = s3_env
    seeds = sorted(seeds_dir.iterdir())
    first, second = tmp_path / "a", tmp_path / "b"
    for d in (first, second):
        d.mkdir()
    for i, f in enumerate(seeds):
        shutil.copy(f, (first if i < 3 else second) / f.name)
    url = f"s3://{BUCKET}/split"
    split = tmp_path / "split"
    for part, cache in ((first, tmp_path / "cache1"), (second, tmp_path / "cache2")):
        r = cli(env, cache, "replay", str(part), "--output", str(split), "--state", url, "--quiet")
        assert r.returncode == 0, r.stderr[-2000:]
    # Nothing of the state lives beside the output; the index is the output's own tables.
    assert not (split / ".state").exists()
    assert (tmp_path / "cache1").is_dir() and (tmp_path / "cache2").is_dir()
    fs.invalidate_cache()
    assert not fs.exists(f"{BUCKET}/split/run.lock")         # released
    assert (split / "_index" / "members" / "_delta_log").is_dir()
    # What one run of the seeds gives (test_e2e_seeds): one story of all five, no copies.
    names = sorted(f.name for f in seeds)
    assert story_grouping(split) == ([names], dict.fromkeys(names, False), [(5, 5, ("en", "fa", "vi"))])


def test_a_live_s3_lease_refuses_a_second_run_and_a_killed_holder_does_not_block(tmp_path, seeds_dir, s3_env):
    env, fs = s3_env
    import s3fs

    from pipelines.state_store import Lease
    url = f"s3://{BUCKET}/busy"
    live = Lease(s3fs.S3FileSystem(skip_instance_cache=True), f"{BUCKET}/busy/run.lock", ttl=600, name=url)
    live.acquire()                      # a run of this host that is alive: its lease is live
    try:
        t0 = time.monotonic()
        r = cli(env, tmp_path / "cache", "replay", str(seeds_dir), "--output", str(tmp_path / "out"),
                "--state", url, "--quiet")
        assert r.returncode == 2
        assert f"another claimwire run holds the state {url} (pid {os.getpid()} on " in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
        assert time.monotonic() - t0 < 60
        assert not (tmp_path / "out" / "articles").exists()
        fs.invalidate_cache()
        assert json.loads(fs.cat_file(f"{BUCKET}/busy/run.lock"))["token"] == live.token   # not released by it
    finally:
        live.release()
    # A holder killed with SIGKILL leaves its lease behind, TTL far away; its pid is gone on this host.
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time, s3fs; sys.path.insert(0, sys.argv[2]); from pipelines.state_store import Lease; "
        "Lease(s3fs.S3FileSystem(), sys.argv[1], ttl=600).acquire(); print('held', flush=True); time.sleep(600)"),
        f"{BUCKET}/busy/run.lock", str(ROOT)], stdout=subprocess.PIPE, text=True, env={**os.environ, **env})
    assert holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait(10)
    fs.invalidate_cache()
    assert fs.exists(f"{BUCKET}/busy/run.lock")
    r = cli(env, tmp_path / "cache", "replay", str(seeds_dir), "--output", str(tmp_path / "out"),
            "--state", url, "--quiet", "--log-level", "WARNING")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "took over the lease" in r.stderr and "is gone" in r.stderr
    fs.invalidate_cache()
    assert not fs.exists(f"{BUCKET}/busy/run.lock")
