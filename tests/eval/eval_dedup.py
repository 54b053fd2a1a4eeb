"""Figures for dedup and stories (issue 4). Run: .venv/bin/python tests/eval/eval_dedup.py [ecb|synd|seeds|cost|all]

- ecb:   B-cubed P/R/F1 and ARI of story clustering on ../shared/eval/ecbplus_dev.jsonl (config defaults).
- xling: the same on ../shared/eval/xling_dev.jsonl, with the gold pairs found per pair of languages.
- synd:  pair P/R/F1 of duplicate folding on a seeded syndication set built from real pages.
- seeds: the five seed reports: one story, no dup_of.
- cost:  documents per second and peak memory of the pure core at 10k and 100k synthetic documents.
- beam_cost_one N: the same for the Beam transforms (FnApiRunner) on N documents.
- split ecb|xling RUNS [stories.K=V ...]: the whole pipeline, RUNS consecutive replays against one.
- split_core ecb|xling RUNS [stories.K=V ...]: the story stage alone (pure core, seconds), the same comparison.
- stored_sums ecb|xling RUNS: split_core with earlier stories as exact sums, and as sums kept without idf
  and re-weighted with each run's idf (what a table of story sums would give).
- split_variants ecb|xling RUNS: split_core as the stage does it and with earlier stories merged by a later
  cluster, with the whole corpus's profiles and frequencies, and with links to earlier stories scaled.
- recluster_cost FOLDER: the clustering step's CPU per run on the bench's history batches, as the stage
  does it and with the touched earlier stories re-clustered (split_variants' last variant).
- sum_sizes ecb|xling RUNS: split_core's earlier story sums, their entries with every feature and without
  the features of one document (what ``StorySum.add`` leaves out).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from transforms.core.dedup import DedupConfig

sys.path.insert(0, str(ROOT / "tests"))
from dedup_helpers import _distinct_originals, ari, bcubed, build_syndication_set, pair_scores

from transforms.core.entities import EntityLexicon
from transforms.core.stories import StoryConfig, StoryDoc, assign_stories

EVAL = ROOT.parent / "shared" / "eval"


def load_configs() -> tuple[DedupConfig, StoryConfig]:
    with open(ROOT / "configs" / "defaults.toml", "rb") as fh:
        data = tomllib.load(fh)
    return DedupConfig.from_mapping(data.get("dedup", {})), StoryConfig.from_mapping(data.get("stories", {}))


def stories_of(docs: list[dict], cfg: StoryConfig, lexicon: EntityLexicon) -> dict[str, str]:
    sids, _ = assign_stories([StoryDoc(d["id"], d.get("title", ""), d["text"], d.get("lang", "en"),
                                       d.get("published_at"), d.get("source", "")) for d in docs], lexicon, cfg)
    return sids


def eval_ecb() -> None:
    _, cfg = load_configs()
    lexicon = EntityLexicon.load_dir(ROOT / "configs" / "entities")
    rows = [json.loads(line) for line in (EVAL / "ecbplus_dev.jsonl").read_text(encoding="utf-8").splitlines()]
    docs = [{"id": r["doc"], "text": r["text"], "lang": "en"} for r in rows]
    gold = {r["doc"]: r["cluster"] for r in rows}
    pred = stories_of(docs, cfg, lexicon)
    p, r, f = bcubed(pred, gold)
    print(f"ECB+ dev: docs={len(rows)} gold_clusters={len(set(gold.values()))} "
          f"pred_clusters={len(set(pred.values()))} B3 P={p:.3f} R={r:.3f} F1={f:.3f} ARI={ari(pred, gold):.3f}")


def eval_xling() -> None:
    """One run over the cross-lingual set (story stage alone, as ``split_core``'s one run): B-cubed
    against gold, and per pair of languages how many of the gold story's document pairs share a story."""
    import itertools
    from collections import Counter

    from transforms.core import stories as S
    cfg, lexicon, docs, gold = _story_docs("xling")
    pred, profiles = S.assign_stories(docs, lexicon, cfg)
    lang = {d.article_id: d.lang for d in docs}
    members: dict[str, list[str]] = {}
    for a, c in sorted(gold.items()):
        members.setdefault(c, []).append(a)
    found: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    for arts in members.values():
        for a, b in itertools.combinations(arts, 2):
            key = "-".join(sorted((lang[a], lang[b])))
            pairs[key] += 1
            found[key] += pred[a] == pred[b]
    p, r, f = bcubed(pred, gold)
    print(f"xling dev, one run: docs={len(docs)} B3 P={p:.3f} R={r:.3f} F1={f:.3f}; document pairs of one gold "
          f"story in one story: " + ", ".join(f"{k} {found[k]}/{pairs[k]}" for k in sorted(pairs)))
    names: dict[str, list[int]] = {}
    for prof in profiles:
        names.setdefault(prof.lang, []).append(len(prof.names))
    print("  names per profile, mean: " + ", ".join(f"{k} {sum(v) / len(v):.1f}" for k, v in sorted(names.items())))


def load_pages(limit: int = 300) -> list[tuple[str, str]]:
    import tarfile
    import tempfile

    import trafilatura
    out = []
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(EVAL / "extraction" / "html_tests_cache_eval.tar.xz") as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile() and m.name.endswith((".html", ".htm"))),
                         key=lambda m: m.name)[:limit]
        tar.extractall(tmp, members=members, filter="data")
        for m in members:
            html = (Path(tmp) / m.name).read_bytes().decode("utf-8", "replace")
            text = trafilatura.extract(html) or ""
            if len(text.split()) >= 120:
                out.append((Path(m.name).stem, text))
    return out


