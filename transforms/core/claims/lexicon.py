"""Per-language claim knowledge, read from ``configs/lexicons/<lang>.toml``.

Everything a rule needs to know about a language (cue verbs, counted nouns and
their concepts, scale words, number formats, quote marks) is data; this module
only validates it and compiles it into regular expressions once, so that a
``LangLexicon`` can be pickled to Beam workers and used without re-parsing.
"""
from __future__ import annotations

import bisect
from itertools import accumulate
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

# Concepts of time: the denominators of rates ("a month", "per hour") and the units of ages.
TIME_UNITS = frozenset({"year", "month", "week", "day", "hour", "minute", "second", "millisecond"})
# Words that join number words into one number ("twenty and one", "treinta y cinco", "vinte e cinco"); a
# lexicon adds its own (``glue_words``: Dutch "en", which in French means "in").
NUMBER_GLUE = ("and", "và", "y", "e", "et", "und", "و")
MODIFIERS = ("at_least", "about", "more_than", "up_to", "less_than")


class LexiconError(ValueError):
    """A lexicon file that does not follow the schema: names the file and key to fix."""


def _alternation(words: list[str], *, spaced: bool, suffix_ok: bool = False) -> str:
    """One regex alternation, longest first, with word boundaries where the script has them."""
    uniq = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    if not uniq:
        return r"(?!x)x"
    if not spaced:
        return "(?:" + "|".join(_flex(w) for w in uniq) + ")"
    items = []
    for w in uniq:
        body = _flex(w)
        # Symbols (%, $, °) glue to digits; only words need boundaries. Persian/Arabic attach
        # suffixes (ها, ی) to nouns, so there only the left edge is a boundary.
        # not preceded by a letter; a digit may precede ("10km", "200lbs", "10k")
        left = r"(?<![^\W\d_])" if re.match(r"\w", w) else ""
        right = r"(?!\w)" if re.search(r"\w$", w) and not suffix_ok else ""
        items.append(left + body + right)
    return "(?:" + "|".join(items) + ")"


def _flex(word: str) -> str:
    """Escape a lexicon phrase; any run of spaces (or a ZWNJ) in it matches any run of them."""
    parts = re.split(r"[\s\u200c]+", word.strip())
    return r"[\s\u200c]*".join(re.escape(p) for p in parts) if len(parts) > 1 else re.escape(word.strip())


def _prefix_pattern(surface: str) -> str:
    """A currency prefix, never the end of a word; wires may space a code from its symbol ("hk $ 10").

    One letter keeps its symbol glued: "a $ 5" is Spanish "a" (to) before dollars, not Australian. A word of a
    script without spaces has no word edge to keep ("支持率为百分之五十": 百分之 after another word)."""
    left = r"(?<![^\W\d_])" if surface[:1].isalpha() and not _unspaced_script(surface[:1]) else ""
    m = re.fullmatch(r"([a-z]{2,})([^\w\s.]+)", surface)
    return left + (re.escape(m.group(1)) + r"\s?" + re.escape(m.group(2)) if m else re.escape(surface))


def _unspaced_script(ch: str) -> bool:
    """Whether ``ch`` is Chinese, Japanese kana or Thai-like: written without spaces between words."""
    return "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or \
        "\u0e00" <= ch <= "\u0eff"


_PHRASE_WORD = re.compile(r"[^\W_]+")
_PHRASE_SPLIT = re.compile(r"([^\W_]+)")


@dataclass(frozen=True)
class PhraseMatch:
    s: int
    e: int
    phrase: str

    def start(self) -> int:
        return self.s

    def end(self) -> int:
        return self.e

    def group(self, _: int = 0) -> str:
        return self.phrase


