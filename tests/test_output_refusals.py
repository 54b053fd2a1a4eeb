"""What claimwire refuses with one line (exit 2), and the tables every committed output has."""
from __future__ import annotations


import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from output_data import build_output
from pipelines.cli import main as cli
from transforms.core.schemas import DATASETS


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("marker", ["_manifest.json", ".claimwire"])
def test_old_layout_output_is_refused_with_what_to_do(tmp_path, capsys, marker):
    out = tmp_path / "out"
    (out / "articles" / "batch=1").mkdir(parents=True)
    (out / marker).mkdir() if marker.startswith(".") else (out / marker).write_text("{}")
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    for args in (["query", "SELECT 1"], ["summary"], ["report"], ["compact"]):
        assert cli([*args, "--output", str(out)]) == 2
        line = _one_line(capsys)
        assert "older claimwire layout" in line and "fresh --output" in line
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before       # nothing written


def test_replay_into_old_layout_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "_manifest.json").write_text("{}")
    src = tmp_path / "in.txt"
    src.write_text("Officials said 12 people died in the storm on Sunday, the ministry said.")
    assert cli(["replay", str(src), "--output", str(out), "--quiet"]) == 2
    assert "older claimwire layout" in _one_line(capsys)
    assert sorted(p.name for p in out.iterdir()) == ["_manifest.json"]


def test_a_foreign_table_is_refused_and_left_intact(tmp_path, capsys):
    out = build_output(tmp_path / "out", runs=1)
    write_deltalake(str(out / "elsewhere"), pa.table({"x": [1]}))
    # someone else's table where claims should be
    import shutil
    shutil.rmtree(out / "claims")
    shutil.copytree(out / "elsewhere", out / "claims")
    version = DeltaTable(str(out / "claims")).version()
    assert cli(["query", "--output", str(out), "SELECT count(*) FROM claims"]) == 2
    assert "written by something else" in _one_line(capsys)
    src = tmp_path / "in.txt"
    src.write_text("Officials said 12 people died in the storm on Sunday, the ministry said.")
    assert cli(["replay", str(src), "--output", str(out), "--quiet"]) == 2
    assert "written by something else" in _one_line(capsys)
    assert DeltaTable(str(out / "claims")).version() == version


def test_every_table_exists_after_a_run_even_with_zero_rows(tmp_path, capsys):
    src = tmp_path / "empty"
    src.mkdir()
    out = tmp_path / "out"
    assert cli(["replay", str(src), "--output", str(out)]) == 0
    assert "added nothing" in capsys.readouterr().out
    for name, spec in DATASETS.items():
        assert DeltaTable(str(out / spec.path)).to_pyarrow_dataset().count_rows() == (1 if name == "runs" else 0), name
    assert cli(["query", "--output", str(out), "--format", "csv",
                "SELECT count(*) AS n FROM failures JOIN stories USING (run_id)"]) == 0
    assert capsys.readouterr().out.split() == ["n", "0"]


def test_user_mistakes_in_query_are_one_line(tmp_path, capsys):
    out = build_output(tmp_path / "out", runs=1)
    for sql in ("SELEC * FROM articles", "SELECT no_such_column FROM articles", "SELECT * FROM no_such_table"):
        assert cli(["query", "--output", str(out), sql]) == 2
        assert _one_line(capsys).startswith("claimwire: query failed")
    for args in (["query", "SELECT 1"], ["summary"]):
        assert cli([*args, "--output", str(tmp_path / "missing")]) == 2
        assert "no such folder" in _one_line(capsys)
    assert not (tmp_path / "missing").exists()
    f = tmp_path / "afile"
    f.write_text("x")
    assert cli(["replay", str(f), "--output", str(f), "--quiet"]) == 2
    assert "--output" in _one_line(capsys)


def test_missing_filesystem_extra_is_one_line(tmp_path, capsys, monkeypatch):
    src = tmp_path / "in.txt"
    src.write_text("Officials said 12 people died in the storm on Sunday, the ministry said.")
    assert cli(["replay", str(src), "--output", "nosuchfs://bucket/out", "--state", str(tmp_path / "st"),
                "--quiet"]) == 2
    line = _one_line(capsys)
    assert "nosuchfs://" in line and "not installed" in line
