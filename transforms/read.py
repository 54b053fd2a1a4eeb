"""ReadSources: files, folders and globs, local or on any Beam filesystem -> RawDocument records (+ failures).

Local paths are listed and read with the OS (transforms/core/sources.py keeps their
rules: symlinks, hidden files, formats, size limits). A URL (``s3://``, ``gs://`` ...)
is listed with ``FileSystems.match`` in the driver and opened with
``FileSystems.open`` on the workers; its store's client takes endpoint and
credentials from the store's standard environment (boto3's ``AWS_*`` variables,
Google's application default credentials).
"""
from __future__ import annotations

import hashlib
import importlib
import io
from functools import partial
from typing import BinaryIO, Sequence

import apache_beam as beam
from apache_beam.io.filesystem import BeamIOError, CompressionTypes
from transforms.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, S3Options

from pathlib import Path

from transforms.common import FAILURES, MAIN, Counters, apply_stage, internal_failure
from transforms.core.records import Failure, Stage
from transforms.core.sources import (MULTI_DOCUMENT_KINDS, InputFile, ReadLimits, count_lines, discover,
                                     estimate_documents, input_id, is_url,
                                     open_local, read_input)

# scheme -> (a module its Beam filesystem needs, the claimwire extra that installs it)
_EXTRAS = {"s3": ("boto3", "aws"), "gs": ("google.cloud.storage", "gcp")}
# Stores whose FileSystems.checksum is derived from the bytes: S3's ETag (MD5 of the object,
# or of its parts' MD5s for a multipart upload) and GCS's CRC32C.
_CONTENT_CHECKSUMS = ("s3", "gs")
_GLOB_CHARS = "*?["


class InputError(Exception):
    """An input URL that cannot be listed at all; the message is the one line the user sees."""


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower()


def _require_filesystem(url: str) -> None:
    scheme = _scheme(url)
    if scheme in _EXTRAS:
        module, extra = _EXTRAS[scheme]
        try:
            importlib.import_module(module)
        except ImportError:
            raise InputError(f"reading {scheme}:// needs the {extra} extra: "
                             f"pip install 'claimwire[{extra}]' ({url})") from None
    try:
        FileSystems.get_filesystem(url)
    except ValueError:
        raise InputError(f"no filesystem reads {scheme}:// ({url}); "
                         "known: local paths, s3:// (claimwire[aws]), gs:// (claimwire[gcp])") from None


def _first_line(exc: BaseException) -> str:
    if isinstance(exc, BeamIOError) and exc.exception_details:
        exc = next(iter(exc.exception_details.values()))
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


def _check_s3_bucket(url: str, options: PipelineOptions) -> None:
    """Ask the bucket once, with short timeouts, before Beam lists it.

    Beam retries a failed S3 call with exponential backoff for minutes, and lists a
    missing bucket as empty; a wrong endpoint, bucket or key should end the run at
    once with one line that says which.
    """
    import boto3
    from botocore.config import Config as BotoConfig
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    s3 = options.view_as(S3Options)
    bucket = url.split("://", 1)[1].split("/", 1)[0]
    client = boto3.session.Session().client(
        "s3", endpoint_url=s3.s3_endpoint_url, region_name=s3.s3_region_name,
        aws_access_key_id=s3.s3_access_key_id, aws_secret_access_key=s3.s3_secret_access_key,
        aws_session_token=s3.s3_session_token, verify=s3.s3_verify,
        config=BotoConfig(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2, "mode": "standard"}))
    where = client.meta.endpoint_url
    try:
        client.head_bucket(Bucket=bucket)
    except NoCredentialsError:
        raise InputError(f"no AWS credentials to read {url}: set AWS_ACCESS_KEY_ID and "
                         "AWS_SECRET_ACCESS_KEY, a profile or an instance role") from None
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404:
            raise InputError(f"no bucket {bucket!r} at {where} ({url})") from None
        if status in (401, 403):
            raise InputError(f"access to bucket {bucket!r} at {where} refused (HTTP {status}): "
                             f"check the credentials and their permissions ({url})") from None
        raise InputError(f"bucket {bucket!r} at {where}: {_first_line(exc)} ({url})") from None
    except BotoCoreError as exc:
        raise InputError(f"cannot reach the S3 endpoint {where} for {url}: {_first_line(exc)}") from None


