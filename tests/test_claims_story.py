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


def _seed_claims(kb):
    from transforms.core.textclean import split_seed_header
    paths = sorted((ROOT / "seeds").glob("*.txt"))[:4] + [ROOT / "tests/data/claims/seed_004_fa_clean.txt"]
    langs = ["en", "en", "en", "vi", "fa"]
    claims = []
    for i, (p, lang) in enumerate(zip(paths, langs)):
        claims += _claims(kb, f"a{i}", split_seed_header(p.read_text()).body, lang)
    return claims


def test_seed_statements_matched_across_outlets_and_languages():
    from transforms.core.claims.story import match_groups, said_parts
    kb = ClaimKnowledge.load(ROOT / "configs")
    claims = _seed_claims(kb)
    said = [c for c in claims if c.kind in ("reported", "quote")]
    group = match_groups(said)
    assert group == match_groups(list(reversed(said)))          # order-independent
    members: dict[str, list] = {}
    for c in said:
        members.setdefault(group[c.claim_id], []).append(c)

    def group_of(article_id, needle):
        hits = [group[c.claim_id] for c in said if c.article_id == article_id and
                (c.statement or "").lstrip("“\"«").startswith(needle)]
        assert hits, (article_id, needle)
        return hits[0]

    # the Russian Foreign Ministry's statement, in en, vi and fa
    ministry = {group_of("a2", "supports Venezuela"), group_of("a3", "bảo vệ chủ quyền"),
                group_of("a4", "دفاع ونزوئلا")}
    assert len(ministry) == 1
    # "Maduro asked China to speed up radar production", in its three articles
    radar = {group_of("a0", "China to accelerate the production of radar"),
             group_of("a1", "the Chinese government to accelerate the production"),
             group_of("a3", "chính phủ Trung Quốc đẩy nhanh")}
    assert len(radar) == 1
    assert ministry != radar
    # no group joins different claimants, nor a named source with an unnamed one
    from transforms.core.claims.story import same_claimant
    for key, cs in members.items():
        parts = [said_parts(c).claimant for c in cs]
        unknown = {p.startswith("none:") for p in parts}
        assert len(unknown) == 1, (key, [(c.claimant, c.statement) for c in cs])
        if unknown == {False}:
            assert all(same_claimant(a, b) for a in parts for b in parts), (key, [c.claimant for c in cs])
    rows = aggregate_story_claims(claims, {f"a{i}": ArticleMeta(f"a{i}", f"outlet{i}", "en", None) for i in range(5)})
    row = next(r for r in rows if r.claim_key == group_of("a2", "supports Venezuela"))
    assert row.source_count == 3 and row.article_count == 3 and len(row.claim_keys) == 3


def test_quotes_without_claimant_never_match_on_the_cue_alone():
    from transforms.core.claims.story import match_groups
    kb = ClaimKnowledge.load(ROOT / "configs")
    a = _claims(kb, "a", "“We will never accept these terms from anyone at all,” the statement read.", "en")
    b = _claims(kb, "b", "“The prices of fuel will rise again next month in every region,” it added.", "en")
    c = _claims(kb, "c", "“We will never accept these terms from anyone at all,” the statement read.", "en")
    group = match_groups(a + b + c)
    qa, qb, qc = (x for x in a + b + c if x.kind == "quote")
    assert group[qa.claim_id] != group[qb.claim_id]
    assert group[qa.claim_id] == group[qc.claim_id]      # the very same words: a syndicated copy


def test_one_speaker_two_statements_about_the_same_country_stay_apart():
    from transforms.core.claims.story import match_groups
    kb = ClaimKnowledge.load(ROOT / "configs")
    a = _claims(kb, "a", "Maduro said Russia would deliver new fighter jets before the end of the year.", "en")
    b = _claims(kb, "b", "Maduro said Russia had refused to cancel the debt owed by his government.", "en")
    said = [c for c in a + b if c.kind == "reported" and c.claimant == "Maduro"]
    assert len(said) == 2
    group = match_groups(said)
    assert group[said[0].claim_id] != group[said[1].claim_id]


