"""Issue 15: an exception on one record becomes a failures row (internal_error); the run goes on.

Each stage in turn is made to raise on one chosen record (the core function the stage calls is
monkeypatched; FnApiRunner runs in this process, and DoFns find module functions by name), and a
60-byte truncated .warc.gz lies beside the seeds in every run. The run must complete, publish the
other articles, write the failure row (stage, internal_error, input, exception type) and keep
in = out + failed for every stage.
"""
from __future__ import annotations

import gzip
import shutil
import sys
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))
from make_corpus import _warc_bytes, article_html

from pipelines.cli import main
from transforms.common import FAILURES, MAIN, apply_stage, internal_failure
from transforms.core.records import Failure, Reason
from pipelines.delta import read_dataset

pytestmark = pytest.mark.slow    # a long file: make test starts it first

CHOSEN = "002_b3fd632e5a648ac2.txt"
MARKER = "to bolster its defenses"      # in the chosen seed's text only


class Injected(RuntimeError):
    pass


def _boom(what: str):
    raise Injected(f"injected fault on {what}")


def _patch_read(m):
    import transforms.read as mod
    real = mod.read_input

    def fake(item, limits, *rest):
        if item.path.endswith(CHOSEN):
            _boom(item.path)
        return real(item, limits, *rest)
    m.setattr(mod, "read_input", fake)


def _patch_extract(m):
    import transforms.extract as mod
    real = mod.build_article

    def fake(raw, settings, extractor=None, extracted=None):
        if raw.input.endswith(CHOSEN):
            _boom(raw.input)
        return real(raw, settings, extractor, extracted)
    m.setattr(mod, "build_article", fake)


def _patch_language(m):
    import transforms.language as mod
    real = mod.detect_language

    def fake(text, settings, hint=None):
        if MARKER in text:
            _boom("text")
        return real(text, settings, hint=hint)
    m.setattr(mod, "detect_language", fake)


def _patch_dedup(m):
    import transforms.dedup as mod
    real = mod.fingerprint

    def fake(article_id, url, *args, **kwargs):
        if url.endswith(CHOSEN):
            _boom(url)
        return real(article_id, url, *args, **kwargs)
    m.setattr(mod, "fingerprint", fake)


def _patch_stories(m):
    import transforms.stories as mod
    real = mod.build_profile

    def fake(article_id, title, text, *args, **kwargs):
        if MARKER in text:
            _boom(article_id)
        return real(article_id, title, text, *args, **kwargs)
    m.setattr(mod, "build_profile", fake)


def _patch_claims(m):
    from transforms.core.claims import RuleClaimExtractor
    real = RuleClaimExtractor.extract

    def fake(self, article_id, text, lang):
        if MARKER in text:
            _boom(article_id)
        return real(self, article_id, text, lang)
    m.setattr(RuleClaimExtractor, "extract", fake)


def _patch_summarise(m):
    import transforms.claims as mod

    def fake(story_id, *args, **kwargs):
        _boom(story_id)       # the seeds are one story: it is the chosen record
    m.setattr(mod, "story_row", fake)


def _patch_sink(m):
    import pipelines.build as mod
    real = mod.article_row

    def fake(article, run_id):
        if article.input.endswith(CHOSEN):
            _boom(article.input)
        return real(article, run_id)
    m.setattr(mod, "article_row", fake)


PATCHES = {"read": _patch_read, "extract": _patch_extract, "language": _patch_language,
           "dedup": _patch_dedup, "stories": _patch_stories, "claims": _patch_claims,
           "summarise": _patch_summarise, "sink": _patch_sink}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, seeds_dir) -> Path:
    folder = tmp_path_factory.mktemp("dead_letter") / "in"
    shutil.copytree(seeds_dir, folder)
    # The issue's case: the gzipped start of a WARC header, cut short, beside good articles.
    warc = _warc_bytes([("https://example.org/a", article_html("A page").encode())])
    (folder / "cut.warc.gz").write_bytes(warc[:60])
    return folder


def _run(inputs: Path, out: Path) -> dict:
    assert main(["replay", str(inputs), "--output", str(out), "--quiet"]) == 0
    (run,) = read_dataset(out, "runs").to_pylist()
    return {"articles": read_dataset(out, "articles").to_pylist(),
            "failures": read_dataset(out, "failures").to_pylist(),
            "counts": {f"{s['stage']}.{s['outcome']}": s["count"] for s in run["stage_counts"]},
            "stories": read_dataset(out, "stories")}


def _balanced(counts: dict) -> None:
    stages = {k.split(".", 1)[0] for k in counts}
    for stage in sorted(stages):
        if f"{stage}.in" in counts:
            assert counts[f"{stage}.in"] == counts.get(f"{stage}.out", 0) + counts.get(f"{stage}.failed", 0), \
                (stage, counts)


