"""The pure half of the sink: file names, partition values, receipts and their statistics."""
from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms.core.schemas import ARTICLES, FAILURES, STORIES
from transforms.core.sink import (SinkError, attempt_id, content_digest, delta_schema, file_name, file_stats, join, parquet_bytes,
                                  parse_receipts, partition_folder, partition_values, receipt, table_for)


def test_names_keep_run_attempt_and_shard_apart():
    a, b = attempt_id(7, "aa11bb"), attempt_id(7, "cc22dd")
    assert a != b and a < attempt_id(8, "000000")
    digest = content_digest(b"PAR1...")
    assert file_name("r1", a, digest) == f"part-r1-{a}-{digest}.parquet" != file_name("r1", b, digest)
    assert len(digest) == 20
    assert content_digest(b"PAR1...") == digest != content_digest(b"PAR1..,")


def test_join_never_turns_a_url_into_a_local_path():
    assert join("s3://bucket/out/", "articles", "lang=en") == "s3://bucket/out/articles/lang=en"
    assert join("/tmp/out", "runs") == "/tmp/out/runs"


def test_unknown_and_hostile_partition_values():
    row = {"published_date": None, "lang": "../../etc"}
    values = partition_values(ARTICLES, row)
    assert values == {"published_date": None, "lang": "_.._etc"}   # no "/" and no leading dot
    assert partition_folder(values, ARTICLES.partition_by) == "published_date=__HIVE_DEFAULT_PARTITION__/lang=_.._etc"
    assert partition_values(STORIES, {"story_id": "s"}) == {"story_day": None}
    assert partition_values(STORIES, {"story_id": "s_20251031_ab", "story_day": "2025-10-31"}) == {
        "story_day": "2025-10-31"}


def test_delta_schema_appends_the_partition_columns_as_strings():
    schema = delta_schema(FAILURES)
    assert schema.names == [*FAILURES.schema.names, "stage"] and schema.field("stage").type == pa.string()


def test_stats_count_nulls_and_bound_numbers_and_times_but_not_strings():
    t = table_for(ARTICLES, [
        {"article_id": "b", "char_count": 5, "published_at": datetime(2025, 1, 2, tzinfo=timezone.utc)},
        {"article_id": "a", "char_count": 9, "published_at": None},
    ])
    stats = json.loads(file_stats(t))
    assert stats["numRecords"] == 2
    assert stats["nullCount"]["published_at"] == 1 and stats["nullCount"]["article_id"] == 0
    assert stats["minValues"]["char_count"] == 5 and stats["maxValues"]["char_count"] == 9
    assert stats["minValues"]["published_at"] == "2025-01-02T00:00:00.000Z"
    assert "article_id" not in stats["minValues"]          # a truncated string bound would be wrong
    assert t.column("article_id").to_pylist() == ["a", "b"]   # rows sorted inside the file


def test_a_receipt_round_trips_and_a_foreign_one_is_refused():
    t = table_for(FAILURES, [{"run_id": "r", "reason": "x", "input": "i", "detail": None}])
    data = parquet_bytes(t)
    assert pq.read_table(io.BytesIO(data)).num_rows == 1
    r = receipt("failures", "stage=read/f.parquet", len(data), {"stage": "read"}, t)
    assert parse_receipts(json.dumps(r).encode()) == [r]
    with pytest.raises(SinkError):
        parse_receipts(json.dumps({**r, "dataset": "secrets"}).encode())
    assert parse_receipts(json.dumps([r, r]).encode()) == [r, r] and parse_receipts(json.dumps(r).encode()) == [r]
    for bad in ([r, {**r, "dataset": "secrets"}], [r, "text"], "text"):
        with pytest.raises(SinkError):
            parse_receipts(json.dumps(bad).encode())


def test_parquet_bytes_are_deterministic():
    rows = [{"run_id": "r", "reason": "x", "input": f"i{i}", "detail": None} for i in range(20)]
    assert parquet_bytes(table_for(FAILURES, rows)) == parquet_bytes(table_for(FAILURES, list(reversed(rows))))


