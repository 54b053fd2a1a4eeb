"""Claimwire's own Parquet sink: deterministic files, staged, published atomically.

Layout under the output folder::

    articles -> .claimwire/current/articles      (static links, made once)
    claims   -> .claimwire/current/claims
    ...
    _manifest.json -> .claimwire/current/_manifest.json
    .claimwire/current -> versions/000007        (the one link a publish swaps)
    .claimwire/versions/000007/<dataset>/<k=v>/part-<run_id>-<NNNN>.parquet
    .claimwire/staging/<run_id>-<pid>/...        (a run's files before publishing)

Why one swapped link: every dataset and the manifest change together with a
single ``rename(2)``, which is atomic, so a run killed at any moment leaves
the previous version whole and consistent across datasets. The next version
is built from hard links to the current files plus the run's new files, so
publishing costs a link per file, not a copy. Readers that resolve the
dataset path once (``os.path.realpath``, as ``claimwire query`` does) see
exactly one version even while a publish swaps the link; see the README for
plain recursive globs. A killed run's staging and half-built version are
removed by the next run.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from transforms.core.schemas import DATASETS, DatasetSpec, partition_path, sort_key

CONTROL_DIR = ".claimwire"
MANIFEST = "_manifest.json"
ROW_GROUP_SIZE = 50_000


class SinkError(RuntimeError):
    """The run's output could not be published; the previous state is intact."""


def file_name(run_id: str, seq: int) -> str:
    return f"part-{run_id}-{seq:04d}.parquet"