def list_url(url: str, options: PipelineOptions, checked: set[str] | None = None) -> list[str]:
    """Every object a URL names: the object itself, else everything below it as a folder; globs as given.

    ``*`` stays within one folder and ``**`` crosses folders (Beam's match rules).
    ``checked`` holds the buckets already asked in this run.
    """
    _require_filesystem(url)
    bucket = url.split("://", 1)[1].split("/", 1)[0]
    if _scheme(url) == "s3" and (checked is None or bucket not in checked):
        _check_s3_bucket(url, options)
        if checked is not None:
            checked.add(bucket)
    try:
        if any(c in url for c in _GLOB_CHARS):
            return [m.path for m in FileSystems.match([url])[0].metadata_list]
        if not url.endswith("/"):
            exact = FileSystems.match([url])[0].metadata_list
            if exact:
                return [m.path for m in exact]
        folder = url if url.endswith("/") else url + "/"
        return [m.path for m in FileSystems.match([folder + "**"])[0].metadata_list]
    except BeamIOError as exc:
        raise InputError(f"cannot list {url}: {_first_line(exc)}") from None


class _StoreStream(io.RawIOBase):
    """A store's read stream whose errors are OSErrors, as the core expects of any opener."""

    def __init__(self, inner: BinaryIO):
        super().__init__()
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self._inner.read(len(buffer))
        except OSError:
            raise
        except Exception as exc:       # S3ClientError, google.api_core errors: not OSErrors
            raise OSError(_first_line(exc)) from exc
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


def open_input(path: str) -> BinaryIO:
    """Open an input on any filesystem, bytes as stored (a ``.gz`` is not decompressed here)."""
    if not is_url(path):
        return open_local(path)
    try:
        inner = FileSystems.open(path, mime_type="application/octet-stream",
                                 compression_type=CompressionTypes.UNCOMPRESSED)
    except OSError:
        raise
    except Exception as exc:
        raise OSError(_first_line(exc)) from exc
    return io.BufferedReader(_StoreStream(inner), buffer_size=1 << 20)


def input_fingerprint(path: str) -> bytes:
    """What identifies the content of a URL input for the run id, without always reading it.

    On S3 and GCS the store's checksum is derived from the bytes (ETag, CRC32C), so the
    same object gives the same fingerprint and changed bytes a different one. A
    re-upload of the same bytes in different parts (S3 multipart) or with SSE-KMS
    gets a new ETag, hence a new run id: a new run, never a wrongly shared one.
    Elsewhere the bytes are hashed, as for local files.
    """
    if _scheme(path) in _CONTENT_CHECKSUMS:
        try:
            checksum = FileSystems.checksum(path)
        except Exception:             # unreadable now: the read stage records why
            checksum = None
        if checksum:
            return f"checksum:{checksum}".encode()
    h = hashlib.blake2b(digest_size=16)
    try:
        with open_input(path) as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError as exc:
        return f"unreadable:{exc}".encode()
    return b"blake2b:" + h.digest()


def document_estimates(files: Sequence[InputFile]) -> list[int]:
    """Documents per file, to cut a replay into passes (``plan_passes``): the records of a local
    uncompressed JSON-lines file are counted; other many-document files are estimated from
    their size (a store is asked for the size only). An unreadable file counts as one: the read
    stage records why it cannot be read."""
    out = []
    for f in files:
        counted = size = None
        if f.kind in MULTI_DOCUMENT_KINDS:
            try:
                if is_url(f.path):
                    found = FileSystems.match([f.path])[0].metadata_list
                    size = found[0].size_in_bytes if found else 0
                elif f.kind == "jsonl" and not f.path.lower().endswith(".gz"):
                    counted = count_lines(f.path)
                else:
                    size = Path(f.path).stat().st_size
            except Exception:           # noqa: BLE001 - only an estimate; the read stage reports the file
                counted = 1
        out.append(estimate_documents(f, size, counted))
    return out


def _read(limits: ReadLimits, item: InputFile):
    # A generator: a large JSON-lines or WARC file streams record by record.
    return read_input(item, limits, open_input)


