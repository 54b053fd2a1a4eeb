"""FoldDuplicates and ClusterStories on Beam (FnApiRunner): same answers as the pure core, across runs."""
from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone

import pytest
from pathlib import Path

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.core.dedup import DedupConfig, fold_duplicates
from transforms.core.dedup import DedupRow
from transforms.core.entities import EntityLexicon
from transforms.core.records import Article, Reason
from transforms.core.stories import StoryConfig, StoryProfile
from transforms.dedup import FoldDuplicates
from transforms.stories import ClusterStories

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "dedup"
sys.path.insert(0, str(ROOT / "tests"))
from dedup_helpers import bcubed, build_syndication_set, distinct_originals

pytestmark = pytest.mark.slow    # a long file: make test starts it first

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
        assert_that(out["index"] | beam.Filter(lambda r: r[0] == "index_articles") | beam.Map(lambda r: r[1]["article_id"]),
                    equal_to(sorted(expected)), label="IndexRows")


def test_a_near_copy_pair_is_verified_once_and_buckets_carry_no_signature():
    from apache_beam.metrics.metric import MetricsFilter

    from transforms.core.dedup import MinHasher, band_keys, fingerprint
    text = " ".join(f"word{i} and more of the wire story number {i % 7}" for i in range(120))
    hasher = MinHasher(DCFG.num_perm, DCFG.seed)
    fa = fingerprint("a", "", None, text, DCFG, hasher)
    fb = fingerprint("b", "", None, text + " Updated at noon.", DCFG, hasher)
    assert len(set(band_keys(fa, DCFG)) & set(band_keys(fb, DCFG))) > 1     # they share many bands
    day = datetime(2025, 3, 1, tzinfo=UTC)
    articles = [Article(aid, aid, f"https://{aid}.example/x", "", "", body, lang="en",
                        published_at=day + timedelta(hours=k))
                for k, (aid, body) in enumerate((("a", text), ("b", text + " Updated at noon."), ("c", text)))]
    p = TestPipeline(runner="FnApiRunner")
    out = p | beam.Create(articles) | FoldDuplicates(DCFG)
    assert_that(out["main"] | beam.Map(lambda a: (a.article_id, a.dup_of)),
                equal_to([("a", None), ("b", "a"), ("c", "a")]))
    result = p.run()
    result.wait_until_finish()
    counters = {m.key.metric.name: m.committed
                for m in result.metrics().query(MetricsFilter())["counters"]}
    # a-c share the content hash: exact, not verified. a-b and b-c share bands only: two near
    # candidates, each verified once however many bands it shares.
    assert counters["dedup.candidate_pairs"] == 2, counters
    assert counters["dedup.verified_pairs"] == 2, counters
    # A bucket holds (id, order key, prior dup_of, is_prior): never a fingerprint.
    from transforms.dedup import _bucket_keys
    keyed = list(_bucket_keys(DCFG, ("a", fa, None, False)))
    assert len(keyed) == 1 + len(band_keys(fa, DCFG))
    assert all(node == ("a", fa.order_key(), None, False) for _, node in keyed)