def eval_synd() -> None:
    import time

    from transforms.core.dedup import fold_duplicates
    cfg, _ = load_configs()
    rows = [json.loads(line) for line in (EVAL / "ecbplus_dev.jsonl").read_text(encoding="utf-8").splitlines()]
    ecb = [(f"ecb_{r['doc']}", r["text"]) for r in rows if len(r["text"].split()) >= 120]
    t0 = time.time()
    pages = load_pages()
    print(f"extracted {len(pages)} pages in {time.time() - t0:.0f}s")
    for name, originals in (("pages", pages), ("ecb+", ecb), ("pages+ecb+", pages + ecb)):
        originals = _distinct_originals(originals)
        docs, family = build_syndication_set(originals, seed=0)
        t0 = time.time()
        res = fold_duplicates(docs, cfg)
        p, r, f = pair_scores(res.dup_of, family)
        print(f"syndication[{name}]: originals={len(originals)} docs={len(docs)} boilerplate_segments="
              f"{len(res.boilerplate)} pair P={p:.3f} R={r:.3f} F1={f:.3f} ({time.time() - t0:.1f}s)")



def eval_split(dataset: str, runs: int, sets: list[str] = ()) -> None:
    """The whole pipeline (CLI replays): ``runs`` consecutive runs into one output against one run.

    ``sets`` are ``SECTION.KEY=VALUE`` overrides given to every replay (``--set``), e.g.
    ``eval_dedup.py split ecb 10 stories.max_terms=400``.

    Prints story B-cubed of the split result against the one-run result, the dup_of links that
    differ, and each result's B-cubed against the gold clusters. ``dataset``: ecb or xling.
    """
    import tempfile

    from pipelines.cli import main as cli
    from pipelines.delta import read_dataset
    name = {"ecb": "ecbplus_dev.jsonl", "xling": "xling_dev.jsonl"}[dataset]
    rows = [json.loads(line) for line in (EVAL / name).read_text(encoding="utf-8").splitlines()]
    docs, gold = [], {}
    for i, r in enumerate(rows):
        url = r.get("url") or f"https://ecb.example/{r['doc']}"
        docs.append({"url": url, "title": r.get("title", ""), "text": r["text"], **({"lang": r["lang"]} if r.get("lang") else {})})
        gold[url] = r["cluster"]
    import random
    random.Random(0).shuffle(docs)
    extra = [arg for kv in sets for arg in ("--set", kv)]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        files = []
        per = -(-len(docs) // runs)
        for k in range(runs):
            f = tmp_path / f"part{k:02d}.jsonl"
            f.write_text("".join(json.dumps(d) + "\n" for d in docs[k * per:(k + 1) * per]), encoding="utf-8")
            files.append(str(f))
        for f in files:
            assert cli(["replay", f, "--output", str(tmp_path / "split"), "--quiet", *extra]) == 0
        assert cli(["replay", *files, "--output", str(tmp_path / "whole"), "--quiet", *extra]) == 0

        def result(out):
            got = read_dataset(out, "articles", ["article_id", "url", "dup_of", "story_id"]).to_pylist()
            ids = {g["article_id"]: g["url"] for g in got}
            return ({g["url"]: g["story_id"] for g in got},
                    {g["url"]: ids.get(g["dup_of"]) if g["dup_of"] else None for g in got})
        split_s, split_d = result(tmp_path / "split")
        whole_s, whole_d = result(tmp_path / "whole")
    p, r, f = bcubed(split_s, whole_s)

    def groups(dups):
        # Undated copies: the first run to see one makes it the canonical, so compare the groups.
        return {frozenset(u for u in dups if (dups[u] or u) == root) for root in {d or u for u, d in dups.items()}}
    a, b = groups(split_d), groups(whole_d)
    print(f"{dataset} dev, {runs} runs vs 1 run (pipeline): docs={len(whole_s)} split-vs-whole B3 P={p:.3f} R={r:.3f} "
          f"F1={f:.3f}; duplicate groups: {sum(1 for g in b if len(g) > 1)} in one run, "
          f"{sum(1 for g in a if len(g) > 1)} in {runs}, {len(a ^ b)} differ")
    for label, sids in (("1 run", whole_s), (f"{runs} runs", split_s)):
        gp, gr, gf = bcubed(sids, {u: gold[u] for u in sids})
        print(f"  {label} vs gold: B3 P={gp:.3f} R={gr:.3f} F1={gf:.3f} clusters={len(set(sids.values()))}")


def eval_split_core(dataset: str, runs: int, sets: list[str] = ()) -> None:
    """The story stage alone (pure core, seconds): ``runs`` consecutive runs against one run.

    Each run profiles its documents with term frequencies over its own documents and the
    earlier profiles, then clusters them with the earlier profiles (their story ids fixed),
    as ``ClusterStories`` does with its window. No dedup, so it isolates what clustering in
    runs costs. ``sets``: ``stories.KEY=VALUE`` overrides. Prints split-vs-whole B-cubed, each
    against gold, and the pairs of documents that only one of the two puts in one story, by
    whether the two came in one run or in two.
    """
    import dataclasses
    import random
    from collections import Counter
    from itertools import combinations

    from transforms.core.stories import StoryProfile, build_profile, cluster_profiles, term_counts
    _, cfg = load_configs()
    for kv in sets:
        key, _, value = kv.partition("=")
        field = key.split(".", 1)[1]
        kind = type(getattr(cfg, field))
        cfg = dataclasses.replace(cfg, **{field: (value.lower() == "true") if kind is bool else kind(value)})
    lexicon = EntityLexicon.load_dir(ROOT / "configs" / "entities")
    name = {"ecb": "ecbplus_dev.jsonl", "xling": "xling_dev.jsonl"}[dataset]
    rows = [json.loads(line) for line in (EVAL / name).read_text(encoding="utf-8").splitlines()]
    docs = [StoryDoc(str(r.get("doc") or r["url"]), r.get("title", ""), r["text"], r.get("lang", "en")) for r in rows]
    gold = {d.article_id: r["cluster"] for d, r in zip(docs, rows)}
    random.Random(0).shuffle(docs)

    def one_run(batch, prior):
        df: Counter[str] = Counter()
        for d in batch:
            df.update(term_counts(f"{d.title}\n{d.text}" if d.title else d.text, cfg.min_term_chars).keys())
        for p in prior:
            df.update(t for t, _ in p.terms)
        n = len(batch) + len(prior)
        new = [build_profile(d.article_id, d.title, d.text, d.lang, d.published_at, d.source, lexicon, cfg, df, n)
               for d in batch]
        sids = cluster_profiles([*new, *prior], cfg)
        return sids, [dataclasses.replace(p, story_id=sids[p.article_id]) for p in [*new, *prior]]

    whole, _ = one_run(docs, [])
    per = -(-len(docs) // runs)
    prior: list[StoryProfile] = []
    for k in range(runs):
        _, prior = one_run(docs[k * per:(k + 1) * per], prior)
    split = {p.article_id: p.story_id for p in prior}
    p, r, f = bcubed(split, whole)
    print(f"{dataset} dev, story stage only, {runs} runs vs 1 run: split-vs-whole B3 P={p:.3f} R={r:.3f} F1={f:.3f}; "
          f"vs gold: 1 run {bcubed(whole, gold)[2]:.3f}, {runs} runs {bcubed(split, gold)[2]:.3f}")
    run_of = {d.article_id: k // per for k, d in enumerate(docs)}
    only: Counter[str] = Counter()
    for a, b in combinations(sorted(split), 2):
        together = (split[a] == split[b], whole[a] == whole[b])
        if together[0] != together[1]:
            where = "one run" if run_of[a] == run_of[b] else "two runs"
            only[f"only {'split' if together[0] else 'whole'}, {where}"] += 1
    print("  pairs in one story in only one result:", dict(sorted(only.items())))


def _story_docs(dataset: str):
    """The story-stage protocol's config, lexicon, documents (shuffled with seed 0) and gold clusters."""
    import random

    from transforms.core import stories as S
    _, cfg = load_configs()
    lexicon = EntityLexicon.load_dir(ROOT / "configs" / "entities")
    name = {"ecb": "ecbplus_dev.jsonl", "xling": "xling_dev.jsonl"}[dataset]
    rows = [json.loads(line) for line in (EVAL / name).read_text(encoding="utf-8").splitlines()]
    docs = [S.StoryDoc(str(r.get("doc") or r["url"]), r.get("title", ""), r["text"], r.get("lang", "en"))
            for r in rows]
    gold = {d.article_id: r["cluster"] for d, r in zip(docs, rows)}
    random.Random(0).shuffle(docs)
    return cfg, lexicon, docs, gold


def _batch_profiles(batch, prior, cfg, lexicon):
    """One run's new profiles: terms weighted over the run's documents and the earlier profiles."""
    from collections import Counter

    from transforms.core import stories as S
    df: Counter[str] = Counter()
    for d in batch:
        df.update(S.term_counts(f"{d.title}\n{d.text}" if d.title else d.text, cfg.min_term_chars).keys())
    for p in prior:
        df.update(t for t, _ in p.terms)
    n = len(batch) + len(prior)
    return [S.build_profile(d.article_id, d.title, d.text, d.lang, d.published_at, d.source, lexicon, cfg, df, n)
            for d in batch]


def eval_stored_sums(dataset: str, runs: int) -> None:
    """Would story sums kept in a table cluster as the exact ones do? (A design check, no pipeline.)

    The protocol of ``split_core``, with the earlier stories given as ``StorySum`` nodes, two ways:
    ``exact``, summed from the members with this run's document frequencies (what ClusterStories
    does); ``stored``, each member's unit vector kept without its idf (weight / idf / norm, with the
    frequencies of the run that added it) and re-weighted with this run's idf, as a table of story
    sums appended per run would have to. Keys, sizes and dates stay exact: only the idf drift is measured.
    """
    import dataclasses
    from collections import defaultdict

    from transforms.core import stories as S
    cfg, lexicon, docs, gold = _story_docs(dataset)

    def kind_idf(key: str, df, n: int) -> float:
        return S.idf(df.get(key, 1), n if key.startswith("t:") else n + cfg.background_docs)

    def profiles_of(batch, prior):
        return _batch_profiles(batch, prior, cfg, lexicon)

    def reweighted(raw: dict, df, n: int) -> dict:
        return {f: int(w * kind_idf(f, df, n) * S._FIXED) for f, w in raw.items()}

    def split(mode: str) -> dict[str, str]:
        per = -(-len(docs) // runs)
        prior: list = []
        stored: dict = {}     # story -> (lang, years) -> [members, raw all, raw language-free]
        for k in range(runs):
            new = profiles_of(docs[k * per:(k + 1) * per], prior)
            df, n = S.document_frequencies([*new, *prior])
            sums = S.story_sums(prior, df, n, cfg)
            if mode == "stored":
                sums = [dataclasses.replace(s, buckets={key: [c, reweighted(ra, df, n), reweighted(rf, df, n)]
                                                        for key, (c, ra, rf) in stored[s.story_id].items()})
                        for s in sums]
            sids = S.cluster_profiles(new, cfg, df, n, stories=sums)
            new = [dataclasses.replace(p, story_id=sids[p.article_id]) for p in new]
            for p in new:
                v = S.vectorise(p, df, n, cfg)
                bucket = stored.setdefault(p.story_id, {}).setdefault(
                    (p.lang or "", v.years), [0, defaultdict(float), defaultdict(float)])
                bucket[0] += 1
                for vec, norm, acc in ((v.all, v.norm_all, bucket[1]), (v.free, v.norm_free, bucket[2])):
                    if norm > 0:
                        for f, w in vec.items():
                            acc[f] += w / kind_idf(f, df, n) / norm
            prior = [*prior, *new]
        return {p.article_id: p.story_id for p in prior}

    whole = S.cluster_profiles(profiles_of(docs, []), cfg)
    for mode in ("exact", "stored"):
        got = split(mode)
        print(f"{dataset} dev, {runs} runs, {mode} story sums: split-vs-whole B3 F1={bcubed(got, whole)[2]:.3f}, "
              f"vs gold {bcubed(got, gold)[2]:.3f}")


def eval_seeds() -> None:
    import re
    from datetime import datetime, timezone

    from transforms.core.dedup import DocIn, fold_duplicates
    dcfg, scfg = load_configs()
    lexicon = EntityLexicon.load_dir(ROOT / "configs" / "entities")
    from langdetect import DetectorFactory, detect
    DetectorFactory.seed = 0
    docs = []
    for f in sorted((ROOT / "seeds").glob("*.txt")):
        text, pub = f.read_text(encoding="utf-8"), None
        m = re.match(r" date (\d{4}-\d{2}-\d{2})[^\n]*\n", text)
        if m:
            pub, text = datetime.fromisoformat(m.group(1)).replace(tzinfo=timezone.utc), text[m.end():]
        docs.append((f.stem, text, pub, detect(text)))
    folded = fold_duplicates([DocIn(a, f"file:///{a}", p, t) for a, t, p, _ in docs], dcfg)
    sids, _ = assign_stories([StoryDoc(a, "", t, lang, p) for a, t, p, lang in docs], lexicon, scfg)
    print(f"seeds: langs={[d[3] for d in docs]} stories={len(set(sids.values()))} "
          f"dup_of_set={sum(1 for v in folded.dup_of.values() if v)}")


def synthetic_docs(n: int, seed: int = 0):
    """n documents from ECB+ texts: 80% unique (30% of words replaced), 20% light copies of earlier ones."""
    import random
    from datetime import datetime, timedelta, timezone

    from transforms.core.dedup import DocIn
    rng = random.Random(seed)
    base_texts = [json.loads(line)["text"] for line in (EVAL / "ecbplus_dev.jsonl").read_text(encoding="utf-8").splitlines()]
    vocab = sorted({w for t in base_texts for w in t.split()})
    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    docs: list = []
    for i in range(n):
        pub = t0 + timedelta(minutes=i)
        if docs and rng.random() < 0.2:
            src = docs[rng.randrange(len(docs))]
            words = src.text.split(" ")
            for _ in range(max(1, len(words) // 50)):
                words[rng.randrange(len(words))] = rng.choice(vocab)
            docs.append(DocIn(f"d{i:07d}", f"https://s{i % 97}.example/{i}", pub, " ".join(words)))
        else:
            words = rng.choice(base_texts).split(" ")
            words = [rng.choice(vocab) if rng.random() < 0.3 else w for w in words]
            docs.append(DocIn(f"d{i:07d}", f"https://s{i % 97}.example/{i}", pub, " ".join(words)))
    return docs


def cost_one(n: int) -> None:
    import resource
    import time

    from transforms.core.dedup import fold_duplicates
    dcfg, scfg = load_configs()
    lexicon = EntityLexicon.load_dir(ROOT / "configs" / "entities")
    docs = synthetic_docs(n)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # CPU time of this process: the machine is shared, wall time would measure the neighbours.
    t0 = time.process_time()
    folded = fold_duplicates(docs, dcfg)
    t1 = time.process_time()
    canon = [d for d in docs if not folded.dup_of[d.article_id]]
    sids, _ = assign_stories([StoryDoc(d.article_id, "", d.text, "en", d.published_at) for d in canon], lexicon, scfg)
    t2 = time.process_time()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"cost n={n} (CPU seconds, one core): dedup {n / (t1 - t0):.0f} docs/s ({t1 - t0:.1f}s), stories {len(canon) / (t2 - t1):.0f} "
          f"docs/s ({t2 - t1:.1f}s), total {n / (t2 - t0):.0f} docs/s; peak RSS {rss / 1024:.0f} MiB "
          f"(inputs loaded: {rss0 / 1024:.0f} MiB); dups={sum(1 for v in folded.dup_of.values() if v)} "
          f"stories={len(set(sids.values()))}")


def eval_cost(sizes=(10_000, 100_000)) -> None:
    import subprocess
    for n in sizes:     # one process per size: peak RSS is per process
        subprocess.run([sys.executable, __file__, "cost_one", str(n)], check=True)


def beam_cost_one(n: int) -> None:
    """The Beam transforms (FnApiRunner, in-process) on n synthetic documents."""
    import resource
    import time

    import apache_beam as beam

    from transforms.core.records import Article
    from transforms.dedup import FoldDuplicates
    from transforms.stories import ClusterStories
    dcfg, scfg = load_configs()
    lexicon = EntityLexicon.load_dir(ROOT / "configs" / "entities")
    articles = [Article(d.article_id, d.article_id, d.url, "", "", d.text, lang="en", published_at=d.published_at)
                for d in synthetic_docs(n)]
    t0, w0 = time.process_time(), time.time()
    with beam.Pipeline(runner="FnApiRunner") as p:
        folded = p | beam.Create(articles) | FoldDuplicates(dcfg)
        stories = folded["main"] | ClusterStories(scfg, lexicon)
        _ = stories["main"] | beam.combiners.Count.Globally()
    cpu, wall = time.process_time() - t0, time.time() - w0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"beam cost n={n}: {n / cpu:.0f} docs/CPU-s ({cpu:.1f} CPU s, {wall:.1f} s wall on a shared machine); "
          f"peak RSS {rss / 1024:.0f} MiB")


def _reclustered(profiles, df, n_docs, cfg, allowed=None):
    """One run that re-clusters the earlier stories its new articles share a blocking key with.

    ``profiles``: the run's new profiles (no ``story_id``) and the earlier ones (with it). The members
    of every earlier story that a new article shares a blocking key with (``candidate_pairs``) are
    clustered again with the new articles, the other earlier stories taking part as sums as usual.
    Each resulting cluster keeps the earlier id most of its earlier members had, each id going to
    one cluster (the one holding most of its members, then the smallest id); a cluster that wins none
    starts a new story. Returns (story id of every profile, earlier articles whose story changed,
    stories re-clustered)."""
    import dataclasses
    from collections import Counter

    from transforms.core import stories as S
    prior = [p for p in profiles if p.story_id]
    new = [p for p in profiles if not p.story_id]
    vectors = [S.vectorise(p, df, n_docs, cfg) for p in new]
    pairs = S.candidate_pairs(new, vectors, cfg, df, S.story_sums(prior, df, n_docs, cfg))
    touched = {node[2:] for pair in pairs for node in pair if node.startswith("s:")}
    if allowed is not None:
        touched &= allowed      # only these earlier stories may be re-clustered (the recent ones)
    old = {p.article_id: p.story_id for p in prior if p.story_id in touched}
    out = S.cluster_profiles([dataclasses.replace(p, story_id="") if p.article_id in old else p
                              for p in profiles], cfg, df, n_docs)
    again = {p.article_id for p in new} | set(old)
    members: dict[str, list[str]] = {}
    for a in sorted(again):
        members.setdefault(out[a], []).append(a)
    votes = sorted((-n, sid, c) for c, arts in members.items()
                   for sid, n in Counter(old[a] for a in arts if a in old).items())
    kept: dict[str, str] = {}
    for _, sid, c in votes:
        if c not in kept and sid not in kept.values():
            kept[c] = sid
    for c, arts in members.items():
        for a in arts:
            out[a] = kept.get(c, c)
    return out, sum(1 for a in old if out[a] != old[a]), len(touched)


def eval_recluster_cost(folder: str) -> None:
    """What re-clustering the touched stories (``_reclustered``) costs over a growing window, against
    the story stage's way, on the bench's history batches (``FOLDER/batch-*.jsonl``, written by
    ``python -m tests.benchmarks.bench --history 12x1000 --keep-work --work W`` under
    ``W/history-12x1000``). Each batch is one run on its day; the window is ``stories.window_days``.
    Prints, per run, the window's size, the stories re-clustered, the earlier articles moved and the
    CPU seconds of the clustering step (profiles and frequencies excluded: both ways build them alike)."""
    import dataclasses
    import time
    from datetime import datetime

    from langdetect import DetectorFactory, detect
    from transforms.core import stories as S
    DetectorFactory.seed = 0
    _, cfg = load_configs()
    lexicon = EntityLexicon.load_dir(ROOT / "configs" / "entities")
    batches = []
    for path in sorted(Path(folder).glob("batch-*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        batches.append([S.StoryDoc(r["id"], r.get("title", ""), r["text"], _lang(detect, r["text"]),
                                   datetime.fromisoformat(r["published"].replace("Z", "+00:00"))) for r in rows])
    for way in ("as the story stage does it", "touched stories re-clustered"):
        prior: dict = {}
        for k, batch in enumerate(batches):
            day = batch[0].published_at
            window = [p for p in prior.values() if (day - p.published_at).days < cfg.window_days]
            new = _batch_profiles(batch, window, cfg, lexicon)
            t = time.process_time()
            df, n = S.document_frequencies([*new, *window])
            if way.startswith("touched"):
                sids, moved, touched = _reclustered([*new, *window], df, n, cfg)
            else:
                sids, moved, touched = S.cluster_profiles([*new, *window], cfg, df, n), 0, 0
            took = time.process_time() - t
            for p in [*new, *window]:
                prior[p.article_id] = dataclasses.replace(p, story_id=sids[p.article_id])
            print(f"{way}, run {k + 1}: window {len(window)}, stories re-clustered {touched}, "
                  f"earlier articles moved {moved}, clustering {took:.2f} CPU-s", flush=True)


def _lang(detect, text: str) -> str:
    try:
        return detect(text)
    except Exception:
        return ""


def eval_split_variants(dataset: str, runs: int) -> None:
    """Where split-vs-whole is lost, in the protocol of ``split_core``: the same runs (1) as the story stage
    does them, (2) letting a run merge earlier stories that one of its clusters joins (an alias table's
    effect: the later ids become the earliest), (3) with every run's profiles and frequencies taken from
    the whole corpus (what a run would see if it knew every other article), (4) with the links between a
    new article and an earlier story scaled by 1/f before average linkage (f < 1 joins stories more
    readily), (5) re-clustering the earlier stories that share a blocking key with the run's articles:
    their members are clustered again with the new articles, and each cluster keeps the earlier id most
    of its earlier members had (each id goes to one cluster, the one holding most of its members; the
    rest start new stories), (6) the same for the touched stories started within the last K runs only (a
    bounded re-clustering window: its cost would not grow with a story's age). Each is compared with the
    one-run result (B-cubed) and with gold; (5) and (6) also count the earlier articles whose story changed."""
    import dataclasses
    from collections import Counter

    from transforms.core import stories as S
    cfg, lexicon, docs, gold = _story_docs(dataset)

    moved = Counter()

    born: dict[str, int] = {}       # story id -> the run that started it

    def cluster(profiles, df=None, n_docs=0, merge=False, factor=1.0, recluster=False, recent=None, run=0):
        profiles = sorted(profiles, key=lambda p: p.article_id)
        if df is None:
            df, n_docs = S.document_frequencies(profiles)
        if recluster:
            allowed = None if recent is None else {sid for sid, b in born.items() if run - b <= recent}
            out, n_moved, _ = _reclustered(profiles, df, n_docs, cfg, allowed)
            for sid in out.values():
                born.setdefault(sid, run)
            moved["articles"] += n_moved
            return out
        prior = [p for p in profiles if p.story_id]
        new = [p for p in profiles if not p.story_id]
        stories = S.story_sums(prior, df, n_docs, cfg)
        vectors = [S.vectorise(p, df, n_docs, cfg) for p in new]
        by_node = {S.article_node(p.article_id): p for p in new}
        vector_of = {S.article_node(p.article_id): v for p, v in zip(new, vectors)}
        sums = {S.story_node(st.story_id): st for st in stories}
        sizes = {**{n: 1 for n in by_node}, **{n: st.size for n, st in sums.items()}}
        fixed = {n: st.story_id for n, st in sums.items()}
        links = []
        for a, b in S.candidate_pairs(new, vectors, cfg, df, stories):
            link = S.pair_link(a, b, by_node, vector_of, sums, cfg)
            links.append((a, b, link / factor if (a in fixed or b in fixed) else link))
        clusters = S.average_linkage(sizes, {} if merge else fixed, links, cfg)
        alias = {}
        for nodes in clusters:
            held = sorted(fixed[n] for n in nodes if n in fixed)
            for sid in held[1:]:
                alias[sid] = held[0]
        out = {p.article_id: alias.get(p.story_id, p.story_id) for p in prior}
        out.update(S.story_ids(clusters, fixed, {n: p.order_key() for n, p in by_node.items()}))
        return out

    tdf: Counter[str] = Counter()
    for d in docs:
        tdf.update(S.term_counts(S.profile_text(d.title, d.text), cfg.min_term_chars).keys())
    whole_profiles = {d.article_id: S.build_profile(d.article_id, d.title, d.text, d.lang, d.published_at,
                                                   d.source, lexicon, cfg, tdf, len(docs)) for d in docs}
    whole = cluster(list(whole_profiles.values()))
    whole_df, whole_n = S.document_frequencies(whole_profiles.values())
    per = -(-len(docs) // runs)
    variants = [("as the story stage does it", {}), ("earlier stories merge when a cluster joins two", {"merge": True}),
                ("profiles and frequencies of the whole corpus", {"oracle": True}),
                ("links to earlier stories x 1/0.8", {"factor": 0.8}), ("links to earlier stories x 1/1.2", {"factor": 1.2}),
                ("touched earlier stories re-clustered with the run", {"recluster": True}),
                ("... only those started within the last 2 runs", {"recluster": True, "recent": 2}),
                ("... only those started within the last 5 runs", {"recluster": True, "recent": 5})]
    for name, opts in variants:
        prior: list = []
        born.clear()
        moved.clear()
        for k in range(runs):
            batch = docs[k * per:(k + 1) * per]
            if opts.get("oracle"):
                new = [whole_profiles[d.article_id] for d in batch]
                sids = cluster([*new, *prior], whole_df, whole_n)
            else:
                new = _batch_profiles(batch, prior, cfg, lexicon)
                sids = cluster([*new, *prior], merge=opts.get("merge", False), factor=opts.get("factor", 1.0),
                               recluster=opts.get("recluster", False), recent=opts.get("recent"), run=k)
            prior = [dataclasses.replace(p, story_id=sids[p.article_id]) for p in [*new, *prior]]
        split = {p.article_id: p.story_id for p in prior}
        p_, r_, f_ = bcubed(split, whole)
        print(f"{dataset} dev, {runs} runs, {name}: split-vs-whole B3 P={p_:.3f} R={r_:.3f} F1={f_:.3f}; "
              f"vs gold: 1 run {bcubed(whole, gold)[2]:.3f}, {runs} runs {bcubed(split, gold)[2]:.3f}"
              + (f"; earlier articles moved: {moved['articles']}" if opts.get("recluster") else ""))


def eval_sum_sizes(dataset: str, runs: int) -> None:
    """How many entries the earlier stories' sums hold, with and without leaving out the features no
    other document has (``StorySum.add`` with ``df``), in the protocol of ``split_core``."""
    import dataclasses

    from transforms.core import stories as S
    cfg, lexicon, docs, _ = _story_docs(dataset)
    per, prior, entries = -(-len(docs) // runs), [], [0, 0]
    for k in range(runs):
        new = _batch_profiles(docs[k * per:(k + 1) * per], prior, cfg, lexicon)
        df, n = S.document_frequencies([*new, *prior])
        for i, pruning in enumerate((None, df)):
            sums: dict = {}
            for p in prior:
                sums.setdefault(p.story_id, S.StorySum(p.story_id)).add(p, S.vectorise(p, df, n, cfg), (), pruning)
            entries[i] += sum(len(b[1]) + len(b[2]) for s in sums.values() for b in s.buckets.values())
        sids = S.cluster_profiles([*new, *prior], cfg)
        prior = [dataclasses.replace(p, story_id=sids[p.article_id]) for p in [*new, *prior]]
    print(f"{dataset}, {runs} runs: story-sum entries summed over the runs {entries[0]} with every feature, "
          f"{entries[1]} without those of one document ({entries[1] / max(1, entries[0]):.2f}x)")


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    if what == "split":
        eval_split(sys.argv[2] if len(sys.argv) > 2 else "ecb", int(sys.argv[3]) if len(sys.argv) > 3 else 10,
                   sys.argv[4:])
    if what == "split_core":
        eval_split_core(sys.argv[2] if len(sys.argv) > 2 else "ecb",
                        int(sys.argv[3]) if len(sys.argv) > 3 else 10, sys.argv[4:])
    if what == "stored_sums":
        eval_stored_sums(sys.argv[2] if len(sys.argv) > 2 else "ecb", int(sys.argv[3]) if len(sys.argv) > 3 else 10)
    if what == "split_variants":
        eval_split_variants(sys.argv[2] if len(sys.argv) > 2 else "ecb", int(sys.argv[3]) if len(sys.argv) > 3 else 10)
    if what == "recluster_cost":
        eval_recluster_cost(sys.argv[2])
    if what == "sum_sizes":
        eval_sum_sizes(sys.argv[2] if len(sys.argv) > 2 else "ecb", int(sys.argv[3]) if len(sys.argv) > 3 else 10)
    if what in ("ecb", "all"):
        eval_ecb()
    if what in ("xling", "all"):
        eval_xling()
    if what in ("synd", "all"):
        eval_synd()
    if what in ("seeds", "all"):
        eval_seeds()
    if what in ("cost", "all"):
        eval_cost()
    if what == "cost_one":
        cost_one(int(sys.argv[2]))
    if what == "beam_cost_one":
        beam_cost_one(int(sys.argv[2]))
