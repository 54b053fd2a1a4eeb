"""``claimwire compact``: Delta ``optimize.compact`` and ``vacuum``, under the run lock.

What Delta does not do for us, and this module does:

- It holds the same run lock as a run (local flock or the remote lease), so no
  run is in progress while files are deleted: vacuum can never take the files
  of a run that has not committed yet.
- It first recovers what a killed run left (``OutputTables.recover``): tables a
  killed attempt committed without its ``runs`` row are rolled back, and the
  files of attempts that never committed are deleted at once, whatever their
  age (no Delta version ever listed them, so readers never saw them).
- The compacted versions are recorded as a ``runs`` row (command ``compact``),
  so ``claimwire query`` and other pinned readers move to the compacted files.
- ``vacuum`` keeps the files of the versions that pinned readers may still be
  reading (the previous ``runs`` row's), and whatever younger than
  ``--retention-hours`` older versions need for time travel.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone

from transforms.core.schemas import DATASETS
from transforms.core.sink import SinkError

log = logging.getLogger("claimwire")


@dataclass
class CompactResult:
    """``merged`` maps table -> (active files before, after); ``removed``: files deleted."""

    merged: dict[str, tuple[int, int]] = field(default_factory=dict)
    removed: int = 0
    runs_row: dict | None = None

    @property
    def changed(self) -> bool:
        return bool(self.merged)


def compact(output: str, datasets: list[str] | None = None, retention_hours: float = 168.0,
            target_size: int | None = None) -> CompactResult:
    """Compact and vacuum ``datasets`` (default: all); the caller holds the run lock.

    With ``target_size`` (bytes), files larger than it are left as they are and the others are
    merged into files of up to that size (Delta's bin-packing), so a compaction rewrites at most
    about ``target_size`` per partition beyond the small files it merges, however large the
    partition has grown. Without it, every partition's files are merged into one (Delta's default
    target, 100 MiB).
    """
    from deltalake.transaction import CommitProperties, Transaction

    from pipelines.delta import DATA_TABLES, OutputTables, store_errors
    from transforms.core.sink import APP_ID
    tables = OutputTables(output)
    result = CompactResult()
    for done in tables.recover():
        log.info("recovered what an earlier run left: %s", done)
        result.removed += 1
    _, previous = tables.pinned_versions()
    names = [n for n in DATA_TABLES if not datasets or n in datasets]
    attempt = tables.begin("compact", "compact")
    props = CommitProperties(custom_metadata={"claimwire.attempt": attempt.attempt_id, "claimwire.run_id": "compact"},
                             app_transactions=[Transaction(APP_ID, attempt.serial)])
    for name in names:
        dt = tables.open(name)
        before = len(dt.file_uris())
        with store_errors(tables.url, f"could not compact the {name} table under"):
            metrics = dt.optimize.compact(commit_properties=props, target_size=target_size)
        if metrics.get("numFilesRemoved", 0):
            result.merged[name] = (before, len(tables.open(name).file_uris()))
    now = datetime.now(timezone.utc)
    row = {"command": "compact", "started_at": now, "finished_at": now, "status": "completed",
           "config_hash": "", "versions": _versions(), "inputs": 0, "articles": 0, "claims": 0,
           "stories": 0, "failures": 0, "stage_counts": [], "source_quality": []}
    result.runs_row = tables.commit(attempt, row) if result.merged else None
    if not result.merged:
        _drop_attempt(tables, attempt)
    if not datasets or "runs" in datasets:
        # One small file per run: readers load every row of runs to find the pins.
        runs = tables.open("runs")
        previous["runs"] = runs.version()
        before = len(runs.file_uris())
        with store_errors(tables.url, "could not compact the runs table under"):
            metrics = runs.optimize.compact()
        if metrics.get("numFilesRemoved", 0):
            result.merged["runs"] = (before, len(tables.open("runs").file_uris()))
        names.append("runs")
    for name in names:
        dt = tables.open(name)
        # Pinned readers started before this compaction still read the previous runs row's files.
        keep = sorted({previous[name], dt.version()})
        with store_errors(tables.url, f"could not vacuum the {name} table under"):
            removed = dt.vacuum(retention_hours=int(retention_hours), dry_run=False, enforce_retention_duration=False,
                                full=True, keep_versions=keep)
        result.removed += len(removed)
    return result


def _drop_attempt(tables, attempt) -> None:
    from pipelines.delta import delete, join, match
    from transforms.core.sink import attempt_folder
    folder = attempt_folder(tables.url, attempt.attempt_id)
    delete(match(join(folder, "**")))
    if "://" not in folder:
        import shutil
        shutil.rmtree(folder, ignore_errors=True)


def _versions() -> str:
    from pipelines.runner import versions
    return versions()


def main(output: str | os.PathLike[str], state: str | None = None, datasets: list[str] | None = None,
         retention_hours: float = 168.0) -> CompactResult:
    """The ``claimwire compact`` command: lock the state (local or on object storage), then compact."""
    from pipelines.delta import OutputTables, check_filesystem, normalise_output
    from pipelines.runner import RunError
    from pipelines.state_store import open_state
    unknown = sorted(set(datasets or ()) - set(DATASETS))
    if unknown:
        raise RunError(f"unknown dataset {unknown[0]!r}; known: {', '.join(sorted(DATASETS))}")
    if retention_hours < 0:
        raise RunError(f"--retention-hours must be 0 or more, not {retention_hours}")
    url = normalise_output(output)
    check_filesystem(url)
    tables = OutputTables(url)
    tables.check_layout()
    if not tables.has_output():
        raise SinkError(f"--output {url} holds no claimwire tables (no runs table)")
    with open_state(str(state) if state else None, url):
        return compact(url, datasets, retention_hours)
