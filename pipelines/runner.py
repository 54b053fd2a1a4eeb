"""Running a built graph: options, the run lock, metrics, the runs row and publishing.

Shared by ``replay`` and ``fetch``: both build a source, then hand over here.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import platform
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Sequence

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions, S3Options, StandardOptions, TypeOptions

from pipelines.build import build, local_runner, runs_in_this_process
from pipelines.settings import Settings, compact_index_files
from transforms.core.config import ConfigError
from transforms.common import METRICS_NAMESPACE
import pyarrow as pa

from pipelines.delta import normalise_output, store_errors
from transforms.core.index import run_day_of
from transforms.core.sink import SinkError
from transforms.index import index_error

log = logging.getLogger("claimwire")


class RunError(RuntimeError):
    """The run could not complete; the message is the one line the user sees."""


@dataclass
class RunResult:
    run_id: str
    output: str
    runs_row: dict
    stage_counts: dict[str, int] = field(default_factory=dict)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    run_day: str = ""


def pipeline_options(beam_args: Sequence[str], default_runner: str, type_check: bool = False) -> PipelineOptions:
    options = PipelineOptions(list(beam_args))
    std = options.view_as(StandardOptions)
    if not std.runner:
        # The DirectRunner's default tries Prism, which downloads a binary at run time.
        std.runner = default_runner
    # boto3 reads AWS_ENDPOINT_URL and AWS_REGION itself, but workers on other machines do
    # not share the driver's environment: the endpoint and region travel in the options so
    # they reach the same store (a MinIO or a local S3 API too). Credentials do not: options
    # are shown in a runner's UI, and each worker has its own chain (env, profile, role).
    s3 = options.view_as(S3Options)
    if not s3.s3_endpoint_url:
        s3.s3_endpoint_url = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None
    if not s3.s3_region_name:
        s3.s3_region_name = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
    _local_state_cache(options)
    if not type_check:
        options.view_as(TypeOptions).pipeline_type_check = False
    return options


def type_check(config) -> bool:
    """``run.type_check``: whether Beam type-checks the graph as it is built (off by default).

    The check infers every transform's output type from its function's signature (``inspect``: 67,000
    calls for the ~350 transforms of a run) and compares it with the next transform's input. It finds
    mistakes in the graph's code, never in a user's data, so the suite builds the graph with it on
    (tests/test_index.py) and a run skips it. Coders do not depend on it: most of the graph's
    collections hold records whose type no signature names, and a grouping's input is read as key and
    value either way. Measured on the seeds (FnApiRunner, building the graph): 3.1-3.7 s with the
    check, 1.6-1.8 s without, the same rows.
    """
    value = config.get("run.type_check")
    if not isinstance(value, bool):
        raise ConfigError(f"[run] type_check must be true or false (got {value!r})")
    return value


def _local_state_cache(options: PipelineOptions) -> None:
    """The local runner's in-process SDK worker caches side inputs as its other workers do: not at all
    unless ``--max_cache_memory_usage_mb`` says so (Beam's default for that option is 0).

    Beam 2.77 gives the in-process worker a 100 MB cache from a module constant instead of the
    option. It keeps each side input it decodes there, for the stage's later bundles, and sizes it
    object by object (``objsize``) as it loads it. That worker runs a stage as one bundle, so nothing
    is reused: the cache only costs the sizing and keeps finished stages' side inputs to the end of
    the run. Run 12 of the bench's history corpus spent 0.99 s in that sizing (39 side inputs; the
    new profiles and blocks the window's stories are linked with are ~12 MB each by objsize, per
    consumer), the same batch into an empty output 0.23 s.
    """
    from apache_beam.options.pipeline_options import WorkerOptions
    if local_runner(options):
        from apache_beam.runners.portability.fn_api_runner import worker_handlers
        worker_handlers.STATE_CACHE_SIZE_MB = options.view_as(WorkerOptions).max_cache_memory_usage_mb


@contextmanager
def run_lock(state_dir: Path) -> Iterator[None]:
    """One run per state at a time; the lock dies with its process (flock), so kill -9 never blocks."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "run.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = ""
            try:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            except OSError:
                pass
            raise RunError(f"another claimwire run holds the state {state_dir} ({holder or 'pid unknown'}); "
                           "wait for it to finish") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {platform.node()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def replay_run_id(config_hash: str, files: Sequence[str], command: str,
                  url_fingerprint: Callable[[str], bytes] | None = None) -> str:
    """Same inputs and config -> same run id, so a rerun rewrites the same files and adds no rows.

    A local file counts by its bytes. A URL counts by ``url_fingerprint`` (the store's
    content checksum where it has one, see transforms.read.input_fingerprint), so the
    driver does not download every object of a bucket to name the run.
    """
    h = hashlib.blake2b(digest_size=8)
    h.update(f"{command}\x00{config_hash}\x00".encode())
    for path in sorted(files):
        h.update(path.encode("utf-8", "surrogateescape") + b"\x00")
        if url_fingerprint is not None and "://" in path:
            h.update(url_fingerprint(path))
            continue
        try:
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
        except OSError as exc:
            h.update(f"unreadable:{exc.errno}".encode())
    return h.hexdigest()


def stage_counts(result) -> dict[str, int]:
    counts: dict[str, int] = {}
    try:
        query = result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))
    except Exception as exc:  # some runners report no metrics; the run itself still completed
        log.warning("metrics unavailable from this runner: %s", exc)
        return counts
    for c in query["counters"]:
        value = c.committed if c.committed is not None else c.attempted
        counts[c.key.metric.name] = counts.get(c.key.metric.name, 0) + int(value or 0)
    return dict(sorted(counts.items()))