def test_an_earlier_story_gets_the_pairs_and_candidates_its_keys_would_get_in_the_blocks():
    """PriorPairs (a story's keys against the run's blocks, a side input) proposes what putting the
    story's keys into the Blocks shuffle proposed: the same shared weights, and the same best candidates."""
    from collections import defaultdict
    from dataclasses import replace

    from transforms.core.stories import StorySum
    from transforms.stories import _EDGES, _STORIES, _best_edges, _block_pairs, _node_part, _prior_pairs
    cfg = replace(SCFG, max_candidates=2)
    blocks = {"n:maduro": [("a:1", True, 2.0), ("a:2", True, 1.5)], "e:place:ve": [("a:2", True, 0.5)],
              "t:radar": [("a:3", True, 1.0), ("a:1", True, 0.25)], "t:only-new": [("a:1", True, 1.0)]}
    # a story's members in two parts: weights united per key, distinct weights summed once
    story = StorySum("x", 1, keys={"n:maduro": {3.0}, "t:radar": {0.5}}).merge(
        StorySum("x", 2, keys={"n:maduro": {3.0, 1.0}, "e:place:ve": {2.0}}))
    weights = story.key_weights()
    assert weights == {"n:maduro": 4.0, "t:radar": 0.5, "e:place:ve": 2.0} and story.size == 3
    class Links:   # a story's link to each article, as _Links would work it out from the profiles
        def to_story(self, s, node):
            return {"a:1": 1.5, "a:2": 0.25, "a:3": 0.5}[node] * s.size

        def between(self, a, b):
            raise AssertionError("an earlier story's pairs are all with stories")

    out = list(_prior_pairs(("s:x", story), blocks, cfg, Links()))
    to_new = [e for e in out if not isinstance(e, beam.pvalue.TaggedOutput)]
    edges = [e.value for e in out if isinstance(e, beam.pvalue.TaggedOutput) and e.tag == _EDGES]
    assert [e.value for e in out if isinstance(e, beam.pvalue.TaggedOutput) and e.tag == _STORIES] == [
        ("s:x", _node_part("s:x", 3, "x"))]
    # The old way: the story's (key, weight) entries inside the blocks.
    expected: dict[str, dict[str, float]] = defaultdict(dict)
    for key, members in blocks.items():
        entries = members + ([("s:x", False, weights[key])] if key in weights else [])
        for node, (other, w, _, _) in _block_pairs((key, entries)):
            if "s:x" in (node, other):
                expected[node][other] = expected[node].get(other, 0.0) + w
    assert {(n, o): round(w, 9) for n, (o, w, _, _) in to_new} == {
        (n, "s:x"): round(w, 9) for n, others in expected.items() for o, w in others.items() if o == "s:x"}
    # Each article gets the story's link and size with its shared weight, to rank the story among its
    # other candidates; the story's own best candidates leave as edges with their links.
    assert {n: (link, size) for n, (_, _, link, size) in to_new} == {"a:1": (4.5, 3), "a:2": (0.75, 3),
                                                                     "a:3": (1.5, 3)}
    chosen = sorted(_best_edges(("s:x", [(o, w, 0.0, 0) for o, w in expected["s:x"].items()]), cfg,
                                type("L", (), {"between": lambda self, a, b: Links().to_story(story, b if a == "s:x" else a)})()))
    assert [(a, b) for a, b, _, _ in sorted(edges)] == [(a, b) for a, b, _, _ in chosen]
    assert [e[2] for e in sorted(edges)] == [e[2] for e in chosen]
    # a strong edge: its mean link (the link over the story's size) reaches the threshold
    assert all(strong == (link / 3 >= cfg.link_threshold) for _, _, link, strong in edges)
    edges = [(a, b) for a, b, _, _ in edges]
    assert len(edges) == 2 and ("a:1", "s:x") in edges       # a:1 shares 4*2 + 0.5*0.25


def test_cluster_stories_puts_the_seeds_in_one_story_and_copies_in_their_canonicals_story():
    articles = _seed_articles()
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
        assert_that(out["index"] | beam.Map(lambda r: (r[1]["article_id"], bool(r[1]["story_id"]), r[1]["profiled"])),
                    equal_to([(a.article_id, True, True) for a in articles] + [("copy", True, False)]),
                    label="Members")


def _index_files(tmp_path, rows, name: str):
    """Write (table, row) index rows as Parquet files by table and day, as a run's commit would."""
    import pyarrow.parquet as pq

    from transforms.core.schemas import DATASETS
    from transforms.core.sink import table_for
    from transforms.index import IndexFiles
    by: dict[tuple[str, str], list] = {}
    for table, row in rows:
        by.setdefault((table, row["day"]), []).append(row)
    files: dict[str, list] = {}
    for (table, day), rs in sorted(by.items()):
        path = tmp_path / name / table / f"day={day}" / "part-0.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table_for(DATASETS[table], rs), path)
        files.setdefault(table, []).append((str(path), day))
    return IndexFiles({t: tuple(f) for t, f in files.items()})


