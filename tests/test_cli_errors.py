"""Issue 15: every user mistake gets exactly one line on stderr and exit status 2, never a traceback;
``--help`` describes every command and option; ``--version`` names the versions that matter."""
from __future__ import annotations

import re
import shutil
from importlib.metadata import version
from pathlib import Path

import pytest

from pipelines.cli import main, parser, UserError
from pipelines.delta import read_dataset

SEED = sorted((Path(__file__).resolve().parents[1] / "seeds").iterdir())[0]


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    """A published output of one seed (a run is a few seconds)."""
    root = tmp_path_factory.mktemp("cli")
    inputs = root / "in"
    inputs.mkdir()
    shutil.copy(SEED, inputs)
    out = root / "out"
    assert main(["replay", str(inputs), "--output", str(out), "--quiet"]) == 0
    return out


def _one_line(capsys, argv: list[str], *, code: int = 2) -> str:
    got = main(argv)
    captured = capsys.readouterr()
    assert got == code, (got, captured.err[-2000:])
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err[-3000:]
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    assert lines[0].startswith("claimwire")
    return lines[0]


def test_bad_sql(output, capsys):
    line = _one_line(capsys, ["query", "--output", str(output), "SELEC * FROM articles"])
    assert "query failed" in line and "syntax error" in line.lower()


def test_unknown_column(output, capsys):
    line = _one_line(capsys, ["query", "--output", str(output), "SELECT no_such_column FROM articles"])
    assert "no_such_column" in line


def test_unknown_table(output, capsys):
    line = _one_line(capsys, ["query", "--output", str(output), "SELECT count(*) FROM no_such_table"])
    assert "no_such_table" in line


