"""Probe (not shipped, not collected by pytest): would a trained tagger beat the attribution rules?

    .venv/bin/pip install python-crfsuite      # not a dependency of claimwire
    .venv/bin/python tests/eval/probe_crf_attribution.py [--iterations 150] [--c1 0.5] [--c2 0.001]

A linear-chain CRF (python-crfsuite) tags each token of a PolNeAR paragraph as the cue, source or
content of an attribution (BIO). Its features are the word and its neighbours, shape, quote state,
distance to the lexicon's cue verbs, sentence position, and what the rule extractor says of the token
(inside a rule claim's statement, claimant or cue): the tagger learns to correct the rules.
A predicted content span is a statement; its source is the claimant of the rule claim it overlaps
most, else the predicted source span nearest to the nearest predicted cue.

It trains on PolNeAR train without a held-out 1/8 of its documents (by a hash of the document id),
picks nothing on dev, and prints, scored as ``eval_claims.py`` scores (token F1 >= 0.5 on content,
any overlap on source): the rules and the tagger on the held-out part of train, then on dev; and the
hybrid of the two at each ``--thresholds`` value: every rule claim, and each tagged content span that
no rule statement overlaps, kept when the mean marginal probability of its tokens' labels reaches the
threshold (the threshold to choose is the held-out part's, never dev's).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "eval"))

from eval_claims import EVAL, _f1, token_f1  # noqa: E402
from transforms.core.claims import ClaimKnowledge, extract_claims  # noqa: E402
from transforms.core.resources import configs_dir  # noqa: E402

_TOK = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")


def _shape(w: str) -> str:
    if w.isdigit():
        return "d"
    if not w[0].isalnum():
        return "p"
    if w.isupper() and len(w) > 1:
        return "X"
    return "Xx" if w[0].isupper() else "x"


def _features(toks, rules, cues: set[str]) -> list[list[str]]:
    n, low = len(toks), [t[2].lower() for t in toks]
    quote, depth = [], 0
    for _, _, w in toks:
        if w == "“":
            depth = 1
            quote.append("open")
        elif w == "”":
            depth = 0
            quote.append("close")
        elif w == '"':
            depth = 1 - depth
            quote.append("mark")
        else:
            quote.append("in" if depth else "out")
    sent, k = [], 0
    for i, (_, _, w) in enumerate(toks):
        sent.append(k)
        if w in ".!?" and (i + 1 >= n or toks[i + 1][2] not in "\"”’"):
            k += 1
    cue_at = [i for i, w in enumerate(low) if w in cues]
    out = []
    for i, (s, _, w) in enumerate(toks):
        f = ["b", "w=" + low[i], "sh=" + _shape(w), "s3=" + low[i][-3:], "q=" + quote[i]]
        if low[i] in cues:
            f.append("cue")
        for d in (-3, -2, -1, 1, 2, 3):
            j = i + d
            f.append(f"w{d}={low[j]}" if 0 <= j < n else f"w{d}=<>")
            if 0 <= j < n and abs(d) == 1:
                f.append(f"sh{d}={_shape(toks[j][2])}")
            if 0 <= j < n and low[j] in cues:
                f.append(f"cue{d}")
        if i > 0:
            f.append(f"bg-={low[i - 1]}|{low[i]}")
        if i < n - 1:
            f.append(f"bg+={low[i]}|{low[i + 1]}")
        before = [p for p in cue_at if p < i]
        after = [p for p in cue_at if p > i]
        f.append("pc=" + (str(min(i - before[-1], 6)) if before else "n"))
        f.append("nc=" + (str(min(after[0] - i, 6)) if after else "n"))
        if before:
            f.append("pcw=" + low[before[-1]])
        f.append(f"pos={min(i, 5)}/{min(n - 1 - i, 5)}")
        marks = [("rS:" + c.kind) for c in rules if c.statement_start is not None and c.statement_start <= s < c.statement_end]
        marks += ["rC" for c in rules if c.claimant_start is not None and c.claimant_start <= s < c.claimant_end]
        marks += ["rQ" for c in rules if c.cue_start is not None and c.cue_start <= s < c.cue_end]
        f += marks or ["r0"]
        if i == 0 or sent[i - 1] != sent[i]:
            f.append("sstart")
        if i == n - 1 or sent[i + 1] != sent[i]:
            f.append("send")
        same = [p for p in before if sent[p] == sent[i]]
        if same:
            f += ["cue_in_sent", "cue_in_sent=" + low[same[-1]]]
            if same[-1] + 1 < n and low[same[-1] + 1] == "that":
                f.append("cue_that")
        if any(sent[p] == sent[i] for p in after):
            f.append("cue_later_sent")
        f.append(f"sidx={min(sent[i], 3)}")
        out.append(f)
    return out


def _labels(toks, quotes) -> list[str]:
    lab, rank = ["O"] * len(toks), [9] * len(toks)
    spans = []
    for q in quotes:
        spans += [(2, "C", c["start"], c["end"]) for c in q["contents"]]
        spans += [(1, "S", c["start"], c["end"]) for c in q["sources"]]
        if q.get("cue"):
            spans.append((0, "Q", q["cue"]["start"], q["cue"]["end"]))
    for r, tag, s, e in spans:       # cue over source over content where they overlap
        first = True
        for i, (ts, te, _) in enumerate(toks):
            if ts < e and s < te:
                if r < rank[i] or (r == rank[i] and first):
                    lab[i], rank[i] = ("B-" if first else "I-") + tag, r
                first = False
    return lab


def _paragraphs(doc: dict, kb: ClaimKnowledge, cues: set[str]):
    text = doc["text"]
    rules = [c for c in extract_claims(doc["doc"], text, "en", kb) if c.kind in ("quote", "reported")]
    for m in re.finditer(r"[^\n]+", text):
        toks = [(t.start(), t.end(), t.group()) for t in _TOK.finditer(text, m.start(), m.end())]
        if toks:
            mine = [c for c in rules if c.char_start < toks[-1][1] and toks[0][0] < c.char_end]
            yield toks, mine, _features(toks, mine, cues), _labels(toks, doc["quotes"])


def _spans(tags: list[str]) -> dict[str, list[list]]:
    out: dict[str, list[list]] = {"C": [], "S": [], "Q": []}
    cur = None
    for i, t in enumerate(tags):
        if t == "O":
            cur = None
            continue
        b, tag = t.split("-")
        if b == "B" or cur is None or cur[0] != tag:
            cur = [tag, i, i]
            out[tag].append(cur)
        else:
            cur[2] = i
    return out


def _decode(toks, tags, rules, confidence=None) -> list[tuple[tuple[int, int], tuple[int, int] | None]]:
    """Content spans with their sources; with ``confidence(a, b)``, each span's confidence is appended
    (``((s, e), src, conf)``)."""
    sp, out = _spans(tags), []
    for _, a, b in sp["C"]:
        s, e = toks[a][0], toks[b][1]
        best = max(((min(e, c.statement_end) - max(s, c.statement_start), c) for c in rules
                    if c.statement_start is not None), default=(0, None), key=lambda x: x[0])
        src = None
        if best[1] is not None and best[0] > 0 and best[1].claimant_start is not None:
            src = (best[1].claimant_start, best[1].claimant_end)
        elif sp["S"]:
            anchor = (a, b)
            if sp["Q"]:
                q = min(sp["Q"], key=lambda x: min(abs(x[1] - b), abs(x[2] - a)))
                anchor = (q[1], q[2])
            _, sa, sb = min(sp["S"], key=lambda x: min(abs(x[1] - anchor[1]), abs(x[2] - anchor[0])))
            src = (toks[sa][0], toks[sb][1])
        out.append(((s, e), src) if confidence is None else ((s, e), src, confidence(a, b)))
    return out


def _hybrid(rules: list, tagged: list, threshold: float) -> list:
    """The rules' claims, and each tagged content span that no rule statement overlaps and whose tokens the
    tagger gives a content label with a mean marginal probability of at least ``threshold``."""
    out = list(rules)
    for (s, e), src, conf in tagged:
        if conf >= threshold and not any(rs < e and s < re_ for (rs, re_), _ in rules):
            out.append(((s, e), src))
    return out


def _score(docs, preds) -> str:
    gold = content = both = made = hit = 0
    for d in docs:
        text, claims = d["text"], preds.get(d["doc"], [])
        made += len(claims)
        matched = set()
        for q in d["quotes"]:
            want = " ".join(text[c["start"]:c["end"]] for c in q["contents"])
            sources = [(s["start"], s["end"]) for s in q["sources"]]
            gold += 1
            c_ok = b_ok = False
            for i, ((s, e), src) in enumerate(claims):
                if token_f1(text[s:e], want) >= 0.5:
                    c_ok = True
                    matched.add(i)
                    b_ok = b_ok or (src is not None and any(src[0] < e2 and s2 < src[1] for s2, e2 in sources))
            content += c_ok
            both += b_ok
        hit += len(matched)
    p, r, rb = hit / max(made, 1), content / max(gold, 1), both / max(gold, 1)
    pb = p * both / max(content, 1)
    return (f"content P={p:.3f} R={r:.3f} F1={_f1(p, r):.3f}  source+content P={pb:.3f} R={rb:.3f} "
            f"F1={_f1(pb, rb):.3f}  claims={made}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=150)
    ap.add_argument("--c1", type=float, default=0.5)
    ap.add_argument("--c2", type=float, default=0.001)
    ap.add_argument("--thresholds", type=float, nargs="*", default=[0.5, 0.7, 0.8, 0.9, 0.95],
                    help="hybrid: the tagger's spans that no rule statement overlaps, kept at these confidences")
    args = ap.parse_args()
    try:
        import pycrfsuite
    except ImportError:
        print("probe_crf_attribution: needs python-crfsuite (.venv/bin/pip install python-crfsuite)", file=sys.stderr)
        return 2
    kb = ClaimKnowledge.load(configs_dir())
    lex = kb.lexicon_for("en")
    cues = set(lex.verb_cues) | set(lex.post_cues)

    def load(split: str) -> list[dict]:
        rows = [json.loads(line) for line in open(EVAL / "polnear" / f"polnear_{split}.jsonl")]
        return [r for r in rows if r.get("primary")]

    train = load("train")
    held = {d["doc"] for d in train if hashlib.md5(d["doc"].encode()).hexdigest()[0] in "01"}
    trainer = pycrfsuite.Trainer(verbose=False)
    for d in train:
        if d["doc"] not in held:
            for _, _, f, lab in _paragraphs(d, kb, cues):
                trainer.append(f, lab)
    trainer.set_params({"c1": args.c1, "c2": args.c2, "max_iterations": args.iterations,
                        "feature.possible_transitions": True})
    with tempfile.TemporaryDirectory() as tmp:
        model = str(Path(tmp) / "attribution.crfsuite")
        trainer.train(model)
        print(f"model: {Path(model).stat().st_size / 2**20:.1f} MiB, {len(train) - len(held)} training documents")
        tagger = pycrfsuite.Tagger()
        tagger.open(model)
        for name, docs in (("train, held-out 1/8", [d for d in train if d["doc"] in held]), ("dev", load("dev"))):
            rules: dict[str, list] = {}
            tagged: dict[str, list] = {}
            for d in docs:
                rules[d["doc"]] = [((c.statement_start, c.statement_end),
                                    (c.claimant_start, c.claimant_end) if c.claimant_start is not None else None)
                                   for c in extract_claims(d["doc"], d["text"], "en", kb)
                                   if c.kind in ("quote", "reported")]
                for toks, mine, f, _ in _paragraphs(d, kb, cues):
                    tags = tagger.tag(f)

                    def confidence(a: int, b: int) -> float:
                        return sum(tagger.marginal(tags[i], i) for i in range(a, b + 1)) / (b - a + 1)
                    tagged.setdefault(d["doc"], []).extend(_decode(toks, tags, mine, confidence))
            print(f"{name} ({len(docs)} documents)")
            print(f"  rules   {_score(docs, rules)}")
            print(f"  tagger  {_score(docs, {k: [(c, s) for c, s, _ in v] for k, v in tagged.items()})}")
            for threshold in args.thresholds:
                both = {k: _hybrid(rules[k], tagged.get(k, []), threshold) for k in rules}
                print(f"  rules + tagger spans off the rules' statements, confidence >= {threshold:.2f}  "
                      f"{_score(docs, both)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
