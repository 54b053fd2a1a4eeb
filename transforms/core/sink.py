"""Claimwire's own Parquet sink: deterministic files, staged, published with renames.

Layout under the output folder::

    articles/batch=3/published_date=2025-10-31/lang=en/part-<run_id>-0000.parquet
    claims/batch=3/...                      (articles, claims, failures: one batch folder per publish)
    failures/batch=3/stage=read/...
    stories/part-0000.parquet               (stories, story_claims, runs: one file, replaced whole)
    story_claims/part-0000.parquet
    runs/part-0000.parquet
    _manifest.json                          (every file of the published state; replaced last)
    .claimwire/staging/<run_id>-<pid>/...   (a run's files before publishing)
    .claimwire/journal.json                 (a publish under way: the renames left to do)
    .claimwire/pinned/000003/<snapshot>/... (hard links: the snapshot files of the last two versions)

Why this layout: a reader with a plain recursive glob lists one folder at a
time, so the only change it can see whole is a change to one directory entry.
A publish therefore changes each dataset by exactly one entry: a batch dataset
gains one ``batch=N`` folder (N: the publish's version number) (renamed in complete; nothing under an
existing batch folder ever changes), and a snapshot dataset's one file is
replaced with ``rename(2)``. Each dataset a glob reads is the state before the
publish or after it, never a mix. Across datasets, the manifest is the
consistent view: it lists exact files (snapshot files by their pinned links),
and ``claimwire query`` reads through it.

Crash safety: the whole next state is staged and fsynced, then a journal
listing the renames is written (the commit point), then the renames run and
the manifest is replaced last. A kill before the journal leaves the previous
state untouched; a kill after it leaves each dataset old or new, and the next
run (or ``compact``) rolls the journal forward before doing anything else.
``claimwire compact`` folds batch folders together: the one operation that
changes more than one entry of a dataset (the merged batch appears, then the
old ones go), so plain-glob readers should not overlap it; manifest readers
are unaffected.
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
JOURNAL = "journal.json"
BATCH_KEY = "batch"
SNAPSHOT_FILE = "part-0000.parquet"
MANIFEST_FORMAT = 2
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
    """The published datasets under ``root`` and the machinery to change them."""

    root: Path

    @property
    def control(self) -> Path:
        return self.root / CONTROL_DIR

    def staging_dir(self, run_id: str) -> Path:
        return self.control / "staging" / f"{run_id}-{os.getpid()}"

    # -- reading -----------------------------------------------------------------

    def manifest(self) -> dict | None:
        """The published state (None before the first publish)."""
        self._check_layout()
        try:
            return json.loads((self.root / MANIFEST).read_text())
        except FileNotFoundError:
            return None

    def files(self, dataset: str) -> list[Path]:
        """Every file of ``dataset`` in the published state, as the manifest lists them."""
        m = self.manifest()
        if m is None:
            return []
        return [self.root / f for f in m["datasets"].get(dataset, {}).get("files", [])]

    def read(self, dataset: str, columns: list[str] | None = None) -> pa.Table | None:
        files = self.files(dataset)
        if not files:
            return None
        import pyarrow.dataset as ds
        base = files[0].parent if DATASETS[dataset].snapshot else self.root / dataset
        return ds.dataset([str(f) for f in files], format="parquet", partitioning="hive",
                          partition_base_dir=str(base)).to_table(columns=columns)

    # -- recovery ----------------------------------------------------------------

    def cleanup(self) -> list[str]:
        """Finish a publish a killed run committed; remove what killed runs left behind.

        The caller holds the run lock, so no other publish is under way.
        """
        done = []
        journal = self.control / JOURNAL
        if journal.is_file():
            self._finish(json.loads(journal.read_text()))
            done.append(f"finished the publish of {journal}")
        staging = self.control / "staging"
        if staging.is_dir():
            for d in sorted(staging.iterdir()):
                pid = d.name.rsplit("-", 1)[-1]
                if not (pid.isdigit() and pid_alive(int(pid)) and int(pid) != os.getpid()):
                    shutil.rmtree(d, ignore_errors=True)
                    done.append(str(d))
        retired = self.control / "retired"
        if retired.is_dir():
            shutil.rmtree(retired, ignore_errors=True)
            done.append(str(retired))
        for tmp in self.control.glob("*.tmp") if self.control.is_dir() else []:
            tmp.unlink()
            done.append(str(tmp))
        return done

    # -- publishing --------------------------------------------------------------

    def publish(self, staging: Path, run_id: str, replace_keys: Mapping[str, set[str]] | None = None) -> dict:
        """Make the staged files part of the published state; returns the new manifest.

        A batch dataset gains the staged files as one new batch folder, less any
        row this same ``run_id`` already published (a rerun adds nothing). A
        snapshot dataset is rewritten as one file: the published rows whose
        ``replace_by`` key is in ``replace_keys[name]`` (and, for ``run_id``
        keys, this run's own old row) are dropped, the staged rows added.
        """
        replace_keys = replace_keys or {}
        old = self.manifest() or {"datasets": {}, "batches": []}
        version = f"{int(old.get('version', '0')) + 1:06d}"
        build = staging / "_publish"
        shutil.rmtree(build, ignore_errors=True)
        build.mkdir(parents=True)
        manifest: dict[str, Any] = {"format": MANIFEST_FORMAT, "version": version, "run_id": run_id,
                                    "datasets": {}, "batches": list(old.get("batches", []))}
        ops: list[list[str]] = []
        added_batch = False
        for name, spec in DATASETS.items():
            staged = staging / name
            new_files = sorted(staged.rglob("*.parquet")) if staged.is_dir() else []
            before = old["datasets"].get(name, {})
            if spec.snapshot:
                files, rows, snap_ops = self._next_snapshot(spec, before, new_files, build, version, run_id,
                                                            set(replace_keys.get(name, ())))
                ops += snap_ops
            else:
                new_files = self._without_republished(spec, old, staged, new_files, run_id)
                files, rows = list(before.get("files", [])), before.get("rows", 0)
                if new_files:
                    batch_dir = f"{name}/{BATCH_KEY}={int(version)}"
                    ops.append(["rename", self._rel(staged), batch_dir])
                    files += [f"{batch_dir}/{p.relative_to(staged).as_posix()}" for p in new_files]
                    rows += sum(pq.ParquetFile(p).metadata.num_rows for p in new_files)
                    added_batch = True
            manifest["datasets"][name] = {"schema": spec.version, "layout": "snapshot" if spec.snapshot else "batches",
                                          "rows": rows, "files": files}
        if added_batch:
            manifest["batches"].append({"batch": int(version), "run_ids": [run_id]})
        self._commit(manifest, ops, build, staging)
        return manifest

    def publish_folded(self, staging: Path, run_id: str, folded: Mapping[str, tuple[Path, list[int]]]) -> dict:
        """Replace all the batch folders of each dataset in ``folded`` with one (compaction).

        ``folded[name] = (staged folder holding the dataset's whole next content,
        the batch ids it replaces)``.
        """
        old = self.manifest()
        if old is None:
            raise SinkError("nothing is published yet")
        version = f"{int(old['version']) + 1:06d}"
        build = staging / "_publish"
        shutil.rmtree(build, ignore_errors=True)
        build.mkdir(parents=True)
        manifest = json.loads(json.dumps(old))
        manifest.update(version=version, run_id=run_id)
        ops: list[list[str]] = []
        run_ids: set[str] = set()
        for name, (folder, batches) in sorted(folded.items()):
            batch_dir = f"{name}/{BATCH_KEY}={int(version)}"
            ops.append(["rename", self._rel(folder), batch_dir])
            ops += [["retire", f"{name}/{BATCH_KEY}={b}", ""] for b in batches]
            files = sorted(folder.rglob("*.parquet"))
            manifest["datasets"][name]["files"] = [f"{batch_dir}/{p.relative_to(folder).as_posix()}" for p in files]
        folded_ids = {b for _, batches in folded.values() for b in batches}
        kept = []
        for entry in manifest["batches"]:
            if entry["batch"] in folded_ids:
                run_ids.update(entry["run_ids"])
            else:
                kept.append(entry)
        manifest["batches"] = [*kept, {"batch": int(version), "run_ids": sorted(run_ids)}]
        for name, spec in DATASETS.items():     # snapshots are pinned again under the new version
            if spec.snapshot:
                files, _, snap_ops = self._next_snapshot(spec, old["datasets"].get(name, {}), [], build, version,
                                                         run_id, set())
                manifest["datasets"][name]["files"] = files
                ops += snap_ops
        self._commit(manifest, ops, build, staging)
        return manifest

    def _next_snapshot(self, spec: DatasetSpec, before: Mapping[str, Any], new_files: list[Path], build: Path,
                       version: str, run_id: str, keys: set[str]) -> tuple[list[str], int, list[list[str]]]:
        """(manifest files, rows, ops) of a snapshot dataset's next version."""
        pinned = f"{CONTROL_DIR}/pinned/{version}/{spec.name}/{SNAPSHOT_FILE}"
        prev = [self.root / f for f in before.get("files", [])]
        if not new_files:
            if not prev:
                return [], 0, []
            return [pinned], before.get("rows", 0), [["link", self._rel(prev[0]), pinned]]
        if spec.replace_by == "run_id":
            keys.add(run_id)
        parts = []
        for f in prev:
            table = pq.ParquetFile(f).read().replace_schema_metadata(None)
            kept = _without_keys(table, spec.replace_by, keys) if spec.replace_by and keys else None
            parts.append(table if kept is None else kept)
        parts += [pq.ParquetFile(f).read().replace_schema_metadata(None) for f in new_files]
        table = sort_table(spec, pa.concat_tables([t.cast(spec.schema) for t in parts]))
        built = build / spec.name / SNAPSHOT_FILE
        write_table(table.replace_schema_metadata({"claimwire.schema": spec.version}), built)
        return [pinned], table.num_rows, [["link", self._rel(built), pinned],
                                          ["replace", self._rel(built), f"{spec.name}/{SNAPSHOT_FILE}"]]

    def _without_republished(self, spec: DatasetSpec, old: Mapping[str, Any], staged: Path, new_files: list[Path],
                             run_id: str) -> list[Path]:
        """Drop staged rows that this run id already published (a rerun); returns the files left."""
        batches = {str(b["batch"]) for b in old.get("batches", []) if run_id in b["run_ids"]}
        if not batches or "run_id" not in spec.schema.names:
            return new_files
        seen: set[tuple[str, str]] = set()
        for f in old["datasets"].get(spec.name, {}).get("files", []):
            parts = f.split("/")
            if parts[1].split("=", 1)[1] not in batches:
                continue
            table = pq.ParquetFile(self.root / f).read()
            partition = "/".join(parts[2:-1])
            seen.update((partition, _fingerprint(r)) for r in table.to_pylist() if r.get("run_id") == run_id)
        left = []
        for p in new_files:
            partition = p.parent.relative_to(staged).as_posix() if p.parent != staged else ""
            table = pq.ParquetFile(p).read()
            rows = table.to_pylist()
            keep = [i for i, r in enumerate(rows) if (partition, _fingerprint(r)) not in seen]
            if not keep:
                p.unlink()
                continue
            if len(keep) < len(rows):
                write_table(table.take(pa.array(keep, type=pa.int64())), p)
            left.append(p)
        for d in sorted((d for d in staged.rglob("*") if d.is_dir()), key=lambda d: -len(d.parts)):
            if not any(d.iterdir()):
                d.rmdir()          # a partition whose rows were all published already
        return left

    def _commit(self, manifest: dict, ops: list[list[str]], build: Path, staging: Path) -> None:
        """Stage the manifest, write the journal (the commit point), then apply it."""
        staged_manifest = build / MANIFEST
        staged_manifest.write_text(json.dumps(manifest, indent=2, sort_keys=True))
        order = {"rename": 0, "retire": 2, "link": 1, "replace": 1}
        ops = sorted(ops, key=lambda op: order[op[0]])      # stable: datasets keep their order
        ops.append(["replace", self._rel(staged_manifest), MANIFEST])
        _fsync_tree(staging)
        journal = {"version": manifest["version"], "staging": self._rel(staging), "ops": ops}
        self.control.mkdir(parents=True, exist_ok=True)
        tmp = self.control / (JOURNAL + ".tmp")
        tmp.write_text(json.dumps(journal, indent=2))
        _fsync_file(tmp)
        os.replace(tmp, self.control / JOURNAL)
        _fsync_dir(self.control)
        self._finish(journal)

    def _finish(self, journal: Mapping[str, Any]) -> None:
        """Apply a journal's operations; each is skipped if already done, so a rerun after a kill is safe."""
        touched: set[Path] = set()
        for kind, src, dst in journal["ops"]:
            s, d = self.root / src, self.root / dst
            if kind == "retire":
                if s.exists():
                    retired = self.control / "retired" / f"{journal['version']}-{src.replace('/', '-')}"
                    retired.parent.mkdir(parents=True, exist_ok=True)
                    os.rename(s, retired)
                    touched.add(s.parent)
                continue
            if not s.exists() or (kind == "link" and d.exists()):
                continue
            d.parent.mkdir(parents=True, exist_ok=True)
            if kind == "link":
                os.link(s, d)
            elif kind == "rename":
                os.rename(s, d)
            else:
                os.replace(s, d)
            touched.add(d.parent)
        for folder in sorted(touched):
            _fsync_dir(folder)
        (self.control / JOURNAL).unlink(missing_ok=True)
        shutil.rmtree(self.root / journal["staging"], ignore_errors=True)
        shutil.rmtree(self.control / "retired", ignore_errors=True)
        self._collect_garbage(journal["version"])

    def _collect_garbage(self, version: str, keep: int = 2) -> None:
        """Pinned snapshot links: keep this version's and the previous one's (readers still on it)."""
        pinned = self.control / "pinned"
        if not pinned.is_dir():
            return
        for v in sorted(pinned.iterdir()):
            if not v.name.isdigit() or int(v.name) <= int(version) - keep:
                shutil.rmtree(v, ignore_errors=True)

    def _rel(self, path: Path) -> str:
        return Path(path).relative_to(self.root).as_posix()

    def _check_layout(self) -> None:
        if (self.control / "current").is_symlink() or (self.root / "articles").is_symlink():
            raise SinkError(f"{self.root} holds output of an older claimwire layout (dataset links into "
                            f"{CONTROL_DIR}/current); move it away or delete it and replay")


def sort_table(spec: DatasetSpec, table: pa.Table) -> pa.Table:
    """Rows in ``sort_by`` order, nulls last, ties broken by every other sortable column (a stable sort)."""
    rest = [c for c in spec.schema.names if c not in spec.sort_by and _sortable(spec.schema.field(c).type)]
    return table.sort_by([(c, "ascending", "at_end") for c in (*spec.sort_by, *rest)])


def _sortable(t: pa.DataType) -> bool:
    return not (pa.types.is_list(t) or pa.types.is_struct(t) or pa.types.is_map(t))


def _fingerprint(row: Mapping[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, default=str, ensure_ascii=False)


def _without_keys(table: pa.Table, column: str, keys: set[str]) -> pa.Table | None:
    """``table`` without rows whose ``column`` is in ``keys``; None when nothing is removed."""
    import pyarrow.compute as pc
    mask = pc.is_in(table[column], value_set=pa.array(sorted(keys), type=pa.string()))
    if not pc.any(mask).as_py():
        return None
    return table.filter(pc.invert(mask))


def pid_alive(pid: int) -> bool:
    """Whether a process of this host has ``pid`` (one we may not signal counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_tree(folder: Path) -> None:
    """Flush a staged tree (files and folders) before it is committed: power loss, not kill -9."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            _fsync_file(path)
        elif path.is_dir():
            _fsync_dir(path)
    _fsync_dir(folder)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    _fsync_file(path)
