"""What publishing a run's stories costs as the story tables grow: the replace of the touched
stories' ``story_day`` partitions against the MERGE over one unpartitioned table it replaced.

    python -m tests.benchmarks.story_commit [DAYS ...]

For each DAYS, a ``story_claims`` table of DAYS days of stories (``STORIES_PER_DAY`` stories of
``CLAIMS_PER_STORY`` claims each, ids dated as ``story_id_for`` dates them) is written twice, in
the layout before ``story_day`` (unpartitioned, as the MERGE left it: one file) and in this one.
Then one run's rows go in: today's stories and a tenth of the week before's, each story's claims
recomputed (one claim gone, one new). The old way is the MERGE the commit used (matched update,
not matched insert, a touched story's vanished claims deleted); the new way is
``OutputTables._replace_stories``. Prints seconds and files rewritten for both, and their ratio
(after a first call of each on one day, printed apart).
"""
from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa

STORIES_PER_DAY = 200
CLAIMS_PER_STORY = 20
DAY0 = datetime(2026, 1, 1, 8, tzinfo=timezone.utc)


def _rows(days: int, run: int) -> tuple[list[dict], list[str]]:
    """(story_claims rows, touched story ids): every story of ``days`` days for run 0; for a later
    run, the stories of the last day and a tenth of the six days before, recomputed."""
    from transforms.core.storyrows import story_day_of, story_id_for
    rows, touched = [], []
    for d in range(days):
        if run and d < days - 7:
            continue
        when = DAY0 + timedelta(days=d)
        for i in range(STORIES_PER_DAY):
            if run and d < days - 1 and i % 10:
                continue
            sid = story_id_for(f"d{d}-s{i}", when)
            touched.append(sid)
            for k in range(run, CLAIMS_PER_STORY + run):      # a later run: claim 0 gone, one more
                rows.append({"story_id": sid, "claim_key": f"quantity/death={k}", "claim_keys": [f"quantity/death={k}"],
                             "kind": "quantity", "unit": "death", "article_count": 2 + run, "source_count": 2,
                             "languages": ["en"], "first_published_at": when, "first_article_id": f"a{d}-{i}",
                             "values": [str(k)], "disputed": False, "dispute_detail": None,
                             "example": f"{k} dead", "run_id": f"run{run}", "story_day": story_day_of(sid)})
    return rows, touched


def _old_merge(dt, table: pa.Table) -> None:
    """The commit before ``story_day``: MERGE on (story_id, claim_key), a touched story replaced whole."""
    ids = sorted(set(table.column("story_id").to_pylist()))
    listed = ", ".join("'" + i + "'" for i in ids)
    (dt.merge(table, "t.story_id = s.story_id AND t.claim_key = s.claim_key", source_alias="s", target_alias="t")
     .when_matched_update_all().when_not_matched_insert_all()
     .when_not_matched_by_source_delete(f"t.story_id IN ({listed})").execute())


def measure(days: int, work: Path) -> dict:
    from deltalake import DeltaTable, write_deltalake

    from pipelines.delta import OutputTables
    from transforms.core.schemas import STORY_CLAIMS
    from transforms.core.sink import delta_schema
    schema = delta_schema(STORY_CLAIMS)
    old_schema = STORY_CLAIMS.schema
    first, _ = _rows(days, 0)
    later, touched = _rows(days, 1)
    base = pa.Table.from_pylist(first, schema=schema)
    source = pa.Table.from_pylist(later, schema=schema)
    work.mkdir(parents=True, exist_ok=True)
    old_uri, new_uri = str(work / f"old-{days}"), str(work / f"new-{days}")
    write_deltalake(old_uri, base.select(old_schema.names).cast(old_schema), mode="overwrite")
    write_deltalake(new_uri, base, mode="overwrite", partition_by=["story_day"])
    old, new = DeltaTable(old_uri), DeltaTable(new_uri)
    before_old, before_new = set(old.file_uris()), set(new.file_uris())

    start = time.perf_counter()
    _old_merge(old, source.select(old_schema.names).cast(old_schema))
    t_old = time.perf_counter() - start
    tables = OutputTables(str(work))
    start = time.perf_counter()
    tables._replace_stories(new, STORY_CLAIMS, pa.RecordBatchReader.from_batches(source.schema, source.to_batches()),
                            None)
    t_new = time.perf_counter() - start
    old, new = DeltaTable(old_uri), DeltaTable(new_uri)
    want = base.num_rows + source.num_rows - len(touched) * CLAIMS_PER_STORY
    assert old.to_pyarrow_table().num_rows == new.to_pyarrow_table().num_rows == want
    return {"days": days, "rows": base.num_rows, "touched": len(touched), "old_s": t_old, "new_s": t_new,
            "old_rewritten": len(before_old - set(old.file_uris())), "old_files": len(before_old),
            "new_rewritten": len(before_new - set(new.file_uris())), "new_files": len(before_new)}


def report_lines(days: list[int] | None = None) -> list[str]:
    """The markdown table ``make bench`` prints (and ``main``)."""
    days = days or [10, 30, 90, 365]
    lines = [f"{STORIES_PER_DAY} stories a day of {CLAIMS_PER_STORY} claims each in `story_claims`; a run touches "
             "the last day's stories and a tenth of the six days before "
             "(`python -m tests.benchmarks.story_commit`).", "",
             "| days of stories | rows | stories touched | MERGE (before) s | files rewritten | replace s | "
             "files rewritten | MERGE / replace |", "|---|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        cold = measure(1, Path(tmp) / "cold")      # the first calls in a process, apart
        for d in days:
            m = measure(d, Path(tmp))
            lines.append(f"| {m['days']} | {m['rows']} | {m['touched']} | {m['old_s']:.2f} | "
                         f"{m['old_rewritten']} of {m['old_files']} | {m['new_s']:.2f} | "
                         f"{m['new_rewritten']} of {m['new_files']} | {m['old_s'] / m['new_s']:.1f} |")
    lines += ["", f"First calls in the process (1 day, not in the table): MERGE {cold['old_s']:.2f} s, "
                  f"replace {cold['new_s']:.2f} s."]
    return lines


def main(argv: list[str]) -> int:
    print("\n".join(report_lines([int(a) for a in argv] or None)))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main(sys.argv[1:]))