def discover_each(paths: Sequence[str], lister) -> tuple[list[InputFile], list[Failure]]:
    """``discover`` path by path: a path whose listing raises is one failure, the others are read.

    An InputError (a store that cannot be listed at all: no bucket, no credentials) is the
    user's to fix and ends the run with one line, so it is not dead-lettered.
    """
    files: dict[str, InputFile] = {}
    failures: list[Failure] = []
    for raw in paths:
        try:
            found, failed = discover([raw], lister)
        except InputError:
            raise
        except Exception as exc:  # dead letter, as for a record
            where = raw if is_url(raw) else input_id(str(Path(raw).absolute()))
            failures.append(internal_failure(Stage.READ.value, None, exc, where=where))
            continue
        files.update((f.path, f) for f in found)
        failures.extend(failed)
    return (sorted(files.values(), key=lambda f: f.path),
            sorted(set(failures), key=lambda f: (f.input, f.reason, f.detail)))


class _CountDiscoveryFn(beam.DoFn):
    def setup(self) -> None:
        self._c = Counters(Stage.READ.value)

    def process(self, failure):
        self._c.inc("in")
        self._c.inc("failed")
        yield failure


class ReadSources(beam.PTransform):
    """Discover the inputs (in the driver) and read each file on the workers.

    A JSON-lines or WARC file yields many documents; a Reshuffle after reading
    spreads them over workers, since extraction is the expensive part. Files of one
    document are spread before reading and not again.
    Raises InputError when a URL's store cannot be listed at all.
    """

    def __init__(self, paths: Sequence[str], limits: ReadLimits, options: PipelineOptions | None = None):
        super().__init__()
        options = options or PipelineOptions([])
        if any(is_url(p) for p in paths):
            FileSystems.set_options(options)      # the driver lists with the run's S3/GCS options
        self._files, self._discovery_failures = discover_each(
            paths, partial(list_url, options=options, checked=set()))
        self._limits = limits

    @property
    def files(self) -> list[InputFile]:
        return list(self._files)

    @property
    def discovery_failures(self):
        return list(self._discovery_failures)

    @property
    def has_html_files(self) -> bool:
        """Whether some input is an HTML page or a WARC file, which the run will extract pages from
        for certain (JSON-lines records may hold HTML too; a run learns that when it reads them)."""
        return any(f.kind in ("html", "warc") for f in self._files)

    def part(self, files: Sequence[InputFile], with_discovery_failures: bool) -> "ReadSources":
        """The same source over some of its files (one pass of a replay): nothing is listed again.
        The discovery failures go with one part only, so each is recorded once."""
        import copy
        part = copy.copy(self)
        part._files = list(files)
        part._discovery_failures = list(self._discovery_failures) if with_discovery_failures else []
        return part

    def expand(self, pbegin):
        # A file of one document (html, text) is spread over workers as a file name; only the
        # documents of a file of many (JSON lines, WARC) are spread again, so a page's bytes
        # cross no shuffle when they need not (the local runners move every shuffled byte
        # through the one controller process).
        single = [f for f in self._files if f.kind not in MULTI_DOCUMENT_KINDS]
        multi = [f for f in self._files if f.kind in MULTI_DOCUMENT_KINDS]
        read_one = apply_stage(pbegin | "ListInputs" >> beam.Create(single, reshuffle=False)
                               | "SpreadFiles" >> beam.Reshuffle(), "ReadFiles", Stage.READ.value,
                               partial(_read, self._limits), fan_out=True)
        read_many = apply_stage(pbegin | "ListMultiInputs" >> beam.Create(multi, reshuffle=False)
                                | "SpreadMultiFiles" >> beam.Reshuffle(), "ReadMultiFiles", Stage.READ.value,
                                partial(_read, self._limits), fan_out=True)
        discovery = (pbegin | "DiscoveryFailures" >> beam.Create(self._discovery_failures, reshuffle=False)
                     | "CountDiscovery" >> beam.ParDo(_CountDiscoveryFn()))
        failures = (read_one[FAILURES], read_many[FAILURES], discovery) | "AllReadFailures" >> beam.Flatten()
        docs = ((read_one[MAIN], read_many[MAIN] | "SpreadDocuments" >> beam.Reshuffle())
                | "AllDocuments" >> beam.Flatten())
        return {MAIN: docs, FAILURES: failures}
