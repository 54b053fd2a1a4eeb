"""Runs over a growing history: three daily batches into one output give what one run gives.

The corpus is the syndication set and the ECB+ sample (tests/data/dedup) among
distinct filler documents, 3 batches of 200 on consecutive days. Replayed as
three runs into one output (one replay cut into passes by ``run.pass_documents``:
each pass is a run of its own, committed before the next starts), then as one run
into another, the two agree: the same ``dup_of`` links and story B-cubed F1 >= 0.98,
and the index grows with every run. (Timing belongs to ``make bench``, which
measures the history penalty.)
"""
from __future__ import annotations

import contextlib
import io
import json
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from deltalake import DeltaTable

from pipelines.cli import main as cli
from pipelines.delta import OutputTables, read_dataset
from pipelines.runner import replay_run_id
from transforms.core.config import load_config
from transforms.core.schemas import DATASETS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "dedup"
sys.path.insert(0, str(ROOT / "tests"))
from dedup_helpers import bcubed, build_syndication_set, distinct_originals  # noqa: E402

pytestmark = pytest.mark.slow(weight=3)    # a long file: make test starts it first

BATCHES, PER_BATCH = 3, 200
DAY0 = datetime(2025, 3, 1, 6, 0, tzinfo=timezone.utc)


def _corpus() -> list[list[dict]]:
    rows = [json.loads(line) for line in (DATA / "originals.jsonl").read_text(encoding="utf-8").splitlines()]
    docs, _ = build_syndication_set(distinct_originals([(r["doc"], r["text"]) for r in rows]), seed=3,
                                    copies_per=3, boiler_groups=1, boiler_members=3)
    real = [{"id": d.article_id, "text": d.text} for d in docs]
    real += [{"id": f"ecb-{r['doc']}", "text": r["text"]}
             for r in map(json.loads, (DATA / "ecbplus_subset.jsonl").read_text(encoding="utf-8").splitlines())]
    rng = random.Random(7)
    # Filler: distinct documents about nothing in common (made-up words), so the index really
    # grows without adding stories that only chance would join.
    syllables = [a + b for a in "bcdfghklmnprstvz" for b in "aeiou"]

    def word() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
    filler = [{"id": f"filler-{i:04d}", "text": " ".join(word() for _ in range(120)) + "."}
              for i in range(BATCHES * PER_BATCH - len(real))]
    everything = real + filler
    rng.shuffle(everything)
    batches = []
    for b in range(BATCHES):
        batch = everything[b * PER_BATCH:(b + 1) * PER_BATCH]
        day = DAY0 + timedelta(days=b)
        batches.append([{"url": f"https://{d['id'].split('~')[0][:12]}.example/{d['id']}", "title": "",
                         "published": (day + timedelta(minutes=i)).isoformat(), "text": d["text"]}
                        for i, d in enumerate(batch)])
    return batches


PASS = ["--set", f"run.pass_documents={PER_BATCH + PER_BATCH // 2}"]     # one batch file a pass


@pytest.fixture(scope="module")
def replays(tmp_path_factory):
    """The batches replayed in passes (with a path that does not exist) into ``split``, and as one
    run into ``whole``; what the passes printed; the index keys each pass left."""
    tmp = tmp_path_factory.mktemp("history")
    files = []
    for b, batch in enumerate(_corpus()):
        path = tmp / f"batch{b}.jsonl"
        path.write_text("".join(json.dumps(d) + "\n" for d in batch), encoding="utf-8")
        files.append(path)
    split, whole = tmp / "split", tmp / "whole"
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        assert cli(["replay", *map(str, files), str(tmp / "no-such.jsonl"), "--output", str(split),
                    "--quiet", *PASS]) == 0
    keys = []
    index_keys = DeltaTable(str(split / DATASETS["index_keys"].path))
    for run in OutputTables(split).runs():       # the index as each pass's commit left it
        versions = [h["version"] for h in index_keys.history() if h.get("claimwire.attempt") == run["attempt_id"]]
        keys.append(DeltaTable(str(split / DATASETS["index_keys"].path), version=max(versions))
                    .to_pyarrow_dataset().count_rows())
    assert cli(["replay", *map(str, files), "--output", str(whole), "--quiet"]) == 0
    return split, whole, keys, files, said.getvalue()


