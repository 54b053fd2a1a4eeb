"""Runs over a growing history: three daily batches into one output give what one run gives.

The corpus is the syndication set and the ECB+ sample (tests/data/dedup) among
distinct filler documents, 3 batches of 200 on consecutive days. Replayed as
three runs into one output, then as one run into another, the two agree: the
same ``dup_of`` links and story B-cubed F1 >= 0.98, and the index grows with
every run. (Timing belongs to ``make bench``, which measures the history penalty.)
"""
from __future__ import annotations

import json
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from deltalake import DeltaTable

from pipelines.cli import main as cli
from pipelines.delta import read_dataset
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


@pytest.fixture(scope="module")
def replays(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("history")
    files = []
    for b, batch in enumerate(_corpus()):
        path = tmp / f"batch{b}.jsonl"
        path.write_text("".join(json.dumps(d) + "\n" for d in batch), encoding="utf-8")
        files.append(path)
    split, whole = tmp / "split", tmp / "whole"
    keys = []
    for path in files:
        assert cli(["replay", str(path), "--output", str(split), "--quiet"]) == 0
        keys.append(DeltaTable(str(split / DATASETS["index_keys"].path)).to_pyarrow_dataset().count_rows())
    assert cli(["replay", *map(str, files), "--output", str(whole), "--quiet"]) == 0
    return split, whole, keys


def _by_url(out):
    rows = read_dataset(out, "articles", ["article_id", "url", "dup_of", "story_id"]).to_pylist()
    ids = {r["article_id"]: r["url"] for r in rows}
    return {r["url"]: (ids.get(r["dup_of"]) if r["dup_of"] else None, r["story_id"]) for r in rows}


def test_the_index_grows_with_every_run(replays):
    split, whole, keys = replays
    assert keys[0] > 0 and keys[0] < keys[1] < keys[2]
    days = {f.split("day=")[1][:10] for f in DeltaTable(str(split / DATASETS["index_members"].path)).file_uris()}
    assert days == {(DAY0 + timedelta(days=b)).date().isoformat() for b in range(BATCHES)}


def test_three_runs_fold_and_cluster_as_one_run(replays):
    split, whole, _ = replays
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


def test_a_replay_in_passes_is_the_runs_of_its_files(replays, tmp_path, capsys):
    """run.pass_documents cuts one replay into passes of whole files, each a run of its own:
    the same rows as replaying the files one run each, one runs row per pass, and a path
    that does not exist is recorded once, not once per pass."""
    split, _, _ = replays
    files = sorted((split.parent).glob("batch*.jsonl"))
    out = tmp_path / "passes"
    missing = tmp_path / "no-such.jsonl"
    capsys.readouterr()
    assert cli(["replay", *map(str, files), str(missing), "--output", str(out), "--quiet",
                "--set", f"run.pass_documents={PER_BATCH + PER_BATCH // 2}"]) == 0
    said = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in said] == [f"pass {i} of {BATCHES}" for i in range(1, BATCHES + 1)]
    assert _by_url(out) == _by_url(split)
    runs = read_dataset(out, "runs", ["run_id", "articles_added"]).to_pylist()
    assert sorted(r["articles_added"] for r in runs) == [PER_BATCH] * BATCHES
    assert len({r["run_id"] for r in runs}) == BATCHES
    failed = read_dataset(out, "failures", ["input", "reason"]).to_pylist()
    assert [f["reason"] for f in failed if f["input"].endswith("no-such.jsonl")] == ["unreadable"]
    # Running the same replay again finds every pass committed.
    assert cli(["replay", *map(str, files), "--output", str(out), "--quiet",
                "--set", f"run.pass_documents={PER_BATCH + PER_BATCH // 2}"]) == 0
    again = capsys.readouterr().out
    assert again.count("added nothing") == BATCHES, again
