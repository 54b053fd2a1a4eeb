"""Claimwire's own Parquet sink: deterministic files, staged, published atomically.

Layout under the output folder::

    articles -> .claimwire/versions/articles/000007      (a symlink per dataset)
    claims   -> .claimwire/versions/claims/000007
    ...
    _manifest.json                                       (current versions, files, row counts)
    .claimwire/staging/<run_id>/<dataset>/<k=v>/...      (a run's files before publishing)
    .claimwire/versions/<dataset>/<NNNNNN>/<k=v>/part-<run_id>-<NNNN>.parquet

Why symlinks: a reader globbing ``articles/**/*.parquet`` resolves the link once
and sees one complete version. Publishing builds the next version folder from
hard links to the current files plus the run's new files, then swaps the link
with ``rename(2)``, which is atomic. A run killed at any point leaves the link
pointing at the last complete version; its staging and half-built version
folders are removed by the next run.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from transforms.core.schemas import DATASETS, DatasetSpec, partition_path, sort_key

CONTROL_DIR = ".claimwire"
MANIFEST = "_manifest.json"
ROWS_PER_FILE = 200_000
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
    for seq, start in enumerate(range(0, max(len(ordered), 1), ROWS_PER_FILE)):
        chunk = ordered[start:start + ROWS_PER_FILE]
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

    def staging_dir(self, run_id: str) -> Path:
        return self.control / "staging" / f"{run_id}-{os.getpid()}"

    def current_version(self, dataset: str) -> Path | None:
        link = self.root / dataset
        if not link.is_symlink():
            return None
        target = (link.parent / os.readlink(link)).resolve()
        return target if target.is_dir() else None

    def files(self, dataset: str) -> list[Path]:
        cur = self.current_version(dataset)
        return sorted(cur.rglob("*.parquet")) if cur else []

    def read(self, dataset: str, columns: list[str] | None = None) -> pa.Table | None:
        files = self.files(dataset)
        if not files:
            return None
        import pyarrow.dataset as ds
        return ds.dataset([str(f) for f in files], format="parquet", partitioning="hive",
                          partition_base_dir=str(self.current_version(dataset))).to_table(columns=columns)

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
        versions = self.control / "versions"
        if versions.is_dir():
            for ds_dir in sorted(versions.iterdir()):
                cur = self.current_version(ds_dir.name)
                keep = {cur.name} if cur else set()
                for v in sorted(ds_dir.iterdir()):
                    if v.name not in keep and (v.name.endswith(".building") or v.name.startswith(".")):
                        shutil.rmtree(v, ignore_errors=True)
                        removed.append(str(v))
        return removed

    def publish(self, staging: Path, run_id: str, replace_keys: Mapping[str, set[str]] | None = None) -> dict:
        """Make the staged files of a run the current state of every dataset, atomically per dataset."""
        replace_keys = replace_keys or {}
        manifest: dict[str, Any] = {"run_id": run_id, "datasets": {}}
        for name, spec in DATASETS.items():
            new_files = sorted(p for p in (staging / name).rglob("*.parquet")) if (staging / name).is_dir() else []
            cur = self.current_version(name)
            if not new_files and cur is not None:
                manifest["datasets"][name] = self._describe(name, cur)
                continue
            manifest["datasets"][name] = self._publish_dataset(spec, cur, staging / name, new_files,
                                                               run_id, replace_keys.get(name))
        tmp = self.root / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True))
        os.replace(tmp, self.root / MANIFEST)
        shutil.rmtree(staging, ignore_errors=True)
        self._collect_garbage()
        return manifest

    def _publish_dataset(self, spec: DatasetSpec, cur: Path | None, staged: Path, new_files: list[Path],
                         run_id: str, replaced: set[str] | None) -> dict:
        versions = self.control / "versions" / spec.name
        versions.mkdir(parents=True, exist_ok=True)
        seq = 1 + max((int(v.name) for v in versions.iterdir() if v.name.isdigit()), default=0)
        final = versions / f"{seq:06d}"
        building = versions / f"{seq:06d}.building"
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir()
        new_rel = {p.relative_to(staged).as_posix() for p in new_files}
        if cur is not None:
            for old in sorted(cur.rglob("*.parquet")):
                rel = old.relative_to(cur).as_posix()
                if rel in new_rel:
                    continue   # the same run writing the same file again: the new copy wins
                dest = building / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                if spec.replace_by and replaced:
                    kept = _without_keys(pq.read_table(old), spec.replace_by, replaced)
                    if kept is None:
                        os.link(old, dest)
                    elif kept.num_rows:
                        write_table(kept.replace_schema_metadata({"claimwire.schema": spec.version}), dest)
                else:
                    os.link(old, dest)
        for p in new_files:
            dest = building / p.relative_to(staged)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(p, dest)
        _fsync_tree(building)
        os.rename(building, final)
        link = self.root / spec.name
        if link.exists() and not link.is_symlink():
            raise SinkError(f"{link} exists and is not a claimwire dataset link; move it away")
        tmp_link = self.root / f".{spec.name}.link.tmp"
        if tmp_link.is_symlink() or tmp_link.exists():
            tmp_link.unlink()
        os.symlink(os.path.relpath(final, self.root), tmp_link)
        os.replace(tmp_link, link)
        return self._describe(spec.name, final)

    def _describe(self, name: str, version: Path) -> dict:
        files = sorted(version.rglob("*.parquet"))
        return {
            "version": version.name,
            "schema": DATASETS[name].version,
            "files": [f.relative_to(version).as_posix() for f in files],
            "rows": sum(pq.ParquetFile(f).metadata.num_rows for f in files),
        }

    def _collect_garbage(self, keep: int = 2) -> None:
        """Keep the current and the previous version of each dataset (for readers still on it)."""
        versions = self.control / "versions"
        for ds_dir in sorted(versions.iterdir()) if versions.is_dir() else []:
            numbered = sorted((v for v in ds_dir.iterdir() if v.name.isdigit()), key=lambda v: int(v.name))
            cur = self.current_version(ds_dir.name)
            for v in numbered[:-keep]:
                if cur is None or v.resolve() != cur:
                    shutil.rmtree(v, ignore_errors=True)


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


def temp_dir_near(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="tmp-", dir=root))