@dataclass(frozen=True)
class PhraseIndex:
    """Word-phrase lookup by first word: far faster than one regex of hundreds of alternatives."""

    by_first: Mapping[str, tuple[tuple[str, ...], ...]]
    prefix_ok: bool          # the last word may carry a suffix (Persian گفت -> گفته‌اند)
    # no phrase starts in the second half of a hyphenated compound ("re-tweeting" holds no cue; a claimant
    # head may: "vice-president")
    whole_words: bool = False
    # the longest first word: a word with a suffix is looked up by its prefixes up to this length only, so
    # that a hostile 1 MB "word" costs its length, not its length squared
    longest_first: int = 0

    @classmethod
    def build(cls, phrases: list[str], prefix_ok: bool, whole_words: bool = False) -> "PhraseIndex":
        table: dict[str, list[tuple[str, ...]]] = {}
        for ph in set(phrases):
            words = tuple(_PHRASE_WORD.findall(ph.lower()))
            if words:
                table.setdefault(words[0], []).append(words)
        return cls({k: tuple(sorted(v, key=lambda w: (-len(w), w))) for k, v in table.items()}, prefix_ok,
                   whole_words, max(map(len, table), default=0))

    @staticmethod
    def tokens(folded: str, offset: int = 0) -> list[tuple[int, int, str]]:
        # split() and accumulate() run in C: three times faster than a Match object per word
        parts = _PHRASE_SPLIT.split(folded)
        ends = list(accumulate(map(len, parts), initial=offset))
        return list(zip(ends[1::2], ends[2::2], parts[1::2]))

    def find(self, folded: str, start: int, end: int,
             toks: "list[tuple[int, int, str]] | None" = None) -> list[PhraseMatch]:
        """Phrases in ``folded[start:end]``; pass ``toks`` (from :meth:`tokens`) to tokenise a text once."""
        if toks is None:
            toks = self.tokens(folded[start:end], start)
            i, stop = 0, len(toks)
        else:
            i = bisect.bisect_left(toks, (start, -1, ""))
            stop = bisect.bisect_left(toks, (end, -1, ""))
            while stop > i and toks[stop - 1][1] > end:
                stop -= 1
        out: list[PhraseMatch] = []
        by_first = self.by_first
        if self.prefix_ok:
            starts = range(i, stop)
        else:
            # most words start no phrase: find the few that do in one pass
            starts = [k for k in range(i, stop) if toks[k][2] in by_first]
        next_free = i
        for k in starts:
            if k < next_free:
                continue
            at = toks[k][0]
            if self.whole_words and at >= 2 and folded[at - 1] == "-" and folded[at - 2].isalpha():
                continue    # "re-tweeting", "self-described": the second half of a compound
            word = toks[k][2]
            cands = list(by_first.get(word, ()))
            if self.prefix_ok:
                for n in range(min(len(word) - 1, self.longest_first), 2, -1):
                    cands.extend(p for p in by_first.get(word[:n], ()) if len(p) == 1)
            for ph in cands:
                n = len(ph)
                if k + n > stop:
                    continue
                ok = all(toks[k + j][2] == ph[j] for j in range(1, n - 1)) if n > 2 else True
                # the words of a phrase are separated by spaces only: "said.\n\nIn a panel" holds no "said in"
                ok = ok and all(not folded[toks[k + j][1]:toks[k + j + 1][0]].strip(" \t\u00a0\u200c")
                                for j in range(n - 1))
                if n > 1:
                    last = toks[k + n - 1][2]
                    ok = ok and (last == ph[-1] or (self.prefix_ok and last.startswith(ph[-1])))
                if ok:
                    out.append(PhraseMatch(toks[k][0], toks[k + n - 1][1], " ".join(ph)))
                    next_free = k + n
                    break
        return out


