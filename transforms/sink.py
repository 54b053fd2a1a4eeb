"""WriteDatasets: rows -> Parquet data files in the Delta table folders, and one receipt per file.

Workers write through Beam's ``FileSystems`` (local, ``s3://`` with
apache-beam[aws], ``gs://`` with apache-beam[gcp]): nothing passes through the
driver's disk. Rows are never shuffled to be written: each worker keeps the
rows of a bundle per partition and writes a partition's file when it holds
``rows_per_file`` rows, when the writer's buffers pass ``MAX_BUFFERED_BYTES``
(the fullest partition goes first), and at the end of the bundle. So a
writer holds a bounded number of bytes whatever the size of the run, and
texts cross no GroupByKey here (the local runners hold a GroupByKey's data in
memory). Rows are sorted inside a file, and a file is named by run, attempt
and a digest of its bytes (``part-<run_id>-<attempt>-<digest>.parquet``): the
same inputs and config give the same rows whatever the runner, the bundles or
the number of workers, and a retried bundle rewrites the same names with the
same bytes.

Rows of a ``merge_on`` table (``stories``, ``story_claims``) that replace an earlier story's rows are
written under the attempt's control folder, for the driver to replace with; those of a story the run
started (``STARTED_HERE``) go into the table's folder like any other rows, and their receipts say
``append``: the driver commits them as they are.

Receipts pass one small GroupByKey (dataset -> receipts) before they are
written, a thousand to a JSON file: a runner hands a GroupByKey only the outputs of bundles that
succeeded, so a file written by a failed attempt of a bundle gets no receipt,
is never committed, and ``claimwire compact`` removes it. Committing is the
driver's job once the pipeline is done (``pipelines/delta.py``).

The record of this stage is a row. A row the Parquet schema refuses is left out of
its file and becomes a ``sink`` failure, written with the failures of the run
(the other datasets are written first for that reason). An OSError while writing
(a full disk, a read-only output) is not a bad record: it fails the run, which
then says so in one line and leaves the committed state as it was.
"""
from __future__ import annotations

import json

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from transforms.filesystems import FileSystems
from apache_beam.transforms.window import GlobalWindows

from transforms.common import FAILURES, MAIN, Counters, internal_failure
from transforms.core.records import Stage
from transforms.core.schemas import DATASETS, STARTED_HERE, failure_row, partition_path
from transforms.core.sink import (attempt_folder, content_digest, file_name, join, parquet_bytes, partition_folder,
                                  partition_values, receipt, row_weight, table_for)


# What one writer may hold, as Python objects (``row_weight``), before it writes its fullest partition
# early (rows_per_file bounds a file): a stage may run several writers in one worker. 16 MiB rather
# than 32: the 20k replay with 2 workers peaked 157 MiB lower (2,484 -> 2,327 MiB) for 6% more files
# (4,311 -> 4,561, which `claimwire compact` merges), and a file still holds ~2-4 MB of Parquet.
MAX_BUFFERED_BYTES = 16 * 1024 * 1024


def _put(path: str, data: bytes) -> None:
    with FileSystems.create(path, mime_type="application/octet-stream",
                            compression_type=CompressionTypes.UNCOMPRESSED) as fh:
        fh.write(data)