def test_a_shared_figure_joins_claims_of_a_source_known_by_its_kind_only():
    """"The government said" in French and German: a type-only claimant needs two shared items, or a figure."""
    from transforms.core.claims.story import match_groups
    kb = ClaimKnowledge.load(ROOT / "configs")
    fr = _claims(kb, "fr", "Les aides publiques atteindront « environ 20 milliards d'euros cette année », a indiqué "
                 "le gouvernement.", "fr")
    de = _claims(kb, "de", "Die Hilfen werden „etwa 20 Milliarden Euro in diesem Jahr erreichen“, so die Regierung.", "de")
    other = _claims(kb, "o", "Les aides publiques atteindront « environ 35 milliards d'euros cette année », a indiqué "
                    "le gouvernement.", "fr")
    said = [c for c in fr + de + other if c.kind in ("reported", "quote")]
    assert len(said) == 3, [(c.claimant, c.claim_key) for c in said]
    assert all(c.claim_key.startswith("said/official/") for c in said), [c.claim_key for c in said]
    group = match_groups(said)
    assert group[said[0].claim_id] == group[said[1].claim_id]
    assert group[said[0].claim_id] != group[said[2].claim_id]      # another figure: another claim


def test_match_groups_compares_only_pairs_that_could_match_and_loses_none():
    """The prefix filter of ``match_groups`` is exact: over random stories, every pair that
    ``same_assertion`` (or an equal key without claimant) accepts is a candidate, and the groups
    equal those of comparing every pair of a claimant block, with claims read alike (one key, one
    language, the same words) joined as well."""
    import random
    from collections import defaultdict

    from transforms.core.claims import story as st
    from transforms.core.records import Claim

    rng = random.Random(7)
    claimants = ["person+person:a", "org+org:b@x", "org+org:b", "officials", "none:said", "none:told"]
    items = [f"place:p{k}" for k in range(6)] + [f"person:q{k}" for k in range(3)] + ["death:61", "km:12", "USD:5"]
    words = ["strike", "boats", "radar", "china", "deal", "visit", "denied", "asked"]
    checked = alike = 0
    for story in range(150):
        claims = []
        for k in range(rng.randrange(2, 30)):
            its = rng.sample(items, rng.randrange(0, 5))
            ents = ",".join(sorted(i for i in its if ":" in i and i.split(":")[0] in ("place", "person")))
            nums = ";".join(sorted(i for i in its if i.split(":")[0] not in ("place", "person")))
            key = f"said/{rng.choice(claimants)}/{ents}" + (f"/{nums}" if nums else "")
            claims.append(Claim(f"c{story}-{k:02d}", f"a{k % 4}", rng.choice(["reported", "quote"]), 0, 1, 0.9,
                                key, lang=rng.choice(["en", "vi"]),
                                statement=" ".join(rng.sample(words, 3))))
        said = [(c, st.said_parts(c)) for c in sorted(claims, key=lambda c: c.claim_id)]
        blocks = defaultdict(list)
        for i, (_, p) in enumerate(said):
            base, ids = st.claimant_identities(p.claimant)
            for b in ({x.partition("@")[0] for x in ids} or {"type:" + (base if not base.startswith("none:") else "none")}):
                blocks[b].append(i)
        parent = list(range(len(said)))

        def find(i):
            while parent[i] != i:
                i = parent[i]
            return i
        for members in blocks.values():
            cands = set(st._candidates(members, said))
            for x, i in enumerate(members):
                for j in members[x + 1:]:
                    (ci, pi), (cj, pj) = said[i], said[j]
                    if pi.claimant.startswith("none:") and ci.claim_key == cj.claim_key or st.same_assertion(pi, pj):
                        assert (i, j) in cands, (ci.claim_key, cj.claim_key)
                        parent[find(i)] = find(j)
                        checked += 1
                    elif (ci.claim_key, pi.lang, pi.words) == (cj.claim_key, pj.lang, pj.words):
                        parent[find(i)] = find(j)     # alike, though same_assertion wants more
                        alike += 1
        got = st.match_groups(claims)
        for i, (ci, _) in enumerate(said):
            for j, (cj, _) in enumerate(said):
                assert (got[ci.claim_id] == got[cj.claim_id]) == (find(i) == find(j))
    assert checked > 200          # the random stories do produce matches
    assert alike > 0              # and claims alike that only the new rule joins


