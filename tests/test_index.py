"""The dedup and story index as tables read by workers: what the graph carries, and what a broken index gets."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import apache_beam as beam
from apache_beam.internal.cloudpickle import cloudpickle
from apache_beam.options.pipeline_options import PipelineOptions, TypeOptions
import pytest
from deltalake import DeltaTable

from pipelines.build import build
from pipelines.cli import main as cli
from pipelines.delta import OutputTables, read_dataset
from pipelines.settings import settings_from_config
from transforms.core.config import load_config
from transforms.core.schemas import DATASETS, INDEX_TABLES
from transforms.index import IndexFiles, ReadWindow, _FilteredReadFn, _WindowReadFn, unpack_rows
from transforms.read import ReadSources

pytestmark = pytest.mark.slow    # a long file: make test starts it first


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0], err
    return err[0]


@pytest.fixture(scope="module")
def history(tmp_path_factory, seeds_dir):
    """An output holding one committed replay of the seeds."""
    out = tmp_path_factory.mktemp("index") / "out"
    assert cli(["replay", str(seeds_dir), "--output", str(out), "--quiet"]) == 0
    return out


class _Walk(beam.pipeline.PipelineVisitor):
    def __init__(self):
        self.transforms = []

    def visit_transform(self, node):
        self.transforms.append(node)


def test_the_graph_carries_index_file_names_only(history, tmp_path):
    """Build the next run's graph over a prior index and inspect it: no Create, DoFn or side input holds history."""
    tables = OutputTables(history)
    index = tables.index_files()
    assert all(index.of(t) for t in ("index_keys", "index_articles", "index_members", "index_claims"))
    known_ids = {r["article_id"] for r in read_dataset(history, "articles", ["article_id"]).to_pylist()}
    assert len(known_ids) == 5
    src = tmp_path / "new.jsonl"
    src.write_text(json.dumps({"url": "https://x.example/1", "text": "A new report. " * 40}) + "\n")
    settings = settings_from_config(load_config(None))
    # with Beam's construction type check, which runs skip (``run.type_check``, pipelines.runner.type_check):
    # every transform's inferred output type is checked against the next one's input here
    p = beam.Pipeline(runner="FnApiRunner", options=PipelineOptions(["--pipeline_type_check"]))
    assert p.options.view_as(TypeOptions).pipeline_type_check
    build(p, settings, ReadSources([str(src)], settings.limits), "r1", str(tmp_path / "o"), "a1", index, "2025-11-05")
    walk = _Walk()
    p.visit(walk)
    index_files = {f for t in INDEX_TABLES for f in index.of(t)}
    reads = 0
    for node in walk.transforms:
        t = node.transform
        if isinstance(t, beam.Create):
            for v in t.values:
                # The sources' file list, or (file, day) of an index file: never a row.
                assert isinstance(v, (str, tuple)) and (v == str(src) or tuple(v) in index_files), v
        if isinstance(t, beam.ParDo):
            fn = t.fn
            if isinstance(fn, (_FilteredReadFn, _WindowReadFn)):
                reads += 1
                # Every read of the index is filtered by this run's keys or days, and a filtered window
                # read by this run's keys too: those are its only side inputs.
                filtered_window = isinstance(fn, _WindowReadFn) and fn._column is not None
                assert len(t.side_inputs) == (2 if filtered_window else 1), node.full_label
            blob = cloudpickle.dumps((fn, t.args, t.kwargs))
            leaked = [a for a in known_ids if a.encode() in blob]
            assert not leaked, (node.full_label, leaked)
    assert reads >= 6    # published ids, segment holders, boilerplate, candidates, window, claims


def test_a_missing_index_table_is_one_line_and_nothing_is_published(history, tmp_path, capsys, seeds_dir):
    import shutil
    out = tmp_path / "out"
    shutil.copytree(history, out)
    versions = {n: DeltaTable(str(out / n)).version() for n in ("articles", "runs")}
    shutil.rmtree(out / DATASETS["index_keys"].path)
    src = tmp_path / "more.txt"
    src.write_text("Officials said 12 people died in the storm on Sunday, the ministry said. " * 5)
    assert cli(["replay", str(src), "--output", str(out), "--quiet"]) == 2
    line = _one_line(capsys)
    assert "_index/keys" in line and "missing" in line
    assert {n: DeltaTable(str(out / n)).version() for n in ("articles", "runs")} == versions
    assert not (out / DATASETS["index_keys"].path).exists()      # never rebuilt empty


