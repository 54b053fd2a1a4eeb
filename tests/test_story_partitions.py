"""Stories and story claims live in ``story_day`` partitions (the day in the story id): a run
replaces the rows of the stories it touches and rewrites no other file; older outputs upgrade."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from output_data import build_output, stage_run, write_files
from pipelines.delta import OutputTables, delete, match, read_dataset
from transforms.core.entities import EntityLexicon
from transforms.core.records import Article, ArticleMeta
from transforms.core.schemas import STARTED_HERE, STORIES, STORY_CLAIMS
from transforms.core.sink import attempt_folder, delta_schema, join
from transforms.core.stories import StoryConfig
from transforms.core.storyrows import started_by, story_day_of, story_id_for

ROOT = Path(__file__).resolve().parents[1]
UTC = timezone.utc


def test_a_story_id_carries_the_day_its_first_article_was_published_in_utc():
    when = datetime(2025, 10, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5)))      # 04:30 UTC on 1 November
    sid = story_id_for("a1", when)
    assert sid.startswith("s_20251101_") and sid.endswith(story_id_for("a1")[2:])
    assert story_day_of(sid) == "2025-11-01"
    assert story_id_for("a1") == story_id_for("a1", None) and story_day_of(story_id_for("a1")) is None
    for legacy in ("s_bb6fe8a53f3ffcb8", "s0", "", None, "s_2025110_ab", "s_20251101_../x", "x_20251101_ab"):
        assert story_day_of(legacy) is None, legacy


def _story(sid: str, run_id: str, n: int) -> dict:
    day = story_day_of(sid)
    when = datetime.fromisoformat(day).replace(tzinfo=UTC) if day else None
    return {"story_id": sid, "article_count": n, "source_count": 1, "languages": ["en"], "first_published_at": when,
            "last_published_at": when, "representative_article_id": "a", "title": sid, "run_id": run_id,
            "story_day": day}


def _story_claim(sid: str, key: str, run_id: str) -> dict:
    return {"story_id": sid, "claim_key": key, "kind": "quantity", "unit": "death", "article_count": 1,
            "source_count": 1, "languages": ["en"], "first_published_at": None, "first_article_id": "a",
            "values": ["61"], "disputed": False, "dispute_detail": None, "example": "61 dead", "run_id": run_id,
            "story_day": story_day_of(sid)}


def _commit(tables: OutputTables, run: int, stories: list[dict], story_claims: list[dict]) -> None:
    attempt, row = stage_run(tables, run)      # the test output's articles, claims and failures of this run
    # this run's stories are these: the ones stage_run wrote are replaced by what the test names
    for spec in (STORIES, STORY_CLAIMS):
        delete(match(join(attempt_folder(tables.url, attempt.attempt_id), "merge", spec.name, "**")))
        delete(match(join(attempt_folder(tables.url, attempt.attempt_id), "receipts", spec.name, "*")))
    write_files(tables, attempt, STORIES, stories)
    write_files(tables, attempt, STORY_CLAIMS, story_claims)
    tables.commit(attempt, row)


def _files(tables: OutputTables, name: str) -> dict[str, set[str]]:
    actions = pa.table(tables.open(name).get_add_actions(flatten=True)).to_pylist()
    out: dict[str, set[str]] = {}
    for a in actions:
        out.setdefault(a.get("partition.story_day"), set()).add(a["path"])
    return out


def test_a_run_rewrites_only_the_files_of_the_stories_it_touches(tmp_path):
    tables = OutputTables(tmp_path / "out")
    ids = [story_id_for(f"first{d}", datetime(2025, 11, d, tzinfo=UTC)) for d in (1, 2, 3)] + [story_id_for("undated")]
    _commit(tables, 0, [_story(s, "run00", 2) for s in ids],
            [_story_claim(s, k, "run00") for s in ids for k in ("q/death=61", "q/missile=3")])
    before = {n: _files(tables, n) for n in ("stories", "story_claims")}
    assert set(before["stories"]) == {"2025-11-01", "2025-11-02", "2025-11-03", None}

    # the next run touches the story of 2 November only; one of its claims is gone
    touched = ids[1]
    _commit(tables, 1, [_story(touched, "run01", 3)], [_story_claim(touched, "q/death=61", "run01")])
    after = {n: _files(tables, n) for n in ("stories", "story_claims")}
    for name in ("stories", "story_claims"):
        for day in ("2025-11-01", "2025-11-03", None):
            assert after[name][day] == before[name][day], (name, day)        # not read, not rewritten
        assert after[name]["2025-11-02"] != before[name]["2025-11-02"]
        history = tables.open(name).history(1)[0]
        assert history["operationMetrics"]["num_removed_files"] == 1, history
    stories = {r["story_id"]: r for r in read_dataset(tables.url, "stories").to_pylist()}
    assert len(stories) == 4 and stories[touched]["article_count"] == 3 and stories[touched]["run_id"] == "run01"
    assert all(stories[s]["run_id"] == "run00" for s in ids if s != touched)
    claims = sorted((r["story_id"], r["claim_key"]) for r in read_dataset(tables.url, "story_claims").to_pylist())
    assert claims == sorted([(s, k) for s in ids for k in ("q/death=61", "q/missile=3")
                             if not (s == touched and k == "q/missile=3")])


def test_a_story_counts_as_started_by_a_run_when_one_of_its_articles_gives_the_story_its_id():
    when = datetime(2025, 11, 2, 8, tzinfo=UTC)
    first = ArticleMeta("a1", "x.example", "en", when)
    assert started_by(story_id_for("a1", when), [ArticleMeta("a9", "y.example", "en", when), first])
    assert not started_by(story_id_for("a0", when), [first])        # an earlier article's story, joined
    assert not started_by(story_id_for("a1"), [first])              # the undated id is another story's
    assert started_by(story_id_for("a2"), [ArticleMeta("a2", "x.example", "en", None)])
    assert not started_by(story_id_for("a1", when), [])


def _started(row: dict) -> dict:
    return {**row, STARTED_HERE: True}


def test_stories_a_run_starts_are_committed_as_written_and_only_earlier_ones_are_replaced(tmp_path):
    """The rows of a story this run started go straight into the table and are committed as they are
    (nothing read back or rewritten by the driver); an earlier story's rows replace its old ones."""
    tables = OutputTables(tmp_path / "out")
    ids = [story_id_for(f"first{d}", datetime(2025, 11, d, tzinfo=UTC)) for d in (1, 2)]
    _commit(tables, 0, [_started(_story(s, "run00", 1)) for s in ids],
            [_started(_story_claim(s, "q/death=61", "run00")) for s in ids])
    for name in ("stories", "story_claims"):
        dt = tables.open(name)
        last = dt.history(1)[0]["operationParameters"]
        assert last["mode"] == "Append" and "predicate" not in last, last
        assert {day: len(paths) for day, paths in _files(tables, name).items()} == {"2025-11-01": 1, "2025-11-02": 1}
        assert int(dt.transaction_version("claimwire") or 0) == tables.runs()[-1]["serial"]
    before = _files(tables, "stories")

    # the next run joins the story of 1 November and starts one of its own on 3 November
    new = story_id_for("first3", datetime(2025, 11, 3, tzinfo=UTC))
    _commit(tables, 1, [_story(ids[0], "run01", 2), _started(_story(new, "run01", 1))],
            [_story_claim(ids[0], "q/death=62", "run01"), _started(_story_claim(new, "q/death=61", "run01"))])
    for name in ("stories", "story_claims"):
        dt = tables.open(name)
        replaced, appended = (h["operationParameters"] for h in dt.history(2))
        assert replaced["mode"] == "Overwrite" and ids[0] in replaced["predicate"] and new not in replaced["predicate"]
        assert appended["mode"] == "Append"
        assert int(dt.transaction_version("claimwire") or 0) == tables.runs()[-1]["serial"]   # on the last commit
    assert _files(tables, "stories")["2025-11-02"] == before["2025-11-02"]
    stories = {r["story_id"]: (r["article_count"], r["run_id"]) for r in read_dataset(tables.url, "stories").to_pylist()}
    assert stories == {ids[0]: (2, "run01"), ids[1]: (1, "run00"), new: (1, "run01")}
    claims = sorted((r["story_id"], r["claim_key"]) for r in read_dataset(tables.url, "story_claims").to_pylist())
    assert claims == sorted([(ids[0], "q/death=62"), (ids[1], "q/death=61"), (new, "q/death=61")])