def versions() -> str:
    import apache_beam
    import pyarrow
    import trafilatura
    return json.dumps({"claimwire": _claimwire_version(), "apache_beam": apache_beam.__version__,
                       "trafilatura": trafilatura.__version__, "pyarrow": pyarrow.__version__,
                       "python": platform.python_version()}, sort_keys=True)


def _claimwire_version() -> str:
    try:
        from importlib.metadata import version
        return version("claimwire")
    except Exception:
        return "0+unknown"


# The young generation's threshold while a run goes: Python's 700 collects a few thousand times a run.
_GC_YOUNG = 10_000


@contextmanager
def collector_for_run() -> Iterator[None]:
    """Python's cyclic collector tuned for the run, restored afterwards.

    A run allocates millions of short-lived objects (tokens, rows, coder buffers), and at the default
    threshold of 700 the collector runs thousands of times; each full collection walks every object
    alive, the imported libraries' (Beam, lxml, langdetect's profiles, the lexicons) and the built
    graph's too. So the objects alive when the run starts are frozen (never walked again while it
    goes; reference counting still frees them) and the young generation's threshold is raised to
    10,000. Measured on the bench's history corpus (batch 12 of 12 x 1,000 documents, FnApiRunner):
    run 12 took 50.7 s instead of 56.9, the same batch into an empty output 40.0 instead of 42.9, with
    the same peak memory (the collector's own time fell from 3.4 s to under 0.5). Afterwards the
    objects are unfrozen, so a process that runs many pipelines (tests, a notebook) still collects
    the cycles of its earlier graphs.
    """
    import gc
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(before[0], _GC_YOUNG), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def return_freed_memory() -> None:
    """Collect the finished run's cycles and hand the heap's free pages back to the system (glibc).

    When a local runner returns, its graph, bundle processors, stage buffers and cached side
    inputs become garbage, much of it in reference cycles, and glibc keeps the pages they held
    (``malloc_trim`` is what returns free pages from the middle of the heap). The Delta commit that
    follows rewrote ``stories`` and ``story_claims`` in delta-rs (a MERGE then; a replace of the
    touched stories' partitions now), which allocated ~100 MB natively for the ~40,000 story_claims
    rows of run 12 of the bench's history corpus; on top of the kept pages that set the run's peak.
    Run 12, one worker (``/usr/bin/time python -m pipelines replay``):
    RSS after the run 586 -> 443 MB before the commit, peak 728-737 -> 666 MB, same rows; the same batch
    into an empty output peaks inside the run, as before. Elsewhere than glibc only the collection runs.
    """
    import gc
    gc.collect()
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):    # not glibc (musl has no malloc_trim)
            pass


