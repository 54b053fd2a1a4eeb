"""Extraction quality and speed of trafilatura settings on ../shared/eval/extraction.

    .venv/bin/python tests/eval/eval_extract.py                 # every setting, 2 processes
    .venv/bin/python tests/eval/eval_extract.py --configs default precision --limit 200
    .venv/bin/python tests/eval/eval_extract.py --isolation     # IsolatedExtractor overhead only
    .venv/bin/python tests/eval/eval_extract.py --dates --limit 400   # publication dates only

Scoring (conventions of ../shared/eval/README.md and trafilatura's tests/comparison.py):
- a page passes when every ``with`` snippet is in the text and no ``without`` snippet is;
- snippet precision/recall/F1: a found ``with`` snippet is a true positive, a missing one a false
  negative, a found ``without`` snippet a false positive (trafilatura's own benchmark metric);
- dates (``--dates``): the day of ``build_article``'s ``published_at`` (page metadata, then
  dates in the text) against evaldata.json's ``date``, on the pages that have one; once with
  the page's real URL (its key) and once without a URL (a ``file://`` URI, as in make bench);
- token F1 against a full gold text: evaldata.json has none (its fields are with/without snippets
  and metadata: title, author, date, ...), so the script reports how many it found (0) and scores
  token F1 only when an entry carries a ``gold``/``text``/``body`` field.
Whitespace runs are collapsed on both sides before matching, as the pipeline collapses them.
The tarball is extracted into /tmp (never into the repository).
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tarfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

EVAL = ROOT.parent / "shared" / "eval" / "extraction"
CACHE = Path("/tmp/claimwire_extract_eval")

# name -> (api, ExtractSettings overrides)
CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    "default": ("bare", {}),
    "precision": ("bare", {"favor_precision": True}),
    "recall": ("bare", {"favor_recall": True}),
    "no_fallback": ("bare", {"no_fallback": True}),
    "no_tables": ("bare", {"include_tables": False}),
    "comments": ("bare", {"include_comments": True}),
    "no_metadata": ("bare", {"with_metadata": False}),
    "extract_txt": ("extract", {}),          # trafilatura.extract(), txt output, same options
    "precision_no_fallback": ("bare", {"favor_precision": True, "no_fallback": True}),
}


def unpack() -> Path:
    marker = CACHE / ".done"
    if not marker.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        with tarfile.open(EVAL / "html_tests_cache_eval.tar.xz") as tar:
            tar.extractall(CACHE, filter="data")
        marker.touch()
    return CACHE / "tests"


def load_pages() -> list[dict[str, Any]]:
    base = unpack()
    data = json.loads((EVAL / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for key, item in sorted(data.items()):
        path = base / "eval" / item["file"]
        if not path.exists():
            path = base / "cache" / item["file"]
        gold = next((item[k] for k in ("gold", "text", "body") if isinstance(item.get(k), str)), None)
        pages.append({"key": key, "path": str(path), "with": item["with"],
                      "without": item["without"], "gold": gold, "date": item.get("date")})
    return pages


def squash(text: str) -> str:
    return " ".join(text.split())


_TOKEN = re.compile(r"\w+", re.UNICODE)


def token_f1(pred: str, gold: str) -> float:
    p, g = Counter(_TOKEN.findall(pred.lower())), Counter(_TOKEN.findall(gold.lower()))
    common = sum((p & g).values())
    if not common:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def run_config(name: str, pages: list[dict[str, Any]]) -> dict[str, Any]:
    import trafilatura

    from transforms.core.extract import ExtractSettings, extract_html
    from transforms.core.records import Failure

    api, overrides = CONFIGS[name]
    settings = ExtractSettings.from_mapping(overrides)
    tp = fn = fp = tn = passed = failures = 0
    seconds: list[float] = []
    f1s: list[float] = []
    slowest = (0.0, "")
    # Lazy imports and first-call caches are paid once per process, not per page: pay them here.
    extract_html(Path(pages[0]["path"]).read_bytes(), None, settings)
    trafilatura.extract(Path(pages[0]["path"]).read_bytes())
    for page in pages:
        raw = Path(page["path"]).read_bytes()
        start = time.perf_counter()
        if api == "bare":
            result = extract_html(raw, None, settings)
            text = "" if isinstance(result, Failure) else result.text
            failures += isinstance(result, Failure)
        else:
            out = trafilatura.extract(raw, fast=settings.no_fallback, include_comments=settings.include_comments,
                                      include_tables=settings.include_tables,
                                      favor_precision=settings.favor_precision,
                                      favor_recall=settings.favor_recall)
            text = out or ""
            failures += out is None
        elapsed = time.perf_counter() - start
        seconds.append(elapsed)
        slowest = max(slowest, (elapsed, page["key"]))
        flat = squash(text)
        found = [squash(s) in flat for s in page["with"]]
        leaked = [squash(s) in flat for s in page["without"]]
        tp += sum(found)
        fn += len(found) - sum(found)
        fp += sum(leaked)
        tn += len(leaked) - sum(leaked)
        passed += all(found) and not any(leaked)
        if page["gold"]:
            f1s.append(token_f1(text, page["gold"]))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "config": name, "pages": len(pages), "pass_rate": passed / len(pages),
        "snippet_precision": precision, "snippet_recall": recall,
        "snippet_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "accuracy": (tp + tn) / (tp + tn + fp + fn),
        "gold_pages": len(f1s), "token_f1": statistics.mean(f1s) if f1s else None,
        "no_text": failures, "s_per_page": statistics.mean(seconds),
        "p95_s": sorted(seconds)[int(0.95 * (len(seconds) - 1))], "slowest": slowest,
    }


def score_dates(pages: list[dict[str, Any]]) -> dict[str, Any]:
    from transforms.core.articles import ArticleSettings, build_article
    from transforms.core.extract import decode_html
    from transforms.core.records import Article, RawDocument

    settings = ArticleSettings()
    dated = [p for p in pages if p["date"]]
    out: dict[str, Any] = {"pages": len(dated)}
    for mode in ("real_url", "no_url"):
        right = found = 0
        sources: Counter[str] = Counter()
        for i, page in enumerate(dated):
            html, _ = decode_html(Path(page["path"]).read_bytes())
            url = page["key"] if mode == "real_url" else f"file:///corpus/{i:06d}.html"
            art = build_article(RawDocument(str(i), url, url, "html", html), settings)
            if not isinstance(art, Article) or art.published_at is None:
                continue
            found += 1
            ok = art.published_at.date().isoformat() == page["date"][:10]
            right += ok
            sources[f"{art.date_source}:{'right' if ok else 'wrong'}"] += 1
        out[mode] = {"found": found / len(dated), "right": right / len(dated),
                     "precision": right / found if found else 0.0, "by_source": dict(sorted(sources.items()))}
    return out


def time_langdetect(pages: list[dict[str, Any]]) -> dict[str, float]:
    from langdetect import DetectorFactory, detect_langs

    from transforms.core.extract import Extracted, ExtractSettings, extract_html

    DetectorFactory.seed = 0
    settings = ExtractSettings()
    texts = []
    for page in pages:
        result = extract_html(Path(page["path"]).read_bytes(), None, settings)
        if isinstance(result, Extracted):
            texts.append(result.text)
    detect_langs(texts[0])  # profiles load on first call: not a per-page cost
    seconds = []
    for text in texts:
        start = time.perf_counter()
        detect_langs(text)
        seconds.append(time.perf_counter() - start)
    return {"pages": len(texts), "s_per_page": statistics.mean(seconds),
            "p95_s": sorted(seconds)[int(0.95 * (len(seconds) - 1))],
            "mean_chars": statistics.mean(len(t) for t in texts)}


def time_isolation(pages: list[dict[str, Any]], rounds: int = 3) -> dict[str, float]:
    from transforms.core.extract import ExtractSettings, extract_html
    from transforms.core.isolate import IsolatedExtractor

    settings = ExtractSettings()
    raws = [Path(p["path"]).read_bytes() for p in pages]
    for raw in raws[:5]:
        extract_html(raw, None, settings)  # warm lazy imports and caches in this process
    start = time.perf_counter()
    with IsolatedExtractor(settings, max_seconds=60) as iso:
        iso.warm_up()
        startup = time.perf_counter() - start
        for raw in raws[:5]:
            iso.extract(raw, None)
        direct = isolated = 0.0
        # Interleaved rounds, so drift of the machine hits both alike.
        for _ in range(rounds):
            t0 = time.perf_counter()
            for raw in raws:
                extract_html(raw, None, settings)
            t1 = time.perf_counter()
            for raw in raws:
                iso.extract(raw, None)
            t2 = time.perf_counter()
            direct += t1 - t0
            isolated += t2 - t1
    n = len(raws) * rounds
    return {"pages": len(raws), "startup_s": startup, "direct_s_per_page": direct / n,
            "isolated_s_per_page": isolated / n, "overhead_ms_per_page": (isolated - direct) / n * 1000,
            "mean_kb": statistics.mean(len(r) for r in raws) / 1024}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", nargs="*", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--limit", type=int, default=0, help="first N pages only (0: all)")
    parser.add_argument("--jobs", type=int, default=2, help="configs scored in parallel")
    parser.add_argument("--isolation", action="store_true", help="only time IsolatedExtractor vs direct")
    parser.add_argument("--dates", action="store_true", help="only score publication dates")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    pages = load_pages()
    if args.limit:
        pages = pages[: args.limit]
    print(f"{len(pages)} pages; pages with a full gold text: {sum(1 for p in pages if p['gold'])}")
    figures: dict[str, Any] = {}
    if args.dates:
        figures["dates"] = dates = score_dates(pages)
        print(json.dumps(dates, indent=1))
    elif args.isolation:
        figures["isolation"] = iso = time_isolation(pages[:200])
        print(json.dumps(iso, indent=1))
    else:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(run_config, args.configs, [pages] * len(args.configs)))
        print(f"{'config':24} {'pass':>6} {'snipP':>6} {'snipR':>6} {'snipF1':>6} {'acc':>6} "
              f"{'tokF1':>6} {'notext':>6} {'s/page':>7} {'p95':>6}  slowest")
        for r in results:
            tok = f"{r['token_f1']:.3f}" if r["token_f1"] is not None else "  n/a"
            print(f"{r['config']:24} {r['pass_rate']:6.3f} {r['snippet_precision']:6.3f} "
                  f"{r['snippet_recall']:6.3f} {r['snippet_f1']:6.3f} {r['accuracy']:6.3f} {tok:>6} "
                  f"{r['no_text']:6d} {r['s_per_page']:7.4f} {r['p95_s']:6.3f}  "
                  f"{r['slowest'][0]:.2f}s {r['slowest'][1]}")
        figures["configs"] = results
        figures["langdetect"] = lang = time_langdetect(pages[:300])
        print(f"langdetect on extracted text: {lang['s_per_page'] * 1000:.2f} ms/page "
              f"(p95 {lang['p95_s'] * 1000:.2f} ms, {lang['pages']} pages, mean {lang['mean_chars']:.0f} chars)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
