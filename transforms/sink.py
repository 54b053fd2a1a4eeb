"""WriteDatasets: rows -> Hive-partitioned Parquet files in a staging folder.

Files are named by run and shard only (``part-<run_id>-<shard>.parquet``) and
rows are sorted inside them, so the same inputs and config give the same files
byte for byte whatever the runner, the bundle sizes or the number of workers.
A partition's rows are spread over ``ceil(rows / rows_per_file)`` shards by a
stable hash of the row's key, computed from counts taken in a first pass.
Publishing (the atomic swap) happens in the driver once the pipeline is done.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import apache_beam as beam

from transforms.core.schemas import DATASETS, partition_path
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

    def process(self, item):
        (name, partition, shard), rows = item
        spec = DATASETS[name]
        rel = f"{partition}/" if partition else ""
        rel += f"part-{self._run_id}-{shard:04d}.parquet"
        write_table(table_for(spec, list(rows)), Path(self._staging) / name / rel)
        yield name, rel, len(rows) if hasattr(rows, "__len__") else None


class WriteDatasets(beam.PTransform):
    """Write ``{dataset name: PCollection of row dicts}`` into ``staging``; outputs (dataset, file, rows)."""

    def __init__(self, staging: str, run_id: str):
        super().__init__()
        self._staging = staging
        self._run_id = run_id

    def expand(self, rows_by_dataset):
        written = []
        for name, rows in sorted(rows_by_dataset.items()):
            spec = DATASETS[name]
            keyed = rows | f"Partition{name}" >> beam.Map(lambda r, s=spec: (partition_path(s, r), r))
            counts = (keyed | f"Keys{name}" >> beam.Keys()
                      | f"Count{name}" >> beam.combiners.Count.PerElement())
            per_file = spec.rows_per_file
            sharded = keyed | f"Shard{name}" >> beam.Map(
                lambda kv, c, n=name, k=per_file: (
                    (n, kv[0], _stable_shard(kv[1], n, -(-c[kv[0]] // k))), kv[1]),
                c=beam.pvalue.AsDict(counts))
            written.append(sharded | f"Group{name}" >> beam.GroupByKey()
                           | f"Write{name}" >> beam.ParDo(_WriteFileFn(self._staging, self._run_id)))
        return written | "AllWritten" >> beam.Flatten()
