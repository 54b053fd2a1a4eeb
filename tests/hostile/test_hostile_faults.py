"""Issue 9: a full disk or an unwritable output fails the run with one line (exit 2) and
leaves the previous published state intact; the next healthy run publishes normally."""
from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.cli import main
from pipelines.delta import OutputTables, read_dataset

pytestmark = pytest.mark.slow    # a long file: make test starts it first

REPO = Path(__file__).resolve().parents[2]


def _state(out: Path) -> dict[str, str]:
    """Every table's latest Delta version and rows, hashed."""
    from deltalake import DeltaTable
    got = {}
    for name in ("articles", "claims", "stories", "story_claims", "failures", "runs"):
        rows = sorted(repr(sorted(r.items())) for r in read_dataset(out, name, pinned=False).to_pylist())
        got[name] = f"v{DeltaTable(str(out / name)).version()} " + hashlib.sha1("\n".join(rows).encode()).hexdigest()
    return got


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, seeds_dir):
    """An output with one published run (one seed); each test gets a copy (a run costs ~10 s)."""
    root = tmp_path_factory.mktemp("faults")
    inputs = root / "in"
    inputs.mkdir()
    seeds = sorted(seeds_dir.iterdir())
    shutil.copy(seeds[0], inputs)
    out = root / "out"
    assert main(["replay", str(inputs), "--output", str(out), "--quiet"]) == 0
    shutil.copy(seeds[3], inputs)
    return inputs, out


@pytest.fixture()
def published(baseline, tmp_path):
    """A copy of the baseline output, its published state, and inputs with one new file."""
    inputs, base_out = baseline
    out = tmp_path / "out"
    shutil.copytree(base_out, out, symlinks=True)     # the dataset links are relative
    before = _state(out)
    assert OutputTables(out).runs()
    return inputs, out, before


def _one_line(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if line.startswith("claimwire: ")]
    assert len(lines) == 1, err[-2000:]
    return lines[0]


def test_disk_full_while_workers_write(published, monkeypatch, capsys):
    inputs, out, before = published

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as m:
        m.setattr(pq, "write_table", full)
        code = main(["replay", str(inputs), "--output", str(out), "--quiet"])
    assert code == 2
    line = _one_line(capsys.readouterr().err)
    assert "No space left on device" in line and "committed state is unchanged" in line
    assert _state(out) == before
    assert not list((out / "_claimwire" / "attempts").glob("*"))     # nothing half-written kept
    assert read_dataset(out, "articles").num_rows == 1


def _read_only_under(root: Path, real):
    def refuse(path, *args, **kwargs):
        if str(path).startswith(str(root)):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real(path, *args, **kwargs)
    return refuse


def test_read_only_output_folder(published, monkeypatch, capsys):
    """Root is not stopped by permissions, so the file system's refusal is simulated."""
    inputs, out, before = published
    with monkeypatch.context() as m:
        m.setattr(os, "mkdir", _read_only_under(out, os.mkdir))
        code = main(["replay", str(inputs), "--output", str(out), "--quiet"])
    assert code == 2
    line = _one_line(capsys.readouterr().err)
    assert "Read-only file system" in line
    assert _state(out) == before


def test_file_size_limit_in_a_subprocess(published):
    """The kernel refuses the write (``ulimit -f``: EFBIG), as a full disk would."""
    inputs, out, before = published
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = f"ulimit -f 4; exec {sys.executable} -m pipelines replay {inputs} --output {out} --quiet"
    proc = subprocess.run(["bash", "-c", cmd], cwd=REPO, env=env, capture_output=True, text=True,
                          check=False, timeout=240)
    assert proc.returncode == 2, proc.stderr[-3000:]
    line = _one_line(proc.stderr)
    assert "File too large" in line
    assert _state(out) == before