def test_a_corrupt_index_file_stops_the_run_with_one_line(history, tmp_path, capsys):
    import shutil
    out = tmp_path / "out"
    shutil.copytree(history, out)
    versions = {n: DeltaTable(str(out / n)).version() for n in ("articles", "runs")}
    files = DeltaTable(str(out / DATASETS["index_keys"].path)).file_uris()
    Path(files[0]).write_bytes(b"PAR1 this is not parquet")
    src = tmp_path / "more.txt"
    src.write_text("Officials said 12 people died in the storm on Sunday, the ministry said. " * 5)
    assert cli(["replay", str(src), "--output", str(out), "--quiet"]) == 2
    line = _one_line(capsys)
    assert "index" in line and "cannot be read" in line and "nothing was published" in line
    assert {n: DeltaTable(str(out / n)).version() for n in ("articles", "runs")} == versions


def test_an_index_of_a_newer_schema_is_refused_with_its_version(history, tmp_path, capsys):
    import shutil

    from deltalake.transaction import CommitProperties
    out = tmp_path / "out"
    shutil.copytree(history, out)
    dt = DeltaTable(str(out / DATASETS["index_members"].path))
    dt.alter.set_table_description("claimwire index_members.v9", commit_properties=CommitProperties())
    src = tmp_path / "more.txt"
    src.write_text("Officials said 12 people died in the storm on Sunday, the ministry said. " * 5)
    assert cli(["replay", str(src), "--output", str(out), "--quiet"]) == 2
    line = _one_line(capsys)
    assert "index_members.v9" in line and "newer" in line


