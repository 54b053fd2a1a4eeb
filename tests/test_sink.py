"""The sink: deterministic files, atomic publish by link swap, replacement of changed rows."""
import os
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from transforms.core.schemas import ARTICLES, STORIES, partition_value
from transforms.core.sink import Store, group_rows, write_partition


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


def test_publish_is_readable_with_hive_partitions_and_old_version_survives(tmp_path):
    store = Store(tmp_path)
    store.publish(_stage(store, "r1", ARTICLES, [_article(1), _article(2, "vi", 2)]), "r1")
    first = os.path.realpath(tmp_path / "articles")
    store.publish(_stage(store, "r2", ARTICLES, [_article(3, "fa")]), "r2")
    assert os.readlink(tmp_path / "articles") == ".claimwire/current/articles"
    assert os.path.realpath(tmp_path / "articles") != first
    got = duckdb.sql(f"SELECT article_id, lang, published_date FROM read_parquet("
                     f"'{tmp_path}/articles/**/*.parquet', hive_partitioning=true) ORDER BY 1").fetchall()
    assert [(a, l, str(d)) for a, l, d in got] == [
        ("a001", "en", "2025-11-01"), ("a002", "vi", "2025-11-02"), ("a003", "fa", "2025-11-01")]
    # the previous version is still whole for a reader that resolved the old link
    assert len(list(Path(first).rglob("*.parquet"))) == 2
    assert not [p for p in tmp_path.rglob("*.parquet") if ".staging" in str(p) or "staging" in p.parts]


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
    half = store.control / "versions" / "000009.building"
    half.mkdir(parents=True)
    removed = store.cleanup()
    assert str(dead) in removed and str(half) in removed
    assert not dead.exists() and not half.exists()
