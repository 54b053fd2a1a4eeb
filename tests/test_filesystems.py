"""Beam's S3 filesystem shares one boto3 client per process and settings (transforms/filesystems.py).

Building a client costs ~0.1-0.2 s of CPU (botocore parses the S3 service model again); Beam 2.77
builds one per file opened, listed or written. Creating a client opens no connection, so nothing
here needs a server.
"""
from __future__ import annotations

import os

import pytest

boto3_client = pytest.importorskip("apache_beam.io.aws.clients.s3.boto3_client")

from apache_beam.options.pipeline_options import PipelineOptions  # noqa: E402

from transforms.filesystems import FileSystems, share_s3_clients  # noqa: E402


@pytest.fixture
def aws(monkeypatch):
    for k in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(k)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    return monkeypatch


def _options(endpoint: str) -> PipelineOptions:
    return PipelineOptions([f"--s3_endpoint_url={endpoint}"])


def test_clients_are_shared_per_setting_and_each_file_keeps_its_own_download_state(aws):
    assert share_s3_clients() and FileSystems is not None
    a = boto3_client.Client(_options("http://127.0.0.1:9"))
    b = boto3_client.Client(_options("http://127.0.0.1:9"))
    assert a.client is b.client
    assert a is not b and a._download_stream is None and b._download_pos == 0
    # another endpoint, or another AWS_* setting that boto3 reads itself, is another client
    assert boto3_client.Client(_options("http://127.0.0.1:10")).client is not a.client
    aws.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    other = boto3_client.Client(_options("http://127.0.0.1:9"))
    assert other.client is not a.client and other.client.meta.region_name == "eu-west-1"
    # the dict form Beam also accepts
    assert boto3_client.Client({"s3_endpoint_url": "http://127.0.0.1:11"}).client is \
        boto3_client.Client({"s3_endpoint_url": "http://127.0.0.1:11"}).client


def test_a_shared_client_sets_what_beams_own_constructor_sets(aws):
    """If a Beam upgrade adds state to its client wrapper, the shared path must learn it too."""
    options = _options("http://127.0.0.1:12")
    first = boto3_client.Client(options)            # built by Beam's own constructor
    again = boto3_client.Client(options)            # from the shared client
    assert again.client is first.client
    assert set(vars(again)) == set(vars(first))
    assert {k: v for k, v in vars(again).items() if k != "client"} == \
        {k: v for k, v in vars(first).items() if k != "client"}


def test_the_benchmarks_switch_leaves_beams_own_client_per_file():
    import subprocess
    import sys
    from pathlib import Path
    code = ("import transforms.filesystems as f; from apache_beam.io.aws.clients.s3 import boto3_client as b; "
            "print(f.share_s3_clients(), getattr(b.Client, '_claimwire_shared', False))")
    root = Path(__file__).resolve().parents[1]
    got = {}
    for value in ("1", "0"):
        r = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120,
                           env={**os.environ, "CLAIMWIRE_S3_CLIENT_PER_FILE": value}, check=True)
        got[value] = r.stdout.split()[-2:]
    assert got == {"1": ["False", "False"], "0": ["True", "True"]}