def _by_url(out):
    rows = read_dataset(out, "articles", ["article_id", "url", "dup_of", "story_id"]).to_pylist()
    ids = {r["article_id"]: r["url"] for r in rows}
    return {r["url"]: (ids.get(r["dup_of"]) if r["dup_of"] else None, r["story_id"]) for r in rows}


def test_the_index_grows_with_every_run(replays):
    split, whole, keys, _, _ = replays
    assert len(keys) == BATCHES
    assert keys[0] > 0 and keys[0] < keys[1] < keys[2]
    days = {f.split("day=")[1][:10] for f in DeltaTable(str(split / DATASETS["index_members"].path)).file_uris()}
    assert days == {(DAY0 + timedelta(days=b)).date().isoformat() for b in range(BATCHES)}


def test_three_runs_fold_and_cluster_as_one_run(replays):
    split, whole, _, _, _ = replays
    a, b = _by_url(split), _by_url(whole)
    assert len(a) == len(b) == BATCHES * PER_BATCH
    synd = [u for u in a if "ecb-" not in u]
    assert {u: a[u][0] for u in synd} == {u: b[u][0] for u in synd}
    # ECB+ reports of one event share wire sentences that are judged boilerplate only once
    # three runs have seen them; an earlier article keeps the signature it was indexed with,
    # so a borderline pair (raw containment 0.54) may fold in one run and not in three.
    differ = [u for u in a if a[u][0] != b[u][0]]
    assert len(differ) <= 2, differ
    assert sum(1 for d, _ in b.values() if d) >= 40        # the syndication copies were found
    p, r, f = bcubed({u: s for u, (_, s) in a.items()}, {u: s for u, (_, s) in b.items()})
    assert f >= 0.98, (p, r, f)


def test_a_replay_in_passes_is_the_runs_of_its_files(replays):
    """Each pass is a run of its own, named by its own files: its run id is the one a replay of
    that file alone gets (so running the same replay again, or its files one run each, finds
    every pass committed and adds nothing), it has its own runs row, and a path that does not
    exist is recorded once, not once per pass."""
    split, _, _, files, said = replays
    assert [line.split(":")[0] for line in said.splitlines()] == [f"pass {i} of {BATCHES}" for i in range(1, BATCHES + 1)]
    config = load_config(None, [PASS[1]])
    runs = read_dataset(split, "runs", ["run_id", "articles_added"]).to_pylist()
    assert sorted(r["run_id"] for r in runs) == sorted(replay_run_id(config.hash, [str(f)], "replay") for f in files)
    assert sorted(r["articles_added"] for r in runs) == [PER_BATCH] * BATCHES
    failed = read_dataset(split, "failures", ["input", "reason"]).to_pylist()
    assert [f["reason"] for f in failed if f["input"].endswith("no-such.jsonl")] == ["unreadable"]


def test_a_run_appends_the_stories_it_starts_and_replaces_only_the_ones_it_joins(replays):
    """A story a run starts has no earlier rows: its files are committed as the workers wrote them.
    Only the stories a later run joins are read back and replaced, and every story has one row."""
    split, whole, _, _, _ = replays

    def writes(out: Path) -> list[dict]:       # the commits of rows, oldest first
        history = DeltaTable(str(out / DATASETS["stories"].path)).history()
        return [h["operationParameters"] for h in reversed(history) if h["operation"] == "WRITE"]
    assert {w["mode"] for w in writes(whole)} == {"Append"}
    split_writes = writes(split)
    assert split_writes[0]["mode"] == "Append"
    replaced = [w for w in split_writes if w["mode"] == "Overwrite"]
    assert replaced and all("story_id" in w["predicate"] for w in replaced)
    for out in (split, whole):
        ids = read_dataset(out, "stories", ["story_id"]).column("story_id").to_pylist()
        assert len(ids) == len(set(ids)) and set(ids) == {s for _, s in _by_url(out).values()}
