"""Pure story core: features (numbers, names, entities), scoring, clustering, stable ids."""
from __future__ import annotations

import json
import re
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import tomllib

from transforms.core.dedup import ConfigError
from transforms.core.entities import EntityLexicon
from transforms.core.stories import (
    StoryConfig,
    StoryDoc,
    StoryProfile,
    _vectorise,
    assign_stories,
    candidate_pairs,
    cluster_profiles,
    document_frequencies,
    name_key,
    names_in,
    numbers_in,
    parse_number,
    story_day_of,
    story_id_for,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "dedup"
sys.path.insert(0, str(ROOT / "tests"))
from dedup_helpers import ari, bcubed

CFG = StoryConfig()
LEXICON = EntityLexicon.load_dir(ROOT / "configs" / "entities")
UTC = timezone.utc


def test_config_rejects_unknown_key_and_matches_defaults_toml():
    with pytest.raises(ConfigError) as err:
        StoryConfig.from_mapping({"threshold": 0.3})
    assert "threshold" in str(err.value) and "[stories]" in str(err.value)
    with open(ROOT / "configs" / "defaults.toml", "rb") as fh:
        table = tomllib.load(fh)["stories"]
    assert StoryConfig.from_mapping(table) == StoryConfig()
    assert set(table) == set(StoryConfig.__dataclass_fields__)


@pytest.mark.parametrize("raw,value", [("1,000", 1000), ("1.000", 1000), ("1,234,567", 1234567),
                                       ("2.5", 2.5), ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("61", 61)])
def test_parse_number_any_separator(raw, value):
    assert parse_number(raw) == value


def test_numbers_in_any_script_are_equal():
    assert numbers_in("over 1,000 kilometres, 61 dead", 10) == numbers_in("بیش از ۱۰۰۰ کیلومتر و ۶۱ کشته", 10)
    assert numbers_in("2.5 million and 7 boats", 10) == []


def test_numbers_glued_to_unspaced_scripts_are_read_and_codes_are_not():
    # Japanese, Chinese and Korean write a number against the word after it; a Latin letter or a
    # digit next to one makes a code
    assert numbers_in("記念碑は1905年に建てられ、高さ27フィート（8.2メートル）", 10) == ["1905", "27"]
    assert numbers_in("2020년 3월 15일", 10) == ["15", "2020"]
    assert numbers_in("the A320 and 5G masts, COVID-19 in 2020", 10) == ["19", "2020"]


def test_names_skip_sentence_starts_and_fold_accents():
    text = "Officials said Ramón Velásquez met Lohan. Then the Su-30MK2 flew."
    assert names_in(text) == ["lohan", "ramon", "su-30mk2", "velasquez"]


def test_cyrillic_names_are_transliterated_and_meet_their_english_spellings():
    ru = "Вчера Путина поддержали в Вашингтоне. Об этом сообщил Навальный из Сиэтла, а Байден промолчал."
    en = "Officials in Washington backed Putin, said Navalny in Seattle, and Biden said nothing."
    assert "putina" in names_in(ru) and "vchera" not in names_in(ru)        # a sentence start is no name
    assert {name_key(n) for n in names_in(ru)} == {name_key(n) for n in names_in(en)}
    assert len({name_key(n) for n in names_in(en)}) == 5
    # a key keeps at least three consonants and a code its digits: short names and models stay apart
    assert len({name_key(n) for n in ("moore", "mary", "maria", "meyer")}) == 4
    assert name_key("su-30mk2") != name_key("su-20mk2")
    # a hostile page's one huge capitalised "word" is no name
    assert names_in("Officials said " + "Ж" * 100_000 + " and X" + "y" * 60 + " left.") == []
    # Latin letters that carry no accent to fold are transliterated, as English texts write them
    assert names_in("Hann sagði að Þórólfur Guðnason hitti Łukasz og Đặng.") == ["dang", "gudnason", "lukasz",
                                                                                  "thorolfur"]


def test_german_nouns_are_not_names_unless_the_text_writes_them_in_a_run_of_capitals():
    text = ("Die Regierung hat neue Einschränkungen beschlossen. Trainer Valdas Dambrauskas sagte, "
            "Dambrauskas bleibe im Amt, und Francisco Javier García Sanz nannte die Auflagen hart.")
    assert names_in(text, capitalised_nouns=True) == ["dambrauskas", "francisco", "garcia", "javier", "sanz",
                                                      "valdas"]
    assert {"regierung", "einschrankungen", "auflagen", "amt"} <= set(names_in(text))    # any other language


def test_a_list_setting_takes_a_list_of_strings_and_names_its_key_otherwise():
    assert StoryConfig.from_mapping({"capitalised_nouns": ["de"]}).capitalised_nouns == ("de",)
    for bad in ("de", [1]):
        with pytest.raises(ConfigError, match=r"\[stories\] capitalised_nouns must be a list of strings"):
            StoryConfig.from_mapping({"capitalised_nouns": bad})


def test_a_russian_report_joins_its_english_original_by_names_alone():
    en = StoryDoc("en1", "Ovechkin scores twice",
                  "Alexander Ovechkin scored twice as Washington beat Boston. Coach Laviolette praised "
                  "Backstrom and Kuznetsov after the win at the Capital One Arena.", "en")
    ru = StoryDoc("ru1", "Овечкин забил дважды",
                  "Александр Овечкин забил дважды, и «Вашингтон» обыграл «Бостон». Тренер Лавиолетт похвалил "
                  "Бэкстрема и Кузнецова после победы на арене «Кэпитал Уан».", "ru")
    other = StoryDoc("en2", "Harvest report",
                     "Farmers near Lyon reported a record wheat harvest as Rhone valley growers counted stock.", "en")
    sids, _ = assign_stories([en, ru, other], LEXICON, CFG)
    assert sids["en1"] == sids["ru1"] != sids["en2"]


def test_blocking_drops_keys_that_are_too_common():
    cfg = replace(CFG, max_block_size=5)
    profiles = [StoryProfile(f"a{i}", "en", None, entities=("place:united_states",), names=(f"name{i // 2}",))
                for i in range(40)]
    df, n = document_frequencies(profiles)
    vectors = [_vectorise(p, df, n, cfg) for p in profiles]
    pairs = candidate_pairs(profiles, vectors, cfg, df)
    # Only the pairs sharing a rare name: the common entity proposes none (not 40*39/2).
    assert pairs == sorted((f"a:a{i}", f"a:a{i + 1}") for i in range(0, 40, 2))


def _ecb_subset():
    rows = [json.loads(line) for line in (DATA / "ecbplus_subset.jsonl").read_text(encoding="utf-8").splitlines()]
    return rows, {r["doc"]: r["cluster"] for r in rows}


def test_ecbplus_subset_keeps_two_events_of_one_kind_apart():
    rows, gold = _ecb_subset()
    sids, _ = assign_stories([StoryDoc(r["doc"], "", r["text"], "en") for r in rows], LEXICON, CFG)
    p, r, f = bcubed(sids, gold)
    assert p >= 0.9 and f >= 0.85, (p, r, f)
    assert ari(sids, gold) > 0.7
    # No predicted story mixes the two events of a topic more than marginally.
    for sid in set(sids.values()):
        members = [gold[d] for d in sids if sids[d] == sid]
        assert max(members.count(c) for c in set(members)) >= 0.8 * len(members)


def _seed_docs():
    docs = []
    langs = ["en", "en", "en", "vi", "fa"]      # what DetectLanguage gives the seeds
    for f, lang in zip(sorted((ROOT / "seeds").glob("*.txt")), langs):
        text, pub = f.read_text(encoding="utf-8"), None
        m = re.match(r" date (\d{4}-\d{2}-\d{2})[^\n]*\n", text)
        if m:
            pub, text = datetime.fromisoformat(m.group(1)).replace(tzinfo=UTC), text[m.end():]
        docs.append(StoryDoc(f.stem, "", text, lang, pub))
    return docs


def test_seeds_form_one_story_across_three_languages():
    docs = _seed_docs()
    sids, profiles = assign_stories(docs, LEXICON, CFG)
    assert len(set(sids.values())) == 1
    first = min(docs, key=lambda d: (d.published_at or datetime.max.replace(tzinfo=UTC), d.article_id))
    assert set(sids.values()) == {story_id_for(first.article_id, first.published_at)}
    assert story_day_of(story_id_for(first.article_id, first.published_at)) == f"{first.published_at:%Y-%m-%d}"
    assert {p.lang for p in profiles} == {"en", "vi", "fa"}


def test_same_reports_a_month_apart_are_two_stories():
    docs = _seed_docs()
    moved = [replace(d, article_id=d.article_id + "_later", published_at=datetime(2025, 12, 15, tzinfo=UTC))
             for d in docs[:2]]
    sids, _ = assign_stories([d for d in docs if d.published_at] + moved, LEXICON, CFG)
    assert sids[moved[0].article_id] == sids[moved[1].article_id]
    assert sids[moved[0].article_id] != sids[docs[0].article_id]


def test_prior_story_ids_are_kept_and_new_reports_join_them():
    docs = _seed_docs()
    sids1, profiles1 = assign_stories(docs[:3], LEXICON, CFG)
    sids2, profiles2 = assign_stories(docs[3:], LEXICON, CFG, prior=profiles1)
    assert {sids2[p.article_id] for p in profiles1} == set(sids1.values())
    assert {p.story_id for p in profiles2} == set(sids1.values())
    # Two prior stories are never merged into one (their published ids would change).
    a = replace(profiles1[0], story_id="s_a")
    b = replace(profiles1[1], story_id="s_b")
    assert cluster_profiles([a, b], CFG) == {a.article_id: "s_a", b.article_id: "s_b"}


def test_clustering_is_deterministic_under_input_order():
    rows, _ = _ecb_subset()
    docs = [StoryDoc(r["doc"], "", r["text"], "en", datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=i))
            for i, r in enumerate(rows)]
    a, _ = assign_stories(docs, LEXICON, CFG)
    b, _ = assign_stories(list(reversed(docs)), LEXICON, CFG)
    assert a == b