@pytest.mark.parametrize("stage", sorted(PATCHES))
def test_a_fault_on_one_record_costs_that_record(stage, inputs, tmp_path, monkeypatch):
    with monkeypatch.context() as m:
        PATCHES[stage](m)
        got = _run(inputs, tmp_path / "out")
    internal = [f for f in got["failures"] if f["reason"] == Reason.INTERNAL_ERROR.value]
    assert len(internal) == 1, internal
    (row,) = internal
    assert row["stage"] == stage
    assert row["detail"].startswith("Injected: injected fault on")
    assert "Traceback" not in row["detail"] and "(at test_dead_letter.py:" in row["detail"]
    published = sorted(Path(a["input"]).name for a in got["articles"])
    seeds = sorted(p.name for p in inputs.iterdir() if p.suffix == ".txt")
    if stage == "summarise":
        assert row["input"].startswith("story:")
        assert published == seeds
        assert got["stories"] is None or got["stories"].num_rows == 0
    elif stage == "claims":
        # claims hang off published articles: the article stands, without claims
        assert row["input"].endswith(CHOSEN)
        assert published == seeds
    else:
        assert row["input"].endswith(CHOSEN)
        assert published == [s for s in seeds if s != CHOSEN]
    # the truncated WARC is a bad_warc row of its own, not a failed run
    assert [(f["stage"], f["reason"]) for f in got["failures"] if f["input"].endswith("cut.warc.gz")] \
        == [("read", "bad_warc")]
    _balanced(got["counts"])
    assert got["counts"].get(f"{stage}.failed", 0) >= 1


def test_truncated_warc_beside_five_articles_publishes_the_five(inputs, tmp_path):
    got = _run(inputs, tmp_path / "out")
    assert len(got["articles"]) == 5
    assert not [f for f in got["failures"] if f["reason"] == Reason.INTERNAL_ERROR.value]
    _balanced(got["counts"])


def test_a_generator_that_raises_midway_keeps_what_it_yielded():
    def read_two_then_break(path: str):
        yield f"{path}#1"
        yield Failure("read", "bad_json", f"{path}:2", "x")
        yield f"{path}#3"
        raise ValueError("disk said no\nsecond line")

    with beam.Pipeline("FnApiRunner") as p:
        outs = apply_stage(p | beam.Create(["a", "b"]), "Read", "read", read_two_then_break, fan_out=True)
        assert_that(outs[MAIN], equal_to(["a#1", "a#3", "b#1", "b#3"]), label="kept")
        reasons = outs[FAILURES] | beam.Map(lambda f: (f.input, f.reason, f.detail.split(" (at ")[0]))
        assert_that(reasons, equal_to([
            ("a:2", "bad_json", "x"), ("b:2", "bad_json", "x"),
            ("a", "internal_error", "ValueError: disk said no second line"),
            ("b", "internal_error", "ValueError: disk said no second line")]), label="failed")


def test_internal_failure_names_type_message_and_last_frame():
    try:
        {}["missing"]
    except KeyError as exc:
        f = internal_failure("extract", None, exc, where="x.html")
    assert (f.stage, f.reason, f.input) == ("extract", "internal_error", "x.html")
    assert f.detail.startswith("KeyError: 'missing' (at test_dead_letter.py:")
    assert "Traceback" not in f.detail and "\n" not in f.detail


def test_gzip_of_the_cut_warc_is_what_the_issue_describes(inputs):
    data = (inputs / "cut.warc.gz").read_bytes()
    assert len(data) == 60 and data[:2] == b"\x1f\x8b"
    with pytest.raises(EOFError):
        gzip.decompress(data)


def test_a_row_the_schema_refuses_is_a_sink_failure_written_with_the_failures(tmp_path):
    import pyarrow.parquet as pq

    from transforms.core.records import Article
    from transforms.core.schemas import article_row
    from transforms.sink import WriteDatasets

    good = article_row(Article("a1", "/in/a1.txt", "file:///in/a1.txt", "", "A", "text a"), "r1")
    bad = {**article_row(Article("a2", "/in/a2.txt", "file:///in/a2.txt", "", "B", "text b"), "r1"),
           "char_count": "not a number"}
    with beam.Pipeline("FnApiRunner") as p:
        rows = {"articles": p | "Articles" >> beam.Create([good, bad]),
                "failures": p | "Failures" >> beam.Create([{"run_id": "r1", "stage": "read", "reason": "empty",
                                                            "input": "/in/e.txt", "detail": ""}])}
        _ = rows | WriteDatasets(str(tmp_path), "r1", "a1")
    articles = [r for f in sorted((tmp_path / "articles").rglob("*.parquet")) for r in pq.read_table(f).to_pylist()]
    assert [a["article_id"] for a in articles] == ["a1"]
    failures = {f.parent.name: pq.read_table(f).to_pylist() for f in (tmp_path / "failures").rglob("*.parquet")}
    (sink,) = failures["stage=sink"]
    assert (sink["reason"], sink["input"]) == ("internal_error", "/in/a2.txt")
    assert sink["detail"].startswith("ArrowInvalid: Could not convert 'not a number'")
    assert [r["input"] for r in failures["stage=read"]] == ["/in/e.txt"]
