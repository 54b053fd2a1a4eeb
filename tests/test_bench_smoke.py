"""Smoke test of ``make bench`` (tests/benchmarks/bench.py) at a toy size: corpus, one measurement, table.

The pages are the repository's own extraction fixtures (tests/data/extract), packed the way the
benchmark's source archive is, so the test needs neither ../shared nor the network.
"""
from __future__ import annotations

import gzip
import re
import json
import os
import tarfile
from pathlib import Path

import pytest

from tests.benchmarks import bench

DATA = Path(__file__).parent / "data" / "extract"


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[bench.Page]]:
    root = tmp_path_factory.mktemp("bench")
    cases = json.loads((DATA / "cases.json").read_text(encoding="utf-8"))[:3]
    src = root / "pack" / "tests" / "eval"
    src.mkdir(parents=True)
    evaldata = {}
    for case in cases:
        name = f"{case['name']}.html"
        (src / name).write_bytes(gzip.decompress((DATA / f"{case['name']}.html.gz").read_bytes()))
        evaldata[case["url"]] = {"file": name, "with": case["with"], "without": case["without"]}
    archive = root / "pages.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        tar.add(root / "pack" / "tests", arcname="tests")
    (root / "evaldata.json").write_text(json.dumps(evaldata), encoding="utf-8")
    work = root / "work"
    pages = bench.load_pages(work, evaldata=root / "evaldata.json", archive=archive)
    return work, pages


def test_corpus_replicates_pages_without_exact_duplicates(toy):
    work, pages = toy
    assert len(pages) == 3
    corpus = bench.write_html_corpus(pages, 8, work / "html-8")
    files = sorted(corpus.rglob("*.html"))
    assert [bench.doc_index(str(f)) for f in files] == list(range(8))
    blobs = [f.read_bytes() for f in files]
    assert len(set(blobs)) == 8  # nothing is an exact duplicate
    for i, blob in enumerate(blobs):
        original = Path(pages[i % 3].path).read_bytes()
        if i < 3:
            assert blob == original
        else:  # a small seeded edit: one nonce word, inserted
            assert len(blob) - len(original) == len(bench.nonce(bench.SEED, i)) + 1
            assert bench.nonce(bench.SEED, i).encode() in blob
    again = bench.write_html_corpus(pages, 8, work / "html-8-again")
    assert [f.read_bytes() for f in sorted(again.rglob("*.html"))] == blobs  # seeded: reproducible


