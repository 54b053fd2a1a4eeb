"""The committed tables as analysts read them: DuckDB, pyarrow and Polars agree through Delta."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from output_data import build_output
from transforms.core.schemas import DATASETS
from transforms.core.sink import SMALL_FILE_BYTES

KEYS = {"articles": ["article_id", "lang", "published_date"], "claims": ["claim_id", "lang", "published_date"],
        "stories": ["story_id", "article_count"], "story_claims": ["story_id", "claim_key", "disputed"],
        "failures": ["run_id", "stage", "reason", "input"], "runs": ["run_id", "articles"]}


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return build_output(tmp_path_factory.mktemp("out"))


def _norm(v):
    return None if v is None else str(v)


def _duck(out: Path, name: str) -> Counter:
    con = duckdb.connect()
    con.register("t", DeltaTable(str(out / name)).to_pyarrow_dataset())
    cols = ", ".join(f'"{c}"' for c in KEYS[name])
    return Counter(tuple(_norm(v) for v in r) for r in con.sql(f"SELECT {cols} FROM t").fetchall())


def _arrow(out: Path, name: str) -> Counter:
    table = DeltaTable(str(out / name)).to_pyarrow_dataset().to_table(columns=KEYS[name])
    return Counter(tuple(_norm(v) for v in r.values()) for r in table.to_pylist())


def _polars(out: Path, name: str) -> Counter:
    frame = pl.scan_delta(str(out / name)).select(KEYS[name]).collect()
    return Counter(tuple(_norm(v) for v in r) for r in frame.iter_rows())


@pytest.mark.parametrize("name", sorted(KEYS))
def test_duckdb_pyarrow_and_polars_read_the_same_rows(out, name):
    d, a, p = _duck(out, name), _arrow(out, name), _polars(out, name)
    expected = {"articles": 18, "claims": 36, "stories": 3, "story_claims": 6, "failures": 9, "runs": 3}[name]
    assert sum(d.values()) == expected
    assert d == a == p


def test_unknown_date_reads_back_as_null_everywhere(out):
    con = duckdb.connect()
    con.register("a", DeltaTable(str(out / "articles")).to_pyarrow_dataset())
    d = con.sql("SELECT count(*) FROM a WHERE published_date IS NULL").fetchall()[0][0]
    p = pl.scan_delta(str(out / "articles")).filter(pl.col("published_date").is_null()).collect().height
    a = DeltaTable(str(out / "articles")).to_pyarrow_dataset().to_table(
        filter=ds.field("published_date").is_null()).num_rows
    assert d == p == a == 1


def test_worker_files_carry_their_schema_version_and_no_partition_columns(out):
    for name in ("articles", "claims", "failures"):
        spec = DATASETS[name]
        files = DeltaTable(str(out / name)).file_uris()
        assert files, name
        for f in files:
            pf = pq.ParquetFile(f)
            assert pf.schema_arrow.metadata[b"claimwire.schema"] == spec.version.encode()
            assert pf.schema_arrow.remove_metadata().equals(spec.schema), f
            assert not set(spec.partition_by) & set(pf.schema_arrow.names)   # partition keys only in paths
            # zstd, or snappy for a file under SMALL_FILE_BYTES of data (parquet_options; most seed files
            # are). Read back, a table's size differs a little from the one written: near the line, either.
            held, codec = pf.read().nbytes, pf.metadata.row_group(0).column(0).compression
            if held < SMALL_FILE_BYTES / 2:
                assert codec == "SNAPPY", f
            elif held > 2 * SMALL_FILE_BYTES:
                assert codec == "ZSTD", f
            else:
                assert codec in ("SNAPPY", "ZSTD"), f


def test_every_table_names_itself_and_its_schema_version(out):
    for name, spec in DATASETS.items():
        meta = DeltaTable(str(out / spec.path)).metadata()
        assert meta.name == f"claimwire.{name}" and meta.description == f"claimwire {spec.version}"
        assert list(meta.partition_columns) == list(spec.partition_by)


def test_add_actions_carry_partition_values_and_stats(out):
    adds = pa.table(DeltaTable(str(out / "articles")).get_add_actions(flatten=True)).to_pylist()
    assert sum(a["num_records"] for a in adds) == 18
    nulls = [a for a in adds if a["partition.published_date"] is None]
    assert len(nulls) == 1 and "__HIVE_DEFAULT_PARTITION__" in nulls[0]["path"]
    dated = [a for a in adds if a["min.published_at"] is not None]
    assert dated and all(a["min.published_at"] <= a["max.published_at"] for a in dated)
