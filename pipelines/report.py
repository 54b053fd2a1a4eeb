"""``claimwire report``: one self-contained HTML page about the published output.

Everything comes from DuckDB over the published datasets (``pipelines.query.connect``).
The page needs no network to view: CSS is inline and the charts are inline SVG
drawn here (a few rectangles and labels do not justify a dependency that might
pull scripts from a CDN). Every value read from the data is HTML-escaped.
The page holds no wall-clock time of its own, so the same output gives the same page.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

from pipelines.query import connect

REPORT_FILE = "report.html"
TOP_STORIES = 10           # rows of the largest-stories table
STORY_DETAILS = 5          # stories whose claims are shown
CLAIMS_PER_LIST = 5        # most corroborated / most disputed claims per story
EVIDENCE_PER_CLAIM = 6     # outlets quoted under one claim
RUNS_IN_CHART = 40
TOP_SOURCES = 20

COLORS = {"articles": "#2b6cb0", "failures": "#c53030", "claims": "#2f855a", "dup": "#b7791f"}

CSS = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans", sans-serif;
       margin: 0; color: #1a202c; background: #f7fafc; }
header { background: #1a365d; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; opacity: .85; }
main { padding: 8px 32px 40px; max-width: 1200px; }
section { background: #fff; border: 1px solid #e2e8f0; border-radius: 6px; padding: 12px 18px; margin: 16px 0; }
h2 { font-size: 18px; margin: 4px 0 10px; color: #1a365d; }
h3 { font-size: 15px; margin: 14px 0 6px; }
h4 { font-size: 13px; margin: 10px 0 4px; color: #4a5568; text-transform: uppercase; letter-spacing: .03em; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px; }
th, td { border-bottom: 1px solid #edf2f7; padding: 4px 8px; text-align: start; vertical-align: top; }
th { background: #edf2f7; font-weight: 600; }
td.n, th.n { text-align: end; font-variant-numeric: tabular-nums; white-space: nowrap; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { border: 1px solid #e2e8f0; border-radius: 6px; padding: 8px 14px; min-width: 110px; background: #f7fafc; }
.card b { display: block; font-size: 22px; }
.card span { color: #4a5568; font-size: 12px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
.muted { color: #718096; }
.tag { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px; }
.disputed { background: #fed7d7; color: #822727; }
.agreed { background: #c6f6d5; color: #22543d; }
.evidence { color: #2d3748; }
.story { border-top: 2px solid #e2e8f0; margin-top: 14px; }
svg { max-width: 100%; height: auto; }
svg text { font: 12px system-ui, "Noto Sans", "DejaVu Sans", sans-serif; fill: #2d3748; }
.legend i { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; }
code { font-size: 12px; background: #edf2f7; padding: 0 3px; border-radius: 3px; }
"""


