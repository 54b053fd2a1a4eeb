"""A small but realistic committed output (Delta tables) for the output tests.

Three runs over three days: articles from several outlets in en/vi/fa (some
duplicates, one of unknown date), stories spanning outlets and languages,
matched story claims (one disputed), failures of several stages, and runs rows
with stage counts. Each run writes its files and receipts as the workers do and
is committed by the driver's real code (``OutputTables.commit``), so partitions
end up with several small files (what ``compact`` merges).
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pipelines.delta import Attempt, OutputTables, put, read_dataset
from transforms.core.schemas import (ARTICLES, CLAIMS, FAILURES, STARTED_HERE, STORIES, STORY_CLAIMS, DatasetSpec,
                                     partition_path, published_date)
from transforms.core.sink import (attempt_folder, content_digest, file_name, join, parquet_bytes, partition_folder,
                                  partition_values, receipt, table_for)

HOSTILE_TITLE = '<script>alert("x")</script> & <b>bold</b>'
SOURCES = ["apnews.com", "vnexpress.net", "bbc.com", "irna.ir"]
LANG_OF = {"apnews.com": "en", "vnexpress.net": "vi", "bbc.com": "en", "irna.ir": "fa"}
DAY0 = datetime(2025, 11, 1, 6, 0, tzinfo=timezone.utc)


def _articles(run: int, run_id: str) -> list[dict]:
    rows = []
    for i in range(6):
        src = SOURCES[(i + run) % len(SOURCES)]
        aid = f"a{run}{i:02d}"
        # late reports land in the previous day's partition, which an earlier run already wrote
        when = None if (run, i) == (2, 5) else DAY0 + timedelta(days=max(0, run - i % 2), hours=i)
        text = f"Report {run}-{i} from {src}. " * (3 + i)
        rows.append({
            "article_id": aid, "url": f"https://www.{src}/news/{run}/{i}", "source": src,
            "title": HOSTILE_TITLE if (run, i) == (0, 0) else f"Story {i % 3} report {run}-{i}",
            "text": text, "lang_prob": 0.99, "published_at": when, "content_hash": f"h{run}{i}",
            "dup_of": f"a{run}00" if i == 3 else None, "story_id": f"s{i % 3}", "run_id": run_id,
            "input": f"https://www.{src}/news/{run}/{i}", "extractor": "test", "char_count": len(text),
            "published_date": published_date(when), "lang": LANG_OF[src],
        })
    return rows


def _claims(articles: list[dict], run_id: str) -> list[dict]:
    rows = []
    for a in articles:
        for k in range(2):
            value = 61.0 if k == 0 else 3.0
            if k == 0 and a["source"] == "irna.ir":
                value = 62.0       # one outlet disagrees: the story claim below is disputed
            rows.append({
                "claim_id": f"{a['article_id']}-c{k}", "article_id": a["article_id"], "story_id": a["story_id"],
                "kind": "quantity", "claimant": "officials", "cue": "said", "statement": f"{value:g} dead",
                "value": value, "unit": "death" if k == 0 else "missile", "char_start": 0, "char_end": 10,
                "evidence": a["text"][:10], "confidence": 0.8, "claim_key": f"{a['story_id']}|q{k}",
                "entities": ["place:caracas"], "published_at": a["published_at"], "source": a["source"],
                "run_id": run_id, "published_date": a["published_date"], "lang": a["lang"],
            })
    return rows


def _stories(all_articles: list[dict], run_id: str) -> tuple[list[dict], list[dict]]:
    stories, story_claims = [], []
    for sid in sorted({a["story_id"] for a in all_articles}):
        arts = [a for a in all_articles if a["story_id"] == sid]
        dated = sorted(a["published_at"] for a in arts if a["published_at"])
        langs = sorted({a["lang"] for a in arts})
        sources = sorted({a["source"] for a in arts})
        stories.append({"story_id": sid, "article_count": len(arts), "source_count": len(sources),
                        "languages": langs, "first_published_at": dated[0], "last_published_at": dated[-1],
                        "representative_article_id": arts[0]["article_id"], "title": arts[0]["title"],
                        "run_id": run_id})
        has_irna = "irna.ir" in sources
        for k in range(2):
            disputed = k == 0 and has_irna
            story_claims.append({
                "story_id": sid, "claim_key": f"{sid}|q{k}", "kind": "quantity",
                "unit": "death" if k == 0 else "missile", "article_count": len(arts),
                "source_count": len(sources), "languages": langs, "first_published_at": dated[0],
                "first_article_id": arts[0]["article_id"],
                "values": (["61", "62"] if disputed else (["61"] if k == 0 else ["3"])),
                "disputed": disputed, "dispute_detail": "61 vs 62 death" if disputed else None,
                "example": "61 dead", "run_id": run_id})
    return stories, story_claims


def _failures(run: int, run_id: str) -> list[dict]:
    return [
        {"run_id": run_id, "stage": "fetch", "reason": "http_404", "input": f"https://www.bbc.com/gone/{run}",
         "detail": "HTTP 404"},
        {"run_id": run_id, "stage": "extract", "reason": "no_text", "input": f"https://irna.ir/empty/{run}",
         "detail": "no main text"},
        {"run_id": run_id, "stage": "read", "reason": "bad_json", "input": f"/data/in{run}.jsonl:3",
         "detail": "line 3: Expecting value"},
    ]


def _runs_row(run: int, run_id: str, articles: int, claims: int, failures: int) -> dict:
    start = DAY0 + timedelta(days=run, hours=12)
    counts = [("read", "in", articles + 1), ("read", "out", articles), ("read", "failed", 1),
              ("fetch", "in", articles + 1), ("fetch", "out", articles), ("fetch", "failed", 1),
              ("extract", "in", articles + 1), ("extract", "out", articles), ("extract", "failed", 1),
              ("dedup", "duplicates", 1), ("claims", "claims", claims)]
    return {"run_id": run_id, "command": "replay", "started_at": start, "finished_at": start + timedelta(seconds=42),
            "status": "completed", "config_hash": "cfg", "versions": "{}", "inputs": articles + 3,
            "articles": articles, "claims": claims, "stories": 3, "failures": failures,
            "stage_counts": [{"stage": s, "outcome": o, "count": c} for s, o, c in counts], "source_quality": []}


def write_files(tables: OutputTables, attempt: Attempt, spec: DatasetSpec, rows: list[dict]) -> None:
    """What the workers do for ``rows``: one file per partition, and its receipt."""
    parts: dict[tuple[str, bool], list[dict]] = {}
    for r in rows:
        parts.setdefault((partition_path(spec, r), bool(spec.merge_on and r.get(STARTED_HERE))), []).append(r)
    control = attempt_folder(tables.url, attempt.attempt_id)
    for (_, appended), prows in parts.items():
        values = partition_values(spec, prows[0])
        table = table_for(spec, prows)
        data = parquet_bytes(table)
        rel = join(partition_folder(values, spec.partition_by),
                   file_name(attempt.run_id, attempt.attempt_id, content_digest(data))).lstrip("/")
        base = join(control, "merge", spec.name) if spec.merge_on and not appended else tables.uri(spec.name)
        put(join(base, rel), data)
        r = receipt(spec.name, rel, len(data), values, table)
        if appended:
            r["append"] = True
        put(join(control, "receipts", spec.name, f"{content_digest(rel.encode())}.json"), json.dumps(r).encode())


def stage_run(tables: OutputTables, run: int) -> tuple[Attempt, dict]:
    """Write run number ``run`` (0, 1, 2, ...) without committing; returns (attempt, its runs row)."""
    run_id = f"run{run:02d}"
    earlier = [a for r in range(run) for a in _articles(r, f"run{r:02d}")]
    arts = _articles(run, run_id)
    claims = _claims(arts, run_id)
    stories, story_claims = _stories(earlier + arts, run_id)
    fails = _failures(run, run_id)
    tables.ensure_tables()
    tables.recover()
    attempt = tables.begin(run_id, "replay")
    for spec, rows in ((ARTICLES, arts), (CLAIMS, claims), (STORIES, stories), (STORY_CLAIMS, story_claims),
                       (FAILURES, fails)):
        write_files(tables, attempt, spec, rows)
    return attempt, _runs_row(run, run_id, len(arts), len(claims), len(fails))


def build_output(root: Path | str, runs: int = 3) -> Path | str:
    tables = OutputTables(root)
    for run in range(runs):
        attempt, row = stage_run(tables, run)
        tables.commit(attempt, row)
    return root


def story_grouping(out: Path | str):
    """How a run grouped the articles under ``out``: (stories as sorted file names, which are
    duplicates, story rows as (articles, sources, languages)), read through Delta."""
    rows = read_dataset(out, "articles", ["url", "story_id", "dup_of"]).to_pylist()
    by_story: dict[str, set[str]] = {}
    for r in rows:
        by_story.setdefault(r["story_id"], set()).add(Path(r["url"]).name)
    stories = read_dataset(out, "stories", ["article_count", "source_count", "languages"]).to_pylist()
    return (sorted(map(sorted, by_story.values())), {Path(r["url"]).name: r["dup_of"] is not None for r in rows},
            sorted((s["article_count"], s["source_count"], tuple(sorted(s["languages"]))) for s in stories))


# Every dataset whose rows a run's inputs decide (``runs`` holds times and attempt ids).
DATA_TABLES = ("articles", "claims", "stories", "story_claims", "failures")


def table_digest(out: Path | str) -> dict[str, str]:
    """Each data table's committed rows (as of the last runs row), hashed with the row count;
    {} before the first commit. Equal digests mean equal rows, whatever the files or their order."""
    if not OutputTables(out).has_output() or not OutputTables(out).runs():
        return {}
    got = {}
    for name in DATA_TABLES:
        rows = sorted(repr(sorted(r.items())) for r in read_dataset(out, name).to_pylist())
        got[name] = hashlib.sha1("\n".join(rows).encode()).hexdigest() + f" ({len(rows)} rows)"
    return got
