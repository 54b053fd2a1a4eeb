"""The driver's side of the output: Delta tables under ``--output`` (a local path or a URL).

- ``prepare`` (under the run lock, before the pipeline): refuse an old-layout or
  foreign output, create any missing table with its schema, upgrade a story table
  of an older claimwire (``_upgrade``), undo what a killed attempt committed
  without its ``runs`` row, remove the files of attempts that never committed,
  and number the new attempt (``serial``).
- ``commit`` (after the pipeline): each append table's new files in ONE
  transaction from the workers' receipts; the touched stories' rows of
  ``stories``/``story_claims`` replaced in their ``story_day`` partitions
  (``_replace_stories``); ``runs`` LAST, its row naming the version each table reached.
  Every commit carries ``Transaction("claimwire", serial)``, so a retried
  commit of the same attempt is recognised and skipped.
- ``pinned``: the tables as of the last committed ``runs`` row, so a reader sees
  one state across tables while a run commits the next.

Why ``runs`` is the commit point: Delta commits one table at a time. An attempt
killed between two tables' commits leaves some tables ahead of ``runs``; no
pinned reader sees them, and the next run or compaction restores those tables
to the version before the attempt's first commit (``restore``), so a rerun
starts from a state where every table agrees with ``runs``.
"""
from __future__ import annotations

import io
import json
import logging
import os
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

import pyarrow as pa
import pyarrow.parquet as pq

from transforms.core.schemas import DATASETS, INDEX_TABLES, RUNS, DatasetSpec
from transforms.core.sink import (APP_ID, CONTROL_DIR, OLD_LAYOUT_MARKERS, SinkError, attempt_folder, attempt_id,
                                  delta_schema, join, parse_receipts, table_name)

log = logging.getLogger("claimwire")

# Committed in this order; runs last (see the module docstring).
APPEND_TABLES = ("articles", "claims", "failures")
MERGE_TABLES = ("stories", "story_claims")
# Stories replaced per commit of stories/story_claims (see ``OutputTables._replace_stories``).
REPLACE_STORIES = 5000
# Tables an older claimwire wrote that ``OutputTables.ensure_tables`` upgrades in place.
UPGRADES = ("stories", "story_claims")
# Rows per batch of an upgrade's rewrite: the table is streamed, never held whole.
UPGRADE_BATCH_ROWS = 50_000
PUBLISHED_TABLES = (*APPEND_TABLES, *MERGE_TABLES)
# Delta writes a checkpoint (the table's state in one Parquet file) every this many commits, so
# opening a table replays at most this many commit files. Delta's default is 100: a run opens its
# tables about 135 times, and each open replayed every commit since the last checkpoint, so the
# driver's share of a run grew with every run for 100 runs (an index table after 21 runs of 1,000
# documents, each followed by a compaction: 42 commits, 6.1 MB of JSON, 101 ms to open; 11 ms
# from a checkpoint). Every Delta writer honours the property, and every reader reads checkpoints.
CHECKPOINT_INTERVAL = 10
TABLE_PROPERTIES = {"delta.checkpointInterval": str(CHECKPOINT_INTERVAL)}
# The dedup and story index (append-only, under _index/): committed with the datasets, before runs.
DATA_TABLES = (*PUBLISHED_TABLES, *INDEX_TABLES)


def is_url(output: str) -> bool:
    return "://" in output


def normalise_output(output: str | os.PathLike[str]) -> str:
    """``--output`` as the string every layer uses: an absolute local path, or the URL untouched."""
    text = os.fspath(output)
    if is_url(text):
        if text.lower().startswith("file://"):
            return str(Path(text[7:]).absolute())
        return text.rstrip("/")
    return str(Path(text).absolute())


def storage_options() -> dict[str, str]:
    """Options delta-rs does not take from the standard environment by itself."""
    # object_store retries a failing request for up to 180 s by default: a bucket that does not
    # exist or an endpoint that is down should be one line within seconds, not three minutes.
    opts: dict[str, str] = {"max_retries": "3", "retry_timeout": "20s", "connect_timeout": "10s"}
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or ""
    if endpoint.lower().startswith("http://"):
        opts["AWS_ALLOW_HTTP"] = "true"     # a local S3 API (MinIO, moto): object_store refuses http otherwise
    return opts