def test_a_run_whose_replace_fails_after_its_new_stories_were_appended_is_rolled_back_whole(tmp_path, monkeypatch):
    import deltalake
    tables = OutputTables(tmp_path / "out")
    ids = [story_id_for(f"first{d}", datetime(2025, 11, d, tzinfo=UTC)) for d in (1, 2)]
    _commit(tables, 0, [_started(_story(s, "run00", 1)) for s in ids],
            [_started(_story_claim(s, "q/death=61", "run00")) for s in ids])
    first = {n: sorted(map(repr, read_dataset(tables.url, n).to_pylist())) for n in ("stories", "story_claims")}
    real = deltalake.write_deltalake

    def failing(*a, **k):
        raise OSError("the store went away")
    monkeypatch.setattr(deltalake, "write_deltalake", failing)
    new = story_id_for("first3", datetime(2025, 11, 3, tzinfo=UTC))
    with pytest.raises(Exception):
        _commit(tables, 1, [_story(ids[0], "run01", 2), _started(_story(new, "run01", 1))],
                [_story_claim(ids[0], "q/death=62", "run01"), _started(_story_claim(new, "q/death=61", "run01"))])
    assert new in {r["story_id"] for r in read_dataset(tables.url, "stories", pinned=False).to_pylist()}  # appended
    monkeypatch.setattr(deltalake, "write_deltalake", real)
    tables.recover()
    assert {n: sorted(map(repr, read_dataset(tables.url, n, pinned=False).to_pylist()))
            for n in ("stories", "story_claims")} == first
    for name in ("stories", "story_claims"):     # and the failed attempt's files are gone from the folder
        on_disk = {p.relative_to(Path(tables.uri(name))).as_posix() for p in Path(tables.uri(name)).rglob("*.parquet")}
        assert on_disk == {p for paths in _files(tables, name).values() for p in paths}, name