@dataclass(frozen=True)
class LangLexicon:
    lang: str
    spaced: bool
    suffixing: bool
    abbreviations: frozenset[str]
    decimal: str
    group: tuple[str, ...]
    words: Mapping[str, float]
    scales: Mapping[str, float]
    cjk_multipliers: bool
    unit_to_concept: Mapping[str, str]
    prefix_unit_to_concept: Mapping[str, str]
    classifier_set: frozenset[str]
    context_to_concept: Mapping[str, str]
    upgradable: frozenset[str]
    modifier_of: Mapping[str, str]
    rate_of: Mapping[str, str]
    verb_cues: frozenset[str]
    post_cues: frozenset[str]
    prep_cues: frozenset[str]
    claimant_head: Mapping[str, str]
    complementizers: tuple[str, ...]
    quote_pairs: tuple[tuple[str, str], ...]
    claimant_first: bool
    claimant_stops: frozenset[str]
    noun_markers: frozenset[str]
    claimant_trim: frozenset[str]
    conjunctions: frozenset[str]
    participles: frozenset[str] = frozenset()
    subordinators: frozenset[str] = frozenset()
    postpositions: frozenset[str] = frozenset()
    claimant_links: frozenset[str] = frozenset()
    capitalised_nouns: bool = False
    addressee_cues: frozenset[str] = frozenset()
    addressee_prepositions: frozenset[str] = frozenset()  # "a letter to X": X is whom it is addressed to
    claimant_relations: frozenset[str] = frozenset()  # "those close to him": a claimant may end in its pronoun
    uninverted_cues: frozenset[str] = frozenset()    # '"...," X told CNN': never "said X" order; CNN is no speaker
    adjunct_words: frozenset[str] = frozenset()
    negations: frozenset[str] = frozenset()          # "did not say": a negated cue asserts nothing
    hearsay_cues: frozenset[str] = frozenset()       # "X is said to ...": X is the topic, not the source
    claimant_breaks: frozenset[str] = frozenset()    # "a crowd that hardly expected": the claimant restarts after
    subject_relatives: frozenset[str] = frozenset()  # ... unless one opens a clause on its source ("officials who spoke")
    subject_pronouns: frozenset[str] = frozenset()   # "with network RT he blasted": one ends no noun phrase
    time_nouns: frozenset[str] = frozenset()         # "this week she said": a time, not a noun a clause hangs on
    occasion_nouns: frozenset[str] = frozenset()     # "praised the plan in a speech": where it was said, not what
    occasion_prepositions: frozenset[str] = frozenset()   # ... and the prepositions that open such an adjunct
    time_openers: frozenset[str] = frozenset()      # "Last week Stumpf said": words that open a time phrase
    object_pronouns: frozenset[str] = frozenset()   # "called them in an article": a pronoun object says nothing
    follow_prompts: frozenset[str] = frozenset()    # '"Follow Pam Key on Twitter @pamkeyNEN."': a sign-off, no quote
    answer_words: frozenset[str] = frozenset()      # '"...," Melanie said yes': an answer, no sign-off
    predicate_openers: frozenset[str] = frozenset()  # "endorsed Trump and *has* appeared": the subject's next predicate
    means_cues: frozenset[str] = frozenset()        # "responded by pointing a finger": by doing, not by saying
    non_claimant_edges: frozenset[str] = frozenset() # words no claimant starts or ends with ("to", "with", "in")
    quote_signs: frozenset[str] = frozenset()        # verbs that only sign a quote right after it ('"..." Hannity pressed')
    colon_labels: frozenset[str] = frozenset()       # "Update:", "Watch:": a word before a colon that names no speaker
    claimant_quantifiers: frozenset[str] = frozenset()  # "said one person familiar with ...": opens an unnamed source
    act_before: frozenset[str] = frozenset()         # "helped found the group": a cue right after one is an act
    act_objects: frozenset[str] = frozenset()        # "found himself", "found ways to": a cue right before one is an act
    naming_cues: frozenset[str] = frozenset()        # "a firm called Cambridge Analytica": gives a thing its name
    naming_continuers: frozenset[str] = frozenset()  # 'called him “a genius” for his tax strategies': content goes on
    claimant_verbs: frozenset[str] = frozenset()     # finite verbs: inside a claimant they make it a clause
    determiners: frozenset[str] = frozenset()        # "unleashed *a* series": a lower-case word before one is a verb
    statement_breaks: frozenset[str] = frozenset()   # ", who ...", ", but ...": the narrator's clause after a statement
    statement_break_suffixes: tuple[str, ...] = ()   # ... or a word ending so (", encouraging his supporters to")
    statement_continuers: frozenset[str] = frozenset()  # ... but for these (", including images of officers")
    clause_openers: frozenset[str] = frozenset()     # "through what she calls": a cue after one is inside the statement
    gap_relatives: frozenset[str] = frozenset()      # ... and after these ("examples that critics point to") not a claim
    circumstance_words: frozenset[str] = frozenset() # "said when she resigned": when or why, not what
    question_words: frozenset[str] = frozenset()     # "how Russia and Iran responded": a question, not a claim
    question_openers: frozenset[str] = frozenset()   # "Asked why, X replied": a participle's question opens S
    noun_cues: frozenset[str] = frozenset()          # cue words that are nouns too ("support", "calls")
    demonstratives: frozenset[str] = frozenset()     # "these developments highlighted": no source
    sentence_adverbs: frozenset[str] = frozenset()   # "However, X said": an adverb is never the source
    parenthetical_openers: frozenset[str] = frozenset()  # "Hawaii, as X pointed out, is": opens "X said" inside S
    adverb_suffixes: tuple[str, ...] = ()            # "forcefully", "egregiously": lower-case words ending so
    passive_auxiliaries: frozenset[str] = frozenset()  # "are (often) found": a be form before a participle cue ...
    participle_suffixes: tuple[str, ...] = ()        # ... whose first word ends so ("criticized")
    past_participles: frozenset[str] = frozenset()   # ... or is an irregular participle ("found", "told")
    expletives: frozenset[str] = frozenset()         # "It was announced that S": hearsay, not the subject's
    object_cues: frozenset[str] = frozenset()        # cues whose content is their object ("expressed solidarity")
    object_breaks: frozenset[str] = frozenset()      # ... which ends at these ("even as he alluded"), or , ; —
    noun_cue_followers: frozenset[str] = frozenset() # ... and the words after which they are ("support from")
    statement_adjuncts: frozenset[str] = frozenset() # a short statement opening so is a place or time ("in Iowa")
    institutions: Mapping[str, str] = field(default_factory=dict)   # "foreign ministry" -> foreign_ministry
    fractions: Mapping[str, float] = field(default_factory=dict)    # "thirds" -> 3 (a denominator)
    fraction_articles: frozenset[str] = frozenset()                 # "a" of "a half", "one and a half"
    # quantities of every kind (configs/units.toml merged in; see numbers.py)
    symbol_to_concept: Mapping[str, str] = field(default_factory=dict)   # case-sensitive: "MB", "kWh", "EUR"
    count_stops: frozenset[str] = frozenset()      # function words: never the thing a number counts
    verb_suffixes: tuple[str, ...] = ()            # "destroyed", "killing": not a noun head
    head_first: bool = False                       # "300 maisons détruites": the head is the first noun
    trivial_before: frozenset[str] = frozenset()   # "the two countries": an anaphor, not a new count
    measures: frozenset[str] = frozenset()         # concepts that can end a compound unit ("per hour", "/kg")
    range_pairs: Mapping[str, str] = field(default_factory=dict)   # "between" X "and" Y, "from" X "to" Y
    rate_blockers: frozenset[str] = frozenset()    # "$13 billion a year earlier": "a year" is no rate there
    half_after: tuple[str, ...] = ()               # "三斤半": a half more of the unit before it
    negative_words: tuple[str, ...] = ()           # "minus 5 degrees", "负13.5千米", "零下5度": the number below zero
    compound_words: bool = False                   # number words written as one ("siebenhundertachtundsiebzig")
    rate_before: Mapping[str, str] = field(default_factory=dict)   # "時速" -> hour: "時速120キロ" is 120 km/h
    fraction_infixes: tuple[str, ...] = ()         # "三分之一", "5分の1": denominator, infix, numerator
    glue: tuple[str, ...] = NUMBER_GLUE            # words between number words of one number ("and", Dutch "en")
    verb_second: bool = False   # Dutch: the finite verb follows a fronted phrase ("Volgens X zijn er ...")
    claimant_suffixes: tuple[str, ...] = ()        # particles glued to a claimant's last word (Korean 은, 에)
    # compiled
    re_words: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))
    re_scale: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))
    re_unit: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))
    re_prefix_unit: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))
    re_classifier: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))
    re_context: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))
    re_modifier_before: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))
    re_rate: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))
    re_months: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))
    re_range_joiner: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))
    re_cue: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))
    re_claimant_head: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))
    cue_index: PhraseIndex = PhraseIndex({}, False)
    re_number_token: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))
    re_number_part: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))
    claimant_index: PhraseIndex = PhraseIndex({}, False)
    re_unit_link: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(r"(?!x)x"))
    re_symbol: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(r"(?!x)x"))
    re_per: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(r"[ \u00a0]?/[ \u00a0]?"))
    re_age_after: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(r"(?!x)x"))
    re_age_before: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(r"(?!x)x"))
    re_institution: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(r"(?!x)x"))

    def fold(self, s: str) -> str:
        return s.lower().replace("\u200c", " ")