def esc(value: Any) -> str:
    """HTML-escape anything read from the data (quotes too: values also land in attributes)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = ", ".join("" if v is None else str(v) for v in value)
    return html.escape(str(value), quote=True)


def short(value: Any, limit: int) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def num(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}" if not value.is_integer() else f"{int(value):,}"
    return f"{value:,}"


def pct(part: float | None, whole: float | None) -> str:
    if not whole:
        return "–"
    return f"{100.0 * (part or 0) / whole:.1f}%"


def plural(n: Any, word: str) -> str:
    return word if n == 1 else word + "s"


def when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") + (" UTC" if value.tzinfo else "")
    return "" if value is None else str(value)


# ---------------------------------------------------------------- charts (inline SVG)

def hbar_chart(items: Sequence[tuple[str, float]], *, title: str, color: str = COLORS["articles"],
               width: int = 560, label_width: int = 170) -> str:
    """Horizontal bars, one per (label, value); labels and titles escaped."""
    if not items:
        return '<p class="muted">(no data)</p>'
    bar_h, gap, top = 18, 6, 8
    height = top + len(items) * (bar_h + gap) + 4
    plot = width - label_width - 60
    top_value = max(v for _, v in items) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}"><title>{esc(title)}</title>']
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_h + gap)
        w = max(1.0, plot * value / top_value) if value else 0.0
        parts.append(f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end">{esc(short(label, 26))}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}" rx="2">'
                     f'<title>{esc(label)}: {esc(num(value))}</title></rect>')
        parts.append(f'<text x="{label_width + w + 4:.1f}" y="{y + 13}">{esc(num(value))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def runs_chart(runs: Sequence[dict], *, width: int = 1080, height: int = 240) -> str:
    """Articles and failures per run, runs in time order (oldest left); one pair of bars per run."""
    if not runs:
        return '<p class="muted">(no runs)</p>'
    left, right, top, bottom = 50, 10, 12, 58
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = count_ticks(max(max(r["articles"] or 0, r["failures"] or 0) for r in runs))
    top_value = ticks[-1]
    slot = plot_w / len(runs)
    bar_w = max(2.0, min(24.0, slot * 0.38))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="runs over time">'
             '<title>articles and failures per run</title>']
    for v in ticks:     # counts: whole numbers only
        y = top + plot_h - plot_h * v / top_value
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e2e8f0"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{v:,}</text>')
    every = max(1, math.ceil(len(runs) / 12))
    for i, r in enumerate(runs):
        x0 = left + i * slot + slot / 2
        for j, key in enumerate(("articles", "failures")):
            v = r[key] or 0
            h = plot_h * v / top_value
            x = x0 - bar_w + j * bar_w
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                         f'fill="{COLORS[key]}"><title>{esc(r["run_id"])} {key}: {esc(num(v))}</title></rect>')
        if i % every == 0:
            label = r["started_at"].strftime("%m-%d %H:%M") if isinstance(r["started_at"], datetime) else ""
            parts.append(f'<text x="{x0:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{esc(label)}</text>')
            parts.append(f'<text x="{x0:.1f}" y="{top + plot_h + 30}" text-anchor="middle" '
                         f'class="muted">{esc(short(r["run_id"], 10))}</text>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#a0aec0"/>')
    parts.append("</svg>")
    legend = ('<div class="legend muted">'
              f'<i style="background:{COLORS["articles"]}"></i>articles'
              f'<i style="background:{COLORS["failures"]}"></i>failures</div>')
    return "".join(parts) + legend


# ---------------------------------------------------------------- tables

@dataclass(frozen=True)
class Col:
    key: str
    title: str
    numeric: bool = False
    limit: int = 0           # truncate long text to this many characters (0: never)


def table(rows: Iterable[dict], cols: Sequence[Col], empty: str = "(none)") -> str:
    rows = list(rows)
    if not rows:
        return f'<p class="muted">{esc(empty)}</p>'
    head = "".join(f'<th class="n">{esc(c.title)}</th>' if c.numeric else f"<th>{esc(c.title)}</th>"
                   for c in cols)
    body = []
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c.key)
            if c.numeric:
                cells.append(f'<td class="n">{esc(num(v))}</td>')
            else:
                text = when(v) if isinstance(v, datetime) else v
                if c.limit:
                    text = short(", ".join(map(str, text)) if isinstance(text, list) else text, c.limit)
                cells.append(f'<td dir="auto">{esc(text)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


# ---------------------------------------------------------------- data

def _rows(con, sql: str, params: Sequence[Any] = ()) -> list[dict]:
    rel = con.execute(sql, list(params))
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, r)) for r in rel.fetchall()]


SITE_OF_INPUT = r"lower(regexp_extract(input, '^[A-Za-z][A-Za-z0-9+.-]*://(?:www\.)?([^/:?#@]+)', 1))"

QUERIES = {
    "totals": """
        SELECT 'articles' AS dataset, count(*) AS rows FROM articles UNION ALL
        SELECT 'claims', count(*) FROM claims UNION ALL
        SELECT 'stories', count(*) FROM stories UNION ALL
        SELECT 'story_claims', count(*) FROM story_claims UNION ALL
        SELECT 'failures', count(*) FROM failures UNION ALL
        SELECT 'runs', count(*) FROM runs""",
    "runs": """
        SELECT run_id, attempt, command, status, started_at, finished_at,
               date_diff('millisecond', started_at, finished_at) / 1000.0 AS seconds,
               inputs, articles, claims, failures, articles_added
        FROM runs WHERE command <> 'compact' ORDER BY serial DESC LIMIT ?""",
    "stage_counts": """
        WITH last AS (SELECT run_id, stage_counts FROM runs WHERE command <> 'compact'
                      ORDER BY serial DESC LIMIT 1),
             sc AS (SELECT unnest(stage_counts, recursive := true) FROM last)
        SELECT stage,
               sum(count) FILTER (WHERE outcome = 'in') AS "in",
               sum(count) FILTER (WHERE outcome = 'out') AS "out",
               sum(count) FILTER (WHERE outcome = 'failed') AS failed,
               string_agg(outcome || '=' || count, ', ' ORDER BY outcome)
                   FILTER (WHERE outcome NOT IN ('in', 'out', 'failed')) AS other
        FROM sc GROUP BY stage
        ORDER BY CASE stage WHEN 'read' THEN 0 WHEN 'fetch' THEN 1 WHEN 'extract' THEN 2
                 WHEN 'language' THEN 3 WHEN 'dedup' THEN 4 WHEN 'stories' THEN 5 WHEN 'claims' THEN 6
                 WHEN 'summarise' THEN 7 WHEN 'sink' THEN 8 ELSE 9 END, stage""",
    "languages": """
        SELECT lang, count(*) AS articles, count(*) - count(dup_of) AS canonical, count(dup_of) AS duplicates
        FROM articles GROUP BY lang ORDER BY articles DESC, lang""",
    "sources": f"""
        WITH a AS (
            SELECT coalesce(nullif(source, ''), '(unknown)') AS source, count(*) AS articles,
                   count(dup_of) AS duplicates,
                   count(*) FILTER (WHERE coalesce(char_count, length(text), 0) = 0) AS empty_articles,
                   median(char_count) AS median_chars,
                   string_agg(DISTINCT lang, ', ' ORDER BY lang) AS languages
            FROM articles GROUP BY 1),
        f AS (
            SELECT coalesce(nullif({SITE_OF_INPUT}, ''), '(unknown)') AS source, count(*) AS failures,
                   count(*) FILTER (WHERE reason IN ('empty', 'no_text')) AS empty_failures,
                   count(*) FILTER (WHERE stage = 'fetch') AS fetch_failures
            FROM failures GROUP BY 1)
        SELECT coalesce(a.source, f.source) AS source, coalesce(a.articles, 0) AS articles,
               coalesce(a.duplicates, 0) AS duplicates,
               coalesce(a.empty_articles, 0) + coalesce(f.empty_failures, 0) AS empty_extractions,
               coalesce(f.fetch_failures, 0) AS fetch_failures, coalesce(f.failures, 0) AS failures,
               a.median_chars, coalesce(a.languages, '') AS languages
        FROM a FULL OUTER JOIN f ON a.source = f.source
        ORDER BY articles DESC, failures DESC, source LIMIT ?""",
    "failures": """
        SELECT stage, reason, count(*) AS n, min(input) AS example_input,
               arg_min(detail, input) AS example_detail
        FROM failures GROUP BY stage, reason ORDER BY n DESC, stage, reason""",
    "stories": """
        SELECT story_id, title, article_count, source_count, languages, first_published_at, last_published_at
        FROM stories ORDER BY article_count DESC, source_count DESC, story_id LIMIT ?""",
    "corroborated": """
        SELECT story_id, claim_key, claim_keys, kind, unit, article_count, source_count, languages, "values",
               disputed, dispute_detail, example, first_published_at, first_article_id
        FROM story_claims WHERE story_id = ? AND NOT coalesce(disputed, false)
        ORDER BY source_count DESC, article_count DESC, len(languages) DESC, claim_key LIMIT ?""",
    "disputed": """
        SELECT story_id, claim_key, claim_keys, kind, unit, article_count, source_count, languages, "values",
               disputed, dispute_detail, example, first_published_at, first_article_id
        FROM story_claims WHERE story_id = ? AND disputed
        ORDER BY source_count DESC, article_count DESC, len("values") DESC, claim_key LIMIT ?""",
    "evidence": """
        SELECT coalesce(nullif(source, ''), '(unknown)') AS source, nullif(source, '') AS outlet, lang, value,
               unit, claimant, evidence, published_at, article_id, claim_key
        FROM claims WHERE story_id = ? AND list_contains(?, claim_key)
        QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY char_start, claim_id) = 1
        ORDER BY published_at NULLS LAST, source, article_id LIMIT ?""",
}


def collect(output: str) -> dict[str, Any]:
    """Every figure the page shows, as plain Python values (the tests read this too)."""
    con = connect(output)
    data: dict[str, Any] = {
        "totals": {r["dataset"]: r["rows"] for r in _rows(con, QUERIES["totals"])},
        "runs": list(reversed(_rows(con, QUERIES["runs"], [RUNS_IN_CHART]))),
        "stage_counts": [],
        "languages": _rows(con, QUERIES["languages"]),
        "sources": _rows(con, QUERIES["sources"], [TOP_SOURCES]),
        "failures": _rows(con, QUERIES["failures"]),
        "stories": _rows(con, QUERIES["stories"], [TOP_STORIES]),
    }
    if data["runs"]:   # an unpublished runs view has no struct column to unnest
        data["stage_counts"] = _rows(con, QUERIES["stage_counts"])
    for s in data["sources"]:
        s["duplicate_rate"] = pct(s["duplicates"], s["articles"])
        attempts = s["articles"] + s["failures"]
        s["success_rate"] = pct(s["articles"], attempts)
    details = []
    labels = _labels()
    for story in data["stories"][:STORY_DETAILS]:
        lists = {}
        for kind in ("corroborated", "disputed"):
            # every row of the story: the sides of one dispute are several rows, grouped below
            claims = _rows(con, QUERIES[kind], [story["story_id"], _ALL])
            for c in claims:
                # a matched claim gathers the members' own keys (outlets and languages word it differently)
                keys = list(c.get("claim_keys") or [c["claim_key"]])
                c["evidence"] = _rows(con, QUERIES["evidence"], [c["story_id"], keys, _ALL])
            lists[kind] = claim_cards(claims, labels)[:CLAIMS_PER_LIST]
        details.append({"story": story, **lists})
    data["details"] = details
    from pipelines.delta import OutputTables
    data["tables"] = [{"dataset": name, "schema": (dt.metadata().description or "").replace("claimwire ", ""),
                       "version": dt.version(), "files": len(dt.file_uris()), "rows": data["totals"].get(name)}
                      for name, dt in sorted(OutputTables(output).pinned().items())]
    return data


_ALL = 1_000_000      # "no limit" for a parameterised LIMIT


def _labels():
    from transforms.core.config import CONFIGS_DIR
    from transforms.core.labels import Labels
    return Labels.load(CONFIGS_DIR)


def dispute_key(claim_key: str) -> str:
    """The key shared by every side of one dispute: a claim key without its ``=value``."""
    return claim_key.split("=", 1)[0]


def _says(row: dict, labels) -> str:
    """What one piece of evidence says: the value its claim key commits to, or its number."""
    key = row.get("claim_key") or ""
    if "=" in key:
        return labels.label(key.split("=", 1)[1])
    value = row.get("value")
    return num(value) if value is not None else ""


def claim_cards(rows: Sequence[dict], labels) -> list[dict]:
    """story_claims rows (each with its ``evidence``) -> one card per claim or per dispute.

    The sides of a dispute (Su-30MK2 vs Su-20MK2) are separate story_claims rows with one
    ``dispute_key``: they make one card with every side's evidence. An article is listed once
    per card (with every value it gives), and the card's counts are those of its rows.
    """
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(dispute_key(r["claim_key"]) if r.get("disputed") else r["claim_key"], []).append(r)
    cards = []
    for key, members in groups.items():
        by_article: dict[str, dict] = {}
        for m in members:
            for e in m["evidence"]:
                says = _says(e, labels)
                got = by_article.get(e["article_id"])
                if got is None:
                    by_article[e["article_id"]] = {**e, "says": says}
                elif says and says not in got["says"].split(", "):
                    got["says"] = ", ".join(x for x in (got["says"], says) if x)
        evidence = sorted(by_article.values(), key=lambda e: (e["published_at"] is None, e["published_at"] or 0,
                                                               e["source"], e["article_id"]))
        outlets = {e["outlet"] or f"unknown:{e['article_id']}" for e in evidence}
        sides: dict[str, set[str]] = {}
        for e in evidence:
            for said in (e["says"].split(", ") if e["says"] else []):
                sides.setdefault(said, set()).add(e["outlet"] or f"unknown:{e['article_id']}")
        side_list = sorted(sides.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        values = [labels.label(v) for m in members for v in (m.get("values") or [])]
        first = min(members, key=lambda m: (m["first_published_at"] is None, m["first_published_at"] or 0))
        first_ev = next((e for e in evidence if e["article_id"] == first["first_article_id"]), None)
        cards.append({
            "claim_key": key, "claim_keys": [m["claim_key"] for m in members],
            "kind": members[0]["kind"], "unit": members[0]["unit"],
            "disputed": bool(members[0].get("disputed")),
            "article_count": len(evidence), "source_count": len(outlets),
            "languages": sorted({lang for m in members for lang in (m.get("languages") or [])}),
            "values": list(dict.fromkeys(values)),
            "sides": [{"says": said, "outlets": len(o)} for said, o in side_list],
            "example": next((m.get("example") for m in members if m.get("example")), None),
            "first_published_at": first["first_published_at"],
            "first_source": first_ev["source"] if first_ev else None,
            "evidence": evidence,
        })
    cards.sort(key=lambda c: (-c["source_count"], -c["article_count"], -len(c["languages"]), c["claim_key"]))
    return cards


def count_ticks(top: float, most: int = 5) -> list[int]:
    """Integer ticks from 0 covering ``top``, at most ``most`` of them, on a 1-2-5 step."""
    top = max(1, math.ceil(top))
    step = 1
    while True:
        for mult in (1, 2, 5):
            s = step * mult
            if math.ceil(top / s) + 1 <= most:
                return [s * k for k in range(math.ceil(top / s) + 1)]
        step *= 10


# ---------------------------------------------------------------- page

def _claim_block(c: dict) -> str:
    tag = ('<span class="tag disputed">disputed</span>' if c["disputed"]
           else '<span class="tag agreed">agreed</span>')
    if c["disputed"]:
        said = [s["says"] for s in c["sides"]] if len(c["sides"]) > 1 else c["values"]
        what = f'<b dir="auto">{esc(" vs ".join(said) + (" " + c["unit"] if c["unit"] else ""))}</b>'
        split = " · ".join(f'{esc(s["says"])}: {esc(num(s["outlets"]))} {plural(s["outlets"], "outlet")}'
                           for s in c["sides"])
    else:
        what = f'<b>{esc(c["kind"])}</b>{" · " + esc(c["unit"]) if c["unit"] else ""}'
        if c["values"]:
            what += f' · <b dir="auto">{esc(", ".join(c["values"]))}</b>'
        split = ""
    first = " ".join(x for x in (when(c["first_published_at"]), c["first_source"] or "") if x)
    head = (f'<p>{tag} {what} · <b>{esc(num(c["source_count"]))}</b> {plural(c["source_count"], "outlet")}, '
            f'{esc(num(c["article_count"]))} {plural(c["article_count"], "article")}, '
            f'languages {esc(c["languages"])}'
            + (f' · {split}' if split else "")
            + (f'<br><span class="evidence" dir="auto">“{esc(short(c["example"], 200))}”</span>' if c["example"] else "")
            + (f'<br><span class="muted">first: {esc(first)}</span>' if first else "")
            + "</p>")
    shown = c["evidence"][:EVIDENCE_PER_CLAIM]
    ev = table(shown, [Col("source", "outlet"), Col("lang", "lang"), Col("says", "says"),
                       Col("claimant", "claimant", limit=40), Col("evidence", "evidence", limit=300),
                       Col("published_at", "published")], empty="(no evidence rows)")
    more = len(c["evidence"]) - len(shown)
    return head + ev + (f'<p class="muted">… and {more} more {plural(more, "article")}</p>' if more > 0 else "")


def render(data: dict[str, Any], output: str | Path) -> str:
    totals = data["totals"]
    runs = data["runs"]
    last = runs[-1] if runs else None
    as_of = (f'last run <b>{esc(last["run_id"])}</b> ({esc(last["command"])}) finished '
             f'{esc(when(last["finished_at"]))}' if last else "no run published yet")
    cards = "".join(f'<div class="card"><b>{esc(num(totals.get(k, 0)))}</b><span>{esc(k)}</span></div>'
                    for k in ("articles", "claims", "stories", "story_claims", "failures", "runs"))
    ds_rows = data["tables"]
    sections = []
    sections.append(
        '<section id="overview"><h2>Overview</h2>'
        f'<div class="cards">{cards}</div>'
        '<h4>Delta tables (as of the last committed run)</h4>'
        + table(ds_rows, [Col("dataset", "dataset"), Col("schema", "schema"), Col("version", "version"),
                          Col("files", "files", True), Col("rows", "rows", True)])
        + "</section>")
    # A panel with nothing to show says so once, not once per chart and table.
    sections.append(
        '<section id="runs"><h2>Runs over time</h2>'
        + (runs_chart(runs)
           + table(list(reversed(runs)), [Col("run_id", "run"), Col("command", "command"), Col("status", "status"),
                                          Col("started_at", "started"), Col("seconds", "seconds", True),
                                          Col("inputs", "inputs", True), Col("articles", "articles", True),
                                          Col("claims", "claims", True), Col("failures", "failures", True),
                                          Col("articles_added", "added", True)])
           + '<h3>Records per stage, last run</h3>'
           + table(data["stage_counts"], [Col("stage", "stage"), Col("in", "in", True), Col("out", "out", True),
                                          Col("failed", "failed", True), Col("other", "other counters")])
           if runs else '<p class="muted">(no runs)</p>')
        + "</section>")
    langs = data["languages"]
    srcs = data["sources"]
    sections.append(
        '<section id="articles"><h2>Articles by language and source</h2>'
        + ('<div class="grid"><div><h3>Languages</h3>'
           + hbar_chart([(r["lang"] or "und", r["articles"]) for r in langs], title="articles by language")
           + table(langs, [Col("lang", "lang"), Col("articles", "articles", True),
                           Col("canonical", "canonical", True), Col("duplicates", "duplicates", True)])
           + '</div><div><h3>Sources</h3>'
           + hbar_chart([(r["source"], r["articles"]) for r in srcs if r["articles"]], title="articles by source",
                        color=COLORS["claims"])
           + "</div></div>" if langs else '<p class="muted">(no articles)</p>')
        + "</section>")
    sections.append(
        '<section id="quality"><h2>Quality per source</h2>'
        '<p class="muted">Failures are attributed to a source by the host of their input URL; '
        'local files have no host and count under (unknown). Success rate: articles / (articles + failures).</p>'
        + table(srcs, [Col("source", "source"), Col("articles", "articles", True),
                       Col("failures", "failures", True), Col("fetch_failures", "fetch failures", True),
                       Col("success_rate", "success"), Col("empty_extractions", "empty extractions", True),
                       Col("duplicates", "duplicates", True), Col("duplicate_rate", "duplicate rate"),
                       Col("median_chars", "median chars", True), Col("languages", "languages")])
        + "</section>")
    fails = data["failures"]
    sections.append(
        '<section id="failures"><h2>Failures by stage and reason</h2>'
        + (hbar_chart([(f'{r["stage"]} / {r["reason"]}', r["n"]) for r in fails], title="failures by reason",
                      color=COLORS["failures"], width=700, label_width=260)
           + table(fails, [Col("stage", "stage"), Col("reason", "reason"), Col("n", "count", True),
                           Col("example_input", "example input", limit=80),
                           Col("example_detail", "detail", limit=120)])
           if fails else '<p class="muted">(no failures)</p>')
        + "</section>")
    sections.append(
        '<section id="stories"><h2>Largest stories</h2>'
        + table(data["stories"], [Col("title", "title", limit=90), Col("article_count", "articles", True),
                                  Col("source_count", "outlets", True), Col("languages", "languages"),
                                  Col("first_published_at", "first published"),
                                  Col("last_published_at", "last published"), Col("story_id", "story")])
        + "</section>")
    blocks = []
    for d in data["details"]:
        s = d["story"]
        blocks.append(
            f'<div class="story"><h3 dir="auto">{esc(short(s["title"], 140)) or esc(s["story_id"])}</h3>'
            f'<p class="muted">{esc(num(s["article_count"]))} {plural(s["article_count"], "article")} · '
            f'{esc(num(s["source_count"]))} {plural(s["source_count"], "outlet")} · '
            f'{esc(s["languages"])} · <code>{esc(s["story_id"])}</code></p>'
            '<h4>Most corroborated claims (outlets agree)</h4>'
            + ("".join(_claim_block(c) for c in d["corroborated"]) or '<p class="muted">(no agreed claims)</p>')
            + '<h4>Most disputed claims</h4>'
            + ("".join(_claim_block(c) for c in d["disputed"]) or '<p class="muted">(no disputed claims)</p>')
            + "</div>")
    sections.append('<section id="claims"><h2>Claims of the largest stories</h2>'
                    + ("".join(blocks) or '<p class="muted">(no stories)</p>') + "</section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>claimwire report</title><style>{CSS}</style></head><body>"
            f"<header><h1>claimwire report</h1><p>{esc(str(output))} · {as_of}</p></header>"
            f"<main>{''.join(sections)}</main></body></html>\n")


def write_report(output: str | Path) -> str:
    """Write ``output/report.html`` (atomically on local disk; one PUT on object storage); returns its path."""
    from pipelines.delta import is_url, join, normalise_output, put
    url = normalise_output(output)
    page = render(collect(url), url)
    if is_url(url):
        put(join(url, REPORT_FILE), page.encode("utf-8"))
        return join(url, REPORT_FILE)
    path = Path(url) / REPORT_FILE
    tmp = path.with_name(REPORT_FILE + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return str(path)
