"""Figures for plain-text cleaning and dates (area ``textdates``).

Run: .venv/bin/python tests/eval/eval_textdates.py

1. Per-article CPU time of split_seed_header + clean_plain_text + publication_date on the seeds,
   and what each gives.
2. Robustness and speed of find_dates / publication_date over ../shared/eval/langid sentences
   (75 languages x 500 sentences, joined per language into one text): exceptions (must be 0),
   CPU time per 10 kB, and how many dates were found per language (a sanity check: sentence
   corpora hold few dates, so large counts would mean false positives).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SEED_LANGS = {"000": "en", "001": "en", "002": "en", "003": "vi", "004": "fa"}
LANGID = ROOT.parent / "shared" / "eval" / "langid" / "sentences"


def seeds(rounds: int = 200) -> None:
    from transforms.core.dates import publication_date
    from transforms.core.textclean import clean_plain_text, split_seed_header

    print("== seeds: split_seed_header + clean_plain_text + publication_date (CPU time)")
    total = 0.0
    paths = sorted((ROOT / "seeds").glob("*.txt"))
    for path in paths:
        raw = path.read_text(encoding="utf-8")
        lang = SEED_LANGS.get(path.name[:3])
        h = split_seed_header(raw)
        publication_date(clean_plain_text(h.body, h.rest).text, lang, hints=h.date)  # warm
        t0 = time.process_time()
        for _ in range(rounds):
            h = split_seed_header(raw)
            c = clean_plain_text(h.body, h.rest)
            got = publication_date(c.text, lang, hints=h.date)
        per = (time.process_time() - t0) / rounds
        total += per
        kinds: dict[str, int] = {}
        for kind, _ in c.removed:
            kinds[kind] = kinds.get(kind, 0) + 1
        print(f"{path.name} {lang} {len(raw):>6} chars  {per * 1000:6.3f} ms  "
              f"date={got[0].date() if got[0] else None} ({got[1] or '-'})  removed={kinds}")
    print(f"mean per article: {total / len(paths) * 1000:.3f} ms")


def langid_sentences() -> None:
    from transforms.core.dates import find_dates, publication_date

    if not LANGID.is_dir():
        print(f"(skipped: {LANGID} not found)")
        return
    print("\n== langid sentences: find_dates + publication_date per language text")
    errors = 0
    chars = 0
    cpu = 0.0
    counts: list[tuple[int, str]] = []
    for path in sorted(LANGID.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        lang = path.stem
        t0 = time.process_time()
        try:
            found = find_dates(text, lang)
            publication_date(text, lang)
            find_dates(text)  # all languages' names at once, the slowest case
        except Exception as exc:  # noqa: BLE001 - counting crashes is the point here
            errors += 1
            print(f"{lang}: {type(exc).__name__}: {exc}")
            continue
        cpu += time.process_time() - t0
        chars += len(text)
        counts.append((len(found), lang))
    print(f"exceptions: {errors}")
    print(f"CPU per 10 kB (3 calls): {cpu / max(chars, 1) * 10_000 * 1000:.3f} ms")
    counts.sort(reverse=True)
    print("dates found (top 10 languages):",
          ", ".join(f"{lang}={n}" for n, lang in counts[:10]))


if __name__ == "__main__":
    seeds()
    langid_sentences()
