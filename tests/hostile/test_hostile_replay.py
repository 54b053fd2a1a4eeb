"""Issue 9: replay the hostile corpus beside the seeds through the CLI.

Finishes in bounded time, keeps every good input, accounts for every bad one by input id,
writes nothing outside the output folder, and leaks nothing (the XXE target's content).
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import make_corpus

from pipelines.cli import main
from pipelines.delta import read_dataset

pytestmark = pytest.mark.slow    # a long file: make test starts it first

REPO = Path(__file__).resolve().parents[2]
# Generous: about 35 s on 2 cores; a hang (an extraction past its limit, a parser stuck on a
# bomb) would take minutes.
MAX_SECONDS = 150
# Other processes share /tmp and the repository, so a new file there is an escape only when
# it is ours: named with this run's id (every file the sink writes is), or by the corpus's
# path-traversal values.
_TRAVERSAL_NAMES = ("claimwire-escape",)


def _tree(root: Path, skip: tuple[Path, ...] = ()) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for dirpath, dirs, files in os.walk(root, followlinks=False):
        d = Path(dirpath)
        dirs[:] = [x for x in dirs if not any((d / x) == s or s in (d / x).parents for s in skip)
                   and x not in (".git", ".venv", "__pycache__", ".hypothesis")]
        for name in files:
            p = d / name
            try:
                st = p.lstat()
            except OSError:
                continue
            out[str(p)] = (st.st_size, st.st_mtime_ns)
    return out


def _new_files(before: dict, after: dict) -> list[str]:
    return sorted(set(after) - set(before))


@pytest.fixture(scope="module")
def replay(tmp_path_factory, seeds_dir):
    root = tmp_path_factory.mktemp("hostile")
    corpus = make_corpus(root / "inputs" / "hostile")
    seeds = root / "inputs" / "seeds"
    shutil.copytree(seeds_dir, seeds)
    out = root / "output"
    run_tmp = root / "tmp"
    run_tmp.mkdir()
    pytest_tmp = Path(tempfile.gettempdir()).joinpath(f"pytest-of-{os.environ.get('USER', 'root')}")
    skip = (root, pytest_tmp, REPO / "output")
    inputs_before = _tree(root / "inputs")
    tmp_before, repo_before = _tree(Path("/tmp"), skip), _tree(REPO, skip)
    old_tempdir = tempfile.tempdir
    tempfile.tempdir = str(run_tmp)     # what Beam or a library puts in temp files stays visible
    log = io.StringIO()
    started = time.monotonic()
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            code = main(["replay", str(corpus.root), str(seeds), "--output", str(out),
                         "--log-level", "INFO"])
    finally:
        tempfile.tempdir = old_tempdir
        logging.basicConfig(level=logging.WARNING, force=True)
    seconds = time.monotonic() - started
    return {
        "code": code, "seconds": seconds, "corpus": corpus, "out": out, "seeds": seeds, "root": root,
        "inputs_changed": inputs_before != _tree(root / "inputs"),
        "new_files": _new_files(tmp_before, _tree(Path("/tmp"), skip)) + _new_files(repo_before, _tree(REPO, skip)),
        "run_tmp": sorted(p.name for p in run_tmp.iterdir()),
        "log": log.getvalue(),
    }


def _table(out: Path, name: str) -> pa.Table:
    return read_dataset(out, name)


def test_finishes_in_bounded_time_and_completes(replay):
    assert replay["code"] == 0
    assert replay["seconds"] < MAX_SECONDS


def test_every_seed_is_an_article(replay):
    arts = _table(replay["out"], "articles").to_pylist()
    by_input = {a["input"]: a for a in arts}
    for seed in sorted(replay["seeds"].iterdir()):
        assert str(seed) in by_input, seed.name
        assert by_input[str(seed)]["char_count"] > 500


def _expected_ids(expect: dict) -> tuple[dict, dict]:
    exact = {k: v for k, v in expect.items() if not k.endswith("*")}
    wild = {k[:-1]: v for k, v in expect.items() if k.endswith("*")}
    return exact, wild


def test_every_input_accounted_for_by_id(replay):
    out, corpus = replay["out"], replay["corpus"]
    arts = _table(out, "articles").to_pylist()
    fails = _table(out, "failures").to_pylist()
    rows: dict[str, list[tuple]] = {}
    for a in arts:
        rows.setdefault(a["input"], []).append(("article",))
    for f in fails:
        rows.setdefault(f["input"], []).append((f["stage"], f["reason"], f["detail"]))
    exact, wild = _expected_ids(corpus.expect)
    seeds = {str(p) for p in replay["seeds"].iterdir()}
    wrong = []
    for key, want in sorted(exact.items()):
        got = rows.get(key)
        if not got:
            wrong.append(f"{key}: nothing in articles or failures")
        elif want == "article":
            if ("article",) not in got:
                wrong.append(f"{key}: want an article, got {got}")
        elif want == "article-or-no_text":
            if not any(g == ("article",) or g[1] == "no_text" for g in got):
                wrong.append(f"{key}: want an article or no_text, got {got}")
        elif not any(len(g) == 3 and g[:2] == want[:2] and want[2] in g[2] for g in got):
            wrong.append(f"{key}: want {want}, got {got}")
    for prefix, want in wild.items():
        got = [g for k, v in rows.items() if k.startswith(prefix) for g in v]
        if not any(len(g) == 3 and g[:2] == want[:2] and want[2] in g[2] for g in got):
            wrong.append(f"{prefix}*: want {want}, got {got}")
    assert not wrong, "\n".join(wrong)
    # Nothing unexplained: every row belongs to a seed or an expected input (rows of a JSON-lines
    # file cut short by bad gzip come before its bad_gzip row and carry its name with a :line).
    files = {k.split(":", 1)[0] if k.startswith("/") else k for k in exact}
    stray = [k for k in rows if k not in exact and k not in seeds
             and not any(k.startswith(p) for p in wild)
             and not (":" in k[1:] and k.rsplit(":", 1)[0] in files)]
    assert not stray, stray


def test_stage_counts_balance_and_match_rows(replay):
    out = replay["out"]
    (run,) = _table(out, "runs").to_pylist()
    c = {f"{s['stage']}.{s['outcome']}": s["count"] for s in run["stage_counts"]}
    fails = _table(out, "failures").to_pylist()
    arts = _table(out, "articles").to_pylist()
    per_stage: dict[str, int] = {}
    for f in fails:
        per_stage[f["stage"]] = per_stage.get(f["stage"], 0) + 1
    chain = ["read", "extract", "language", "dedup", "stories", "claims"]
    for stage in chain:
        assert c[f"{stage}.in"] == c[f"{stage}.out"] + c.get(f"{stage}.failed", 0), stage
        assert per_stage.get(stage, 0) == c.get(f"{stage}.failed", 0), stage
    for up, down in zip(chain, chain[1:]):
        assert c[f"{down}.in"] == c[f"{up}.out"], (up, down)
    assert len(arts) == c["claims.out"] == c["extract.out"]
    assert run["failures"] == len(fails)


def test_names_from_input_do_not_steer_paths(replay):
    out = replay["out"]
    for dataset in ("articles", "claims", "failures"):
        base = Path(os.path.realpath(out / dataset))
        for p in base.rglob("*"):
            assert base in Path(os.path.realpath(p)).parents
            assert ".." not in p.relative_to(base).parts
    langs = {a["lang"] for a in _table(out, "articles").to_pylist()}
    assert all(lang.isalpha() or lang == "und" for lang in langs), langs


def test_writes_nothing_outside_the_output(replay):
    assert not replay["inputs_changed"]
    (run,) = _table(replay["out"], "runs").to_pylist()
    ours = [p for p in replay["new_files"] if run["run_id"] in p or any(n in p for n in _TRAVERSAL_NAMES)]
    assert ours == []
    # Temp files of the run are gone (multiprocessing's own pymp-* folder lives until exit).
    assert [n for n in replay["run_tmp"] if not n.startswith("pymp-")] == []
    assert sorted(p.name for p in replay["root"].iterdir()) == ["inputs", "output", "tmp"]


def test_leaks_nothing(replay):
    corpus, out = replay["corpus"], replay["out"]
    secrets = [corpus.secret_text]
    passwd = Path("/etc/passwd").read_text(errors="replace").splitlines()
    secrets += [line for line in passwd[:3] if len(line) > 12]
    for name in ("articles", "claims", "failures", "stories", "story_claims", "runs"):
        t = read_dataset(out, name)
        blob = repr(t.to_pylist())
        for s in secrets:
            assert s not in blob, (name, s)
    for p in out.rglob("*"):
        if p.is_file() and not p.name.endswith(".parquet"):
            data = p.read_bytes()
            assert not any(s.encode() in data for s in secrets), p
    assert "committed to" in replay["log"]   # output and log were captured, and hold no secret
    assert not any(s in replay["log"] for s in secrets)


def test_text_has_no_controls_or_bidi_overrides(replay):
    import re
    bad = re.compile("[\x00-\x08\x0b\x0e-\x1f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
    for a in _table(replay["out"], "articles").to_pylist():
        assert not bad.search(a["text"]), a["input"]
        assert not bad.search(a["title"] or ""), a["input"]
    for c in _table(replay["out"], "claims").to_pylist():
        assert not bad.search(c["evidence"] or ""), c["article_id"]


def test_encodings_decoded_not_garbled(replay):
    arts = {Path(a["input"]).name: a for a in _table(replay["out"], "articles").to_pylist()}
    assert "reservoir" in arts["utf16-nobom.txt"]["text"]
    assert "reservoir" in arts["utf16-nobom.html"]["text"]
    assert "hồ chứa" in arts["meta-latin1-is-utf8.html"]["text"]
    assert "водохранилище" in arts["meta-utf8-is-cp1251.html"]["text"]
    assert arts["latin1.txt"]["title"] == "Café crème à la façon"
    assert "\ufffd" not in "".join(a["text"] for a in arts.values() if "/enc/" in a["input"])


def test_far_future_and_unparseable_dates_are_not_stored(replay):
    from datetime import datetime, timezone
    next_year = datetime.now(timezone.utc).year + 1
    arts = {a["input"]: a for a in _table(replay["out"], "articles").to_pylist()}
    for a in arts.values():
        assert a["published_at"] is None or 1900 <= a["published_at"].year <= next_year, a["input"]
    bad = replay["corpus"].root / "jsonl" / "bad.jsonl"
    dated = [k for k, v in replay["corpus"].expect.items() if v == "article" and k.startswith(f"{bad}:")]
    assert dated and all(k in arts for k in dated)