def test_one_measurement_and_the_table(toy, tmp_path, monkeypatch):
    work, pages = toy
    corpus = bench.write_html_corpus(pages, 5, work / "html-5")
    measured, data = bench.run_bare(corpus, "html", 5, work, keep_below=3)
    assert measured.rc == 0, (work / f"bare-{corpus.name}.log").read_text()
    assert measured.extra["docs"] == 5 and measured.wall_s > 0 and measured.peak_rss_mb > 10
    # CPU of the process tree: a Python process that imports trafilatura keeps a core busy a while
    assert 0.2 < measured.cpu_s and 0.0 < measured.cores <= (os.cpu_count() or 1) + 0.5
    texts = {int(k): v["text"] for k, v in data["texts"].items()}
    assert sorted(texts) == [0, 1, 2] and all(len(t) > 100 for t in texts.values())
    quality = bench.score(texts, pages)
    assert quality["pages"] == 3 and 0.0 < quality["snippet_f1"] <= 1.0

    base = [{"url": pages[i].key, "title": data["texts"][str(i)]["title"], "text": texts[i]} for i in texts]
    jsonl = bench.write_text_corpus(base, 7, work / "jsonl-7", "jsonl", shard=3)
    records = [json.loads(line) for f in sorted(jsonl.glob("*.jsonl")) for line in f.read_text().splitlines()]
    assert len(list(jsonl.glob("*.jsonl"))) == 3 and len(records) == 7
    assert len({r["text"] for r in records}) == 7 and len({r["url"] for r in records}) == 7
    txt = bench.write_text_corpus(base, 4, work / "txt-4", "txt")
    assert len(list(txt.rglob("*.txt"))) == 4
    assert [i for i, _, _ in bench.iter_corpus(jsonl)] == list(range(7))
    # History batches: distinct documents (no 4-word shingle of a base text survives), one day per batch.
    hist = bench.write_history_batches(base, 2, 4, work / "history")
    recs = [json.loads(line) for f in hist for line in f.read_text().splitlines()]
    assert len(recs) == 8 and len({r["text"] for r in recs}) == 8
    assert [r["published"][:10] for r in recs] == ["2025-03-01"] * 4 + ["2025-03-02"] * 4
    shingles = lambda t: {tuple(t.split()[k:k + 4]) for k in range(len(t.split()) - 3)}  # noqa: E731
    assert not shingles(recs[0]["text"]) & shingles(base[0]["text"])

    # The history ratio: the last run's best try over the best try into an empty output.
    M = bench.Measured
    hist_rows = [M("history run 1 of 3", "jsonl", 4, 5.0, 100.0, 0, ""), M("history run 2 of 3", "jsonl", 4, 6.0, 110.0, 0, ""),
                 M("history run 3 of 3", "jsonl", 4, 12.0, 130.0, 0, ""), M("history, last batch into an empty output", "jsonl", 4, 9.0, 100.0, 0, ""),
                 M("history run 3 of 3", "jsonl", 4, 10.0, 120.0, 0, ""), M("history, last batch into an empty output", "jsonl", 4, 8.0, 110.0, 0, "")]
    got = {name: (value, status) for name, value, _, status in bench.ratios(hist_rows, None, [])}
    assert got == {"history penalty, time: run 3 (after 8 docs) / same batch into an empty output, best of 2 and 2 tries": ("1.25", "missed"),
                   "history penalty, peak RSS: run 3 (after 8 docs) / same batch into an empty output, best of 2 and 2 tries": ("1.20", "met")}

    # What a second worker can give on this machine: its cpus over the cores one worker keeps busy.
    html_rows = [M("bare loop (a)", "html", 5, 10.0, 100.0, 0, "", cpu_s=10.0),
                 M("claimwire 1 worker (b)", "html", 5, 20.0, 300.0, 0, "", cpu_s=30.0),
                 M("claimwire 2 workers (c)", "html", 5, 16.0, 500.0, 0, "", cpu_s=31.0)]
    monkeypatch.setattr(bench, "sees_process_tree", lambda: False)
    got = {name.split(":")[0]: (value, status) for name, value, _, status in bench.ratios(html_rows, 5, [])}
    # without psutil the extraction processes' CPU is unseen: no ceiling rather than a wrong one
    assert got["2-worker speed-up this machine allows, html 5"][0] == "not measured"
    assert "psutil" in got["2-worker speed-up this machine allows, html 5"][1]
    monkeypatch.setattr(bench, "sees_process_tree", lambda: True)
    got = {name.split(":")[0]: value for name, value, _, _ in bench.ratios(html_rows, 5, [])}
    assert got["pipeline (1 worker) / bare loop, html 5"] == "2.00"
    assert got["2-worker speed-up, html 5"] == "1.25"
    assert got["2-worker speed-up this machine allows, html 5"] == f"{min(2.0, (os.cpu_count() or 1) / 1.5):.2f}"
    # Interleaved tries (--html-tries): each side's best try, and the label says so.
    html_rows += [M("bare loop (a)", "html", 5, 8.0, 100.0, 0, "", cpu_s=8.0),
                  M("claimwire 1 worker (b)", "html", 5, 24.0, 300.0, 0, "", cpu_s=36.0),
                  M("claimwire 2 workers (c)", "html", 5, 12.0, 500.0, 0, "", cpu_s=23.0)]
    got = {name.split(":")[0]: value for name, value, _, _ in bench.ratios(html_rows, 5, [])}
    assert got["pipeline (1 worker) / bare loop, html 5, best of 2 tries each"] == "2.50"
    assert got["2-worker speed-up, html 5, best of 2 tries each"] == "1.67"

    skipped = bench.Measured("claimwire 2 workers (c)", "jsonl", 50000, 0.0, 0.0, -1, "skipped: predicted")
    md = bench.write_report(tmp_path, [measured, skipped], {"bare": quality}, [],
                            {"command": "toy", "machine": "m", "started": "now", "total_s": 1.0,
                             "html_ratio_size": 5, "scale_sizes": []})
    lines = md.read_text(encoding="utf-8").splitlines()
    header = "| " + " | ".join(bench.COLUMNS) + " |"
    assert header == "| measurement | variant | docs | wall_s | docs_per_s | peak_rss_mb | cores | note |"
    assert header in lines
    rows = [ln for ln in lines if ln.startswith("| bare loop (a) | html | 5 |")]
    assert len(rows) == 1 and len(rows[0].strip("|").split("|")) == len(bench.COLUMNS)
    assert any(ln.startswith("| claimwire 2 workers (c) | jsonl | 50000 |") and "skipped" in ln for ln in lines)
    assert any(ln.startswith("| bare | 3 |") for ln in lines)  # the quality table
    assert json.loads((tmp_path / "bench.json").read_text())["rows"][0]["docs"] == 5


