"""FoldDuplicates and ClusterStories on Beam (FnApiRunner): same answers as the pure core, across runs."""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.core.dedup import DedupConfig, fold_duplicates
from transforms.core.dedup_index import DedupRow, load_index, write_index
from transforms.core.entities import EntityLexicon
from transforms.core.records import Article, Reason
from transforms.core.stories import StoryConfig, StoryProfile
from transforms.dedup import FoldDuplicates
from transforms.stories import ClusterStories

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "dedup"
sys.path.insert(0, str(ROOT / "tests"))
from dedup_helpers import build_syndication_set, distinct_originals

DCFG, SCFG = DedupConfig(), StoryConfig()
LEXICON = EntityLexicon.load_dir(ROOT / "configs" / "entities")
UTC = timezone.utc


def _synd_docs(n_originals: int = 8):
    rows = [json.loads(line) for line in (DATA / "originals.jsonl").read_text(encoding="utf-8").splitlines()]
    originals = distinct_originals([(r["doc"], r["text"]) for r in rows])[:n_originals]
    docs, _ = build_syndication_set(originals, seed=2, copies_per=3, boiler_groups=1, boiler_members=3)
    return sorted(docs, key=lambda d: (d.published_at, d.article_id))


def _article(d, lang: str = "en") -> Article:
    return Article(d.article_id, d.article_id, d.url, "", "", d.text, lang=lang, published_at=d.published_at)




def test_fold_duplicates_matches_the_pure_core_and_reports_duplicate_ids():
    docs = _synd_docs()
    expected = fold_duplicates(docs, DCFG).dup_of
    assert any(expected.values())
    articles = [_article(d) for d in docs] + [_article(docs[0]).replace(input="again")]
    with TestPipeline(runner="FnApiRunner") as p:
        out = p | beam.Create(articles) | FoldDuplicates(DCFG)
        assert_that(out["main"] | beam.Map(lambda a: (a.article_id, a.dup_of)),
                    equal_to(sorted(expected.items())), label="DupOf")
        assert_that(out["failures"] | beam.Map(lambda f: (f.stage, f.reason, f.input)),
                    equal_to([("dedup", Reason.DUPLICATE_ID.value, "again")]), label="Failures")
        assert_that(out["index"] | beam.Filter(lambda r: isinstance(r, DedupRow)) | beam.Map(lambda r: r.article_id),
                    equal_to(sorted(expected)), label="IndexRows")


def test_cluster_stories_puts_the_seeds_in_one_story_and_copies_in_their_canonicals_story():
    import re
    articles = []
    for f, lang in zip(sorted((ROOT / "seeds").glob("*.txt")), ["en", "en", "en", "vi", "fa"]):
        text = f.read_text(encoding="utf-8")
        m = re.match(r" date (\d{4}-\d{2}-\d{2})[^\n]*\n", text)
        pub = datetime.fromisoformat(m.group(1)).replace(tzinfo=UTC) if m else None
        articles.append(Article(f.stem, str(f), f.absolute().as_uri(), "", "", text[m.end():] if m else text,
                                lang=lang, published_at=pub))
    copy = articles[0].replace(article_id="copy", url="https://other.example/x", text=articles[0].text + "\nShare.")
    with TestPipeline(runner="FnApiRunner") as p:
        folded = p | beam.Create(articles + [copy]) | FoldDuplicates(DCFG)
        out = folded["main"] | ClusterStories(SCFG, LEXICON)

        def check(rows):
            by_id = {a: (d, s) for a, d, s in rows}
            assert by_id["copy"][0] == articles[0].article_id, by_id
            assert all(d is None for a, (d, _) in by_id.items() if a != "copy"), by_id
            assert len({s for _, s in by_id.values()}) == 1, by_id
        assert_that(out["main"] | beam.Map(lambda a: (a.article_id, a.dup_of, a.story_id)), check)
        assert_that(out["index"] | beam.Map(lambda r: (r.article_id, bool(r.story_id))),
                    equal_to([(a.article_id, True) for a in articles]), label="Profiles")


def test_a_run_split_in_two_with_one_state_folds_as_one_run(tmp_path):
    docs = _synd_docs(6)
    articles = [_article(d) for d in docs]
    expected = fold_duplicates(docs, DCFG).dup_of
    half = len(articles) // 2
    with TestPipeline(runner="FnApiRunner") as p:
        folded = p | beam.Create(articles[:half]) | FoldDuplicates(DCFG)
        stories = folded["main"] | ClusterStories(SCFG, LEXICON)
        ((folded["index"], stories["index"]) | "Index" >> beam.Flatten() | beam.combiners.ToList()
         | beam.Map(lambda rows: write_index(rows, tmp_path / "index") and None))
    prior = load_index(tmp_path)
    assert len(prior.dedup) == half and len(prior.stories) >= 1
    first_sids = {p.article_id: p.story_id for p in prior.stories}
    with TestPipeline(runner="FnApiRunner") as p:
        folded = p | beam.Create(articles[half:]) | FoldDuplicates(DCFG, prior_index=prior)
        stories = folded["main"] | ClusterStories(SCFG, LEXICON, prior_index=prior)
        assert_that(stories["main"] | beam.Map(lambda a: (a.article_id, a.dup_of)),
                    equal_to(sorted((a.article_id, expected[a.article_id]) for a in articles[half:])),
                    label="SecondRunDupOf")

        def stable(rows):
            kept = {r.article_id: r.story_id for r in rows if isinstance(r, StoryProfile)}
            assert all(kept[a] == s for a, s in first_sids.items()), "prior story ids unchanged"
            assert sum(isinstance(r, DedupRow) for r in rows) == len(articles)
        assert_that(((folded["index"], stories["index"]) | "Index" >> beam.Flatten()
                     | beam.combiners.ToList()), lambda lists: stable(lists[0]), label="UnionIndex")
    # The first run's dup_of equal the one-run answer too.
    assert {r.article_id: r.dup_of for r in prior.dedup} == {a.article_id: expected[a.article_id]
                                                            for a in articles[:half]}


def test_index_round_trips_through_parquet(tmp_path):
    from transforms.core.dedup import MinHasher, fingerprint
    from transforms.core.dedup_index import BoilerplateRow
    fp = fingerprint("a", "https://x.example/a", datetime(2024, 5, 1, tzinfo=UTC), "one two three four five six",
                     DCFG, MinHasher(DCFG.num_perm, DCFG.seed))
    prof = StoryProfile("a", "en", fp.published_at, "x.example", ("place:iran",), ("lohan",), ("61",),
                        (("rehab", 2),), story_id="s_1")
    write_index([DedupRow(fp, None), DedupRow(fp.__class__(**{**fp.__dict__, "article_id": "b"}), "a"), prof,
                 BoilerplateRow("00ff")], tmp_path / "index")
    back = load_index(tmp_path)
    assert back.dedup[0].fingerprint == fp and back.dedup[1].dup_of == "a"
    assert back.stories == (prof,) and back.boilerplate == frozenset({"00ff"})
    assert load_index(tmp_path / "missing").dedup == ()
