"""Pure dedup core: hashes, MinHash/LSH parameters, verification, boilerplate, components."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
import tomllib

from transforms.core.dedup import (
    ConfigError,
    DedupConfig,
    DocIn,
    MinHasher,
    assign_canonicals,
    band_keys,
    content_hash,
    estimate,
    fingerprint,
    fold_duplicates,
    is_boilerplate,
    lsh_params,
    normal_text,
    normalize_text,
    segment_hash,
    segment_hashes,
    verify,
)
from transforms.core.dedup import _SEGMENT_SPLIT

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "dedup"
sys.path.insert(0, str(ROOT / "tests"))
from dedup_helpers import BOILERPLATE, build_syndication_set, distinct_originals, pair_scores

CFG = DedupConfig()


def _originals() -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in (DATA / "originals.jsonl").read_text(encoding="utf-8").splitlines()]
    return [(r["doc"], r["text"]) for r in rows]


def _ts(day: int) -> datetime:
    return datetime(2024, 1, day, tzinfo=timezone.utc)


def test_config_rejects_unknown_key_naming_it_and_the_table():
    with pytest.raises(ConfigError) as err:
        DedupConfig.from_mapping({"jacard_threshold": 0.5})
    assert "jacard_threshold" in str(err.value) and "[dedup]" in str(err.value)


def test_defaults_toml_equals_dataclass_defaults():
    with open(ROOT / "configs" / "defaults.toml", "rb") as fh:
        table = tomllib.load(fh)["dedup"]
    assert DedupConfig.from_mapping(table) == DedupConfig()
    assert set(table) == set(DedupConfig.__dataclass_fields__)


def test_content_hash_ignores_case_digit_script_spacing_and_punctuation():
    a = content_hash("Sixty-one   people died, ۶۱ in total.")
    assert a == content_hash("sixty one people died 61 in total")
    assert a != content_hash("sixty one people died 62 in total")


def _normalised_whole(text: str, boilerplate: frozenset[str] = frozenset()) -> str:
    """What the fingerprint read before ``NormalText``: the text normalised whole, or its parts that are not
    boilerplate joined by line breaks and normalised again."""
    if boilerplate:
        kept = [s for s in _SEGMENT_SPLIT.split(text) if segment_hash(normalize_text(s)) not in boilerplate]
        return normalize_text("\n".join(kept))
    return normalize_text(text)


# Separators next to what normalisation folds: combining marks, ZWNJ, digits of other scripts,
# compatibility forms, a sigma at a word's end, sentence ends in other scripts.
_AWKWARD = [
    "", ".", "\n\n", "A.\u0301b", "e\u0301. \u0301x", "مى\u200c\nخواهم. ۶۱ نفر؟ کشته", "ﬁne.\tＦＵＬＬ width ①",
    "ΟΔΥΣΣΕΥΣ. ΣΟΦΟΣ\nτέλος", "Straße!  STRASSE?\u3000end。次の文", "a_b. _c_\n\n\n__", "x\u200c. \u200cy",
    "  lead and trail.  ", "Số 12.5, ngày 3/4.\nHà Nội", "one\r\ntwo\x1c. three\u2028four",
]


@pytest.mark.parametrize("text", _AWKWARD + [t for _, t in _originals()[:20]])
def test_text_normalised_once_reads_as_normalised_whole(text):
    normal = normal_text(text)
    assert normal.joined() == normalize_text(text)
    assert content_hash(text) == fingerprint("a", "", None, text, CFG, MinHasher(CFG.num_perm, CFG.seed)).content_hash
    # Boilerplate left out by segment hash, as the fingerprint did it from the text itself.
    segs = normal.segment_hashes(CFG)
    for boilerplate in (frozenset(segs[::2]), frozenset(segs[1::2]), frozenset(segs)):
        assert normal.joined(boilerplate) == _normalised_whole(text, boilerplate)
    assert segment_hashes(text, CFG) == sorted({segment_hash(normalize_text(s)) for s in _SEGMENT_SPLIT.split(text)
                                                if normalize_text(s).count(" ") + 1 >= CFG.min_segment_words
                                                and normalize_text(s)})


def test_bands_and_rows_are_derived_from_the_thresholds():
    b, r = CFG.bands_rows
    assert b * r <= CFG.num_perm
    # A lower containment threshold means a lower Jaccard to catch: fewer rows per band.
    loose = replace(CFG, containment_threshold=0.5, min_length_ratio=0.3)
    assert loose.lsh_jaccard < CFG.lsh_jaccard
    assert loose.bands_rows[1] <= r
    # At the derived threshold an abridged half (Jaccard 0.5) is found with high probability.
    assert 1 - (1 - 0.5 ** r) ** b > 0.98
    assert lsh_params(0.9, 128, 0.5, 0.5)[1] > lsh_params(0.3, 128, 0.5, 0.5)[1]


def test_signature_is_deterministic_across_processes():
    text = _originals()[0][1]
    here = fingerprint("a", "", None, text, CFG, MinHasher(CFG.num_perm, CFG.seed)).signature.hex()
    code = ("import sys; from transforms.core.dedup import *; c=DedupConfig(); "
            "print(fingerprint('a','',None,sys.stdin.read(),c,MinHasher(c.num_perm,c.seed)).signature.hex())")
    other = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True, cwd=ROOT,
                           env={"PYTHONHASHSEED": "123", "PATH": ""}, check=True).stdout.strip()
    assert other == here


def test_abridged_edited_copies_verify_and_rewrites_do_not():
    hasher = MinHasher(CFG.num_perm, CFG.seed)
    (_, a), (_, b) = _originals()[:2]
    paras = a.split("\n")
    full = fingerprint("a", "", None, a, CFG, hasher)
    half = fingerprint("h", "", None, "\n".join(paras[: len(paras) // 2]), CFG, hasher)
    score = estimate(half.sig(), half.size, full.sig(), full.size)
    assert score.jaccard < CFG.jaccard_threshold and score.containment >= CFG.containment_threshold
    assert verify(half, full, CFG)
    assert any(k in band_keys(full, CFG) for k in band_keys(half, CFG))
    edited = fingerprint("e", "", None, a.replace(" the ", " a ", 3), CFG, hasher)
    assert verify(edited, full, CFG)
    assert not verify(full, fingerprint("b", "", None, b, CFG, hasher), CFG)


def test_shared_boilerplate_longer_than_the_articles_does_not_merge_them():
    originals = _originals()[:8]
    pitch = BOILERPLATE["newsletter"]
    # A site appends the pitch to every article: four long ones and four shorter than the pitch.
    bodies = [text if k < 4 else " ".join(text.split()[:20]) for k, (_, text) in enumerate(originals)]
    docs = [DocIn(oid, f"https://site.example/{oid}", _ts(k + 1), body + "\n" + pitch)
            for k, ((oid, _), body) in enumerate(zip(originals, bodies))]
    assert len(pitch.split()) > 4 * 20
    res = fold_duplicates(docs, CFG)
    assert all(v is None for v in res.dup_of.values()), res.dup_of
    assert res.boilerplate, "the pitch's sentences are judged boilerplate"
    # Without the boilerplate judgement the short ones would be folded: the test can fail.
    off = replace(CFG, boilerplate_min_docs=10_000)
    assert any(v is not None for v in fold_duplicates(docs, off).dup_of.values())


def test_copies_of_one_story_are_not_boilerplate_of_each_other():
    hasher = MinHasher(CFG.num_perm, CFG.seed)
    text = _originals()[0][1]
    holders = []
    for i, body in enumerate([text, text + "\nRead more at site.example", text[: len(text) * 2 // 3]]):
        fp = fingerprint(f"c{i}", "", None, body, CFG, hasher)
        holders.append((fp.article_id, fp.signature, fp.size))
    assert not is_boilerplate(holders, CFG)


def test_canonical_is_earliest_then_smallest_id_and_prior_canonicals_win():
    order = {"b": (_ts(1), "b"), "a": (_ts(2), "a"), "c": (_ts(1), "c"),
             "z": (datetime.max.replace(tzinfo=timezone.utc), "z")}
    dup = assign_canonicals([("a", "b"), ("b", "c"), ("c", "z")], order)
    assert dup == {"b": None, "a": "b", "c": "b", "z": "b"}
    # "a" was published as canonical by an earlier run: its row is not rewritten, new copies join it.
    dup = assign_canonicals([("a", "b")], order, fixed={"a": None})
    assert dup == {"a": None, "b": "a", "c": None, "z": None}


def test_syndication_set_pair_f1():
    docs, family = build_syndication_set(distinct_originals(_originals()), seed=0, copies_per=3,
                                         boiler_groups=2, boiler_members=4)
    kinds = {d.article_id for d in docs if "~" in d.article_id}
    assert len(kinds) >= 30
    p, r, f = pair_scores(fold_duplicates(docs, CFG).dup_of, family)
    assert p >= 0.95 and r >= 0.9 and f >= 0.95, (p, r, f)


def test_split_run_with_prior_folds_as_one_run():
    docs, _ = build_syndication_set(distinct_originals(_originals())[:10], seed=1, copies_per=3,
                                         boiler_groups=1, boiler_members=3)
    docs = sorted(docs, key=lambda d: (d.published_at, d.article_id))
    one = fold_duplicates(docs, CFG).dup_of
    half = len(docs) // 2
    first = fold_duplicates(docs[:half], CFG)
    second = fold_duplicates(docs[half:], CFG, prior=first.rows, prior_boilerplate=first.boilerplate)
    assert {**first.dup_of, **second.dup_of} == one
    assert any(v in first.dup_of for v in second.dup_of.values() if v), "a copy in run 2 points into run 1"


def test_seeds_are_not_copies_of_each_other():
    docs = [DocIn(f.stem, f.absolute().as_uri(), None, f.read_text(encoding="utf-8"))
            for f in sorted((ROOT / "seeds").glob("*.txt"))]
    assert len(docs) == 5
    assert all(v is None for v in fold_duplicates(docs, CFG).dup_of.values())


def test_a_fingerprint_pickles_small_and_whole_and_orders_as_its_time():
    import pickle
    from datetime import datetime, timedelta, timezone

    from transforms.core.dedup import Fingerprint
    times = [None, datetime(2025, 1, 1, 3, 4, 5, 123456, tzinfo=timezone.utc),
             datetime(2025, 1, 1, 5, tzinfo=timezone(timedelta(hours=3))), datetime(1800, 5, 5, tzinfo=timezone.utc)]
    fps = [Fingerprint(f"a{i}", t, "0" * 32, "example.com/a", b"\x01" * 512, 300) for i, t in enumerate(times)]
    for fp in fps:
        back = pickle.loads(pickle.dumps(fp, protocol=5))
        assert back == fp and repr(back.published_at) == repr(fp.published_at)
    # a UTC time travels as an integer, not as a pickled datetime with its zone
    assert len(pickle.dumps(fps[1], protocol=5)) < len(pickle.dumps(fps[1].published_at, protocol=5)) + 600
    # earliest first (02:00 UTC for the +03:00 one), the 1800 one before them, undated last
    order = sorted(fps, key=lambda f: f.order_key())
    assert [f.article_id for f in order] == ["a3", "a2", "a1", "a0"]
