"""The published output as analysts read it: DuckDB, pyarrow.dataset and Polars agree, schemas are versioned."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from output_data import build_output, without_fsync
from transforms.core.schemas import DATASETS

KEYS = {"articles": ["article_id", "lang", "published_date"], "claims": ["claim_id", "lang", "published_date"],
        "stories": ["story_id", "article_count"], "story_claims": ["story_id", "claim_key", "disputed"],
        "failures": ["run_id", "stage", "reason", "input"], "runs": ["run_id", "articles"]}


@pytest.fixture(scope="module", autouse=True)
def _no_fsync():
    with without_fsync():
        yield


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return build_output(tmp_path_factory.mktemp("out"))


def _norm(v):
    return None if v is None else str(v)


def _duck(out: Path, name: str) -> Counter:
    cols = ", ".join(f'"{c}"' for c in KEYS[name])
    rows = duckdb.sql(f"SELECT {cols} FROM read_parquet('{out}/{name}/**/*.parquet', "
                      "hive_partitioning = true)").fetchall()
    return Counter(tuple(_norm(v) for v in r) for r in rows)


def _arrow(out: Path, name: str) -> Counter:
    table = ds.dataset(str(out / name), format="parquet", partitioning="hive").to_table(columns=KEYS[name])
    return Counter(tuple(_norm(v) for v in r.values()) for r in table.to_pylist())


def _polars(out: Path, name: str) -> Counter:
    frame = pl.scan_parquet(str(out / name / "**" / "*.parquet"), hive_partitioning=True).select(KEYS[name]).collect()
    return Counter(tuple(_norm(v) for v in r) for r in frame.iter_rows())


@pytest.mark.parametrize("name", sorted(KEYS))
def test_duckdb_pyarrow_and_polars_read_the_same_rows(out, name):
    manifest_rows = __import__("json").loads((out / "_manifest.json").read_text())["datasets"][name]["rows"]
    d, a, p = _duck(out, name), _arrow(out, name), _polars(out, name)
    assert sum(d.values()) == manifest_rows > 0
    assert d == a == p


def test_unknown_date_reads_back_as_null_everywhere(out):
    d = duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}/articles/**/*.parquet', hive_partitioning = true) "
                   "WHERE published_date IS NULL").fetchall()[0][0]
    p = (pl.scan_parquet(str(out / "articles" / "**" / "*.parquet"), hive_partitioning=True)
         .filter(pl.col("published_date").is_null()).collect().height)
    a = ds.dataset(str(out / "articles"), format="parquet", partitioning="hive").to_table(
        filter=ds.field("published_date").is_null()).num_rows
    assert d == p == a == 1


def test_every_file_carries_its_schema_version_and_the_declared_columns(out):
    for name, spec in DATASETS.items():
        files = sorted((out / name).rglob("*.parquet"))
        assert files, name
        for f in files:
            pf = pq.ParquetFile(f)
            assert pf.schema_arrow.metadata[b"claimwire.schema"] == spec.version.encode()
            assert pf.schema_arrow.remove_metadata().equals(spec.schema), f
            assert not set(spec.partition_by) & set(pf.schema_arrow.names)   # partition keys only in paths
            assert pf.metadata.row_group(0).column(0).compression == "ZSTD"


def test_nothing_but_parquet_files_inside_dataset_folders(out):
    for name in DATASETS:
        stray = [p for p in (out / name).rglob("*") if p.is_file() and p.suffix != ".parquet"]
        assert stray == []
