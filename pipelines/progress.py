"""A live progress line on a terminal, driven by the stages' counters; silent otherwise."""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from transforms.common import PROGRESS_ENV


def _read(folder: Path) -> dict[str, int]:
    total: dict[str, int] = {}
    for f in folder.glob("*.json"):
        try:
            counts = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        for k, v in counts.items():
            total[k] = total.get(k, 0) + int(v)
    return total


def describe(c: dict[str, int]) -> str:
    failed = sum(v for k, v in c.items() if k.endswith(".failed"))
    return (f"read {c.get('read.out', 0)} · extracted {c.get('extract.out', 0)} · "
            f"claims {c.get('claims.claims', 0)} · failed {failed}")


@contextmanager
def progress_line(enabled: bool | None = None, total: int | None = None) -> Iterator[None]:
    """Show documents extracted per second while the block runs (only on a terminal)."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield
        return
    from tqdm import tqdm
    folder = Path(tempfile.mkdtemp(prefix="claimwire-progress-"))
    old = os.environ.get(PROGRESS_ENV)
    os.environ[PROGRESS_ENV] = str(folder)
    stop = threading.Event()
    bar = tqdm(total=total, unit="doc", file=sys.stderr, dynamic_ncols=True, leave=False)

    def poll() -> None:
        while not stop.wait(0.5):
            c = _read(folder)
            done = c.get("extract.in", 0)
            bar.update(max(0, done - bar.n))
            bar.set_postfix_str(describe(c), refresh=True)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(2)
        bar.close()
        if old is None:
            os.environ.pop(PROGRESS_ENV, None)
        else:
            os.environ[PROGRESS_ENV] = old
        shutil.rmtree(folder, ignore_errors=True)
