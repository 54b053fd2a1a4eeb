"""``claimwire compact``: fold the batch folders of past runs together, merging small files.

Each publish adds one ``batch=N`` folder to articles, claims and failures,
holding a file per partition it touched, so after many small runs a partition
is spread over many small files, which slow every scan. Compaction folds all
the batches of a dataset into one new batch: in each partition, the small files
are read, sorted as a run sorts them (``sort_table``) and written back as few
files as the size target allows, named ``part-compact-<hash of the merged
files' paths>-NNNN.parquet``; files already near the target are carried over
as hard links. The same published state therefore always compacts to the same
bytes. Snapshot datasets (stories, story_claims, runs) are one file already.

It publishes through the sink's journal (``Store.publish_folded``): the folded
batch is renamed in, then the old batch folders are retired, then the manifest
is replaced. A compaction killed at any moment is finished by the next run or
compaction. It holds the run lock, so it never races a run on the same state.
Readers through the manifest (``claimwire query``) see one state throughout; a
plain-glob reader that overlaps a compaction can see a batch twice for the
moment between the two renames, so schedule it when no such reader runs.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from transforms.core.schemas import DATASETS, DatasetSpec
from transforms.core.sink import MANIFEST, Store, sort_table, write_table

log = logging.getLogger("claimwire")

# A file holding at least this share of the target is carried over as it is:
# rewriting it would cost a full read and write for no fewer files.
SMALL_SHARE = 0.5


@dataclass
class CompactResult:
    """What one compaction changed; ``merged`` maps dataset -> (files before, files after)."""

    run_id: str | None
    merged: dict[str, tuple[int, int]] = field(default_factory=dict)
    manifest: dict | None = None

    @property
    def changed(self) -> bool:
        return bool(self.merged)


def target_rows(dataset: str) -> int:
    return DATASETS[dataset].rows_per_file


def _schema_version(path: Path) -> str | None:
    meta = pq.ParquetFile(path).schema_arrow.metadata or {}
    raw = meta.get(b"claimwire.schema")
    return raw.decode() if raw else None


@dataclass
class Plan:
    """One dataset's folding: its batches, and per partition the files to merge and to carry."""

    batches: list[int]
    merge: dict[str, list[str]]         # partition -> manifest paths of small files (two or more)
    carry: dict[str, list[str]]         # partition -> manifest paths kept as they are


def plan(store: Store, spec: DatasetSpec) -> Plan | None:
    """How to fold ``spec``; None when there is nothing worth doing (one batch, or no small files to merge)."""
    if spec.snapshot:
        return None
    files = [f for f in (store.manifest() or {"datasets": {}})["datasets"].get(spec.name, {}).get("files", [])]
    limit = max(1, int(target_rows(spec.name) * SMALL_SHARE))
    batches: set[int] = set()
    small: dict[str, list[str]] = defaultdict(list)
    carry: dict[str, list[str]] = defaultdict(list)
    for f in sorted(files):
        parts = f.split("/")
        batches.add(int(parts[1].split("=", 1)[1]))
        partition = "/".join(parts[2:-1])
        pf = pq.ParquetFile(store.root / f)
        # Files of another schema version keep their own layout: merging would cast them.
        mergeable = (pf.metadata.num_rows < limit and _schema_version(store.root / f) == spec.version
                     and pf.schema_arrow.remove_metadata().equals(spec.schema))
        (small if mergeable else carry)[partition].append(f)
    for partition, group in list(small.items()):
        if len(group) < 2:                   # a lone small file has nothing to merge with
            carry[partition] += small.pop(partition)
    if len(batches) < 2 and not small:
        return None
    return Plan(sorted(batches), dict(small), {p: sorted(fs) for p, fs in carry.items()})


def merged_name(paths: list[str], seq: int) -> str:
    digest = hashlib.blake2b("\n".join(sorted(paths)).encode("utf-8"), digest_size=8).hexdigest()
    return f"part-compact-{digest}-{seq:04d}.parquet"


def _stage_dataset(store: Store, spec: DatasetSpec, p: Plan, out: Path) -> tuple[int, int]:
    """Write the folded batch of ``spec`` into ``out``: merged files plus hard links to the rest."""
    before = sum(len(v) for v in p.merge.values()) + sum(len(v) for v in p.carry.values())
    after = 0
    for partition, paths in sorted(p.carry.items()):
        for f in paths:
            name = Path(f).name
            dest = out / partition / name
            if dest.exists():              # a rerun of one run id in two batches: same name twice
                dest = out / partition / f"{f.split('/')[1]}-{name}"
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.link(store.root / f, dest)
            after += 1
    per_file = target_rows(spec.name)
    for partition, paths in sorted(p.merge.items()):
        # ParquetFile.read, not pq.read_table: the latter would add hive columns from the path.
        table = pa.concat_tables([pq.ParquetFile(store.root / f).read().replace_schema_metadata(None).cast(spec.schema)
                                  for f in paths])
        table = sort_table(spec, table)
        for seq, start in enumerate(range(0, table.num_rows, per_file)):
            chunk = table.slice(start, per_file)
            write_table(chunk.replace_schema_metadata({"claimwire.schema": spec.version}),
                        out / partition / merged_name(paths, seq))
            after += 1
    return before, after


def compact(output: Path, datasets: list[str] | None = None) -> CompactResult:
    """Fold the batches of ``datasets`` (default: all) and publish; the caller holds the run lock.

    A compaction with nothing to do publishes nothing and returns ``changed == False``.
    """
    store = Store(output)
    for leftover in store.cleanup():
        log.info("removed what an earlier run left: %s", leftover)
    names = sorted(datasets or DATASETS)
    plans = {n: plan(store, DATASETS[n]) for n in names}
    plans = {n: pl for n, pl in plans.items() if pl is not None}
    if not plans:
        return CompactResult(None)
    h = hashlib.blake2b(digest_size=8)
    for n, pl in sorted(plans.items()):
        for paths in [*pl.merge.values(), *pl.carry.values()]:
            for f in paths:
                h.update(f"{f}\n".encode())
    run_id = f"compact-{h.hexdigest()}"
    staging = store.staging_dir(run_id)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    merged = {n: _stage_dataset(store, DATASETS[n], pl, staging / n) for n, pl in sorted(plans.items())}
    manifest = store.publish_folded(staging, run_id, {n: (staging / n, pl.batches) for n, pl in plans.items()})
    return CompactResult(run_id, merged, manifest)


def main(output: Path, state: str | Path | None = None, datasets: list[str] | None = None) -> CompactResult:
    """The ``claimwire compact`` command: lock the state (local or on object storage), compact, publish."""
    from pipelines.runner import RunError
    from pipelines.state_store import open_state
    unknown = sorted(set(datasets or ()) - set(DATASETS))
    if unknown:
        raise RunError(f"unknown dataset {unknown[0]!r}; known: {', '.join(sorted(DATASETS))}")
    output = output.absolute()
    if not (output / MANIFEST).is_file():
        raise RunError(f"{output} holds no published claimwire output (no {MANIFEST})")
    with open_state(str(state) if state else None, output):
        return compact(output, datasets)