def _story_members():
    """Five members of one earlier story in two languages and two year sets, and a new report."""
    base = datetime(2025, 3, 1, tzinfo=UTC)
    ent = ("person:nicolas_maduro", "place:venezuela", "place:china")
    members = [
        StoryProfile("m1", "en", base, entities=ent, names=("maduro", "radar"), numbers=("2025",),
                     terms=(("radar", 3), ("production", 2), ("letter", 1)), story_id="s_old"),
        StoryProfile("m2", "en", base + timedelta(hours=5), entities=ent[:2], names=("maduro",),
                     numbers=("2024", "300"), terms=(("radar", 1), ("aircraft", 2)), story_id="s_old"),
        StoryProfile("m3", "vi", base + timedelta(days=1), entities=ent, names=("maduro",),
                     terms=(("radar", 2),), story_id="s_old"),
        StoryProfile("m4", "fa", base + timedelta(days=2), entities=ent[1:], numbers=("300",), story_id="s_old"),
        StoryProfile("m5", "", None, entities=ent[:1], names=("radar",), numbers=("2019",), story_id="s_old"),
    ]
    new = StoryProfile("n1", "en", base + timedelta(days=3), entities=ent, names=("maduro", "radar"),
                       numbers=("2025", "300"), terms=(("radar", 2), ("production", 1)))
    return members, new