def _merge_files(a, b):
    from transforms.index import IndexFiles
    return IndexFiles({t: a.of(t) + b.of(t) for t in sorted(set(a.files) | set(b.files))})


def _keep(pcoll, path, label):
    """Append each element, pickled, to ``path`` (FnApiRunner runs in this process)."""
    import pickle

    def put(x):
        with open(path, "ab") as fh:
            pickle.dump(x, fh)
    pcoll | label >> beam.Map(put)


def _kept(path):
    import pickle
    out = []
    if path.exists():
        with open(path, "rb") as fh:
            while True:
                try:
                    out.append(pickle.load(fh))
                except EOFError:
                    return out
    return out


def _run(articles, index, run_day="2024-01-01", cfg=SCFG):
    """One run of dedup and stories: (id -> (dup_of, story_id)) and the index rows it adds."""
    import tempfile
    tmp = Path(tempfile.mkdtemp())
    with TestPipeline(runner="FnApiRunner") as p:
        folded = p | beam.Create(articles) | FoldDuplicates(DCFG, index, run_day)
        stories = folded["main"] | ClusterStories(cfg, LEXICON, index, run_day)
        _keep(stories["main"] | "Result" >> beam.Map(lambda a: (a.article_id, (a.dup_of, a.story_id))),
              tmp / "result", "KeepResult")
        _keep((folded["index"], stories["index"]) | "Index" >> beam.Flatten(), tmp / "rows", "KeepRows")
    from transforms.core.index import table_rows
    return dict(_kept(tmp / "result")), [(t, r) for t, v in _kept(tmp / "rows") for r in table_rows((t, v))]


def test_a_run_split_in_two_with_the_index_folds_and_clusters_as_one_run(tmp_path):
    docs = _synd_docs(6)
    articles = [_article(d) for d in docs]
    expected = fold_duplicates(docs, DCFG).dup_of
    whole, _ = _run(articles, None)
    assert {a: d for a, (d, _) in whole.items()} == expected
    half = len(articles) // 2
    first, rows = _run(articles[:half], None)
    assert {t for t, _ in rows} >= {"index_keys", "index_articles", "index_members"}
    index = _index_files(tmp_path, rows, "run1")
    second, rows2 = _run(articles[half:], index)
    assert {a: d for a, (d, _) in {**first, **second}.items()} == expected
    # No earlier article is rewritten: the second run adds rows for its own articles only.
    assert {r["article_id"] for t, r in rows2 if t == "index_members"} == {a.article_id for a in articles[half:]}
    both = {**first, **second}
    assert bcubed({a: s for a, (_, s) in both.items()}, {a: s for a, (_, s) in whole.items()})[2] >= 0.98


def _fold_counted(articles, index, run_day="2024-01-01"):
    """FoldDuplicates alone: (id -> dup_of, index rows, dedup counters)."""
    import tempfile

    from apache_beam.metrics.metric import MetricsFilter

    from transforms.core.index import table_rows
    tmp = Path(tempfile.mkdtemp())
    p = TestPipeline(runner="FnApiRunner")
    folded = p | beam.Create(articles) | FoldDuplicates(DCFG, index, run_day)
    _keep(folded["main"] | "Result" >> beam.Map(lambda a: (a.article_id, a.dup_of)), tmp / "result", "KeepResult")
    _keep(folded["index"], tmp / "rows", "KeepRows")
    result = p.run()
    result.wait_until_finish()
    counters = {m.key.metric.name: m.committed for m in result.metrics().query(MetricsFilter())["counters"]}
    return (dict(_kept(tmp / "result")), [(t, r) for t, v in _kept(tmp / "rows") for r in table_rows((t, v))],
            counters)