class _WriteFilesFn(beam.DoFn):
    """Rows of one dataset -> its Parquet files, a partition at a time; outputs a receipt per file."""

    def __init__(self, name: str, output: str, run_id: str, attempt: str,
                 max_buffered_bytes: int = MAX_BUFFERED_BYTES):
        self._name = name
        self._output = output
        self._run_id = run_id
        self._attempt = attempt
        self._max_bytes = max_buffered_bytes

    def setup(self) -> None:
        self._spec = DATASETS[self._name]
        self._counters = Counters(Stage.SINK.value)

    def start_bundle(self) -> None:
        self._rows: dict[tuple[str, bool], list[dict]] = {}
        self._weights: dict[tuple[str, bool], int] = {}
        self._held = 0

    def process(self, row):
        self._counters.inc("in")
        # A file holds one partition's rows, and in a ``merge_on`` table either rows to replace or rows
        # of stories this run started (``STARTED_HERE``), which go straight into the table.
        part = (partition_path(self._spec, row), bool(self._spec.merge_on and row.get(STARTED_HERE)))
        rows = self._rows.setdefault(part, [])
        rows.append(row)
        w = row_weight(row)
        self._weights[part] = self._weights.get(part, 0) + w
        self._held += w
        if len(rows) >= self._spec.rows_per_file:
            yield from self._write(part)
        while self._held > self._max_bytes:
            yield from self._write(max(self._weights, key=lambda k: (self._weights[k], k)))

    def finish_bundle(self):
        for part in sorted(self._rows):
            for out in self._write(part):
                if isinstance(out, beam.pvalue.TaggedOutput):
                    yield beam.pvalue.TaggedOutput(out.tag, GlobalWindows.windowed_value(out.value))
                else:
                    yield GlobalWindows.windowed_value(out)

    def _write(self, part: tuple[str, bool]):
        appended = part[1]
        rows = self._rows.pop(part)
        self._held -= self._weights.pop(part)
        name, spec = self._name, self._spec
        try:
            table = table_for(spec, rows)
        except OSError:
            raise
        except Exception:  # some row the schema refuses: find it, keep the others
            good = []
            for row in rows:
                try:
                    table_for(spec, [row])
                    good.append(row)
                except Exception as exc:
                    if name == "failures":      # no later file to report it in: keep it as text
                        good.append({k: None if v is None else str(v).encode("utf-8", "backslashreplace")
                                     .decode("utf-8") for k, v in row.items()})
                        continue
                    self._counters.inc("failed")
                    yield beam.pvalue.TaggedOutput(FAILURES, internal_failure(Stage.SINK.value, row, exc))
            rows = good
            table = table_for(spec, rows)
        self._counters.inc("out", len(rows))
        if not rows:
            return
        values = partition_values(spec, rows[0])
        folder = partition_folder(values, spec.partition_by)
        data = parquet_bytes(table)
        rel = join(folder, file_name(self._run_id, self._attempt, content_digest(data)))
        rel = rel.lstrip("/")
        # Rows that replace a story's rows are the driver's source for the replace, not table files yet.
        base = join(attempt_folder(self._output, self._attempt), "merge", name) if spec.merge_on and not appended \
            else join(self._output, spec.path)
        _put(join(base, rel), data)
        out = receipt(name, rel, len(data), values, table)
        if appended:
            out["append"] = True    # committed as it is (its stories are new), not replaced
        yield out


# Receipts per receipts file: the driver reads a few files, not one per data file.
RECEIPTS_PER_FILE = 1000


class _WriteReceiptsFn(beam.DoFn):
    """The receipts of the files that bundles which succeeded wrote -> JSON lists of up to
    ``RECEIPTS_PER_FILE``, each named by a digest of its content (a retry rewrites the same names)."""

    def __init__(self, output: str, attempt: str):
        self._output = output
        self._attempt = attempt

    def process(self, item):
        name, receipts = item
        receipts = sorted(receipts, key=lambda r: r["path"])
        control = attempt_folder(self._output, self._attempt)
        for start in range(0, len(receipts), RECEIPTS_PER_FILE):
            chunk = receipts[start:start + RECEIPTS_PER_FILE]
            data = json.dumps(chunk, sort_keys=True).encode()
            _put(join(control, "receipts", name, f"{content_digest(data)}.json"), data)
        yield from receipts


class WriteDatasets(beam.PTransform):
    """Write ``{dataset name: PCollection of row dicts}`` under ``output``; outputs the receipts."""

    def __init__(self, output: str, run_id: str, attempt: str, max_buffered_bytes: int = MAX_BUFFERED_BYTES):
        super().__init__()
        self._output = output
        self._run_id = run_id
        self._attempt = attempt
        self._max_bytes = max_buffered_bytes

    def expand(self, rows_by_dataset):
        written = []
        rejected = []
        # failures last: rows the other datasets refuse are written with them
        for name in sorted(rows_by_dataset, key=lambda n: (n == "failures", n)):
            rows = rows_by_dataset[name]
            if name == "failures" and rejected:
                rows = ((rows, rejected | "RejectedRowList" >> beam.Flatten()
                         | "RejectedRows" >> beam.Map(failure_row, self._run_id))
                        | "FailureRowsWithRejected" >> beam.Flatten())
            outs = rows | f"Write{name}" >> beam.ParDo(
                _WriteFilesFn(name, self._output, self._run_id, self._attempt, self._max_bytes)
            ).with_outputs(FAILURES, main=MAIN)
            written.append(outs[MAIN])
            rejected.append(outs[FAILURES])
        return (written | "AllWritten" >> beam.Flatten()
                | "KeyReceipts" >> beam.Map(lambda r: (r["dataset"], r))
                | "SucceededOnly" >> beam.GroupByKey()
                | "WriteReceipts" >> beam.ParDo(_WriteReceiptsFn(self._output, self._attempt)))