def test_a_small_file_is_snappy_and_a_large_one_zstd():
    """zstd's per-column set-up is most of a small file's write time; from ``SMALL_FILE_BYTES`` of
    data up the file is zstd. Either way the rows read back whole and the bytes are deterministic."""
    from transforms.core.sink import SMALL_FILE_BYTES, parquet_options

    def rows(n):
        return [{"run_id": "r", "reason": "bad_input", "input": f"s3://bucket/feeds/{i:06d}.xml",
                 "detail": f"line {i}: unexpected end of element"} for i in range(n)]

    small, large = table_for(FAILURES, rows(5)), table_for(FAILURES, rows(2000))
    assert small.nbytes < SMALL_FILE_BYTES <= large.nbytes
    assert parquet_options(small)["compression"] == "snappy" and parquet_options(large)["compression"] == "zstd"
    for table, codec in ((small, "SNAPPY"), (large, "ZSTD")):
        data = parquet_bytes(table)
        meta = pq.ParquetFile(io.BytesIO(data)).metadata
        assert {meta.row_group(0).column(c).compression for c in range(meta.num_columns)} == {codec}
        assert pq.read_table(io.BytesIO(data)).equals(table) and parquet_bytes(table) == data


def _held_bytes(value, seen=None) -> int:
    """What CPython holds for a row's values (keys are shared by every row: not counted)."""
    import sys
    seen = set() if seen is None else seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    n = sys.getsizeof(value)
    if isinstance(value, dict):
        n += sum(_held_bytes(v, seen) for v in value.values())
    elif isinstance(value, (list, tuple)):
        n += sum(_held_bytes(v, seen) for v in value)
    return n


@pytest.mark.parametrize("row", [
    # a claim row: many short fields, numbers, a time, lists of ids
    {"claim_id": "c_" + "7" * 16, "article_id": "a_" + "3" * 16, "story_id": "s_" + "1" * 16, "kind": "reported",
     "claim_key": "said/org:russian_foreign_ministry/support", "lang": "en", "claimant": "the Russian Foreign Ministry",
     "statement": "Moscow will continue to support the Venezuelan people " * 3, "value": 12.5, "unit": None,
     "char_start": 1234, "char_end": 1456, "confidence": 0.7, "published_at": datetime(2025, 10, 31, tzinfo=timezone.utc),
     "entities": ["org:russian_foreign_ministry", "place:venezuela", "person:nicolas_maduro"], "cue": "said",
     **{f"extra_{i}": None for i in range(10)}},
    # a story_claims row: lists of many ids
    {"story_id": "s_" + "1" * 16, "claim_key": "said/person:x/y", "article_ids": [f"a_{i:016x}" for i in range(40)],
     "sources": [f"outlet{i}.example" for i in range(40)], "article_count": 40, "disputed": False},
    # an index key row: three short strings
    {"key": "b:3:" + "f" * 16, "article_id": "a_" + "3" * 16, "day": "2025-10-31"},
])
def test_row_weight_is_never_below_what_the_row_holds(row):
    # A writer flushes on these weights: an estimate below the real size would let it hold more than
    # its budget (counting only the text had let claim rows weigh ~6x their estimate).
    from transforms.core.sink import row_weight
    held = _held_bytes(row) - _held_bytes({})   # the dict's own slots are in row_weight's base and per-field cost
    assert held <= row_weight(row) <= 1.6 * (held + 232)


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
    | st.binary(max_size=30) | st.datetimes(),
    lambda inner: st.lists(inner, max_size=5) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12)


@given(st.dictionaries(st.text(max_size=8), _VALUES, max_size=12))
def test_row_weight_is_the_sum_of_its_values_weights(row):
    # row_weight weighs common types inline for speed: it must give what the definition gives.
    from transforms.core.sink import _DICT_BASE, _PER_FIELD, _value_weight, row_weight
    assert row_weight(row) == _DICT_BASE + sum(_PER_FIELD + _value_weight(v) for v in row.values())
