"""Attributions: who asserted what, read from cue words and quote marks.

Three shapes cover most news prose in every language we read, so the rules are
shapes and the words come from the lexicon:

* preposition cues: "according to X, S" / "S, according to X" (theo X, به گزارش X, según X);
* verb cues, claimant first: "X said (that) S" (X cho biết S, X گفت که S);
* verb cues after the statement: "S, X said." / "S, said X." (S, các tài liệu nêu rõ).

Direct quotes ("...", «...», „...“) become ``quote`` claims whose speaker comes
from a cue in the same sentence or a neighbouring one.
"""
from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from transforms.core.claims.lexicon import LangLexicon, PhraseMatch

# Chinese and Japanese write no spaces: each ideograph or kana counts as a word, so lengths in
# words mean the same in every script.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(r"[" + _CJK + r"]|[^\W_" + _CJK + r"]+(?:[\-'’][^\W_" + _CJK + r"]+)*")
# (a comma between digits is a thousands separator, "250,000 Iowans", not a clause's end)
_BOUNDARY = re.compile(r"[;:()\[\]،؛“”\"«»„‘—–，；：（）「」『』、]|(?<!\d),|,(?!\d)|(?<=\s)--?(?=\s)")
_OPEN_QUOTES = "“\"«„‘「『‹"
# A comma with the spaces around it.
_COMMA = re.compile(r"\s*,\s*")
# A comma and the word after it.
_COMMA_WORD = re.compile(r",\s*([^\W\d_]+)")
# A short aside between a cue and its complementizer: ", as did the Clinton campaign itself, that" (its opener must
# be one of ``parenthetical_openers``).
_PARENTHETICAL_THAT = re.compile(r"\s*,\s*(\w+)[^,;:\n\"“”«»]{1,80},\s*(\w+)\b")
# ", who ...", " — which ...": a comma or a dash, then the word that may open the narrator's own clause
_BREAK = re.compile(r"\s*(?:[,;][”\"’»]?|\s[—–―]|\s--)\s*([^\W\d_]+)")
# A quote with no cue of its own is looked at (for a speaker nearby) only with this many words ...
MIN_UNATTRIBUTED_QUOTE_TOKENS = 4
# ... and when no speaker is found, it is a claim only with this many: a shorter one is a phrase in
# quote marks (scare quotes, titles). On PolNeAR train 60 of 128 such quotes of 4-7 words matched a
# gold attribution; on the hand-labelled set all 9 were wrong.
MIN_ORPHAN_QUOTE_TOKENS = 8
# How many attributions one sentence may hold besides its first ("X said A, and Y argued B").
MAX_NESTED = 3
# "Christie: A closing surge" is a headline; "Peskov: Moscow respects the decision of..." a claim.
MIN_COLON_STATEMENT_TOKENS = 5
# How far an addressee or adjunct may push the statement from its cue ("told reporters in Iowa on Monday that").
MAX_ADJUNCT_TOKENS = 14
# "said late Tuesday that S": how far a plain cue's "that" may be (a later one is another cue's: "says she
# respects X but argues that S").
MAX_CUE_TO_THAT_TOKENS = 3
MAX_PARTICIPLE_THAT_TOKENS = 8
# "Ms. Wahl told the RT America audience.": an addressee cue with this few words after it and no "that" has no claim.
MAX_ADDRESSEE_TOKENS = 5
# A statement of at most this many words that opens with a statement adjunct is no claim (``_bare_adjunct``).
MAX_BARE_ADJUNCT_TOKENS = 8
# ", said X": a claimant after its cue is a name with a title; a longer clause there is a statement.
MAX_POST_CLAIMANT_TOKENS = 7
# The longest phrase after a cue read whole for its claimant ("said X of Y, ..."); a longer one only for its head.
MAX_RIGHT_CLAIMANT_TOKENS = 14
# The longest name read before a colon as the speaker of the quote after it ('Jeffrey M. Jones: "..."').
MAX_COLON_SPEAKER_TOKENS = 5
MAX_COLON_SPEAKER_CHARS = 120
# A "sentence" longer than this (no punctuation, a list run together) is read in pieces of this size,
# and at most MAX_CUES_PER_SENTENCE cues of one piece are tried: the cost per article stays linear in
# its length whatever the text.
MAX_SENTENCE_CHARS = 2000
# A quote with no cue continues the previous speaker's when at most this many words lie between them.
MAX_CONTINUATION_GAP = 3
# How far after a quote, on its line, a '― Name' signature is looked for.
MAX_SIGNATURE_REACH = 400
# '"..." ― Carla Sanchez': a dash then a capitalised name signs a quote.
# Where an object noun phrase ends: a comma, a dash or a semicolon, or a word that opens another clause.
_OBJECT_END = re.compile(r"\s*(?:[,;]|\s[—–-]{1,2}\s)|\s(?=(\w+)\b)")
_DASH_SPEAKER = re.compile(r"[ \t\u00a0]*[―—–][ \t\u00a0]*((?:[^\W\d_][\w.'’-]*[ \t\u00a0]*){1,6}?)(?=[.,;\n]|$|[ \t]*[“\"«(])")
MAX_CUES_PER_SENTENCE = 24
# 'He said, adding that "..."': how many words may lie between a cue and the quote it introduces.
MAX_CUE_TO_QUOTE_TOKENS = 8
# A claimant of this many words or more is cut to the name right before its cue.
LONG_CLAIMANT_WORDS = 7
# The most words before a cue read as its subject (the last ones after the clause's boundary).
MAX_CLAIMANT_LEFT_TOKENS = 10
# The furthest word of a long claimant span that may be its document head ("The GOP's complaint", word 2).
MAX_DOCUMENT_HEAD_AT = 3
# '"...," Malkia Cyril, the executive director at ..., told X': how long the apposition may run.
MAX_APPOSITION_TOKENS = 24
# A transcript has at least this many turns ("WALLACE: ...", "PENCE: ..."); one "ISLAMABAD: ..." is a dateline.
MIN_TRANSCRIPT_TURNS = 2
# "Iowa: Tim Albrecht, Brad Anderson, Rob Barron, ...": this many commas between names make a list.
MIN_LIST_COMMAS = 3
# "said Friday afternoon in Washington, as ...": how long a time adjunct after a post cue may run.
MAX_TIME_ADJUNCT_TOKENS = 6
# "Amid calls for a boycott of the summit, X ...": how long an opening adverbial before a comma may run.
MAX_ADVERBIAL_TOKENS = 8
# ... and how far a lower-case continuation of it may run to its next comma.
MAX_ADVERBIAL_CHARS = 120
# "When asked why, X said": how long the words before an opening participle may run (a subordinator).
MAX_OPENING_LEAD_CHARS = 12
# 'called the 1996 pageant winner “Miss Piggy”': how many words may come before the quoted name.
MAX_NAMED_OBJECT_TOKENS = 6


@dataclass(frozen=True)
class Attribution:
    kind: str
    start: int
    end: int
    statement: tuple[int, int]
    claimant: Optional[tuple[int, int]]
    cue: Optional[tuple[int, int]]
    confidence: float
    # "Climate change, Mr. Obama says, is the greatest threat": the attribution set inside the statement,
    # left out of its text (``statement_text``); the statement's span runs over it
    gap: Optional[tuple[int, int]] = None


def statement_text(text: str, a: Attribution) -> str:
    """What the source asserted: the statement's span, less the attribution set inside it."""
    ss, se = a.statement
    if a.gap is None:
        return text[ss:se]
    return f"{text[ss:a.gap[0]]} {text[a.gap[1]:se]}"


def _ntok(s: str) -> int:
    return len(_WORD.findall(s))


def _strip_span(text: str, s: int, e: int, chars: str = " \t\n,.;:،؛—–-，。；：、") -> tuple[int, int]:
    while s < e and (text[s] in chars or text[s].isspace()):
        s += 1
    while e > s and (text[e - 1] in chars or text[e - 1].isspace()):
        e -= 1
    return s, e


# A dateline before a story's first sentence: "WASHINGTON ―", "Washington (AFP) –", "PARIS, Aug 24 (Reuters) -".
_DATELINE = re.compile(r"\s*([^\W\d_][\w .,'’]{0,40}?)\s*(\([^()\n]{1,30}\))?\s*[-–—―]{1,2}\s+")


def _past_dateline(text: str, s: int, e: int) -> int:
    """Where [s, e) starts after a dateline ("WASHINGTON ―", "Washington (AFP) –", "PARIS, Aug 24 (Reuters)
    -"): its place in capitals or its agency in parentheses, then a dash; ``s`` when there is none ("Trump
    – who has never held office – said" keeps its subject)."""
    m = _DATELINE.match(text, s, e)
    return m.end() if m is not None and (m.group(2) or m.group(1).isupper()) else s
# '..., "most people don't know," she said' at a statement's end: a sign-off (pronoun, cue) after a comma.
_SIGN_OFF_TAIL = re.compile(r"[,”\"’»]\s*,?\s*([^\W\d_]+)\s+([^\W\d_]+)\s*$")
# ', “' / ': "': a quotation that opens after a comma or a colon.
_QUOTE_AFTER = re.compile(r"[,:]\s*([" + _OPEN_QUOTES + r"\"])")
# A double quote opened in one style and closed in the other.
_MIXED_CLOSERS = {"“": '"', '"': "”"}
# A web address in quote marks (an HTML attribute left in the text: '<a href="http://video.foxnews.com">') is no quote.
_URL_ONLY = re.compile(r"\s*(?:https?://|www\.)\S*\s*$")
# The marks that close a quotation each opening mark opens (straight marks as scraped text mixes them).
_CLOSES = {"“": "”\"", '"': '"”', "«": "»", "„": "“”", "‘": "’'", "「": "」", "『": "』", "‹": "›"}


def _continued_paragraph(text: str, s: int, op: str) -> Optional[int]:
    """The end of a quotation that opens a paragraph and goes on in the next one, by the convention that
    every paragraph of a long quotation opens with a quote mark and only the last one closes: a paragraph
    that opens with ``op`` and is never closed, when the next paragraph opens with ``op`` too. None
    otherwise."""
    if s > 0 and text[s - 1] != "\n":
        return None
    brk = text.find("\n\n", s, s + 3002)     # looked for a bounded way on: linear in the text's length
    if brk < 0:
        return None
    nxt = brk
    while nxt < len(text) and text[nxt].isspace():
        nxt += 1
    if not text.startswith(op, nxt):
        return None
    return _strip_span(text, s, brk, " \t\n")[1]


# How deep a quotation nested in its own marks is followed ('“... what he calls “hell” than ...”').
MAX_QUOTE_DEPTH = 2


def find_quotes(text: str, lex: LangLexicon) -> list[tuple[int, int]]:
    """Quote spans including their marks; a quote may run over several sentences of a paragraph."""
    spans: list[tuple[int, int]] = []
    closers: set[int] = set()       # straight marks that closed a curly quote: they open nothing
    for op, cl in lex.quote_pairs:
        pos = 0
        while True:
            s = text.find(op, pos)
            if s < 0:
                break
            if s in closers:
                pos = s + 1
                continue
            if op == cl and len(op) == 1 and s + 1 < len(text) and text[s + 1] == op:
                pos = s + 2
                continue        # ''...'': handled by the two-character pair
            if op in "‘'" and ((s > 0 and text[s - 1].isalnum()) or text[s + 1:s + 2].isdigit()):
                pos = s + 1
                continue        # an apostrophe, not a quote (and "the '60s", "in ‘08": a decade, a year)
            if op == cl == '"' and (s + 1 >= len(text) or text[s + 1].isspace()) and s > 0 and \
                    text[s - 1].isalnum():
                pos = s + 1
                continue        # '..." Rubio said.': a straight mark after a word and before a space closes; it opens nothing
            e = s + len(op)
            found = -1
            first = -1
            depth, seen = 0, e       # marks of its own kind opened inside and not yet closed; scanned up to
            straight = 0             # the same for straight marks, told apart by the spaces around them
            while True:
                e = text.find(cl, e)
                if e < 0 or "\n\n" in text[s:e] or e - s > 3000:
                    break
                if cl in "’'" and e + 1 < len(text) and text[e + 1].isalpha():
                    e += 1      # "Clinton’s": an apostrophe inside the quote
                    continue
                if op == cl == '"' and text[e - 1].isspace() and e + 1 < len(text) and text[e + 1].isalnum():
                    # a straight mark after a space and before a word opens a quotation: one nested in this one
                    # on its line ('"If the principle "one country, two systems" is hollowed out, ..."'), else
                    # a new one, and the mark at ``s`` was left open ('the "real ...\n"You bet I would," he said')
                    if straight or "\n" in text[s:e]:
                        break
                    straight += 1
                    e += 1
                    continue
                if straight:
                    straight -= 1
                    e += 1
                    continue
                if first < 0:
                    first = e
                if op != cl:
                    depth += text.count(op, seen, e)
                    seen = e + len(cl)
                    if depth > MAX_QUOTE_DEPTH:
                        break       # marks opened and never closed ("“a “b ” “c ..."): no nesting to follow
                    if depth > 0:
                        depth -= 1
                        e += len(cl)    # '“... what he calls “hell” than live ...”': a quotation nested in its own marks
                        continue
                found = e
                break
            if found < 0 and first >= 0:
                found = first       # an opening mark left unclosed inside: the first closing mark ends it
            mixed = _MIXED_CLOSERS.get(op)
            if found < 0 and mixed is not None:
                # '“Immunity deals should not be ...," Chaffetz said': a curly quote closed by a straight
                # mark (or the other way round), as scraped and pasted text has them
                e = text.find(mixed, s + len(op), s + 3000)
                # (not a mark that closes a quotation of its own style inside: '"Trump walked on, chanting
                # “U-S-A!”' is a paragraph of a longer quotation that this line does not close)
                if e >= 0 and "\n\n" not in text[s:e] and (mixed != '"' or e + 1 >= len(text) or
                                                             not text[e + 1].isalnum()) and \
                        not any(o in text[s + len(op):e] for o, c in lex.quote_pairs if c == mixed and o != op):
                    found, cl_len = e, len(mixed)
                    closers.add(e)
                    spans.append((s, found + cl_len))
                    pos = found + cl_len
                    continue
            if found < 0:
                end = _continued_paragraph(text, s, op)
                if end is not None:
                    spans.append((s, end))      # a quotation that goes on in the next paragraph
                pos = s + 1
                continue
            spans.append((s, found + len(cl)))
            pos = found + len(cl)
    # '”Mr. Trump embodies ... our greatest shame.” ― Sonya Herridge': a closing mark that opens a quotation
    # (after a space or a line's start, before a word), as some publishing systems write it
    pos = 0
    while True:
        s = text.find("”", pos)
        if s < 0 or s + 1 >= len(text):
            break
        pos = s + 1
        if (s == 0 or text[s - 1].isspace()) and text[s + 1].isalnum():
            e = text.find("”", s + 1, s + 3000)
            if e > 0 and not text[e - 1].isspace() and "\n\n" not in text[s:e]:
                spans.append((s, e + 1))
                pos = e + 1
    spans.sort(key=lambda sp: (sp[0], -sp[1]))
    out: list[tuple[int, int]] = []
    for sp in spans:
        if out and sp[0] < out[-1][1]:
            continue            # nested quotes stay inside their outer quote
        out.append(sp)
    return out


def _is_name(text: str, q: tuple[int, int], lex: LangLexicon) -> bool:
    """A name or title in quote marks ("Ban on Face Coverings", «یواساس جرالد آر. فورد») is no quote.

    In a cased script every longer word of a name is capitalised. In a caseless one (Arabic, Persian)
    a short span holding a Latin initial spelt as a letter name ("آر.") is a name.
    """
    words = _WORD.findall(text, q[0], q[1])
    if not words or len(words) > 6:
        return False
    cased = [w for w in words if w[0].lower() != w[0].upper()]
    numbered = [w for w in words if not w.isdigit()]      # "American Skin (41 Shots)", "Apollo 13"
    if cased and len(cased) == len(numbered):
        return all(w[0].isupper() for w in words if len(w) > 3) and words[0][0].isupper()
    if not cased:
        return len(words) <= 5 and any(w.lower() in lex.abbreviations and text.find(w + ".", q[0], q[1]) >= 0
                                       for w in words)
    return False


_HANDLE = re.compile(r"(?<![\w.])@\w{2,}")


def _follow_prompt(text: str, q: tuple[int, int], lex: LangLexicon) -> bool:
    """Whether a quotation is a site's social-media sign-off ('"Follow Pam Key on Twitter @pamkeyNEN."'): it opens
    with one of ``follow_prompts`` and names a handle."""
    first = _WORD.search(text, q[0], q[1])
    return first is not None and first.group(0).lower() in lex.follow_prompts and \
        _HANDLE.search(text, first.end(), q[1]) is not None