def test_the_object_store_ratios_and_archive_batches(tmp_path):
    M = bench.Measured
    rows = [M(f"object store: {label}, batch {b} of 2", "jsonl", 10, wall, 100.0, 0, "")
            for label, walls in (("local folder", (10.0, 11.0)), ("s3, one client per process", (12.0, 13.2)),
                                 ("s3, one client per file (Beam's own)", (30.0, 39.6)))
            for b, wall in zip((1, 2), walls)]
    got = {name: value for name, value, _, _ in bench.ratios(rows, None, [])}
    assert got == {"s3:// (moto) / local folder, batch 1 of 2 (into an empty output), 10 docs": "1.20",
                   "Beam's S3 client per file / claimwire's per process, batch 1 of 2 (into an empty output)": "2.50",
                   "s3:// (moto) / local folder, batch 2 of 2 (into the output of the first), 10 docs": "1.20",
                   "Beam's S3 client per file / claimwire's per process, batch 2 of 2 (into the output of the first)":
                   "3.00"}
    # each batch an archive of its own days, the second after the first
    base = [{"url": "https://a.example/x", "title": "T", "text": "one two three four five six seven eight"}]
    files = bench.write_history_batches(base, 2, 4, tmp_path / "store", days=3)
    days = [[json.loads(line)["published"][:10] for line in f.read_text().splitlines()] for f in files]
    assert days == [["2025-03-01", "2025-03-02", "2025-03-03", "2025-03-01"],
                    ["2025-03-04", "2025-03-05", "2025-03-06", "2025-03-04"]]


def test_pages_cut_by_size_and_each_bands_time_per_stage(toy, tmp_path):
    # equal counts, smallest first, ties by document number; more bands than pages gives one a page
    sizes = [(0, 50), (1, 10), (2, 30), (3, 10), (4, 70), (5, 20), (6, 60)]
    assert bench.split_by_size(sizes, 3) == [[1, 3, 5], [2, 0], [6, 4]]
    assert bench.split_by_size(sizes, 1) == [[1, 3, 5, 2, 0, 6, 4]]
    assert bench.split_by_size(sizes[:2], 5) == [[1], [0]]
    assert bench.split_by_size([], 4) == []
    work, pages = toy
    corpus = bench.write_html_corpus(pages, 6, work / "html-6")
    bands = bench.write_size_bands(corpus, 2, tmp_path)
    got = [sorted(bench.doc_index(str(f)) for f in b["folder"].glob("*.html")) for b in bands]
    assert sorted(i for band in got for i in band) == list(range(6)) and [len(b) for b in got] == [3, 3]
    assert bands[0]["max_bytes"] <= bands[1]["min_bytes"] and bands[0]["docs"] == 3
    assert all(f.read_bytes() == (corpus / "d000" / f.name).read_bytes() for b in bands for f in b["folder"].iterdir())
    # a band's row: the fixed start-up in seconds, the rest per page; the bare loop's timed calls per page
    shares = {"extract": 2.0, "write": 1.0, bench.BEAM: 0.5, bench.STARTUP: 6.0, "_total": 9.5}
    row = bench.size_row({"docs": 100, "min_bytes": 2048, "max_bytes": 10240, "mean_bytes": 5120.0},
                         {"extract_s": 1.5, "lang_s": 0.5}, shares)
    assert row["startup_s"] == 6.0 and row["pipeline_ms"] == pytest.approx(35.0)
    assert row["bare_ms"] == pytest.approx(20.0) and row["ratio"] == pytest.approx(1.75)
    assert row["stages_ms"]["extract"] == pytest.approx(20.0) and row["stages_ms"]["dedup"] == 0.0
    assert sum(row["stages_ms"].values()) == pytest.approx(row["pipeline_ms"])
    md = bench.size_table([row], "html 100")
    header = next(ln for ln in md if ln.startswith("| page KB"))
    line = next(ln for ln in md if ln.startswith("| 2-10 (5) | 100 |"))
    assert len(header.split("|")) == len(line.split("|"))
    assert "| 20.0 (15.0 + 5.0) | 35.0 | 1.75 | 6.0 |" in line
    out = bench.write_report(tmp_path / "report", [], {}, [], {"command": "toy", "machine": "m", "started": "now",
                             "total_s": 1.0, "size_profile": {"variant": "html 100", "rows": [row]}})
    assert line in out.read_text(encoding="utf-8").splitlines()


