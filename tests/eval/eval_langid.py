"""Language ID on real sentences: accuracy per language (shared/eval/langid, lingua-py's test sentences).

    .venv/bin/python tests/eval/eval_langid.py [--limit N] [--json OUT]

Scores ``transforms.core.language.detect_language`` at the default settings on
every sentence (gold = the file name). Languages langdetect has no profile for
are reported apart: no setting can get them right, and they would hide what
the supported ones do. An ``und`` answer counts as wrong.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from transforms.core.language import LanguageSettings, detect_language, supported_languages  # noqa: E402

DATA = ROOT.parent / "shared" / "eval" / "langid" / "sentences"
GOLD_ALIASES = {"nb": "no", "nn": "no"}     # langdetect has one Norwegian; Bokmål and Nynorsk both count as it


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="sentences per language (0: all)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    settings = LanguageSettings()
    supported = supported_languages()
    rows = []
    t0 = time.perf_counter()
    n_total = 0
    for path in sorted(DATA.glob("*.txt")):
        gold = path.stem
        want = GOLD_ALIASES.get(gold, gold)
        lines = [l.strip() for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]
        if args.limit:
            lines = lines[: args.limit]
        answers = Counter(detect_language(l, settings).lang for l in lines)
        n_total += len(lines)
        right = answers.get(want, 0)
        wrong = [(k, v) for k, v in answers.most_common() if k != want][:3]
        rows.append({"lang": gold, "supported": want in supported, "n": len(lines),
                     "accuracy": right / len(lines), "und": answers.get("und", 0) / len(lines),
                     "confused_with": wrong})
    elapsed = time.perf_counter() - t0
    sup = [r for r in rows if r["supported"]]
    mean = lambda rs: sum(r["accuracy"] for r in rs) / max(1, len(rs))
    print(f"{'lang':5} {'acc':>6} {'und':>6}  most confused with")
    for r in sorted(rows, key=lambda r: (not r["supported"], r["accuracy"])):
        conf = ", ".join(f"{k} {v}" for k, v in r["confused_with"])
        print(f"{r['lang']:5} {r['accuracy']:6.3f} {r['und']:6.3f}  {conf}{'' if r['supported'] else '  (no profile)'}")
    print(f"\nsupported languages: {len(sup)}, mean accuracy {mean(sup):.3f}; "
          f"all {len(rows)}: {mean(rows):.3f}; {n_total} sentences in {elapsed:.1f} s "
          f"({1000 * elapsed / max(1, n_total):.2f} ms each)")
    # The rules must not fire on long texts that merely mention a foreign name: whole English
    # news articles (ECB+, PolNeAR) should all come out "en", decided by langdetect.
    news = Counter()
    for path in (DATA.parents[1] / "ecbplus_dev.jsonl", DATA.parents[1] / "polnear" / "polnear_dev.jsonl",
                 DATA.parents[1] / "polnear" / "polnear_train.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            r = detect_language(json.loads(line)["text"], settings)
            news[(r.lang, r.how)] += 1
    print(f"English news articles: {sum(news.values())}; answers " +
          ", ".join(f"{lang} by {how} {n}" for (lang, how), n in news.most_common()))
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "mean_supported": mean(sup), "mean_all": mean(rows)},
                                        indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
