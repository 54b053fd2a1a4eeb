"""DuckDB views over the published datasets, for ``claimwire query`` and the run summary."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import duckdb

from transforms.core.schemas import DATASETS
from transforms.core.sink import Store


def connect(output: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per dataset; an unpublished dataset is an empty view.

    The views read the exact files the manifest lists (snapshot files through
    their pinned links), read once: a query sees one published state across
    every dataset even while a run publishes the next.
    """
    con = duckdb.connect(":memory:")
    manifest = Store(output).manifest() or {"datasets": {}}
    for name, spec in DATASETS.items():
        files = [(output / f).as_posix() for f in manifest["datasets"].get(name, {}).get("files", [])]
        if files:
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{listed}], "
                        f"hive_partitioning = true, union_by_name = true)")
        else:
            cols = ", ".join(f'CAST(NULL AS {_duck_type(f.type)}) AS "{f.name}"' for f in spec.schema)
            keys = spec.partition_by if spec.snapshot else ("batch", *spec.partition_by)
            parts = "".join(f', CAST(NULL AS {"BIGINT" if k == "batch" else "VARCHAR"}) AS "{k}"' for k in keys)
            con.execute(f"CREATE VIEW {name} AS SELECT {cols}{parts} WHERE false")
    return con


def _duck_type(t: Any) -> str:
    import pyarrow as pa
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ"
    if pa.types.is_floating(t):
        return "DOUBLE"
    if pa.types.is_integer(t):
        return "BIGINT"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_list(t):
        return "VARCHAR[]"
    if pa.types.is_struct(t):
        return "VARCHAR"
    return "VARCHAR"


def run_query(output: Path, sql: str, fmt: str = "table") -> str:
    con = connect(output)
    rel = con.sql(sql)
    if rel is None:
        return ""
    cols = rel.columns
    rows = rel.fetchall()
    if fmt == "json":
        return "\n".join(json.dumps(dict(zip(cols, r)), ensure_ascii=False, default=str) for r in rows)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(cols)
        w.writerows(rows)
        return buf.getvalue().rstrip("\n")
    return format_table(cols, rows)


def format_table(cols: list[str], rows: list[tuple], max_width: int = 60) -> str:
    def cell(v: Any) -> str:
        s = "" if v is None else (", ".join(map(str, v)) if isinstance(v, list) else str(v))
        s = s.replace("\n", " ")
        return s if len(s) <= max_width else s[: max_width - 1] + "…"
    body = [[cell(v) for v in r] for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in body]) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w) for c, w in zip(cols, widths))
    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line, sep] + ["  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in body])


SUMMARY_QUERIES = [
    ("Rows per dataset", """
        SELECT 'articles' AS dataset, count(*) AS rows FROM articles UNION ALL
        SELECT 'claims', count(*) FROM claims UNION ALL
        SELECT 'stories', count(*) FROM stories UNION ALL
        SELECT 'story_claims', count(*) FROM story_claims UNION ALL
        SELECT 'failures', count(*) FROM failures UNION ALL
        SELECT 'runs', count(*) FROM runs"""),
    ("Articles by language", """
        SELECT lang, count(*) AS articles, count(dup_of) AS duplicates
        FROM articles GROUP BY lang ORDER BY articles DESC, lang"""),
    ("Largest stories", """
        SELECT story_id, article_count AS articles, source_count AS sources,
               array_to_string(languages, ',') AS langs, title
        FROM stories ORDER BY article_count DESC, story_id LIMIT 5"""),
    ("Most repeated claims", """
        SELECT sc.article_count AS articles, array_to_string(sc.languages, ',') AS langs,
               sc.kind, sc.unit, array_to_string(sc."values", ' | ') AS "values",
               CASE WHEN sc.disputed THEN 'DISPUTED' ELSE '' END AS disputed, sc.example
        FROM story_claims sc ORDER BY sc.article_count DESC, sc.disputed DESC, sc.claim_key LIMIT 8"""),
    ("Failures by stage and reason", """
        SELECT stage, reason, count(*) AS n FROM failures GROUP BY stage, reason ORDER BY n DESC, stage, reason"""),
]


def summary(output: Path) -> str:
    con = connect(output)
    parts = []
    for title, sql in SUMMARY_QUERIES:
        rel = con.sql(sql)
        rows = rel.fetchall()
        parts.append(f"== {title}\n" + (format_table(rel.columns, rows) if rows else "(none)"))
    return "\n\n".join(parts)