def test_proc_tree_sees_a_child_process_memory_and_cpu():
    """proc_tree polls the whole tree: a grandchild's 200 MB and its CPU time are seen and named."""
    import sys

    from tests.benchmarks.proc_tree import watch
    code = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
            "'import time; b = bytearray(200 * 1024 * 1024); t = time.process_time()\\n"
            "while time.process_time() - t < 0.6: pass\\ntime.sleep(0.5)'], check=True)")
    r = watch([sys.executable, "-c", code], interval=0.05)
    assert r["rc"] == 0 and r["peak_mib"] >= 200
    busiest = max(r["own"].values(), key=lambda v: v[1])
    assert busiest[0] >= 200 and busiest[1] >= 0.5 and "bytearray" in busiest[2]


def test_stage_seconds_name_stages_by_their_transforms(seeds_dir, tmp_path, capsys):
    """``element_counts --seconds`` times every fused stage of a real run and names it without the
    runner's ids, so two runs' stages can be compared (``--against``)."""
    from tests.benchmarks.element_counts import main, stage_key

    name = ("((((ref_PCollection_PCollection_34/Read)+(ref_AppliedPTransform_SkipPublished_69))+"
            "(ref_AppliedPTransform_FoldDuplicates-KeyById_71))+(FoldDuplicates/GroupById/Write))")
    assert stage_key(name) == "FoldDuplicates-KeyById + FoldDuplicates/GroupById + SkipPublished"
    saved, other = tmp_path / "s.json", tmp_path / "other.json"
    other.write_text(json.dumps({"ExtractArticles-Extract": 1000.0}))      # as another run saved it
    assert main([str(seeds_dir), "--output", str(tmp_path / "out"), "--seconds", "--save", str(saved),
                 "--against", str(other)]) == 0
    seconds = json.loads(saved.read_text())
    assert any("ExtractArticles-Extract" in k for k in seconds) and all(v >= 0 for v in seconds.values())
    assert not any(re.search(r"_\d+\b|PCollection_\d", k) for k in seconds)
    out = capsys.readouterr().out.splitlines()
    head = next(i for i, ln in enumerate(out) if ln.startswith("seconds, all stages: "))
    assert out[head].endswith("(against 1000.00)")
    # every stage of this run, with its seconds and the change from the other run's same stage
    listed = out[head + 1:]
    assert listed and all(re.match(r"\s+\d+\.\d\d\s+[+-]\d+\.\d\d  \S", ln) for ln in listed), listed


def test_stage_input_bytes_name_the_inputs_the_runner_hands_to_workers(seeds_dir, tmp_path):
    """``element_counts --bytes``: the encoded bytes of each stage input of a real run, by the input's
    name, so the largest (what the local runners hold twice) can be found and compared."""
    from tests.benchmarks.element_counts import main

    saved = tmp_path / "b.json"
    assert main([str(seeds_dir), "--output", str(tmp_path / "out"), "--bytes", "--save", str(saved)]) == 0
    sent = json.loads(saved.read_text())
    assert sent["FoldDuplicates/Buckets/Read"] > 0 and all(v >= 0 for v in sent.values())
    # the five seeds (22 KB of text) cross at least one stage boundary whole, with their records
    assert max(sent.values()) > 20 * 1024


def test_stage_rss_lists_every_stage_in_run_order(seeds_dir, tmp_path, capsys):
    """``element_counts --rss``: this process's RSS as each fused stage of a real run starts, in the order
    the runner ran them (reading stages come before the writing ones), then after the run."""
    from tests.benchmarks.element_counts import main

    saved = tmp_path / "r.json"
    assert main([str(seeds_dir), "--output", str(tmp_path / "out"), "--rss", "--save", str(saved)]) == 0
    rss = json.loads(saved.read_text())
    names = list(rss)
    assert names[-1] == "(after the run)" and all(v > 50 for v in rss.values())
    read = next(i for i, k in enumerate(names) if "ExtractArticles-Extract" in k)
    write = next(i for i, k in enumerate(names) if "WriteDatasets" in k)
    assert read < write
    out = capsys.readouterr().out
    assert "MiB as each stage starts, in run order" in out and "(after the run)" in out


def test_story_commit_check_replaces_only_the_touched_days(tmp_path):
    """The bench's publishing check: both ways end with the same rows (``measure`` asserts it), the
    MERGE rewrote the one file of the old layout, the replace only the files of the touched days."""
    from tests.benchmarks.story_commit import measure
    m = measure(12, tmp_path)
    assert m["old_rewritten"] == m["old_files"] == 1
    assert m["new_files"] == 12 and m["new_rewritten"] == 7        # the last day and the six before it
    assert m["touched"] == 200 + 6 * 20
