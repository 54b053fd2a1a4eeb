"""CPU cost per page of claimwire's extraction against the bare trafilatura + langdetect loop.

    .venv/bin/python tests/eval/bench_extract_cpu.py                   # 300 pages, 2 rounds
    .venv/bin/python tests/eval/bench_extract_cpu.py --limit 200 --rounds 3 --urls file

Same pages (../shared/eval/extraction, decoded once, outside the timing, as the pipeline's
RawDocument bodies are), one process, modes interleaved round by round so drift of a shared
machine hits all alike. CPU time, not wall time (the machine is shared): ``time.process_time``
of this process, plus, for the isolated mode, the user+system time of the worker processes
read from /proc (they are children of the fork server, so RUSAGE_CHILDREN never sees them).

Modes (ms of CPU per page; "lang" is the language step of the same loop):
- ``bare``: ``trafilatura.extract(html)`` + seeded ``langdetect.detect_langs(text[:4000])``;
- ``bare+meta``: ``trafilatura.bare_extraction(..., with_metadata=True)`` + the same langdetect
  (the bare loop of ``make bench``, tests/benchmarks/bench.py ``worker_bare``);
- ``claimwire``: ``build_article`` (extract_html, then the date fallbacks) in-process +
  ``detect_language`` (transforms/core/language.py), i.e. the extraction and language stages;
- ``isolated``: the same through ``IsolatedExtractor`` (one worker process);
- ``ipc``: the round trip alone: ``IsolatedExtractor`` whose target returns a small Failure
  without parsing (the page still goes to the worker and a result comes back).

``--urls real`` hands each page its real URL (evaldata.json's key, as a crawl would);
``--urls file`` a ``file://`` URI without a date in it (as ``make bench``'s HTML files).
The per-page figures are medians over rounds; the spread of the rounds is printed.
"""
from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (Linux /proc), 0.0 when unreadable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def load(limit: int, urls: str) -> list[tuple[str, str]]:
    from eval_extract import load_pages

    from transforms.core.extract import decode_html

    out = []
    for i, page in enumerate(load_pages()[:limit]):
        html, _how = decode_html(Path(page["path"]).read_bytes())
        url = page["key"] if urls == "real" else f"file:///corpus/{i:06d}.html"
        out.append((url, html))
    return out


def run_bare(pages: list[tuple[str, str]], meta: bool) -> tuple[float, float]:
    import trafilatura
    from langdetect import detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    ext = lang = 0.0
    for _url, html in pages:
        t0 = time.process_time()
        if meta:
            doc = trafilatura.bare_extraction(html, include_comments=False, include_tables=True,
                                              include_images=False, include_links=False,
                                              with_metadata=True, output_format="python")
            text = (doc.text or "") if doc is not None else ""
        else:
            text = trafilatura.extract(html, include_comments=False, include_tables=True) or ""
        t1 = time.process_time()
        try:
            if text.strip():
                detect_langs(text[:4000])
        except LangDetectException:
            pass
        lang += time.process_time() - t1
        ext += t1 - t0
    return ext, lang


def echo_target(html: Any, url: str | None, settings: Any, charset: str | None) -> Any:
    from transforms.core.records import Failure

    return Failure("extract", "no_text", url or "", f"{len(html)} characters, not parsed")


def run_ipc(pages: list[tuple[str, str]], extractor: Any) -> tuple[float, float]:
    workers = [w.process.pid for w in extractor._all]
    before = sum(proc_cpu(pid) for pid in workers) + time.process_time()
    for _ in range(10):  # /proc counts in clock ticks (10 ms): repeat for resolution
        for url, html in pages:
            extractor.extract(html, url)
    return (sum(proc_cpu(pid) for pid in workers) + time.process_time() - before) / 10, 0.0


