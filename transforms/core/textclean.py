"""Plain-text articles: the seed header line, the title, and scraper debris.

Plain-text scrapes carry more than the article: view and comment counters,
reader comment threads, vote and login prompts, lists of other headlines.
None of it may reach claims. The cleaner decides from structure (lines that
are only numbers, runs of bullets, timestamps and "author - place" lines at
the end of a page, a comments heading followed by such lines) and from a
marker lexicon kept as data (``configs/debris.toml``). When unsure it keeps
a line: losing article text is worse than keeping a counter.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import tomllib

from transforms.core.dates import fast_normalize_digits as _digits
from transforms.core.dates import find_date_spans
from transforms.core.resources import configs_dir

CONFIG_DIR = configs_dir()

# A line at most this long may be a heading or a prompt; longer lines are prose.
_HEADING_MAX = 60
_PROMPT_MAX = 120
_TIMESTAMP_MAX = 60
# A prompt phrase this long also marks a short line that starts with it.
_PROMPT_PREFIX_MIN = 10
# A first line longer than this is a paragraph, not a title.
_TITLE_MAX = 300
# Fewer bullets than this are a list in the article, not a list of other headlines.
_HEADLINE_RUN_MIN = 3
# In a comment thread at least this share of the lines are authors, times, counters, prompts.
_SIGNAL_DENSITY = 0.3


# ---------------------------------------------------------------- seed header


@dataclass(frozen=True)
class SeedHeader:
    date: str | None   # "2025-11-01" as written, or None
    rest: str             # what follows the date on that line ("403", or a title), stripped
    body: str             # the text after the header line (the whole text when there is no header)


_HEADER = re.compile(r"\ufeff? date[ \t]+(\d{4}-\d{1,2}-\d{1,2})(?:[ \t]+([^\r\n]*))?[ \t]*")


def split_seed_header(text: str) -> SeedHeader:
    """Split the optional seed header line `` date YYYY-MM-DD <rest>`` off a plain text."""
    if not isinstance(text, str):
        return SeedHeader(None, "", "")
    first, nl, rest = text.partition("\n")
    m = _HEADER.fullmatch(first.rstrip("\r"))
    if m is None:
        return SeedHeader(None, "", text)
    return SeedHeader(m.group(1), (m.group(2) or "").strip(), rest if nl else "")


# ---------------------------------------------------------------- lexicon


_LEXICON_KEYS = frozenset({
    "comment_headings", "related_headings", "vote_prompts", "login_prompts", "share_prompts",
    "counter_words", "relative_time",
})
_PROMPT_KINDS = (("vote_prompts", "vote"), ("login_prompts", "login"), ("share_prompts", "share"))

_FOLD_TABLE = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "\u200c": "", "\u200d": "",
                             "\u0640": "", "\ufeff": ""})


# Combining marks of the scripts in the lexicons (Latin, Cyrillic, Hebrew, Arabic): regexes,
# because a per-character Python loop costs more than the rest of the cleaning together.
_MARKS = re.compile("[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f"
                    "\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
                    "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_NON_WORD = re.compile(r"[\W_]+")


def _fold(s: str) -> str:
    """Match key: no case, no diacritics, one spelling of Arabic-script letters, words only."""
    decomposed = unicodedata.normalize("NFD", s.casefold().translate(_FOLD_TABLE))
    return " ".join(_NON_WORD.sub(" ", _MARKS.sub("", decomposed)).split())


_DIGITS_RUN = re.compile(r"\d+")


def _heading_key(folded: str) -> str:
    """A heading's key: counts around it ("Comments (12)", "12 Comments") do not matter."""
    return " ".join(_DIGITS_RUN.sub(" ", folded).split())


@dataclass(frozen=True)
class DebrisLexicon:
    comment_headings: frozenset[str]
    related_headings: frozenset[str]
    prompts: tuple[tuple[str, str], ...]   # (folded phrase, kind), longest first
    counter_words: frozenset[str]
    relative_time: tuple[str, ...]

    @cached_property
    def prompt_kinds(self) -> dict[str, str]:
        return _prompt_index(self.prompts)

    @classmethod
    def load(cls, path: Path) -> DebrisLexicon:
        """Read ``debris.toml``; unknown keys and wrong types are errors naming the key."""
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        lists: dict[str, set[str]] = {k: set() for k in _LEXICON_KEYS}
        for lang, table in sorted(data.items()):
            if not isinstance(table, dict):
                raise ValueError(f"{path}: [{lang}] must be a table")  # noqa: TRY004
            unknown = set(table) - _LEXICON_KEYS
            if unknown:
                raise ValueError(f"{path}: [{lang}] unknown keys {sorted(unknown)}")
            for key, values in table.items():
                if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                    raise ValueError(f"{path}: [{lang}].{key} must be a list of strings")
                lists[key].update(f for f in (_fold(v) for v in values) if f)
        prompts = sorted(
            ((p, kind) for key, kind in _PROMPT_KINDS for p in lists[key]),
            key=lambda pk: (-len(pk[0]), pk),
        )
        return cls(
            comment_headings=frozenset(lists["comment_headings"]),
            related_headings=frozenset(lists["related_headings"]),
            prompts=tuple(prompts),
            counter_words=frozenset(lists["counter_words"]),
            relative_time=tuple(sorted(lists["relative_time"], key=lambda w: (-len(w), w))),
        )

    @classmethod
    def default(cls) -> DebrisLexicon:
        return _default_lexicon()


