"""Figures of the hostile replay (issue 9): inputs tried, failures by reason, slowest document,
peak memory, and the shape of real pages that the markup limits were chosen from.

    .venv/bin/python tests/eval/eval_hostile.py [--keep DIR]

1. Writes the hostile corpus (tests/hostile/make_corpus.py) beside a copy of seeds/ and replays
   both through the CLI in a subprocess, sampling the resident memory of the whole process tree
   (driver, Beam workers, extraction workers) from /proc every 50 ms.
2. Times every document of the corpus through the same pure path the pipeline uses
   (read_input -> build_article with the isolated extractor), to name the slowest.
3. Measures depth, links and elements (transforms.core.markup) on the 1,033 real pages of
   ../shared/eval/extraction, the figures behind the [extract] shape limits.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "hostile"))

from make_corpus import make_corpus

SHARED = ROOT.parent / "shared" / "eval" / "extraction" / "html_tests_cache_eval.tar.xz"


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ppid, pages = int(fields[1]), int(fields[21])
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def replay(work: Path) -> dict:
    corpus = make_corpus(work / "inputs" / "hostile")
    seeds = work / "inputs" / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    out = work / "output"
    cmd = [sys.executable, "-m", "pipelines", "replay", str(corpus.root), str(seeds), "--output", str(out), "--quiet"]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    log, _ = proc.communicate()
    sampler.join()
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"replay failed ({proc.returncode}):\n{log[-3000:]}")
    from pipelines.delta import read_dataset
    fails = read_dataset(out, "failures").to_pylist()
    arts = read_dataset(out, "articles").to_pylist()
    (run,) = read_dataset(out, "runs").to_pylist()
    return {"corpus": corpus, "seconds": seconds, "peak": peak[0], "fails": fails, "arts": arts, "run": run,
            "log_has_secret": corpus.secret_text in log}


def time_documents(corpus_root: Path) -> list[tuple[float, str, str]]:
    from pipelines.settings import settings_from_config
    from transforms.core.articles import build_article
    from transforms.core.config import load_config
    from transforms.core.isolate import open_extractor
    from transforms.core.records import Failure
    from transforms.core.sources import discover, read_input

    settings = settings_from_config(load_config())
    files, _ = discover([str(corpus_root)])
    timings = []
    with open_extractor(settings.articles.extract) as extractor:
        extractor.warm_up()
        for f in files:
            t = time.monotonic()
            docs = list(read_input(f, settings.limits))
            t_read = time.monotonic() - t
            for d in docs:
                t = time.monotonic()
                outcome = d if isinstance(d, Failure) else build_article(d, settings.articles, extractor)
                took = time.monotonic() - t + t_read / max(len(docs), 1)
                what = f"{outcome.stage}/{outcome.reason}" if isinstance(outcome, Failure) else "article"
                timings.append((took, d.input.replace(str(corpus_root) + "/", ""), what))
    return sorted(timings, reverse=True)


def real_page_shapes() -> dict[str, list[int]] | None:
    if not SHARED.exists():
        return None
    from transforms.core.extract import decode_html
    from transforms.core.markup import markup_shape

    shapes: dict[str, list[int]] = {"depth": [], "links": [], "elements": []}
    with tarfile.open(SHARED) as tar:
        for member in tar:
            if not member.isfile() or not member.name.endswith(".html"):
                continue
            fh = tar.extractfile(member)
            if fh is None:
                continue
            text, _ = decode_html(fh.read())
            s = markup_shape(text, 10**9, 10**9, 10**9)
            shapes["depth"].append(s.depth)
            shapes["links"].append(s.links)
            shapes["elements"].append(s.elements)
    return shapes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", default=None, help="work folder to keep (default: a temporary one)")
    args = ap.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="eval-hostile-"))
    try:
        r = replay(work)
        counts = {f"{s['stage']}.{s['outcome']}": s["count"] for s in r["run"]["stage_counts"]}
        print(f"inputs tried: {len(r['corpus'].expect)} hostile ids + 5 seeds; read.units (files) "
              f"{counts.get('read.units')}, read.in (records) {counts.get('read.in')}, discovery failures "
              f"included; articles {len(r['arts'])}, failures {len(r['fails'])}")
        print(f"replay wall-clock: {r['seconds']:.1f} s; peak resident memory of the process tree: "
              f"{r['peak'] / 2**20:.0f} MiB; secret in log: {r['log_has_secret']}")
        print("stage counts: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
        print("\nfailures by stage and reason:")
        for (stage, reason), n in sorted(Counter((f["stage"], f["reason"]) for f in r["fails"]).items()):
            print(f"  {stage:8s} {reason:20s} {n}")
        print("\nslowest documents (read + extract, isolated extractor):")
        for took, name, what in time_documents(r["corpus"].root)[:5]:
            print(f"  {took * 1000:8.0f} ms  {what:22s} {name[:90]}")
        shapes = real_page_shapes()
        if shapes:
            print(f"\nshape of {len(shapes['depth'])} real pages (extraction eval set):")
            for k, vals in shapes.items():
                vals.sort()
                n = len(vals)
                print(f"  {k:9s} median {vals[n // 2]:6d}  p99 {vals[int(n * 0.99)]:6d}  max {vals[-1]:6d}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