def run_claimwire(pages: list[tuple[str, str]], extractor: Any) -> tuple[float, float]:
    from transforms.core.articles import ArticleSettings, build_article
    from transforms.core.language import LanguageSettings, detect_language
    from transforms.core.records import Article, RawDocument

    settings, lang_settings = ArticleSettings(), LanguageSettings()
    workers = [w.process.pid for w in getattr(extractor, "_all", [])]
    ext = lang = 0.0
    before = sum(proc_cpu(pid) for pid in workers)
    for i, (url, html) in enumerate(pages):
        raw = RawDocument(doc_id=str(i), input=url, url=url, format="html", body=html)
        t0 = time.process_time()
        article = build_article(raw, settings, extractor)
        t1 = time.process_time()
        if isinstance(article, Article):
            detect_language(article.text, lang_settings)
        lang += time.process_time() - t1
        ext += t1 - t0
    ext += sum(proc_cpu(pid) for pid in workers) - before
    return ext, lang


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=300, help="first N pages of the eval set")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--urls", choices=("real", "file"), default="file")
    parser.add_argument("--modes", nargs="*", default=["bare", "bare+meta", "claimwire", "isolated", "ipc"],
                        choices=["bare", "bare+meta", "claimwire", "isolated", "ipc"])
    args = parser.parse_args(argv)

    for name in ("trafilatura", "htmldate", "readability", "justext"):
        logging.getLogger(name).setLevel(logging.ERROR)
    from langdetect import DetectorFactory

    from transforms.core.extract import ExtractSettings
    from transforms.core.isolate import DirectExtractor, IsolatedExtractor

    DetectorFactory.seed = 0
    pages = load(args.limit, args.urls)
    direct = DirectExtractor(ExtractSettings())
    iso = IsolatedExtractor(ExtractSettings(), max_seconds=120) if "isolated" in args.modes else None
    echo = (IsolatedExtractor(ExtractSettings(), max_seconds=120, target=echo_target)
            if "ipc" in args.modes else None)
    runs = {
        "bare": lambda ps: run_bare(ps, meta=False),
        "bare+meta": lambda ps: run_bare(ps, meta=True),
        "claimwire": lambda ps: run_claimwire(ps, direct),
        "isolated": lambda ps: run_claimwire(ps, iso),
        "ipc": lambda ps: run_ipc(ps, echo),
    }
    try:
        for extractor in (iso, echo):
            if extractor is not None:
                extractor.warm_up()
        # Lazy imports, caches and langdetect profiles are not per-page costs; nor is dateparser's
        # first calls (they compile the regexes of every locale a string is tried on, ~1 s), which
        # htmldate's extensive date search makes on a few pages: pay them here, once.
        from htmldate.extractors import get_external_parser
        get_external_parser().get_date_data("xq 4 zzqx 2019")  # no locale reads it: all are tried
        for mode in args.modes:
            runs[mode](pages[:3])
        per_mode: dict[str, list[tuple[float, float]]] = {m: [] for m in args.modes}
        for _ in range(args.rounds):
            for mode in args.modes:
                per_mode[mode].append(runs[mode](pages))
    finally:
        for extractor in (iso, echo):
            if extractor is not None:
                extractor.close()

    n = len(pages)
    print(f"{n} pages, urls={args.urls}, {args.rounds} rounds; CPU ms/page (median; rounds in brackets)")
    print(f"{'mode':10} {'extract':>8} {'lang':>6} {'total':>7}  {'x bare':>6} {'x b+meta':>8}  rounds(total)")
    med = {m: statistics.median((e + lg) * 1000 / n for e, lg in v) for m, v in per_mode.items()}
    for mode, vals in per_mode.items():
        e = statistics.median(x[0] * 1000 / n for x in vals)
        lg = statistics.median(x[1] * 1000 / n for x in vals)
        ratio = f"{med[mode] / med['bare']:.2f}" if "bare" in med else "  -"
        ratio_meta = f"{med[mode] / med['bare+meta']:.2f}" if "bare+meta" in med else "  -"
        spread = ", ".join(f"{(x[0] + x[1]) * 1000 / n:.1f}" for x in vals)
        print(f"{mode:10} {e:8.2f} {lg:6.2f} {med[mode]:7.2f}  {ratio:>6} {ratio_meta:>8}  [{spread}]")


if __name__ == "__main__":
    main()