def test_a_copy_is_indexed_only_under_what_its_canonical_lacks_and_later_copies_still_find_it(tmp_path):
    """Copies of one original, run after run: each copy's index keys leave out the canonical's, a
    later copy finds the canonical (and only what the copies have of their own), and every copy gets
    the dup_of one run over everything gives."""
    from transforms.core.index import dedup_row_of, finding_keys, id_key
    rows = [json.loads(line) for line in (DATA / "originals.jsonl").read_text(encoding="utf-8").splitlines()]
    (oid, text), (other_id, other) = distinct_originals([(r["doc"], r["text"]) for r in rows])[:2]
    words = text.split(" ")[:200]
    day = datetime(2025, 3, 1, tzinfo=UTC)

    def copy(k: int) -> Article:
        # one word inserted at a different place in each copy (as the bench's corpus edits its texts)
        at = 10 + 17 * k
        body = " ".join(words[:at] + [f"nonce{k}x"] + words[at:])
        return Article(f"{oid}-c{k}", f"{oid}-c{k}", f"https://wire{k}.example/{oid}", "", "", body, lang="en",
                       published_at=day + timedelta(hours=k + 1))

    original = Article(oid, oid, f"https://origin.example/{oid}", "", "", " ".join(words), lang="en",
                       published_at=day)
    unrelated = Article(other_id, other_id, "https://other.example/x", "", "", other, lang="en",
                        published_at=day + timedelta(hours=1))
    runs = [[original, unrelated, copy(1), copy(2)], [copy(3), copy(4)], [copy(5), copy(6)]]
    whole, _, _ = _fold_counted([a for run in runs for a in run], None)
    assert {a: d for a, d in whole.items() if d} == {f"{oid}-c{k}": oid for k in range(1, 7)}
    index, got, reads, indexed, finding = None, {}, [], set(), {}
    for n, run in enumerate(runs):
        dups, rows, counters = _fold_counted(run, index, f"2025-03-0{n + 1}")
        got.update(dups)
        indexed |= {r["key"] for t, r in rows if t == "index_keys"}
        finding.update({r["article_id"]: finding_keys(dedup_row_of(r), DCFG) for t, r in rows if t == "index_articles"})
        reads.append(counters.get("dedup.candidate_pairs", 0))
        keys = {}
        for t, r in rows:
            if t == "index_keys":
                keys.setdefault(r["article_id"], set()).add(r["key"])
        rows_of = {r["article_id"]: r for t, r in rows if t == "index_articles"}
        canon = finding_keys(dedup_row_of(rows_of[oid]), DCFG) if oid in rows_of else None
        for aid, held in keys.items():
            assert id_key(aid) in held
            if aid.startswith(f"{oid}-c"):
                own = finding_keys(dedup_row_of(rows_of[aid]), DCFG)
                assert held - {id_key(aid)} < own, aid          # the copy has fewer keys than it would
                if canon is not None:
                    assert not held & canon, aid                  # and none of its canonical's
        assert counters.get("dedup.copy_keys_left_to_component", 0) > 0, counters
        part = _index_files(tmp_path, rows, f"run{n}")
        index = part if index is None else _merge_files(index, part)
    assert got == whole
    # every key a copy left out is one some member of its component is indexed under: it finds them all
    for aid, keys in finding.items():
        assert keys <= indexed, aid
    # a later run's copies are verified against the canonical, not against every earlier copy
    assert reads[2] <= 2 * len(runs[2]), reads


