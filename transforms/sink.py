"""WriteDatasets: rows -> Hive-partitioned Parquet files in a staging folder.

Files are named by run and shard only (``part-<run_id>-<shard>.parquet``) and
rows are sorted inside them, so the same inputs and config give the same files
byte for byte whatever the runner, the bundle sizes or the number of workers.
A partition's rows are spread over ``ceil(rows / rows_per_file)`` shards by a
stable hash of the row's key, computed from counts taken in a first pass.
Publishing (the atomic swap) happens in the driver once the pipeline is done.

The record of this stage is a row. A row the Parquet schema refuses is left out of
its file and becomes a ``sink`` failure, written with the failures of the run
(the other datasets are written first for that reason). An OSError while writing
(a full disk, a read-only output) is not a bad record: it fails the run, which
then says so in one line and leaves the published state as it was.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import apache_beam as beam

from transforms.common import FAILURES, MAIN, Counters, internal_failure
from transforms.core.records import Stage
from transforms.core.schemas import DATASETS, failure_row, partition_path
from transforms.core.sink import table_for, write_table


def _stable_shard(row: dict, spec_name: str, shards: int) -> int:
    if shards <= 1:
        return 0
    key = "\x1f".join(str(row.get(k)) for k in DATASETS[spec_name].sort_by)
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") % shards


class _WriteFileFn(beam.DoFn):
    def __init__(self, staging: str, run_id: str):
        self._staging = staging
        self._run_id = run_id

    def setup(self) -> None:
        self._counters = Counters(Stage.SINK.value)

    def process(self, item):
        (name, partition, shard), rows = item
        spec = DATASETS[name]
        rows = list(rows)
        self._counters.inc("in", len(rows))
        rel = f"{partition}/" if partition else ""
        rel += f"part-{self._run_id}-{shard:04d}.parquet"
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
        if rows:
            write_table(table, Path(self._staging) / name / rel)
        self._counters.inc("out", len(rows))
        yield name, rel, len(rows)


class WriteDatasets(beam.PTransform):
    """Write ``{dataset name: PCollection of row dicts}`` into ``staging``; outputs (dataset, file, rows)."""

    def __init__(self, staging: str, run_id: str):
        super().__init__()
        self._staging = staging
        self._run_id = run_id

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
                    | f"Write{name}" >> beam.ParDo(_WriteFileFn(self._staging, self._run_id)).with_outputs(
                        FAILURES, main=MAIN))
            written.append(outs[MAIN])
            rejected.append(outs[FAILURES])
        return written | "AllWritten" >> beam.Flatten()