def test_a_story_sum_links_an_article_as_its_members_one_by_one_would():
    """StorySum.linked is the sum of the article's similarities to each member: same language on all
    features, across languages on the language-free ones, the year-conflict factor per member."""
    from transforms.core.stories import _similarity, story_sums
    members, new = _story_members()
    df, n = document_frequencies([*members, new])
    (story,) = story_sums(members, df, n, CFG)
    v = _vectorise(new, df, n, CFG)
    one_by_one = sum(_similarity(new, v, m, _vectorise(m, df, n, CFG), CFG) for m in members)
    assert story.size == 5 and one_by_one > 0
    assert {years for _, years in story.buckets} >= {frozenset({2019}), frozenset({2025})}   # a year conflict counts
    assert story.linked(new, v, CFG) == pytest.approx(one_by_one, rel=1e-9)
    # The sums leave out the features only one member has (no article can share them).
    from transforms.core.stories import StorySum
    unpruned = StorySum(story.story_id)
    for m in members:
        unpruned.add(m, _vectorise(m, df, n, CFG))
    assert sum(len(b[1]) for b in story.buckets.values()) < sum(len(b[1]) for b in unpruned.buckets.values())
    assert story.linked(new, v, CFG) == pytest.approx(unpruned.linked(new, v, CFG), rel=1e-12)
    # Further than max_gap_days from the story's latest member: not linked at all.
    late = replace(new, published_at=members[3].published_at + timedelta(days=CFG.max_gap_days + 1))
    assert story.linked(late, _vectorise(late, df, n, CFG), CFG) == 0.0


