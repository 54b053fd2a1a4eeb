"""moto's S3 API on 127.0.0.1 for the object-storage tests, and the environment that points clients at it.

Every store client claimwire uses (boto3 under Beam's S3 filesystem, s3fs for ``--state``,
delta-rs for the tables) reads its endpoint and credentials from the standard variables,
so the tests set only those: no flag of claimwire's is involved.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


def free_port() -> int:
    """A port nothing listens on (yet): a server's port, or an endpoint that refuses connections."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fake_aws_env(endpoint: str) -> dict[str, str]:
    """Test credentials and the endpoint, in each client's standard variables; no profile file is read."""
    return {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint,
            "FSSPEC_S3_ENDPOINT_URL": endpoint, "NO_PROXY": "*",
            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}


@contextmanager
def environ(env: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with ``env`` set for the block, restored after."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def point_beam_here() -> None:
    """Give Beam's FileSystems the options a run started now would give them (its S3 endpoint from the
    environment). They are process-wide and keep the last run's: in a test process that is an earlier
    test's S3 endpoint, perhaps a server since stopped, which Beam retries for minutes."""
    from apache_beam.io.filesystems import FileSystems
    from pipelines.runner import pipeline_options
    FileSystems.set_options(pipeline_options([], "DirectRunner"))


@contextmanager
def moto_process(extra_env: Mapping[str, str] | None = None) -> Iterator[str]:
    """moto's server in a process of its own; yields its endpoint URL.

    A process, not a thread of the test process: delta-rs holds the GIL while it waits for
    S3, so a server thread beside it could never answer. ``extra_env`` configures moto
    (``INITIAL_NO_AUTH_ACTION_COUNT=0`` makes it check credentials: HTTP 403 for test keys).
    """
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              env={**os.environ, **(extra_env or {})},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"moto's server did not start on {endpoint}") from None
                time.sleep(0.1)
        yield endpoint
    finally:
        server.terminate()
        server.wait(30)


@contextmanager
def moto_thread() -> Iterator[str]:
    """moto's server on a thread of this process (enough when no delta-rs call waits on it here);
    yields its endpoint URL."""
    from moto import server as moto_server
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()
