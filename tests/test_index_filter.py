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


def test_index_tables_with_more_files_than_days_by_the_threshold_are_compacted():
    from pipelines.runner import index_tables_to_compact
    from transforms.index import IndexFiles
    files = {
        "index_keys": tuple((f"k{i}", f"2025-03-0{1 + i % 3}") for i in range(7)),     # 7 files, 3 days
        "index_members": tuple((f"m{i}", f"2025-03-0{1 + i}") for i in range(3)),      # one file a day
        "index_claims": (("c0", "2025-03-01"), ("c1", "2025-03-01")),
    }
    index = IndexFiles(files)
    assert index_tables_to_compact(index, 4) == ["index_keys"]
    assert index_tables_to_compact(index, 1) == ["index_keys", "index_claims"]
    assert index_tables_to_compact(index, 5) == []
    assert index_tables_to_compact(IndexFiles(), 1) == []