def table_for(spec: DatasetSpec, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    cols = spec.schema.names
    ordered = sorted(rows, key=sort_key(spec))
    table = pa.Table.from_pylist([{c: r.get(c) for c in cols} for r in ordered], schema=spec.schema)
    return table.replace_schema_metadata({"claimwire.schema": spec.version})


def write_table(table: pa.Table, path: Path) -> None:
    """Write one Parquet file: zstd, statistics, row groups sized for scans; no wall-clock in it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd", compression_level=6, row_group_size=ROW_GROUP_SIZE,
                   use_dictionary=True, write_statistics=True)
    os.replace(tmp, path)


def write_partition(spec: DatasetSpec, partition: str, rows: Sequence[Mapping[str, Any]],
                    staging: Path, run_id: str) -> list[str]:
    """Write the rows of one partition into the staging folder; returns the relative paths."""
    out = []
    ordered = sorted(rows, key=sort_key(spec))
    for seq, start in enumerate(range(0, max(len(ordered), 1), spec.rows_per_file)):
        chunk = ordered[start:start + spec.rows_per_file]
        if not chunk:
            break
        rel = f"{partition}/{file_name(run_id, seq)}" if partition else file_name(run_id, seq)
        write_table(table_for(spec, chunk), staging / spec.name / rel)
        out.append(rel)
    return out


def group_rows(spec: DatasetSpec, rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    parts: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        parts.setdefault(partition_path(spec, r), []).append(r)
    return parts


@dataclass
class Store:
    """The published datasets under ``root`` and the machinery to replace them."""

    root: Path

    @property
    def control(self) -> Path:
        return self.root / CONTROL_DIR

    @property
    def versions(self) -> Path:
        return self.control / "versions"

    def staging_dir(self, run_id: str) -> Path:
        return self.control / "staging" / f"{run_id}-{os.getpid()}"

    def current(self) -> Path | None:
        """The folder of the current version, resolved once (None before the first publish)."""
        link = self.control / "current"
        if not link.is_symlink():
            return None
        target = Path(os.path.realpath(link))
        return target if target.is_dir() else None

    def current_version(self, dataset: str) -> Path | None:
        cur = self.current()
        if cur is None or not (cur / dataset).is_dir():
            return None
        return cur / dataset

    def files(self, dataset: str) -> list[Path]:
        cur = self.current_version(dataset)
        return sorted(cur.rglob("*.parquet")) if cur else []

    def read(self, dataset: str, columns: list[str] | None = None) -> pa.Table | None:
        cur = self.current_version(dataset)
        files = sorted(cur.rglob("*.parquet")) if cur else []
        if not files:
            return None
        import pyarrow.dataset as ds
        return ds.dataset([str(f) for f in files], format="parquet", partitioning="hive",
                          partition_base_dir=str(cur)).to_table(columns=columns)

    def cleanup(self) -> list[str]:
        """Remove what killed runs left behind: staging folders of dead processes, unpublished versions."""
        removed = []
        staging = self.control / "staging"
        if staging.is_dir():
            for d in sorted(staging.iterdir()):
                pid = d.name.rsplit("-", 1)[-1]
                if not (pid.isdigit() and _alive(int(pid)) and int(pid) != os.getpid()):
                    shutil.rmtree(d, ignore_errors=True)
                    removed.append(str(d))
        if self.versions.is_dir():
            for v in sorted(self.versions.iterdir()):
                if not v.name.isdigit():
                    shutil.rmtree(v, ignore_errors=True)
                    removed.append(str(v))
        tmp = self.control / "current.tmp"
        if tmp.is_symlink():
            tmp.unlink()
        return removed

    def publish(self, staging: Path, run_id: str, replace_keys: Mapping[str, set[str]] | None = None,
                whole: Iterable[str] = ()) -> dict:
        """Make the staged files the current state of every dataset, in one atomic swap.

        For most datasets the staged files are added to the current ones (a file
        of the same name is replaced by its new copy); for a dataset with
        ``replace_by``, published rows whose key is in ``replace_keys[name]`` are
        dropped first. A dataset named in ``whole`` is staged as its complete
        next version (compaction).
        """
        replace_keys = replace_keys or {}
        whole = set(whole)
        cur = self.current()
        self.versions.mkdir(parents=True, exist_ok=True)
        seq = 1 + max((int(v.name) for v in self.versions.iterdir() if v.name.isdigit()), default=0)
        building = self.versions / f"{seq:06d}.building"
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir()
        manifest: dict[str, Any] = {"run_id": run_id, "version": f"{seq:06d}", "datasets": {}}
        for name, spec in DATASETS.items():
            staged = staging / name
            new_files = sorted(staged.rglob("*.parquet")) if staged.is_dir() else []
            old = None if name in whole else (cur / name if cur is not None and (cur / name).is_dir() else None)
            keys = set(replace_keys.get(name, ()))
            if spec.replace_by == "run_id" and new_files:
                keys.add(run_id)   # a rerun's own failures and runs rows replace the old ones
            self._build_dataset(spec, old, staged, new_files, building / name, keys or None)
            manifest["datasets"][name] = _describe(name, building / name)
        (building / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        _fsync_tree(building)
        final = self.versions / f"{seq:06d}"
        os.rename(building, final)
        self._ensure_links()
        tmp = self.control / "current.tmp"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(os.path.join("versions", final.name), tmp)
        os.replace(tmp, self.control / "current")
        shutil.rmtree(staging, ignore_errors=True)
        self._collect_garbage()
        return manifest

    def _build_dataset(self, spec: DatasetSpec, old: Path | None, staged: Path, new_files: list[Path],
                       dest_root: Path, replaced: set[str] | None) -> None:
        dest_root.mkdir(parents=True, exist_ok=True)
        new_rel = {p.relative_to(staged).as_posix() for p in new_files}
        if old is not None:
            for f in sorted(old.rglob("*.parquet")):
                rel = f.relative_to(old).as_posix()
                if rel in new_rel:
                    continue   # the same run writing the same file again: the new copy wins
                dest = dest_root / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                kept = _without_keys(pq.read_table(f), spec.replace_by, replaced) \
                    if spec.replace_by and replaced else None
                if kept is None:
                    os.link(f, dest)
                elif kept.num_rows:
                    write_table(kept.replace_schema_metadata({"claimwire.schema": spec.version}), dest)
        for p in new_files:
            dest = dest_root / p.relative_to(staged)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(p, dest)

    def _ensure_links(self) -> None:
        """The static links readers use: ``<dataset> -> .claimwire/current/<dataset>``, and the manifest."""
        for name in [*DATASETS, MANIFEST]:
            link = self.root / name
            target = os.path.join(CONTROL_DIR, "current", name)
            if link.is_symlink() and os.readlink(link) == target:
                continue
            if link.exists() and not link.is_symlink():
                raise SinkError(f"{link} exists and is not a claimwire link; move it away")
            tmp = self.root / f".{name}.link.tmp"
            if tmp.is_symlink() or tmp.exists():
                tmp.unlink()
            os.symlink(target, tmp)
            os.replace(tmp, link)

    def _collect_garbage(self, keep: int = 2) -> None:
        """Keep the current and the previous version (for readers still on it)."""
        cur = self.current()
        numbered = sorted((v for v in self.versions.iterdir() if v.name.isdigit()), key=lambda v: int(v.name))
        for v in numbered[:-keep]:
            if cur is None or v.resolve() != cur:
                shutil.rmtree(v, ignore_errors=True)


def _describe(name: str, folder: Path) -> dict:
    files = sorted(folder.rglob("*.parquet"))
    return {
        "schema": DATASETS[name].version,
        "files": [f.relative_to(folder).as_posix() for f in files],
        "rows": sum(pq.ParquetFile(f).metadata.num_rows for f in files),
    }


def _without_keys(table: pa.Table, column: str, keys: set[str]) -> pa.Table | None:
    """``table`` without rows whose ``column`` is in ``keys``; None when nothing is removed."""
    import pyarrow.compute as pc
    mask = pc.is_in(table[column], value_set=pa.array(sorted(keys), type=pa.string()))
    if not pc.any(mask).as_py():
        return None
    return table.filter(pc.invert(mask))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
