"""Filtering index files by this run's wanted values (``transforms.index.Wanted``): the rows Arrow's
``is_in`` keeps, without rebuilding a hash table of the values for every file."""
from __future__ import annotations

import io
import random

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from transforms.index import IndexReadError, Wanted, _read_table


def _is_in(table: pa.Table, column: str, values) -> pa.Table:
    """What the index read kept before: Arrow's own set lookup."""
    return table.filter(pc.is_in(table[column], value_set=pa.array(sorted(set(values))).cast(table[column].type)))


@pytest.mark.parametrize("kind", [pa.int64(), pa.uint64(), pa.int32()])
def test_integer_keys_keep_what_is_in_keeps(kind):
    rng = random.Random(7)
    top = 2**31 - 1 if kind == pa.int32() else 2**62
    stored = [rng.randrange(top) for _ in range(3000)]
    wanted = rng.sample(stored, 400) + [rng.randrange(top) for _ in range(400)] + [0, top - 1]
    # two chunks, with nulls among the stored keys
    table = pa.Table.from_batches([
        pa.RecordBatch.from_pydict({"key": pa.array(stored[:1500] + [None], type=kind),
                                    "article_id": [f"a{i}" for i in range(1501)]}),
        pa.RecordBatch.from_pydict({"key": pa.array([None] + stored[1500:], type=kind),
                                    "article_id": [f"b{i}" for i in range(1501)]}),
    ])
    got = Wanted(wanted).rows_in(table, "key")
    assert got.equals(_is_in(table, "key", wanted))
    assert 400 <= got.num_rows < table.num_rows


def test_string_ids_keep_what_is_in_keeps_and_nulls_never_match():
    table = pa.table({"story_id": ["s1", None, "s2", "s3", None, "s1"], "n": [1, 2, 3, 4, 5, 6]})
    wanted = ["s1", "s3", "s9"]
    got = Wanted(wanted).rows_in(table, "story_id")
    assert got.equals(_is_in(table, "story_id", wanted))
    assert got["n"].to_pylist() == [1, 4, 6]


def test_integers_wanted_against_a_string_column_match_nothing_as_before():
    table = pa.table({"article_id": ["1", "2"]})
    assert Wanted([1, 2]).rows_in(table, "article_id").num_rows == 0


def test_empty_tables_and_no_match_give_empty_tables_of_the_same_schema():
    table = pa.table({"key": pa.array([], type=pa.int64()), "article_id": pa.array([], type=pa.string())})
    got = Wanted([1, 2]).rows_in(table, "key")
    assert got.num_rows == 0 and got.schema == table.schema
    table = pa.table({"key": pa.array([5, 6], type=pa.int64())})
    assert Wanted([1, 2]).rows_in(table, "key").num_rows == 0
    assert len(Wanted([1, 2, 2])) == 2


def test_one_prepared_set_serves_many_files_and_column_types():
    wanted = Wanted([3, 4])
    a = pa.table({"key": pa.array([1, 3, 4], type=pa.int64())})
    b = pa.table({"key": pa.array([4, 9], type=pa.uint64())})
    assert wanted.rows_in(a, "key")["key"].to_pylist() == [3, 4]
    assert wanted.rows_in(b, "key")["key"].to_pylist() == [4]
    assert wanted.rows_in(a, "key")["key"].to_pylist() == [3, 4]


def test_read_table_reads_the_columns_a_file_has_in_the_order_asked(tmp_path):
    table = pa.table({"a": [1, 2], "b": ["x", "y"], "c": [True, False]})
    path = tmp_path / "f.parquet"
    pq.write_table(table, path)
    got = _read_table(str(path), ["c", "a", "missing"])
    assert got.column_names == ["c", "a"]
    assert got.equals(pq.read_table(io.BytesIO(path.read_bytes()), columns=["c", "a"]))
    assert _read_table(str(path), None).equals(table)


def test_read_table_of_a_broken_file_is_an_index_read_error(tmp_path):
    path = tmp_path / "part-0.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(IndexReadError, match="part-0.parquet"):
        _read_table(str(path), ["key"])


def test_index_tables_with_more_small_files_than_days_by_the_threshold_are_compacted():
    from pipelines.runner import index_tables_to_compact
    small, big, target = 1_000, 6_000, 10_000
    sizes = {
        "index_keys": tuple((f"2025-03-0{1 + i % 3}", small) for i in range(7)),     # 7 small files, 3 days
        "index_members": tuple((f"2025-03-0{1 + i}", small) for i in range(3)),      # one file a day
        "index_claims": (("2025-03-01", small), ("2025-03-01", small)),
        # files of half the target or more (merged already, or large when written) are not counted
        "index_articles": tuple(("2025-03-01", big) for _ in range(9)) + (("2025-03-01", small),),
    }
    assert index_tables_to_compact(sizes, 4, target) == ["index_keys"]
    assert index_tables_to_compact(sizes, 1, target) == ["index_keys", "index_claims"]
    assert index_tables_to_compact(sizes, 5, target) == []
    assert index_tables_to_compact({}, 1, target) == []
    # with a larger target the same files are small, and the articles' pile up
    assert "index_articles" in index_tables_to_compact(sizes, 4, 10 * target)


def test_a_compaction_up_to_a_target_leaves_large_files_and_merges_the_small_ones(tmp_path):
    """Delta's bin-packing with ``target_size`` (what a run's index compaction uses): a file larger
    than the target is not rewritten, the small ones are merged into one, and the rows are the same."""
    from deltalake import DeltaTable, write_deltalake
    path = str(tmp_path / "t")
    rnd = random.Random(0)

    def rows(n: int):
        values = [rnd.getrandbits(62) for _ in range(n)]
        return pa.table({"day": ["2025-03-01"] * n, "v": values, "s": [f"{x:032x}" for x in values]})
    write_deltalake(path, rows(20_000), mode="append", partition_by=["day"])
    big = DeltaTable(path).file_uris()
    big_size = pa.table(DeltaTable(path).get_add_actions(flatten=True)).column("size_bytes")[0].as_py()
    for _ in range(4):
        write_deltalake(path, rows(50), mode="append", partition_by=["day"])
    before = sorted(map(str, DeltaTable(path).to_pyarrow_table().to_pylist()))
    metrics = DeltaTable(path).optimize.compact(target_size=big_size - 1)
    after = DeltaTable(path)
    assert metrics["numFilesRemoved"] == 4 and metrics["numFilesAdded"] == 1
    assert set(big) <= set(after.file_uris()) and len(after.file_uris()) == 2
    assert sorted(map(str, after.to_pyarrow_table().to_pylist())) == before
