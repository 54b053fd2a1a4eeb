"""The index compacted after the runs that pile up files (``run.compact_index_files``): fewer files,
the same rows, and what later runs find in it unchanged.

Three runs on one day (as hourly runs are): each adds files to the same day of every index table.
Replayed into one output with the default threshold (64 extra files: never reached here) and into
another with a threshold of 1, the second has its index compacted after runs 2 and 3 and publishes
the very same rows (run ids aside: the config differs).
"""
from __future__ import annotations

import contextlib
import io
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from deltalake import DeltaTable

from pipelines.cli import main as cli
from pipelines.delta import read_dataset
from transforms.core.schemas import DATASETS, INDEX_TABLES

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from dedup_helpers import build_syndication_set, distinct_originals  # noqa: E402

pytestmark = pytest.mark.slow

DAY = datetime(2025, 5, 6, 5, 0, tzinfo=timezone.utc)


def _runs(tmp: Path) -> list[Path]:
    rows = [json.loads(line) for line in (ROOT / "tests" / "data" / "dedup" / "originals.jsonl")
            .read_text(encoding="utf-8").splitlines()]
    docs, _ = build_syndication_set(distinct_originals([(r["doc"], r["text"]) for r in rows][:40]), seed=5,
                                    copies_per=2, boiler_groups=1, boiler_members=3)
    docs = sorted(docs, key=lambda d: d.article_id)[:36]
    files = []
    for r in range(3):           # every run on the same day; a copy often lands in a later run than its original
        path = tmp / f"run{r}.jsonl"
        path.write_text("".join(json.dumps({"url": f"https://{d.article_id.split('~')[0][:12]}.example/{d.article_id}",
                                            "published": (DAY + timedelta(minutes=k)).isoformat(), "text": d.text})
                                + "\n" for k, d in enumerate(docs) if k % 3 == r), encoding="utf-8")
        files.append(path)
    return files


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compaction")
    files = _runs(tmp)
    plain, compacted = tmp / "plain", tmp / "compacted"
    with contextlib.redirect_stdout(io.StringIO()):
        for f in files:
            assert cli(["replay", str(f), "--output", str(plain), "--quiet"]) == 0
            assert cli(["replay", str(f), "--output", str(compacted), "--quiet",
                        "--set", "run.compact_index_files=1"]) == 0
    return plain, compacted


def _table_rows(out: Path, name: str) -> list[str]:
    spec = DATASETS[name]
    columns = [c for c in spec.schema.names if c != "run_id"]
    return sorted(map(str, read_dataset(out, name, columns).to_pylist()))


def test_the_compacted_output_publishes_the_same_rows(outputs):
    plain, compacted = outputs
    for name in ("articles", "claims", "stories", "story_claims", "failures"):
        assert _table_rows(plain, name) == _table_rows(compacted, name), name
    dup_of = read_dataset(plain, "articles", ["dup_of"]).column("dup_of").to_pylist()
    assert sum(1 for d in dup_of if d) >= 3          # copies were found in earlier runs' index


def test_the_index_is_compacted_to_one_file_a_day_with_its_rows(outputs):
    plain, compacted = outputs
    commands = read_dataset(compacted, "runs", ["command"]).column("command").to_pylist()
    assert commands.count("replay") == 3 and commands.count("compact") == 2
    assert read_dataset(plain, "runs", ["command"]).column("command").to_pylist() == ["replay"] * 3
    for name in INDEX_TABLES:
        path = DATASETS[name].path
        files = DeltaTable(str(compacted / path)).file_uris()
        plain_files = DeltaTable(str(plain / path)).file_uris()
        if name != "index_boilerplate":
            assert len(plain_files) >= 3, name           # a file a run on the same day
        assert len(files) == len({f.split("day=")[1].split("/")[0] for f in files}), name
        rows = [DeltaTable(str(out / path)).to_pyarrow_table() for out in (plain, compacted)]
        assert sorted(map(str, rows[0].to_pylist())) == sorted(map(str, rows[1].to_pylist())), name