@lru_cache(maxsize=16)
def _prompt_index(prompts: tuple[tuple[str, str], ...]) -> dict[str, str]:
    index: dict[str, str] = {}
    for phrase, kind in prompts:
        index.setdefault(phrase, kind)
    return index


@lru_cache(maxsize=16)
def _prompt_prefixes(prompts: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    """One regex for "the line starts with a long prompt phrase" (one scan, not one per phrase)."""
    long_ones = [re.escape(p) for p, _ in prompts if len(p) >= _PROMPT_PREFIX_MIN]
    if not long_ones:
        return re.compile(r"(?!x)x")
    return re.compile("(" + "|".join(long_ones) + ") ")


@lru_cache(maxsize=1)
def _default_lexicon() -> DebrisLexicon:
    return DebrisLexicon.load(CONFIG_DIR / "debris.toml")


# ---------------------------------------------------------------- line kinds

_TEXT = "text"
_COUNTER = "counter"
_COMMENT_HEADING = "comment_heading"
_RELATED_HEADING = "related_heading"
_BULLET = "bullet"
_COUNTED = "counted"          # "+385Some headline": a counter glued to a title
_TIMESTAMP = "timestamp"
_AUTHOR = "author"            # "name - place", as above a reader comment

_NUMBER = r"[+\-]?\d{1,3}(?:[.,\u00a0 ]\d{3})*(?:[.,]\d+)?\s*[kKmMbB]?\+?"
_COUNTER_ONLY = re.compile(rf"{_NUMBER}|[+\-]?\d+(?:[.,]\d+)?\s*[kKmMbB]?\+?")
_COUNTER_WORDED = re.compile(
    rf"(?P<pre>[^\d]{{0,25}}?)\s*(?P<num>{_NUMBER})\s*(?P<post>[^\d]{{0,25}})")
_BULLET_RE = re.compile(r"[•·▪▫►▸◦‣○●■□◆◇➤→✓✔*\-–—]\s*\S")
_COUNTED_RE = re.compile(r"(?:[•·▪▫►▸◦‣○●■□◆◇➤→*\-–—]\s*)?\+\s?\d+\s*[^\W\d_]")
_TIME_RE = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)(?:\s*[AaPp]\.?[Mm]\.?)?")
# "Anna K. - Vienna", "Tom | Boston": a short name, a dash or bar, a short place.
_AUTHOR_RE = re.compile(r"[^\s.!?][^!?:]{0,45}?\s[-–—|]\s[^.!?:]{1,50}")
_TERMINAL = tuple(".!?…。！？؟:;\"'”»)")
_SENTENCE_END = tuple(".?…。？؟;\"'”»")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass
class _Block:
    text: str
    kind: str = _TEXT


def _is_counter(line: str, lex: DebrisLexicon) -> bool:
    if len(line) > 40:
        return False
    s = _digits(line).strip()
    if _COUNTER_ONLY.fullmatch(s):
        return True
    m = _COUNTER_WORDED.fullmatch(s)
    if m is None:
        return False
    words = [w for w in (_fold(m.group("pre")), _fold(m.group("post"))) if w]
    return len(words) == 1 and words[0] in lex.counter_words


def _prompt_kind(f: str, lex: DebrisLexicon) -> str | None:
    """The prompt kind of a line, given its folded form."""
    exact = lex.prompt_kinds.get(f)
    if exact is not None:
        return exact
    m = _prompt_prefixes(lex.prompts).match(f)
    return lex.prompt_kinds[m.group(1)] if m else None