def test_holders_of_a_segment_the_index_holds_as_boilerplate_are_not_read_again(tmp_path):
    """A footer judged boilerplate once is looked up as boilerplate by later runs; its holders (every
    earlier article of the outlet, in real feeds) are not read again, and the answer stays the same."""
    rows = [json.loads(line) for line in (DATA / "originals.jsonl").read_text(encoding="utf-8").splitlines()]
    originals = distinct_originals([(r["doc"], r["text"]) for r in rows])[:6]
    footer = ("Subscribe to our newsletter for the latest headlines delivered to your inbox every morning.\n"
              "Copyright the Daily Example Media Group, all rights reserved, no part may be reproduced.")
    day = datetime(2025, 3, 1, tzinfo=UTC)
    articles = [Article(oid, oid, f"https://daily.example/{k}", "", "",
                        " ".join(text.split(" ")[:120]) + "\n" + footer, lang="en",
                        published_at=day + timedelta(hours=k))
                for k, (oid, text) in enumerate(originals)]
    whole, _, _ = _fold_counted(articles, None)
    assert not any(whole.values())            # unrelated articles: the footer folds none of them
    first, rows1, c1 = _fold_counted(articles[:4], None)
    assert any(t == "index_boilerplate" for t, _ in rows1), "the footer is judged boilerplate in run 1"
    index = _index_files(tmp_path, rows1, "run1")
    second, rows2, c2 = _fold_counted(articles[4:], index, "2024-01-02")
    assert {**first, **second} == whole
    assert c2.get("dedup.known_boilerplate_segments", 0) >= 2, c2      # both new articles hold it
    # The footer's four earlier holders are not read: it was their only segment in common.
    assert c2.get("dedup.segment_holders_read", 0) == 0, c2
    assert not any(t == "index_boilerplate" for t, _ in rows2)      # nothing judged twice


def test_a_story_older_than_the_window_is_not_joined(tmp_path):
    from dataclasses import replace

    from transforms.core.config import ConfigError
    seeds = _seed_articles()
    day0 = datetime(2025, 11, 1, tzinfo=UTC)
    old = [a.replace(published_at=day0) for a in seeds[:3]]
    first, rows = _run(old, None)
    index = _index_files(tmp_path, rows, "run1")
    story = {s for _, s in first.values()}
    assert len(story) == 1
    cfg = replace(SCFG, window_days=3)
    # Within the window the later reports join the story; beyond it they start their own.
    for days, joins in ((2, True), (4, False)):
        later = [a.replace(published_at=day0 + timedelta(days=days)) for a in seeds[3:]]
        got, _ = _run(later, index, cfg=cfg)
        sids = {s for _, s in got.values()}
        assert (sids == story) is joins, (days, sids, story)
    for bad in (0, -1):
        with pytest.raises(ConfigError, match="window_days"):
            StoryConfig.from_mapping({"window_days": bad})


def _seed_articles():
    import re
    articles = []
    for f, lang in zip(sorted((ROOT / "seeds").glob("*.txt")), ["en", "en", "en", "vi", "fa"]):
        text = f.read_text(encoding="utf-8")
        m = re.match(r" date (\d{4}-\d{2}-\d{2})[^\n]*\n", text)
        pub = datetime.fromisoformat(m.group(1)).replace(tzinfo=UTC) if m else None
        articles.append(Article(f.stem, str(f), f.absolute().as_uri(), "", "", text[m.end():] if m else text,
                                lang=lang, published_at=pub))
    return articles


def test_index_rows_round_trip(tmp_path):
    from transforms.core.dedup import MinHasher, fingerprint
    from transforms.core.index import article_index_row, dedup_row_of, key_block, member_row, meta_of, profile_of
    from transforms.core.records import ArticleMeta
    fp = fingerprint("a", "https://x.example/a", datetime(2024, 5, 1, tzinfo=UTC), "one two three four five six",
                     DCFG, MinHasher(DCFG.num_perm, DCFG.seed))
    row = DedupRow(fp, "z", ("00ff",))
    assert dedup_row_of(article_index_row(row, "2024-05-01")) == row
    keys = key_block(row, DCFG, "2024-05-01").rows()
    assert len({k["key"] for k in keys}) == len(keys) >= 3 and all(k["article_id"] == "a" for k in keys)
    prof = StoryProfile("a", "en", fp.published_at, "x.example", ("place:iran",), ("lohan",), ("61",),
                        (("rehab", 2),), story_id="s_1")
    meta = ArticleMeta("a", "x.example", "en", fp.published_at, "s_1", None, "Title")
    m = member_row(meta, prof, "2024-05-01")
    assert profile_of(m) == prof and meta_of(m) == meta
    assert member_row(meta, None, "2024-05-01")["profiled"] is False
