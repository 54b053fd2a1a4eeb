"""``claimwire compact``: merge the small files of past runs, partition by partition.

Each run adds its own files to every partition it touches, so after many small
runs a partition holds many small files, which slow every scan. Compaction
reads the small files of a partition, sorts their rows as a run would
(``DatasetSpec.sort_by``) and writes them back as few files as the size target
allows, named ``part-compact-<hash of the merged files' names>-NNNN.parquet``.
The same published state therefore always compacts to the same bytes.

It publishes like a run (``Store.publish``): the next version of each changed
dataset is staged from hard links to the untouched files plus the merged
ones, and the version link is swapped with ``rename(2)``. A reader sees the version before
or the version after, and a compaction killed at any moment leaves the last
published state whole (the next run or compaction removes its leftovers). It
holds the run lock, so it never races a run on the same state.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from transforms.core.schemas import DATASETS, DatasetSpec
from transforms.core.sink import MANIFEST, Store, write_table

log = logging.getLogger("claimwire")

# A file holding at least this share of the target is left alone: rewriting
# it would cost a full read and write for no fewer files.
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


def plan(store: Store, spec: DatasetSpec) -> dict[str, list[Path]]:
    """Partition folder (relative) -> the small files worth merging there (two or more)."""
    cur = store.current_version(spec.name)
    if cur is None:
        return {}
    limit = max(1, int(target_rows(spec.name) * SMALL_SHARE))
    groups: dict[str, list[Path]] = {}
    for f in sorted(cur.rglob("*.parquet")):
        pf = pq.ParquetFile(f)
        # Files of another schema version keep their own layout: merging would cast them.
        if pf.metadata.num_rows >= limit or _schema_version(f) != spec.version:
            continue
        if not pf.schema_arrow.remove_metadata().equals(spec.schema):
            continue
        groups.setdefault(f.parent.relative_to(cur).as_posix(), []).append(f)
    return {part: files for part, files in sorted(groups.items()) if len(files) > 1}


def merged_name(rel_files: list[str], seq: int) -> str:
    digest = hashlib.blake2b("\n".join(sorted(rel_files)).encode("utf-8"), digest_size=8).hexdigest()
    return f"part-compact-{digest}-{seq:04d}.parquet"


def _sorted_table(spec: DatasetSpec, files: list[Path]) -> pa.Table:
    # ParquetFile.read, not pq.read_table: the latter would add hive columns from the path.
    table = pa.concat_tables([pq.ParquetFile(f).read().replace_schema_metadata(None) for f in files])
    table = table.cast(spec.schema)
    # Same order as sink.sort_key: by the sort columns, nulls last, then by every
    # other column, so rows that tie on the sort key still land in one order.
    rest = [c for c in spec.schema.names
            if c not in spec.sort_by and _sortable(spec.schema.field(c).type)]
    keys = [(c, "ascending", "at_end") for c in (*spec.sort_by, *rest)]
    return table.sort_by(keys)


def _sortable(t: pa.DataType) -> bool:
    return not (pa.types.is_list(t) or pa.types.is_struct(t) or pa.types.is_map(t))


def _stage_dataset(store: Store, spec: DatasetSpec, groups: dict[str, list[Path]], staging: Path) -> tuple[int, int]:
    """Stage the whole next version of ``spec``: merged files plus hard links to the rest."""
    cur = store.current_version(spec.name)
    assert cur is not None
    out = staging / spec.name
    merged = {f for files in groups.values() for f in files}
    before = after = 0
    for f in sorted(cur.rglob("*.parquet")):
        before += 1
        if f in merged:
            continue
        dest = out / f.relative_to(cur)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.link(f, dest)
        after += 1
    per_file = target_rows(spec.name)
    for part, files in groups.items():
        table = _sorted_table(spec, files)
        rels = [f.relative_to(cur).as_posix() for f in files]
        for seq, start in enumerate(range(0, table.num_rows, per_file)):
            chunk = table.slice(start, per_file)
            name = merged_name(rels, seq)
            dest = out / part / name if part != "." else out / name
            write_table(chunk.replace_schema_metadata({"claimwire.schema": spec.version}), dest)
            after += 1
    return before, after


def compact(output: Path, datasets: list[str] | None = None) -> CompactResult:
    """Merge small files in every partition of ``datasets`` (default: all) and publish atomically.

    The caller holds the run lock (see ``main``); a compaction with nothing to
    merge publishes nothing and returns ``changed == False``.
    """
    store = Store(output)
    for leftover in store.cleanup():
        log.info("removed what an earlier run left: %s", leftover)
    names = sorted(datasets or DATASETS)
    plans = {n: plan(store, DATASETS[n]) for n in names}
    plans = {n: g for n, g in plans.items() if g}
    if not plans:
        return CompactResult(None)
    h = hashlib.blake2b(digest_size=8)
    for n, groups in sorted(plans.items()):
        for part, files in groups.items():
            for f in files:
                h.update(f"{n}/{part}/{f.name}\n".encode())
    run_id = f"compact-{h.hexdigest()}"
    staging = store.staging_dir(run_id)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    merged = {n: _stage_dataset(store, DATASETS[n], g, staging) for n, g in sorted(plans.items())}
    # The staged folder of each changed dataset is its whole next version (the merged
    # files are left out); every dataset swaps with the others in one rename.
    manifest = store.publish(staging, run_id, whole=sorted(plans))
    return CompactResult(run_id, merged, manifest)


def main(output: Path, state: Path | None = None, datasets: list[str] | None = None) -> CompactResult:
    """The ``claimwire compact`` command: lock the state, compact, publish."""
    from pipelines.runner import RunError, run_lock
    unknown = sorted(set(datasets or ()) - set(DATASETS))
    if unknown:
        raise RunError(f"unknown dataset {unknown[0]!r}; known: {', '.join(sorted(DATASETS))}")
    output = output.absolute()
    if not (output / MANIFEST).is_file():
        raise RunError(f"{output} holds no published claimwire output (no {MANIFEST})")
    with run_lock((state or output / ".state").absolute()):
        return compact(output, datasets)