def test_a_story_sum_is_the_same_bit_for_bit_whatever_the_order_and_split_of_its_members():
    """Bundles and workers hand a story's members over in any order and split; the sum must not change."""
    from transforms.core.stories import StorySum, heavy_keys
    members, _ = _story_members()
    df, n = document_frequencies(members)

    def part(ms):
        s = StorySum("s_old")
        for m in ms:
            v = _vectorise(m, df, n, CFG)
            s.add(m, v, heavy_keys(v, df, CFG))
        return s
    whole = part(members)
    split = part(members[3:]).merge(part(list(reversed(members[:3]))))
    assert split.buckets == whole.buckets and split.keys == whole.keys
    assert (split.size, split.last) == (whole.size, whole.last)


def test_earlier_stories_as_sums_cluster_as_their_members_do():
    """cluster_profiles given a story's sum assigns what it assigns given the members as prior profiles;
    a new report joins the earlier story it matches."""
    from transforms.core.stories import story_sums
    members, new = _story_members()
    other = StoryProfile("x1", "en", members[0].published_at, entities=("place:japan",), names=("tokyo", "quake"),
                         numbers=("7",), terms=(("earthquake", 3),), story_id="s_quake")
    profiles = [*members, other, new]
    df, n = document_frequencies(profiles)
    by_members = cluster_profiles(profiles, CFG, df, n)
    by_sums = cluster_profiles([new], CFG, df, n, stories=story_sums([*members, other], df, n, CFG))
    assert by_members[new.article_id] == by_sums[new.article_id] == "s_old"


def test_the_consumers_of_one_frequencies_side_input_share_one_decoded_dict():
    """Each consumer of the frequencies is handed its own copy of the side input; in one process they
    decode it once (a window's features are ~10 MB as a dict), and other frequencies stay apart."""
    import pickle
    from transforms.stories import _Frequencies
    blob = _Frequencies.of({"t:radar": 2, "e:place:venezuela": 3}, 4).blob
    first, second = pickle.loads(pickle.dumps(_Frequencies(blob))), _Frequencies(bytes(blob))
    assert first.get() == ({"t:radar": 2, "e:place:venezuela": 3}, 4)
    assert second.get()[0] is first.get()[0]
    other = _Frequencies.of({"t:radar": 5}, 9)
    assert other.get() == ({"t:radar": 5}, 9) and first.get()[0] == {"t:radar": 2, "e:place:venezuela": 3}
    # Once no consumer holds them, the decoded frequencies are let go (a run's later stages reuse the memory).
    import gc
    import hashlib
    from transforms.stories import _DECODED
    keys = [hashlib.blake2b(b, digest_size=16).digest() for b in (blob, other.blob)]
    assert all(k in _DECODED for k in keys)
    del first, second, other
    gc.collect()
    assert not any(k in _DECODED for k in keys)


