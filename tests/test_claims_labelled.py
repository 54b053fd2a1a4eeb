"""Issue 16: precision of reported claims and quotes against the hand-labelled set.

Labels (tests/data/claims_labelled.jsonl, rules in tests/data/claims_labelled.README.md) say, for
every reported claim and quote the extractor gave on the five seeds and the first 30 primary PolNeAR
dev articles, whether its claimant and its statement are right. The test re-extracts and scores: a
claim counts as right only when its label (same doc, span, claimant and statement) says both are; a
claim with no label counts as wrong, so a change that alters outputs must be relabelled by reading.
"""
from __future__ import annotations

import json

from tests.labelled_claims import DATA, ROOT, load_docs, load_labels, score
from transforms.core.claims import ClaimKnowledge

# Measured when the labels were last completed (0.906 overall, 566 of 625, on 2026-12-07 at stop 52; seeds 0.982).
# The issue's target is 0.90: a drop below it, or below the seeds' floor, fails.
MIN_PRECISION = 0.90
MIN_SEED_PRECISION = 0.95


def test_labels_cover_the_set_and_follow_the_rules():
    docs = {d.doc for d in load_docs()}
    assert sum(d.startswith("polnear:") for d in docs) == 30 and sum(d.startswith("seed:") for d in docs) == 5
    for line in open(DATA / "claims_labelled.jsonl", encoding="utf-8"):
        r = json.loads(line)
        assert r["doc"] in docs
        assert isinstance(r["claimant_ok"], bool) and isinstance(r["statement_ok"], bool)
        # a wrong label says why
        assert (r["claimant_ok"] and r["statement_ok"]) or r["note"]
    assert len(load_labels()) > 600


def test_precision_on_the_hand_labelled_set():
    sc = score(ClaimKnowledge.load(ROOT / "configs"))
    assert sc.total > 600
    seed_right, seed_total = sc.by_set["seed"]
    assert sc.precision >= MIN_PRECISION, (sc.precision, sc.unlabelled[:5])
    assert seed_right / seed_total >= MIN_SEED_PRECISION, (seed_right, seed_total, sc.unlabelled[:5])