def test_a_good_query_still_answers(output, capsys):
    assert main(["query", "--output", str(output), "--format", "csv", "SELECT count(*) AS n FROM articles"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "1"]


@pytest.mark.parametrize("command", ["query", "summary", "report"])
def test_missing_output_folder(command, tmp_path, capsys):
    argv = [command, "--output", str(tmp_path / "no" / "such")] + (["SELECT count(*) FROM articles"]
                                                                    if command == "query" else [])
    line = _one_line(capsys, argv)
    assert "--output" in line and "no such folder" in line
    assert not (tmp_path / "no").exists()


def test_an_empty_folder_is_not_an_output(tmp_path, capsys):
    line = _one_line(capsys, ["summary", "--output", str(tmp_path)])
    assert "no claimwire output" in line


@pytest.mark.parametrize("command", ["replay", "summary"])
def test_output_that_is_a_file(command, tmp_path, capsys):
    f = tmp_path / "a-file"
    f.write_text("x")
    argv = [command, str(SEED), "--output", str(f)] if command == "replay" else [command, "--output", str(f)]
    line = _one_line(capsys, argv)
    assert "--output" in line and "is a file" in line and ".state" not in line


def test_output_under_a_file(tmp_path, capsys):
    f = tmp_path / "a-file"
    f.write_text("x")
    line = _one_line(capsys, ["replay", str(SEED), "--output", str(f / "out")])
    assert "--output" in line and "is a file" in line


def test_unknown_runner(tmp_path, capsys):
    line = _one_line(capsys, ["replay", str(SEED), "--output", str(tmp_path / "o"), "--runner=NoSuchRunner"])
    assert "--runner NoSuchRunner" in line and "FnApiRunner" in line
    assert not (tmp_path / "o").exists()          # refused before anything was built or written


def test_unknown_beam_option(tmp_path, capsys):
    line = _one_line(capsys, ["replay", str(SEED), "--output", str(tmp_path / "o"), "--no_such_option=3"])
    assert "--no_such_option" in line
    assert not (tmp_path / "o").exists()


def test_invalid_beam_option_value(tmp_path, capsys):
    line = _one_line(capsys, ["replay", str(SEED), "--output", str(tmp_path / "o"),
                              "--direct_num_workers=many"])
    assert "direct_num_workers" in line and "many" in line


def test_valid_beam_options_pass(tmp_path, capsys):
    from pipelines.cli import check_beam_args
    check_beam_args(["--runner=FnApiRunner", "--direct_running_mode=multi_processing",
                     "--direct_num_workers=2", "--job_endpoint=localhost:8099"], "FnApiRunner")
    check_beam_args([], "DirectRunner")
    with pytest.raises(UserError):
        check_beam_args([], "NoSuchRunner")           # a bad default from a config file too


def test_unexpected_positional_for_a_query(output, capsys):
    line = _one_line(capsys, ["query", "--output", str(output), "SELECT 1", "extra"])
    assert "extra" in line


def test_no_input_exists(tmp_path, capsys):
    out = tmp_path / "o"
    line = _one_line(capsys, ["replay", str(tmp_path / "missing.txt"), "--output", str(out)])
    assert "no such input" in line and "missing.txt" in line
    assert not out.exists()                    # no run, no empty output folder


def test_one_missing_input_beside_good_ones(tmp_path, capsys):
    out = tmp_path / "o"
    missing = tmp_path / "missing.txt"
    assert main(["replay", str(SEED), str(missing), "--output", str(out), "--quiet"]) == 0
    err = capsys.readouterr().err
    # the replay's input listing says it on stderr (main's anyfs line); never twice, never a traceback
    assert len([line for line in err.splitlines() if str(missing) in line]) <= 1 and "Traceback" not in err
    fails = read_dataset(out, "failures").to_pylist()
    assert [(f["stage"], f["reason"], f["input"]) for f in fails] == [("read", "unreadable", str(missing))]
    assert read_dataset(out, "articles").num_rows == 1


def test_usage_errors_are_one_line(capsys):
    line = _one_line(capsys, ["replay"])             # PATH missing
    assert "PATH" in line and "--help" in line
    line = _one_line(capsys, ["nosuchcommand"])
    assert "nosuchcommand" in line
    line = _one_line(capsys, [])
    assert "replay" in line and "query" in line


# ---------------------------------------------------------------- help and version

def _help(capsys, argv: list[str]) -> str:
    assert main(argv + ["--help"]) == 0
    return capsys.readouterr().out


def test_top_level_help_lists_the_real_commands(capsys):
    text = _help(capsys, [])
    assert "as they land" not in text
    for command in ("replay", "fetch", "query", "summary", "report", "compact"):
        assert re.search(rf"^\s+{command}\s+\S", text, re.M), command     # each with a description
    assert "--version" in text


def test_every_option_of_every_command_is_described(capsys):
    ap = parser()
    sub = next(a for a in ap._actions if a.dest == "command")
    for name, sp in sub.choices.items():
        for action in sp._actions:
            assert action.help, (name, action.dest)
    for action in ap._actions:
        assert action.help or action.dest == "command", action.dest


@pytest.mark.parametrize("command", ["replay", "fetch"])
def test_replay_and_fetch_help_say_beam_options_pass_through(command, capsys):
    text = _help(capsys, [command])
    assert "pass" in text and "through to Beam" in text
    assert text.count("--runner=") + text.count("--direct_") >= 2          # examples
    if command == "replay":
        assert re.search(r"PATH\s+a file or folder", text)


def test_version(capsys):
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"claimwire {version('claimwire')}"
    for lib in ("apache-beam", "trafilatura", "pyarrow", "duckdb", "feedparser", "langdetect"):
        assert f"{lib} {version(lib)}" in out
    assert re.search(r"python 3\.\d+\.\d+", out)


def test_urls_are_left_to_the_read_stage(capsys):
    from pipelines.cli import check_inputs
    check_inputs(["s3://bucket/news/", "gs://b/x.warc.gz"])       # not looked up here
    assert capsys.readouterr().err == ""
    with pytest.raises(UserError):
        check_inputs(["/no/such/file.txt"])


@pytest.mark.parametrize("value", ["-1", "1.5", "true"])
def test_a_bad_pass_size_is_a_config_error_naming_the_key(value, tmp_path, capsys):
    line = _one_line(capsys, ["replay", str(SEED), "--output", str(tmp_path / "o"),
                              "--set", f"run.pass_documents={value}"])
    assert "pass_documents" in line


@pytest.mark.parametrize("value", ["-1", "2.5", "false", "'many'"])
def test_a_bad_index_compaction_threshold_is_a_config_error_naming_the_key(value, tmp_path, capsys):
    line = _one_line(capsys, ["replay", str(SEED), "--output", str(tmp_path / "o"),
                              "--set", f"run.compact_index_files={value}"])
    assert "compact_index_files" in line
    assert not (tmp_path / "o" / "runs").exists()        # refused before any work


def test_a_pass_that_fails_says_which_and_what_is_committed(tmp_path, capsys, monkeypatch):
    """Three seeds in passes of one: the second pass's failure is one line that says the first is
    committed and that running the replay again resumes; the first pass's rows stay published."""
    import pipelines.replay as replay_mod
    from pipelines.runner import RunError
    inputs = tmp_path / "in"
    inputs.mkdir()
    seeds = sorted((Path(__file__).resolve().parents[1] / "seeds").iterdir())[:3]
    for s in seeds:
        shutil.copy(s, inputs)
    real, calls = replay_mod.execute, []

    def second_fails(*args, **kwargs):
        calls.append(kwargs["run_day"])
        if len(calls) == 2:
            raise RunError("could not write the run's output under X: No space left on device")
        return real(*args, **kwargs)
    monkeypatch.setattr(replay_mod, "execute", second_fails)
    out = tmp_path / "out"
    line = _one_line(capsys, ["replay", str(inputs), "--output", str(out), "--quiet",
                              "--set", "run.pass_documents=1"])
    assert line.startswith("claimwire: pass 2 of 3 did not complete (pass 1 is committed;"), line
    assert "No space left on device" in line
    assert calls[0] is None and calls[1]            # the second pass was given the first pass's day
    assert len(read_dataset(out, "articles", ["article_id"])) == 1