def test_a_wire_report_carried_by_many_outlets_is_one_claim_compared_once(monkeypatch):
    """Copies of one report (the same statements, hundreds of outlets): each statement is one
    story_claims row counting every outlet, and matching compares the distinct statements only,
    so a wire story costs what its text costs, not its copies squared."""
    from transforms.core.claims import story as st
    kb = ClaimKnowledge.load(ROOT / "configs")
    text = ("Officials said Iran would respond to the strikes within days. The health ministry said {} people "
            "were killed in the attack on Tuesday. “We will defend our sovereignty,” Maduro said.")
    copies, metas = [], {}
    for i in range(300):
        aid = f"a{i:03d}"
        # every outlet its own; two of them give another toll
        copies += _claims(kb, aid, text.format(62 if i in (7, 8) else 61), "en")
        metas[aid] = ArticleMeta(aid, f"outlet{i}", "en", datetime(2025, 11, 1, tzinfo=timezone.utc))
    text = text.format(61)
    one = _claims(kb, "a000", text, "en")
    said = [c for c in one if c.kind in ("reported", "quote")]
    assert len(said) >= 2, [(c.kind, c.claim_key) for c in one]

    calls = {"n": 0}
    real = st.same_assertion

    def counted(a, b):
        calls["n"] += 1
        return real(a, b)
    monkeypatch.setattr(st, "same_assertion", counted)
    rows = aggregate_story_claims(copies, metas)
    distinct = {(c.claim_key, c.lang, c.statement) for c in copies if c.kind in ("reported", "quote")}
    assert calls["n"] <= len(distinct) * (len(distinct) - 1) // 2      # pairs of distinct statements only
    for c in said:
        row = next(r for r in rows if c.claim_id in r.claim_ids)
        assert row.article_count >= 298 and row.source_count == row.article_count, (row.claim_key, row.article_count)
        assert "#" not in row.claim_key
    # the outlets that disagree on the toll are still found among the 300 that agree on the rest
    deaths = {r.claim_key: r for r in rows if r.slot == "quantity/death"}
    assert deaths["quantity/death=61"].disputed and deaths["quantity/death=62"].disputed
    assert deaths["quantity/death=61"].source_count == 298 and deaths["quantity/death=62"].source_count == 2


def test_the_same_words_from_an_unnamed_source_in_two_outlets_are_one_claim():
    """A source known by its kind with one entity needs two shared items to match a different
    statement, but the very same statement carried by two outlets is one assertion, not K and K#2."""
    from transforms.core.claims.story import match_groups
    from transforms.core.records import Claim

    def claim(cid, aid, statement):
        return Claim(cid, aid, "reported", 0, 10, 0.8, "said/unnamed/place:panama", "es", "s1", "fuentes", "unnamed",
                     "dijo", statement)
    a = claim("c1", "a", "la denuncia anónima desde Panamá no contaba con fundamento")
    b = claim("c2", "b", "la denuncia anónima desde Panamá no contaba con fundamento")
    c = claim("c3", "c", "Panamá cerrará su frontera con Colombia la próxima semana")
    group = match_groups([a, b, c])
    assert group["c1"] == group["c2"] == "said/unnamed/place:panama"
    assert group["c3"] == "said/unnamed/place:panama#2"


def test_said_parts_of_copies_are_parsed_once_and_cannot_be_changed():
    """In one summary the copies of one report (same key, statement, language) share one parse; what
    they share is read-only, and nothing is kept from one summary to the next."""
    import pytest

    from transforms.core.claims.story import said_parts, said_parts_of
    kb = ClaimKnowledge.load(ROOT / "configs")
    claims = _seed_claims(kb)
    claim = next(c for c in claims if c.kind == "reported" and said_parts(c) is not None)
    copy = dataclasses.replace(claim, claim_id=claim.claim_id + "-copy", article_id="elsewhere")
    other_lang = dataclasses.replace(claim, claim_id=claim.claim_id + "-xx", lang="xx")
    longer = dataclasses.replace(claim, claim_id=claim.claim_id + "-more", statement=(claim.statement or "") + " Extraordinary")
    parts = said_parts_of([claim, copy, other_lang, longer, *claims])
    assert parts[copy.claim_id] is parts[claim.claim_id] and parts[claim.claim_id] == said_parts(claim)
    assert parts[other_lang.claim_id] == dataclasses.replace(said_parts(claim), lang="xx")
    assert parts[longer.claim_id].words == said_parts(claim).words | {"extraordinary"}
    assert all(parts[c.claim_id] == said_parts(c) for c in claims)       # quantities: None, as said_parts
    assert said_parts_of([claim])[claim.claim_id] is not parts[claim.claim_id]
    with pytest.raises(TypeError):
        parts[claim.claim_id].units["usd"] = "1"      # shared by every copy: never written to