def execute(settings: Settings, sources: beam.PTransform, *, output: str, run_id: str, command: str,
            beam_args: Sequence[str], run_day: str | None = None) -> RunResult:
    """Build, run and commit; the previous committed state stays intact on any failure.

    ``run_day`` (ISO date) is where undated articles go in the index; by default the day the
    run starts. The passes of one replay share the first pass's day.
    """
    from pipelines.delta import OutputTables, check_filesystem, use_options
    output = normalise_output(output)
    most_files = compact_index_files(settings.config)
    options = pipeline_options(beam_args, settings.config.get("run.runner"), type_check(settings.config))
    use_options(options)
    check_filesystem(output)
    tables = OutputTables(output)
    tables.check_layout()
    tables.ensure_tables()
    for done in tables.recover():
        log.info("recovered what an earlier run left: %s", done)
    attempt = tables.begin(run_id, command)
    pages = getattr(sources, "has_html_files", True)     # fetching always has pages
    if settings.articles.extract.isolate and pages and runs_in_this_process(options):
        # This process's workers will fork their extraction workers from it: warm it up meanwhile.
        # A run of text only never starts it: the server and the resource tracker (95 MiB by
        # proc_tree, ~160 MiB of the bench's summed peak) and ~3 CPU-s it would not use.
        from transforms.core.isolate import start_fork_server
        start_fork_server()
    started = datetime.now(timezone.utc)
    run_day = run_day or run_day_of(started)
    # The index tables' file lists (nothing more): workers read what the run needs from them.
    index = tables.index_files()
    p = beam.Pipeline(options=options)
    build(p, settings, sources, run_id, output, attempt.attempt_id, index, run_day)
    from pipelines.progress import progress_line
    try:
        with progress_line(total=getattr(sources, "document_estimate", None)), collector_for_run():
            result = p.run()
            result.wait_until_finish()
    except Exception as exc:
        # A full disk or an unwritable output fails a worker's write; runners re-raise it
        # wrapped (FnApiRunner: RuntimeError("OSError: [Errno 28] ...")). That is the run's
        # one-line reason, not a traceback; anything else is a bug and propagates.
        tables.abandon(attempt)
        broken = index_error(exc)
        if broken is not None:
            raise RunError(f"the index under {output}/_index cannot be read ({broken}); nothing was published. "
                           "Restore the index from a backup or an earlier Delta version, or replay into a "
                           "fresh --output") from None
        reason = _os_error_reason(exc)
        if reason is None:
            raise
        raise RunError(f"could not write the run's output under {output}: {reason}; "
                       "the committed state is unchanged") from None
    counts = stage_counts(result)
    finished = datetime.now(timezone.utc)
    del result, p
    return_freed_memory()
    with store_errors(tables.url, "could not list the files this run wrote under"):
        receipts = tables.receipts(attempt)
    runs_row = {
        "command": command, "started_at": started, "finished_at": finished,
        "status": "completed", "config_hash": settings.config.hash, "versions": versions(),
        "inputs": counts.get("read.in", 0), "articles": counts.get("extract.out", 0),
        "claims": counts.get("claims.claims", 0), "stories": sum(r["rows"] for r in receipts["stories"]),
        "failures": sum(v for k, v in counts.items() if k.endswith(".failed")),
        "stage_counts": [{"stage": k.split(".", 1)[0], "outcome": k.split(".", 1)[1], "count": v}
                         for k, v in counts.items()],
        "source_quality": _source_quality(tables, receipts),
    }
    row = tables.commit(attempt, runs_row, receipts)
    if most_files:
        compact_index(tables, most_files)
    return RunResult(run_id, output, row, counts, started, finished, run_day)