def _downgrade(tables: OutputTables) -> None:
    """Rewrite stories and story_claims as a claimwire before story_day wrote them: no partition."""
    from deltalake import write_deltalake
    for name, spec, version in (("stories", STORIES, "stories.v1"), ("story_claims", STORY_CLAIMS, "story_claims.v2")):
        dt = tables.open(name)
        table = dt.to_pyarrow_table().drop_columns(["story_day"])
        write_deltalake(dt, table.cast(spec.schema.remove_metadata()), mode="overwrite", schema_mode="overwrite",
                        partition_by=[])
        from deltalake import DeltaTable
        DeltaTable(tables.uri(name), storage_options=tables.options).alter.set_table_description(
            f"claimwire {version}")


def test_an_output_of_an_older_claimwire_is_upgraded_in_place_and_keeps_every_row(tmp_path, monkeypatch):
    # a few rows per batch: the rewrite is streamed, batch by batch, never read whole
    import pipelines.delta
    monkeypatch.setattr(pipelines.delta, "UPGRADE_BATCH_ROWS", 3)
    check_upgrade(tmp_path / "out")


def check_upgrade(root) -> None:
    """An output of two runs, downgraded to the layout before ``story_day``, upgraded by
    ``ensure_tables`` with every row kept, then a third run committed into it (local or S3)."""
    build_output(root, runs=2)
    tables = OutputTables(root)
    want = {n: sorted(map(repr, read_dataset(root, n).drop_columns(["story_day"]).to_pylist()))
            for n in ("stories", "story_claims")}
    _downgrade(tables)
    old = tables.open("stories")
    assert old.metadata().partition_columns == [] and "story_day" not in old.schema().to_arrow().names
    # readers of the older layout still open it; the next run upgrades it before it writes
    assert read_dataset(root, "stories").num_rows == len(want["stories"])
    tables.ensure_tables()
    for name, spec in (("stories", STORIES), ("story_claims", STORY_CLAIMS)):
        dt = tables.open(name)
        assert dt.metadata().partition_columns == ["story_day"]
        assert dt.metadata().description == f"claimwire {spec.version}"
        assert set(delta_schema(spec).names) <= set(dt.schema().to_arrow().names)
        got = dt.to_pyarrow_table()
        assert set(got.column("story_day").to_pylist()) == {None}      # the test output's ids carry no day
        assert sorted(map(repr, got.drop_columns(["story_day"]).to_pylist())) == want[name]
    tables.ensure_tables()                     # nothing more to do: no new version
    version = tables.open("stories").version()
    tables.ensure_tables()
    assert tables.open("stories").version() == version
    # and runs go on committing into it
    attempt, row = stage_run(tables, 2)
    tables.commit(attempt, row)
    assert read_dataset(root, "stories").num_rows == 3


def test_a_copy_of_an_article_alone_in_its_story_takes_the_story_its_canonical_starts():
    """The canonical (1 November) is in no component; its copy, published a day later, must not
    start a story dated by its own day: both take the id the canonical starts."""
    lexicon = EntityLexicon.load_dir(ROOT / "configs" / "entities")
    text = ("The city council of Rivertown approved a new budget for the harbour bridge on Monday, "
            "after three years of debate about its cost and its route across the estuary.")
    day1, day2 = datetime(2025, 11, 1, 9, tzinfo=UTC), datetime(2025, 11, 2, 9, tzinfo=UTC)
    canonical = Article("c1", "c1", "https://a.example/1", "", "Budget", text, lang="en", published_at=day1)
    copy = Article("c2", "c2", "https://b.example/1", "", "Budget", text, lang="en", published_at=day2,
                   dup_of="c1")
    from transforms.stories import ClusterStories
    with TestPipeline(runner="FnApiRunner") as p:
        out = p | beam.Create([canonical, copy]) | ClusterStories(StoryConfig(), lexicon)
        sid = story_id_for("c1", day1)
        assert_that(out["main"] | beam.Map(lambda a: (a.article_id, a.story_id)),
                    equal_to([("c1", sid), ("c2", sid)]))


