"""Issue 15: an exception on one record becomes a failures row (internal_error); the run goes on.

Each stage is made to raise on one chosen record (the core function the stage calls is
monkeypatched; FnApiRunner runs in this process, and DoFns find module functions by name), and a
60-byte truncated .warc.gz lies beside the seeds in every run. Two runs carry four faults each, every
fault on a different seed, so each run shows that a fault costs its own record and no other: the
run must complete, publish exactly the other articles, write one failure row per fault (stage,
internal_error, input, exception type) and keep in = out + failed for every stage.
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

# Stages that see only an article's text find their seed by a phrase no other seed holds.
MARKERS = {"000_d8007adc6356e8ed.txt": "Maduro is said to be requesting aid",
           "002_b3fd632e5a648ac2.txt": "to bolster its defenses"}


class Injected(RuntimeError):
    pass


def _boom(what: str):
    raise Injected(f"injected fault on {what}")


def _patch_read(m, chosen):
    import transforms.read as mod
    real = mod.read_input

    def fake(item, limits, *rest):
        if item.path.endswith(chosen):
            _boom(item.path)
        return real(item, limits, *rest)
    m.setattr(mod, "read_input", fake)


def _patch_extract(m, chosen):
    import transforms.extract as mod
    real = mod.build_article

    def fake(raw, settings, extractor=None, extracted=None):
        if raw.input.endswith(chosen):
            _boom(raw.input)
        return real(raw, settings, extractor, extracted)
    m.setattr(mod, "build_article", fake)


def _patch_language(m, chosen):
    import transforms.core.prepare as mod   # where DetectLanguage calls it
    real, marker = mod.detect_language, MARKERS[chosen]

    def fake(text, settings, hint=None):
        if marker in text:
            _boom("text")
        return real(text, settings, hint=hint)
    m.setattr(mod, "detect_language", fake)


def _patch_dedup(m, chosen):
    import transforms.dedup as mod
    real = mod.fingerprint

    def fake(article_id, url, *args, **kwargs):
        if url.endswith(chosen):
            _boom(url)
        return real(article_id, url, *args, **kwargs)
    m.setattr(mod, "fingerprint", fake)


def _patch_stories(m, chosen):
    import transforms.stories as mod
    real, marker = mod.build_profile, MARKERS[chosen]

    def fake(article_id, title, text, *args, **kwargs):
        if marker in text:
            _boom(article_id)
        return real(article_id, title, text, *args, **kwargs)
    m.setattr(mod, "build_profile", fake)


def _patch_claims(m, chosen):
    from transforms.core.claims import RuleClaimExtractor
    real, marker = RuleClaimExtractor.extract, MARKERS[chosen]

    def fake(self, article_id, text, lang):
        if marker in text:
            _boom(article_id)
        return real(self, article_id, text, lang)
    m.setattr(RuleClaimExtractor, "extract", fake)


def _patch_summarise(m, chosen):
    import transforms.claims as mod

    def fake(story_id, *args, **kwargs):
        _boom(story_id)       # the seeds are one story: it is the chosen record
    m.setattr(mod, "story_row", fake)


def _patch_sink(m, chosen):
    import pipelines.build as mod
    real = mod.article_row

    def fake(article, run_id):
        if article.input.endswith(chosen):
            _boom(article.input)
        return real(article, run_id)
    m.setattr(mod, "article_row", fake)


PATCHES = {"read": _patch_read, "extract": _patch_extract, "language": _patch_language,
           "dedup": _patch_dedup, "stories": _patch_stories, "claims": _patch_claims,
           "summarise": _patch_summarise, "sink": _patch_sink}
# Two runs, each stage's fault on its own seed (None: the story). Every stage is in one of them.
RUNS = {"early": {"read": "001_5723d1e901a19e61.txt", "extract": "003_186ae76859dc7b7b.txt",
                  "language": "002_b3fd632e5a648ac2.txt", "dedup": "004_9cbc5822dc5fd0f1.txt"},
        "late": {"stories": "002_b3fd632e5a648ac2.txt", "claims": "000_d8007adc6356e8ed.txt",
                 "sink": "004_9cbc5822dc5fd0f1.txt", "summarise": None}}


def test_the_runs_inject_a_fault_in_every_stage_each_on_its_own_record():
    assert sorted(s for faults in RUNS.values() for s in faults) == sorted(PATCHES)
    for faults in RUNS.values():
        chosen = [c for c in faults.values() if c]
        assert len(chosen) == len(set(chosen))


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


@pytest.mark.parametrize("run", sorted(RUNS))
def test_a_fault_on_one_record_costs_that_record(run, inputs, tmp_path, monkeypatch):
    faults = RUNS[run]
    with monkeypatch.context() as m:
        for stage, chosen in faults.items():
            PATCHES[stage](m, chosen)
        got = _run(inputs, tmp_path / "out")
    internal = {f["stage"]: f for f in got["failures"] if f["reason"] == Reason.INTERNAL_ERROR.value}
    assert len(internal) == sum(1 for f in got["failures"] if f["reason"] == Reason.INTERNAL_ERROR.value)
    assert sorted(internal) == sorted(faults), internal
    seeds = sorted(p.name for p in inputs.iterdir() if p.suffix == ".txt")
    lost = set()        # the seeds whose article a fault withheld
    for stage, chosen in faults.items():
        row = internal[stage]
        assert row["detail"].startswith("Injected: injected fault on"), row
        assert "Traceback" not in row["detail"] and "(at test_dead_letter.py:" in row["detail"]
        if stage == "summarise":
            assert row["input"].startswith("story:")
            assert got["stories"] is None or got["stories"].num_rows == 0
            continue
        assert row["input"].endswith(chosen), (stage, row)
        if stage != "claims":      # claims hang off published articles: the article stands, without claims
            lost.add(chosen)
        assert got["counts"].get(f"{stage}.failed", 0) >= 1
    published = sorted(Path(a["input"]).name for a in got["articles"])
    assert published == [s for s in seeds if s not in lost]
    # the truncated WARC is a bad_warc row of its own, not a failed run
    assert [(f["stage"], f["reason"]) for f in got["failures"] if f["input"].endswith("cut.warc.gz")] \
        == [("read", "bad_warc")]
    _balanced(got["counts"])


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
