"""Story aggregation: corroboration counts and disputes."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from pathlib import Path

from transforms.core.claims import ClaimKnowledge, extract_claims
from transforms.core.claims.story import ArticleMeta, aggregate_story_claims

ROOT = Path(__file__).resolve().parents[1]


def _claims(kb, aid, text, lang):
    return [dataclasses.replace(c, story_id="s1") for c in extract_claims(aid, text, lang, kb)]


def test_seed_story_corroboration_and_su_dispute():
    kb = ClaimKnowledge.load(ROOT / "configs")
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    langs = ["en", "en", "en", "vi", "fa"]
    texts = [p.read_text() for p in seeds[:4]] + [(ROOT / "tests/data/claims/seed_004_fa_clean.txt").read_text()]
    claims, metas = [], {}
    for i, (text, lang) in enumerate(zip(texts, langs)):
        claims += _claims(kb, f"a{i}", text, lang)
        metas[f"a{i}"] = ArticleMeta(f"a{i}", f"outlet{i}", lang, datetime(2025, 11, 1, i, tzinfo=timezone.utc))
    rows = aggregate_story_claims(claims, metas)
    assert rows == aggregate_story_claims(list(reversed(claims)), metas)      # order-independent
    death = [r for r in rows if r.claim_key == "quantity/death=61"]
    assert len(death) == 1 and death[0].languages == ("en", "fa", "vi") and death[0].source_count == 3
    assert death[0].first_article_id == "a0" and not death[0].disputed
    su = {r.claim_key: r for r in rows if r.slot == "equipment/equipment-family:su-mk2"}
    assert set(su) == {"equipment/equipment-family:su-mk2=equipment:su-20mk2",
                       "equipment/equipment-family:su-mk2=equipment:su-30mk2"}
    assert all(r.disputed for r in su.values())
    assert not any(r.disputed for r in rows if r.slot == "quantity/km")


def test_close_values_disputed_far_values_not():
    kb = ClaimKnowledge.load(ROOT / "configs")
    a = _claims(kb, "a", "At least 61 people were killed in the strikes.", "en")
    b = _claims(kb, "b", "At least 62 people were killed in the strikes.", "en")
    c = _claims(kb, "c", "Some 500 people were killed in the war.", "en")
    metas = {k: ArticleMeta(k, k.upper(), "en", None) for k in "abc"}
    rows = {r.claim_key: r for r in aggregate_story_claims(a + b + c, metas)}
    assert rows["quantity/death=61"].disputed and rows["quantity/death=62"].disputed
    assert rows["quantity/death=61"].values == (61.0, 62.0)
    assert not rows["quantity/death=500"].disputed
    same_outlet = {k: ArticleMeta(k, "X", "en", None) for k in "ab"}
    assert not any(r.disputed for r in aggregate_story_claims(a + b, same_outlet))