def _is_timestamp(line: str, lex: DebrisLexicon) -> bool:
    """A short line that is a date and/or time of day, with next to no other words."""
    if len(line) > _TIMESTAMP_MAX or not any(ch.isdigit() for ch in line):
        return False
    norm = _digits(line)
    spans = find_date_spans(norm) + [m.span() for m in _TIME_RE.finditer(norm)]
    folded_rel = _fold(norm)
    has_relative = any(
        (" " + w + " ") in (" " + folded_rel + " ") for w in lex.relative_time
    )
    if not spans and not has_relative:
        return False
    keep = list(norm)
    for a, b in spans:
        keep[a:b] = [" "] * (b - a)
    rest = _fold("".join(keep))
    if has_relative:
        for w in lex.relative_time:
            rest = (" " + rest + " ").replace(" " + w + " ", " ").strip()
        # "2 hours ago": the unit word stays; allow one short word besides the cue.
        return len(_LETTER.findall(rest)) <= 8
    return len(_LETTER.findall(rest)) <= 3


def _classify(line: str, lex: DebrisLexicon) -> str:
    if _is_counter(line, lex):
        return _COUNTER
    if len(line) <= _PROMPT_MAX:
        folded = _fold(_digits(line))
        if len(line) <= _HEADING_MAX:
            key = _heading_key(folded)
            if key in lex.comment_headings:
                return _COMMENT_HEADING
            if key in lex.related_headings:
                return _RELATED_HEADING
        prompt = _prompt_kind(folded, lex)
        if prompt is not None:
            return prompt
    if _COUNTED_RE.match(_digits(line[:24])):
        return _COUNTED
    if _BULLET_RE.match(line):
        return _BULLET
    if _is_timestamp(line, lex):
        return _TIMESTAMP
    if len(line) <= 90 and not line.endswith(_TERMINAL) and _AUTHOR_RE.fullmatch(line):
        return _AUTHOR
    return _TEXT


# ---------------------------------------------------------------- cleaning


@dataclass(frozen=True)
class CleanText:
    title: str
    text: str                                 # main text, paragraphs joined by "\n\n"
    removed: tuple[tuple[str, str], ...]      # (kind, first 80 chars) per removed block


def _lines(body: str) -> list[str]:
    """Non-empty lines; a hard-wrapped line is joined to the line it continues."""
    out: list[str] = []
    prev_blank = True
    for raw in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.replace("\ufeff", "").strip()
        if not line:
            prev_blank = True
            continue
        if (out and not prev_blank and len(out[-1]) >= 30 and not out[-1].endswith(_TERMINAL)
                and line[0].islower() and not _BULLET_RE.match(out[-1])):
            out[-1] = out[-1] + " " + line
        else:
            out.append(line)
        prev_blank = False
    return out


_DEBRIS_KINDS = frozenset({_COUNTER, _TIMESTAMP, _AUTHOR, "vote", "login", "share",
                           _BULLET, _COUNTED})
_COMMENT_SIGNALS = frozenset({_COUNTER, _TIMESTAMP, _AUTHOR, "login", "vote"})


def _removal_kind(kind: str) -> str:
    if kind in (_BULLET, _COUNTED):
        return "headlines"
    if kind in (_TEXT, _AUTHOR, _TIMESTAMP, _COMMENT_HEADING):
        return "comments"
    if kind == _RELATED_HEADING:
        return "related"
    return kind


def _cut_comment_thread(blocks: list[_Block], removed: dict[int, str]) -> None:
    """A comments heading followed by comment-like lines: it and all after it are debris."""
    for i, b in enumerate(blocks):
        if b.kind != _COMMENT_HEADING or i in removed:
            continue
        # Lines already removed (counters, prompts) still show what follows is a thread.
        tail = [blocks[j].kind for j in range(i + 1, len(blocks))]
        comment_signals = sum(k in _COMMENT_SIGNALS for k in tail)
        debris_signals = sum(k in _DEBRIS_KINDS for k in tail)
        # Every comment brings an author, a time or a counter; an article section after a
        # "Discussion" subheading has at most a stray dateline among its paragraphs.
        dense = debris_signals >= _SIGNAL_DENSITY * len(tail)
        if not tail or (comment_signals >= 1 and debris_signals >= 2 and dense):
            for j in range(i, len(blocks)):
                removed.setdefault(j, _removal_kind(blocks[j].kind))
            return


def _cut_related_lists(blocks: list[_Block], removed: dict[int, str]) -> None:
    """A "related" heading and the short, unpunctuated lines (headlines) right after it."""
    for i, b in enumerate(blocks):
        if b.kind != _RELATED_HEADING or i in removed:
            continue
        run: list[int] = []
        for j in range(i + 1, len(blocks)):
            if j in removed:
                continue
            bj = blocks[j]
            if bj.kind in (_BULLET, _COUNTED) or (
                    bj.kind == _TEXT and len(bj.text) <= 150 and not bj.text.endswith(_TERMINAL)):
                run.append(j)
            else:
                break
        at_end = all(j in removed for j in range(i + 1, len(blocks)))
        if len(run) >= 2 or at_end:
            removed[i] = "related"
            for j in run:
                removed[j] = "headlines"


