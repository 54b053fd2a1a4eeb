"""The built wheel, installed in a fresh venv, runs from any folder: nothing is read from the source tree.

The venv with the dependencies is cached outside the repository, keyed by a hash of
pyproject.toml (``CLAIMWIRE_TEST_CACHE``, default ~/.cache/claimwire-test); the
claimwire wheel itself is rebuilt and reinstalled (without dependencies) whenever
the package's files change, so only the first run pays for resolving Beam.
"""
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("CLAIMWIRE_TEST_CACHE", Path.home() / ".cache" / "claimwire-test"))
PACKAGE_DIRS = ("pipelines", "transforms", "configs")


def _digest(paths) -> str:
    h = hashlib.blake2b(digest_size=8)
    for p in paths:
        h.update(p.relative_to(ROOT).as_posix().encode() + b"\x00" + p.read_bytes())
    return h.hexdigest()


def _package_files() -> list[Path]:
    files = [ROOT / "pyproject.toml", ROOT / "README.md"]
    for d in PACKAGE_DIRS:
        files += [p for p in (ROOT / d).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return sorted(files)


def _run(cmd: list, **kw) -> subprocess.CompletedProcess:
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=False, **kw)
    assert r.returncode == 0, f"{cmd}\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}"
    return r


@pytest.fixture(scope="session")
def wheel_venv() -> Path:
    """A venv holding the dependencies and the current wheel; no path back to this checkout."""
    CACHE.mkdir(parents=True, exist_ok=True)
    venv = CACHE / f"venv-{_digest([ROOT / 'pyproject.toml'])}"
    py = venv / "bin" / "python"
    with open(CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)       # another checkout's suite may be building it too
        if not (venv / ".deps-installed").exists():
            shutil.rmtree(venv, ignore_errors=True)
            _run([sys.executable, "-m", "venv", venv])
            _run([py, "-m", "pip", "install", "-q", "--upgrade", "pip"], timeout=600)
        wheel_key = _digest(_package_files())
        if (venv / ".wheel").exists() and (venv / ".wheel").read_text() == wheel_key:
            return venv
        # Built from a copy: setuptools leaves build/ in the tree it builds, and a stale
        # build/lib could put deleted modules back into the wheel.
        src, dist = CACHE / "src", CACHE / "dist"
        for d in (src, dist):
            shutil.rmtree(d, ignore_errors=True)
        for f in _package_files():
            (src / f.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, src / f.relative_to(ROOT))
        _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, src], timeout=600, cwd=CACHE)
        (whl,) = dist.glob("claimwire-*.whl")
        if not (venv / ".deps-installed").exists():
            _run([py, "-m", "pip", "install", "-q", whl], timeout=900)     # resolves every dependency
            (venv / ".deps-installed").touch()
        else:
            _run([py, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", whl], timeout=600)
        (venv / ".wheel").write_text(wheel_key)
    return venv


def test_every_package_folder_is_listed_in_pyproject():
    with open(ROOT / "pyproject.toml", "rb") as fh:
        listed = set(tomllib.load(fh)["tool"]["setuptools"]["packages"])
    found = {p.parent.relative_to(ROOT).as_posix().replace("/", ".")
             for d in ("pipelines", "transforms") for p in (ROOT / d).rglob("__init__.py")}
    assert found and found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


@pytest.mark.slow(weight=3)
def test_the_installed_wheel_replays_the_seeds_from_another_folder(wheel_venv, tmp_path, seeds_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    bin_ = wheel_venv / "bin"
    where = _run([bin_ / "python", "-c", "from transforms.core.resources import configs_dir; "
                  "import transforms; print(configs_dir()); print(transforms.__file__)"], cwd=tmp_path, env=env)
    for line in where.stdout.split():
        assert Path(line).is_relative_to(wheel_venv), line        # the package, not this checkout
        assert not Path(line).is_relative_to(ROOT), line
    r = subprocess.run([bin_ / "claimwire", "replay", seeds_dir, "--output", "out", "--quiet"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    q = _run([bin_ / "claimwire", "query", "--output", "out", "--format", "csv",
              "SELECT count(*) AS n FROM articles"], cwd=tmp_path, env=env, timeout=120)
    assert q.stdout.split() == ["n", "5"]
