"""Every README query and Python snippet about reading the output runs on a `make run` replay of seeds/."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.cli import main as cli
from pipelines.query import run_query

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(title)
    nxt = re.search(r"^#{2,3} ", README[start + len(title):], flags=re.M)
    return README[start:start + len(title) + (nxt.start() if nxt else len(README))]


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", text, flags=re.M | re.S)


SQL = [q.strip() for block in _blocks(_section("### Querying"), "sql") for q in block.split(";") if
       re.sub(r"--[^\n]*", "", q).strip()]
PYTHON = _blocks(_section("### Reading the tables"), "python")
SHELL = [ln.strip() for block in _blocks(_section("### Querying"), "sh") for ln in block.splitlines()
         if ln.strip().startswith("claimwire query")]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, seeds_dir) -> Path:
    """A folder holding output/ as `make run` leaves it (Makefile: claimwire replay seeds --output output)."""
    work = tmp_path_factory.mktemp("readme")
    assert cli(["replay", str(seeds_dir), "--output", str(work / "output"), "--quiet"]) == 0
    return work


def test_the_readme_has_what_this_test_runs():
    assert len(SQL) >= 6 and len(PYTHON) >= 2 and len(SHELL) >= 2


@pytest.mark.parametrize("sql", SQL, ids=[re.sub(r"\W+", "_", q.splitlines()[0])[:40] for q in SQL])
def test_readme_sql_runs_on_make_run_output(workdir, sql):
    out = run_query(workdir / "output", sql, "csv")
    header = out.splitlines()[0]
    assert header                                   # the columns it names exist
    if "FROM articles" in sql or "FROM runs" in sql or "FROM stories" in sql:
        assert len(out.splitlines()) > 1, sql      # and these have rows on the seeds


@pytest.mark.parametrize("snippet", PYTHON, ids=[f"python{i}" for i in range(len(PYTHON))])
def test_readme_python_runs_on_make_run_output(workdir, snippet):
    r = subprocess.run([sys.executable, "-c", snippet], cwd=workdir, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip()


@pytest.mark.parametrize("line", SHELL)
def test_readme_query_commands_run(workdir, line):
    import shlex
    args = shlex.split(line)[1:]
    r = subprocess.run([sys.executable, "-m", "pipelines", *args], cwd=workdir, capture_output=True, text=True,
                       timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr[-2000:]