def _get(d: Mapping[str, Any], key: str, path: Path, kind: type, default: Any) -> Any:
    val = d.get(key, default)
    if not isinstance(val, kind):
        raise LexiconError(f"{path}: key {key!r} must be {kind.__name__}, got {type(val).__name__}")
    return val


_TOP_KEYS = {"lang", "spaced", "suffixing", "claimant_first", "verb_second", "sentences", "numbers", "modifiers",
             "units", "prefix_units", "context", "rates", "attribution", "claimants", "quotes", "institutions"}


_SECTION_KEYS = {
    "sentences": {"abbreviations"},
    "numbers": {"decimal", "group", "range_joiners", "months", "upgradable", "unit_links", "classifiers", "words",
                "scales", "cjk_multipliers", "fractions", "fraction_articles", "per_words", "age_after",
                "age_before", "count_stops", "verb_suffixes", "head_first", "trivial_before", "range_pairs",
                "rate_blockers", "half_after", "negative_words", "compound_words", "rate_before",
                "fraction_infixes", "glue_words"},
    "attribution": {"verbs", "post_verbs", "prepositions", "postpositions", "complementizers", "noun_markers",
                    "claimant_trim", "conjunctions", "claimant_stops", "participles", "subordinators",
                    "claimant_links", "capitalised_nouns", "addressee_cues", "addressee_prepositions", "claimant_relations", "uninverted_cues", "adjunct_words", "negations",
                    "hearsay_cues", "claimant_breaks", "non_claimant_edges", "claimant_verbs", "determiners", "statement_breaks", "statement_break_suffixes", "statement_continuers", "question_words", "question_openers", "noun_cues",
                    "noun_cue_followers", "demonstratives", "sentence_adverbs", "parenthetical_openers", "adverb_suffixes", "quote_signs", "colon_labels", "claimant_quantifiers", "act_before", "act_objects", "naming_cues", "naming_continuers",
                    "subject_relatives", "subject_pronouns", "passive_auxiliaries", "participle_suffixes", "past_participles",
                    "expletives", "object_cues", "object_breaks", "statement_adjuncts", "clause_openers",
                    "gap_relatives", "circumstance_words", "time_nouns", "occasion_nouns",
                    "occasion_prepositions", "time_openers",
                    "object_pronouns", "means_cues", "follow_prompts", "answer_words",
                    "predicate_openers", "claimant_suffixes"},
    "quotes": {"pairs"},
}


