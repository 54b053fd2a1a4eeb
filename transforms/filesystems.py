"""Beam's ``FileSystems``, as claimwire uses it: with one S3 client per process, not one per file.

Beam 2.77's S3 filesystem builds a new ``S3IO`` for every open, create, list and delete, and each
builds a new boto3 session and client: botocore then reads and parses the S3 service model again,
about 0.1-0.2 s of CPU per file. A run over ``s3://`` reads and writes hundreds of files (index
files, data files, receipts), so that was the larger part of its time on S3 (two thirds of the
S3 upgrade test's). boto3 clients are thread-safe and meant to be shared, so the client is kept per
process and per S3 setting; the wrapper Beam builds around it (which holds one download's state)
is still one per file.

Every module of claimwire that reads or writes through Beam imports ``FileSystems`` from here, so
the driver and every worker share clients once any of them is loaded.
"""
from __future__ import annotations

import os
import threading
from typing import Any

from apache_beam.io.filesystems import FileSystems

# The settings a client is built from: Beam's S3 options, the AWS_* environment boto3 reads itself
# (endpoint, region, credentials, profile), and the process (a client's connections stay in theirs).
_CLIENTS: dict[tuple, Any] = {}
_LOCK = threading.Lock()
_OPTIONS = ("s3_access_key_id", "s3_secret_access_key", "s3_session_token", "s3_endpoint_url", "s3_disable_ssl",
            "s3_region_name", "s3_api_version", "s3_verify")


def _settings(options: Any) -> tuple:
    if hasattr(options, "view_as"):
        from apache_beam.options.pipeline_options import S3Options
        s3 = options.view_as(S3Options)
        values = tuple(repr(getattr(s3, name, None)) for name in _OPTIONS)
    else:
        values = tuple(repr(options.get(name)) for name in _OPTIONS)
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))
    return os.getpid(), values, env


def share_s3_clients() -> bool:
    """Make Beam's S3 filesystem reuse one boto3 client per process and settings; True once done.

    A no-op (False) without Beam's AWS extra, or with ``CLAIMWIRE_S3_CLIENT_PER_FILE=1`` in the
    environment (Beam's own behaviour: what ``make bench`` compares against).
    """
    if os.environ.get("CLAIMWIRE_S3_CLIENT_PER_FILE") == "1":
        return False
    try:
        from apache_beam.io.aws.clients.s3 import boto3_client
    except ImportError:
        return False
    cls = boto3_client.Client
    if getattr(cls, "_claimwire_shared", False):
        return True
    if boto3_client.boto3 is None:
        return False
    built = cls.__init__

    def __init__(self, options):
        key = _settings(options)
        with _LOCK:
            client = _CLIENTS.get(key)
        if client is None:
            built(self, options)
            with _LOCK:
                _CLIENTS.setdefault(key, self.client)
            return
        # what Beam's __init__ sets besides the client (tests/test_filesystems.py holds it to that)
        self.client = client
        self._download_request = None
        self._download_stream = None
        self._download_pos = 0

    cls.__init__ = __init__
    cls._claimwire_shared = True
    return True


share_s3_clients()

__all__ = ["FileSystems", "share_s3_clients"]