@contextmanager
def store_errors(output: str, doing: str) -> Iterator[None]:
    """Storage that refuses us or cannot be reached is one line, not a traceback."""
    try:
        yield
    except SinkError:
        raise
    except Exception as exc:
        from deltalake.exceptions import DeltaError
        if not isinstance(exc, (OSError, DeltaError, ValueError)) and "botocore" not in type(exc).__module__ \
                and not type(exc).__name__.endswith("ClientError"):      # Beam's S3ClientError
            raise
        import re
        text = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).split())[:300] or type(exc).__name__
        raise SinkError(f"{doing} --output {output}: {text}") from None


# -- filesystem helpers (Beam's FileSystems: local, s3:// and gs:// alike) ---------------------

_OPTIONS_SET = False


def use_options(options: Any = None) -> None:
    """Give Beam's FileSystems the run's options (its S3 client needs some; none means the environment's)."""
    global _OPTIONS_SET
    if options is None and _OPTIONS_SET:
        return
    from transforms.filesystems import FileSystems
    from apache_beam.options.pipeline_options import PipelineOptions
    FileSystems.set_options(options if options is not None else PipelineOptions([]))
    _OPTIONS_SET = True


def check_filesystem(output: str) -> None:
    """A one-line SinkError when no filesystem for ``output``'s scheme is installed."""
    if not is_url(output):
        return
    from transforms.filesystems import FileSystems
    scheme = output.split("://", 1)[0].lower()
    try:
        FileSystems.get_filesystem(output)
    except ValueError:
        extra = {"s3": "aws", "gs": "gcp"}.get(scheme)
        hint = f"pip install 'claimwire[{extra}]'" if extra else "no claimwire extra provides it"
        raise SinkError(f"--output {output}: the {scheme}:// filesystem is not installed ({hint})") from None
    if scheme == "s3":
        try:
            import boto3  # noqa: F401  (Beam registers s3:// even without it; writing needs it)
        except ImportError:
            raise SinkError(f"--output {output}: the s3:// filesystem needs boto3 "
                            "(pip install 'claimwire[aws]')") from None


def check_output(output: str) -> None:
    """Before anything is locked or written: the filesystem is installed, the layout is ours."""
    check_filesystem(output)
    OutputTables(output).check_layout()


def put(path: str, data: bytes) -> None:
    from apache_beam.io.filesystem import CompressionTypes
    from transforms.filesystems import FileSystems
    with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as fh:
        fh.write(data)


def get(path: str) -> bytes:
    from apache_beam.io.filesystem import CompressionTypes
    from transforms.filesystems import FileSystems
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as fh:
        return fh.read()


def match(pattern: str) -> list[str]:
    from transforms.filesystems import FileSystems
    try:
        found = FileSystems.match([pattern])[0].metadata_list
    except Exception as exc:     # Beam raises BeamIOError when nothing matches on some stores
        if "No files found" in str(exc) or "not found" in str(exc).lower():
            return []
        raise
    return sorted(m.path for m in found)


def delete(paths: list[str]) -> None:
    from transforms.filesystems import FileSystems
    if paths:
        FileSystems.delete(paths)


def exists(path: str) -> bool:
    from transforms.filesystems import FileSystems
    return FileSystems.exists(path)


# -- the tables --------------------------------------------------------------------------------

@dataclass
class Attempt:
    run_id: str
    serial: int
    attempt_id: str
    attempt: int          # 1 for the first attempt of this run id, 2 for its first rerun, ...


def _file_batches(url: str, rows: int):
    """The record batches of one Parquet file (local, ``s3://``, ``gs://``), ``rows`` at a time."""
    import pyarrow.parquet as pq
    from apache_beam.io.filesystem import CompressionTypes
    from transforms.filesystems import FileSystems
    with FileSystems.open(url, compression_type=CompressionTypes.UNCOMPRESSED) as fh:
        yield from pq.ParquetFile(fh).iter_batches(batch_size=rows)