# The size a run's compaction merges the index's small files up to; larger files are left alone.
# Merging every file of a day into one (Delta's default) rewrote all of a day's index at each
# compaction, so a run cost more the more history its days held: replaying an archive in passes,
# each pass touching every day, rewrote the whole index each time. With a target, a compaction
# rewrites the small files and about a target's worth per day and table (``python -m
# tests.benchmarks.index_compaction``: 60 appends of the same rows to the 100k replay's index_claims,
# 3.85 s a compaction over the last 10 the default way and still growing, 0.95 s and flat up to
# 8 MiB). 8 MiB files keep a day's lookup to a few files, each small enough to read whole.
INDEX_FILE_BYTES = 8 << 20


def index_tables_to_compact(sizes: dict, most_files: int, target: int = INDEX_FILE_BYTES) -> list[str]:
    """The index tables with at least ``most_files`` small files more than one per day (``sizes``:
    table -> (day, bytes) per file, :meth:`pipelines.delta.OutputTables.index_file_sizes`).

    A file is small below half the ``target``: two of them always fit in one merged file, so a
    compaction leaves at most one small file per day and the count starts again from 0. A lookup
    reads every file of its table, so the files each run adds to the days it touched make every
    later run slower (on object storage, one request per file).
    """
    from transforms.core.schemas import INDEX_TABLES
    out = []
    for name in INDEX_TABLES:
        small: dict[str, int] = {}
        for day, size in sizes.get(name, ()):
            if size < target // 2:
                small[day] = small.get(day, 0) + 1
        if sum(n - 1 for n in small.values()) >= most_files:
            out.append(name)
    return out


def compact_index(tables, most_files: int, target: int = INDEX_FILE_BYTES) -> None:
    """After a committed run, under its lock: compact the index tables that have piled up small files
    (``claimwire compact`` of those tables, their files merged up to ``target`` bytes: Delta
    ``optimize.compact``, a ``runs`` row, ``vacuum``). The run is committed whatever happens here: a
    compaction that fails is logged, and what it left is rolled back by the next run
    (``OutputTables.recover``)."""
    from pipelines.compact import compact
    try:
        names = index_tables_to_compact(tables.index_file_sizes(), most_files, target)
        if names:
            result = compact(tables.url, names, target_size=target)
            log.info("compacted the index: %s", ", ".join(f"{n} {a} -> {b} files"
                                                          for n, (a, b) in sorted(result.merged.items())))
    except Exception as exc:   # noqa: BLE001 - the run is committed; the next run or compact tries again
        log.warning("the run is committed, but compacting its index failed (%s: %s); the next run tries again",
                    type(exc).__name__, str(exc)[:300])


_ERRNO_TEXT = re.compile(r"\[Errno (\d+)\] ([^\[\]\n]+)")


def _os_error_reason(exc: BaseException) -> str | None:
    """``strerror`` of the OSError behind a pipeline failure, or None when there is none."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, OSError) and e.errno is not None:
            return e.strerror or os.strerror(e.errno)
        e = e.__cause__ or e.__context__
    m = _ERRNO_TEXT.search(str(exc))   # the runner kept only the text of the worker's error
    if m:
        return os.strerror(int(m.group(1)))
    return None


def _receipted_rows(tables, receipts: dict, dataset: str, columns: list[str]) -> list[dict]:
    """Some columns of the rows this attempt wrote for ``dataset`` (partition columns from the receipts);
    only those columns are read (an article's text never is)."""
    from transforms.core.schemas import DATASETS
    spec = DATASETS[dataset]
    stored = [c for c in columns if c not in spec.partition_by]
    reader = tables.read_files(spec, tables.uri(dataset), receipts[dataset], with_partitions=True, columns=stored)
    rows: list[dict] = []
    for batch in reader:
        rows += pa.Table.from_batches([batch]).select(columns).to_pylist()
    return rows


def _source_quality(tables, receipts: dict) -> list[dict]:
    from transforms.core.quality import source_quality
    return source_quality(_receipted_rows(tables, receipts, "articles", ["source", "lang", "dup_of"]),
                          _receipted_rows(tables, receipts, "failures", ["stage", "reason", "input"]))


__all__ = ["RunError", "RunResult", "SinkError", "execute", "replay_run_id", "run_lock"]
