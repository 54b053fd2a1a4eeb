"""Claim matching across languages, measured on human translations (not collected by pytest).

    .venv/bin/python tests/eval/eval_xling_claims.py [--show N]

Data: /work/shared/eval/xling_dev.jsonl (see xling_dev.README.md): each gold cluster is one WMT21
news document and its professional translation(s), with the same number of segments, one per line.

What is measured, with the pipeline's own code (``extract_claims`` and ``story.match_groups``):

1. Within a gold story. The claims of a cluster's documents are matched as the pipeline matches a
   story's claims. A reported claim or quote in segment i of one document *has a counterpart* when the
   aligned segment i of a translation yields a reported claim or quote whose statement shares at least
   one entity id or one number (unit:value) with it: the only language-independent evidence there is.
   Claims with no entity and no number cannot be compared across languages and are counted apart
   ("no anchor"). Score: of the claims with a counterpart, the share in the same match group as one
   of their counterparts.
2. Across stories. All claims of all documents are matched as if they were one story (the hardest
   case: nothing keeps stories apart but the claims themselves). Of the pairs of documents joined by
   a match group, the share whose documents belong to different gold stories. The README lists a few
   clusters that report one event; pairs inside those groups are shown separately.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from transforms.core.claims import ClaimKnowledge, extract_claims  # noqa: E402
from transforms.core.claims.story import match_groups, said_parts  # noqa: E402

DATA = Path("/work/shared/eval/xling_dev.jsonl")
# Different docids that report one event (xling_dev.README.md, "Caveat").
SAME_EVENT = [
    {"2021/aif.321259", "2021/bbc-russian.43692", "2021/izvestiya.520991", "2021/lenta.ru.344661",
     "2021/vesti.ru.343831"},
    {"2021/sovsport.ru.252342", "2021/vesti.ru.343817"}, {"2021/nytimes.268754", "2021/text_10"},
    {"2021/bbc.500823", "2021/standard.co.uk.57834"}, {"2021/latribune.fr.61430", "2021/nouvelobs.com.133503"},
    {"2021/faz.79602", "2021/salzburg.com.306596"}, {"2021/lefigaro.197546", "2021/lefigaro.197697"},
    {"2021/text_168", "2021/text_67"},
]


def _anchors(c) -> frozenset[str]:
    p = said_parts(c)
    return frozenset() if p is None else frozenset(i for i in p.items if not i.startswith("text:"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", type=int, default=0, help="print N missed counterpart pairs")
    args = ap.parse_args()
    kb = ClaimKnowledge.load(ROOT / "configs")
    docs = [json.loads(line) for line in open(DATA, encoding="utf-8")]
    claims_of: dict[str, list] = {}
    segment: dict[str, int] = {}
    for d in docs:
        cs = [c for c in extract_claims(d["url"], d["text"], d["lang"], kb) if c.kind in ("reported", "quote")]
        claims_of[d["url"]] = cs
        for c in cs:
            segment[c.claim_id] = d["text"].count("\n", 0, c.char_start)
    by_cluster: dict[str, list[dict]] = defaultdict(list)
    for d in docs:
        by_cluster[d["cluster"]].append(d)

    with_cp = same = no_anchor = total = 0
    missed = []
    for cluster, members in sorted(by_cluster.items()):
        cs = [c for d in members for c in claims_of[d["url"]]]
        group = match_groups(cs)
        for d in members:
            for c in claims_of[d["url"]]:
                total += 1
                mine = _anchors(c)
                if not mine:
                    no_anchor += 1
                    continue
                cps = [o for e in members if e["url"] != d["url"] for o in claims_of[e["url"]]
                       if segment[o.claim_id] == segment[c.claim_id] and mine & _anchors(o)]
                if not cps:
                    continue
                with_cp += 1
                if any(group[o.claim_id] == group[c.claim_id] for o in cps):
                    same += 1
                else:
                    missed.append((c, cps[0]))
    langs = sorted({d["lang"] for d in docs})
    print(f"xling: {len(docs)} documents ({', '.join(langs)}), {len(by_cluster)} stories, "
          f"{total} reported claims and quotes; {no_anchor} have no entity or number (no anchor)")
    print(f"  within a story: {with_cp} claims have a counterpart in an aligned translation; "
          f"{same} share its match group = {same / max(with_cp, 1):.3f}")
    for c, o in missed[:args.show]:
        print(f"    MISS {c.lang} {c.claim_key} | {c.claimant} | {(c.statement or '')[:80]}")
        print(f"         {o.lang} {o.claim_key} | {o.claimant} | {(o.statement or '')[:80]}")

    # every claim of every document, matched as one story
    cluster_of = {d["url"]: d["cluster"] for d in docs}
    allc = [c for d in docs for c in claims_of[d["url"]]]
    group = match_groups(allc)
    docs_in: dict[str, set[str]] = defaultdict(set)
    for c in allc:
        docs_in[group[c.claim_id]].add(c.article_id)
    pairs = wrong = excused = 0
    for urls in docs_in.values():
        us = sorted(urls)
        for i, a in enumerate(us):
            for b in us[i + 1:]:
                pairs += 1
                if cluster_of[a] != cluster_of[b]:
                    if any(cluster_of[a] in g and cluster_of[b] in g for g in SAME_EVENT):
                        excused += 1
                    else:
                        wrong += 1
    print(f"  across stories (all {len(allc)} claims matched as one story): {pairs} document pairs joined; "
          f"{wrong} join different stories = {wrong / max(pairs, 1):.3f} "
          f"(+{excused} pairs of different docids that report one event)")


if __name__ == "__main__":
    main()