def load_common_units(path: Path) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
    """``configs/units.toml``: ([units] case-blind, [symbols] case-sensitive, [prefix] before the number)."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    unknown = set(data) - {"units", "symbols", "prefix"}
    if unknown:
        raise LexiconError(f"{path}: unknown keys {sorted(unknown)} (allowed: ['prefix', 'symbols', 'units'])")
    out = []
    for section in ("units", "symbols", "prefix"):
        table = data.get(section, {})
        if not isinstance(table, dict) or not all(
                isinstance(v, list) and all(isinstance(x, str) for x in v) for v in table.values()):
            raise LexiconError(f"{path}: [{section}] must map a concept to a list of strings")
        out.append({str(k): list(v) for k, v in table.items()})
    return out[0], out[1], out[2]


def load_lexicon(path: Path, common: "Path | None" = None) -> LangLexicon:
    """One language's lexicon, with the shared units of ``common`` (default: ``configs/units.toml``)."""
    path = Path(path)
    if common is None and (path.parent.parent / "units.toml").exists():
        common = path.parent.parent / "units.toml"
    c_units, c_symbols, c_prefix = load_common_units(common) if common else ({}, {}, {})
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise LexiconError(f"{path}: unknown keys {sorted(unknown)} (allowed: {sorted(_TOP_KEYS)})")
    for section, allowed in _SECTION_KEYS.items():
        table = data.get(section, {})
        extra = set(table) - allowed if isinstance(table, dict) else set()
        if extra:
            raise LexiconError(f"{path}: [{section}] unknown keys {sorted(extra)} (allowed: {sorted(allowed)})")
    lang = _get(data, "lang", path, str, path.stem)
    spaced = _get(data, "spaced", path, bool, True)
    suffixing = _get(data, "suffixing", path, bool, False)
    sent = _get(data, "sentences", path, dict, {})
    num = _get(data, "numbers", path, dict, {})
    mods = _get(data, "modifiers", path, dict, {})
    for m in mods:
        if m not in MODIFIERS:
            raise LexiconError(f"{path}: [modifiers] {m!r} is not one of {MODIFIERS}")
    units = _get(data, "units", path, dict, {})
    prefix_units = _get(data, "prefix_units", path, dict, {})
    context = _get(data, "context", path, dict, {})
    rates = _get(data, "rates", path, dict, {})
    attr = _get(data, "attribution", path, dict, {})
    claimants = _get(data, "claimants", path, dict, {})
    quotes = _get(data, "quotes", path, dict, {})
    institutions = _get(data, "institutions", path, dict, {})

    def lower(ws: list[Any]) -> list[str]:
        return [str(w).lower().replace("\u200c", " ") for w in ws]

    def invert(table: Mapping[str, Any], section: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for concept, surfaces in table.items():
            if not isinstance(surfaces, list):
                raise LexiconError(f"{path}: [{section}] {concept!r} must be a list of strings")
            for s in lower(surfaces):
                if out.setdefault(s, concept) != concept:
                    # ("km²" under both km and square_km read "5 km²" as a distance)
                    raise LexiconError(f"{path}: [{section}] {s!r} is listed under both {out[s]!r} and {concept!r}")
        return out

    words = {str(k).lower(): float(v) for k, v in _get(num, "words", path, dict, {}).items()}
    scales = {str(k).lower(): float(v) for k, v in _get(num, "scales", path, dict, {}).items()}
    fractions = {str(k).lower(): float(v) for k, v in _get(num, "fractions", path, dict, {}).items()}
    if any(v < 2 for v in fractions.values()):
        raise LexiconError(f"{path}: [numbers.fractions] values are denominators (2 or more)")
    fraction_articles = lower(_get(num, "fraction_articles", path, list, []))
    unit_to_concept = invert(units, "units")
    for s_, c_ in invert(c_units, "units").items():
        unit_to_concept.setdefault(s_, c_)          # the language's own reading of a surface wins
    prefix_unit_to_concept = {str(s).lower(): c for c, ss in prefix_units.items() for s in ss}
    for c_, ss_ in c_prefix.items():
        for s_ in ss_:
            prefix_unit_to_concept.setdefault(s_.lower(), c_)
    symbol_to_concept = {s_: c_ for c_, ss_ in c_symbols.items() for s_ in ss_}
    classifiers = lower(_get(num, "classifiers", path, list, []))
    context_to_concept = invert(context, "context")
    modifier_of = invert(mods, "modifiers")
    rate_of = invert(rates, "rates")
    # hearsay cues ("is said") are found like verbs and read without a claimant
    verbs = lower(_get(attr, "verbs", path, list, [])) + lower(_get(attr, "hearsay_cues", path, list, []))
    post = lower(_get(attr, "post_verbs", path, list, []))
    signs = [w for w in lower(_get(attr, "quote_signs", path, list, [])) if w not in verbs and w not in post]
    # postpositions are cues too ("X zufolge"): found like prepositions, read with the claimant before them
    preps = lower(_get(attr, "prepositions", path, list, [])) + lower(_get(attr, "postpositions", path, list, []))
    claimant_head = invert(claimants, "claimants")
    comps = tuple(lower(_get(attr, "complementizers", path, list, [])))
    pairs = tuple(tuple(p) for p in _get(quotes, "pairs", path, list, [["\u201c", "\u201d"], ['"', '"']]))
    for p in pairs:
        if len(p) != 2:
            raise LexiconError(f"{path}: [quotes] pairs must be [open, close] pairs")
    months = lower(_get(num, "months", path, list, []))
    joiners = lower(_get(num, "range_joiners", path, list, ["-", "–"]))

    sp = spaced
    sx = suffixing
    lex = LangLexicon(
        lang=lang, spaced=sp, suffixing=sx,
        abbreviations=frozenset(str(a).lower().rstrip(".") for a in _get(sent, "abbreviations", path, list, [])),
        decimal=str(_get(num, "decimal", path, str, ".")),
        group=tuple(_get(num, "group", path, list, [","])),
        words=words, scales=scales,
        cjk_multipliers=_get(num, "cjk_multipliers", path, bool, False),
        unit_to_concept=unit_to_concept, prefix_unit_to_concept=prefix_unit_to_concept,
        classifier_set=frozenset(classifiers), context_to_concept=context_to_concept,
        upgradable=frozenset(_get(num, "upgradable", path, list, ["person"])),
        modifier_of=modifier_of, rate_of=rate_of,
        verb_cues=frozenset(verbs), post_cues=frozenset(post), prep_cues=frozenset(preps),
        claimant_head=claimant_head, complementizers=comps, quote_pairs=pairs,  # type: ignore[arg-type]
        claimant_first=_get(data, "claimant_first", path, bool, False),
        verb_second=_get(data, "verb_second", path, bool, False),
        claimant_suffixes=tuple(sorted(lower(_get(attr, "claimant_suffixes", path, list, [])), key=lambda w: -len(w))),
        claimant_stops=frozenset(lower(_get(attr, "claimant_stops", path, list, []))),
        noun_markers=frozenset(lower(_get(attr, "noun_markers", path, list, []))),
        claimant_trim=frozenset(lower(_get(attr, "claimant_trim", path, list, []))),
        conjunctions=frozenset(lower(_get(attr, "conjunctions", path, list, []))),
        participles=frozenset(lower(_get(attr, "participles", path, list, []))),
        subordinators=frozenset(lower(_get(attr, "subordinators", path, list, []))),
        postpositions=frozenset(lower(_get(attr, "postpositions", path, list, []))),
        claimant_links=frozenset(lower(_get(attr, "claimant_links", path, list, []))),
        capitalised_nouns=_get(attr, "capitalised_nouns", path, bool, False),
        addressee_cues=frozenset(lower(_get(attr, "addressee_cues", path, list, []))),
        uninverted_cues=frozenset(lower(_get(attr, "uninverted_cues", path, list, []))),
        addressee_prepositions=frozenset(lower(_get(attr, "addressee_prepositions", path, list, []))),
        claimant_relations=frozenset(lower(_get(attr, "claimant_relations", path, list, []))),
        adjunct_words=frozenset(lower(_get(attr, "adjunct_words", path, list, []))),
        negations=frozenset(lower(_get(attr, "negations", path, list, []))),
        hearsay_cues=frozenset(lower(_get(attr, "hearsay_cues", path, list, []))),
        claimant_breaks=frozenset(lower(_get(attr, "claimant_breaks", path, list, []))),
        subject_relatives=frozenset(lower(_get(attr, "subject_relatives", path, list, []))),
        subject_pronouns=frozenset(lower(_get(attr, "subject_pronouns", path, list, []))),
        time_nouns=frozenset(lower(_get(attr, "time_nouns", path, list, []))),
        occasion_nouns=frozenset(lower(_get(attr, "occasion_nouns", path, list, []))),
        occasion_prepositions=frozenset(lower(_get(attr, "occasion_prepositions", path, list, []))),
        time_openers=frozenset(lower(_get(attr, "time_openers", path, list, []))),
        object_pronouns=frozenset(lower(_get(attr, "object_pronouns", path, list, []))),
        means_cues=frozenset(lower(_get(attr, "means_cues", path, list, []))),
        follow_prompts=frozenset(lower(_get(attr, "follow_prompts", path, list, []))),
        answer_words=frozenset(lower(_get(attr, "answer_words", path, list, []))),
        predicate_openers=frozenset(lower(_get(attr, "predicate_openers", path, list, []))),
        non_claimant_edges=frozenset(lower(_get(attr, "non_claimant_edges", path, list, []))),
        quote_signs=frozenset(signs),
        colon_labels=frozenset(lower(_get(attr, "colon_labels", path, list, []))),
        claimant_quantifiers=frozenset(lower(_get(attr, "claimant_quantifiers", path, list, []))),
        act_before=frozenset(lower(_get(attr, "act_before", path, list, []))),
        act_objects=frozenset(lower(_get(attr, "act_objects", path, list, []))),
        naming_cues=frozenset(lower(_get(attr, "naming_cues", path, list, []))),
        naming_continuers=frozenset(lower(_get(attr, "naming_continuers", path, list, []))),
        claimant_verbs=frozenset(lower(_get(attr, "claimant_verbs", path, list, []))),
        determiners=frozenset(lower(_get(attr, "determiners", path, list, []))),
        statement_breaks=frozenset(lower(_get(attr, "statement_breaks", path, list, []))),
        statement_break_suffixes=tuple(lower(_get(attr, "statement_break_suffixes", path, list, []))),
        statement_continuers=frozenset(lower(_get(attr, "statement_continuers", path, list, []))),
        clause_openers=frozenset(lower(_get(attr, "clause_openers", path, list, []))),
        gap_relatives=frozenset(lower(_get(attr, "gap_relatives", path, list, []))),
        circumstance_words=frozenset(lower(_get(attr, "circumstance_words", path, list, []))),
        question_words=frozenset(lower(_get(attr, "question_words", path, list, []))),
        question_openers=frozenset(lower(_get(attr, "question_openers", path, list, []))),
        noun_cues=frozenset(lower(_get(attr, "noun_cues", path, list, []))),
        demonstratives=frozenset(lower(_get(attr, "demonstratives", path, list, []))),
        noun_cue_followers=frozenset(lower(_get(attr, "noun_cue_followers", path, list, []))),
        sentence_adverbs=frozenset(lower(_get(attr, "sentence_adverbs", path, list, []))),
        parenthetical_openers=frozenset(lower(_get(attr, "parenthetical_openers", path, list, []))),
        adverb_suffixes=tuple(lower(_get(attr, "adverb_suffixes", path, list, []))),
        passive_auxiliaries=frozenset(lower(_get(attr, "passive_auxiliaries", path, list, []))),
        participle_suffixes=tuple(lower(_get(attr, "participle_suffixes", path, list, []))),
        past_participles=frozenset(lower(_get(attr, "past_participles", path, list, []))),
        expletives=frozenset(lower(_get(attr, "expletives", path, list, []))),
        object_cues=frozenset(lower(_get(attr, "object_cues", path, list, []))),
        object_breaks=frozenset(lower(_get(attr, "object_breaks", path, list, []))),
        statement_adjuncts=frozenset(lower(_get(attr, "statement_adjuncts", path, list, []))),
        institutions=invert(institutions, "institutions"),
        fractions=fractions, fraction_articles=frozenset(fraction_articles),
        symbol_to_concept=symbol_to_concept,
        count_stops=frozenset(lower(_get(num, "count_stops", path, list, []))),
        verb_suffixes=tuple(lower(_get(num, "verb_suffixes", path, list, []))),
        head_first=_get(num, "head_first", path, bool, False),
        trivial_before=frozenset(lower(_get(num, "trivial_before", path, list, []))),
        measures=frozenset(set(c_units) | set(c_symbols) | TIME_UNITS),
        rate_blockers=frozenset(lower(_get(num, "rate_blockers", path, list, []))),
        half_after=tuple(lower(_get(num, "half_after", path, list, []))),
        negative_words=tuple(lower(_get(num, "negative_words", path, list, []))),
        compound_words=_get(num, "compound_words", path, bool, False),
        rate_before=_rate_before(_get(num, "rate_before", path, dict, {}), path),
        fraction_infixes=tuple(lower(_get(num, "fraction_infixes", path, list, []))),
        glue=NUMBER_GLUE + tuple(lower(_get(num, "glue_words", path, list, []))),
        range_pairs={str(p[0]).lower(): str(p[1]).lower() for p in _get(num, "range_pairs", path, list, [])
                     if isinstance(p, list) and len(p) == 2},
    )
    ctx_words = list(context_to_concept)
    compiled = dict(
        re_words=re.compile(_alternation(list(words), spaced=sp)),
        re_scale=re.compile(r"[\s\u00a0]*" + _alternation(list(scales), spaced=sp, suffix_ok=sx)),
        re_unit=re.compile(_alternation(list(unit_to_concept) + classifiers, spaced=sp, suffix_ok=sx)),
        re_prefix_unit=re.compile("(?:" + "|".join(_prefix_pattern(s) for s in sorted(prefix_unit_to_concept, key=lambda s: -len(s))) + r")\s?$")
        if prefix_unit_to_concept else re.compile(r"(?!x)x"),
        re_classifier=re.compile(_alternation(classifiers, spaced=sp, suffix_ok=sx)),
        re_context=re.compile(_alternation(ctx_words, spaced=sp, suffix_ok=sx)),
        re_modifier_before=re.compile(_alternation(list(modifier_of), spaced=sp) + r"[\s\u00a0]*$"),
        re_rate=re.compile(_alternation(list(rate_of), spaced=sp, suffix_ok=sx)),
        re_months=re.compile(_alternation(months, spaced=sp, suffix_ok=sx)),
        re_range_joiner=re.compile(r"[\s\u00a0]*-?[\s\u00a0]*(?:" + "|".join(re.escape(j) for j in sorted(joiners, key=lambda s: -len(s))) + r")[\s\u00a0]*"),
        re_cue=re.compile(_alternation(verbs + post + preps + signs, spaced=sp, suffix_ok=sx), re.IGNORECASE),
        re_claimant_head=re.compile(_alternation(list(claimant_head), spaced=sp, suffix_ok=sx), re.IGNORECASE),
    )
    object.__setattr__(lex, "cue_index", PhraseIndex.build(verbs + post + preps + signs, sx, whole_words=True))
    object.__setattr__(lex, "claimant_index", PhraseIndex.build(list(claimant_head), sx))
    if lex.institutions:
        # longest surface first; no right boundary, so case endings ("минфина") still match
        alts = "|".join(re.escape(w) for w in sorted(lex.institutions, key=lambda w: (-len(w), w)))
        object.__setattr__(lex, "re_institution", re.compile(("(?<!\\w)(?:" if sp else "(?:") + alts + ")"))
    links = lower(_get(num, "unit_links", path, list, []))
    if links:
        # "75 millions de dollars", "3,5 milhões de dólares": a linking word between number and unit
        object.__setattr__(lex, "re_unit_link", re.compile(
            r"(?:" + "|".join(re.escape(w) for w in sorted(links, key=lambda w: -len(w))) + r")(?:\s+|(?<=')|(?<=’))"))
    # number words, scale words and the glue between them, as single tokens: the only words
    # the written-number reader needs to see
    toks = sorted({w for w in list(words) + list(scales) + list(fractions) + fraction_articles
                   + list(lex.glue) if " " not in w},
                  key=lambda w: (-len(w), w))
    # (German writes a number as one word: "siebenhundertachtundsiebzig" is sieben|hundert|acht|und|siebzig; no
    # one-letter glue word joins a compound: "eine" is no "ein" and "e")
    if lex.compound_words:
        toks = [w for w in toks if len(w) > 1]
    object.__setattr__(lex, "re_number_token", re.compile(
        r"(?<!\w)(?:" + "|".join(map(re.escape, toks)) + (r")+(?!\w)" if lex.compound_words else r")(?!\w)")
        if toks else r"(?!x)x"))
    object.__setattr__(lex, "re_number_part", re.compile("|".join(map(re.escape, toks))
                                                         if toks and lex.compound_words else r"(?!x)x"))
    if symbol_to_concept:
        syms = sorted(symbol_to_concept, key=lambda w: (-len(w), w))
        # case-sensitive, and never inside a word: "5 MB" and "5MB", not "MBA"
        object.__setattr__(lex, "re_symbol", re.compile(
            r"(?<![^\W\d_])(?:" + "|".join(map(re.escape, syms)) + r")(?![^\W\d_])"))
    per = lower(_get(num, "per_words", path, list, []))
    object.__setattr__(lex, "re_per", re.compile(
        # (a word ending in an apostrophe joins the next: "130 km à l'heure")
        r"[\s\u00a0]*(?:/|" + "|".join(re.escape(w) + (r"(?!\w)" if w[-1].isalnum() else "")
                                       for w in sorted(per, key=lambda w: -len(w))) + r")[\s\u00a0]*"
        if per else r"[ \u00a0]?/[ \u00a0]?"))
    for key, attr in (("age_after", "re_age_after"), ("age_before", "re_age_before")):
        ws = lower(_get(num, key, path, list, []))
        if ws:
            object.__setattr__(lex, attr, re.compile(_alternation(ws, spaced=sp)))
    for k, v in compiled.items():
        object.__setattr__(lex, k, v)
    return lex


def _rate_before(table: Mapping[str, Any], path: Path) -> dict[str, str]:
    """``[numbers.rate_before]``: time unit -> the words that, right before a number, make its measure a rate
    per that unit ("時速120キロ", "秒速23メートル")."""
    out: dict[str, str] = {}
    for unit, words in table.items():
        if unit not in TIME_UNITS:
            raise LexiconError(f"{path}: [numbers.rate_before] key {unit!r} must be a time unit "
                               f"({', '.join(sorted(TIME_UNITS))})")
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise LexiconError(f"{path}: [numbers.rate_before] {unit!r} must be a list of words")
        for w in words:
            out[w.lower()] = unit
    return out


def load_all(folder: Path) -> dict[str, LangLexicon]:
    out: dict[str, LangLexicon] = {}
    common = Path(folder).parent / "units.toml"
    for path in sorted(Path(folder).glob("*.toml")):
        lex = load_lexicon(path, common if common.exists() else None)
        out[lex.lang] = lex
    return out