def _cut_headline_lists(blocks: list[_Block], removed: dict[int, str]) -> None:
    """Runs of bullets or counted titles at the end of the page (or made of counted titles)."""
    runs: list[list[int]] = []
    cur: list[int] = []
    for i, b in enumerate(blocks):
        if i in removed:
            continue
        if b.kind in (_BULLET, _COUNTED):
            cur.append(i)
        else:
            if cur:
                runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    for run in reversed(runs):
        counted = sum(blocks[i].kind == _COUNTED for i in run)
        after_kept = any(j not in removed for j in range(run[-1] + 1, len(blocks)))
        # Headlines rarely end in a full stop; dash-led dialogue and list sentences do.
        unpunctuated = sum(not blocks[i].text.endswith(_SENTENCE_END) for i in run)
        headline_like = unpunctuated * 3 >= len(run) * 2
        if (len(run) >= _HEADLINE_RUN_MIN and not after_kept and headline_like) or counted >= 2:
            for i in run:
                removed[i] = "headlines"


def _cut_comment_tail(blocks: list[_Block], removed: dict[int, str]) -> None:
    """Without a heading: a page that ends in timestamps and author lines ends in comments."""
    region: list[int] = []
    for i in range(len(blocks) - 1, -1, -1):
        b = blocks[i]
        if i in removed or b.kind in _DEBRIS_KINDS or (b.kind == _TEXT and len(b.text) < 200):
            region.append(i)
        else:
            break
    region.reverse()
    # The thread starts at the earliest signal line after which signals stay dense, so an
    # article of short paragraphs with a dateline and a byline near its top is not taken.
    for n, start in enumerate(region):
        if blocks[start].kind not in (_TIMESTAMP, _AUTHOR, _COUNTER):
            continue
        kinds = [blocks[i].kind for i in region[n:]]
        stamps = kinds.count(_TIMESTAMP)
        signals = sum(k in _DEBRIS_KINDS for k in kinds)
        # Timestamps alone are also how live blogs look: comments need authors or counters too.
        # One author and one time may be the article's own byline footer: two comments at least.
        if (stamps >= 2 and (kinds.count(_AUTHOR) >= 1 or kinds.count(_COUNTER) >= 2)
                and signals >= _SIGNAL_DENSITY * len(kinds)):
            for i in region[n:]:
                removed.setdefault(i, _removal_kind(blocks[i].kind))
            return


def _looks_like_title(s: str, lex: DebrisLexicon) -> bool:
    return bool(s) and bool(_LETTER.search(s)) and not _is_counter(s, lex)


def _first_sentence(s: str, limit: int = 200) -> str:
    m = re.search(r"[.!?。؟](?:\s|$)", s)
    cut = s[: m.end()].strip() if m else s
    return cut[:limit].rstrip()


def clean_plain_text(body: str, header_rest: str = "",
                     lexicon: DebrisLexicon | None = None) -> CleanText:
    """The title and main text of a plain-text article, with the debris removed and listed."""
    lex = lexicon if lexicon is not None else DebrisLexicon.default()
    if not isinstance(body, str):
        body = ""
    blocks = [_Block(line) for line in _lines(body)]
    for b in blocks:
        b.kind = _classify(b.text, lex)
    removed: dict[int, str] = {}

    header_rest = (header_rest or "").strip()
    title = ""
    title_index = -1   # the line the title was taken from: consumed, not debris
    if _looks_like_title(header_rest, lex):
        title = header_rest
    else:
        for i, b in enumerate(blocks):
            if b.kind == _COUNTER:
                continue
            if len(b.text) <= _TITLE_MAX:
                title = b.text
                title_index = i
                removed[i] = "title"
            else:
                title = _first_sentence(b.text)  # a lead paragraph: keep it in the text too
            break
    title_key = _fold(title)
    if len(title_key) >= 10:
        for i, b in enumerate(blocks):
            if (i not in removed and abs(len(b.text) - len(title)) <= len(title) // 4 + 4
                    and _fold(b.text) == title_key):
                removed[i] = "title"

    for i, b in enumerate(blocks):
        if b.kind in (_COUNTER, "vote", "login", "share"):
            removed.setdefault(i, b.kind)
    _cut_comment_thread(blocks, removed)
    _cut_related_lists(blocks, removed)
    _cut_headline_lists(blocks, removed)
    _cut_comment_tail(blocks, removed)

    kept = [b.text for i, b in enumerate(blocks) if i not in removed]
    debris = tuple(
        (kind, blocks[i].text[:80]) for i, kind in sorted(removed.items()) if i != title_index
    )
    return CleanText(title=title, text="\n\n".join(kept), removed=debris)
