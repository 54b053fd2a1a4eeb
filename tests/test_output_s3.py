"""``--output s3://...`` end to end: Delta tables and ``--state`` on moto's S3 API on 127.0.0.1.

Workers write the data files through Beam's S3 filesystem (apache-beam[aws]),
delta-rs commits them (conditional put, plain http allowed by the environment),
and DuckDB, Polars and pyarrow read the tables back from S3.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from output_data import table_digest as digest
from s3_server import environ, fake_aws_env, moto_process, point_beam_here

pytest.importorskip("s3fs")
pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

pytestmark = pytest.mark.slow(weight=4)

ROOT = Path(__file__).resolve().parents[1]
BUCKET = "claimwire-out"


@pytest.fixture(scope="module")
def s3_env():
    with moto_process() as endpoint:
        env = fake_aws_env(endpoint)
        with environ(env):
            point_beam_here()
            import boto3
            boto3.client("s3").create_bucket(Bucket=BUCKET)
            yield env


def cli(env: dict, cache: Path, *args: str) -> subprocess.CompletedProcess:
    full = {**os.environ, **env, "CLAIMWIRE_STATE_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "pipelines", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=full, check=False)



@pytest.fixture(scope="module")
def inputs(tmp_path_factory, seeds_dir):
    """Seeds, a JSON-lines file (one broken line) and a WARC archive, as a local folder."""
    import json
    import shutil

    from test_inputs_s3 import ORIGINALS, _warc
    root = tmp_path_factory.mktemp("in") / "in"
    shutil.copytree(seeds_dir, root)
    (root / "more.jsonl").write_text(
        '{"url": "https://example.org/x", "text": "The council approved a budget of 12 million euros for '
        'bicycle lanes on Tuesday, the mayor said.", "lang": "en", "source": "example.org"}\n{broken\n')
    originals = [json.loads(line) for line in ORIGINALS.read_text().splitlines()][:2]
    (root / "pages.warc.gz").write_bytes(_warc([
        (f"https://news.example.com/{r['doc']}", "<html><head><title>{}</title></head><body><article>{}"
         "</article></body></html>".format(r["text"].splitlines()[0],
                                           "".join(f"<p>{p}</p>" for p in r["text"].splitlines())))
        for r in originals]))
    return root


@pytest.fixture(scope="module")
def s3_inputs(s3_env, inputs) -> str:
    """The same inputs under s3://BUCKET/in/: every run below reads them from S3."""
    import boto3
    client = boto3.client("s3")
    for f in sorted(inputs.rglob("*")):
        if f.is_file():
            client.put_object(Bucket=BUCKET, Key=f"in/{f.relative_to(inputs).as_posix()}", Body=f.read_bytes())
    return f"s3://{BUCKET}/in/"


@pytest.fixture(scope="module")
def local(tmp_path_factory, s3_env, s3_inputs):
    """The reference: the S3 inputs replayed into a local output with a local state."""
    out = tmp_path_factory.mktemp("local") / "out"
    r = cli(s3_env, tmp_path_factory.mktemp("c"), "replay", s3_inputs, "--output", str(out), "--quiet")
    assert r.returncode == 0, r.stderr[-2000:]
    return digest(str(out))


def _articles(local: dict) -> int:
    return int(local["articles"].split("(")[1].split()[0])


PORTABLE = ["--runner=PortableRunner", "--job_endpoint=embed", "--environment_type=LOOPBACK"]
MULTI = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]


@pytest.fixture(scope="module")
def s3_out(s3_env, tmp_path_factory, s3_inputs):
    """Inputs, tables and state all on S3, the tables written by the portable runner's loopback workers."""
    out, state = f"s3://{BUCKET}/portable/out", f"s3://{BUCKET}/portable/state"
    cache = tmp_path_factory.mktemp("cache")
    r = cli(s3_env, cache, "replay", s3_inputs, "--output", out, "--state", state, *PORTABLE)
    assert r.returncode == 0, r.stderr[-3000:]
    return out, state, cache, r.stdout


def test_tables_and_state_on_s3_equal_a_local_run_and_a_rerun_adds_nothing(s3_env, s3_out, s3_inputs, local):
    out, state, cache, stdout = s3_out
    n = _articles(local)
    assert n == 8                                  # 5 seeds, 1 JSON line, 2 WARC pages
    assert f"articles_added {n}" in stdout
    assert not Path(ROOT / "s3:").exists() and not Path("s3:").exists()      # no local folder named s3:
    assert digest(out) == local
    import s3fs
    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    assert fs.exists(f"{state}/HEAD")                                        # the state went to S3 too
    again = cli(s3_env, cache, "replay", s3_inputs, "--output", out, "--state", state, *PORTABLE, "--quiet")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "added nothing" in again.stdout and "articles_added 0" in again.stdout
    assert digest(out) == local
    from pipelines.delta import OutputTables
    assert [r["attempt"] for r in OutputTables(out).runs()] == [1, 2]
    q = cli(s3_env, cache, "query", "--output", out, "--format", "csv", "SELECT count(*) AS n FROM articles")
    assert q.returncode == 0 and q.stdout.split() == ["n", str(n)], q.stderr[-2000:]


def test_two_worker_processes_write_s3_tables_equal_to_a_local_run(s3_env, tmp_path, s3_inputs, local):
    out = f"s3://{BUCKET}/multi/out"
    r = cli(s3_env, tmp_path / "cache", "replay", s3_inputs, "--output", out, "--quiet", *MULTI)
    assert r.returncode == 0, r.stderr[-3000:]
    assert digest(out) == local


def test_duckdb_polars_and_pyarrow_read_the_tables_from_s3(s3_out):
    out = s3_out[0]
    import duckdb
    import polars as pl
    from deltalake import DeltaTable
    opts = {"AWS_ALLOW_HTTP": "true"}
    dataset = DeltaTable(f"{out}/articles", storage_options=opts).to_pyarrow_dataset()
    assert dataset.count_rows() == 8
    con = duckdb.connect()
    con.register("articles", dataset)
    assert con.sql("SELECT count(DISTINCT lang) FROM articles").fetchall()[0][0] == 3
    frame = pl.scan_delta(f"{out}/claims", storage_options={"aws_allow_http": "true"}).collect()
    assert frame.height == DeltaTable(f"{out}/claims", storage_options=opts).to_pyarrow_dataset().count_rows() > 0
    assert pl.scan_delta(f"{out}/articles", version=0, storage_options={"aws_allow_http": "true"}
                         ).collect().height == 0                              # time travel: the empty table


def test_unreachable_bucket_and_missing_bucket_are_one_line(s3_env, tmp_path, inputs):
    r = cli(s3_env, tmp_path / "cache", "replay", str(inputs), "--output", "s3://no-such-bucket-cw/out", "--quiet")
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.startswith("claimwire:")]
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr[-2000:]
    dead = {**s3_env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"}
    r = cli(dead, tmp_path / "cache", "query", "--output", f"s3://{BUCKET}/portable/out", "SELECT 1")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-2000:]


def test_story_tables_of_an_older_claimwire_are_upgraded_on_s3(s3_env):
    """The upgrade to the ``story_day`` partition (one overwrite, then the description) and the
    replace of touched stories, on S3."""
    from test_story_partitions import check_upgrade
    check_upgrade(f"s3://{BUCKET}/upgraded")
