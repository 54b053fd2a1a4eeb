"""Inputs on ``s3://`` through Beam's FileSystems, against moto's S3 API on 127.0.0.1 (no internet).

The same corpus (the seeds, a WARC file, a JSON-lines file, a hidden folder, a hidden
file, an unsupported file) is replayed from a local folder and from a bucket, into
local outputs, and the rows must agree. Endpoint and keys come only from the
standard AWS_* environment.
"""
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest
from s3_server import environ, fake_aws_env, free_port, moto_process, moto_thread

pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

ROOT = Path(__file__).resolve().parents[1]
BUCKET = "claimwire-inputs"
ORIGINALS = ROOT / "tests" / "data" / "dedup" / "originals.jsonl"


@pytest.fixture(scope="module")
def s3():
    with moto_thread() as endpoint:
        env = fake_aws_env(endpoint)
        import boto3
        client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing")
        client.create_bucket(Bucket=BUCKET)
        yield env, client


def _warc(pages: list[tuple[str, str]]) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True, warc_version="WARC/1.1")
    for url, html in pages:
        body = html.encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                              ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                      http_headers=headers))
    return buf.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, s3, seeds_dir) -> Path:
    """A local folder and its copy under s3://BUCKET/corpus/."""
    _, client = s3
    root = tmp_path_factory.mktemp("corpus") / "corpus"
    originals = [json.loads(line) for line in ORIGINALS.read_text().splitlines()]
    (root / "seeds").mkdir(parents=True)
    for f in sorted(seeds_dir.iterdir()):
        shutil.copy(f, root / "seeds" / f.name)
    (root / "feed").mkdir()
    (root / "feed" / "records.jsonl").write_text("".join(
        json.dumps({"url": f"https://example.org/ecb/{r['doc']}", "text": r["text"], "source": "example.org"}) + "\n"
        for r in originals[:3]))
    (root / "archive").mkdir()
    pages = [(f"https://news.example.com/{r['doc']}",
              "<html><head><title>{}</title></head><body><article>{}</article></body></html>".format(
                  r["text"].splitlines()[0], "".join(f"<p>{p}</p>" for p in r["text"].splitlines())))
             for r in originals[3:5]]
    (root / "archive" / "pages.warc.gz").write_bytes(_warc(pages))
    (root / ".hidden").mkdir()
    (root / ".hidden" / "secret.txt").write_text("not an input")
    (root / ".DS_Store").write_bytes(b"\x00\x01")
    (root / "notes.md").write_text("unsupported")
    for f in sorted(root.rglob("*")):
        if f.is_file():
            client.put_object(Bucket=BUCKET, Key=f"corpus/{f.relative_to(root).as_posix()}", Body=f.read_bytes())
    return root


