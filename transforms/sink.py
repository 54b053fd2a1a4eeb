"""WriteDatasets: rows -> Parquet data files in the Delta table folders, and one receipt per file.

Workers write through Beam's ``FileSystems`` (local, ``s3://`` with
apache-beam[aws], ``gs://`` with apache-beam[gcp]): nothing passes through the
driver's disk. Files are named by run, attempt and shard only
(``part-<run_id>-<attempt>-<shard>.parquet``) and rows are sorted inside them,
so the same inputs and config give the same rows in the same order whatever
the runner, the bundle sizes or the number of workers. A partition's rows are
spread over ``ceil(rows / rows_per_file)`` shards by a stable hash of the row's
key, computed from counts taken in a first pass. A retried bundle rewrites the
same names with the same bytes. Committing is the driver's job once the
pipeline is done (``pipelines/delta.py``).

The record of this stage is a row. A row the Parquet schema refuses is left out of
its file and becomes a ``sink`` failure, written with the failures of the run
(the other datasets are written first for that reason). An OSError while writing
(a full disk, a read-only output) is not a bad record: it fails the run, which
then says so in one line and leaves the committed state as it was.
"""
from __future__ import annotations

import hashlib
import json

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from transforms.common import FAILURES, MAIN, Counters, internal_failure
from transforms.core.records import Stage
from transforms.core.schemas import DATASETS, failure_row, partition_path
from transforms.core.sink import (attempt_folder, file_name, join, parquet_bytes, partition_folder,
                                  partition_values, receipt, receipt_name, table_for)


def _stable_shard(row: dict, spec_name: str, shards: int) -> int:
    if shards <= 1:
        return 0
    key = "\x1f".join(str(row.get(k)) for k in DATASETS[spec_name].sort_by)
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") % shards


def _put(path: str, data: bytes) -> None:
    with FileSystems.create(path, mime_type="application/octet-stream",
                            compression_type=CompressionTypes.UNCOMPRESSED) as fh:
        fh.write(data)


class _WriteFileFn(beam.DoFn):
    def __init__(self, output: str, run_id: str, attempt: str):
        self._output = output
        self._run_id = run_id
        self._attempt = attempt

    def setup(self) -> None:
        self._counters = Counters(Stage.SINK.value)

    def process(self, item):
        (name, _partition, shard), rows = item
        spec = DATASETS[name]
        rows = list(rows)
        self._counters.inc("in", len(rows))
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
        rel = join(folder, file_name(self._run_id, self._attempt, shard)) if folder else \
            file_name(self._run_id, self._attempt, shard)
        control = attempt_folder(self._output, self._attempt)
        # Rows that MERGE into their table are the driver's merge source, not table files yet.
        base = join(control, "merge", name) if spec.merge_on else join(self._output, spec.path)
        data = parquet_bytes(table)
        _put(join(base, rel), data)
        done = receipt(name, rel, len(data), values, table)
        # The receipt is written after its file: a receipt always names a whole file.
        _put(join(control, "receipts", name, receipt_name(rel)), json.dumps(done, sort_keys=True).encode())
        yield done


class WriteDatasets(beam.PTransform):
    """Write ``{dataset name: PCollection of row dicts}`` under ``output``; outputs the receipts."""

    def __init__(self, output: str, run_id: str, attempt: str):
        super().__init__()
        self._output = output
        self._run_id = run_id
        self._attempt = attempt

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
            spec = DATASETS[name]
            keyed = rows | f"Partition{name}" >> beam.Map(lambda r, s=spec: (partition_path(s, r), r))
            counts = (keyed | f"Keys{name}" >> beam.Keys()
                      | f"Count{name}" >> beam.combiners.Count.PerElement())
            per_file = spec.rows_per_file
            sharded = keyed | f"Shard{name}" >> beam.Map(
                lambda kv, c, n=name, k=per_file: (
                    (n, kv[0], _stable_shard(kv[1], n, -(-c[kv[0]] // k))), kv[1]),
                c=beam.pvalue.AsDict(counts))
            outs = (sharded | f"Group{name}" >> beam.GroupByKey()
                    | f"Write{name}" >> beam.ParDo(_WriteFileFn(self._output, self._run_id, self._attempt))
                    .with_outputs(FAILURES, main=MAIN))
            written.append(outs[MAIN])
            rejected.append(outs[FAILURES])
        return written | "AllWritten" >> beam.Flatten()
