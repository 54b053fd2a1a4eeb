"""The sink: deterministic files, publish by batch folders and snapshot files, replacement of changed rows."""
import os
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest
import pyarrow.parquet as pq

from transforms.core.schemas import ARTICLES, STORIES, partition_value
from transforms.core.sink import SinkError, Store, group_rows, write_partition


def _article(i: int, lang: str = "en", day: int = 1) -> dict:
    return {"article_id": f"a{i:03d}", "url": f"https://ex.com/{i}", "source": "ex.com", "title": "t",
            "text": f"text {i}", "lang_prob": 0.99, "published_at": datetime(2025, 11, day, tzinfo=timezone.utc),
            "story_id": f"s{i}", "run_id": "r1", "published_date": f"2025-11-{day:02d}", "lang": lang}


def _stage(store: Store, run_id: str, spec, rows) -> Path:
    staging = store.staging_dir(run_id)
    for part, prows in group_rows(spec, rows).items():
        write_partition(spec, part, prows, staging, run_id)
    return staging


def test_partition_values_cannot_escape():
    for bad in ["../../etc", "/abs", "..", "a/b", "x\x00y", "", None, "." * 10]:
        v = partition_value(bad)
        assert "/" not in v and not v.startswith(".") and "\x00" not in v and v


def test_files_are_deterministic(tmp_path):
    rows = [_article(i) for i in (3, 1, 2)]
    a = write_partition(ARTICLES, "p", rows, tmp_path / "x", "r1")
    b = write_partition(ARTICLES, "p", list(reversed(rows)), tmp_path / "y", "r1")
    fa, fb = tmp_path / "x" / "articles" / a[0], tmp_path / "y" / "articles" / b[0]
    assert fa.read_bytes() == fb.read_bytes()
    meta = pq.ParquetFile(fa)
    assert meta.schema_arrow.metadata[b"claimwire.schema"] == b"articles.v1"
    assert meta.metadata.row_group(0).column(0).compression == "ZSTD"
    assert pq.read_table(fa)["article_id"].to_pylist() == ["a001", "a002", "a003"]


def test_publish_adds_one_batch_folder_per_run_and_never_touches_an_old_one(tmp_path):
    store = Store(tmp_path)
    store.publish(_stage(store, "r1", ARTICLES, [_article(1), _article(2, "vi", 2)]), "r1")
    first = {p: p.stat().st_ino for p in (tmp_path / "articles" / "batch=1").rglob("*")}
    store.publish(_stage(store, "r2", ARTICLES, [_article(3, "fa")]), "r2")
    assert sorted(p.name for p in (tmp_path / "articles").iterdir()) == ["batch=1", "batch=2"]
    assert {p: p.stat().st_ino for p in (tmp_path / "articles" / "batch=1").rglob("*")} == \
        {p: i for p, i in first.items()}
    got = duckdb.sql(f"SELECT article_id, lang, published_date, batch FROM read_parquet("
                     f"'{tmp_path}/articles/**/*.parquet', hive_partitioning=true) ORDER BY 1").fetchall()
    assert [(a, l, str(d), b) for a, l, d, b in got] == [
        ("a001", "en", "2025-11-01", 1), ("a002", "vi", "2025-11-02", 1), ("a003", "fa", "2025-11-01", 2)]
    assert not [p for p in tmp_path.rglob("*.parquet") if "staging" in p.parts]
    assert not (store.control / "journal.json").exists()
    manifest = store.manifest()
    assert manifest["version"] == "000002" and manifest["datasets"]["articles"]["rows"] == 3
    assert [b["run_ids"] for b in manifest["batches"]] == [["r1"], ["r2"]]
    assert sorted(store.files("articles")) == sorted((tmp_path / "articles").rglob("*.parquet"))


def test_a_snapshot_dataset_is_one_file_replaced_and_pinned_for_manifest_readers(tmp_path):
    store = Store(tmp_path)
    s1 = [{"story_id": "s1", "article_count": 1, "run_id": "r1"}, {"story_id": "s2", "article_count": 1, "run_id": "r1"}]
    store.publish(_stage(store, "r1", STORIES, s1), "r1")
    pinned_v1 = store.files("stories")
    assert [p.relative_to(tmp_path).as_posix() for p in pinned_v1] == [".claimwire/pinned/000001/stories/part-0000.parquet"]
    assert pinned_v1[0].samefile(tmp_path / "stories" / "part-0000.parquet")
    store.publish(_stage(store, "r2", STORIES, [{"story_id": "s3", "article_count": 1, "run_id": "r2"}]), "r2")
    assert [p.name for p in (tmp_path / "stories").iterdir()] == ["part-0000.parquet"]
    assert pq.read_table(tmp_path / "stories" / "part-0000.parquet")["story_id"].to_pylist() == ["s1", "s2", "s3"]
    assert pq.read_table(pinned_v1[0])["story_id"].to_pylist() == ["s1", "s2"]   # the previous version stays
    for _ in range(2):   # an unchanged snapshot is pinned again; pins older than the previous version go
        store.publish(_stage(store, "rx", ARTICLES, [_article(9)]), "rx")
    assert not pinned_v1[0].exists()
    assert sorted(p.name for p in (store.control / "pinned").iterdir()) == ["000003", "000004"]
    assert store.read("stories").num_rows == 3


def test_same_run_republished_adds_no_rows(tmp_path):
    store = Store(tmp_path)
    for _ in range(2):
        store.publish(_stage(store, "r1", ARTICLES, [_article(1), _article(2)]), "r1")
    assert store.read("articles").num_rows == 2


def test_replace_by_key(tmp_path):
    store = Store(tmp_path)
    s1 = [{"story_id": "s1", "article_count": 1, "run_id": "r1"}, {"story_id": "s2", "article_count": 1, "run_id": "r1"}]
    store.publish(_stage(store, "r1", STORIES, s1), "r1")
    s2 = [{"story_id": "s1", "article_count": 3, "run_id": "r2"}]
    store.publish(_stage(store, "r2", STORIES, s2), "r2", replace_keys={"stories": {"s1"}})
    rows = sorted((r["story_id"], r["article_count"]) for r in store.read("stories").to_pylist())
    assert rows == [("s1", 3), ("s2", 1)]


def test_cleanup_removes_what_a_dead_run_left(tmp_path):
    store = Store(tmp_path)
    dead = store.control / "staging" / "rX-999999999"
    (dead / "articles").mkdir(parents=True)
    retired = store.control / "retired" / "000009-articles-batch=1"
    retired.mkdir(parents=True)
    removed = store.cleanup()
    assert str(dead) in removed and not dead.exists() and not retired.exists()


def test_output_of_the_older_link_layout_is_refused_with_a_clear_reason(tmp_path):
    (tmp_path / ".claimwire" / "versions" / "000001" / "articles").mkdir(parents=True)
    os.symlink(".claimwire/current/articles", tmp_path / "articles")
    with pytest.raises(SinkError, match="older claimwire layout"):
        Store(tmp_path).manifest()