def cli(env: dict, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    full = {**os.environ, **env}
    return subprocess.run([sys.executable, "-m", "pipelines", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=full, check=False)


def query(env: dict, cwd: Path, output: Path, sql: str) -> list[dict]:
    r = cli(env, cwd, "query", "--output", str(output), "--format", "json", sql)
    assert r.returncode == 0, r.stderr[-2000:]
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def rows(env: dict, cwd: Path, output: Path) -> dict:
    """What must not depend on where the inputs live (a .txt file's URL is its own location)."""
    arts = query(env, cwd, output, "SELECT article_id, url, text, lang FROM articles")
    cls = query(env, cwd, output, "SELECT kind, statement, char_start, char_end, value, unit FROM claims")
    fails = query(env, cwd, output, "SELECT stage, reason, input, detail FROM failures")
    return {
        "texts": sorted((a["text"], a["lang"]) for a in arts),
        "web": sorted((a["article_id"], a["url"], a["text"]) for a in arts if a["url"].startswith("http")),
        "claims": sorted(json.dumps(c, sort_keys=True) for c in cls),
        "failures": sorted((f["stage"], f["reason"], f["input"].rstrip("/").rsplit("/", 1)[-1], f["detail"])
                           for f in fails),
    }


@pytest.fixture(scope="module")
def local_rows(tmp_path_factory, s3, corpus) -> dict:
    env, _ = s3
    where = tmp_path_factory.mktemp("local")
    r = cli(env, where, "replay", str(corpus), "--output", str(where / "out"), "--quiet")
    assert r.returncode == 0, r.stderr[-2000:]
    return rows(env, where, where / "out")


MISSING = f"s3://{BUCKET}/corpus/nope.jsonl"
# The folder without a slash, a glob over part of it (the same files again: read once) and a key
# that does not exist. The portable runner reads S3 inputs in test_output_s3 (a folder with a slash).
RUN = [f"s3://{BUCKET}/corpus", f"s3://{BUCKET}/corpus/seeds/*.txt", MISSING]


@pytest.mark.slow
def test_a_replay_from_s3_gives_the_rows_of_the_same_files_replayed_locally(tmp_path, s3, corpus, local_rows):
    env, _ = s3
    remote = tmp_path / "remote"
    r = cli(env, tmp_path, "replay", *RUN, "--output", str(remote), "--quiet")
    assert r.returncode == 0, r.stderr[-3000:]
    want, got = local_rows, rows(env, tmp_path, remote)
    assert len(want["texts"]) == 10 and len(want["web"]) == 5      # 5 seeds, 3 JSON lines, 2 WARC pages
    assert want["failures"] == [
        ("read", "unsupported_format", ".DS_Store", "hidden file or folder not read"),
        ("read", "unsupported_format", ".hidden", "hidden file or folder not read"),
        ("read", "unsupported_format", "notes.md", "unrecognised file type .md")]
    # A key that matches nothing: said on stderr, recorded as a failure, and the run goes on.
    assert f"claimwire: {MISSING}: nothing matches this path" in r.stderr
    missing = ("read", "unreadable", "nope.jsonl", "nothing matches this path")
    assert missing in got["failures"]
    got["failures"].remove(missing)
    assert got == want
    urls = query(env, tmp_path, remote, "SELECT url FROM articles WHERE url NOT LIKE 'http%' ORDER BY url")
    assert [u["url"] for u in urls] == [f"s3://{BUCKET}/corpus/seeds/{f.name}" for f in sorted(corpus.glob("seeds/*"))]


@pytest.mark.parametrize("case", ["no_bucket", "refused", "unreachable", "no_extra"])
def test_a_store_that_cannot_be_listed_ends_the_run_with_one_line(tmp_path, s3, corpus, case):
    env, _ = s3
    url = f"s3://{BUCKET}/corpus/feed/"
    args = ["-m", "pipelines"]
    with ExitStack() as stack:
        if case == "no_bucket":
            url = "s3://no-such-bucket-here/x/"
        elif case == "refused":
            env = {**env, "AWS_ENDPOINT_URL": stack.enter_context(moto_process({"INITIAL_NO_AUTH_ACTION_COUNT": "0"}))}
        elif case == "unreachable":
            env = {**env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
        else:   # an install without claimwire[aws]: boto3 cannot be imported
            args = ["-c", "import sys; sys.modules['boto3'] = None; from pipelines.cli import main; "
                          "sys.argv[0] = 'claimwire'; sys.exit(main())"]
        out = tmp_path / "out"
        r = subprocess.run([sys.executable, *args, "replay", url, "--output", str(out)], cwd=ROOT,
                           capture_output=True, text=True, timeout=120, env={**os.environ, **env}, check=False)
    assert r.returncode == 2, r.stderr[-2000:]
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert {"no_bucket": "no bucket 'no-such-bucket-here'", "refused": "refused (HTTP 403)",
            "unreachable": "cannot reach the S3 endpoint", "no_extra": "pip install 'claimwire[aws]'"}[case] in lines[0]
    assert not (out / "articles").exists()


def test_the_run_id_follows_the_objects_content_not_their_listing_order(s3, corpus):
    env, client = s3
    from apache_beam.io.filesystems import FileSystems

    from pipelines.runner import pipeline_options, replay_run_id
    from transforms.read import input_fingerprint, list_url
    with environ(env):
        options = pipeline_options([], "FnApiRunner")
        FileSystems.set_options(options)
        files = list_url(f"s3://{BUCKET}/corpus/feed/", options)
        assert files == [f"s3://{BUCKET}/corpus/feed/records.jsonl"]
        first = replay_run_id("cfg", files, "replay", input_fingerprint)
        assert replay_run_id("cfg", list(reversed(files)), "replay", input_fingerprint) == first
        body = client.get_object(Bucket=BUCKET, Key="corpus/feed/records.jsonl")["Body"].read()
        client.put_object(Bucket=BUCKET, Key="corpus/feed/records.jsonl", Body=body)      # same bytes again
        assert replay_run_id("cfg", files, "replay", input_fingerprint) == first
        client.put_object(Bucket=BUCKET, Key="corpus/feed/records.jsonl", Body=body + b"\n")
        try:
            assert replay_run_id("cfg", files, "replay", input_fingerprint) != first
        finally:
            client.put_object(Bucket=BUCKET, Key="corpus/feed/records.jsonl", Body=body)


def test_gzipped_inputs_are_read_as_stored_then_decompressed_once(tmp_path, s3):
    """FileSystems.open would gunzip ``.gz`` by itself; the core's own bounded gunzip must see the bytes."""
    env, client = s3
    page = "<html><body><p>" + "Hello from a gzipped page on S3. " * 20 + "</p></body></html>"
    client.put_object(Bucket=BUCKET, Key="gz/page.html.gz", Body=gzip.compress(page.encode()))
    client.put_object(Bucket=BUCKET, Key="gz/bomb.html.gz", Body=gzip.compress(b"<p>a</p>" * 1_000_000))
    from apache_beam.io.filesystems import FileSystems

    from pipelines.runner import pipeline_options
    from transforms.core.records import Failure, RawDocument
    from transforms.core.sources import ReadLimits, discover, read_input
    from transforms.read import list_url, open_input
    with environ(env):
        options = pipeline_options([], "FnApiRunner")
        FileSystems.set_options(options)
        files, failures = discover([f"s3://{BUCKET}/gz"], lambda u: list_url(u, options))
        assert failures == []
        got = {f.path.rsplit("/", 1)[-1]: list(read_input(f, ReadLimits(max_document_bytes=100_000), open_input))
               for f in files}
    (doc,) = got["page.html.gz"]
    assert isinstance(doc, RawDocument) and "Hello from a gzipped page" in doc.body and doc.url.startswith("s3://")
    (bomb,) = got["bomb.html.gz"]
    assert isinstance(bomb, Failure) and bomb.reason == "too_large"


def test_workers_get_the_endpoint_and_region_from_the_env_but_never_the_keys(monkeypatch):
    from apache_beam.options.pipeline_options import S3Options

    from pipelines.runner import pipeline_options
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://minio.internal:9000")
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    s3 = pipeline_options([], "FnApiRunner").view_as(S3Options)
    assert (s3.s3_endpoint_url, s3.s3_region_name) == ("http://minio.internal:9000", "eu-west-3")
    assert s3.s3_access_key_id is None and s3.s3_secret_access_key is None
    flags = pipeline_options(["--s3_endpoint_url=http://other:9000"], "FnApiRunner").get_all_options()
    assert flags["s3_endpoint_url"] == "http://other:9000"            # a Beam flag still wins
    shipped = json.dumps(flags, default=str)
    assert "AKIDEXAMPLE" not in shipped and '"secret"' not in shipped