def test_frequencies_without_the_features_of_one_document_change_nothing():
    """``ClusterStories`` keeps only features held by two documents or more (its ``_DocFreq``):
    every reader takes a missing feature as frequency 1, so profiles, vectors, blocking keys and
    stories are those of the full frequencies."""
    from collections import Counter
    from transforms.core.stories import build_profile, heavy_keys, term_counts
    from transforms.stories import _DocFreq
    rows, _ = _ecb_subset()
    docs = [StoryDoc(r["doc"], "", r["text"], "en") for r in rows]
    fn = _DocFreq()
    acc = fn.create_accumulator()
    for d in docs:
        acc = fn.add_input(acc, set(term_counts(d.text, CFG.min_term_chars)))
    term_df, n = fn.extract_output(acc).get()
    full_terms = Counter(t for d in docs for t in set(term_counts(d.text, CFG.min_term_chars)))
    assert n == len(docs) and term_df == {t: c for t, c in full_terms.items() if c > 1}
    assert len(term_df) < len(full_terms)                     # there are singletons to leave out
    profiles = [build_profile(d.article_id, d.title, d.text, d.lang, None, "", LEXICON, CFG, term_df, n) for d in docs]
    assert profiles == [build_profile(d.article_id, d.title, d.text, d.lang, None, "", LEXICON, CFG, dict(full_terms), n)
                        for d in docs]
    full, n = document_frequencies(profiles)
    acc = fn.create_accumulator()
    for p in profiles:
        acc = fn.add_input(acc, set(p.features()))
    packed = fn.extract_output(acc)
    kept, _ = packed.get()
    # A side input of one bytes object: what a consumer gets back is the same, and the runner's
    # cache sizes (and its coder copies) one object, not every feature.
    import gc
    import pickle

    from apache_beam.coders import FastPrimitivesCoder
    copy = FastPrimitivesCoder().decode(FastPrimitivesCoder().encode(packed))
    assert {type(x) for x in gc.get_referents(copy)} <= {bytes, type(None), type}    # what the cache walks
    assert copy.get() == pickle.loads(pickle.dumps(packed)).get() == (kept, n)
    assert len(kept) < len(full)
    for p in profiles:
        assert _vectorise(p, kept, n, CFG) == _vectorise(p, full, n, CFG)
        assert heavy_keys(_vectorise(p, kept, n, CFG), kept, CFG) == heavy_keys(_vectorise(p, full, n, CFG), full, CFG)
    assert cluster_profiles(profiles, CFG, kept, n) == cluster_profiles(profiles, CFG, full, n)


def test_clustering_each_component_of_strong_pairs_alone_gives_what_the_whole_graph_gives():
    """ClusterStories clusters the components of strong pairs (a pair whose own mean link reaches
    the threshold) one by one, each with every candidate pair inside it: random graphs of articles
    and earlier stories, weak and strong links, cluster the same as all of them at once. And the
    graphs are not trivial: some clusters merge across weak pairs."""
    import random

    from transforms.core.dedup import connected_components
    from transforms.core.stories import average_linkage, strong

    rng = random.Random(7)
    merged_over_weak = 0
    for _ in range(200):
        articles = [f"a:{i:02d}" for i in range(rng.randint(2, 14))]
        stories = [f"s:{i:02d}" for i in range(rng.randint(0, 4))]
        sizes = {**{a: 1 for a in articles}, **{s: rng.randint(1, 6) for s in stories}}
        fixed = {s: f"sid-{s}" for s in stories}
        links = []
        for a in articles:
            for b in [*articles, *stories]:
                if a < b and rng.random() < 0.35:
                    mean = rng.choice([rng.uniform(0.0, CFG.link_threshold), rng.uniform(0.0, 1.0)])
                    links.append((a, b, mean * sizes[b]))
        whole = average_linkage(sizes, fixed, links, CFG)
        strong_pairs = [(a, b) for a, b, link in links if strong(link, sizes[a], sizes[b], CFG)]
        roots = connected_components(sorted(strong_pairs))
        parts: list[list[str]] = []
        for root in sorted(set(roots.values())):
            inside = {n for n, r in roots.items() if r == root}
            parts += average_linkage({n: sizes[n] for n in inside}, {n: fixed[n] for n in inside if n in fixed},
                                     [(a, b, link) for a, b, link in links if a in inside and b in inside], CFG)
        parts += [[n] for n in sorted(sizes) if n not in roots]
        assert sorted(whole) == sorted(parts)
        weak = {(a, b) for a, b, _ in links} - set(strong_pairs)
        merged_over_weak += any(len(c) > 2 and any((a, b) in weak for a in c for b in c) for c in whole)
    assert merged_over_weak > 10
