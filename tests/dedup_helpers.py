"""Helpers shared by the dedup tests and tests/eval/eval_dedup.py: scores and a seeded syndication set."""
from __future__ import annotations

from collections import Counter


def bcubed(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    by_pred: dict[str, set[str]] = {}
    by_gold: dict[str, set[str]] = {}
    for k, g in gold.items():
        by_pred.setdefault(pred[k], set()).add(k)
        by_gold.setdefault(g, set()).add(k)
    p = r = 0.0
    for k in gold:
        same = by_pred[pred[k]] & by_gold[gold[k]]
        p += len(same) / len(by_pred[pred[k]])
        r += len(same) / len(by_gold[gold[k]])
    p, r = p / len(gold), r / len(gold)
    return p, r, 2 * p * r / (p + r)


def ari(pred: dict[str, str], gold: dict[str, str]) -> float:
    keys = sorted(gold)
    cont = Counter((pred[k], gold[k]) for k in keys)
    a = Counter(pred[k] for k in keys)
    b = Counter(gold[k] for k in keys)
    c2 = lambda n: n * (n - 1) / 2
    index = sum(c2(v) for v in cont.values())
    sa, sb = sum(c2(v) for v in a.values()), sum(c2(v) for v in b.values())
    expected = sa * sb / c2(len(keys))
    maxi = (sa + sb) / 2
    return (index - expected) / (maxi - expected)


# ---------------------------------------------------------------- syndication set

BOILERPLATE = {
    "disclaimer": (
        "Disclaimer: The information contained in this article is provided for general informational purposes "
        "only and does not constitute financial, legal or investment advice. Readers should consult a qualified "
        "professional before making any decision based on this content. The publisher makes no representations "
        "or warranties of any kind, express or implied, about the completeness, accuracy, reliability or "
        "suitability of the information, and accepts no liability for any loss or damage arising from its use. "
        "Views expressed by contributors are their own and do not necessarily reflect those of the publisher, "
        "its editors or its partners. Content may be updated or removed without notice."),
    "newsletter": (
        "Never miss a story: sign up for our free morning newsletter and get the most important news of the day "
        "delivered straight to your inbox before breakfast. Our editors pick the stories that matter, explain "
        "what happened overnight and tell you what to watch for in the hours ahead. You can unsubscribe at any "
        "time with a single click, and we will never share your email address with third parties. Support "
        "independent journalism today by becoming a member and get unlimited access to all our reporting."),
    "closing": (
        "This report was produced with the support of our regional partners and the wire services that supply "
        "us with breaking news around the clock. Corrections and clarifications can be sent to our standards "
        "desk, which reviews every request within two working days. Follow us on social media for live updates, "
        "share this article with your friends and family, and leave a comment below to join the conversation "
        "with thousands of other readers who care about the stories shaping our communities."),
}
TEMPLATES = [
    ("{title}\nBy Staff Writer | {site}\n{body}\nCopyright {site}. All rights reserved.", "tpl_a"),
    ("{site} News\n{title}\nPublished by the newsroom\n{body}\nRead more on {site}", "tpl_b"),
    ("{title}\n{body}\nShare this story with your friends on {site}", "tpl_c"),
]


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def _edit_words(text: str, rng, share: float) -> str:
    words = text.split(" ")
    for _ in range(max(1, int(len(words) * share))):
        i = rng.randrange(len(words))
        words[i] = rng.choice(["reportedly", "also", "now", "officials", "new", "said", "on", "this"])
    return " ".join(words)


def build_syndication_set(originals: list[tuple[str, str]], seed: int = 0, copies_per: int = 3,
                          boiler_groups: int = 4, boiler_members: int = 6):
    """Seeded set: originals, their copies (full re-templated, trimmed, abridged half, lightly edited,
    dateline added) and distinct articles that share a long disclaimer, pitch or closing paragraph.
    Returns (docs as DocIn list, family of each doc id): same family = a true duplicate pair."""
    import random
    from datetime import datetime, timedelta, timezone

    from transforms.core.dedup import DocIn
    rng = random.Random(seed)
    base = datetime(2024, 1, 1, tzinfo=timezone.utc)
    docs, family = [], {}
    order = sorted(originals)
    rng.shuffle(order)
    n_boiler = boiler_groups * boiler_members
    boiler_docs, syn_docs = order[:n_boiler], order[n_boiler:]
    kinds = ["retemplated", "trimmed", "abridged", "edited", "dateline"]
    for k, (oid, text) in enumerate(syn_docs):
        paras = _paragraphs(text)
        pub = base + timedelta(hours=k)
        docs.append(DocIn(f"{oid}", f"https://origin.example/{oid}", pub, text))
        family[oid] = oid
        for c in range(copies_per):
            kind = kinds[(k + c) % len(kinds)]
            site = f"site{rng.randrange(50)}.example"
            if kind == "retemplated":
                tpl = TEMPLATES[rng.randrange(len(TEMPLATES))][0]
                body = tpl.format(title=paras[0][:80], site=site, body="\n".join(paras))
            elif kind == "trimmed":
                keep = max(1, int(len(paras) * 0.8))
                body = "\n".join(paras[:keep]) if len(paras) > 3 else text[: int(len(text) * 0.85)]
            elif kind == "abridged":
                body = "\n".join(paras[: max(1, len(paras) // 2)]) if len(paras) > 3 else text[: len(text) // 2]
            elif kind == "edited":
                body = _edit_words(text, rng, 0.03)
            else:
                body = f"CITY, {pub:%B %d} (Wire) - " + text
            if rng.random() < 0.3:      # copies carry their site's boilerplate too
                body += "\n" + BOILERPLATE[rng.choice(sorted(BOILERPLATE))]
            cid = f"{oid}~{c}"
            docs.append(DocIn(cid, f"https://{site}/{cid}", pub + timedelta(hours=1 + c), body))
            family[cid] = oid
    names = sorted(BOILERPLATE)
    for k, (oid, text) in enumerate(boiler_docs):
        words = text.split(" ")
        # Short bodies make the shared boilerplate most of the text: the hard case.
        body = " ".join(words[: rng.choice([80, 150, 300])])
        docs.append(DocIn(oid, f"https://blog{k}.example/{oid}", base - timedelta(days=1, hours=k),
                          body + "\n" + BOILERPLATE[names[k % len(names)]]))
        family[oid] = oid
    return docs, family


def pair_scores(dup_of: dict, family: dict) -> tuple[float, float, float]:
    def root(a):
        return dup_of.get(a) or a
    pred_groups: dict[str, list[str]] = {}
    gold_groups: dict[str, list[str]] = {}
    for a, fam in family.items():
        pred_groups.setdefault(root(a), []).append(a)
        gold_groups.setdefault(fam, []).append(a)
    c2 = lambda n: n * (n - 1) // 2
    pred_pairs = sum(c2(len(g)) for g in pred_groups.values())
    gold_pairs = sum(c2(len(g)) for g in gold_groups.values())
    both = Counter((root(a), family[a]) for a in family)
    tp = sum(c2(v) for v in both.values())
    p = tp / pred_pairs if pred_pairs else 1.0
    r = tp / gold_pairs if gold_pairs else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def distinct_originals(texts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop originals that are themselves near-copies (exact shingle sets): the gold must be clean."""
    from transforms.core.dedup import words
    kept, sets = [], []
    for oid, text in texts:
        w = words(text)
        sh = {" ".join(w[i:i + 4]) for i in range(max(1, len(w) - 3))}
        if any(len(sh & s) / max(1, min(len(sh), len(s))) > 0.3 for s in sets):
            continue
        kept.append((oid, text))
        sets.append(sh)
    return kept




_distinct_originals = distinct_originals