def _inside(pos: int, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether ``pos`` lies strictly inside one of ``spans`` (sorted, not overlapping)."""
    i = bisect.bisect_right(spans, (pos, float("inf"))) - 1
    return i >= 0 and spans[i][0] < pos < spans[i][1]


def _in_any(pos: int, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether ``spans[k][0] <= pos < spans[k][1]`` for some k (sorted, merged spans)."""
    i = bisect.bisect_right(spans, (pos, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


def _bounded(text: str, sentences: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentences, with any longer than MAX_SENTENCE_CHARS cut at a space into pieces no longer."""
    out: list[tuple[int, int]] = []
    for s, e in sentences:
        while e - s > MAX_SENTENCE_CHARS:
            cut = text.rfind(" ", s + MAX_SENTENCE_CHARS // 2, s + MAX_SENTENCE_CHARS)
            cut = cut if cut > s else s + MAX_SENTENCE_CHARS
            out.append((s, cut))
            s = cut
        out.append((s, e))
    return out


def _adverb(word: str, lex: LangLexicon) -> bool:
    """Whether a word is an adverb, which is never a source nor part of one: "However", "eventually",
    "cynically" (the lexicon's ``sentence_adverbs``, or a lower-case word with one of its ``adverb_suffixes``)."""
    low = word.lower()
    if low in lex.sentence_adverbs:
        return True
    return word.islower() and len(word) >= 6 and low.endswith(lex.adverb_suffixes) and low not in lex.claimant_head


def _passive(folded: str, s: int, cs: int, cue: str, lex: LangLexicon) -> bool:
    """Whether a cue is a passive participle ("are often found", "has been harshly criticized", "was told"): a be
    form right before it, past adverbs; its subject is then what was found or told, not the source."""
    verb = cue.split()[0]
    if not (verb.endswith(lex.participle_suffixes) or verb in lex.past_participles):
        return False
    prev = _WORD.findall(folded, max(s, cs - 60), cs)
    while prev and _adverb(prev[-1], lex):
        prev.pop()
    return bool(prev) and prev[-1] in lex.passive_auxiliaries


# The most words of a name that a non-restrictive relative clause's cue takes as its speaker.
MAX_ANTECEDENT_TOKENS = 5


def _relative_antecedent(text: str, s: int, rel: int, lex: LangLexicon) -> Optional[tuple[int, int]]:
    """The speaker of a cue in a non-restrictive relative clause: "Jeb Bush, who announced he is suspending
    his campaign", "Barkley, who said he typically votes democratic": the name (a run of capitalised words)
    right before the comma that opens the clause. None when a comma or dash does not open it, or no name
    ends there ("the voters, who said ...": a common noun is left to the other rules)."""
    opener = _strip_span(text, s, rel, " \t")[1]
    if opener <= s or text[opener - 1] not in ",—–":
        return None
    words = list(_WORD.finditer(text, max(s, opener - 40 * MAX_ANTECEDENT_TOKENS), opener - 1))   # a name's reach
    run: list = []
    for w in reversed(words):
        gap = text[w.end():(run[0].start() if run else opener - 1)]
        if not w.group(0)[:1].isupper() or gap.strip(" .") or (run and "\n" in gap):
            break
        run.insert(0, w)
    if not 1 <= len(run) <= MAX_ANTECEDENT_TOKENS or \
            any(w.group(0).lower() in lex.claimant_trim | lex.determiners | lex.sentence_adverbs for w in run):
        return None
    before = [w for w in words if w.end() <= run[0].start()][-1:]
    if before and before[0].group(0).lower() in lex.non_claimant_edges | lex.claimant_links | lex.adjunct_words:
        return None         # "Senator Bernie Sanders of Vermont, who", "in July, which": a name in a phrase
    return run[0].start(), run[-1].end()


def _restrictive_antecedent(text: str, span: tuple[int, int], lex: LangLexicon) -> Optional[tuple[int, int]]:
    """The noun phrase a restrictive relative pronoun ending ``span`` stands for ("paying an architect who",
    "She spoke to voters who", "many Republicans who"), or None when ``span`` does not end so. Back from
    the pronoun over at most ``MAX_ANTECEDENT_TOKENS`` words, through a determiner or quantifier (included:
    the phrase's left edge), to a preposition, conjunction, auxiliary or a verb form (excluded). None too
    when the word before the pronoun heads no noun phrase ("those who", "one who", "some 30 who")."""
    words = list(_WORD.finditer(text, span[0], span[1]))
    low = [w.group(0).lower() for w in words]
    while len(low) > 2 and low[-1] not in lex.subject_relatives and (low[-1] in lex.claimant_trim or
                                                                    _adverb(words[-1].group(0), lex)):
        words, low = words[:-1], low[:-1]       # "a politician who will (say)", "officials who also (said)"
    if len(low) < 2 or low[-1] not in lex.subject_relatives or text[words[-2].end():words[-1].start()].strip():
        return None
    words, low = words[:-1], low[:-1]
    stops = lex.non_claimant_edges | lex.conjunctions | lex.claimant_trim | lex.adjunct_words | \
        lex.claimant_verbs | lex.claimant_breaks
    last = low[-1]
    if last in stops or last in lex.determiners or last in lex.claimant_quantifiers or last.isdigit() or \
            lex.claimant_head.get(last) == "pronoun":
        return None
    k = len(low)
    while k > 0 and len(low) - k < MAX_ANTECEDENT_TOKENS:
        w = low[k - 1]
        if w in lex.determiners or w in lex.claimant_quantifiers:
            k -= 1
            break
        if k < len(low) and (w in stops or (words[k - 1].group(0).islower() and
                                            w.endswith(tuple(lex.verb_suffixes)) and "-" not in w)):
            break       # "paying an architect": a verb form, not a compound ("a well-connected source")
        k -= 1
    return words[k].start(), words[-1].end()


def _trim_claimant(text: str, span: Optional[tuple[int, int]], lex: LangLexicon) -> Optional[tuple[int, int]]:
    """Drop auxiliaries, adverbs and conjunctions at the ends of a claimant span."""
    if span is None or not lex.claimant_trim:
        return span
    words = list(_WORD.finditer(text, span[0], span[1]))
    while words and (words[-1].group(0).lower() in lex.claimant_trim or _adverb(words[-1].group(0), lex)):
        words.pop()         # "Gingrich cynically (dismissed)", "he truly (believed)"
    while words and (words[0].group(0).lower() in lex.conjunctions or _adverb(words[0].group(0), lex)):
        words.pop(0)        # leading determiners stay: "The Post" is the outlet's name
    if not words:
        return None
    return words[0].start(), max(words[-1].end(), span[1] if text[words[-1].end():span[1]].strip() in (")",) else 0)


def _claimant_left(text: str, s: int, cs: int, lex: LangLexicon) -> Optional[tuple[int, int]]:
    """Subject before a cue: the words after the last clause boundary, at most ten."""
    head = text[s:cs].rstrip()
    if head.endswith(")") and not lex.claimant_first:
        # "Sen. Chris Murphy (a Connecticut Democrat so boyish he has been mistaken for a staffer) says S": the
        # name before a parenthesis that runs up to the cue
        opening = text.rfind("(", s, s + len(head))
        if opening > s and ")" not in text[opening:s + len(head) - 1] and _ntok(text[opening:s + len(head)]) > 3:
            named = _claimant_left(text, s, opening, lex)
            if named is not None:
                return named
    seg_start = s
    for m in _BOUNDARY.finditer(text, s, cs):
        seg_start = m.end()
    a, b = _strip_span(text, seg_start, cs)
    seg_words = _WORD.findall(text, a, b) if a < b else []
    low = [w.lower() for w in seg_words]
    if seg_words and low[0] in lex.gap_relatives and lex.subject_relatives and \
            all(v.islower() and (w in lex.claimant_trim or _adverb(v, lex)) for v, w in zip(seg_words[1:], low[1:])):
        antecedent = _relative_antecedent(text, s, a, lex)
        if antecedent is not None:
            return antecedent
    if seg_words and all((w in lex.claimant_trim or _adverb(v, lex) and w not in lex.sentence_adverbs)
                         and w not in lex.conjunctions
                         for v, w in zip(seg_words, low)) and \
            (all(w in lex.claimant_trim for w in low) or not any(w in lex.gap_relatives for w in low)):
        a = b       # "X, director of Y, also (forcefully) said S": only adverbs or an auxiliary after the apposition
        #             (not "..., who inexplicably refuses": a relative clause's subject is its antecedent)
    if a >= b:
        # "Greg Raiff, chief executive of X, said S": the subject opens the sentence, an apposition follows;
        # "Sen. Johnny Isakson (R-Ga.), one of ..., said S": or a parenthesis does
        s = _past_dateline(text, s, cs)     # "WASHINGTON -- President Obama, dedicating ..., said S"
        first = _BOUNDARY.search(text, s, cs)
        if first is not None and text[first.start()] in ":—" and not lex.claimant_first:
            # "Voter participation: Sanders, whose coalition includes ..., said S": after a label
            nxt = _BOUNDARY.search(text, first.end(), cs)
            if nxt is not None and text[nxt.start()] in ",(":
                s, first = first.end(), nxt
        if first is None or text[first.start()] not in ",(-—" or lex.claimant_first:
            return None
        a, b = _strip_span(text, s, first.start())
        lead = _WORD.search(text, a, b) if a < b else None
        if lead is not None and text[first.start()] == "," and \
                (lead.group(0).lower() in lex.adjunct_words | lex.subordinators or
                 (_adverb(lead.group(0), lex) and _ntok(text[a:b]) == 1) or _participle_opening(text, lead, b, lex)):
            # "In his response, Steve Coll, the dean of the school, said S": past the opening adverbial;
            # "However, Rep. Stephen Lynch (D-Mass.) said S": past an opening adverb; "Asked if there had been
            # fraud, Michael Briggs, Sanders's spokesman, suggested S": past the question put to the speaker
            second = _BOUNDARY.search(text, first.end(), cs)
            if second is None or text[second.start()] not in ",(":
                return None
            a, b = _strip_span(text, first.end(), second.start())
        if a >= b or not 1 <= _ntok(text[a:b]) <= 8:
            return None
    words = list(_WORD.finditer(text, a, b))
    if not words:
        return None
    if lex.claimant_first:
        # verb-final languages: the subject opens the clause; stop at its first adposition phrase
        stops = lex.claimant_stops
        end = b
        for w in words[1:]:
            if w.group(0).lower() in stops:
                end = w.start()
                break
        a2, b2 = _strip_span(text, a, end)
        return (a2, b2) if a2 < b2 else None
    if len(words) > MAX_CLAIMANT_LEFT_TOKENS:
        a = words[-MAX_CLAIMANT_LEFT_TOKENS].start()
    return a, b


def _ends_in_conjunction(text: str, span: tuple[int, int], lex: LangLexicon) -> bool:
    """Whether a claimant span ends in a conjunction, past auxiliaries and adverbs ("... in prison and (now)")."""
    words = _WORD.findall(text, span[0], span[1])
    while words and words[-1].lower() not in lex.conjunctions and \
            (words[-1].lower() in lex.claimant_trim or _adverb(words[-1], lex)):
        words.pop()
    return len(words) > 1 and words[-1].lower() in lex.conjunctions


def _participle_opening(text: str, lead: Any, b: int, lex: LangLexicon) -> bool:
    """Whether the capitalised word ``lead`` opens a participle's adverbial ("Speaking at a rally", "Asked if
    there had been fraud", "Pressed on the issue"), however long (the caller has found its comma)."""
    word = lead.group(0)
    if not word[:1].isupper():
        return False
    if _participial(word.lower(), lex):
        return True
    nxt = _WORD.search(text, lead.end(), b)
    return word.lower().endswith(tuple(lex.participle_suffixes)) and nxt is not None and \
        nxt.group(0).lower() in lex.adjunct_words | lex.statement_adjuncts | lex.question_openers


def _clause_verb(words: list[Any], low: list[str], lex: LangLexicon) -> Optional[int]:
    """Index of the first word that makes a claimant span a clause, or None: a finite verb with words after
    it ("her proposals were more"), or a lower-case word that is no link before a determiner ("Donald Trump
    unleashed a series of tweets", "They sent a letter")."""
    links = lex.non_claimant_edges | lex.conjunctions | lex.claimant_links | lex.claimant_trim | lex.determiners
    for k, w in enumerate(low[:-1]):
        if w in lex.claimant_verbs and any(x not in lex.claimant_trim for x in low[k + 1:]):
            return k
        if k >= 1 and low[k + 1] in lex.determiners and words[k].group(0).islower() and w not in links:
            return k
    return None


def _is_clause(text: str, span: tuple[int, int], lex: LangLexicon) -> bool:
    words = list(_WORD.finditer(text, span[0], span[1]))
    return _clause_verb(words, [w.group(0).lower() for w in words], lex) is not None


def _clause_subject(text: str, span: tuple[int, int], lex: LangLexicon,
                    participle: bool) -> Optional[tuple[int, int]]:
    """The subject that opens a clause read as a claimant: "Donald Trump unleashed a series of tweets
    criticizing X" -> "Donald Trump" (a participle cue), "Mr. Trump was apparently referring to" -> "Mr. Trump"
    (an auxiliary). A short name, pronoun or known head."""
    words = list(_WORD.finditer(text, span[0], span[1]))
    low = [w.group(0).lower() for w in words]
    k = _clause_verb(words, low, lex)
    if k is None or not 1 <= k <= 5:
        return None
    if not participle and low[k] not in lex.claimant_verbs:
        return None     # "he had a source who told him": a finite cue's subject may be the clause's object
    head = words[:k]
    while head and low[len(head) - 1] in lex.claimant_trim:
        head.pop()
    if not head:
        return None
    hl = [w.group(0).lower() for w in head]
    if hl[0] in lex.claimant_links:
        return None     # "the advent of Fox News gave ...": a link is inside a name, never its edge
    if hl == [hl[0]] and hl[0] in lex.expletives and low[k] in lex.passive_auxiliaries:
        return None     # "There are two reasons Israel refuses ...", "It is clear ...": an expletive is no source
    if not (all(w.group(0)[0].isupper() or w.group(0).lower() in lex.claimant_links for w in head) or
            (len(head) == 1 and lex.claimant_head.get(hl[0]) == "pronoun" and hl[0] not in ("his", "her")) or
            lex.claimant_head.get(hl[-1]) not in (None, "pronoun")):
        return None
    return head[0].start(), head[-1].end()


def _after_adjunct(words: list[Any], low: list[str], lex: LangLexicon) -> Optional[int]:
    """Where the subject starts in a span that opens a sentence with a preposition ("In a Bloomberg interview
    Trump"): a run of capitalised words at its end, from its last title ("At a rally in Ohio Mr. Trump" ->
    "Mr. Trump"), after a lower-case word that is no link; or a determiner and a known source head.
    None when the span does not end so (the caller then reads it as before)."""
    n = len(words)
    k = n
    while k > 1 and words[k - 1].group(0)[0].isupper() and low[k - 1] not in lex.claimant_stops:
        k -= 1
    if k < n:
        before = low[k - 1]
        if before in lex.claimant_stops:
            return k        # "On Sunday Trump said": after a time word
        if not words[k - 1].group(0)[0].islower() or before in lex.claimant_links or before in lex.determiners:
            return None     # "In a letter to President Obama": the name is the preposition's object
        titles = [j for j in range(k, n - 1) if low[j] in lex.abbreviations]
        return titles[-1] if titles else (k if before not in lex.non_claimant_edges else None)
    if n >= 4 and lex.claimant_head.get(low[-1]) not in (None, "pronoun") and low[-2] in lex.determiners:
        return n - 2        # not "In a statement (announcing ...)": the preposition's own object
    return None


def _clean_claimant(text: str, span: Optional[tuple[int, int]], lex: LangLexicon) -> Optional[tuple[int, int]]:
    """A claimant is a noun phrase that names a source; a clause fragment is none.

    "against what it described": the claimant restarts after a relative word ("it"); a span that
    opens or ends with a preposition ("with anti-Trump activists", "a crowd that hardly") or holds a
    bare number ("leads Sanders by roughly 270") is a piece of a clause, not a source.
    """
    if span is None:
        return None
    words = list(_WORD.finditer(text, span[0], span[1]))
    if not words:
        return None
    low = [w.group(0).lower() for w in words]
    # a leading "When X" is a subordinate clause, read by the caller with its statement
    for k in range(len(low) - 1, -1, -1):
        # "which RT pointed to": a relative word that opens the span is dropped too (not "When X said", which
        # the caller reads as a subordinate clause)
        if low[k] in lex.claimant_breaks and (k > 0 or (len(low) > 1 and low[0] not in lex.subordinators)):
            if 0 < k < len(low) - 1 and low[k] in lex.subject_relatives and words[k + 1].group(0).islower() and \
                    low[k + 1] not in lex.determiners and lex.claimant_head.get(low[k + 1]) != "pronoun" and \
                    (words[k - 1].group(0)[0].isupper() or low[k - 1] in lex.claimant_head):
                # "Current and former officials who spoke with The Huffington Post said": the relative clause
                # modifies the source; the cue's subject is what it hangs on
                words, low = words[:k], low[:k]
            else:
                words, low = words[k + 1:], low[k + 1:]
            break
    if not words:
        return None
    if len(low) >= 3 and low[0] in lex.adjunct_words and low[0] not in lex.subordinators and \
            words[0].group(0)[0].isupper() and lex.spaced and not lex.claimant_first and \
            not lex.capitalised_nouns and (head := _after_adjunct(words, low, lex)) is not None:
        # "In a Bloomberg interview Trump declared", "At a rally in Ohio Mr. Trump said": an opening adverbial
        # with no comma; the subject is the name (or "the senator") that ends the span (not where every noun
        # is capitalised: German)
        words, low = words[head:], low[head:]
    if len(low) >= 2 and low[-1] in lex.subject_pronouns and low[-2] not in lex.conjunctions:
        # "In an interview with network RT he blasted", "in Washington D.C. He recalled", "On Tuesday night he
        # said": a subject pronoun ends no noun phrase, so what comes before it is an adjunct (or the sentence
        # before); "Trump and I" stays
        words, low = words[-1:], low[-1:]
    # "Last week Stumpf in a televised interview said": an opening time and the occasion are no part of the source
    # (a name after the preposition is: "the Commission on Presidential Debates")
    for j in (0, 1):
        if len(low) > j + 1 and (low[j] in lex.claimant_stops or low[j] in lex.time_nouns) and \
                words[j + 1].group(0)[:1].isupper() and \
                (j == 0 or low[0] in lex.sentence_adverbs or low[0] in lex.time_openers):
            words, low = words[j + 1:], low[j + 1:]
            break
    if lex.occasion_prepositions:
        for k in range(1, len(low) - 1):
            window = words[k + 1:k + 1 + MAX_OCCASION_TOKENS]
            if low[k] in lex.occasion_prepositions and words[k].group(0).islower() and any(
                    w.group(0).islower() and (w.group(0) in lex.occasion_nouns or
                                              lex.claimant_head.get(w.group(0)) == "document") for w in window):
                words, low = words[:k], low[:k]
                break
    if not lex.claimant_first:
        # "Bộ Ngoại giao tối thứ Sáu cho biết": a time adverbial between subject and verb is not the source
        for k in range(1, len(low)):
            if low[k] in lex.claimant_stops and low[k - 1] not in lex.determiners:
                # ("an earlier report in a paper": after a determiner the time word is the noun's adjective)
                words, low = words[:k], low[:k]
                while len(low) > 1 and low[-1] in lex.non_claimant_edges:
                    words, low = words[:-1], low[:-1]      # "Clinton on Sunday" -> "Clinton"
                break
    # "leads Sanders by roughly 270" is a clause; "About 9 percent (of voters)", "45% of Republicans" and
    # "About four in 10 voters" are a poll's respondents
    def share(k: int) -> bool:
        nxt = low[k + 1] if k + 1 < len(low) else ""
        j = k - 1 if k > 0 and low[k - 1] in lex.modifier_of else k      # "about 9 percent"
        opens = j == 0 or low[j - 1] in lex.conjunctions or (             # "... and 12% of Democrats"
            j <= 2 and low[0] in lex.determiners | lex.subordinators)        # "A mere 9 percent", "though 32%"
        if opens and (lex.unit_to_concept.get(nxt) == "percent" or text[words[k].end():words[k].end() + 1] == "%"):
            return True
        return 2 <= k <= 4 and low[k - 1] in ("in", "of") and \
            (low[k - 2].isdigit() or low[k - 2] in lex.words or low[k - 2] == "out")
    def year(k: int) -> bool:
        # "A 2014 study by ...", "his 1995 tax return": a year before a noun, after a determiner or first
        w = low[k]
        return len(w) == 4 and 1800 <= int(w) <= 2100 and k + 1 < len(low) and low[k + 1].isalpha() and \
            low[k + 1] not in lex.conjunctions and \
            (k == 0 or low[k - 1] in lex.determiners or
             low[k - 1].endswith(("'s", "’s")))

    def group(k: int) -> bool:
        # "1,409": a digit group after a thousands separator is the same number as the digits before it
        return k > 0 and len(low[k]) == 3 and low[k].isdigit() and low[k - 1].isdigit() and \
            text[words[k - 1].end():words[k].start()] in (",", ".", "\u00a0", "\u202f")

    def counted(k: int) -> bool:
        # "520 superdelegates have said", "About 40 economists": a count that opens the span heads its noun
        j = k - 1 if k > 0 and low[k - 1] in lex.modifier_of else k
        while k + 1 < len(low) and group(k + 1):
            k += 1
        nxt = low[k + 1] if k + 1 < len(low) else ""
        return j == 0 and nxt.isalpha() and words[k + 1].group(0).islower() and nxt not in lex.adjunct_words and \
            nxt not in lex.non_claimant_edges and nxt not in lex.unit_to_concept and nxt not in lex.claimant_stops

    if len(low) >= 3 and low[-2] in lex.adjunct_words and len(low[-1]) == 4 and low[-1].isdigit():
        words, low = words[:-2], low[:-2]   # "an arbitration panel in 2001" -> "an arbitration panel"
    if any(w.isdigit() and not group(k) and not share(k) and not year(k) and not counted(k) for k, w in enumerate(low)):
        return None
    if all(w in lex.claimant_stops for w in low):
        return None     # "..., said Sunday": a time word is no source
    if low[0] in lex.demonstratives and len(low) <= 3 and not any(w in lex.claimant_head for w in low[1:]) and \
            not (len(low) == 2 and low[1].endswith(tuple(lex.participle_suffixes))):
        return None     # "These dealings show", "This development highlighted": no source ("those surveyed" is)
    # "her" ends no claimant ("told her") but opens one as a possessive ("Her advisers"); "As X announces
    # that S, ...": a leading subordinator is read by the caller, which ends S at the clause
    if lex.non_claimant_edges and ((low[0] in lex.non_claimant_edges and
                                    not (len(low) > 1 and low[0] in lex.subordinators and
                                         low[1] not in lex.non_claimant_edges) and
                                    not (len(low) > 1 and lex.claimant_head.get(low[0]) == "pronoun") and
                                    not (len(low) > 2 and low[0] in lex.modifier_of and
                                         (low[1].isdigit() or low[1] in lex.words))) or
                                   (low[-1] in lex.non_claimant_edges and
                                    not (len(low) >= 3 and low[-2] == "of" and low[0] not in lex.non_claimant_edges) and
                                    not (len(low) >= 3 and " ".join(low[-3:-1]) in lex.claimant_relations))):
        return None     # ... though "most of them", "many of us", "those close to him" end in a pronoun
    if len(words) >= LONG_CLAIMANT_WORDS and lex.spaced and not lex.capitalised_nouns and not lex.claimant_first:
        # "The lawsuit filed in federal court by the state of New York says", "The GOP's complaint to the Board
        # says": a document that heads the span (after a determiner, a possessive or a name) is the source,
        # not the name the span ends in
        head = next((j for j in range(min(MAX_DOCUMENT_HEAD_AT + 1, len(low) - 1))
                     if lex.claimant_head.get(low[j]) == "document" and words[j].group(0).islower() and all(
                         low[i] in lex.determiners or low[i].endswith(("'s", "’s")) or words[i].group(0)[0].isupper()
                         for i in range(j))), None)
        # "The ad uses footage of Hillary Clinton asking": in a long span the subject of the cue is the
        # name (or pronoun) right before it, with its title ("Russian Foreign Ministry spokeswoman ...")
        k = len(words)
        while k > 0:
            w = low[k - 1]
            if words[k - 1].group(0)[0].isupper() or w in lex.claimant_head or \
                    (k < len(words) and w in lex.claimant_links and words[k - 2].group(0)[0].isupper()):
                k -= 1
                continue
            break
        if 2 <= k < len(words) and low[k - 1] in lex.adjunct_words | lex.claimant_links and \
                lex.claimant_head.get(low[k - 2]) not in (None, "pronoun") and \
                not (lex.claimant_head.get(low[k - 2]) == "document" and low[k - 1] in lex.addressee_prepositions):
            # "Aides to Gov. Chris Christie", "a poll in December": the name is the head's complement (but
            # "a letter to Attorney General Lynch" is addressed to the name, whoever wrote it)
            k -= 2
            while k > 0 and (low[k - 1] in lex.determiners or low[k - 1] in lex.claimant_quantifiers or
                             words[k - 1].group(0)[0].isupper()):
                k -= 1
        if head is not None and head + 1 < k < len(words) and words[k].group(0)[0].isupper():
            return words[0].start(), words[head].end()
        if k < len(words):
            words, low = words[k:], low[k:]
        while len(words) > 1 and low[0] in lex.claimant_links | {"of", "the"}:
            words, low = words[1:], low[1:]
    # "her proposals were more (detailed)", "Donald Trump unleashed a series of tweets": a finite verb
    # followed by more words makes the span a clause, not a noun phrase
    if _clause_verb(words, low, lex) is not None:
        return None
    end = span[1] if not text[words[-1].end():span[1]].strip(" )") else words[-1].end()
    return words[0].start(), _without_particle(text, words[-1].start(), end, lex)


def _without_particle(text: str, start: int, end: int, lex: LangLexicon) -> int:
    """The end of a claimant's last word ``text[start:end]`` without a case or topic particle glued to it
    (``claimant_suffixes``): Korean "경찰에 따르면" and "대변인은 ... 말했다" name 경찰 and 대변인, Turkish
    "Reuters'a göre" Reuters. Something of the word is always left."""
    word = text[start:end]
    for suffix in lex.claimant_suffixes:
        if word.endswith(suffix) and len(word) > len(suffix):
            return end - len(suffix)
    return end


def _negated(folded: str, s: int, cs: int, lex: LangLexicon) -> bool:
    """"did not say", "không nêu rõ": a negated cue reports that something was *not* said."""
    if not lex.negations:
        return False
    seg = s
    for bm in _BOUNDARY.finditer(folded, max(s, cs - 40), cs):
        seg = bm.end()
    prev = _WORD.findall(folded, seg, cs)[-3:]
    return any(w in lex.negations for w in prev[-2:]) or " ".join(prev[-2:]) in lex.negations



def _verb_after_modifier(folded: str, marker: str, cue: str, ce: int, e: int, lex: LangLexicon) -> bool:
    """Whether a cue after a noun marker that is no determiner or preposition ("media", "earlier", "new") is a
    verb all the same: a form that is never a noun ("state media reported that S", "Clinton earlier said S"),
    or one that is no noun cue followed by a complementizer ("police's earlier claim that S" is a noun)."""
    if marker not in lex.noun_markers or marker in lex.determiners or marker in lex.non_claimant_edges:
        return False
    nxt = (_WORD.findall(folded, ce, min(e, ce + 30))[:1] or [""])[0]
    if nxt in lex.complementizers:
        return cue not in lex.noun_cues
    if cue in lex.past_participles or (cue.endswith(lex.participle_suffixes) and cue not in lex.noun_cues):
        # ... but not one before a plain word, which it modifies ("such expected backers")
        return not nxt or nxt in lex.determiners or nxt in lex.non_claimant_edges or nxt in lex.claimant_stops or \
            lex.claimant_head.get(nxt) == "pronoun"
    return False


def _wants_to(text: str, folded: str, s: int, cs: int, ce: int, e: int, lex: LangLexicon) -> bool:
    """Whether a noun-or-verb cue before "to" is the verb of its subject: "Rubio wants to emerge",
    "they hope to", "voters who want to", "the officials hope to" (not "Russian support to reinforce",
    "his plans to", "calls to impeach"; nor "the candidate plans to", which a singular noun leaves open)."""
    if not (_WORD.findall(folded, ce, min(e, ce + 30))[:1] or [""])[0] == "to":
        return False
    seg = s
    for bm in _BOUNDARY.finditer(folded, max(s, cs - 40), cs):
        seg = bm.end()
    prev = _WORD.findall(text, seg, cs)[-1:]
    if not prev:
        return False
    word, low = prev[0], prev[0].lower()
    if _subject_pronoun(word, lex) or low in lex.subject_relatives:
        return True
    head = lex.claimant_head.get(low)
    function = lex.determiners | lex.conjunctions | lex.adjunct_words | lex.claimant_trim | lex.claimant_verbs | \
        lex.non_claimant_edges | frozenset(lex.complementizers)
    if word.islower():
        if low in function or head == "pronoun":
            return False
        # a subject agrees with its verb: "the candidate plans to", "voters want to" (not "new plans to")
        return head is not None or (low.endswith("s") and not folded[cs:ce].endswith("s") and len(low) > 3)
    # a capitalised subject with a singular verb: "Clinton hopes to", not "Russian support to"
    return folded[cs:ce].endswith("s") and head is None and low not in lex.determiners


def _other_sense(folded: str, s: int, cs: int, ce: int, e: int, cue: str, lex: LangLexicon) -> bool:
    """Whether a verb cue is used in a sense that reports nothing: right after one of ``act_before``
    ("helped found the group"), or followed by one of ``act_objects``, given as the words after the cue
    ("ways to press his agenda") or as the cue and the word after it ("found himself embroiled"; "calls
    himself a democratic socialist" is a claim). A cue whose content is its object is never an act here."""
    if not lex.act_before and not lex.act_objects:
        return False
    near = list(_WORD.finditer(folded, max(s, cs - 40), cs))[-2:]
    prev = [w.group(0) for w in near]
    if prev and prev[-1] in lex.act_before:
        return True
    if len(prev) == 2 and prev[0] in lex.act_before and not _BOUNDARY.search(folded, near[0].end(), cs) and \
            (prev[1] in lex.object_pronouns or prev[1] in lex.claimant_head):
        return True     # "her push to help people understand the past": the helped one's understanding, an act
    if cue in lex.object_cues:
        return False
    nxt = _WORD.findall(folded, ce, min(e, ce + 40))[:2]
    if len(nxt) == 2 and f"{cue} {nxt[0]}" in lex.means_cues and nxt[1].endswith("ing") and len(nxt[1]) >= 5 and \
            nxt[1] not in lex.verb_cues and nxt[1] not in lex.participles:
        return True     # "responded by pointing a finger" (not "responded by saying S")
    return bool(nxt) and (nxt[0] in lex.act_objects or " ".join(nxt) in lex.act_objects or
                          f"{cue} {nxt[0]}" in lex.act_objects)


def _noun_phrase_end(text: str, pos: int, e: int, lex: LangLexicon) -> Optional[int]:
    """End of the noun phrase that starts at ``pos``, in a language that capitalises nouns (German) or puts
    the finite verb second (Dutch: the phrase ends before the first of the lexicon's ``claimant_verbs``).

    Capitalised words and the lexicon's ``claimant_links`` (articles, "von") belong to it, and so does a
    lower-case adjective between a link and a capitalised noun ("laut der russischen Regierung");
    the first other word (the finite verb) ends it.
    """
    if lex.verb_second and not lex.capitalised_nouns:
        # "Volgens de politie zijn er 12 doden": the phrase ends before the finite verb that follows it
        words = list(itertools.islice(_WORD.finditer(text, pos, e), 12))
        k = next((k for k, w in enumerate(words) if w.group(0).lower() in lex.claimant_verbs
                  or w.group(0).lower() in lex.verb_cues), None)
        return words[k - 1].end() if k else None
    if not lex.capitalised_nouns:
        return None
    words = list(_WORD.finditer(text, pos, e))
    end = None
    for k, w in enumerate(words[:12]):
        token = w.group(0)
        nxt = words[k + 1].group(0) if k + 1 < len(words) else ""
        prev = words[k - 1].group(0).lower() if k > 0 else ""
        if token[0].isupper() or token.lower() in lex.claimant_links or \
                (prev in lex.claimant_links and nxt[:1].isupper()):
            end = w.end()
            continue
        break
    else:
        return None
    return end


def _leading_words(text: str, ce: int, e: int, n: int) -> tuple[int, int]:
    """The span of at most ``n`` words after ``ce``, up to the first boundary mark."""
    stop = _BOUNDARY.search(text, ce, e)
    words = list(itertools.islice(_WORD.finditer(text, ce, stop.start() if stop else e), n))
    return (words[0].start(), words[-1].end()) if words else (ce, ce)


def _claimant_right(text: str, ce: int, e: int, lex: Optional[LangLexicon] = None) -> Optional[tuple[int, int]]:
    stop = _BOUNDARY.search(text, ce, e)
    b = stop.start() if stop else e
    a, b = _strip_span(text, ce, b)
    if a >= b or _ntok(text[a:b]) > MAX_RIGHT_CLAIMANT_TOKENS:
        return None
    if lex is not None:
        b = _drop_medium(text, a, b, lex)
    return a, b


def _head_phrase(text: str, span: tuple[int, int], lex: LangLexicon) -> Optional[tuple[int, int]]:
    """The head of a long claimant after its cue, without what modifies it: "says Stu Rothenberg of the
    non-partisan Rothenberg-Gonzales Political Report" -> "Stu Rothenberg", "wrote a Trump supporter who runs
    the account @X" -> "a Trump supporter". The words before the first preposition, relative word or
    participle; None when that is still no short noun phrase."""
    words = list(_WORD.finditer(text, span[0], span[1]))
    end = None
    for k, w in enumerate(words[1:], 1):
        low = w.group(0).lower()
        nxt = words[k + 1].group(0) if k + 1 < len(words) else ""
        if low in lex.non_claimant_edges or low in lex.claimant_breaks or \
                (w.group(0).islower() and low.endswith(lex.verb_suffixes) and len(low) > 4) or \
                (low in lex.conjunctions and nxt.islower()):        # "said Bjartmar and points out that"
            end = k
            break
    if end is None:
        return None
    head = words[:end]
    while head and head[-1].group(0).lower() in lex.claimant_trim:
        head.pop()
    if not head or _ntok(text[head[0].start():head[-1].end()]) > MAX_POST_CLAIMANT_TOKENS:
        return None
    if words[end].group(0).lower() == "of" and not head[-1].group(0)[0].isupper():
        return None     # "the head of the central bank": "of" completes a title; only a name's "of" may go
    # "former tech executive Carly Fiorina": a lower-case title of a few words before a name
    titled = head[-1].group(0)[0].isupper() and sum(w.group(0).islower() for w in head) <= 3
    if not (head[0].group(0)[0].isupper() or head[0].group(0).lower() in ("the", "a", "an") or titled or
            (head[0].group(0).lower() in lex.claimant_quantifiers and len(head) > 1) or
            lex.claimant_head.get(head[-1].group(0).lower()) is not None):
        return None
    return head[0].start(), head[-1].end()


def _drop_medium(text: str, a: int, b: int, lex: LangLexicon) -> int:
    """End of a claimant without the medium it spoke through: "the government in a statement",
    "le groupe dans un communiqué", "die Regierung in einer Presseerklärung" -> the source alone."""
    words = list(_WORD.finditer(text, a, b))
    low = [w.group(0).lower() for w in words]
    docs = [h for h, t in lex.claimant_head.items() if t == "document"]
    for k in range(1, len(low) - 1):
        if low[k] not in lex.non_claimant_edges or not words[k].group(0).islower():
            continue
        if any(lex.claimant_head.get(w) == "document" or
               (lex.capitalised_nouns and any(w.endswith(h) for h in docs)) for w in low[k + 1:k + 4]):
            return _strip_span(text, a, words[k].start())[1]
    return b


def _in_open_quote(before: str) -> bool:
    """Whether the end of ``before`` lies inside a quotation it opens ('"Working that': yes; '"Morning Joe"
    on Friday that': no)."""
    opened = sum(before.count(ch) for ch in "“«„「『‹")
    closed = sum(before.count(ch) for ch in "”»」』›")
    return opened > closed or before.count('"') % 2 == 1


def _after_complementizer(text: str, ce: int, e: int, lex: LangLexicon,
                          within: int = MAX_CUE_TO_THAT_TOKENS) -> int:
    """Start of the statement after a cue: past "that"/"rằng"/"که" when it comes within a few words."""
    window = text[ce:e]
    low = lex.fold(window) if len(lex.fold(window)) == len(window) else window.lower()
    for comp in lex.complementizers:
        # (not "that's": "I think that's why ..." has no complementizer, "that" is the clause's subject)
        m = re.search(r"(?<!\w)" + re.escape(comp) + r"(?!\w|['’]\w)", low)
        # 'He says, "Working that microphone ..."': a "that" inside a quotation is the quote's own word
        if m is None or _in_open_quote(window[:m.start()]):
            continue
        if not _WORD.search(window, m.end()):
            continue        # "... to accomplish that.": a pronoun that ends the sentence opens no clause
        n = _ntok(window[:m.start()])
        lead = _WORD.findall(low[:m.start()])
        if len(lead) >= 3 and lead[0] in lex.negations and lead[1] == "to":
            break           # "vowed not to repeat that mistake": "that" is the infinitive's determiner
        clause = _COMMA_WORD.search(window, 0, m.start())
        if clause is not None and clause.group(1).lower() in lex.participles:
            break           # "said in a statement, adding that S": the participle's "that", a claim of its own
        # "cited documents indicating that S": a participle right before the "that" carries the claim on
        before = (lead[-1:] or [""])[0]
        # (", saying that" after a comma is a clause of its own: "called for releasing the videos, saying that S")
        if n <= within or (n <= MAX_PARTICIPLE_THAT_TOKENS and before in lex.participles and
                           not re.search(r"[,;—–]", low[:m.start()])):
            return ce + m.end()
    m = re.match(r"\s*[:：]\s*", window)
    return ce + (m.end() if m else 0)


def _quotation_after(text: str, ce: int, e: int, lex: LangLexicon) -> Optional[int]:
    """Where a quotation opens after a cue's addressee or adjunct and a comma or colon, or None: not past
    a clause ('urged women to vote for X, saying, “...”')."""
    opening = _QUOTE_AFTER.search(text, ce, min(e, ce + 80))
    if opening is None:
        return None
    gap = [w.lower() for w in _WORD.findall(text, ce, opening.start())]
    if len(gap) > MAX_ADDRESSEE_TOKENS + 2 or any(
            _participial(w, lex) or w in lex.participles or w in lex.verb_cues or w in lex.complementizers
            for w in gap):
        return None
    return opening.start(1)


def _past_adjunct(text: str, ce: int, e: int, cue: str, lex: LangLexicon) -> Optional[int]:
    """Where the statement starts after a cue that takes an addressee or an adjunct first.

    "told reporters at a briefing that S", "said in Las Vegas at a forum, S": the words right after
    such a cue are not the claim. Returns the statement start, the cue's end when nothing needs
    skipping, or None when the cue governs no statement at all ("said in an interview Tuesday").
    """
    words = _WORD.findall(text, ce, min(e, ce + 40))
    cue_last = cue.split(" ")[-1]
    if cue not in lex.addressee_cues and cue_last not in lex.adjunct_words and \
            not (words and words[0].lower() in lex.adjunct_words):
        if words and words[0].lower() in lex.claimant_stops:
            # 'said Thursday on Twitter, "We have never ..."': a time, then the quotation
            quoted = _quotation_after(text, ce, e, lex)
            if quoted is not None:
                return quoted
        return ce
    st = _after_complementizer(text, ce, e, lex, within=MAX_ADJUNCT_TOKENS)
    if st > ce:
        return st
    # 'told his radio audience on Monday, “What has happened is this ...”', 'said in a statement, "..."': the
    # quotation after the addressee or the adjunct
    quoted = _quotation_after(text, ce, e, lex)
    if quoted is not None:
        return quoted
    if cue in lex.addressee_cues:
        # "told the audience she was leaving": the claim opens with its subject pronoun after the addressee
        for k, w in enumerate(list(_WORD.finditer(text, ce, min(e, ce + 60)))[:MAX_ADDRESSEE_TOKENS]):
            low = w.group(0).lower()
            if _BOUNDARY.search(text, ce, w.start()):
                break       # 'asking, "Why aren't I ...': past a comma or a quote mark is no addressee
            if k > 0 and lex.claimant_head.get(low) == "pronoun" and low not in lex.determiners:
                return w.start()
    return None


def _attribution_in(text: str, s: int, e: int, lex: LangLexicon, folded: str,
                    quotes: Sequence[tuple[int, int]],
                    all_cues: Optional[list[PhraseMatch]] = None, top: bool = False) -> Optional[Attribution]:
    """The first attribution in [s, e); ``top`` when [s, e) is a whole sentence (not the rest of a statement),
    so that its opening subject may stand for a claimant the cue shares ("X denied A and accused B")."""
    att = _attribution_raw(text, s, e, lex, folded, quotes, all_cues, top)
    if att is None or att.claimant is None:
        return att
    if _names_a_thing(text, att, lex):
        return None         # "a firm called Cambridge Analytica", "another group named Stop Hillary": a name
    raw = text[att.claimant[0]:att.claimant[1]].split()
    while len(raw) > 1 and raw[-1].lower() in lex.claimant_trim and raw[-1].lower() not in lex.conjunctions:
        raw.pop()       # "X denied A and has accused B"
    if raw and raw[-1].lower() in lex.conjunctions:
        seg = max(s, att.claimant[0] - 60)
        for bm in _BOUNDARY.finditer(text, seg, att.claimant[0]):
            seg = bm.end()
        lead = [w.lower() for w in _WORD.findall(text, seg, att.claimant[1])][:-1][-MAX_ANTECEDENT_TOKENS - 2:]
        cue_word = text[att.cue[0]:att.cue[1]].lower() if att.cue is not None else ""
        # ("that fall" is a determiner's; "who" stands for a person, who may be a source: "Ben Terris, who saw
        # the incident and described it")
        last = (_WORD.findall(text, att.claimant[0], att.claimant[1])[-1:] or [""])[0].lower()
        if cue_word not in lex.post_cues and last in lex.conjunctions and any(
                w in lex.gap_relatives and w not in lex.subject_relatives and nxt.endswith(("s", "ed"))
                for w, nxt in zip(lead, lead[1:-1])):
            # "a new conversation that humanizes black people and demands respect": the second verb of a
            # relative clause, whose subject is the relative's antecedent, not a source (a speech verb there
            # goes with the sentence's own: "announced support from mothers who lost children and said S")
            return None
        # "X denied A and accused B": the subject is X, the sentence's opening subject when it has one
        subject = _main_subject(text, s, att.cue[0], lex) if att.cue is not None and top else None
        if subject is not None and subject[0] > att.claimant[0]:
            subject = None
        return Attribution(att.kind, att.start, att.end, att.statement, subject, att.cue, att.confidence, att.gap)
    st = att.statement
    first = _WORD.search(text, att.claimant[0], att.claimant[1])
    if first is not None and first.group(0).lower() in lex.subordinators and att.cue and st[0] >= att.cue[1]:
        # "When X said S, the pope ...": the statement ends with the subordinate clause
        words = list(_WORD.finditer(text, first.end(), att.claimant[1]))
        stop = re.compile(r",\s").search(text, st[0], st[1])
        if stop is not None and _ntok(text[st[0]:stop.start()]) >= 2:
            st = _strip_span(text, st[0], stop.start())
        if not words:
            # "Since announcing that S, X has ...": the subject comes after the clause
            return Attribution(att.kind, att.start, att.end, st, None, att.cue, att.confidence, att.gap)
        att = Attribution(att.kind, att.start, att.end, st, (words[0].start(), att.claimant[1]), att.cue,
                          att.confidence, att.gap)
    cl = _trim_claimant(text, att.claimant, lex)
    if cl is None:
        if all(_adverb(w, lex) for w in _WORD.findall(text, att.claimant[0], att.claimant[1])):
            # "Recently, calling for S" / "that egregiously described S": the adverb is no source, but S is
            # still reported; its source is left open
            return Attribution(att.kind, att.start, att.end, st, None, att.cue, att.confidence, att.gap)
        return None
    return Attribution(att.kind, att.start, att.end, st, cl, att.cue, att.confidence, att.gap)


def _names_a_thing(text: str, att: Attribution, lex: LangLexicon) -> bool:
    """Whether "called" (a ``naming_cues`` word) gives a thing its name: "a firm called Cambridge Analytica",
    "another called i360", "a blog called the "Feed"": its claimant is an indefinite noun of a few words
    (an article or "another", "one"; ``claimant_quantifiers``) and the statement opens with a capital, a
    quote mark or a determiner and a capital."""
    if not lex.naming_cues or att.cue is None or att.claimant is None or att.statement[0] < att.cue[1]:
        return False
    if re.sub(r"[\s\u200c]+", " ", text[att.cue[0]:att.cue[1]].lower()) not in lex.naming_cues:
        return False
    st = text[att.statement[0]:att.statement[1]]
    if text[att.claimant[1]:att.cue[0]].strip() == "," and _name_apposition(st):
        return True     # "The program, called EB-5, allows ...": an apposition names its noun
    words = _WORD.findall(text, att.claimant[0], att.claimant[1])
    if not words or len(words) > 3 or not (words[0].lower() in ("a", "an") or words[0].lower() in lex.claimant_quantifiers):
        return False
    first = _WORD.search(st)
    if st[:1] in _OPEN_QUOTES or (first is not None and first.start() == 0 and first.group(0)[0].isupper()):
        return True
    nxt = _WORD.search(st, first.end()) if first is not None else None
    return first is not None and first.group(0).lower() in lex.determiners and nxt is not None and \
        (nxt.group(0)[0].isupper() or any(ch in st[first.end():nxt.start()] for ch in _OPEN_QUOTES))


# The most words of a name that ", called X," gives its noun.
MAX_NAME_TOKENS = 5


def _name_apposition(statement: str) -> bool:
    """Whether a statement after ", called" opens with a name closed by a comma ("EB-5, allows ...",
    "“Medicare for All,” would ..."): a capitalised word or a quotation, at most ``MAX_NAME_TOKENS`` words."""
    comma = statement.find(",")
    if comma <= 0:
        return False
    head = statement[:comma].strip()
    first = _WORD.search(head)
    return first is not None and _ntok(head) <= MAX_NAME_TOKENS and \
        (head[:1] in _OPEN_QUOTES or head[:1] == '"' or (first.start() == 0 and first.group(0)[0].isupper()))


def _signs_off(text: str, folded: str, s: int, cs: int, ce: int, e: int, cue: str, lex: LangLexicon) -> bool:
    """Whether a post cue ends the sentence after a comma and a short subject of its own ("S, experts
    say."), so that a question word in S ("unclear on whether ...") is the statement's, not the cue's."""
    seg = None
    for seg in _BOUNDARY.finditer(text, s, cs):
        pass
    if seg is not None and text[seg.start()] == "," and cue in lex.prep_cues and not text[seg.end():cs].strip():
        return True     # "S (whether ...), according to X": the preposition names the source of all of S
    if seg is None or text[seg.start()] != "," or cue not in lex.post_cues or _ntok(text[ce:e]) > 0:
        return False
    np = _WORD.findall(folded, seg.end(), cs)
    # ("how Russia, China and Iran responded": a list of the question's own, not a subject that signs off)
    return 1 <= len(np) <= 4 and not any(w in lex.question_words or w in lex.subordinators or w in lex.conjunctions
                                         for w in np)


def _attribution_raw(text: str, s: int, e: int, lex: LangLexicon, folded: str,
                    quotes: Sequence[tuple[int, int]],
                    all_cues: Optional[list[PhraseMatch]] = None, top: bool = False) -> Optional[Attribution]:
    if all_cues is not None:
        lo = bisect.bisect_left(all_cues, (s,), key=lambda m: (m.s,))
        cues: list[Any] = []
        for m in all_cues[lo:]:
            if m.s >= e:
                break
            if m.e <= e:
                cues.append(m)
    else:
        cues = list(lex.re_cue.finditer(folded, s, e))
    cues = cues[:MAX_CUES_PER_SENTENCE]
    # "S, theo X" / "according to X": a preposition cue names the source unambiguously; prefer it.
    def order(m: Any) -> tuple[bool, bool, int]:
        prep = re.sub(r"[\s\u200c]+", " ", m.group(0)) in lex.prep_cues
        # "S, the ministry said.": a cue near the end after a boundary is the attribution, not "expected" in S
        # (only a cue that can sign off, or a participle after a comma: "... protests demands a national
        # conversation" is a verb of S)
        phrase = re.sub(r"[\s\u200c]+", " ", m.group(0))
        signs_off = phrase in lex.post_cues
        post = (signs_off or phrase in lex.participles) and _ntok(text[m.end():e]) <= 3 and \
            _BOUNDARY.search(text, s, m.start()) is not None
        if not post and signs_off and _BOUNDARY.search(text, s, m.start()) is not None:
            # "S, the Post reported, citing another source.": the sign-off comes before the narrator's participle
            rest = re.match(r"\s*,\s*([^\W\d_]+)", text[m.end():e])
            post = rest is not None and rest.group(1).islower() and _participial(rest.group(1), lex)
        # "S, said X, director of Y.": a post-verb right after the statement's closing comma or quote
        if not post and signs_off:
            before = text[max(s, m.start() - 3):m.start()].rstrip()
            post = bool(before) and before[-1] in ",”\"’»،" and _ntok(text[s:m.start()]) >= 4
        if post and _named_before(m):
            post = False
        if post and signs_off:
            # "..., amounting to what the senators said was X": a cue inside a clause that a relative or
            # question word opens signs nothing off
            seg = s
            for bm in _BOUNDARY.finditer(text, s, m.start()):
                seg = bm.end()
            post = not any(w in lex.gap_relatives or w in lex.question_openers
                           for w in _WORD.findall(folded, seg, m.start()))
        return (not prep, not post, m.start())

    def _named_before(m: Any) -> bool:
        """'Feinstein said "I don't know ...," she said.': a pronoun's sign-off after a quotation that a name
        and its cue open earlier in the sentence repeats that attribution; the name's cue comes first."""
        prev = _WORD.findall(text, max(s, m.start() - 12), m.start())[-1:]
        if not prev or lex.claimant_head.get(prev[0].lower()) != "pronoun":
            return False
        for c in found:     # (not ``cues``, which reads as empty while it is sorted)
            if c.end() > m.start() or _inside(c.start(), quotes) or \
                    re.sub(r"[\s\u200c]+", " ", c.group(0)) not in lex.post_cues:
                continue
            name = _WORD.findall(text, max(s, c.start() - 30), c.start())[-1:]
            k = bisect.bisect_left(quotes, (c.end(), -1))      # the first quotation after the name's cue
            if name and name[0][:1].isupper() and lex.claimant_head.get(name[0].lower()) != "pronoun" and \
                    k < len(quotes) and quotes[k][1] <= m.start():
                return True
        return False
    found = list(cues)
    cues.sort(key=order)
    for m in cues:
        cs, ce = m.start(), m.end()
        if _inside(cs, quotes):
            continue
        cue = re.sub(r"[\s\u200c]+", " ", folded[cs:ce])
        verb, _, last = cue.rpartition(" ")
        if verb and last in lex.determiners and text[ce - len(last):ce][:1].isupper() and \
                (verb in lex.verb_cues or verb in lex.post_cues):
            # "told The Huffington Post": the article is the name's, not the cue phrase's ("told the")
            ce, cue = cs + len(verb), verb
        if cue in lex.quote_signs:
            continue        # signs a quotation only (``_speaker_after``)
        if _opens_as_adverbial(text, s, cs, e, lex):
            continue        # "Asked which county was his favorite, he said ...": the question put to the speaker
        if cs > s and text[cs].isupper() and lex.spaced and not text[cs - 2:cs].strip(" ") in ("", "\n") and \
                not (cue in lex.post_cues and _title_case(text, s, e)):
            continue        # "United States", "The Post": a name, not a verb ("Clinton Says Russians Hacked DNC" is one)
        # the words right before the cue in its clause: "the news, according to X" has no noun marker
        before = folded[max(s, cs - 30):cs]
        stop = None
        for stop in _BOUNDARY.finditer(before):
            pass
        prev = _WORD.findall(before[stop.end():] if stop is not None else before)
        if prev and (prev[-1] in lex.noun_markers or " ".join(prev[-2:]) in lex.noun_markers) and \
                not _verb_after_modifier(folded, prev[-1], cue, ce, e, lex):
            continue        # "its claims", "the report", "các tài liệu"
        poss = re.search(r"\w['’]s?\s+$", text[max(s, cs - 4):cs]) if lex.spaced else None
        if poss is not None:
            # "Donald Trump's claim that S": a noun cue; its owner is the claimant when "that" follows
            st_start = _after_complementizer(text, ce, e, lex, within=1)
            if st_start == ce or text[ce:st_start].strip().startswith((":", "：")):
                continue
            owner_words = list(_WORD.finditer(text, max(s, cs - 60), max(s, cs - 4) + poss.start() + 1))
            run: list[re.Match[str]] = []
            for w in reversed(owner_words):
                if w.group(0)[0].isupper() and len(run) < 5:
                    run.append(w)
                    continue
                break
            st = _strip_span(text, st_start, e)
            if not run or _ntok(text[st[0]:st[1]]) < 3:
                continue
            return Attribution("reported", s, e, st, (run[-1].start(), run[0].end()), (cs, ce), 0.6)
        if cue in lex.noun_cues and (_WORD.findall(folded, ce, min(e, ce + 30))[:1] or [""])[0] in lex.noun_cue_followers \
                and not _wants_to(text, folded, s, cs, ce, e, lex):
            continue        # "Russian support to reinforce", "military support from Russia": a noun
        if cue in lex.noun_cues and text[ce:ce + 2].strip()[:1] in (",", ".", ";") and prev and \
                prev[-1].islower() and lex.claimant_head.get(prev[-1]) != "pronoun":
            continue        # "develop more ambitious plans, they say": a noun ends its phrase at the comma
        if _negated(folded, s, cs, lex):
            continue        # "the documents do not specify S" asserts nothing about S
        if _other_sense(folded, s, cs, ce, e, cue, lex):
            continue        # "found himself embroiled", "found ways to press", "helped found the group": acts
        if lex.question_words and any(w in lex.question_words for w in _WORD.findall(folded, max(s, cs - 60), cs)[-8:]) \
                and not _signs_off(text, folded, s, cs, ce, e, cue, lex):
            continue        # "it is not clear how Russia, China and Iran responded": an open question
        if cue in lex.hearsay_cues:
            # "Maduro is said to be requesting aid": hearsay with no source named; Maduro is the topic. The
            # statement is the cue's own clause: "..., although they say they support some of the changes
            # lawmakers are expected to consider" is not one hearsay claim
            seg = s
            for bm in _BOUNDARY.finditer(text, s, cs):
                seg = bm.end()
            if any(w in lex.subordinators or w in lex.complementizers or w in lex.claimant_breaks
                   for w in _WORD.findall(folded, seg, cs)):
                continue
            st = _strip_span(text, seg, e)
            if _ntok(text[st[0]:st[1]]) < 4:
                continue
            return Attribution("reported", s, e, st, None, (cs, ce), 0.4)
        if lex.passive_auxiliaries and _passive(folded, s, cs, cue, lex):
            # "Parasites such as this are often found in raw meat": the subject is no source; "It was announced
            # that S" reports S with no source named, as hearsay does
            before = _WORD.findall(folded, max(s, cs - 60), cs)
            if before and before[0] in lex.expletives and len(before) <= 3 and cue in lex.verb_cues:
                st = _strip_span(text, _after_complementizer(text, ce, e, lex), e)
                if _ntok(text[st[0]:st[1]]) >= 4:
                    return Attribution("reported", s, e, st, None, (cs, ce), 0.4)
            continue
        if cue in lex.postpositions:
            # "Der Polizei zufolge wurden ...": the claimant comes before its cue
            seg = s
            for bm in _BOUNDARY.finditer(text, s, cs):
                seg = bm.end()
            cl = _strip_span(text, seg, cs)
            st = _strip_span(text, ce, e)
            if cl[0] >= cl[1] or _ntok(text[cl[0]:cl[1]]) > 8 or _ntok(text[st[0]:st[1]]) < 3:
                continue
            cl = (cl[0], _without_particle(text, max(cl[0], text.rfind(" ", cl[0], cl[1]) + 1), cl[1], lex))
            return Attribution("reported", s, e, st, cl, (cs, ce), 0.8)
        if cue in lex.prep_cues:
            head = text[s:cs]
            head_words = _WORD.findall(head)
            # ("In addition, according to the department, S": an opening adverbial before the cue is no statement)
            opener = 1 < len(head_words) <= 3 and head.rstrip().endswith(",") and \
                (head_words[0].lower() in lex.adjunct_words or _adverb(head_words[0], lex))
            if _ntok(head) <= 1 or opener:
                comma = _BOUNDARY.search(text, ce, e)
                np_end = _noun_phrase_end(text, ce, e, lex) if comma is None or _ntok(text[ce:comma.start()]) > 8 \
                    else None
                if np_end is not None:
                    # "Laut Polizei wurden ...": no comma; the claimant is the noun phrase after the cue
                    cl = _strip_span(text, ce, np_end)
                    st = _strip_span(text, np_end, e)
                else:
                    cl = _claimant_right(text, ce, e, lex)
                    if cl is None and comma is not None and text[comma.start()] == "," and lex.spaced and \
                            not lex.claimant_first:
                        # "According to early results of the exit poll conducted by Edison Research for the AP, S":
                        # a long source is read for its head
                        cl = _head_phrase(text, _leading_words(text, ce, comma.start(), MAX_RIGHT_CLAIMANT_TOKENS + 1),
                                          lex)
                    if cl is None:
                        continue
                    st = _strip_span(text, comma.end() if comma else cl[1], e)
            else:
                cl = _claimant_right(text, ce, e, lex)
                if cl is None and lex.spaced and not lex.claimant_first:
                    # "according to three intelligence sources who spoke to Fox News but were not authorized to
                    # speak": a long source is read for its head
                    cl = _head_phrase(text, _leading_words(text, ce, e, MAX_RIGHT_CLAIMANT_TOKENS + 1), lex)
                if cl is None:
                    continue
                # verb-final languages put the verb inside what reads as the claimant ("X با استناد به Y گزارش دادند")
                # (right after the source: "..., according to the police, and there were eight reported incidents")
                later = [c for c in cues if c.start() >= (cl[0] if lex.claimant_first else cl[1]) and
                         re.sub(r"[\s\u200c]+", " ", c.group(0)) in lex.verb_cues and
                         (lex.claimant_first or _ntok(text[cl[1]:c.start()]) <= 2)]
                if later:
                    continue        # "X, citing documents, reported that S": the verb names the claimant
                st = _strip_span(text, s, cs)
                tail_word = (_WORD.findall(text, st[0], st[1])[-1:] or [""])[0].lower()
                if tail_word in lex.subordinators or tail_word in lex.complementizers:
                    # "He crossed the border after, according to him, Mexico's network censured his report": the
                    # source is set inside a subordinate clause, which is what it says
                    after = _parenthetical_rest(text, cl[1], e, lex, True)
                    if after is None:
                        continue
                    return Attribution("reported", s, e, after, cl, (cs, ce), 0.8)
                lead = (_WORD.findall(text, st[0], st[1])[:1] or [""])[0].lower()
                rest = _parenthetical_rest(text, cl[1], e, lex,
                                           lead in lex.adjunct_words or lead in lex.non_claimant_edges)
                if rest is not None and _ntok(text[st[0]:st[1]]) >= 2:
                    # "At the heart of the trouble, according to Dennis Ross, another envoy, was a decision by ...":
                    # the source is set inside the statement, which goes on after it
                    return Attribution("reported", s, e, (st[0], rest[1]), cl, (cs, ce), 0.8, gap=(st[1], rest[0]))
            if st[1] - st[0] < 8 or _ntok(text[st[0]:st[1]]) < 3:
                continue
            return Attribution("reported", s, e, st, cl, (cs, ce), 0.8)
        if cue not in lex.verb_cues and cue not in lex.post_cues:
            continue
        left = text[s:cs]
        lstrip = left.rstrip()
        # "S, said X." / "S," said X.
        # ('' ... '' is a quotation too: "They ''had chemistry,'' said Rhodes")
        # ("..., said of Mrs. Clinton's plan": after "said of" comes the topic, never the speaker)
        # ('"...," X, a senator, told CNN': after an addressee cue comes whom it was told to, never the speaker)
        if lstrip and (lstrip[-1] in ",”\"’»،" or lstrip.endswith("''")) and cue in lex.post_cues and \
                cue not in lex.uninverted_cues and _ntok(lstrip) >= 3 and cue.split(" ")[-1] not in lex.adjunct_words:
            cl = _claimant_right(text, ce, e, lex)
            # a long clause after the cue is the statement of an earlier subject, not a claimant
            words = _WORD.findall(text, cl[0], cl[1]) if cl is not None else []
            if cl is not None and words and words[-1].lower() in lex.complementizers:
                cl = None       # "X, the agency's chief, said in a statement that, ...": no claimant ends in "that"
            if cl is not None and len(words) > 1 and lex.claimant_head.get(words[0].lower()) == "pronoun" and \
                    words[0].lower() not in lex.determiners:
                cl = None       # "X, the chairman, said he cannot comment": a clause with its subject, not a name
            if cl is not None and words and _opens_clause(words[0], lex):
                cl = None       # "Carly Fiorina, says despite being an alumna, she ...": no name opens with "despite"
            if cl is not None and _clean_claimant(text, cl, lex) is None:
                cl = None       # "X, a spokesman, said the campaign is taking nothing for granted": a clause
            if cl is not None and lstrip[-1] == "," and _name_then_apposition(text, s, cs, lex):
                cl = None       # "Marlon Marshall, Clinton's director of ..., said S": the name opens the sentence
            if cl is not None and (_ntok(text[cl[0]:cl[1]]) <= MAX_POST_CLAIMANT_TOKENS or
                                   _BOUNDARY.search(text, s, cs - 1) is None):
                st = _strip_span(text, s, s + len(lstrip))
                return Attribution("reported", s, e, st, cl, (cs, ce), 0.75)
        # "S, X said." -- a short subject after the last boundary, a long statement before it
        bounds = list(_BOUNDARY.finditer(text, s, cs))
        while len(bounds) >= 2 and bounds[-1].group(0) == ")" and bounds[-2].group(0) == "(":
            bounds = bounds[:-2]    # "S, Sen. Lindsey Graham (R-S.C.) told X": the parenthesis is the name's
        seg = bounds[-1] if bounds else None
        # ("S, she said in a video message": the cue "said in" is a post cue with its adjunct's preposition)
        verb, _, last = cue.rpartition(" ")
        post = cue in lex.post_cues or (verb in lex.post_cues and (last in lex.adjunct_words or
                                                                   last in lex.determiners))   # "told the"
        if seg is not None and post and text[seg.start()] == "," and not text[seg.end():cs].strip():
            apposed = _apposed_source(text, s, cs, ce, e, cue, bounds, lex)
            if apposed is not None:
                return apposed
        if seg is not None and post:
            np = text[seg.end():cs]
            tail = text[ce:e]
            quoted = text[seg.start()] in "”\"’»" or text[max(s, seg.start() - 1):seg.start()] in ("”", '"', "’", "»")
            head_words = _WORD.findall(text, s, seg.start())
            tail_first = (_WORD.findall(tail)[:1] or [""])[0].lower()
            # "In the Horgos free-trade zone, traders say business is poor" / "Later in the day, the FBI said
            # it would cooperate": an opening adverbial is no statement, and a clause after the cue is one
            adverbial = not quoted and bool(head_words) and (
                (head_words[0].lower() in lex.adjunct_words and len(head_words) <= 8) or
                # "Asked if he was ever bullied, the candidate said no": the question put to the speaker
                # (not when nothing follows the cue: "Seeing his brother suffer led him to ..., he said" is
                # what he said, a gerund its subject)
                (_adverbial_opening(text, list(_WORD.finditer(text, s, seg.end())), seg.end(), lex) and
                 _ntok(tail) > 0))
            clause_after = tail_first in lex.complementizers or tail_first in lex.determiners or \
                (lex.claimant_head.get(tail_first) == "pronoun" and tail_first not in lex.determiners)
            if 1 <= _ntok(np) <= 8 and (_ntok(text[s:seg.start()]) >= 4 or quoted) and not adverbial and \
                    ((_ntok(tail) <= 3 and not clause_after) or _tail_is_adjunct(text, ce, e, cue, lex)) and \
                    text[seg.start()] in ",”\"’»،—–":
                st = _strip_span(text, s, seg.start(), " \t,.;:،")
                k = seg.start()
                closes = _CLOSES.get(text[st[0]], "") if st[0] < st[1] else ""
                if closes and text[k:k + 1] in closes and text[k - 1:k] in ",;":
                    st = (st[0], k + 1)     # '"Okay," I said': the quotation keeps its closing mark
                st = (_past_dateline(text, st[0], st[1]), st[1])   # "WASHINGTON ― S, lawmakers said"
                cl = _strip_span(text, seg.end(), cs)
                paren = text.find("(", cl[0], cl[1])
                if paren > cl[0]:
                    cl = _strip_span(text, cl[0], paren)    # "Sen. Lindsey Graham (R-S.C.)" -> the name
                first = _WORD.search(text, cl[0], cl[1]) if cl[0] < cl[1] else None
                np_words = list(_WORD.finditer(text, cl[0], cl[1]))
                np_low = [w.group(0).lower() for w in np_words]
                if any(w in lex.subordinators or w in lex.claimant_breaks for w in np_low[1:]) or \
                        _clause_verb(np_words, np_low, lex) is not None or (np_low and np_low[0] in lex.gap_relatives):
                    # "..., vetoed the bill because she said it was ...": a clause, no subject; "the state funding
                    # system, which advocates say disadvantages needy schools": a relative clause on the noun
                    first = None
                # "..., as Mexican-American voters responded to ...", "..., that the Centre qualified as":
                # a clause, not the source of what came before
                # ("S, her friend said": a possessive before a noun opens a source)
                if first is not None and (not _opens_clause(first.group(0), lex) or
                                          (len(np_low) > 1 and lex.claimant_head.get(np_low[0]) == "pronoun")):
                    return Attribution("reported", s, e, st, cl, (cs, ce), 0.75)
        # "X said (that) S"
        # ", saying S" / ", adding that S": the claimant is the subject of the main clause, too far to
        # delimit without a parser; the statement is still the claim, with the speaker left open
        # ", saying S" / "“...,” referring to X": a comma (before a closing quote mark) opens the participle
        # (or after a subordinator: "Blige sings to Clinton before asking her, S")
        if top and cue in lex.participles and _opens_sentence(text, s, cs, lex):
            # "Saying he was nervous to ask a question, the man ...", "After claiming that S, Trump ...": the
            # participle's adverbial ends at its comma, and the main clause's subject said S
            opening = _opening_participle(text, s, cs, ce, e, lex, quotes)
            if opening is not None:
                return opening
            continue
        participle = cue in lex.participles and (_comma_before(text, s, cs, lex) or
                                                 _word_before(text, s, cs) in lex.subordinators)
        raw_cl = None if participle else _claimant_left(text, s, cs, lex)
        if raw_cl is None and not participle:
            continue
        if raw_cl is not None and _signs_off_quote(text, s, raw_cl[0], quotes) and \
                not _states_after_sign_off(text, ce, e, lex):
            continue        # '"...," she said over breakfast', '"...," Rubio said Dec. 6 on CNN': the quotation's
            #                 sign-off; what follows the cue is where or when, not a second statement
        if raw_cl is not None and top:
            as_put = _as_put_it(text, s, raw_cl, ce, e, lex)
            if as_put is not None:
                return Attribution("reported", s, e, as_put[1], as_put[0], (cs, ce), 0.7)
        if raw_cl is not None:
            # "paying an architect who said S", "She spoke to voters who said S": the cue's subject is a
            # restrictive relative pronoun, which stands for the noun phrase right before it
            raw_cl = _restrictive_antecedent(text, raw_cl, lex) or raw_cl
        subject = _main_subject(text, s, cs, lex) if participle and top else None
        if raw_cl is not None:
            # a clause fragment before the cue is no source; the untrimmed span goes back to the caller,
            # which reads a trailing "and" ("X denied A and accused B")
            trimmed = _trim_claimant(text, raw_cl, lex)
            if trimmed is not None and _clean_claimant(text, trimmed, lex) is None:
                # "Trump unleashed a series of tweets criticizing X": the clause's subject is the source
                sub = _clause_subject(text, trimmed, lex, cue in lex.participles)
                if sub is None and top and cue in lex.post_cues and _ends_in_conjunction(text, raw_cl, lex):
                    # "The Arizona Republican survived five years in a Vietnamese prison and says S": the cue is
                    # the second verb of the sentence's predicate, whose subject opens the sentence
                    sub = _main_subject(text, s, cs, lex)
                    if sub is not None and sub[0] > raw_cl[0]:
                        sub = None
                    if sub is None or _clean_claimant(text, sub, lex) is None:
                        continue
                if sub is None and (cue not in lex.post_cues or not _is_clause(text, trimmed, lex)):
                    continue
                # "... the party leaders are now openly said S": a speech verb still reports S; its
                # source is left open rather than named by a clause
                raw_cl = trimmed = sub
            cleaned = _clean_claimant(text, trimmed, lex) if trimmed is not None else None
            # keep the raw end when only auxiliaries and conjunctions follow: the caller trims it and
            # reads a trailing "and" ("X denied A and has accused B")
            rest_words = _WORD.findall(text, cleaned[1], raw_cl[1]) if cleaned is not None else []
            keep_end = all(w.lower() in lex.claimant_trim or w.lower() in lex.conjunctions for w in rest_words)
            cl = raw_cl if cleaned is None else (cleaned[0], raw_cl[1] if keep_end else cleaned[1])
        else:
            cl = subject
        fragment = False
        st_start = _after_complementizer(text, ce, e, lex)
        aside = _PARENTHETICAL_THAT.match(text, ce, e)
        if st_start == ce and aside is not None and aside.group(1).lower() in lex.parenthetical_openers and \
                aside.group(2).lower() in lex.complementizers:
            st_start = aside.end()  # "cautioned, as did the Clinton campaign itself, that S": past the aside
        if st_start == ce:
            past = _past_adjunct(text, ce, e, cue, lex)
            verb, _, last = cue.rpartition(" ")
            first = (_WORD.findall(text, ce, min(e, ce + 40))[:1] or [""])[0].lower()
            if past is None and ((last in lex.adjunct_words and verb in lex.post_cues) or
                                 (cue in lex.post_cues and first in lex.adjunct_words) or
                                 (cue in lex.addressee_cues and _ntok(text[ce:e]) <= MAX_ADDRESSEE_TOKENS)) and \
                    _ntok(text[ce:e]) <= MAX_ADJUNCT_TOKENS:
                continue    # "wrote in a column this month", "reported from Los Angeles": an adjunct, no statement
            st_start = ce if past is None else past
            if st_start == ce:
                # "said Thursday the plan would fail", "said Thursday that S": the time is not said
                when = list(_WORD.finditer(text, ce, min(e, ce + 40)))[:3]
                k = 0
                while k < len(when) - 1 and when[k].group(0).lower() in lex.claimant_stops:
                    k += 1
                # ("said Thursday is the deadline", "said today was good": the time is the subject)
                if k and when[k].group(0).lower() not in lex.claimant_verbs:
                    at = when[k - 1].end()
                    st_start = _after_complementizer(text, at, e, lex)
                    if st_start == at and when[k].group(0).lower() in lex.adjunct_words:
                        # "said Thursday during a town hall in Buffalo that S" / "said Sunday in Virginia"
                        past = _past_adjunct(text, at, e, cue, lex)
                        if past is None:
                            continue
                        st_start = past
        st = _strip_span(text, st_start, e)
        if _ntok(text[st[0]:st[1]]) < 3 and not (
                cl is not None and text[ce:st[0]].strip() == "," and text[s:cl[0]].rstrip().endswith(",") and
                _ntok(text[st[0]:st[1]]) >= 1):
            # ("This campaign, he says, is different": the subject before the source is the statement's; a
            # short statement is kept only for ``_fronted_subject``, which gives it that subject or drops it)
            continue
        between = [w.lower() for w in _WORD.findall(text, ce, st[0])]
        if _bare_adjunct(text, st, lex) and not any(w in lex.complementizers for w in between):
            # "shot back in a statement", "appeared at the September debate": a place or time, no claim
            # (after "that" it is the claim: "said that because terrorists are Muslim does not mean ...")
            if cl is not None and cue in lex.post_cues and text[ce:st[0]].strip() == "," and \
                    text[s:cl[0]].rstrip().endswith(","):
                # "The argument would be aided, Devine said, by the upcoming primary calendar": the source is set
                # inside the statement, which goes on after it
                comma = text.rfind(",", s, cl[0])
                fs, fe = _strip_span(text, _past_dateline(text, s, comma), comma)
                if fs < fe and _ntok(text[fs:fe]) >= 3 and not _BOUNDARY.search(text, fs, fe):
                    return Attribution("reported", s, e, (fs, st[1]), cl, (cs, ce), 0.7, gap=(fe, st[0]))
            continue
        if text[ce:st[0]].strip() == ",":
            opening = (_WORD.findall(text, st[0], min(st[1], st[0] + 40))[:1] or [""])[0]
            if opening.islower() and _participial(opening, lex) and not any(
                    c == opening or c.startswith(opening + " ") for cues in (lex.verb_cues, lex.prep_cues)
                    for c in cues):
                # '"...?" Trump said, looking out on the cheering crowd': the narrator's scene, no statement
                # (", adding he would ...", ", according to ..." are cues of their own)
                continue
        obj = [w.lower() for w in _WORD.findall(text, st[0], min(st[1], st[0] + 60))[:3]]
        # the document is the object only when it heads its phrase ("a letter to Xi"), not in "the email scandal"
        if len(obj) >= 2 and obj[0] in ("a", "an", "the") and lex.claimant_head.get(obj[1]) == "document" and \
                (len(obj) == 2 or obj[2] in lex.adjunct_words or
                 obj[2] in lex.participles or obj[2] in lex.complementizers):
            continue        # "Maduro wrote a letter to Xi requesting ...": the object is a document, not a claim
        conf = 0.5 if participle or fragment else 0.7 if text[ce:st[0]].strip() else 0.6
        if cl is not None and participle and cl[1] > st[0]:
            cl = None
        if cl is not None and text[ce:st[0]].strip() == "":
            antecedent = _relative_object(text, s, cl[0], st, lex)
            if antecedent is not None:
                # "the state funding system, which advocates say disadvantages needy schools": the relative
                # pronoun is the statement's subject, so its antecedent is
                return Attribution("reported", s, e, (antecedent[0], st[1]), cl, (cs, ce), conf,
                                   gap=(antecedent[1], st[0]))
        return Attribution("reported", s, e, st, cl, (cs, ce), conf)
    # "Trump: We will win" / "Peskov: Moscow respects...": a short name, a colon, a statement
    colon = re.match(r"\s*([^\W\d_][^:\n]{0,40}?)\s*:\s+(?=\S)", text[s:e])
    head_words = _WORD.findall(colon.group(1)) if colon else []
    named = bool(head_words) and (len(head_words) == 1 or (len(head_words) <= 3 and all(w[0].isupper() for w in head_words)
                                                           and head_words[0].lower() not in lex.claimant_trim))
    if named and " ".join(w.lower() for w in head_words) in lex.colon_labels:
        named = False       # "Correction: An earlier version of this article ...": a label, not a source
    if colon and named and colon.group(1)[0].isupper() and \
            _ntok(text[s + colon.end():e]) >= MIN_COLON_STATEMENT_TOKENS and not any(s <= m.start() < s + colon.end(1) for m in cues):
        cl = (s + colon.start(1), s + colon.end(1))
        st = _strip_span(text, s + colon.end(), e)
        st_words = _WORD.findall(text, st[0], st[1])
        head = text[cl[0]:cl[1]]
        if lex.spaced and text.count(",", st[0], st[1]) >= MIN_LIST_COMMAS and \
                all(w[0].isupper() for w in st_words if len(w) > 3):
            return None     # "Iowa: Tim Albrecht, Brad Anderson, Rob Barron, ...": a list of names under a label
        if lex.spaced and sum(w[0].isupper() for w in st_words if len(w) > 3) * 2 > \
                max(1, sum(len(w) > 3 for w in st_words)) and \
                not (lex.claimant_head.get(head.lower()) not in (None, "pronoun") or
                     text.find(head, e) >= 0 or text.find(head, 0, s) >= 0):
            # "Stealth Over Health: Clinton Was Headed to ER": a headline in title case, unless what heads it
            # is a source the article names again ("Ann Coulter: And Then There Was the One") or a known
            # kind of source ("Poll: Trump a Big Turnoff ...")
            return None
        return Attribution("reported", s, e, st, cl, (s + colon.end(1), s + colon.end(1) + 1), 0.5)
    return None


def _bare_adjunct(text: str, st: tuple[int, int], lex: LangLexicon) -> bool:
    """Whether a statement is only a place, a time or an agent: it opens with one of the lexicon's
    ``statement_adjuncts`` ("in", "at", "by") and is short, with no quotation and no complementizer
    ("Trump shot back in a statement", "Christie appeared at the billionaire's side", "opposed by the
    U.S."). "thought of X", "talked about X" open with words that introduce content: not listed.
    Or it is a clause of ``circumstance_words`` with no main clause after it ("said when she resigned")."""
    words = _WORD.findall(text, st[0], st[1])
    if words and words[0].lower() in lex.circumstance_words and not re.search(r"[,;:—–]|\s--\s", text[st[0]:st[1]]):
        return True     # "said when she resigned from the network": when the source spoke, not what
    if not words or words[0].lower() not in lex.statement_adjuncts or len(words) > MAX_BARE_ADJUNCT_TOKENS:
        return False
    if any(ch in text[st[0]:st[1]] for ch in _OPEN_QUOTES + "\"”»"):
        return False
    return not any(w.lower() in lex.complementizers for w in words)


def _tail_is_adjunct(text: str, ce: int, e: int, cue: str, lex: LangLexicon) -> bool:
    """What follows "S," X said is no statement: an adjunct ("in an interview"), an addressee ("told
    reporters"), or a new clause after a comma (", clapping", ", and a big reason ...") -- unless a
    quotation or a "that" clause follows, which is the statement."""
    t = text[ce:e].lstrip()
    if not t or t[0] in ";；":
        return True     # "S, political analysts say; in 2012, ...": a semicolon closes the attribution's clause
    if t[0] in ",;—–(":
        # "S," she said, clapping / , and a big reason was ...: narration follows. "In three years, Barden
        # said, far too many lives have been lost": the statement goes on after a parenthetical "X said"
        nxt = (_WORD.findall(t)[:1] or [""])[0]
        return nxt.lower() in lex.conjunctions or (nxt.islower() and nxt.endswith("ing")) or \
            nxt.lower() in lex.subordinators
    first = (_WORD.findall(t)[:1] or [""])[0].lower()
    lead = [w.lower() for w in _WORD.findall(t[:60])[:4]]
    for k in range(1, min(3, len(lead) - 1)):
        if lead[k].rstrip("s") in lex.time_nouns and (lead[k + 1] in lex.circumstance_words or
                                                      lead[k + 1] in ("ago", "later")):
            # '"...," she said several months after her release, and ...': a time, then narration
            return True
    if first in lex.claimant_stops:
        # "S, top black lawmakers said Friday afternoon, as they bristled at ...": a time, then narration
        brk = re.search(r"[,;—–]", t)
        head = _WORD.findall(t[:brk.start()] if brk else t)
        nxt = (_WORD.findall(t[brk.end():])[:1] or [""])[0] if brk else ""
        if not any(w.lower() in lex.complementizers for w in head) and len(head) <= MAX_TIME_ADJUNCT_TOKENS and \
                (brk is None or nxt.lower() in lex.conjunctions or nxt.lower() in lex.subordinators or
                 (nxt.islower() and _participial(nxt, lex))):
            return True
    if cue in lex.addressee_cues and _past_adjunct(text, ce, e, cue, lex) is None and \
            not any(ch in t for ch in _OPEN_QUOTES):
        return True     # '"...," she told an audience of academics': the addressee, no second statement
    # "told supporters he would ..." drops its "that": only a preposition opens a bare adjunct
    return (first in lex.adjunct_words or cue.split(" ")[-1] in lex.adjunct_words) and \
        _past_adjunct(text, ce, e, cue, lex) is None


def _apposed_source(text: str, s: int, cs: int, ce: int, e: int, cue: str, bounds: list[Any],
                    lex: LangLexicon) -> Optional[Attribution]:
    """"S, a spokeswoman, Anna Richardson White, said on Saturday": a source set off by commas right before its
    cue, a name with or without its role before it; S is what comes before them. Only where nothing but an
    adjunct or narration follows the cue."""
    if _ntok(text[ce:e]) > 3 and not _tail_is_adjunct(text, ce, e, cue, lex):
        return None
    commas = [b for b in bounds if text[b.start()] == ","]
    if len(commas) < 2 or commas[-1] is not bounds[-1]:
        return None
    for n in (3, 2):        # a role and a name ("a spokeswoman, Anna White"), or a name alone
        if len(commas) < n or any(b is not c for b, c in zip(bounds[-n:], commas[-n:])):
            continue
        parts = [_strip_span(text, commas[j].end(), commas[j + 1].start()) for j in range(len(commas) - n,
                                                                                        len(commas) - 1)]
        words = [_WORD.findall(text, a, b) for a, b in parts]
        if not all(1 <= len(w) <= MAX_APPOSED_TOKENS for w in words):
            continue
        name, role = parts[-1], (words[0] if n == 3 else None)
        if not all(w[:1].isupper() for w in words[-1]) or \
                (role is not None and not (role[0].lower() in lex.determiners or role[0].islower() or
                                           role[0].lower() in lex.claimant_head)):
            continue
        if _ntok(text[s:commas[-n].start()]) < 4 or _clean_claimant(text, name, lex) is None:
            continue
        st = _strip_span(text, _past_dateline(text, s, commas[-n].start()), commas[-n].start())
        return Attribution("reported", s, e, st, name, (cs, ce), 0.75)
    return None


def _as_put_it(text: str, s: int, raw_cl: tuple[int, int], ce: int, e: int,
               lex: LangLexicon) -> Optional[tuple[tuple[int, int], tuple[int, int]]]:
    """"As Ms. Simonyan put it in a statement in July, RT is ...", "As Trump said on Tuesday, the wall will be
    built": a parenthetical opener (``parenthetical_openers``) that opens the sentence, its source and cue, and at
    most an adjunct of when or where before the comma; the main clause is what was said. (claimant, statement)."""
    words = list(_WORD.finditer(text, raw_cl[0], raw_cl[1]))
    if len(words) < 2 or words[0].group(0).lower() not in lex.parenthetical_openers or \
            _WORD.findall(text, _past_dateline(text, s, raw_cl[0]), raw_cl[0]):
        return None
    comma = text.find(",", ce, e)
    if comma < 0:
        return None
    between = [w.lower() for w in _WORD.findall(text, ce, comma)]
    if len(between) > MAX_ADJUNCT_TOKENS or (between and between[0] not in lex.adjunct_words and
                                             between[0] not in lex.claimant_stops):
        return None     # "As the campaign said it would, ...": a clause of its own, no adjunct
    cl = _clean_claimant(text, _trim_claimant(text, (words[1].start(), raw_cl[1]), lex), lex)
    st = _strip_span(text, comma + 1, e)
    if cl is None or _ntok(text[st[0]:st[1]]) < 3:
        return None
    return cl, st


def _relative_object(text: str, s: int, cl_start: int, st: tuple[int, int],
                     lex: LangLexicon) -> Optional[tuple[int, int]]:
    """The antecedent of ", which X say(s) VP": the noun phrase before the comma, back to its determiner (at most
    ``MAX_ANTECEDENT_TOKENS`` words), when the statement opens with a verb (a lower-case word that no subject,
    determiner or complementizer is). None otherwise."""
    rel = list(_WORD.finditer(text, max(s, cl_start - 20), cl_start))[-1:]
    if not rel or rel[0].group(0).lower() not in lex.gap_relatives or rel[0].group(0).lower() in lex.subject_relatives:
        return None
    comma = text[s:rel[0].start()].rstrip()
    if not comma.endswith(","):
        return None
    first = (_WORD.findall(text, st[0], st[1])[:1] or [""])[0]
    low = first.lower()
    if not first.islower() or low in lex.determiners or low in lex.complementizers or \
            lex.claimant_head.get(low) == "pronoun" or low in lex.adjunct_words:
        return None
    end = s + len(comma) - 1
    words = list(_WORD.finditer(text, max(s, end - 60), end))
    for k in range(len(words) - 1, max(-1, len(words) - 1 - MAX_ANTECEDENT_TOKENS), -1):
        w = words[k].group(0)
        possessive = k + 1 < len(words) and \
            re.search(r"['’]s?$", text[words[k].start():words[k + 1].start()].rstrip())
        if w.lower() in lex.determiners or possessive:
            while possessive and k > 0 and words[k - 1].group(0)[:1].isupper() and \
                    not text[words[k - 1].end():words[k].start()].strip():
                k -= 1      # "Bernie Sanders's donor list"
            if k + 1 < len(words) and not _BOUNDARY.search(text, words[k].start(), end):
                return words[k].start(), words[-1].end()
            return None
    return None


def _parenthetical_rest(text: str, cl_end: int, e: int, lex: LangLexicon,
                        adverbial: bool = False) -> Optional[tuple[int, int]]:
    """After a source set off by commas ("S1, according to X, another envoy, S2"), where the statement goes on:
    the span of S2 when, past at most one apposition, a comma is followed by a finite verb (``claimant_verbs``),
    or, when S1 is an opening adverbial ("Over the long term, according to the budget office, the rise ..."), by
    a clause of its own (a determiner or a capitalised word). None otherwise."""
    pos = cl_end
    for _ in range(2):
        m = _COMMA.match(text, pos)
        if m is None:
            return None
        nxt = _WORD.match(text, m.end())
        if nxt is None:
            return None
        if nxt.group(0) in lex.claimant_verbs or (adverbial and (nxt.group(0).lower() in lex.determiners or
                                                                 nxt.group(0)[:1].isupper())):
            st = _strip_span(text, m.end(), e)
            return st if _ntok(text[st[0]:st[1]]) >= 2 else None
        comma = text.find(",", m.end(), min(e, m.end() + MAX_APPOSITION_CHARS))
        if comma < 0:
            return None
        pos = comma
    return None


def _pronoun_and_occasion(text: str, st: tuple[int, int], lex: LangLexicon) -> bool:
    """Whether a statement is only an object pronoun and an adjunct of when or where ("them in an article last
    week")."""
    words = list(_WORD.finditer(text, st[0], st[1]))
    if len(words) < 2 or words[0].group(0).lower() not in lex.object_pronouns:
        return False
    rest = [w.group(0) for w in words[1:]]
    return rest[0].lower() in lex.occasion_prepositions and any(
        w.islower() and (w in lex.occasion_nouns or w in lex.time_nouns or w in lex.claimant_stops or
                         lex.claimant_head.get(w) == "document") for w in rest[1:1 + MAX_OCCASION_TOKENS + 1])


# ", the presumed Putin favorite" / ", Jared Diamond's 2005 best seller" at a statement's end, after a name or a
# quoted title: the narrator's note on what was named
_APPOSITION_END = re.compile(r"(?:[^\W\d_][\w.]*|[”\"’])(?:,[”\"’]|[”\"’]?,)\s+((?:\w[\w.’'-]*\s+){1,7}[^\W\d_][\w.’'-]*)\s*$")


def _trailing_apposition(text: str, a: Attribution, lex: LangLexicon,
                         quotes: Sequence[tuple[int, int]]) -> Attribution:
    """Drop the narrator's apposition from the end of a reported statement: "said he did not support Mr. Trump,
    the presumed Putin favorite" ends at "Mr. Trump". The apposition follows a capitalised name or a quoted
    title, opens with a determiner or a name's possessive, and holds no verb the lexicon knows."""
    if a.kind != "reported" or a.gap is not None or not lex.spaced or a.cue is None or a.statement[0] < a.cue[1]:
        return a
    ss, se = a.statement
    m = _APPOSITION_END.search(text, max(ss, se - 120), se)
    if m is None or m.start() < ss or _inside(m.start(1), quotes):
        return a
    head = text[m.start():m.start(1)].rstrip()
    words = m.group(1).split()
    low = [w.lower() for w in words]
    possessive = re.search(r"['’]s$", words[0]) is not None or (len(words) > 1 and re.search(r"['’]s$", words[1]))
    if not (head[0].isupper() or head[0] in "”\"’") or not (low[0] in ("the", "a", "an") or possessive):
        return a
    if any(w in lex.claimant_verbs or w in lex.verb_cues or w in lex.gap_relatives or w in lex.conjunctions or
           w in lex.complementizers for w in low):
        return a
    cut = m.start() + len(head) - 1                         # the comma, or the mark after it
    end = _strip_span(text, ss, cut + 1 if head.endswith(("”", '"', "’")) else cut)[1]
    if _ntok(text[ss:end]) < 3:
        return a
    return Attribution(a.kind, a.start, a.end, (ss, end), a.claimant, a.cue, a.confidence, a.gap)


_PAST_COORDINATE = re.compile(r",?\s+(?:and|but)\s+[^\W\d_]{3,}ed\b")


def _infinitive_end(text: str, a: Attribution, lex: LangLexicon) -> Attribution:
    """End an infinitive statement before a past-tense verb joined to it, which is the subject's next act, not
    part of what was promised: "vowed not to repeat that mistake and established a policy ..." ends at
    "mistake" (the infinitive's own verbs would be bare: "to repeat it and establish a policy")."""
    if a.kind != "reported" or a.gap is not None or not lex.spaced:
        return a
    ss, se = a.statement
    lead = [w.lower() for w in _WORD.findall(text, ss, min(se, ss + 30))[:2]]
    if not lead or not (lead[0] == "to" or lead[0] in lex.negations and lead[1:] == ["to"]):
        return a
    m = _PAST_COORDINATE.search(text, ss, se)
    if m is None or _BOUNDARY.search(text, ss, m.start()):
        return a        # (", as bitterness has boiled over and prompted ...": another clause's verbs)
    ss, se = _strip_span(text, ss, m.start())
    return Attribution(a.kind, a.start, a.end, (ss, se), a.claimant, a.cue, a.confidence, a.gap)


def _call_to_act(text: str, a: Attribution, lex: LangLexicon) -> bool:
    """Whether a naming cue ("called") is a call made to someone, to do something: "Clinton called Alicia Machado
    on Friday to express gratitude" has an object, perhaps an occasion, and then an infinitive, and no name given."""
    if a.cue is None or text[a.cue[0]:a.cue[1]].lower() not in lex.naming_cues or a.cue[1] > a.statement[0]:
        return False
    if _BOUNDARY.search(text, a.cue[1], min(a.statement[1], a.cue[1] + 80)):
        return False
    words = [w.lower() for w in _WORD.findall(text, a.statement[0], a.statement[1])][:MAX_NAMED_OBJECT_TOKENS + 4]
    if "to" not in words[1:] or words[0] in lex.determiners:
        return False
    k = words.index("to", 1)
    return k + 1 < len(words) and words[k + 1] not in lex.determiners and \
        any(w in lex.occasion_prepositions or w in lex.claimant_stops for w in words[1:k])


def _pronoun_and_question(text: str, st: tuple[int, int], lex: LangLexicon) -> bool:
    """Whether a statement is an object pronoun and a question word with an infinitive ("them how to vote"): an
    instruction, with nothing asserted."""
    words = [w.lower() for w in _WORD.findall(text, st[0], min(st[1], st[0] + 40))][:3]
    return len(words) == 3 and words[0] in lex.object_pronouns and words[1] in lex.question_openers and \
        words[2] == "to"


def _opens_sentence(text: str, s: int, cs: int, lex: LangLexicon) -> bool:
    """Whether the cue at ``cs`` opens its sentence, after a dateline and at most a subordinator ("After
    saying ...")."""
    lead = _WORD.findall(text, _past_dateline(text, s, cs), cs)
    return not lead or (len(lead) == 1 and lead[0].lower() in lex.subordinators)


def _opening_participle(text: str, s: int, cs: int, ce: int, e: int, lex: LangLexicon,
                        quotes: Sequence[tuple[int, int]]) -> Optional[Attribution]:
    """"Saying S, X did Y": S runs to the comma that closes the adverbial (outside quote marks) and X, the
    subject that opens the main clause, is its source. None when no comma closes it or no subject opens
    what follows."""
    st_start = _after_complementizer(text, ce, e, lex)
    comma = st_start
    while True:
        comma = text.find(",", comma + 1, e)
        if comma < 0:
            return None
        if not _inside(comma, quotes) and _ntok(text[st_start:comma]) >= 3:
            break
    st = _strip_span(text, st_start, comma)
    cl = _main_subject(text, comma + 1, e, lex)
    if cl is None:
        return None
    return Attribution("reported", s, e, st, cl, (cs, ce), 0.6)


def _comma_before(text: str, s: int, cs: int, lex: LangLexicon) -> bool:
    """Whether a comma (before a closing quote mark or not) or a dash comes right before ``cs``, or before
    the adverbs there (", even suggesting", ", and calling for")."""
    head = text[s:cs].rstrip(" \t\n”\"’»")
    for _ in range(2):
        if head.endswith((",", "،", "—")):
            return True
        last = _WORD.findall(head[-30:])[-1:]
        if not last or not (_adverb(last[0], lex) or last[0].lower() in lex.conjunctions) or \
                not head.endswith(last[0]):
            return False
        head = head[:-len(last[0])].rstrip(" \t\n”\"’»")
    return head.endswith((",", "،", "—"))


def _main_subject(text: str, s: int, cs: int, lex: LangLexicon) -> Optional[tuple[int, int]]:
    """The subject that opens a sentence ("Hillary Clinton spoke out ..., arguing that S"): its run of
    capitalised words, with the links between them ("of", "the"), after an opening conjunction or adverb
    ("But", "And then") and an opening adverbial that ends in a comma ("In Ohio,", "Here in Columbia,");
    or a determiner and a known claimant head ("The president left no doubt ..., saying S"). Only for
    languages that capitalise names and not nouns."""
    if not lex.spaced or lex.capitalised_nouns or lex.claimant_first:
        return None
    a = _strip_span(text, s, cs, " \t\n")[0]
    if a < cs and (text[a] in _OPEN_QUOTES or text[a] == '"'):
        # '"...," Chaffetz said in a statement, adding that S': the speaker after the opening quotation
        opening = find_quotes(text[a:cs], lex)
        if opening and opening[0][0] == 0:
            s = a + opening[0][1]
            signer = _WORD.search(text, s, cs)
            if signer is not None and signer.group(0).islower() and signer.group(0) in lex.post_cues and \
                    text[s:signer.start()].strip(" \t,") == "":
                # '"...," said former tech executive Carly Fiorina during the debate, suggesting that S': the
                # speaker named after the sign-off verb
                named = _claimant_right(text, signer.end(), cs, lex)
                if named is not None:
                    head = _head_phrase(text, named, lex) if _ntok(text[named[0]:named[1]]) > 4 else named
                    cl = _clean_claimant(text, head, lex) if head is not None else None
                    if cl is not None:
                        return cl
    s = _past_dateline(text, s, cs)     # "Washington (AFP) – Democrat Hillary Clinton has ..."
    words = list(_WORD.finditer(text, s, cs))

    def past_openers(words: list[Any]) -> list[Any]:
        # "But", "And then", "Meanwhile", ", however,": a conjunction or an adverb, the subject follows
        while words and len(words) > 2 and (words[0].group(0).lower() in lex.conjunctions or
                                            words[0].group(0).lower() in lex.sentence_adverbs) and \
                words[0].group(0).lower() not in lex.subordinators:     # "Once he was president, X ..."
            words = words[1:]
        return words

    words = past_openers(words)
    if words and (words[0].group(0).lower() in lex.adjunct_words | lex.subordinators or
                  _adverbial_opening(text, words, cs, lex)):
        comma = text.find(",", words[0].start(), cs)
        if comma < 0:
            return None
        words = past_openers(list(_WORD.finditer(text, comma + 1, cs)))
        # "Chastened by the analyses, as well as complaints over its costs, Trump revised ...": the adverbial
        # goes on past a comma while lower-case words follow it
        for _ in range(2):
            if not words or not words[0].group(0).islower() or words[0].group(0).lower() in lex.determiners or \
                    _subject_pronoun(words[0].group(0), lex):
                break
            comma = text.find(",", words[0].start(), min(cs, words[0].start() + MAX_ADVERBIAL_CHARS))
            if comma < 0:
                break
            words = past_openers(list(_WORD.finditer(text, comma + 1, cs)))
        if words and _subject_pronoun(words[0].group(0), lex):
            # "As word of her victories rolled in on Tuesday, he gave a defiant speech, predicting S"
            return words[0].start(), words[0].end()
    run: list[Any] = []
    for w in words[:8]:
        token = w.group(0)
        low = token.lower()
        if run and "(" in text[run[-1].end():w.start()]:
            break       # "Jason Chaffetz (R-Utah)": the name ends at its parenthesis
        if token[0].isupper() or (run and low in lex.claimant_links) or (not run and low in ("the", "a", "an")):
            run.append(w)
            continue
        break
    if len(run) == 1 and run[0].group(0).lower() in lex.determiners and len(words) > 1:
        # "The president left no doubt ...": a determiner and a known head of a claimant
        # ("The unreleased department video ...": a head after an adjective may be a noun's modifier)
        if words[1].group(0).lower() in lex.claimant_head and words[1].group(0).islower():
            return words[0].start(), words[1].end()
        return None
    while run and run[-1].group(0).lower() in lex.claimant_links | {"the", "a", "an"}:
        run.pop()
    if not run or not any(w.group(0)[0].isupper() for w in run):
        return None
    after = words.index(run[-1]) + 1
    nxt = words[after] if after < len(words) else None
    if nxt is not None and nxt.group(0).islower() and \
            lex.claimant_head.get(nxt.group(0).lower()) not in (None, "pronoun") and \
            not text[run[-1].end():nxt.start()].strip() and nxt.group(0).lower() not in lex.verb_cues:
        return run[0].start(), nxt.end()    # "The Republican nominee", "White House officials": the head noun
    return run[0].start(), run[-1].end()


def _subject_pronoun(word: str, lex: LangLexicon) -> bool:
    """A lower-case personal pronoun that can be a subject ("he", "they"; not the possessive "his", "her", nor
    "it", which may be an expletive)."""
    low = word.lower()
    return word.islower() and lex.claimant_head.get(low) == "pronoun" and low not in lex.object_pronouns and \
        low not in lex.determiners and low not in lex.expletives


def _opens_as_adverbial(text: str, s: int, cs: int, e: int, lex: LangLexicon) -> bool:
    """Whether the cue at ``cs`` opens its sentence (after a dateline or a subordinator: "When asked why,") as
    the participle of an adverbial that a comma closes ("Asked about the deal, X said S")."""
    word = _WORD.match(text, cs)
    if word is None or not word.group(0).lower().endswith(lex.participle_suffixes):
        return False
    start = _past_dateline(text, s, cs) if cs - s > MAX_OPENING_LEAD_CHARS else s
    if cs - start > MAX_OPENING_LEAD_CHARS:
        return False
    lead = _WORD.findall(text, start, cs)
    if len(lead) > 1 or (lead and lead[0].lower() not in lex.subordinators):
        return False
    # (the adverbial's comma comes within MAX_ADVERBIAL_TOKENS words: a few words are enough to read)
    words = list(itertools.islice(_WORD.finditer(text, cs, e), MAX_ADVERBIAL_TOKENS + 2))
    return _adverbial_opening(text, words, e, lex)


def _adverbial_opening(text: str, words: list[Any], cs: int, lex: LangLexicon) -> bool:
    """Whether a sentence opens with an adverbial that a comma closes: an adverb and a preposition ("Here
    in Columbia, Sanders stepped up ...", "Late on Tuesday, X ...") or a participle ("Speaking at a rally
    in Ohio, Trump ..."), with the comma within a few words. (An opening preposition, "Amid calls for a
    boycott, X", is the caller's case: ``adjunct_words``.)"""
    comma = text.find(",", words[0].start(), cs)
    if comma < 0:
        return False
    head = [w for w in words if w.start() < comma]
    if len(head) > MAX_ADVERBIAL_TOKENS and 2 <= len(head) <= MAX_ADJUNCT_TOKENS and \
            _participial(head[0].group(0).lower(), lex) and head[0].group(0)[0].isupper():
        return True     # "Rallying hundreds of service workers who are struggling to get by, Hillary Clinton ..."
    if not 2 <= len(head) <= MAX_ADVERBIAL_TOKENS:
        return False
    first = head[0].group(0).lower()
    if first in lex.time_openers and len(head) <= 3:
        return True     # "Last year, he played down ...", "Earlier this month, X ..."
    last = head[-1].group(0).lower()
    if len(head) <= 5 and (last in lex.claimant_stops or last in lex.time_nouns) and \
            any(w.group(0).lower().removesuffix("s") in lex.time_nouns for w in head):
        return True     # "A few days later, Trump reversed himself", "Two weeks ago, ..."
    if _participial(first, lex) or (first.endswith(lex.participle_suffixes) and
                                    head[1].group(0).lower() in lex.adjunct_words | lex.statement_adjuncts |
                                    lex.question_openers):
        # "Speaking at a rally in Ohio,", "Chastened by the analyses,", "Pressed on the issue,", "Asked why,"
        return True
    return _adverb(first, lex) and head[1].group(0).lower() in lex.adjunct_words


def _signs_off_quote(text: str, s: int, at: int, quotes: Sequence[tuple[int, int]]) -> bool:
    """Whether the sentence from ``s`` to ``at`` is one quotation that ends with its own comma, question or
    exclamation mark ('"It was magic," Susan said'): the words at ``at`` sign it off."""
    first, end = s + len(text[s:at]) - len(text[s:at].lstrip()), s + len(text[s:at].rstrip())
    i = bisect.bisect_left(quotes, (first, -1))     # (one lookup in the sorted quotes, not a scan per cue)
    return i < len(quotes) and quotes[i] == (first, end) and text[end - 2:end - 1] in (",", "?", "!")


def _states_after_sign_off(text: str, ce: int, e: int, lex: LangLexicon) -> bool:
    """After a quotation's sign-off, what follows the cue is a statement only when "that" or a quotation
    opens it ('"...," he said, "and ..."', '"...," she said, adding that S' is the participle's)."""
    t = text[ce:e].lstrip(" ,\u00a0")
    first = (_WORD.findall(t[:30])[:1] or [""])[0].lower()
    return t[:1] in _OPEN_QUOTES or first in lex.complementizers


# 'X Y Z "..." dedi': the most words a speaker before a quotation signed off by its verb alone may have, and the
# most characters of that sign-off (anything longer is more than a verb)
MAX_VERB_FINAL_SPEAKER_WORDS = 6
MAX_VERB_FINAL_SPEAKER_CHARS = 12
MAX_SIGN_OFF_CHARS = 40


def _verb_final_subject(text: str, sent: tuple[int, int], q: tuple[int, int],
                        lex: LangLexicon) -> Optional[tuple[int, int]]:
    """In a verb-final language a quotation that ends its sentence stands where the verb would, and the
    subject opens the sentence before its first adposition: 'مادورو از مسکو، تهران و پکن «برای مقابله با حمله
    احتمالی آمریکا درخواست کمک کرد»' (Maduro asked Moscow, Tehran and Beijing «for help ...»)."""
    if q[0] <= sent[0]:
        return None         # nothing comes before the quotation
    tail = text[q[1]:min(sent[1], q[1] + MAX_SIGN_OFF_CHARS)].strip(" \t.!?؟۔")
    if tail or sent[1] - q[1] > MAX_SIGN_OFF_CHARS:
        # 'İçişleri Bakanı Soylu "..." dedi': only the cue verb follows, and the speaker is all that comes before
        if sent[1] - q[1] > MAX_SIGN_OFF_CHARS or lex.fold(tail) not in lex.post_cues:
            return None     # something else follows the quotation
        lead = _strip_span(text, sent[0], q[0])
        lead = _strip_span(text, lead[0], lead[1] - 1) if text[lead[0]:lead[1]].endswith((",", "،", ":")) else lead
        words = list(itertools.islice(_WORD.finditer(text, lead[0], lead[1]), MAX_VERB_FINAL_SPEAKER_WORDS + 1))
        if not 1 <= len(words) <= MAX_VERB_FINAL_SPEAKER_WORDS or \
                (not lex.spaced and lead[1] - lead[0] > MAX_VERB_FINAL_SPEAKER_CHARS) or \
                any(ch in text[lead[0]:lead[1]] for ch in ",،:;«»\"“”、，"):
            return None     # (a script without spaces is one "word": its length in characters counts)
        return _clean_claimant(text, lead, lex)
    words = list(_WORD.finditer(text, sent[0], q[0]))
    k = next((i for i, w in enumerate(words) if lex.fold(w.group(0)) in lex.claimant_stops), None)
    if k is None or not 1 <= k <= 3 or any(ch in text[sent[0]:words[k].start()] for ch in ",،:;«»\"“”"):
        return None
    return _clean_claimant(text, (words[0].start(), words[k - 1].end()), lex)


def _quoting_subject(text: str, sent: Optional[tuple[int, int]], q: tuple[int, int],
                     lex: LangLexicon) -> Optional[tuple[int, int]]:
    """The subject of the sentence a quote sits in, when no cue names a speaker but the sentence's own verb
    does the quoting: "The Rove ad hits Clinton for taking “54 times more money ...”", "Mike Huckabee, the
    former Arkansas governor, proposed we “wake up and smell the falafel”". Its opening name (a capitalised
    run, as ``_main_subject`` reads it) with at least a verb between it and the quote; None for a quote that
    opens its sentence, a headline, or a sentence with a colon or a longer quotation before this one."""
    if sent is not None and lex.claimant_first:
        return _verb_final_subject(text, sent, q, lex)
    if sent is None or not lex.spaced or lex.capitalised_nouns or lex.claimant_first or not lex.determiners:
        return None     # without its determiners a lexicon cannot tell "Les" (an article) from a name
    s, e = sent
    if not text[s:e].rstrip().rstrip("”\"’»)").endswith((".", "!", "?", "…")):
        return None     # a headline ("New COVID-19 cluster at fire department, "Support has been set up"")
    lead = text[s:q[0]].rstrip()
    if lead.endswith((".", "!", "?")):
        return None     # a quote mark after the sentence's end opens the next one
    if lead.endswith(":"):
        lead = lead[:-1]        # 'And Mr. Christie gloated: "I told you ..."'
    if _ntok(lead) < 2 or _title_case(text, s, s + len(lead)) or ":" in lead:
        return None
    if any(ch in lead for ch in _OPEN_QUOTES):
        # 'seeking “expanded military cooperation” in light of “the escalation ...”': the sentence's own verb
        # quotes a short phrase before this quote too; a longer quotation before it may be someone else's
        earlier = find_quotes(lead, lex)
        if not earlier or any(_ntok(lead[a:b]) >= MIN_UNATTRIBUTED_QUOTE_TOKENS for a, b in earlier) or \
                sum(lead.count(ch) for ch in _OPEN_QUOTES) > len(earlier):
            return None
    first = _WORD.search(text, s, q[0])
    opening = " ".join(w.lower() for w in _WORD.findall(text, s, min(q[0], s + 60))[:4])
    if first is None or any(opening == p or opening.startswith(p + " ") for p in lex.prep_cues):
        return None     # "According to a civil complaint, the developers engaged in a “massive scheme”" (not "In
        #                 addition, ...": only a cue phrase that opens the sentence)
    subject = _main_subject(text, s, q[0], lex)
    if subject is None:
        return None
    verbs = [w.lower() for w in _WORD.findall(text, subject[1], q[0])]
    if not verbs or all(w in lex.claimant_verbs or w in lex.claimant_trim for w in verbs):
        return None     # "RT is “providing a perspective ...”": a copula quotes no one
    cl = _clean_claimant(text, _trim_claimant(text, subject, lex), lex)
    if cl is None or _ntok(text[cl[0]:cl[1]]) > MAX_POST_CLAIMANT_TOKENS:
        return None
    return cl


def _speaker_after(text: str, folded: str, q: tuple[int, int], e: int, lex: LangLexicon,
                   all_cues: Optional[list[PhraseMatch]]) -> Optional[tuple[Optional[tuple[int, int]], tuple[int, int]]]:
    """(claimant, cue) of a speaker named right after a quote in its sentence, or None."""
    stop = min(e, q[1] + 200)
    if stop <= q[1]:
        return None
    if all_cues is not None:
        lo = bisect.bisect_left(all_cues, (q[1],), key=lambda m: (m.s,))
        cues: list[Any] = [m for m in all_cues[lo:lo + 8] if m.e <= stop]
    else:
        cues = list(lex.re_cue.finditer(folded, q[1], stop))
    for m in cues:
        cue = re.sub(r"[\s\u200c]+", " ", m.group(0))
        signs = cue in lex.quote_signs
        if cue in lex.prep_cues or (cue not in lex.post_cues and cue not in lex.verb_cues and not signs):
            continue
        if signs and (text[m.start()].isupper() or text[q[0]:q[1]].rstrip("”\"’»'")[-1:] not in (",", "!", "?", "…")):
            continue        # '"...". Pressed for specifics, ...' / '"..." the rest of the states': it signs nothing
        between = text[q[1]:m.start()]
        n = _ntok(between)
        if n == 0:
            if cue not in lex.post_cues and not signs:
                return None
            cl = _claimant_right(text, m.end(), e, lex)
            if cl is None:
                # '"...," said a former official who oversaw the inquiries and described it as "...": the
                # speaker's phrase runs on into a clause of its own; its head is the speaker
                cl = _head_phrase(text, _leading_words(text, m.end(), e, MAX_RIGHT_CLAIMANT_TOKENS), lex)
            elif _ntok(text[cl[0]:cl[1]]) > MAX_POST_CLAIMANT_TOKENS:
                cl = _head_phrase(text, cl, lex)
            if cl is None:
                return None
            return cl, (m.start(), m.end())
        a, b = _strip_span(text, q[1], m.start())
        if text[q[0]:q[1]].rstrip("”\"’»'")[-1:] == "." and text[a:a + 1].isupper():
            return None     # '"... his presidency." He added that ...': a full stop ends the sentence, no tag follows
        inner = _BOUNDARY.search(text, a, b)
        if signs and inner is not None:
            continue        # "..., one of the states suing the EPA, said": no sign here
        if inner is not None:
            # '"...," Brent Bozell, founder of X, tells Y' / 'Sen. Claire McCaskill (D-Mo.) said': the name
            # before the apposition or the parenthesis
            if text[inner.start()] not in ",(" or n > MAX_APPOSITION_TOKENS:
                return None
            b = _strip_span(text, a, inner.start())[1]
        words = _WORD.findall(text, a, b)
        if len(words) >= 3 and words[-1].lower() in lex.subordinators and m.group(0).lower() in lex.participles:
            # '"...," Blige sings to Clinton before asking her': the name that opens the clause is the speaker
            run = list(itertools.takewhile(lambda w: w.group(0)[:1].isupper(), _WORD.finditer(text, a, b)))
            if not run:
                return None
            a, b = run[0].start(), run[-1].end()
            words = _WORD.findall(text, a, b)
        if len(words) > 4 and (words[0].lower() in ("the", "a", "an") or words[0].lower() in lex.claimant_quantifiers):
            head = _head_phrase(text, (a, b), lex)    # '"...," a voice-over in the ad states.'
            if head is not None and _ntok(text[head[0]:head[1]]) <= 4:
                a, b = head
                words = _WORD.findall(text, a, b)
        # a name, a known head ("officials"), or a short noun phrase with its article ("the letter reads")
        lowered = bool(words) and (words[0].lower() in ("the", "a", "an") or
                                   words[0].lower() in lex.claimant_quantifiers) and len(words) <= 4
        # "columnist Ai Jun wrote": a lower-case title before a name
        titled = bool(words) and words[-1][0].isupper() and sum(w.islower() for w in words) <= 2 and \
            not any(w.lower() in lex.non_claimant_edges | lex.claimant_breaks | lex.claimant_verbs for w in words)
        if a >= b or _ntok(text[a:b]) > 6 or not text[a].isupper() and text[a:b].lower() not in lex.claimant_head \
                and not lowered and not titled:
            return None
        answer = _WORD.search(text, m.end(), min(e, m.end() + 20))
        if answer is not None and answer.group(0).lower() in lex.answer_words and \
                not text[m.end():answer.start()].strip():
            return None     # '"our own struggling citizens," Melanie said yes, yes': she answered; the quote is not hers
        cl = _trim_claimant(text, (a, b), lex)
        return (cl, (m.start(), m.end())) if cl is not None else None
    return None


def _end_statement(text: str, a: Attribution, lex: LangLexicon, quotes: Sequence[tuple[int, int]]) -> Attribution:
    """A reported statement after its cue ends where the narrator's clause starts: "said the FBI had the
    cooperation of Bryan Pagliano, who worked on ..." / "have said they would support it, but there is
    growing anger ...". Quotes keep their quotation whole; a break inside quote marks is the speaker's."""
    # (a statement whose source is set inside it, "the system, which advocates say disadvantages schools, is
    # ...", is read from where it goes on after its source)
    if a.kind != "reported" or a.cue is None or not lex.statement_breaks or \
            (a.statement[0] < a.cue[1] and (a.gap is None or a.gap[1] < a.cue[1])):
        return a
    opening = a.statement[0]
    ss, se = (a.gap[1], a.statement[1]) if a.gap is not None else a.statement
    tail = _SIGN_OFF_TAIL.search(text, ss, se)
    if tail is not None and lex.claimant_head.get(tail.group(1).lower()) == "pronoun" and \
            tail.group(2).lower() in lex.post_cues and _ntok(text[ss:tail.start()]) >= 2:
        # 'DuVernay said she felt ... because "most people don't know," she said.': the speaker's sign-off
        # after the quotation repeats the attribution; it is no part of what was said
        se = tail.start() + 1 if text[tail.start()] in "”\"’»" else tail.start()
        a = Attribution(a.kind, a.start, a.end, (opening, se), a.claimant, a.cue, a.confidence, a.gap)
    relative = re.search(r",\s*([^\W\d_]+)\s+$", text[max(0, a.claimant[0] - 20):a.claimant[0]]) \
        if a.claimant is not None else None
    if relative is None and a.claimant is not None and a.claimant[1] <= a.cue[0]:
        # "Jeb Bush, who announced ...": the claimant is the relative's antecedent, the relative after it
        relative = re.match(r"\s*[,—–]\s*([^\W\d_]+)\s", text[a.claimant[1]:a.cue[0]])
    if relative is not None and relative.group(1).lower() in lex.gap_relatives:
        # "Sanders's donor list, which the campaign says includes 2.7 million contributors, is another uncertain
        # asset": the cue is set in a relative clause, and a finite verb after a comma is the main clause's again
        for m in _BREAK.finditer(text, ss, se):
            if text[m.start():m.end()].lstrip()[:1] == "," and m.group(1).lower() in lex.claimant_verbs and \
                    not _inside(m.start(), quotes) and _ntok(text[ss:m.start()]) >= 2:
                se = _strip_span(text, ss, m.start())[1]
                a = Attribution(a.kind, a.start, a.end, (opening, se), a.claimant, a.cue, a.confidence, a.gap)
                break
    cue = re.sub(r"[\s\u200c]+", " ", lex.fold(text[a.cue[0]:a.cue[1]]))
    if cue in lex.naming_cues:
        named = _named_end(text, ss, se, lex)
        if named is not None:
            return Attribution(a.kind, a.start, a.end, (opening, named), a.claimant, a.cue, a.confidence, a.gap)
    if cue in lex.object_cues:
        # "expressed solidarity for her even as he alluded to her failings", "mentioned the former secretary of
        # state, and at one point the crowd ...": a cue whose content is its object ends it at the clause's end
        for m in _OBJECT_END.finditer(text, ss, se):
            word = (m.group(1) or "").lower()
            if m.group(1) is not None and word not in lex.object_breaks:
                nxt = _WORD.search(text, m.end() + len(word), se)
                if nxt is None or (f"{word} {nxt.group(0).lower()}" not in lex.object_breaks and
                                   not (word in lex.conjunctions and _second_predicate(nxt.group(0), lex))):
                    continue
            if _inside(m.start(), quotes) or _ntok(text[ss:m.start()]) < 2:
                continue
            after = _WORD.search(text, m.end(), se) if m.group(1) is None else None
            if after is not None and text[m.start():after.start()].strip() == "," and \
                    after.group(0).lower() in lex.determiners:
                continue    # "called for tax fairness, the closure of loopholes ...": a list goes on
            end = _strip_span(text, ss, m.start())[1]
            return Attribution(a.kind, a.start, a.end, (opening, end), a.claimant, a.cue, a.confidence, a.gap)
        adjunct = _occasion_adjunct(text, ss, se, lex, quotes)
        if adjunct is not None:
            return Attribution(a.kind, a.start, a.end, (opening, _strip_span(text, ss, adjunct)[1]), a.claimant,
                               a.cue, a.confidence, a.gap)
        return a
    for m in _BREAK.finditer(text, ss, se):
        word = m.group(1).lower()
        if word.endswith("ly") and word not in lex.statement_breaks:
            # ", implicitly putting his name on the line": an adverb before the narrator's participle
            nxt = _WORD.search(text, m.end(), se)
            word = nxt.group(0).lower() if nxt is not None and _participial(nxt.group(0).lower(), lex) else word
        semicolon = text[m.start():m.end()].lstrip().startswith(";")
        # "S ― probably not exactly what Graham had in mind": a dash and an adverb open the narrator's aside
        # (unless a second dash closes it inside the statement: a parenthetical of the source's)
        aside = text[m.start():m.end()].strip()[:1] in "—―" and _adverb(m.group(1), lex) and \
            not re.search(r"\s[—―]", text[m.end():se])
        if word not in lex.statement_breaks and not _participial(word, lex) and not semicolon and not aside:
            continue        # (a semicolon ends it whatever follows: "...; she called into a radio program")
        # 'they want “justice for Terrence,” but pledged to remain civil': a comma that closes a quotation
        # ends the statement after it
        closes = m.start() + 1 < len(text) and text[m.start() + 1] in "”\"’»" and text[m.start()] in ",;"
        if (_inside(m.start(), quotes) and not closes) or _ntok(text[ss:m.start()]) < 3:
            continue
        if word in lex.conjunctions and not closes and _subject_opens(text, ss, lex):
            nxt = _WORD.findall(text, m.end(), min(se, m.end() + 40))[:2]
            if nxt and (nxt[0].lower() in lex.claimant_verbs or
                        _adverb(nxt[0], lex) and nxt[1:] and nxt[1].lower() in lex.claimant_verbs):
                continue    # "says it would depress revenue early, but would eventually add $84 billion": the
                #             statement's subject has a second predicate, which is part of the claim
        if word in lex.gap_relatives and _name_then_apposition(text, ss, m.start(), lex):
            continue        # "said Patricia Smith, the mother of X, who ... is wrong": the clause's subject so far
        if word in lex.gap_relatives and text[m.start():m.end()].lstrip()[:1] == ",":
            closing = _COMMA_WORD.search(text, m.end(), se)
            if closing is not None and closing.group(1) in lex.claimant_verbs and \
                    not _inside(closing.start(), quotes):
                continue    # "suggested that the billionaire, who is now the nominee, would unite Britain": the
                #             relative clause is set inside the statement, whose verb follows it
        lead = _WORD.search(text, ss, m.start())
        closing = text.find(",", m.end(), se)
        if word in lex.gap_relatives and lead is not None and lead.group(0).lower() in lex.statement_adjuncts and \
                closing > 0 and _ntok(text[closing:se]) >= 3:
            continue        # "found that in the three largest counties, which include X, voters were ...": a
            #                  fronted adverbial's own relative clause, closed by a comma; the statement goes on
        end = m.start() + 2 if closes else _strip_span(text, ss, m.start())[1]
        return Attribution(a.kind, a.start, a.end, (opening, end), a.claimant, a.cue, a.confidence, a.gap)
    return a


def _second_predicate(word: str, lex: LangLexicon) -> bool:
    """Whether a word after "and" opens the subject's next predicate rather than more of an object: "endorsed
    Trump last week and has appeared at his side", "echoed similar themes and took the stage"."""
    low = word.lower()
    return word.islower() and (low in lex.predicate_openers or low in lex.claimant_verbs or
                               (low.endswith(lex.participle_suffixes) and len(low) > 4))


def _subject_opens(text: str, ss: int, lex: LangLexicon) -> bool:
    """Whether a statement opens with a subject pronoun and its verb ("it would ...", "they have ..."): a clause
    whose subject a bare second predicate after "but" goes on with."""
    words = [w.lower() for w in _WORD.findall(text, ss, ss + 40)[:2]]
    return len(words) == 2 and lex.claimant_head.get(words[0]) == "pronoun" and words[1] in lex.claimant_verbs


def _occasion_adjunct(text: str, ss: int, se: int, lex: LangLexicon,
                      quotes: Sequence[tuple[int, int]]) -> Optional[int]:
    """Where an object cue's noun phrase ends before an adjunct of when or where it was said: a preposition
    (``occasion_prepositions``) whose next few words hold a time word, an ``occasion_nouns`` noun or a
    document ("the plan in a speech Tuesday", "Machado in early-morning tweets", "the policy on Sunday").
    None when there is none, or it would leave fewer than two words."""
    if not lex.occasion_nouns or not lex.occasion_prepositions:
        return None
    words = list(_WORD.finditer(text, ss, se))
    low = [w.group(0).lower() for w in words]
    for k in range(2, len(words) - 1):
        if low[k] not in lex.occasion_prepositions or not words[k].group(0).islower() or \
                _inside(words[k].start(), quotes):
            continue
        window = low[k + 1:k + 1 + MAX_OCCASION_TOKENS]
        pairs = [" ".join(window[j:j + 2]) for j in range(len(window) - 1)]
        if any(w in lex.claimant_stops or w in lex.time_nouns or w in lex.occasion_nouns or
               lex.claimant_head.get(w) == "document" for w in window) or any(p in lex.occasion_nouns for p in pairs):
            return words[k].start()
    return None


# The longest apposition after a source set inside its statement ("according to X, another former envoy, was ...").
MAX_APPOSITION_CHARS = 80
# The most words of each part of a source set off by commas before its cue ("a spokeswoman, Anna Richardson White").
MAX_APPOSED_TOKENS = 6

# The most words after a preposition in which ``_occasion_adjunct`` looks for a time, an occasion or a document.
MAX_OCCASION_TOKENS = 3


# The most words of a subject before an "X said" set inside its statement ("All of this, he acknowledges, could ...").
MAX_FRONTED_SUBJECT_TOKENS = 8


def _fronted_subject(text: str, a: Attribution, sent_start: int, lex: LangLexicon) -> Attribution:
    """A reported statement whose subject comes before its source: "Climate change, Mr. Obama often says, is the
    greatest threat", "Hawaii, as one adviser pointed out, normally does not get ...". After "X said," the
    statement lacks its subject; the noun phrase that opens the sentence is it, and the statement runs from
    there with the attribution between them as its gap. An opening adverbial ("In three years, X said, far too
    many ...") or clause, or a statement with a subject of its own ("..., X said, the army ..."), is none."""
    if a.kind != "reported" or a.claimant is None or a.cue is None or a.gap is not None:
        return a
    (cs, ce), (ks, ke), (ss, se) = a.claimant, a.cue, a.statement
    if not (sent_start <= cs and ce <= ks and ke <= ss < se) or text[ke:ss].strip() != ",":
        return a
    between = _WORD.findall(text, ce, ks)     # "Mr. Obama often says": an adverb may stand before the cue
    if len(between) > 2 or any(not w.islower() for w in between) or text[ce:ks].strip(" \t") != " ".join(between):
        return a
    first = _WORD.search(text, ss, se)
    w0 = first.group(0).lower() if first else ""
    if not first or not first.group(0).islower() or w0 in lex.determiners or w0 in lex.complementizers or \
            w0 in lex.subordinators or w0 in lex.conjunctions or w0 in lex.adjunct_words or \
            lex.claimant_head.get(w0) == "pronoun" or _participial(w0, lex):
        return a
    m = re.search(r",\s*(?:(\w+)\s+)?$", text[sent_start:cs])
    if m is None or (m.group(1) is not None and m.group(1).lower() not in lex.parenthetical_openers):
        return a
    comma = sent_start + m.start()
    fs, fe = _strip_span(text, _past_dateline(text, sent_start, comma), comma)
    words = list(_WORD.finditer(text, fs, fe))
    low = [w.group(0).lower() for w in words]
    if not 1 <= len(words) <= MAX_FRONTED_SUBJECT_TOKENS or not words[0].group(0)[:1].isupper() or \
            any(ch in text[fs:fe] for ch in ",;:()\"“”«»") or low[0] in lex.adjunct_words or \
            low[0] in lex.subordinators or low[0] in lex.conjunctions or low[0] in lex.sentence_adverbs or \
            _clause_verb(words, low, lex) is not None or any(w in lex.claimant_verbs for w in low):
        return a
    return Attribution(a.kind, min(a.start, fs), a.end, (fs, se), a.claimant, a.cue, a.confidence, gap=(fe, ss))


def _named_end(text: str, ss: int, se: int, lex: LangLexicon) -> Optional[int]:
    """Where the content of a naming cue ends when it calls something by a quoted name: 'called the pageant
    winner “Miss Piggy” and “Miss Housekeeping” as examples of ...', 'called it a “rant,” a series of
    postings that ...': after the quoted names (a later quotation a few words on belongs to them: 'called
    her assertion of a “claim of right” over her emails “significant”'), not in the narrator's words that
    follow. None when no quotation opens within the first few words, nothing follows the names, or what
    follows goes on with the content ("a genius" for his tax strategies: ``naming_continuers``)."""
    # every quotation, names too ("Miss Piggy" is a name in quote marks, which find_attributions leaves out)
    inside = [(ss + a, ss + b) for a, b in find_quotes(text[ss:se], lex)]
    if not inside or _ntok(text[ss:inside[0][0]]) > MAX_NAMED_OBJECT_TOKENS:
        return None
    end = inside[0][1]
    for q in inside[1:]:
        if _ntok(text[end:q[0]]) > MAX_NAMED_OBJECT_TOKENS or any(ch in text[end:q[0]] for ch in ";—–―("):
            break
        end = q[1]
    after = _WORD.search(text, end, se)
    if after is None or after.group(0).lower() in lex.naming_continuers:
        return None
    word = after.group(0).lower()
    # the narrator takes over after a comma or a dash, or with a preposition, a conjunction or a participle
    # ("as examples of", "in a tweet", ", a series of postings"); a plain word ("approach", "him") may
    # still be the content's own ('a “let a thousand flowers bloom” approach')
    comma = text[end:after.start()].strip() or text[ss:end].rstrip("”\"’»'")[-1:] in (",", ";")
    if not comma and word not in lex.adjunct_words and word not in lex.subordinators \
            and word not in lex.conjunctions and not _participial(word, lex):
        return None
    return _strip_span(text, ss, end, " \t\n,;:")[1]


def _participial(word: str, lex: LangLexicon) -> bool:
    """Whether a word after a comma opens a participial clause of the narrator's (", encouraging his
    supporters to ...", ", contradicting the police's claim"): a word with one of ``statement_break_suffixes``
    and a stem of three letters or more (not "thing", "king"), unless it goes on with the statement
    (``statement_continuers``: ", including images of officers", ", beginning in January")."""
    return word not in lex.statement_continuers and \
        any(word.endswith(x) and len(word) - len(x) >= 3 for x in lex.statement_break_suffixes)


def _title_case(text: str, s: int, e: int) -> bool:
    """Whether a sentence is a headline in title case: most of its longer words capitalised."""
    long = [w for w in _WORD.findall(text, s, e) if len(w) > 3]
    return len(long) >= 3 and sum(w[0].isupper() for w in long) * 4 >= len(long) * 3


def _name_then_apposition(text: str, s: int, cs: int, lex: LangLexicon) -> bool:
    """Whether [s, cs) reads "Name, apposition," ("Brian Abernathy, the city's first deputy manager,"): a short
    run of capitalised words up to the first comma, then more words."""
    comma = text.find(",", s, cs)
    if comma < 0:
        return False
    words = _WORD.findall(text, s, comma)
    if not 1 <= len(words) <= 6 or words[0].lower() in lex.adjunct_words | lex.subordinators | lex.claimant_links:
        return False
    return all(w[0].isupper() or w.lower() in lex.claimant_links for w in words) and \
        _ntok(text[comma:cs]) >= 2 and not any(ch in text[s:cs] for ch in "“”\"«»")


def _opens_clause(word: str, lex: LangLexicon) -> bool:
    """Whether a word cannot open a claimant: a preposition, a subordinator, a complementizer, or a subject
    pronoun or "there" with a contracted verb ("there’s", "it's")."""
    low = word.lower()
    if low in lex.non_claimant_edges or low in lex.subordinators or low in lex.complementizers:
        return True
    base, sep, _ = re.sub("’", "'", low).partition("'")
    return bool(sep) and (base in lex.non_claimant_edges or lex.claimant_head.get(base) == "pronoun")


def _relative_subject(text: str, att: Attribution, lex: LangLexicon) -> bool:
    """Whether an attribution's source is a noun phrase that a relative pronoun before its cue stands for
    ("an architect who said S", "a politician who will say S"): a relative clause inside the sentence's
    main clause."""
    if att.claimant is None or att.cue is None or att.claimant[1] > att.cue[0]:
        return False
    between = [w.lower() for w in _WORD.findall(text, att.claimant[1], att.cue[0])]
    return bool(between) and between[0] in lex.subject_relatives and \
        all(w in lex.claimant_trim or _adverb(w, lex) for w in between[1:]) and \
        _clean_claimant(text, att.claimant, lex) is not None


def _reduced_relative(text: str, s: int, att: Attribution, lex: LangLexicon) -> bool:
    """Whether an attribution inside a statement opens a relative clause with no relative word ("the $18
    million he says he raised", "the documents they claim show ..."): its source is a subject pronoun right
    after a noun of the statement (a lower-case word or a number that is no function word, verb or time
    word: "this week she said" opens a new clause)."""
    if att.claimant is None or not lex.subject_pronouns:
        return False
    who = text[att.claimant[0]:att.claimant[1]]
    if who.lower() not in lex.subject_pronouns:
        return False
    before = _WORD.findall(text, max(s, att.claimant[0] - 40), att.claimant[0])
    if not before or text[att.claimant[0] - 1:att.claimant[0]] != " " or \
            text[max(s, att.claimant[0] - 3):att.claimant[0]].strip()[-1:] in ",;:—–-()\"'“”‘’":
        return False
    w = before[-1]
    low = w.lower()
    function = lex.claimant_breaks | lex.conjunctions | lex.adjunct_words | frozenset(lex.complementizers) | \
        lex.determiners | lex.claimant_verbs | lex.claimant_trim | lex.non_claimant_edges
    return (w.islower() or w.isdigit()) and low not in function and low not in lex.verb_cues and \
        low not in lex.time_nouns and low not in lex.claimant_stops and not low.endswith(tuple(lex.verb_suffixes))


def _coordinated_subject(text: str, a: int, cs: int, lex: LangLexicon) -> Optional[tuple[tuple[int, int], int]]:
    """(subject, where its conjunction starts) of a cue whose clause is joined to a statement before it by a
    conjunction: "S and Clinton said", "S and 25 percent said"; None when what follows the last conjunction is
    no source, or too little of the statement comes before it."""
    words = list(_WORD.finditer(text, a, cs))
    k = next((i for i in range(len(words) - 1, -1, -1) if words[i].group(0).lower() in lex.conjunctions), None)
    if k is None or k < 3 or not 1 <= len(words) - k - 1 <= 4:
        return None
    tail = words[k + 1:]
    if any(w.group(0).lower() in lex.claimant_trim or _adverb(w.group(0), lex) for w in tail):
        return None         # "S and has expressed", "S and even questioned": the first subject's next verb
    first = tail[0].group(0)
    if not (first[0].isupper() or first[0].isdigit() or first.lower() in lex.determiners or
            _subject_pronoun(first, lex)):
        return None         # a name, a count, a determiner's noun phrase or a subject pronoun opens a subject
    sub = _clean_claimant(text, (tail[0].start(), tail[-1].end()), lex)
    return (sub, words[k].start()) if sub is not None else None


def _inner_claimant(text: str, s: int, outer: Attribution, inner: Attribution, lex: LangLexicon,
                    folded: str) -> Optional[tuple[int, int]]:
    """The source of an attribution found inside another's statement: its own, else the outer one's. But a
    participle after a restrictive relative clause ("defend not paying an architect who said S, saying T")
    belongs to the main clause, whose opening subject is its source, not the relative pronoun's antecedent."""
    if inner.claimant is not None or outer.claimant is None:
        return inner.claimant or outer.claimant
    if inner.cue is not None and outer.cue is not None and \
            re.sub(r"[\s\u200c]+", " ", folded[inner.cue[0]:inner.cue[1]]) in lex.participles and \
            _relative_subject(text, outer, lex):
        return _main_subject(text, s, inner.cue[0], lex)
    return outer.claimant


def _participle_after(text: str, s: int, e: int, att: Attribution, lex: LangLexicon, folded: str,
                      quotes: Sequence[tuple[int, int]],
                      all_cues: Optional[list[PhraseMatch]]) -> Optional[Attribution]:
    """'"A," he said, noting that S.': a participle after a statement-first attribution is the same
    speaker's second claim."""
    if att.cue is None or att.claimant is None or att.statement[1] > att.cue[0]:
        return None
    tail = max(att.cue[1], att.claimant[1])
    if tail >= e:
        return None
    cand = _attribution_in(text, tail, e, lex, folded, quotes, all_cues)
    if cand is None or cand.cue is None or cand.statement[0] < cand.cue[1]:
        return None
    cue = re.sub(r"[\s\u200c]+", " ", folded[cand.cue[0]:cand.cue[1]])
    if cue not in lex.participles or _ntok(text[tail:cand.cue[0]]) > 3:
        return None
    return Attribution("reported", cand.cue[0], cand.statement[1], cand.statement, att.claimant, cand.cue,
                       cand.confidence)


def _speech_cue(cue: str, text: str, pos: int, lex: LangLexicon) -> bool:
    """Whether a cue found at ``pos`` can name the speaker of a quote next to it: a speech verb, or a
    lower-case ``quote_signs`` verb ("States" in "the United States" signs nothing)."""
    return cue in lex.verb_cues or cue in lex.post_cues or (cue in lex.quote_signs and not text[pos].isupper())


def _speaker_before(text: str, folded: str, s: int, qs: int, lex: LangLexicon,
                    all_cues: Optional[list[PhraseMatch]]) -> Optional[tuple[tuple[int, int], tuple[int, int]]]:
    """(claimant, cue) of 'Trump boasted, "..."': a verb cue with only punctuation between it and the quote
    at ``qs``, and a clean claimant before it in its clause; or None."""
    if all_cues is not None:
        lo = bisect.bisect_left(all_cues, (max(s, qs - 60),), key=lambda m: (m.s,))
        cues: list[Any] = [m for m in all_cues[lo:lo + 8] if m.e <= qs]
    else:
        cues = list(lex.re_cue.finditer(folded, max(s, qs - 60), qs))
    for m in reversed(cues):
        cue = re.sub(r"[\s\u200c]+", " ", m.group(0))
        if not _speech_cue(cue, text, m.start(), lex) or _ntok(text[m.end():qs]) > 0 or \
                cue in lex.hearsay_cues or _negated(folded, s, m.start(), lex):
            continue
        raw = _claimant_left(text, s, m.start(), lex)
        cl = _clean_claimant(text, _trim_claimant(text, raw, lex), lex) if raw is not None else None
        if cl is None or _ntok(text[cl[0]:cl[1]]) > MAX_POST_CLAIMANT_TOKENS:
            return None
        return cl, (m.start(), m.end())
    return None


def _speaker_line(text: str, folded: str, sent: tuple[int, int], lex: LangLexicon,
                  all_cues: Optional[list[PhraseMatch]]) -> Optional[Attribution]:
    """'Caddell continued:' / 'The New York Times reports:': a sentence that is a short claimant and a cue
    before a colon introduces the quote that follows; the speaker as an Attribution, or None."""
    s, e = sent
    colon = text.rfind(":", s, e)
    if colon < 0:
        # 'Iowa State University's Dianne Bystrom agreed. "Mainstream Republicans ..."': a sentence that is
        # only a speaker and a cue, before a quote that opens the next one
        end = text[s:e].rstrip()
        if not end.endswith(".") or _ntok(end) > MAX_POST_CLAIMANT_TOKENS + 2:
            return None
        colon = s + len(end) - 1
    if all_cues is not None:
        lo = bisect.bisect_left(all_cues, (s,), key=lambda m: (m.s,))
        cues: list[Any] = [m for m in all_cues[lo:lo + 12] if m.e <= colon]
    else:
        cues = list(lex.re_cue.finditer(folded, s, colon))
    for m in cues:
        cue = re.sub(r"[\s\u200c]+", " ", m.group(0))
        if not _speech_cue(cue, text, m.start(), lex) or \
                (_ntok(text[m.end():colon]) > 0 and not _line_adjunct(text, m.end(), colon, cue, lex)):
            continue
        seg = s
        for bm in _BOUNDARY.finditer(text, s, m.start()):
            seg = bm.end()      # "In a speech last July, he said:": the subject after the adverbial
        a, b = _strip_span(text, seg, m.start())
        if a >= b or _ntok(text[a:b]) > MAX_POST_CLAIMANT_TOKENS:
            return None
        cl = _clean_claimant(text, _trim_claimant(text, (a, b), lex), lex)
        if cl is None:
            return None
        return Attribution("reported", s, e, (colon, colon), cl, (m.start(), m.end()), 0.7)
    return None


def _line_adjunct(text: str, ce: int, end: int, cue: str, lex: LangLexicon) -> bool:
    """Whether the words between a speaker line's cue and its end say only where, when or to whom it was said
    ("Lau said in a statement.", "she told reporters on Monday.", "he said Tuesday."): a few words, with no
    comma, opened by an adjunct word or a time word, or after a cue that ends in one or takes an addressee."""
    words = [w.lower() for w in _WORD.findall(text, ce, end)]
    if not words or len(words) > MAX_ADDRESSEE_TOKENS or _BOUNDARY.search(text, ce, end):
        return False
    return cue.split(" ")[-1] in lex.adjunct_words or cue in lex.addressee_cues or \
        words[0] in lex.adjunct_words or words[0] in lex.claimant_stops


def _colon_speaker(text: str, s: int, qs: int, lex: LangLexicon) -> Optional[tuple[tuple[int, int], tuple[int, int]]]:
    """(claimant, cue) of 'Trump: "I'm the worst thing ..."' / 'POLL MISSES - Jeffrey M. Jones: "..."' /
    'Continued Stone: "..."': a short name before the colon that opens the quote at ``qs`` names its speaker.

    The name is the text after ``s`` (a sentence start) or after the last dash, up to the colon: at most
    ``MAX_COLON_SPEAKER_TOKENS`` capitalised words (with ``claimant_links`` between them) and no other
    punctuation. A speech verb before it is read inverted ('Added Smith:'); a label ("Update:", "Watch:",
    the lexicon's ``colon_labels``) is no speaker. The cue is the colon, or the inverted verb. Only for
    languages whose lexicon lists its labels and that capitalise names and not nouns."""
    if not lex.colon_labels or not lex.spaced or lex.capitalised_nouns or lex.claimant_first:
        return None
    near = max(s, qs - MAX_COLON_SPEAKER_CHARS)      # a name of a few words: the text just before the quote
    lead = text[near:qs].rstrip()
    if not lead.endswith((":", "：")):
        return None
    colon = near + len(lead) - 1
    a = s
    for m in re.finditer(r"\s[-—–]{1,2}\s", text[near:colon]):
        a = near + m.end()
    if a < near:
        return None     # neither the sentence's start nor a dash is near: a long clause before the colon
    if any(ch in text[a:colon] for ch in ",;:!?\"“”«»()[]"):
        return None     # a clause ("Wait, it gets better:")
    words = list(_WORD.finditer(text, a, colon))
    cue = (colon, colon + 1)
    if len(words) > 1 and words[0].group(0).lower() in lex.post_cues | lex.verb_cues | lex.quote_signs:
        cue = (words[0].start(), words[0].end())
        words = words[1:]       # "Continued Stone:", "Added the mayor:"
    if not 1 <= len(words) <= MAX_COLON_SPEAKER_TOKENS or not words[0].group(0)[0].isupper():
        return None
    low = [w.group(0).lower() for w in words]
    for k in range(1, len(low)):
        if low[k] in lex.non_claimant_edges and low[k] not in lex.claimant_links:
            words, low = words[:k], low[:k]     # "CNN President On Trump:": a headline capitalises "On" too
            break
    if any(not w.group(0)[0].isupper() and lw not in lex.claimant_links for w, lw in zip(words, low)):
        return None
    if " ".join(low) in lex.colon_labels or low[0] in lex.colon_labels or all(w in lex.claimant_stops for w in low):
        return None
    cl = _clean_claimant(text, (words[0].start(), words[-1].end()), lex)
    return (cl, cue) if cl is not None else None


_TURN = re.compile(r"^[ \t\"“'‘]*([^\W\d_][^\W\d_'’.\-]*(?:[ \t]+[^\W\d_][^\W\d_'’.\-]*){0,3})[ \t]*:[ \t]+(?=\S)",
                   re.MULTILINE)


def _transcript_turns(text: str, lex: LangLexicon) -> list[tuple[int, Attribution]]:
    """The turns of a transcript: lines that open with a speaker's name in capitals and a colon
    ('WALLACE: Do you really see those two as equivalent?', 'PENCE: Well, look, ...', 'Q: ...'), each a
    quote of its speaker that runs to the end of its paragraph, with where its line starts. Only when the
    text has at least ``MIN_TRANSCRIPT_TURNS`` of them: a single 'ISLAMABAD: The government ...' is a
    dateline, and labels ('UPDATE:', ``colon_labels``) are never speakers."""
    turns: list[tuple[int, Attribution]] = []
    for m in _TURN.finditer(text):
        label = m.group(1)
        if not label.isupper() or label.lower().rstrip(".") in lex.colon_labels or \
                _ntok(label) > MAX_COLON_SPEAKER_TOKENS:
            continue
        a = m.end()
        b = text.find("\n", a)
        a, b = _strip_span(text, a, len(text) if b < 0 else b, " \t\n")
        if _ntok(text[a:b]) < 2:
            continue
        colon = text.index(":", m.end(1))
        turns.append((m.start(), Attribution("quote", m.start(1), b, (a, b), (m.start(1), m.end(1)),
                                             (colon, colon + 1), 0.7)))
    return turns if len(turns) >= MIN_TRANSCRIPT_TURNS else []


def _signature(text: str, m: re.Match) -> tuple[tuple[int, int], tuple[int, int]]:
    """(name, dash) of a ``_DASH_SPEAKER`` match: '"..." ― Carla Sanchez' signs the quote with the name, and
    the dash is the cue."""
    a, b = _strip_span(text, m.start(1), m.end(1), " \t\u00a0")
    dash = max(text.rfind(ch, m.start(), m.start(1)) for ch in "―—–")
    return (a, b), (dash, dash + 1)


def _word_before(text: str, s: int, cut: int) -> str:
    """The last word of ``text[s:cut]``, lower-cased ("" when there is none)."""
    words = list(_WORD.finditer(text, max(s, cut - 40), cut))
    return words[-1].group(0).lower() if words else ""


# The fewest words after a sentence's attribution (its statement, cue and claimant) in which another is looked for.
MIN_REST_TOKENS = 4


def find_attributions(text: str, folded: str, sentences: Sequence[tuple[int, int]], lex: LangLexicon,
                      skip: Sequence[tuple[int, int]] = ()) -> list[Attribution]:
    quotes = [q for q in find_quotes(text, lex) if _ntok(text[q[0]:q[1]]) >= 1 and not _is_name(text, q, lex) and
              not _follow_prompt(text, q, lex) and not _URL_ONLY.match(text, q[0] + 1, q[1] - 1)]
    sentences = _bounded(text, sentences)
    # a transcript's turns are their speakers' words, whole: nothing in them is read again
    turns = _transcript_turns(text, lex)
    skip = sorted([*skip, *((line, t.end) for line, t in turns)])
    qstarts = [q[0] for q in quotes]

    def quotes_from(a: int, b: int) -> list[tuple[int, int]]:
        """Quotes that start in [a, b)."""
        return quotes[bisect.bisect_left(qstarts, a):bisect.bisect_left(qstarts, b)]

    def sentence_at(pos: int) -> Optional[int]:
        i = bisect.bisect_right(sentences, (pos, float("inf"))) - 1
        return i if i >= 0 and sentences[i][0] <= pos < sentences[i][1] else None

    out: list[Attribution] = []
    by_sentence: dict[int, Attribution] = {}
    # one pass over the whole text finds every cue; sentences then take theirs by offset
    all_cues = lex.cue_index.find(folded, 0, len(folded)) if lex.spaced else None
    extra: list[Attribution] = []
    for i, (s, e) in enumerate(sentences):
        if _in_any(s, skip):
            continue
        att = _attribution_in(text, s, e, lex, folded, quotes, all_cues, top=True)
        if att is not None:
            by_sentence[i] = att
            after = _participle_after(text, s, e, att, lex, folded, quotes, all_cues)
            if after is not None:
                extra.append(after)
            # "While Comey has said that S, Lewandowski said T": a statement that a subordinate clause ends
            # leaves the main clause, which may attribute one of its own
            # (not after a claimant that follows its cue: "S, said X, a strategist who supported Y" is X's apposition)
            # ("Saying S, Trump refused T": the main clause, whose subject is the participle's source)
            tail = att.statement[1]
            if after is None and att.cue is not None and att.statement[0] >= att.cue[1] and \
                    (att.claimant is None or att.claimant[1] <= att.cue[0] or att.claimant[0] >= tail) and \
                    _ntok(text[tail:e]) >= MIN_REST_TOKENS:
                rest = _attribution_in(text, tail, e, lex, folded, quotes, all_cues)
                if rest is not None and rest.cue is not None and rest.cue[0] >= tail and _word_before(
                        text, tail, rest.claimant[0] if rest.claimant is not None else rest.cue[0]) \
                        not in lex.clause_openers:      # ("the gap between S and what we expect from T")
                    extra.append(rest)
            # further attributions inside the statement ("X says S but argues T, and Y said U")
            cur, nested, cur_at = att, 0, -1      # cur_at: where ``cur`` sits in ``extra`` once nested
            while nested < MAX_NESTED:
                st = cur.statement
                if _ntok(text[st[0]:st[1]]) < 8:
                    break
                inner, embedded, cut, probe = None, None, st[0], st[0]
                coordinated = False
                relatives: list[int] = []           # claims of relative clauses read inside ``st``
                for _ in range(MAX_NESTED):
                    # "he said he intends to run ..., and leaders said ...": a cue too close to the
                    # start ("intends") is part of the statement; look on for the next one
                    cand = _attribution_in(text, probe, st[1], lex, folded, quotes, all_cues)
                    if cand is None or cand.cue is None or (cur.cue is not None and cand.cue[0] <= cur.cue[1]):
                        break
                    cut = min(cand.cue[0], cand.claimant[0] if cand.claimant and cand.claimant[0] > st[0]
                              else cand.cue[0])
                    opens = cand.claimant is not None and cand.claimant[0] >= st[0] and \
                        _ntok(text[st[0]:cand.claimant[0]]) <= 1
                    opener = _word_before(text, st[0], cut)
                    if cand.statement[0] > st[0] and cand.claimant is not None and cand.claimant[0] > st[0] and \
                            (_relative_subject(text, cand, lex) or _reduced_relative(text, st[0], cand, lex)):
                        # "he had a source who told him S": the cue is in a relative clause of the statement,
                        # which goes on through it; its own claim is read, its source the antecedent
                        relatives.append(len(extra))
                        extra.append(Attribution(cand.kind, cand.start, cand.end, cand.statement, cand.claimant,
                                                 cand.cue, cand.confidence - 0.1))
                        probe = cand.cue[1]
                        continue
                    if cand.statement[0] > st[0] and _ntok(text[st[0]:cut]) >= 3 and not opens and \
                            opener in lex.clause_openers:
                        # "through what she calls a war of words": the cue is inside a clause of the
                        # statement, which goes on through it; its own claim is read unless the clause
                        # is a relative one with a gap ("the examples that critics point to")
                        lead = (_WORD.findall(text, cand.statement[0], cand.statement[1])[:1] or [""])[0].lower()
                        if opener not in lex.gap_relatives and lead not in lex.adjunct_words and \
                                lead not in lex.claimant_verbs:
                            # (not "what we expect from Clinton and ...": the object's gap leaves an adjunct;
                            # nor "what the senators said was economic gerrymandering": the subject's gap)
                            extra.append(Attribution(cand.kind, cand.start, cand.end, cand.statement,
                                                     _inner_claimant(text, s, cur, cand, lex, folded), cand.cue,
                                                     cand.confidence - 0.1))
                        probe = cand.cue[1]
                        continue
                    if cand.statement[0] > st[0] and _ntok(text[st[0]:cut]) >= 3 and not opens:
                        if cand.claimant is None and cand.cue is not None and \
                                re.sub(r"[\s\u200c]+", " ", folded[cand.cue[0]:cand.cue[1]]) not in lex.participles and \
                                (restart := _coordinated_subject(text, st[0], cand.cue[0], lex)):
                            # "Trump said the economy is strong and Clinton said S": the cue's own subject comes
                            # after the conjunction, and the first statement ends before it
                            cand = Attribution(cand.kind, cand.start, cand.end, cand.statement, restart[0], cand.cue,
                                               cand.confidence, cand.gap)
                            cut = restart[1]
                        inner = cand
                        break
                    joined = re.search(r",\s*([^\W\d_]+)\s*$", text[st[0]:cand.cue[0]])
                    if joined is not None and joined.group(1).lower() in lex.conjunctions and \
                            cand.claimant is None and cand.statement[0] > cand.cue[1] and \
                            _ntok(text[st[0]:st[0] + joined.start()]) >= 1:
                        # "He endorsed Clinton, but told The Huffington Post that S": a second verb of the
                        # subject's, after a comma and a conjunction, ends the first statement
                        inner, coordinated = cand, True
                        break
                    if opens and cand.claimant is not None and \
                            lex.claimant_head.get(text[cand.claimant[0]:cand.claimant[1]].lower()) != "pronoun" and \
                            cand.statement[0] > cand.cue[0]:
                        # "Reports suggest Maduro asked China to ...": the whole statement is itself an
                        # attribution; it stays whole, and its inner claim is read too ("he" is the speaker
                        # again: "Obama said he had told his envoy ..." is one claim)
                        embedded = embedded or cand     # unless a later cue splits the statement
                    probe = cand.cue[1]
                if inner is None:
                    if embedded is not None and embedded.claimant is not None:
                        extra.append(Attribution(embedded.kind, embedded.claimant[0], embedded.statement[1],
                                                 embedded.statement, embedded.claimant, embedded.cue,
                                                 embedded.confidence - 0.1))
                    break
                a2, b2 = _strip_span(text, st[0], cut, " \t,.;:،—–-")
                last = list(_WORD.finditer(text, a2, b2))
                while (len(last) > 3 or (coordinated and len(last) > 1)) and \
                        (last[-1].group(0).lower() in lex.conjunctions or
                         last[-1].group(0).lower() in lex.subordinators or
                         last[-1].group(0).lower() in lex.determiners or _adverb(last[-1].group(0), lex)):
                    # "S, and Y said T" / "S while Y says T": the "and" joins the clauses, it is not in S;
                    # "S, even suggesting T": nor is the participle's adverb; "S The S.E.C. said T" (a lost
                    # period): nor is the determiner of the next claimant
                    last.pop()
                    end = last[-1].end()
                    while end < b2 and text[end] in "”\"’»」』":
                        end += 1        # a quotation closed before the "and" stays closed
                    a2, b2 = _strip_span(text, a2, end, " \t,.;:،—–-")
                trimmed = Attribution(cur.kind, cur.start, cur.end, (a2, b2), cur.claimant, cur.cue, cur.confidence)
                if nested == 0:
                    by_sentence[i] = trimmed
                else:
                    extra[cur_at] = trimmed
                for k in relatives:
                    # a relative clause inside the trimmed statement ends where that statement ends
                    r = extra[k]
                    if r.statement[0] < b2 < r.statement[1]:
                        rs = _strip_span(text, r.statement[0], max(r.statement[0], b2), " \t,.;:،—–-")
                        extra[k] = Attribution(r.kind, r.start, min(r.end, b2), rs, r.claimant, r.cue, r.confidence)
                cur = Attribution(inner.kind, inner.start, inner.end, inner.statement,
                                  _inner_claimant(text, s, cur, inner, lex, folded), inner.cue,
                                  inner.confidence - 0.1)
                cur_at = len(extra)
                extra.append(cur)
                nested += 1
    used_quotes: set[tuple[int, int]] = set()
    for i, att in by_sentence.items():
        st = att.statement
        in_quotes = quotes_from(st[0] - 1, st[1])
        qlen = sum(min(q[1], st[1]) - q[0] for q in in_quotes)
        if in_quotes and qlen >= 0.6 * (st[1] - st[0]):
            q0, q1 = in_quotes[0][0], in_quotes[-1][1]
            used_quotes.update(in_quotes)
            out.append(Attribution("quote", min(att.start, q0), max(att.end, q1), (q0, q1), att.claimant, att.cue,
                                   min(0.95, att.confidence + 0.15)))
        else:
            out.append(att)
    # quotes whose cue sits in a neighbouring sentence ('He added: "..."' / '"..." the publication notes.')
    dropped: set[int] = set()
    pending: list[tuple[int, int]] = []
    for q in quotes:
        if q in used_quotes or _ntok(text[q[0]:q[1]]) < 4:
            continue
        idx = sentence_at(q[0])
        if idx is None or _in_any(q[0], skip):
            continue
        last_i = bisect.bisect_left(sentences, (q[1], -1))
        cover = [i for i in range(idx, last_i) if sentences[i][0] < q[1] and sentences[i][1] > q[0]]
        if any(i in by_sentence and by_sentence[i].statement[0] <= q[0] < by_sentence[i].statement[1] for i in cover):
            continue
        end_sentence = sentences[cover[-1]] if cover else sentences[idx]
        speaker = _speaker_after(text, folded, q, end_sentence[1], lex, all_cues)
        nxt_i = (cover[-1] if cover else idx) + 1
        if speaker is None and q[1] >= end_sentence[1] - 1 and nxt_i < len(sentences) and \
                sentences[nxt_i][0] - q[1] <= 2 and not text[q[1]:sentences[nxt_i][0]].count("\n"):
            # '"How many times?" Clinton said.': a question mark ended the sentence before its speaker
            speaker = _speaker_after(text, folded, q, sentences[nxt_i][1], lex, all_cues)
        if speaker is None:
            dash = _DASH_SPEAKER.match(text, q[1], min(len(text), q[1] + 80))
            if dash is not None and 1 <= _ntok(dash.group(1)) <= 6:
                # '"..." ― Carla Sanchez': the speaker signs the quote
                name, mark = _signature(text, dash)
                out.append(Attribution("quote", q[0], name[1], q, name, mark, 0.75))
                continue
        if speaker is not None:
            # '"...," Sharpton said.' / '"...," said Monika Bickert, head of ...': the speaker follows the quote
            out.append(Attribution("quote", q[0], max(q[1], speaker[1][1]), q, speaker[0], speaker[1], 0.85))
            covered = by_sentence.get(cover[-1]) if cover else None
            if covered is not None and q[0] <= covered.statement[0] and covered.statement[1] <= q[1]:
                dropped.add(id(covered))   # a piece of this quote, read as its own claim
            continue
        neighbour = None
        if idx - 1 in by_sentence and text[sentences[idx - 1][0]:sentences[idx - 1][1]].rstrip().endswith(":"):
            neighbour = by_sentence[idx - 1]
        elif idx >= 1 and (text[sentences[idx - 1][0]:sentences[idx - 1][1]].rstrip().endswith(":") or
                           _ntok(text[sentences[idx][0]:q[0]]) == 0):
            # 'Caddell continued:\n\n"..."' / 'He said:' / 'Bystrom agreed. "..."': a line that is only a
            # speaker and a cue
            neighbour = _speaker_line(text, folded, sentences[idx - 1], lex, all_cues)
        if neighbour is None and q[0] > sentences[idx][0]:
            # 'Mr. Trump continued: "..." He added that S': a speaker and a cue right before the quote, in its
            # own sentence, come before a short sentence after it
            lead = _speaker_before(text, folded, sentences[idx][0], q[0], lex, all_cues)
            if lead is not None:
                out.append(Attribution("quote", q[0], q[1], q, lead[0], lead[1], 0.65))
                continue
        nxt = cover[-1] + 1
        if neighbour is None and nxt in by_sentence and _ntok(text[sentences[nxt][0]:sentences[nxt][1]]) <= 8 and \
                _ntok(text[q[1]:end_sentence[1]]) == 0:
            # (only for a quote that ends its sentence: '... went on about "our own struggling citizens," Melanie
            # said yes, ...' is narration, which the next sentence's speaker did not sign)
            neighbour = by_sentence[nxt]
        if neighbour is not None:
            out.append(Attribution("quote", q[0], q[1], q, neighbour.claimant, neighbour.cue, 0.7))
        elif _ntok(text[q[0]:q[1]]) >= MIN_UNATTRIBUTED_QUOTE_TOKENS:
            pending.append(q)
    out = [a for a in out if id(a) not in dropped]
    # '"A," said Caddell. "B."': a quote with no cue right after an attributed one goes on in the same voice
    # (a transcript's turn too: '"PENCE: Well, ...\n\n"But the truth is ...': his turn goes on in a paragraph)
    said_quotes = sorted((a for a in [*out, *(t for _, t in turns)] if a.kind == "quote" and a.claimant is not None),
                         key=lambda a: a.statement[1])
    ends = [a.statement[1] for a in said_quotes]
    said_before = [a for a in out + extra if a.claimant is not None and a.cue is not None]
    for q in pending:
        # the signature is looked for a short way on, so that a text of one long line stays linear
        line_end = text.find("\n", q[1], q[1] + MAX_SIGNATURE_REACH)
        line_end = min(len(text), q[1] + MAX_SIGNATURE_REACH) if line_end < 0 else line_end
        signed = re.search(r"[”\"»’'][ \t\u00a0]*(?=[―—–])", text[q[1]:line_end])
        dash = _DASH_SPEAKER.match(text, q[1] + signed.end(), line_end) if signed is not None else None
        if dash is not None and 1 <= _ntok(dash.group(1)) <= 6:
            # '"A. B." And that's all he has "C." ― Christina Lastra': the line is signed at its end
            out.append(Attribution("quote", q[0], q[1], q, *_signature(text, dash), 0.7))
            continue
        at = sentence_at(q[0])
        before = by_sentence.get(at - 1) if at is not None else None
        k = bisect.bisect_right(ends, q[0]) - 1
        prev = said_quotes[k] if k >= 0 else None
        if at is not None and before is not None and before.claimant is not None and \
                (prev is None or prev.end <= before.start) and \
                _ntok(text[sentences[at][0]:q[0]]) == 0 and text.count("\n", before.end, q[0]) <= 2:
            # 'Clinton said S.\n"How many times ..."': a quote that opens the paragraph after a paraphrase
            out.append(Attribution("quote", q[0], q[1], q, before.claimant, before.cue, 0.6))
            continue
        gap = text[max(prev.end, prev.statement[1]):q[0]] if prev is not None else ""
        at = sentence_at(q[0])
        # '"A," he said, adding that "B"' / 'He says, "B"': a cue of this sentence, a few words before the
        # quote, names its speaker
        if at is not None:
            def reach(a: Attribution) -> int:
                # '... laut Solocal "A" sichern und "B" ...': the gap runs from the cue or its last quote
                return a.statement[1] if a.kind == "quote" and a.cue[1] <= a.statement[1] <= q[0] else a.cue[1]
            near = [a for a in said_before if a.cue[1] <= q[0] and a.cue[0] >= sentences[at][0] and
                    _ntok(text[reach(a):q[0]]) <= MAX_CUE_TO_QUOTE_TOKENS]
            if near:
                a = max(near, key=reach)
                out.append(Attribution("quote", q[0], q[1], q, a.claimant, a.cue, 0.65))
                said_before.append(out[-1])     # the next quote of the sentence may follow this one
                continue
            j = bisect.bisect_left(qstarts, q[0])
            split = quotes[j - 1] if j > 0 and quotes[j - 1][1] <= q[0] else None
            if split is not None and sentences[at][0] <= split[0] and \
                    text[split[0]:split[1]].rstrip("”\"’»'")[-1:] == "," and "\n" not in text[split[1]:q[0]]:
                # '"The risk," said Edward Leamer, an economist, "is that ..."': a sentence quoted in two parts
                # around its speaker; the second part is in the same voice as the first
                speaker = _speaker_after(text, folded, split, q[0], lex, all_cues)
                if speaker is not None and speaker[0] is not None:
                    out.append(Attribution("quote", q[0], q[1], q, speaker[0], speaker[1], 0.7))
                    said_before.append(out[-1])
                    continue
            # 'When Clinton noted S ― Trump boasted, "..."': a speaker and a cue right before the quote
            lead = _speaker_before(text, folded, sentences[at][0], q[0], lex, all_cues)
            if lead is not None:
                out.append(Attribution("quote", q[0], q[1], q, lead[0], lead[1], 0.65))
                said_before.append(out[-1])
                continue
        # only a quote that opens its sentence goes on in the previous voice; one inside narration
        # ("as Trump went on about “how the system is rigged,”") is someone else's phrase
        opens = at is not None and _ntok(text[sentences[at][0]:q[0]]) == 0
        # '"A," said X, an economist at Y. "B."': the quote opens the sentence after the speaker's
        prev_sentence = sentence_at(max(prev.end, prev.statement[1]) - 1) if prev is not None else None
        follows = at is not None and prev_sentence is not None and prev_sentence == at - 1
        if prev is not None and opens and prev.end <= q[0] and gap.count("\n") <= 2 and \
                (_ntok(gap) <= MAX_CONTINUATION_GAP or follows and _ntok(gap) <= MAX_APPOSITION_TOKENS):
            out.append(Attribution("quote", q[0], q[1], q, prev.claimant, prev.cue, 0.65))
            # the next paragraph of the same quotation goes on in this voice too
            k = bisect.bisect_right(ends, q[1])
            said_quotes.insert(k, out[-1])
            ends.insert(k, q[1])
        elif at is not None and (named := _colon_speaker(text, sentences[at][0], q[0], lex)) is not None:
            # 'Trump: "I'm the worst thing that ever happened to the establishment."': a headline's speaker
            out.append(Attribution("quote", min(q[0], named[0][0]), q[1], q, named[0], named[1], 0.6))
        elif at is not None and at >= 1 and _ntok(text[sentences[at][0]:q[0]]) == 0 and \
                (named := _colon_speaker(text, sentences[at - 1][0], q[0], lex)) is not None:
            # 'Continued Stone:\n\n"So I think it's a very real problem."': a line that only names the speaker
            out.append(Attribution("quote", min(q[0], named[0][0]), q[1], q, named[0], named[1], 0.6))
        elif (subject := _quoting_subject(text, sentences[at] if at is not None else None, q, lex)) is not None:
            # 'Sanders credited Clinton's victory to "a closed primary ..."': the sentence's subject quotes
            out.append(Attribution("quote", q[0], q[1], q, subject, None, 0.5))
        elif _ntok(text[q[0]:q[1]]) >= MIN_ORPHAN_QUOTE_TOKENS:
            out.append(Attribution("quote", q[0], q[1], q, None, None, 0.4))
        # else: a short phrase in quote marks that no one near is said to have said ("the scourge of
        # war", "a living room in western Pennsylvania"): a writer's scare quotes, not a claim
    def finish(a: Attribution) -> Attribution:
        a = _trailing_apposition(text, _infinitive_end(text, _end_statement(text, a, lex, quotes), lex), lex, quotes)
        at = sentence_at(a.claimant[0]) if a.claimant is not None else None
        return _fronted_subject(text, a, sentences[at][0], lex) if at is not None else a

    def whole(a: Attribution) -> bool:
        # "X, he says, is different" with no fronted subject to complete it: a fragment; '"Manchurian anchors," as
        # The Daily Beast called them in an article last week': a pronoun and an occasion say nothing
        if a.kind == "reported" and a.gap is None and _pronoun_and_occasion(text, a.statement, lex):
            return False
        if a.kind == "reported" and a.gap is None and (_call_to_act(text, a, lex) or
                                                       _pronoun_and_question(text, a.statement, lex)):
            return False
        return a.kind != "reported" or a.gap is not None or a.cue is None or \
            text[a.cue[1]:a.statement[0]].strip() != "," or _ntok(text[a.statement[0]:a.statement[1]]) >= 3
    out = [a for a in (finish(a) for a in out) if whole(a)] + [t for _, t in turns]
    extra = [a for a in (finish(a) for a in extra) if whole(a)]
    spans = {(a.start, a.end) for a in out}
    for x in extra:
        if (x.start, x.end) in spans:
            # the claim id is built from the span: give the inner one its own evidence span
            # (from the cue, or from the statement's subject where the attribution is set inside it)
            start = (min(x.cue[0], x.statement[0]) if x.gap else x.cue[0]) if x.cue else x.start
            x = Attribution(x.kind, start, x.statement[1], x.statement, x.claimant, x.cue, x.confidence, x.gap)
        out.append(x)
        spans.add((x.start, x.end))
    out.sort(key=lambda a: (a.start, a.end, a.kind))
    return _continued_quotes(text, _one_per_statement(text, out))


def _continued_quotes(text: str, atts: list[Attribution]) -> list[Attribution]:
    """'"It is over," she said, "and we are going home."': a quoted sentence that its speaker's sign-off
    interrupts is one quote, with the sign-off as its gap (the second part took its speaker from the first).
    After a sign-off that ends its sentence ('"A," Ki Hong said. "B."') the next quotation is a claim of its
    own, as the labelling rules count it (tests/data/claims_labelled.README.md)."""
    out: list[Attribution] = []
    for b in atts:
        a = out[-1] if out else None
        if a is not None and a.kind == b.kind == "quote" and a.gap is None and b.gap is None and \
                a.claimant is not None and a.claimant == b.claimant and a.cue == b.cue and \
                a.statement[1] <= a.claimant[0] and b.statement[0] >= max(a.claimant[1], a.cue[1] if a.cue else 0) \
                and text[b.statement[0]] in _OPEN_QUOTES and \
                text[max(a.claimant[1], a.cue[1] if a.cue else 0):b.statement[0]].strip(" \t\u00a0") == ",":
            out[-1] = Attribution("quote", a.start, max(a.end, b.end), (a.statement[0], b.statement[1]), a.claimant,
                                  a.cue, a.confidence, (a.statement[1], b.statement[0]))
            continue
        out.append(b)
    return out


def _one_per_statement(text: str, atts: list[Attribution]) -> list[Attribution]:
    """One attribution per statement span: '"...," said Rep. Bobby Scott, adding that "..."' read the second
    quotation both as the participle's reported clause and as a quote. The one with a source is kept, the
    shorter source first, then the quote, then one with a cue; a reported statement that is one whole quotation
    becomes a quote."""
    best: dict[tuple[int, int], Attribution] = {}

    def rank(a: Attribution) -> tuple:
        # a named source first, the shorter one (a clause fragment read as a source is the longer: "Ms. Sherry
        # smiled" against "she"), then the quote, then one with a cue
        named = a.claimant is not None
        return (named, -_ntok(text[a.claimant[0]:a.claimant[1]]) if named else 0, a.kind == "quote",
                a.cue is not None, a.confidence, -a.start)

    for a in atts:
        if a.kind == "reported" and a.gap is None and a.statement[1] - a.statement[0] >= 2 and \
                text[a.statement[0]] in _OPEN_QUOTES + '"' and text[a.statement[1] - 1] in "”\"’»」』" and \
                not any(ch in text[a.statement[0] + 1:a.statement[1] - 1] for ch in "“”\"«»"):
            a = Attribution("quote", a.start, a.end, a.statement, a.claimant, a.cue, a.confidence, a.gap)
        key = a.statement
        if key not in best or rank(a) > rank(best[key]):
            best[key] = a
    return sorted(best.values(), key=lambda a: (a.start, a.end, a.kind))
