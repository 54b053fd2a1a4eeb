"""DuckDB views over the published datasets, for ``claimwire query`` and the run summary."""
from __future__ import annotations

import csv
import io
import json
import os
from typing import Any

import duckdb

from transforms.core.sink import SinkError


def connect(output: str | os.PathLike[str]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per dataset, as of the last committed run.

    Each view is the Delta table at the version the last ``runs`` row names,
    registered as a pyarrow dataset: a query sees one state across every
    table even while a run commits the next, with any DuckDB and offline.
    """
    from pipelines.delta import OutputTables
    tables = OutputTables(output)
    tables.check_layout()
    if not tables.has_output():
        if "://" not in tables.url and not os.path.exists(tables.url):
            raise SinkError(f"--output {tables.url}: no such folder "
                            f"(write one with 'claimwire replay PATH --output {tables.url}')")
        raise SinkError(f"--output {tables.url}: no claimwire output in this folder (no Delta tables); "
                        "run `claimwire replay` into it first")
    con = duckdb.connect(":memory:")
    # delta-rs (1.6) writes string_view columns in the files MERGE and optimize rewrite, and pyarrow
    # (25) has no comparison kernels for them: a filter DuckDB pushes into the dataset scan then
    # fails (delta-rs#4579, arrow#49368). Filters are applied by DuckDB itself instead.
    con.execute("SET disabled_optimizers = 'filter_pushdown'")
    for name, dt in sorted(tables.pinned().items()):
        con.register(f"_{name}_delta", dt.to_pyarrow_dataset())
        con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM "_{name}_delta"')
    return con


def run_query(output: str | os.PathLike[str], sql: str, fmt: str = "table") -> str:
    con = connect(output)
    try:
        return _answer(con, sql, fmt)
    finally:
        # Closed here, not when Python exits: a connection still open then can abort the process
        # after its output is printed (duckdb#13904; seen once in ~160 runs of the README's snippet).
        con.close()


def _answer(con: duckdb.DuckDBPyConnection, sql: str, fmt: str) -> str:
    try:
        rel = con.sql(sql)
    except duckdb.Error as exc:
        # A mistake in the user's SQL: DuckDB's first line says what and where.
        raise SinkError(f"query failed: {str(exc).strip().splitlines()[0]}") from None
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
               sc.kind, sc.unit, sc."values",
               CASE WHEN sc.disputed THEN 'DISPUTED' ELSE '' END AS disputed, sc.example
        FROM story_claims sc ORDER BY sc.article_count DESC, sc.disputed DESC, sc.claim_key LIMIT 8"""),
    ("Failures by stage and reason", """
        SELECT stage, reason, count(*) AS n FROM failures GROUP BY stage, reason ORDER BY n DESC, stage, reason"""),
]


def summary(output: str | os.PathLike[str]) -> str:
    from transforms.core.config import CONFIGS_DIR
    from transforms.core.labels import Labels
    con = connect(output)
    labels = Labels.load(CONFIGS_DIR)
    parts = []
    for title, sql in SUMMARY_QUERIES:
        rel = con.sql(sql)
        rows = rel.fetchall()
        if "values" in rel.columns:
            # Values of equipment and people claims are entity ids: show their names, as the report does.
            i = rel.columns.index("values")
            rows = [(*r[:i], " | ".join(labels.label(v) for v in r[i] or []), *r[i + 1:]) for r in rows]
        parts.append(f"== {title}\n" + (format_table(rel.columns, rows) if rows else "(none)"))
    return "\n\n".join(parts)