def test_a_filtered_window_read_keeps_the_window_days_and_the_wanted_values_only(tmp_path):
    """ReadWindow with a column: rows outside the window's days, or whose value is not wanted, never become rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    files = []
    for day, stories in (("2025-03-01", ["s1", "s2", "s3"]), ("2025-02-01", ["s1"])):
        path = tmp_path / f"{day}.parquet"
        pq.write_table(pa.table({"story_id": stories, "claim_id": [f"{day}/{s}" for s in stories]}), path)
        files.append((str(path), day))
    fn = _WindowReadFn(7, "2025-03-02", column="story_id")
    got = [r for f in files for r in fn.process(f, ["2025-03-02"], ["s1", "s3", "s9"])]
    assert got == [{"story_id": "s1", "claim_id": "2025-03-01/s1", "day": "2025-03-01"},
                   {"story_id": "s3", "claim_id": "2025-03-01/s3", "day": "2025-03-01"}]
    # Nothing wanted (a run with no articles): nothing is read.
    assert [r for f in files for r in _WindowReadFn(7, "2025-03-02", column="story_id").process(
        f, ["2025-03-02"], [])] == []
    # Without a column, every row of the window's days.
    assert len([r for f in files for r in _WindowReadFn(7, "2025-03-02").process(f, ["2025-03-02"])]) == 3

    # Per value: one (story, [rows]) element per story of a file, in story order, the same rows.
    per = _WindowReadFn(7, "2025-03-02", column="story_id", per_value=True)   # rows packed: one bytes object each
    pq.write_table(pa.table({"story_id": ["s3", "s1", "s3", "s2"], "claim_id": ["c4", "c1", "c3", "c2"]}),
                   files[0][0])
    assert all(isinstance(packed, bytes) for f in files for _, packed in per.process(f, ["2025-03-02"], ["s1"]))
    got = [(sid, unpack_rows(packed)) for f in files for sid, packed in per.process(f, ["2025-03-02"], ["s1", "s3"])]
    assert [(sid, sorted(r["claim_id"] for r in rows)) for sid, rows in got] == [("s1", ["c1"]), ("s3", ["c3", "c4"])]
    assert all(r["day"] == "2025-03-01" and r["story_id"] == sid for sid, rows in got for r in rows)
    with pytest.raises(ValueError):
        ReadWindow((), 7, per_value=True)

    # With columns: only those are read; a file without one of them still reads, its rows without it.
    cols = _WindowReadFn(7, "2025-03-02", column="story_id", columns=["story_id", "lang"])
    got = [r for f in files for r in cols.process(f, ["2025-03-02"], ["s1"])]
    assert got == [{"story_id": "s1", "day": "2025-03-01"}]

    # Packed compressed: a story's claim rows repeat their story, article and words (held whole by every runner).
    statement = "The ministry said the talks would resume on Monday in Geneva"
    pq.write_table(pa.table({"story_id": ["s1"] * 200, "claim_id": [f"c{i:04d}" for i in range(200)],
                             "statement": [f"{statement} {i}" for i in range(200)]}), str(tmp_path / "packed.parquet"))
    [(_, packed)] = per.process((str(tmp_path / "packed.parquet"), "2025-03-01"), ["2025-03-02"], ["s1"])
    rows = unpack_rows(packed)
    assert [r["claim_id"] for r in rows] == [f"c{i:04d}" for i in range(200)]
    assert len(packed) < len(pickle.dumps(rows, protocol=5)) / 3


def test_a_window_read_grouped_by_story_keeps_the_profiles_in_a_story(tmp_path):
    """ReadWindow(group_by=..., where=profiled): the window's members that are a profile in a story, packed
    per story and file, with no filter on wanted values (how ClusterStories reads earlier stories' members)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from transforms.core.index import profiled
    path = tmp_path / "members.parquet"
    pq.write_table(pa.table({"article_id": ["a", "b", "c", "d", "e", "f"],
                             "story_id": ["s2", "s1", "s2", "", None, "s1"],
                             "profiled": [True, True, True, True, True, False]}), path)
    fn = _WindowReadFn(7, "2025-03-02", group_by="story_id", where=profiled)
    got = [(sid, [r["article_id"] for r in unpack_rows(packed)])
           for sid, packed in fn.process((str(path), "2025-03-01"), ["2025-03-02"])]
    assert got == [("s1", ["b"]), ("s2", ["a", "c"])]
    # out of the window: nothing read
    assert list(fn.process((str(path), "2025-01-01"), ["2025-03-02"])) == []
    with pytest.raises(ValueError, match="group_by"):
        ReadWindow((), 7, group_by="story_id", columns=["article_id"])


def test_a_summary_reads_a_said_statement_whole_and_of_other_claims_only_the_example(tmp_path):
    """ReadWindow(shape=_summary_statements), as SummariseStories reads earlier claims: a quote's and a
    reported claim's statement whole (their words are matched), a quantity's cut to the example's
    EXAMPLE_CHARS characters (code points, as Python slices), nulls kept; and the story claim's example is
    the one the whole statements give."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datetime import datetime, timezone
    from transforms.claims import EXAMPLE_CHARS, _example, _summary_statements
    from transforms.core.claims.story import aggregate_story_claims
    from transforms.core.records import ArticleMeta
    from transforms.core.schemas import claims_from_columns
    long = "Près de 😀 " + "le ministère a compté 300 maisons détruites " * 12
    assert len(long) > EXAMPLE_CHARS
    rows = {"story_id": ["s1"] * 5, "claim_id": ["c1", "c2", "c3", "c4", "c5"],
            "article_id": ["a1", "a1", "a2", "a2", "a1"],
            "kind": ["quantity", "quote", "reported", "equipment", "quantity"],
            "claim_key": ["count/home=300", "said/person:x/", "said/org:y/", "equipment/su-30", "count/home=300"],
            "lang": ["fr"] * 5, "claimant": [None, "X", "Y", None, None],
            "statement": [long, long, long, long, None], "value": [300.0, None, None, None, 300.0], "unit": [None] * 5,
            "char_start": [0, 10, 20, 30, 40]}
    path = tmp_path / "claims.parquet"
    pq.write_table(pa.table(rows), path)
    fn = _WindowReadFn(7, "2025-03-02", column="story_id", per_value=True, shape=_summary_statements)
    [(sid, packed)] = fn.process((str(path), "2025-03-01"), ["2025-03-02"], ["s1"])
    got = {r["claim_id"]: r["statement"] for r in unpack_rows(packed)}
    assert got == {"c1": long[:EXAMPLE_CHARS], "c2": long, "c3": long, "c4": long[:EXAMPLE_CHARS], "c5": None}
    plain = _WindowReadFn(7, "2025-03-02", column="story_id", per_value=True)
    [(_, whole)] = plain.process((str(path), "2025-03-01"), ["2025-03-02"], ["s1"])
    when = datetime(2025, 3, 1, tzinfo=timezone.utc)
    metas = {a: ArticleMeta(article_id=a, source=a, lang="fr", published_at=when, story_id="s1") for a in ("a1", "a2")}

    def examples(packed_rows):
        columns = {k: [r.get(k) for r in packed_rows] for k in rows}
        claims = claims_from_columns(columns)
        by_id = {c.claim_id: c for c in claims}
        return {sc.claim_key: _example(sc, by_id) for sc in aggregate_story_claims(claims, metas)}

    assert examples(unpack_rows(packed)) == examples(unpack_rows(whole))
    assert examples(unpack_rows(packed))["count/home=300"] == long[:EXAMPLE_CHARS]
    # A file without a statement or a kind column reads as it is.
    bare = pa.table({"story_id": ["s1"], "claim_id": ["c1"], "kind": ["quantity"]})
    assert _summary_statements(bare) is bare
    assert _summary_statements(bare.drop_columns(["kind"]).append_column("statement", pa.array([long]))
                               ).column("statement").to_pylist() == [long]


def test_packed_values_are_the_same_across_chunk_boundaries(tmp_path, monkeypatch):
    """Rows become Python objects a chunk at a time: a value whose rows straddle chunks (or fill several)
    still comes out whole, as rows and as columns; and claim rows come back as the Claims they were."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import transforms.index as index_mod
    from transforms.core.records import Claim
    from transforms.core.schemas import claim_from_row, claims_from_columns
    stories = ["s1"] * 5 + ["s2"] + ["s3"] * 7 + ["s4"] * 2
    table = pa.table({"story_id": stories, "claim_id": [f"c{i:02d}" for i in range(len(stories))],
                      "article_id": [f"a{i % 4}" for i in range(len(stories))], "kind": ["quote"] * len(stories),
                      "claim_key": [f"k{i % 3}" for i in range(len(stories))],
                      "lang": ["en", None, "fa"] * 5, "value": [None, 1.5, 2.0] * 5, "char_start": list(range(15))})
    path = tmp_path / "claims.parquet"
    pq.write_table(table, path)
    expect = {}
    for row in table.to_pylist():
        expect.setdefault(row["story_id"], []).append(row)
    for chunk in (1, 3, 4, 2048):
        monkeypatch.setattr(index_mod, "_CHUNK_ROWS", chunk)
        fn = _WindowReadFn(7, "2025-03-02", group_by="story_id")
        got = list(fn.process((str(path), "2025-03-01"), ["2025-03-02"]))
        assert [sid for sid, _ in got] == ["s1", "s2", "s3", "s4"]
        for sid, packed in got:
            rows = unpack_rows(packed)
            assert rows == [{**r, "day": "2025-03-01"} for r in expect[sid]]
            columns = index_mod.unpack_columns(packed)
            assert columns["day"] == ["2025-03-01"] * len(rows)
            claims = claims_from_columns(columns)
            assert claims == [claim_from_row(r, r.get("lang")) for r in rows]
            assert all(isinstance(c, Claim) and c.lang == (r["lang"] or "") for c, r in zip(claims, rows))


def test_a_lookup_of_ids_gives_each_article_once_per_file(tmp_path):
    """LookupIds: the keys' rows are filtered in Arrow and only their distinct article ids come out, so an
    article holding many of this run's keys (a copy shares dozens of bands) is one element, not dozens."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    path = tmp_path / "keys.parquet"
    pq.write_table(pa.table({"key": [1, 2, 3, 4, 5], "article_id": ["b", "a", "b", "c", "b"]}), path)
    fn = _FilteredReadFn("key", None, distinct="article_id")
    assert list(fn.process((str(path), "2025-03-01"), [1, 2, 3, 5, 9])) == ["a", "b"]
    assert list(fn.process((str(path), "2025-03-01"), [])) == []
    # the rows themselves, as LookupKeys gives them
    rows = list(_FilteredReadFn("key", None).process((str(path), "2025-03-01"), [4]))
    assert rows == [{"key": 4, "article_id": "c", "day": "2025-03-01"}]
