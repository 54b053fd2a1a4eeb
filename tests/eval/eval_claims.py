"""Figures for the claim extractor on /work/shared/eval (not collected by pytest).

    .venv/bin/python tests/eval/eval_claims.py [--split dev|train] [--only polnear|numbers|speed] [--breakdown]

``--breakdown`` prints, for PolNeAR, precision per cue and per pattern (kind, and how the claim was
read: preposition, claimant-first verb, statement-first verb, colon, quote with or without speaker),
sorted by the number of wrong claims, so one sees what holds precision back.

PolNeAR (attribution): per gold attribution, is there a claim whose statement has token F1 >= 0.5
with the gold content, and (for source) whose claimant overlaps a gold source span? Precision counts
our quote/reported claims that match some gold attribution. Primary annotator only.
Numbers: Recognizers-Text Number / NumberWithUnit specs (value accuracy per language, unit accuracy
where the spec's unit maps to one of our concepts) and quantulum3's English sentences.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from transforms.core.claims import ClaimKnowledge, extract_claims  # noqa: E402
from transforms.core.claims.numbers import find_numbers, find_quantities  # noqa: E402
from transforms.core.digits import normalize_digits  # noqa: E402

EVAL = Path("/work/shared/eval")
_TOK = re.compile(r"\w+")


def _tokens(s: str) -> Counter[str]:
    return Counter(t.lower() for t in _TOK.findall(s))


def token_f1(a: str, b: str) -> float:
    ta, tb = _tokens(a), _tokens(b)
    common = sum((ta & tb).values())
    if not common:
        return 0.0
    p, r = common / sum(ta.values()), common / sum(tb.values())
    return 2 * p * r / (p + r)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _pattern(c) -> str:
    """How an attribution was read, from its spans alone (the extractor records no rule name)."""
    if c.cue_start is None:
        return f"{c.kind}:no-cue"
    if c.claimant_start is None:
        return f"{c.kind}:no-claimant"
    if c.cue_end - c.cue_start == 1 and c.cue and c.cue in ":：":
        return f"{c.kind}:colon"
    if c.claimant_start < c.cue_start:
        order = "claimant-cue-statement" if c.statement_start >= c.cue_end else "statement-claimant-cue"
    else:
        order = "cue-claimant-statement" if c.statement_start >= c.claimant_end else "statement-cue-claimant"
    return f"{c.kind}:{order}"


def _print_breakdown(title: str, counts: dict[str, list[int]], top: int = 40) -> None:
    print(f"  {title} (claims, matched, wrong, precision), most wrong first:")
    for k, (n, ok) in sorted(counts.items(), key=lambda kv: (-(kv[1][0] - kv[1][1]), kv[0]))[:top]:
        print(f"    {k:40s} {n:5d} {ok:5d} {n - ok:5d}  P={ok / max(n, 1):.3f}")


def eval_polnear(kb: ClaimKnowledge, split: str, breakdown: bool = False) -> None:
    rows = [json.loads(line) for line in open(EVAL / "polnear" / f"polnear_{split}.jsonl")]
    rows = [r for r in rows if r.get("primary")]
    gold_n = content_hit = both_hit = pred_n = pred_hit = 0
    by_cue: dict[str, list[int]] = {}
    by_pattern: dict[str, list[int]] = {}
    for r in rows:
        text = r["text"]
        claims = [c for c in extract_claims(r["doc"], text, "en", kb) if c.kind in ("quote", "reported")]
        golds = []
        for q in r["quotes"]:
            content = " ".join(text[c["start"]:c["end"]] for c in q["contents"])
            golds.append((content, [(s["start"], s["end"]) for s in q["sources"]]))
        gold_n += len(golds)
        pred_n += len(claims)
        matched_claims = set()
        for content, sources in golds:
            best_c, best_b = False, False
            for i, c in enumerate(claims):
                if token_f1(c.statement or "", content) >= 0.5:
                    best_c = True
                    matched_claims.add(i)
                    if c.claimant_start is not None and any(
                            c.claimant_start < e and s < c.claimant_end for s, e in sources):
                        best_b = True
            content_hit += best_c
            both_hit += best_b
        pred_hit += len(matched_claims)
        for i, c in enumerate(claims):
            for table, k in ((by_cue, (c.cue or "(none)").lower()), (by_pattern, _pattern(c))):
                cell = table.setdefault(k, [0, 0])
                cell[0] += 1
                cell[1] += i in matched_claims
    p, rc = pred_hit / max(pred_n, 1), content_hit / max(gold_n, 1)
    rb = both_hit / max(gold_n, 1)
    pb = p * (both_hit / max(content_hit, 1))   # share of matched claims that also name the source
    print(f"polnear {split}: docs={len(rows)} gold={gold_n} claims={pred_n}")
    print(f"  content  P={p:.3f} R={rc:.3f} F1={_f1(p, rc):.3f}")
    print(f"  source+content  P={pb:.3f} R={rb:.3f} F1={_f1(pb, rb):.3f}")
    if breakdown:
        _print_breakdown("by pattern", by_pattern)
        _print_breakdown("by cue", by_cue)


_RT_LANG = {"English": "en", "Spanish": "es", "French": "fr", "German": "de", "Portuguese": "pt",
            "Chinese": "zh", "Arabic": "ar", "SpanishMexican": "es"}
_RT_UNIT = {"Dollar": "USD", "United States dollar": "USD", "Euro": "EUR", "British pound": "GBP", "Pound": "pound_weight",
            "Kilometer": "km", "Mile": "mile", "Meter": "metre", "Centimeter": "cm", "Inch": "inch", "Foot": "foot",
            "Kilogram": "kg", "Ton": "tonne", "Liter": "litre", "Milliliter": "litre", "Year": "year",
            "Chinese yuan": "CNY", "Yuan": "CNY", "Russian ruble": "RUB", "Millimeter": "mm", "Gram": "gram",
            "Ounce": "ounce", "Gallon": "gallon", "Acre": "acre", "Hectare": "hectare", "Yard": "yard",
            "Square kilometer": "square_km", "Square mile": "square_mile", "Japanese yen": "JPY", "Yen": "JPY",
            "Swiss franc": "CHF", "Cent": "cent", "Penny": "pence", "Kilometer per hour": "kmh", "Mile per hour": "mph",
            "Barrel": "barrel", "Knot": "knot", "Pound sterling": "GBP"}


_CURRENCY = {"USD", "EUR", "GBP", "CNY", "RUB", "IRR", "VND", "JPY", "CHF", "cent", "pence", "franc", "currency"}
_DIMENSION = {"km", "mile", "metre", "cm", "mm", "inch", "foot", "yard", "kg", "gram", "tonne", "pound_weight", "ounce",
              "litre", "gallon", "barrel", "acre", "hectare", "square_km", "square_mile", "knot", "mph", "kmh"}


def _skipped(case: dict) -> bool:
    """Cases the reference implementation itself does not support in Python are not scored."""
    flags = f"{case.get('NotSupported', '')},{case.get('NotSupportedByDesign', '')}".lower()
    return "python" in flags


def _rt_value(v: object) -> float | None:
    if not isinstance(v, str):
        return None
    try:
        return float(v.rstrip("%"))
    except (TypeError, ValueError):
        return None


def eval_numbers(kb: ClaimKnowledge) -> None:
    base = EVAL / "numbers" / "recognizers-text-specs"
    print("Recognizers-Text Number (NumberModel + PercentModel): value P/R/F1 per language (exact span start, value)")
    for lang_dir in sorted((base / "Number").iterdir()):
        lang = _RT_LANG.get(lang_dir.name)
        if lang is None or lang not in kb.lexicons:
            continue
        lex = kb.lexicons[lang]
        tp = fp = fn = 0
        for fname in ("NumberModel.json", "PercentModel.json"):
            path = lang_dir / fname
            if not path.exists():
                continue
            for case in json.load(open(path, encoding="utf-8-sig")):
                if _skipped(case):
                    continue
                text = normalize_digits(case["Input"])
                gold = {round(v, 4) for res in case.get("Results", [])
                        if (v := _rt_value(res.get("Resolution", {}).get("value"))) is not None}
                pred = {round(n.value, 4) for n in find_numbers(text, lex)}
                tp += len(gold & pred)
                fp += len(pred - gold)
                fn += len(gold - pred)
        p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
        print(f"  {lang_dir.name:15s} P={p:.3f} R={r:.3f} F1={_f1(p, r):.3f} (gold={tp + fn})")
    print("Recognizers-Text NumberWithUnit (Currency + Dimension): value F1 and unit accuracy on matched values")
    for lang_dir in sorted((base / "NumberWithUnit").iterdir()):
        lang = _RT_LANG.get(lang_dir.name)
        if lang is None or lang not in kb.lexicons:
            continue
        lex = kb.lexicons[lang]
        for fname in ("CurrencyModel.json", "DimensionModel.json"):
            tp = fp = fn = unit_ok = unit_n = 0
            # each spec annotates one type only: score the quantities of that type
            wanted = _CURRENCY if fname.startswith("Currency") else _DIMENSION
            path = lang_dir / fname
            if not path.exists():
                continue
            for case in json.load(open(path, encoding="utf-8-sig")):
                if _skipped(case):
                    continue
                text = normalize_digits(case["Input"])
                gold = {}
                for res in case.get("Results", []):
                    v = _rt_value(res.get("Resolution", {}).get("value"))
                    if v is not None:
                        gold[round(v, 4)] = res["Resolution"].get("unit")
                gold = {float(f"{v:.6g}"): u for v, u in gold.items()}
                pred = {round(q.value, 4): q.unit for q in find_quantities(text, lex)
                        if q.unit.split("/")[0] in wanted}
                pred = {float(f"{v:.6g}"): u for v, u in pred.items()}
                tp += len(gold.keys() & pred.keys())
                fp += len(pred.keys() - gold.keys())
                fn += len(gold.keys() - pred.keys())
                for v in gold.keys() & pred.keys():
                    want = _RT_UNIT.get(gold[v] or "")
                    if want:
                        unit_n += 1
                        unit_ok += pred[v].split("/")[0] == want
            p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
            print(f"  {lang_dir.name:12s} {fname[:-10]:9s} value P={p:.3f} R={r:.3f} F1={_f1(p, r):.3f} "
                  f"(gold={tp + fn}); unit acc={unit_ok / max(unit_n, 1):.3f} (n={unit_n})")
    # quantulum3: English sentences with quantities (value + unit); dimensionless gold are bare numbers
    cases = json.load(open(EVAL / "numbers/quantulum3-tests/_lang/en_US/tests/quantities.json", encoding="utf-8-sig"))
    lex = kb.lexicons["en"]
    tp = fp = fn = 0
    qtp = qfp = qfn = 0
    for case in cases:
        text = case["req"]
        gold_all = {round(float(r["value"]), 4) for r in case["res"]}
        gold_units = {round(float(r["value"]), 4) for r in case["res"] if r["unit"] != "dimensionless"}
        nums = {round(n.value, 4) for n in find_numbers(text, lex)}
        qs = {round(q.value if q.value_max is None else (q.value + q.value_max) / 2, 4) for q in find_quantities(text, lex)}
        tp += len(gold_all & nums); fp += len(nums - gold_all); fn += len(gold_all - nums)
        qtp += len(gold_units & qs); qfp += len(qs - gold_units); qfn += len(gold_units - qs)
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    print(f"quantulum3 en sentences ({len(cases)}): number value P={p:.3f} R={r:.3f} F1={_f1(p, r):.3f}")
    p, r = qtp / max(qtp + qfp, 1), qtp / max(qtp + qfn, 1)
    print(f"  quantities with a unit: value P={p:.3f} R={r:.3f} F1={_f1(p, r):.3f}")


def eval_speed(kb: ClaimKnowledge, passes: int = 3) -> None:
    """CPU time per article, best of ``passes`` passes (a shared machine slows some passes down)."""
    rows = [json.loads(line) for line in open(EVAL / "polnear" / "polnear_dev.jsonl")]
    texts = [r["text"] for r in rows if r.get("primary")]
    extract_claims("warm", texts[0], "en", kb)
    cpus, walls = [], []
    for _ in range(passes):
        times = []
        cpu0 = time.process_time()
        for t in texts:
            t0 = time.perf_counter()
            extract_claims("x", t, "en", kb)
            times.append((time.perf_counter() - t0) * 1000)
        cpus.append((time.process_time() - cpu0) * 1000 / len(texts))
        walls.append(times)
    best = min(range(passes), key=lambda i: cpus[i])
    times = walls[best]
    chars = statistics.mean(len(t) for t in texts)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"speed: {len(texts)} polnear dev articles (mean {chars:.0f} chars), best of {passes} passes: "
          f"wall mean {statistics.mean(times):.2f} ms, median {statistics.median(times):.2f} ms, "
          f"max {max(times):.2f} ms; CPU time {cpus[best]:.2f} ms/article "
          f"(all passes: {', '.join(f'{c:.2f}' for c in cpus)}; load average {load:.2f} on {os.cpu_count()} CPUs)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev", choices=["dev", "train"])
    ap.add_argument("--only", choices=["polnear", "numbers", "speed"])
    ap.add_argument("--breakdown", action="store_true", help="PolNeAR precision per cue and per pattern")
    args = ap.parse_args()
    kb = ClaimKnowledge.load(ROOT / "configs")
    if args.only in (None, "polnear"):
        eval_polnear(kb, args.split, args.breakdown)
    if args.only in (None, "numbers"):
        eval_numbers(kb)
    if args.only in (None, "speed"):
        eval_speed(kb)


if __name__ == "__main__":
    main()
