"""End to end: replay seeds/ (plus bad inputs) through the CLI and read the datasets with DuckDB."""
import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main


def _hashes(out: Path) -> dict[str, str]:
    """Each table's committed rows and Delta version: a rerun that adds nothing changes neither."""
    from deltalake import DeltaTable
    from pipelines.delta import read_dataset
    got = {}
    for ds in ("articles", "claims", "stories", "story_claims", "failures"):
        rows = sorted(repr(sorted(r.items())) for r in read_dataset(out, ds).to_pylist())
        got[ds] = (hashlib.sha1("\n".join(rows).encode()).hexdigest(), DeltaTable(str(out / ds)).version())
    return got


@pytest.fixture(scope="module")
def replayed(tmp_path_factory, seeds_dir):
    root = tmp_path_factory.mktemp("e2e")
    inputs = root / "inputs"
    shutil.copytree(seeds_dir, inputs / "seeds")
    bad = inputs / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    (bad / "junk.html").write_bytes(bytes(range(256)) * 4)
    (bad / "records.jsonl").write_text(
        '{"url": "https://example.org/x", "text": "The city council approved a budget of 12 million euros '
        'for new bicycle lanes on Tuesday, the mayor said.", "lang": "en", "source": "example.org"}\n'
        '{broken\n{"text": "no url"}\n{"url": "https://example.org/y", "text": "ok"}\n')
    out = root / "output"
    assert main(["replay", str(inputs), "--output", str(out), "--quiet"]) == 0
    return out, inputs


def q(out: Path, sql: str):
    from deltalake import DeltaTable
    con = duckdb.connect()
    for ds in ("articles", "claims", "stories", "story_claims", "failures", "runs"):
        con.register(ds, DeltaTable(str(out / ds)).to_pyarrow_dataset())
    con.execute("SET disabled_optimizers = 'filter_pushdown'")    # see pipelines/query.py
    return con.sql(sql).fetchall()


def test_five_articles_in_three_languages(replayed):
    out, _ = replayed
    langs = q(out, "SELECT lang FROM articles WHERE url LIKE '%/seeds/%' ORDER BY lang")
    assert sorted(l for (l,) in langs) == ["en", "en", "en", "fa", "vi"]


def test_persian_text_is_clean_and_dated(replayed):
    out, _ = replayed
    ((text, published),) = q(out, "SELECT text, published_at FROM articles WHERE lang = 'fa'")
    for debris in ("دیدگاه خوانندگان", "MrJason", "شاهزاده رضا پهلوی", "نظر شما چیست", "رأی دهید", "+385"):
        assert debris not in text
    assert "فرانسیسکو مونالدی" in text            # a real paragraph near the end survives
    assert published.date().isoformat() == "2025-10-31"


def test_every_article_has_claims_with_true_offsets(replayed):
    out, _ = replayed
    rows = q(out, """SELECT a.article_id, count(c.claim_id),
                            bool_and(substr(a.text, c.char_start + 1, c.char_end - c.char_start) = c.evidence)
                     FROM articles a LEFT JOIN claims c USING (article_id)
                     WHERE a.url LIKE '%/seeds/%' GROUP BY 1""")
    assert len(rows) == 5
    for article_id, n, ok in rows:
        assert n > 0 and ok, article_id


def test_seed_story_and_claims(replayed):
    out, _ = replayed
    (n_stories,) = q(out, "SELECT count(DISTINCT story_id) FROM articles WHERE url LIKE '%/seeds/%'")[0]
    assert n_stories == 1
    assert q(out, "SELECT count(*) FROM articles WHERE url LIKE '%/seeds/%' AND dup_of IS NOT NULL") == [(0,)]
    killed = q(out, """SELECT count(DISTINCT c.lang) FROM claims c
                       WHERE c.kind = 'quantity' AND c.value = 61 AND c.unit = 'death'""")
    assert killed == [(3,)]
    keys = q(out, "SELECT count(DISTINCT claim_key) FROM claims WHERE kind = 'quantity' AND value = 61 AND unit = 'death'")
    assert keys == [(1,)]


def test_bad_inputs_are_failures_and_good_ones_survive(replayed):
    out, _ = replayed
    fails = {(Path(i).name, r) for i, r in q(out, "SELECT input, reason FROM failures")}
    assert {("empty.txt", "empty"), ("junk.html", "binary"), ("records.jsonl:2", "bad_json"),
            ("records.jsonl:3", "missing_field")} <= fails
    assert ("records.jsonl:4", "no_text") in fails
    assert q(out, "SELECT source, lang FROM articles WHERE url = 'https://example.org/x'") == [("example.org", "en")]
    runs = q(out, "SELECT status, inputs, failures FROM runs")
    assert runs[0][0] == "completed" and runs[0][2] >= 4


def test_rerun_is_byte_identical_and_adds_no_rows(replayed):
    out, inputs = replayed
    before = _hashes(out)
    counts = q(out, "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM claims), "
                    "(SELECT count(*) FROM failures)")
    assert main(["replay", str(inputs), "--output", str(out), "--quiet"]) == 0
    assert _hashes(out) == before
    assert q(out, "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM claims), "
                  "(SELECT count(*) FROM failures)") == counts
    runs = q(out, "SELECT attempt, articles_added, claims_added, failures_added FROM runs ORDER BY serial")
    assert runs[0][0] == 1 and runs[0][1] > 0 and runs[-1][1:] == (0, 0, 0)   # the rerun's row says it added nothing


def test_nothing_but_parquet_and_the_delta_log_in_table_folders(replayed):
    out, _ = replayed
    for ds in ("articles", "claims", "stories", "story_claims", "failures", "runs"):
        stray = [p for p in (out / ds).rglob("*") if p.is_file() and p.suffix != ".parquet"
                 and "_delta_log" not in p.parts]
        assert stray == []