@pytest.mark.parametrize("day", ["2025-11-01", None])
def test_story_rows_carry_the_partition_of_their_id(day):
    from transforms.core.schemas import story_claim_row
    from transforms.core.storyrows import story_row
    sid = story_id_for("a", datetime.fromisoformat(day).replace(tzinfo=UTC) if day else None)
    from transforms.core.records import ArticleMeta
    assert story_row(sid, [ArticleMeta("a", "x.example", "en", None, sid)], "r")["story_day"] == day
    from transforms.core.claims.story import StoryClaim
    sc = StoryClaim(sid, "q/death=61", "q/death", "quantity", "death", 1, 1, ("en",), None, "a", (61.0,), False,
                    ("c",), ("a",), ("x",))
    assert story_claim_row((sc, None), "r")["story_day"] == day


def test_many_touched_stories_commit_in_parts_and_a_failed_part_rolls_back(tmp_path, monkeypatch):
    """delta-rs crashes on an overwrite predicate of ~25,000 literals, so the replace goes in parts of
    ``REPLACE_STORIES`` stories; only the last part carries the attempt's app transaction, and if a
    part fails the attempt's earlier parts are rolled back like any commit of an unfinished attempt."""
    import deltalake

    import pipelines.delta as delta
    tables = OutputTables(tmp_path / "out")
    ids = [story_id_for(f"s{i}", datetime(2025, 11, 1 + i % 3, tzinfo=UTC)) for i in range(6)]
    _commit(tables, 0, [_story(s, "run00", 1) for s in ids], [_story_claim(s, "q/death=61", "run00") for s in ids])
    first = {n: sorted(map(repr, read_dataset(tables.url, n).to_pylist())) for n in ("stories", "story_claims")}
    version = tables.open("stories").version()
    monkeypatch.setattr(delta, "REPLACE_STORIES", 2)

    # a part fails: the run fails, and the next run's recover undoes the parts before it
    real, calls = deltalake.write_deltalake, {"n": 0}

    def failing(*a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("the store went away")
        return real(*a, **k)
    monkeypatch.setattr(deltalake, "write_deltalake", failing)
    with pytest.raises(Exception):
        _commit(tables, 1, [_story(s, "run01", 2) for s in ids[:5]],
                [_story_claim(s, "q/death=62", "run01") for s in ids[:5]])
    assert tables.open("stories").version() == version + 1          # the first part is in
    monkeypatch.setattr(deltalake, "write_deltalake", real)
    tables.recover()
    assert tables.open("stories").version() > version
    assert {n: sorted(map(repr, read_dataset(tables.url, n, pinned=False).to_pylist()))
            for n in ("stories", "story_claims")} == first

    # and in parts all the way: 5 stories in parts of 2 are 3 commits, the last with the app transaction
    before = tables.open("story_claims").version()
    _commit(tables, 2, [_story(s, "run02", 3) for s in ids[:5]], [_story_claim(s, "q/death=63", "run02") for s in ids[:5]])
    dt = tables.open("story_claims")
    assert dt.version() == before + 3
    assert int(dt.transaction_version("claimwire") or 0) == tables.runs()[-1]["serial"]
    claims = sorted((r["story_id"], r["claim_key"]) for r in read_dataset(tables.url, "story_claims").to_pylist())
    assert claims == sorted([(s, "q/death=63") for s in ids[:5]] + [(ids[5], "q/death=61")])


def test_a_run_touching_thirty_thousand_stories_commits(tmp_path):
    """The size at which one overwrite predicate crashed delta-rs 1.6 (a segfault at ~25,000 ids of one day)."""
    from deltalake import DeltaTable, write_deltalake
    schema = delta_schema(STORIES)
    rows = [{"story_id": f"s_20260101_{i:016x}", "article_count": 1, "source_count": 1,
             "languages": ["en"], "title": "t", "run_id": "r0", "story_day": "2026-01-01"}
            for i in range(30_000)]        # one day: one list of ids (lists of several days did not crash)
    uri = str(tmp_path / "stories")
    write_deltalake(uri, pa.Table.from_pylist(rows, schema=schema), partition_by=["story_day"])
    again = pa.Table.from_pylist([{**r, "run_id": "r1"} for r in rows], schema=schema)
    OutputTables(tmp_path)._replace_stories(DeltaTable(uri), STORIES,
                                            pa.RecordBatchReader.from_batches(schema, again.to_batches()), None)
    got = DeltaTable(uri).to_pyarrow_table(columns=["run_id"]).column("run_id").to_pylist()
    assert len(got) == 30_000 and set(got) == {"r1"}