class OutputTables:
    """The claimwire Delta tables under one ``--output``."""

    def __init__(self, output: str | os.PathLike[str]):
        self.url = normalise_output(output)
        self.options = storage_options()
        use_options()

    def uri(self, name: str) -> str:
        spec = DATASETS.get(name)
        return join(self.url, spec.path if spec else name)

    # - checks
    def check_layout(self) -> None:
        """Refuse an output folder that is a file or holds the old manifest layout."""
        if not is_url(self.url):
            p = Path(self.url)
            if p.exists() and not p.is_dir():
                raise SinkError(f"--output {self.url} is a file, not a folder; give a folder for the tables")
        # The old layout could only be written to a local folder (a URL became a folder named "s3:").
        for marker in OLD_LAYOUT_MARKERS if not is_url(self.url) else ():
            if self._exists(join(self.url, marker)):
                raise SinkError(f"--output {self.url} holds output of an older claimwire layout ({marker}); "
                                "move it away or delete it, then replay into a fresh --output")

    def _exists(self, path: str) -> bool:
        if not is_url(path):
            return os.path.exists(path)
        with store_errors(self.url, "could not read"):
            return exists(path) or bool(match(join(path, "*")))

    def is_table(self, name: str) -> bool:
        from deltalake import DeltaTable
        with store_errors(self.url, "could not read"):
            return DeltaTable.is_deltatable(self.uri(name), storage_options=self.options)

    def has_output(self) -> bool:
        return self.is_table("runs")

    def open(self, name: str, version: int | None = None):
        from deltalake import DeltaTable
        with store_errors(self.url, "could not read"):
            dt = DeltaTable(self.uri(name), storage_options=self.options)
        self._check_foreign(name, dt)          # on the latest version: a foreign table has no pinned one
        if version is not None and version != dt.version():
            with store_errors(self.url, f"could not read version {version} of the {name} table under"):
                dt.load_as_version(version)
        return dt

    def _check_foreign(self, name: str, dt: Any) -> None:
        spec = DATASETS[name]
        meta = dt.metadata()
        have = set(pa.schema(dt.schema().to_arrow()).names)
        want = set(delta_schema(spec).names)
        found = schema_version(meta.description or "", spec.name)
        older = name in UPGRADES and found is not None and found < schema_version(spec.version, spec.name)
        if meta.name != table_name(spec) or not (want <= have or older):
            raise SinkError(f"--output {self.url}: the Delta table {spec.path}/ was written by something else "
                            f"(name {meta.name!r}); give claimwire its own --output")
        if found is not None and found > schema_version(spec.version, spec.name):
            raise SinkError(f"--output {self.url}: the table {spec.path}/ was written by a newer claimwire "
                            f"({spec.name}.v{found}; this one reads {spec.version}); upgrade claimwire")

    def ensure_tables(self) -> None:
        """Create every missing table, empty, with its schema: a dataset exists even with zero rows.

        A missing index table beside committed runs is refused, never recreated empty:
        a silent rebuild would forget the history that dedup and stories read.
        """
        from deltalake import DeltaTable
        has_runs = bool(self.runs())
        for name, spec in DATASETS.items():
            if self.is_table(name):
                dt = self.open(name)     # open: the foreign-table and schema-version checks
                self._upgrade(name, dt)
                self._set_properties(name, dt)
                continue
            if has_runs and name in INDEX_TABLES:
                raise SinkError(f"--output {self.url}: the index table {spec.path}/ is missing or unreadable, "
                                "but runs were committed here; restore it (from a backup) or replay into a fresh "
                                "--output. It is not rebuilt empty: that would forget the history")
            with store_errors(self.url, "could not create tables under"):
                DeltaTable.create(self.uri(name), delta_schema(spec), mode="ignore",
                                  partition_by=list(spec.partition_by) or None, name=table_name(spec),
                                  description=f"claimwire {spec.version}", configuration=TABLE_PROPERTIES,
                                  storage_options=self.options)

    def _set_properties(self, name: str, dt: Any) -> None:
        """Give a table an older claimwire created the ``TABLE_PROPERTIES`` it lacks (one commit, once; it
        carries no attempt, so ``recover`` never rolls it back). A value someone set is kept. The
        caller holds the run lock."""
        missing = {k: v for k, v in TABLE_PROPERTIES.items() if k not in (dt.metadata().configuration or {})}
        if missing:
            dt = self.open(name)      # after an upgrade, its newest version
            with store_errors(self.url, f"could not set the properties of the {name} table under"):
                dt.alter.set_table_properties(missing)

    def _upgrade(self, name: str, dt: Any) -> None:
        """Bring a table written by an older claimwire to this one's schema (``UPGRADES``), in place.

        ``stories`` (v1) and ``story_claims`` (v2) were one unpartitioned table each; they gain the
        ``story_day`` partition (None for every story whose id carries no day, as every id before it
        did). The rewrite is one overwrite commit; a run killed before the description names the new
        version only repeats the description. The caller holds the run lock.
        """
        spec = DATASETS[name]
        found = schema_version(dt.metadata().description or "", spec.name)
        if name not in UPGRADES or found is None or found >= schema_version(spec.version, spec.name):
            return
        from deltalake import write_deltalake
        from transforms.core.storyrows import story_day_of
        log.info("upgrading the %s table of %s from %s.v%d to %s", name, self.url, spec.name, found, spec.version)
        with store_errors(self.url, f"could not upgrade the {name} table under"):
            have = set(pa.schema(dt.schema().to_arrow()).names)
            if "story_day" not in have:
                # Streamed a batch at a time (months of story_claims do not fit in memory whole), its files
                # read through Beam's FileSystems: a read through delta-rs cannot run inside its write.
                schema = delta_schema(spec)
                files = sorted(dt.file_uris())

                def batches():
                    for url in files:
                        for batch in _file_batches(url, UPGRADE_BATCH_ROWS):
                            days = pa.array([story_day_of(s) for s in batch.column("story_id").to_pylist()],
                                            pa.string())
                            have = batch.schema.names
                            cols = [days if f.name == "story_day" else batch.column(f.name) if f.name in have
                                    else pa.nulls(batch.num_rows, f.type) for f in schema]
                            yield pa.RecordBatch.from_arrays(cols, names=schema.names).cast(schema)

                write_deltalake(dt, pa.RecordBatchReader.from_batches(schema, batches()), mode="overwrite",
                                schema_mode="overwrite", partition_by=list(spec.partition_by))
                dt = self.open(name)
            dt.alter.set_table_description(f"claimwire {spec.version}")

    # - the record of runs
    def runs(self, version: int | None = None) -> list[dict]:
        """Every committed runs row, in commit order (serial)."""
        if not self.is_table("runs"):
            return []
        dt = self.open("runs", version)
        rows = dt.to_pyarrow_table(columns=["run_id", "attempt", "attempt_id", "serial", "table_versions"]).to_pylist()
        return sorted(rows, key=lambda r: r["serial"] or 0)

    def pinned_versions(self) -> tuple[int, dict[str, int]]:
        """(runs version, {table: version}) as of the last committed runs row.

        A runs row names the versions of the published tables. The index tables are committed in the
        same attempt, before that row, and the row does not name them: each is pinned at its newest
        version that no uncommitted attempt wrote (a run committing now is not seen halfway).
        """
        runs = self.open("runs")
        rows = self.runs(runs.version())
        last = rows[-1]["table_versions"] if rows else None
        out = {n: int((last or {}).get(n) or 0) for n in PUBLISHED_TABLES}
        committed = {r["attempt_id"] for r in rows}
        for name in INDEX_TABLES:
            out[name] = self._committed_version(self.open(name), committed) if rows else 0
        return runs.version(), out

    def _committed_version(self, dt: Any, committed: set[str]) -> int:
        """The newest version of the table ``dt`` that no attempt missing from ``committed`` wrote."""
        version = dt.version()
        with store_errors(self.url, "could not read the history of"):
            history = dt.history(limit=200)       # newest first
        for h in history:
            attempt = h.get("claimwire.attempt")
            if attempt is None or attempt in committed or int(h.get("version", -1)) != version:
                break
            version -= 1
        return version

    def pinned(self) -> dict[str, Any]:
        """Every table as a DeltaTable at the versions the last committed runs row names."""
        runs_version, versions = self.pinned_versions()
        out = {n: self.open(n, v) for n, v in versions.items()}
        out["runs"] = self.open("runs", runs_version)
        return out

    # - recovery
    def recover(self) -> list[str]:
        """Undo commits of attempts that never wrote their runs row; delete dead attempts' files.

        The caller holds the run lock: no attempt of this output is in progress.
        """
        done: list[str] = []
        committed = {r["attempt_id"] for r in self.runs()}
        from deltalake.transaction import CommitProperties
        for name in DATA_TABLES:
            dt = self.open(name)
            target = self._committed_version(dt, committed)
            if target < dt.version():
                with store_errors(self.url, "could not roll back an unfinished run in"):
                    dt.restore(target, commit_properties=CommitProperties(
                        custom_metadata={"claimwire.rolled_back": str(dt.version())}))
                done.append(f"{name}: rolled back to version {target} (a killed run had committed it alone)")
        for folder, attempt in self._attempt_folders():
            if attempt not in committed:
                for name in DATA_TABLES:
                    dead = match(join(self.uri(name), f"**-{attempt}-*.parquet"))
                    delete(dead)
                    if dead:
                        done.append(f"{name}: removed {len(dead)} file(s) of the unfinished attempt {attempt}")
            delete(match(join(folder, "**")))
            if not is_url(folder):
                _rmtree_empty(folder)
        return done

    def _attempt_folders(self) -> list[tuple[str, str]]:
        base = join(self.url, CONTROL_DIR, "attempts")
        seen: dict[str, str] = {}
        for path in match(join(base, "**")):
            attempt = path[len(base) + 1:].split("/", 1)[0]
            seen.setdefault(attempt, join(base, attempt))
        return sorted((f, a) for a, f in seen.items())

    # - one attempt
    def begin(self, run_id: str, command: str) -> Attempt:
        """Number a new attempt (the caller holds the run lock and has called ``recover``)."""
        serial = 1 + max([int(self.open(n).transaction_version(APP_ID) or 0) for n in DATASETS] or [0])
        attempt = attempt_id(serial, secrets.token_hex(3))
        previous = sum(1 for r in self.runs() if r["run_id"] == run_id)
        marker = {"run_id": run_id, "serial": serial, "command": command, "pid": os.getpid(),
                  "started": time.time()}
        with store_errors(self.url, "could not write under"):
            put(join(attempt_folder(self.url, attempt), "attempt.json"), json.dumps(marker).encode())
        return Attempt(run_id, serial, attempt, previous + 1)

    def abandon(self, attempt: Attempt) -> None:
        """Remove what a failed attempt wrote (nothing of it was committed); best effort."""
        try:
            for name in DATA_TABLES:
                delete(match(join(self.uri(name), f"**-{attempt.attempt_id}-*.parquet")))
            folder = attempt_folder(self.url, attempt.attempt_id)
            delete(match(join(folder, "**")))
            if not is_url(folder):
                _rmtree_empty(folder)
        except Exception as exc:   # the next run's recover removes it
            log.warning("could not remove the files of the failed attempt %s: %s", attempt.attempt_id, exc)

    def index_files(self) -> Any:
        """The index tables' data files (URL, day) at their latest version: the file lists a run reads.

        The caller has run ``recover``, so the latest version is the committed one.
        """
        from transforms.index import IndexFiles
        files: dict[str, tuple[tuple[str, str], ...]] = {}
        for name, actions in self._index_add_actions():
            base = self.uri(name)
            files[name] = tuple(sorted((join(base, a["path"]), a["partition.day"] or "") for a in actions))
        return IndexFiles(files)

    def index_file_sizes(self) -> dict[str, tuple[tuple[str, int], ...]]:
        """The index tables' data files at their latest version, as (day, size in bytes)."""
        return {name: tuple(sorted((a["partition.day"] or "", int(a["size_bytes"])) for a in actions))
                for name, actions in self._index_add_actions()}

    def _index_add_actions(self):
        """(table name, its add actions: path, size_bytes, partition.day) for each index table."""
        for name in INDEX_TABLES:
            dt = self.open(name)
            with store_errors(self.url, f"could not list the files of the {name} table under"):
                actions = pa.table(dt.get_add_actions(flatten=True))
            yield name, actions.select(["path", "size_bytes", "partition.day"]).to_pylist()

    def receipts(self, attempt: Attempt) -> dict[str, list[dict]]:
        by: dict[str, list[dict]] = {n: [] for n in DATASETS}
        for path in match(join(attempt_folder(self.url, attempt.attempt_id), "receipts", "*", "*.json")):
            for r in parse_receipts(get(path)):
                by[r["dataset"]].append(r)
        for rs in by.values():
            rs.sort(key=lambda r: r["path"])
        return by

    def read_files(self, spec: DatasetSpec, base: str, receipts: list[dict], with_partitions: bool = False,
                   columns: list[str] | None = None) -> pa.RecordBatchReader:
        """Stream the rows of receipted files (the stories' replace, the failures' MERGE), one file at a time.

        With ``columns`` (file columns only), only those are read and decoded.
        """
        file_schema = pa.schema([spec.schema.field(c) for c in columns]) if columns else spec.schema
        schema = pa.schema([*file_schema, *(pa.field(k, pa.string()) for k in spec.partition_by)]) \
            if with_partitions else file_schema

        def batches():
            for r in receipts:
                t = pq.read_table(io.BytesIO(get(join(base, r["path"]))), columns=columns)
                t = t.replace_schema_metadata(None).cast(file_schema)
                if with_partitions:
                    for k in spec.partition_by:
                        t = t.append_column(k, pa.array([r["partition_values"].get(k)] * t.num_rows, pa.string()))
                yield from t.to_batches()
        return pa.RecordBatchReader.from_batches(schema, batches())

    def commit(self, attempt: Attempt, runs_row: Mapping[str, Any],
               receipts: dict[str, list[dict]] | None = None) -> dict[str, Any]:
        """Commit the attempt's receipted files table by table, runs last; returns the runs row written.

        ``receipts``: what ``receipts(attempt)`` returned, when the caller has read them already.
        """
        from deltalake import write_deltalake
        from deltalake.transaction import CommitProperties, Transaction
        marks = {"claimwire.attempt": attempt.attempt_id, "claimwire.run_id": attempt.run_id}
        props = CommitProperties(custom_metadata=marks, app_transactions=[Transaction(APP_ID, attempt.serial)])
        # a table committed in several parts marks all but the last with the attempt alone: ``recover``
        # rolls them back if the attempt never commits, and a rerun of the commit redoes them all
        part_props = CommitProperties(custom_metadata=marks)
        if receipts is None:
            with store_errors(self.url, "could not list the files this run wrote under"):
                receipts = self.receipts(attempt)
        rerun = attempt.attempt > 1
        added: dict[str, int] = {}
        versions: dict[str, int] = {}
        now_ms = int(time.time() * 1000)
        for name in DATA_TABLES:
            spec = DATASETS[name]
            dt = self.open(name)
            mine = receipts[name]
            added[name] = sum(r["rows"] for r in mine)
            if not mine or int(dt.transaction_version(APP_ID) or 0) >= attempt.serial:
                versions[name] = dt.version()         # nothing new, or this attempt already committed it
                continue
            with store_errors(self.url, f"could not commit the {name} table under"):
                if spec.merge_on:
                    # Files of stories this run started are in the table already and only committed;
                    # the rows of earlier stories replace theirs (the replace commits last).
                    appended = [r for r in mine if r.get("append")]
                    replacing = [r for r in mine if not r.get("append")]
                    if appended:
                        self._append(dt, spec, appended, now_ms, part_props if replacing else props)
                    if replacing:
                        source = self.read_files(spec, join(attempt_folder(self.url, attempt.attempt_id), "merge",
                                                            name), replacing, with_partitions=True)
                        self._replace_stories(self.open(name) if appended else dt, spec, source, props, part_props)
                elif name == "failures" and rerun:
                    # The same inputs fail the same way again: add only failures not recorded yet.
                    source = self.read_files(spec, self.uri(name), mine, with_partitions=True)
                    before = dt.count() if hasattr(dt, "count") else None
                    self._merge_new_only(dt, source, props)
                    dt = self.open(name)
                    added[name] = (dt.count() - before) if before is not None else 0
                    delete([join(self.uri(name), r["path"]) for r in mine])     # never committed: not needed
                else:
                    self._append(dt, spec, mine, now_ms, props)
            versions[name] = self.open(name).version()
        row = dict(runs_row)
        row.update(run_id=attempt.run_id, attempt=attempt.attempt, attempt_id=attempt.attempt_id,
                   serial=attempt.serial, articles_added=added["articles"], claims_added=added["claims"],
                   stories_changed=added["stories"], failures_added=added["failures"],
                   table_versions={n: versions[n] for n in PUBLISHED_TABLES})
        from transforms.core.sink import table_for
        runs = self.open("runs")
        if int(runs.transaction_version(APP_ID) or 0) < attempt.serial:
            with store_errors(self.url, "could not commit the runs table under"):
                write_deltalake(self.uri("runs"), table_for(RUNS, [row]).replace_schema_metadata(None),
                                mode="append", storage_options=self.options, commit_properties=props)
        try:
            folder = attempt_folder(self.url, attempt.attempt_id)
            delete(match(join(folder, "**")))
            if not is_url(folder):
                _rmtree_empty(folder)
        except Exception as exc:   # only clutter: the next run's recover removes it
            log.warning("could not remove the control folder of %s: %s", attempt.attempt_id, exc)
        return row

    def _append(self, dt: Any, spec: DatasetSpec, receipts: list[dict], now_ms: int, props: Any) -> None:
        """Commit receipted files that are in the table's folder already: one commit of their add actions."""
        from deltalake.transaction import AddAction
        actions = [AddAction(r["path"], int(r["size"]), r["partition_values"], now_ms, True, r["stats"])
                   for r in receipts]
        dt.create_write_transaction(actions, mode="append", schema=delta_schema(spec),
                                    partition_by=list(spec.partition_by) or None, commit_properties=props)

    def _replace_stories(self, dt: Any, spec: DatasetSpec, source: pa.RecordBatchReader, props: Any,
                         part_props: Any = None) -> None:
        """Replace the rows of the earlier stories this run joined, whole (a story it started is appended).

        A recomputed story's rows replace its old ones (claims that no longer exist go with them).
        The predicate names each story with its ``story_day`` partition (the day in its id), so
        delta-rs reads and rewrites only the files of those days that hold one of the stories, and
        every other file of the table stays as it is: publishing costs what the run touched, not
        what the table holds (a MERGE over an unpartitioned table rewrote all of it on every run).

        One commit per ``REPLACE_STORIES`` stories: delta-rs 1.6 crashes the process (a segfault,
        no exception) on an overwrite predicate of some 25,000 literals. The last commit carries
        ``props`` (the attempt's app transaction); earlier ones ``part_props`` (the attempt only).
        """
        import pyarrow.compute as pc
        from deltalake import write_deltalake
        table = source.read_all()     # rows of the stories this run touched: one per story or story claim
        stories = sorted({(day or "", day is None, sid) for sid, day in zip(
            table.column("story_id").to_pylist(), table.column("story_day").to_pylist()) if sid is not None})
        schema = delta_schema(spec)

        def listed(values) -> str:
            return ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values))
        chunks = [stories[k:k + REPLACE_STORIES] for k in range(0, len(stories), REPLACE_STORIES)]
        for n, chunk in enumerate(chunks):
            by_day: dict[str | None, list[str]] = {}
            for day, undated, sid in chunk:
                by_day.setdefault(None if undated else day, []).append(sid)
            predicate = " OR ".join(
                f"(story_day {'IS NULL' if day is None else '= ' + listed([day])} AND story_id IN ({listed(ids)}))"
                for day, ids in by_day.items())
            rows = table if len(chunks) == 1 else table.filter(
                pc.is_in(table.column("story_id"), pa.array([sid for _, _, sid in chunk], pa.string())))
            write_deltalake(dt, rows.select(schema.names).cast(schema), mode="overwrite", predicate=predicate,
                            partition_by=list(spec.partition_by),
                            commit_properties=props if n == len(chunks) - 1 else (part_props or props))

    def _merge_new_only(self, dt: Any, source: pa.RecordBatchReader, props: Any) -> None:
        cols = ("run_id", "stage", "reason", "input", "detail")
        predicate = " AND ".join(f"(t.{c} = s.{c} OR (t.{c} IS NULL AND s.{c} IS NULL))" for c in cols)
        dt.merge(source.read_all(), predicate, source_alias="s", target_alias="t",
                 commit_properties=props).when_not_matched_insert_all().execute()


def schema_version(text: str, name: str) -> int | None:
    """N of ``<name>.vN`` in a table's description or a spec's version; None when absent."""
    import re
    m = re.search(re.escape(name) + r"\.v(\d+)\b", text)
    return int(m.group(1)) if m else None


def _rmtree_empty(folder: str) -> None:
    """Remove a local control folder once its files are gone (object stores have no folders)."""
    import shutil
    shutil.rmtree(folder, ignore_errors=True)


def read_dataset(output: str | os.PathLike[str], name: str, columns: list[str] | None = None,
                 pinned: bool = True) -> pa.Table:
    """A dataset as a pyarrow table: as of the last committed run (``pinned``) or the latest version."""
    tables = OutputTables(output)
    if pinned:
        dt = tables.pinned()[name]
    else:
        dt = tables.open(name)
    return dt.to_pyarrow_dataset().to_table(columns=columns)


def control_folder(output: str) -> str:
    return join(output, CONTROL_DIR)


__all__ = ["APPEND_TABLES", "Attempt", "MERGE_TABLES", "OutputTables", "SinkError", "check_filesystem",
           "normalise_output", "read_dataset", "storage_options"]
