"""Numbers and quantities: digits of any script, locale separators, scale and number words.

Works on digit-normalised text (``normalize_digits``), so every span found here
indexes the stored article text too. A number becomes a quantity claim only
when it counts or measures something the lexicon knows (a unit or counted
noun): bare numbers are mostly years, dates, scores and page counters, and an
analyst cannot use "61" without knowing 61 of what.
"""
from __future__ import annotations

import bisect
import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from itertools import islice
from typing import Any, Iterator, Optional, Sequence

from transforms.core.claims.lexicon import TIME_UNITS, LangLexicon, PhraseMatch

# Digits with optional group separators (comma, dot, space, NBSP, thin space, apostrophe) and decimals.
# (The leading lookahead lets the engine skip non-numeric positions fast: 5x quicker on prose.)
_DIGITS = re.compile(r"(?=[\d.\-])(?:(?<![\w\-])-\s?)?(?:\d{1,3}(?:[,.'\u00a0\u202f\u2009 ]\d{3}(?!\d))+(?:[.,]\d+)?"
                     r"|\d+(?:[.,]\d+)?|(?<![\w.,])\.\d+)")
# Spans that look numeric but are not amounts: times, dates, phone numbers, version strings.
_MASKS = re.compile(
    r"(?=[\d+(])(?:\b\d{1,2}:\d{2}(?::\d{2})?\b"                       # 10:29
    r"|\b\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}\b"              # 31/10/2025, 2025-10-31
    r"|\+?\(?\d{2,4}\)?[\s\-]\d{3}[\s\-]\d{3,4}(?:[\s\-]\d{2,4})?\b"  # phone numbers
    r"|\b\d+(?:\.\d+){2,}\b"                               # 192.168.1.2, 1.2.3
    r"|\b\d{1,2}(?:[.:]\d{2})?\s?(?:[ap]\.m\.|[apAP][mM]\b))"       # 2 pm, 2.13 am
)
_LETTER_HYPHEN = re.compile(r"[^\W\d_][\-‐–]$")
_SUFFIX_LETTERS = re.compile(r"[^\W\d_]+")
_TOKEN = re.compile(r"[^\W_]+(?:[\-'][^\W_]+)*|[%$€£¥°]", re.UNICODE)
_CLAUSE_END = re.compile(r"[.;:!?()\[\]\n؛،,]")


@dataclass(frozen=True)
class NumberSpan:
    start: int
    end: int
    value: float
    written: bool          # from number words rather than digits
    fraction: bool = False  # "two thirds", "one and a half": a proportion, not a count


@dataclass(frozen=True)
class Quantity:
    start: int
    end: int
    value: float
    value_max: Optional[float]
    unit: str
    modifier: Optional[str]
    confidence: float
    counted_start: int     # span of the unit or counted noun
    counted_end: int


def parse_digits(s: str, lex: LangLexicon) -> Optional[float]:
    """Value of one digit token, reading separators by the language's conventions."""
    s = s.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ").replace("'", " ")
    seps = [c for c in s if not c.isdigit()]
    if not seps:
        return float(s)
    if len(set(seps)) > 1:
        # "1,234.5" or "1.234,5": the last separator is the decimal one.
        dec = seps[-1]
        intpart, _, frac = s.rpartition(dec)
        digits = re.sub(r"\D", "", intpart)
        return float(f"{digits}.{frac}") if digits else None
    sep = seps[0]
    if sep == " ":
        return float(s.replace(" ", "")) if " " in lex.group else None
    groups = s.split(sep)
    if len(groups) > 2:
        return float("".join(groups))
    head, tail = groups
    if len(tail) != 3:
        return float(f"{head}.{tail}")
    # "1.000" / "1,000": ambiguous alone; the language decides.
    if sep == lex.decimal and sep not in lex.group:
        return float(f"{head}.{tail}")
    return float(head + tail)


# "1/4", "10 1/2", "2½": digit fractions, read as one value. A numerator smaller than the
# denominator and a denominator that fractions use keep "24/7", "9/11" and dates out.
_SLASH = re.compile(r"(?<![\d/.,])(?:(\d{1,6})[ \u00a0]+)?(\d{1,2})/(\d{1,3})(?![\d/])")
_VULGAR = re.compile(r"(?<![\d/.,])(\d{1,6})?[ \u00a0]?([\u00bc-\u00be\u2150-\u215e])")
_FRACTION_DENOMINATORS = frozenset({2, 3, 4, 5, 6, 8, 10, 12, 16, 32, 64, 100})


def _fractions(text: str, masks: list[tuple[int, int]]) -> list[NumberSpan]:
    out: list[NumberSpan] = []
    if "/" in text:
        for m in _SLASH.finditer(text):
            num, den = int(m.group(2)), int(m.group(3))
            if not 0 < num < den or (den not in _FRACTION_DENOMINATORS and num != 1) or den > 100 or \
                    _inside(m.start(2), masks) or (m.start() > 0 and text[m.start() - 1].isalpha()):
                continue
            whole = int(m.group(1)) if m.group(1) else 0
            out.append(NumberSpan(m.start(), m.end(), float(f"{whole + num / den:.12g}"), False))
    if _VULGAR_CHARS.search(text):
        for m in _VULGAR.finditer(text):
            whole = int(m.group(1)) if m.group(1) else 0
            start = m.start() if m.group(1) else m.start(2)
            out.append(NumberSpan(start, m.end(), float(f"{whole + unicodedata.numeric(m.group(2)):.12g}"), False))
    return sorted(out, key=lambda n: n.start)


# "4e14", "-1e-3", "2.48×10−5", "8x2^10": a mantissa times a power, read as one value.
_SCIENTIFIC = re.compile(r"(?=[-\d])(?<![\w.])(-?\d+(?:\.\d+)?)(?:[eE]([-+−]?\d{1,3})|[ ]?[×x][ ]?(\d{1,3})(?:\^|\*\*)?([-+−]?\d{1,3}))(?![\w.])")


def _scientific(text: str) -> list[NumberSpan]:
    out: list[NumberSpan] = []
    if "e" not in text and "E" not in text and "×" not in text and "x" not in text:
        return out
    for m in _SCIENTIFIC.finditer(text):
        mant = float(m.group(1))
        try:
            if m.group(2) is not None:
                value = mant * 10.0 ** int(m.group(2).replace("−", "-"))
            else:
                base, exp = int(m.group(3)), int(m.group(4).replace("−", "-"))
                if m.group(4)[0] not in "-+−" and "^" not in m.group(0) and "**" not in m.group(0) and base == 10:
                    continue    # "10x10": a size, not a power
                value = mant * float(base) ** exp
        except (OverflowError, ValueError):
            continue
        if not math.isfinite(value):
            continue
        out.append(NumberSpan(m.start(), m.end(), float(f"{value:.12g}"), False))
    return out


_VULGAR_CHARS = re.compile(r"[\u00bc-\u00be\u2150-\u215e]")


_SPACE_GROUP = re.compile(r"(?<=\d)[ \u00a0\u202f\u2009](?=\d)")


def _digit_spans(text: str, lex: LangLexicon) -> Iterator[tuple[int, int]]:
    """Spans of digit tokens. Where a language does not group digits by spaces, "i7 860" is two
    tokens, not one number that the code before it would throw away whole."""
    spaced_groups = any(g.strip() == "" for g in lex.group)
    for m in _DIGITS.finditer(text):
        s, e = m.start(), m.end()
        body = text[s:e].rstrip(" \u00a0\u202f\u2009")
        if spaced_groups or not _SPACE_GROUP.search(body):
            yield s, e
            continue
        pos = s
        for piece in _SPACE_GROUP.split(body):
            if piece:
                yield pos, pos + len(piece)
            pos += len(piece) + 1


def _masked(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _MASKS.finditer(text)]


def _inside(pos: int, spans: Sequence[tuple[int, int]]) -> bool:
    """``pos`` inside one of ``spans``, sorted by start: a binary search, so that a text of
    100,000 clock times costs n log n and not n squared. Spans that overlap are allowed: the
    nearest starts are checked back while one could still reach ``pos``."""
    i = bisect.bisect_right(spans, (pos, float("inf"))) - 1
    reach = 0
    while i >= 0 and reach < 4:
        a, b = spans[i]
        if a <= pos < b:
            return True
        i -= 1
        reach += 1
    return False


def _combine_words(values: list[float], cjk: bool, scales: Sequence[int] = ()) -> float:
    """Value of a run of number words; ``scales`` are the positions of scale words (million, dozen)."""
    if cjk:
        total, section, digit = 0.0, 0.0, 0.0
        for v in values:
            if v >= 10000:
                total += (section + digit) * v
                section = digit = 0.0
            elif v in (10.0, 100.0, 1000.0):
                section += max(digit, 1.0) * v
                digit = 0.0
            else:
                digit = digit * 10 + v if digit else v
        return total + section + digit
    # (value, scale) of each group closed by a scale word of 1000 or more. A scale takes in
    # the groups of smaller scales before it: "dos mil millones" is (2 * 1000) * 1e6, and
    # "cuatrocientos cincuenta y cinco mil doscientos veintiocho millones" (455000 + 228) * 1e6,
    # the long-scale way; "two million three hundred thousand" stays 2e6 + 300 * 1000.
    groups: list[tuple[float, float]] = []
    section = 0.0
    for k, v in enumerate(values):
        if v >= 1000:
            taken = 0.0
            while groups and groups[-1][1] < v:
                taken += groups.pop()[0]
            groups.append((max(section + taken, 1.0) * v, v))
            section = 0.0
        elif k in scales or v == 100:
            section = max(section, 1.0) * v
        else:
            section += v
    return sum(g for g, _ in groups) + section


def find_numbers(text: str, lex: LangLexicon, *, words: bool = True) -> list[NumberSpan]:
    """Every number in ``text`` (digits with their scale word, or number words), left to right."""
    masks = _masked(text)
    # scale words are matched case-blind: German capitalises nouns ("75 Millionen Dollar")
    folded = lex.fold(text)
    if len(folded) != len(text):
        folded = "".join(c if len(c) == 1 else ch for ch, c in ((ch, ch.lower()) for ch in text))
    out: list[NumberSpan] = _fractions(text, masks) + _scientific(text)
    out.sort(key=lambda n: n.start)
    taken = [(f.start, f.end) for f in out]
    for s, e in _digit_spans(text, lex):
        if taken and _inside(s, taken):
            continue
        raw = text[s:e].rstrip(" \u00a0\u202f\u2009")
        e = s + len(raw)
        sign = 1.0
        if raw.startswith("-"):
            body = raw[1:].lstrip()
            if re.search(r"\d\s*$", text[max(0, s - 3):s]):
                s = e - len(body)       # "5-10": a range joiner, not a minus
            else:
                sign = -1.0             # "-5"
            raw = body
        ds = e - len(raw)               # where the digits start
        prev = text[ds - 1] if ds > 0 else " "
        if (prev.isalnum() and (lex.spaced or prev.isascii())) or prev == "_" or prev == "^" or \
                _LETTER_HYPHEN.search(text[max(0, ds - 2):ds]):
            continue        # model numbers and codes: Su-30MK2, F-16, A4, x86; an exponent: "km^2"
        if _inside(ds, masks):
            continue
        if (text[e:e + 1] == "/" and text[e + 1:e + 2].isdigit()) or (prev == "/" and ds > 1 and text[ds - 2].isdigit()):
            continue        # "9/11", "24/7": a name or a date, not two numbers (fractions were read above)
        if prev in ".," and ds > 1 and text[ds - 2].isdigit():
            continue
        value = parse_digits("0" + raw if raw.startswith(".") else raw, lex)
        if value is None:
            # a space-grouped number in a language without space groups: keep the first group
            raw = re.split(r"[ \u00a0\u202f\u2009]", raw)[0]
            e = ds + len(raw)
            value = parse_digits(raw, lex)
            if value is None:
                continue
        value *= sign
        nxt = text[e:e + 12]
        suf = _SUFFIX_LETTERS.match(nxt)
        if suf:
            letters = suf.group(0).lower()
            money_scale = letters in _MONEY_SCALES and ds > 0 and unicodedata.category(text[ds - 1]) == "Sc"
            if letters not in lex.unit_to_concept and letters not in lex.scales and lex.spaced and \
                    not lex.re_symbol.match(text, e) and not money_scale and \
                    not (lex.suffixing and (_match_unit(text, folded, e, lex) or lex.re_scale.match(folded, e))):
                continue    # "30MK2", "21st", "3D" (a unit with its suffix stays: Korean "29살이야", "8개월이")
        sm = lex.re_scale.match(folded, e)
        if sm and sm.end() > sm.start():
            scale_word = folded[sm.start():sm.end()].strip()
            mult = lex.scales.get(scale_word.replace("\u200c", " "))
            if mult is None:
                mult = next((v for k, v in lex.scales.items() if scale_word.startswith(k)), None)
            if mult:
                value = float(f"{value * mult:.12g}")   # 16.4 million is 16400000, not 16399999.999999998
                e = sm.end()
        out.append(NumberSpan(s, e, value, False))
    if words and lex.words:
        out.extend(_word_numbers(text, lex, sorted((n.start, n.end) for n in out)))
        out.sort(key=lambda n: (n.start, -n.end))
        if lex.fraction_infixes:
            out = _infix_fractions(folded, out, lex)
    if lex.cjk_multipliers:
        out = _cjk_mixed(text, folded, out, lex)
    if lex.negative_words:
        out = [_negated(text, folded, n, lex) for n in out]
    return out


_CJK_MULTIPLIERS = (10.0, 100.0, 1000.0)


def _cjk_mixed(text: str, folded: str, spans: list[NumberSpan], lex: LangLexicon) -> list[NumberSpan]:
    """Digits mixed with CJK numerals, as Chinese, Japanese and Korean news write them, are one number: "7千"
    is 7000, "3万4500" 34500, "1万6千" 16000, "29万1,890" 291890, Korean "7천 5백만" 75,000,000 and
    "1만 2천 345" 12345. Adjacent spans (at most spaces between) join when a digit count is followed by a
    multiplier word (十, 百, 千), when a number closed by a scale of 10,000 or more (万, 億, 만, 억) is followed by a
    smaller one (and so on down, in that run), or when a number closed by a small scale (千, 천) is followed by
    one closed by a large one, which scales both ("7천 5백만"). A multiplier that opens a unit is the unit's
    ("1千克" is one kilogram, "3千米" three kilometres)."""
    out: list[NumberSpan] = []
    k = 0
    while k < len(spans):
        run = [spans[k]]
        big = _big_scale(text, spans[k])
        while k + len(run) < len(spans):
            prev, nxt = run[-1], spans[k + len(run)]
            if nxt.fraction or prev.fraction or nxt.start < prev.end or text[prev.end:nxt.start].strip():
                break
            multiplier = (not prev.written and nxt.written and nxt.value in _CJK_MULTIPLIERS
                          and prev.value == int(prev.value) and 0 < prev.value < 10
                          and not _opens_unit(folded, nxt, lex))
            smaller = bool(big) and 0 < nxt.value < min(big, _magnitude(prev)) and _big_scale(text, nxt) < big
            scaled = (not _big_scale(text, prev) and text[prev.end - 1:prev.end] in _SMALL_SCALES and
                      prev.value < 1e4 and _big_scale(text, nxt) and nxt.value / _big_scale(text, nxt) < 1e4)
            if not (multiplier or smaller or scaled):
                break
            run.append(nxt)
            big = max(big, _big_scale(text, nxt))
        if len(run) == 1:
            out.append(run[0])
            k += 1
            continue
        total = section = 0.0
        digit = None
        for n in run:
            if n.written and n.value in _CJK_MULTIPLIERS and digit is not None:
                section += digit * n.value
                digit = None
                continue
            if digit is not None:
                section += digit
            digit = None
            scale = _big_scale(text, n)
            if scale and section:
                total += (section + n.value / scale) * scale     # "7천 5백만": the scale takes the section before
                section = 0.0
            elif scale:
                total += n.value
            elif not n.written and n.value == int(n.value) and 0 < n.value < 10:
                digit = n.value
            else:
                section += n.value
        value = total + section + (digit or 0.0)
        out.append(NumberSpan(run[0].start, run[-1].end, float(f"{value:.12g}"), all(n.written for n in run)))
        k += len(run)
    return out


# The small scales that a large one may multiply with the number before them ("7천 5백만", "7千5百万")
_SMALL_SCALES = frozenset("十百千십백천")


def _magnitude(n: NumberSpan) -> float:
    """The power of ten at or below ``n``'s value: what a smaller part after it must stay under."""
    return 10.0 ** math.floor(math.log10(n.value)) if 0 < n.value < math.inf else 0.0


def _infix_fractions(folded: str, spans: list[NumberSpan], lex: LangLexicon) -> list[NumberSpan]:
    """"三分之一", "5分の1": the denominator first, an infix (``fraction_infixes``), then the numerator, one
    share (a fraction: never a claim by itself). Over a hundred ("百分之五十", a percentage) the numerator
    stands alone, for the percent prefix unit to take (``[prefix_units] percent``)."""
    out: list[NumberSpan] = []
    k = 0
    while k < len(spans):
        den = spans[k]
        infix = next((w for w in lex.fraction_infixes if folded.startswith(w, den.end)), None)
        num = spans[k + 1] if k + 1 < len(spans) else None
        if infix is None or num is None or num.start != den.end + len(infix) or den.fraction or num.fraction \
                or den.value <= 0:
            out.append(den)
            k += 1
            continue
        if den.value == 100:
            out.append(num)
        else:
            share = float(f"{num.value / den.value:.12g}")
            out.append(NumberSpan(den.start, num.end, share, den.written and num.written, fraction=True))
        k += 2
    return out


def _opens_unit(folded: str, n: NumberSpan, lex: LangLexicon) -> bool:
    """Whether a unit longer than the number word ``n`` starts where it does (千克, 千米, 百万)."""
    m = lex.re_unit.match(folded, n.start)
    return m is not None and m.end() > n.end


def _big_scale(text: str, n: NumberSpan) -> float:
    """The scale of 10,000 or more (万, 億, 兆, 만, 억, 조) that closes ``n``, or 0."""
    last = text[n.end - 1:n.end]
    return _BIG_SCALES.get(last, 0.0) if n.value >= 1e4 else 0.0


# Scales of 10,000 and more that a smaller number may follow: "3万4500", "29万1,890", Korean "2억 3천만"
_BIG_SCALES = {"万": 1e4, "萬": 1e4, "億": 1e8, "亿": 1e8, "兆": 1e12, "만": 1e4, "억": 1e8, "조": 1e12}


def _negated(text: str, folded: str, n: NumberSpan, lex: LangLexicon) -> NumberSpan:
    """"minus 5 degrees", "负13.5千米", "零下5度": a sign word right before a number makes it negative, unless a
    number comes before the word ("10 minus 5" is a subtraction) or it ends a modifier ("al menos 12": at least)."""
    if n.value <= 0 or n.fraction:
        return n
    before = folded[max(0, n.start - 24):n.start]
    if lex.re_modifier_before.search(before):
        return n        # "al menos 12", "au moins 12": "at least", no sign
    head = before.rstrip()
    for w in lex.negative_words:
        if not head.endswith(w) or (lex.spaced and head == before and w[-1].isalpha()):
            continue        # (in a spaced script a word is followed by a space: not "Minus5")
        at = n.start - len(before) + len(head) - len(w)
        if lex.spaced and at > 0 and folded[at - 1].isalnum():
            continue        # inside a word
        if re.search(r"\d\s*$", text[max(0, at - 4):at]):
            continue        # "10 minus 5"
        return NumberSpan(at, n.end, -n.value, n.written, n.fraction)
    return n


_WORD_TOKEN = re.compile(r"[^\W\d_]+")


def _word_numbers(text: str, lex: LangLexicon, taken: list[tuple[int, int]]) -> list[NumberSpan]:
    """Runs of number words ("twenty-five", "năm trăm", "三百"), combined into one value."""
    folded = text.lower() if len(text.lower()) == len(text) else text
    out: list[NumberSpan] = []
    if lex.spaced:
        # Token lookup instead of one big regex: number words are a closed set of single words.
        run: list[tuple[int, int, float]] = []
        scale_idx: set[int] = set()
        glue = lex.glue

        def flush() -> None:
            while run and run[-1][2] < 0:
                run.pop()
            vals = [v for _, _, v in run if v >= 0]
            if vals and not _inside(run[0][0], taken):
                value = _combine_words(vals, lex.cjk_multipliers, [k for k, (_, _, v) in enumerate(
                    x for x in run if x[2] >= 0) if k in scale_idx])
                out.append(NumberSpan(run[0][0], run[-1][1], value, True))
            scale_idx.clear()
            run.clear()

        tokens: list[Any] = []
        for m in lex.re_number_token.finditer(folded):
            w = m.group(0)
            if lex.compound_words and w not in lex.words and w not in lex.scales and w not in glue:
                # one word of several number words: read as the run of its parts
                tokens.extend(PhraseMatch(m.start() + p.start(), m.start() + p.end(), p.group(0))
                              for p in lex.re_number_part.finditer(w))
            else:
                tokens.append(m)
        skip_to = -1
        for i, m in enumerate(tokens):
            if m.start() <= skip_to:
                continue            # the scale word a fraction already took ("one and a half million")
            w = m.group(0)
            gap = folded[run[-1][1]:m.start()] if run else ""
            adjacent = not run or (not gap.strip(" -\u00a0") and len(gap) <= 3)
            if w in lex.fractions and run and adjacent and run[-1][2] >= 0:
                value = _fraction(run, lex.fractions[w], lex.cjk_multipliers)
                end, proportion = m.end(), True
                nxt = tokens[i + 1] if i + 1 < len(tokens) else None
                if nxt is not None and lex.scales.get(nxt.group(0), 0) >= 1000 and \
                        not folded[end:nxt.start()].strip(" \u00a0") and nxt.start() - end <= 2:
                    value = float(f"{value * lex.scales[nxt.group(0)]:.12g}")   # one and a half million
                    end, proportion = nxt.end(), False
                    skip_to = nxt.start()
                if not _inside(run[0][0], taken):
                    out.append(NumberSpan(run[0][0], end, value, True, fraction=proportion))
                run.clear()
                scale_idx.clear()
                continue
            if w in lex.fraction_articles:
                nxt = tokens[i + 1] if i + 1 < len(tokens) else None
                if nxt is not None and nxt.group(0) in lex.fractions and \
                        not folded[m.end():nxt.start()].strip(" -\u00a0") and nxt.start() - m.end() <= 3:
                    if not adjacent:
                        flush()
                    run.append((m.start(), m.end(), 1.0))     # "a half", "one and a half"
                elif run:
                    flush()
                continue
            if run and w in lex.scales and run[-1][2] >= 0:
                v: Optional[float] = lex.scales[w]
                is_scale = True
            else:
                v = lex.words.get(w)
                is_scale = False
                if v is None and not run and lex.scales.get(w, 1e9) < 1000:
                    v = lex.scales[w]       # "a dozen": a small scale word alone is a count
            gap = folded[run[-1][1]:m.start()] if run else ""
            if run and (gap.strip(" -\u00a0") or len(gap) > 3):
                flush()
            if v is not None:
                if is_scale:
                    scale_idx.add(sum(1 for x in run if x[2] >= 0))
                run.append((m.start(), m.end(), v))
            elif run and w in glue:
                run.append((m.start(), m.end(), -1.0))
            elif run:
                flush()
        flush()
        return out
    pos = 0
    while True:
        m = lex.re_words.search(folded, pos)
        if not m:
            break
        s, e = m.start(), m.end()
        vals = [lex.words.get(m.group(0), 0.0)]
        while True:
            m2 = lex.re_words.match(folded, e)
            if m2 and m2.end() > m2.start():
                vals.append(lex.words.get(m2.group(0), 0.0))
                e = m2.end()
                continue
            m3 = lex.re_scale.match(folded, e)
            if m3 and m3.end() > m3.start() and folded[m3.start():m3.end()].strip() in lex.scales:
                vals.append(lex.scales[folded[m3.start():m3.end()].strip()])
                e = m3.end()
                continue
            break
        if not _inside(s, taken):
            out.append(NumberSpan(s, e, _combine_words(vals, lex.cjk_multipliers), True))
        pos = e
    return out


def _fraction(run: list[tuple[int, int, float]], denominator: float, cjk: bool) -> float:
    """Value of a word run ending in a fraction word: "twenty and three fifths" is 20 + 3/5.

    The numerator is the run after its last "and" ("twenty-three fifths" is 23/5);
    what stands before that "and" is the whole part.
    """
    glue = max((k for k, (_, _, v) in enumerate(run) if v < 0), default=-1)
    whole = [v for _, _, v in run[:max(glue, 0)] if v >= 0]
    numerator = [v for _, _, v in run[glue + 1:] if v >= 0]
    value = (_combine_words(whole, cjk) if whole else 0.0) + _combine_words(numerator, cjk) / denominator
    return float(f"{value:.12g}")


def _tokens_after(text: str, pos: int, limit: int) -> list[tuple[int, int]]:
    """Up to ``limit`` word tokens after ``pos`` within the same clause."""
    stop = _CLAUSE_END.search(text, pos, min(len(text), pos + 160))
    end = stop.start() if stop else min(len(text), pos + 160)
    return [(m.start(), m.end()) for m in islice(_TOKEN.finditer(text, pos, end), limit)]


def _match_unit(text: str, folded: str, pos: int, lex: LangLexicon) -> Optional[tuple[int, int, str]]:
    """The unit written at ``pos``: a lexicon surface (case-blind) or a symbol (case-sensitive), longest."""
    found: Optional[tuple[int, int, str]] = None
    m = lex.re_unit.match(folded, pos)
    if m and m.end() > m.start():
        surface = folded[m.start():m.end()]
        concept = lex.unit_to_concept.get(surface)
        if concept is None and surface in lex.classifier_set:
            concept = "set"
        if concept is None:
            norm = re.sub(r"[\s\u200c]+", " ", surface)
            concept = lex.unit_to_concept.get(norm, "set" if norm in lex.classifier_set else None)
        if concept is not None:
            found = (m.start(), m.end(), concept)
    sm = lex.re_symbol.match(text, pos)
    if sm and (found is None or sm.end() > found[1]):
        found = (sm.start(), sm.end(), lex.symbol_to_concept[sm.group(0)])
    if found is not None and _ELISION.match(text, found[1]) and not lex.suffixing:
        return None         # "14 millions l'année": an elided article, not litres (Turkish "$'lık" is a suffix)
    if found is not None and found[2] == "degree":
        # "degrees Celsius", "deg f", "° C": the scale word after a degree says which degree
        q = found[1]
        while q < len(text) and text[q] in " \u00a0":
            q += 1
        scale = _SCALE_LETTER.match(folded, q)
        if scale:
            return found[0], scale.end(), _SCALES[scale.group(1)]
        m2 = lex.re_unit.match(folded, q)
        if m2 and lex.unit_to_concept.get(folded[m2.start():m2.end()]) in _TEMPERATURE_SCALES:
            return found[0], m2.end(), lex.unit_to_concept[folded[m2.start():m2.end()]]
    return found


_ELISION = re.compile(r"['’][^\W\d_]")
_SCALE_LETTER = re.compile(r"([cfk])(?![^\W\d_])")
_SCALES = {"c": "celsius", "f": "fahrenheit", "k": "kelvin"}
_TEMPERATURE_SCALES = frozenset(_SCALES.values())
_TIME = frozenset({"year", "month", "week", "day", "hour", "minute", "second", "millisecond"})
# Compound units that already have a name of their own in the lexicons.
_COMPOUND_NAMES = {"km/hour": "kmh", "mile/hour": "mph", "nautical_mile/hour": "knot"}
# "€5m", "$2.174T", "1.8M dollars": next to money these letters are scales, not metres or tonnes.
_MONEY_SCALES = {"k": 1e3, "m": 1e6, "mn": 1e6, "mm": 1e6, "b": 1e9, "bn": 1e9, "t": 1e12, "tn": 1e12}
_MONEY_SCALE = re.compile(r"(k|mn|mm|m|bn|b|tn|t)(?![^\W\d_])", re.IGNORECASE)


# Hundredths (or tenths) of a main currency unit, added to the amount before them.
_SUBUNITS = {"cent": 100.0, "pence": 100.0, "jiao": 10.0}
@functools.lru_cache(maxsize=None)
def _money_glue(glue: tuple[str, ...]) -> re.Pattern[str]:
    """What may join an amount to its subunit: a lexicon's glue words ("and", "und", "en"), 又, 零 or nothing."""
    words = "|".join(re.escape(w) for w in sorted(glue, key=lambda w: -len(w)) if w.isalpha())
    return re.compile(r"[\s\u00a0,]*(?:(?:" + words + r")(?!\w)|又|零)?[\s\u00a0]*")


def _is_money(concept: str) -> bool:
    return concept.isupper() or concept in ("cent", "pence", "franc", "currency")


def _compound(text: str, folded: str, pos: int, lex: LangLexicon) -> Optional[tuple[int, str]]:
    """``(end, denominator)`` of a rate written at ``pos``: "/h", " per hour", " an hour", "/kg"."""
    pm = lex.re_per.match(folded, pos)
    if not pm or pm.end() == pos:
        return None
    d = _match_unit(text, folded, pm.end(), lex)
    if d is None or d[2] not in lex.measures or _blocked(folded, d[1], lex):
        return None
    return d[1], d[2]


def _blocked(folded: str, pos: int, lex: LangLexicon) -> bool:
    """A rate word followed by "earlier", "ago": "$13 billion a year earlier" is a date, not a rate."""
    nxt = folded[pos:pos + 20].split()
    return bool(nxt) and nxt[0].strip(".,;") in lex.rate_blockers


def _counted_noun(text: str, folded: str, start: int, end: int, lex: LangLexicon) -> Optional[tuple[int, int, str]]:
    """The noun a bare number counts ("more than 300 homes", "five radars", "300 maisons détruites").

    A general rule, not a noun list: the content words right after the number, up to the first
    function word (the lexicon's ``count_stops``), a name (capitalised, where nouns are not), a number
    or punctuation, make a noun phrase; its head is the first word where the language puts heads first
    and otherwise the last word that does not read as a verb form ("homes destroyed" -> homes).
    """
    if not lex.count_stops:
        return None
    gap = text[end:end + 3]
    toks = _tokens_after(text, end, 4)
    if not toks or text[end:toks[0][0]].strip(" \u00a0-") or toks[0][0] - end > 2 or not gap[:1].isspace():
        return None
    if _LETTER_HYPHEN.search(text[max(0, start - 2):start]):
        return None             # "high-five passersby": the number word is half of a compound
    words: list[tuple[int, int, str]] = []
    for ts, te in toks:
        w = folded[ts:te]
        if text[ts].isupper() and not lex.capitalised_nouns:
            if words:
                return None     # a name inside the phrase ("four plain-clothes NYPD officers"): its head is past it
            break
        if w in lex.count_stops or not w.replace("-", "").isalpha() or len(w) < 2 or w in lex.words or \
                w in lex.scales or lex.re_months.fullmatch(w):
            break
        if words and text[words[-1][1]:ts].strip():
            break
        if te < len(text) and text[te] in "-‐":
            return None         # "1,500 coal- and gas-fired plants": the head is past a coordination
        words.append((ts, te, w))
        if len(words) == 3:
            break
    if not words:
        return None
    if lex.head_first:
        hs, he, w = words[0]
    else:
        while len(words) > 1 and words[-1][2].endswith(lex.verb_suffixes):
            words.pop()
        hs, he, w = words[-1]
    if lex.verb_suffixes and w.endswith(lex.verb_suffixes) and len(words) == 1 and not lex.head_first:
        return None     # "5 killed": a verb, the count belongs to a context rule or to nothing
    known = _match_unit(text, folded, hs, lex)
    if known is not None and known[1] == he:
        return known    # "a dozen alleged cartel vessels": the lexicon's concept for the head
    return hs, he, w


def _trivial(folded: str, start: int, n: NumberSpan, lex: LangLexicon) -> bool:
    """"the two countries", "giữa hai nước": a number word after a determiner refers back, it counts nothing new.

    Digits are left alone: "the 61 dead" is news, and "between 8 and 16 km" a range."""
    if not lex.trivial_before or not n.written:
        return False
    before = folded[max(0, start - 24):start].split()
    return bool(before) and before[-1] in lex.trivial_before


def find_quantities(text: str, lex: LangLexicon, skip: list[tuple[int, int]] = ()) -> list[Quantity]:  # type: ignore[assignment]
    """Quantity claims: a number with what it counts or measures."""
    folded = lex.fold(text) if len(lex.fold(text)) == len(text) else text.lower()
    nums = find_numbers(text, lex)
    skip = sorted(skip)
    out: list[Quantity] = []
    used_until = -1
    for i, n in enumerate(nums):
        if n.start < used_until or _inside(n.start, skip) or n.fraction:
            continue        # a fraction is a share of something, not a count of it
        start, end, value, value_max = n.start, n.end, n.value, None
        # ranges: "8 to 16 km", "5-10 km", "۵ تا ۱۰"
        opener = folded[max(0, start - 16):start].split()
        closer = lex.range_pairs.get(opener[-1]) if opener else None
        jm = lex.re_range_joiner.match(folded, end) or (_word_at(folded, end, closer) if closer else None)
        if jm and i + 1 < len(nums) and nums[i + 1].start == jm.end() and nums[i + 1].value > value:
            value_max = nums[i + 1].value
            end = nums[i + 1].end
        conf = 0.9 if not n.written else 0.8
        unit: Optional[tuple[int, int, str]] = None
        # unit glued or right after: "10km", "11%", "61 deaths", "8 động cơ"
        p = end
        while p < len(text) and text[p] in " \u00a0\u202f-":
            p += 1
        prefix_concept = None
        prefix_end = start
        before = folded[max(0, start - 6):start]
        pm = lex.re_prefix_unit.search(before)
        if pm:
            prefix_concept = lex.prefix_unit_to_concept.get(pm.group(0).strip())
            if prefix_concept is not None:
                prefix_end = start - (len(before) - len(pm.group(0).rstrip()) - pm.start())
                start = start - (len(before) - pm.start())
        ms = _MONEY_SCALE.match(text, p if p > end and not prefix_concept else end) if not n.written else None
        if ms and p - end <= 1:
            follows = _match_unit(text, folded, _skip_spaces(text, ms.end()), lex) if not prefix_concept else None
            if prefix_concept or (follows and _is_money(follows[2])):
                value = float(f"{value * _MONEY_SCALES[ms.group(1).lower()]:.12g}")
                if value_max is not None:
                    value_max = float(f"{value_max * _MONEY_SCALES[ms.group(1).lower()]:.12g}")
                end = ms.end()
                p = _skip_spaces(text, end)
        unit = _match_unit(text, folded, p, lex)
        if unit is None:
            lm = lex.re_unit_link.match(folded, p)
            if lm:
                unit = _match_unit(text, folded, lm.end(), lex)
        if unit is None and not n.written and prefix_concept is None:
            # one or two words may sit between the number and the noun: "five new radars"
            toks = _tokens_after(text, end, 3)
            for k, (ts, _te) in enumerate(toks[1:3], start=1):
                unit = _match_unit(text, folded, ts, lex)
                if unit is not None and (not text[unit[0]].isalpha() or unit[2] in lex.measures):
                    unit = None     # a symbol or measure belongs to the number next to it: "1988 fue de $ 75,3 millones"
                if unit is not None:
                    conf -= 0.15 * k
                    break
        if unit is None and prefix_concept is None and not n.written and \
                _ends_with(lex.re_age_before, folded[max(0, start - 24):start]) and \
                _counted_noun(text, folded, n.start, end, lex) is None:
            unit = (start, end, "year")     # "a man aged 40": an age in years, the unit unsaid
        if unit is None and prefix_concept is None:
            if _year_like(n, text):
                continue
            unit = _counted_noun(text, folded, n.start, end, lex)
            if unit is None:
                continue
            conf = 0.6 if not n.written else 0.5
        if _trivial(folded, n.start, n, lex) and not (unit is not None and unit[2] in lex.measures):
            continue        # (a measure is no reference back: "the six-mile trip")
        if _year_like(n, text) and unit is not None and prefix_concept is None and \
                unit[2] not in lex.measures and not _is_money(unit[2]) and unit[2] != "percent":
            continue        # "the 2011 raid": a year before a noun, not 2011 raids
        if unit is not None and value_max is None and i + 1 < len(nums):
            # "44 mg to 50 mg", "between 44 mg and 50 mg", "from -18 °C to -34 °C": one range
            jm = lex.re_range_joiner.match(folded, unit[1]) or (_word_at(folded, unit[1], closer) if closer else None)
            nxt = nums[i + 1]
            if jm and nxt.start == jm.end():
                u2 = _match_unit(text, folded, _skip_spaces(text, nxt.end), lex)
                if u2 is not None and u2[2] == unit[2]:
                    value, value_max = min(value, nxt.value), max(value, nxt.value)
                    end = u2[1]
        concept = prefix_concept or (unit[2] if unit else "")
        c_start, c_end = (unit[0], unit[1]) if unit else (start, max(start + 1, prefix_end))
        if unit and prefix_concept is None and unit[2] == "set":
            # "14 sets of ... missiles": the thing counted comes after the container word
            for ts, _te in _tokens_after(text, unit[1], 8):
                inner = _match_unit(text, folded, ts, lex)
                if inner and inner[2] != "set":
                    concept, c_start, c_end = inner[2], inner[0], inner[1]
                    break
        if unit and _is_money(concept) and concept not in _SUBUNITS and i + 1 < len(nums):
            # "13 dollars and 45 cents", "两美元又三美分", "五元三毛": one amount in the main unit
            g = _money_glue(lex.glue).match(folded, unit[1])
            nxt = nums[i + 1]
            if g and nxt.start == g.end() and not nxt.fraction:
                sub = _match_unit(text, folded, _skip_spaces(text, nxt.end), lex)
                if sub is not None and sub[2] in _SUBUNITS and nxt.value < 100:
                    value = float(f"{value + nxt.value / _SUBUNITS[sub[2]]:.12g}")
                    end = c_end = sub[1]
                    used_until = end
        if unit and lex.half_after and folded.startswith(lex.half_after, unit[1]) and value_max is None:
            half = next(h for h in lex.half_after if folded.startswith(h, unit[1]))
            value += 0.5
            c_end = end = unit[1] + len(half)
        if unit and not lex.spaced and concept == "year" and _year_like(n, text):
            continue        # "1945年": a date, not a duration
        if concept == "degree":
            # "华氏温度100度", "Fahrenheit 451 degrees"? only a scale word just before the number
            for m in lex.re_unit.finditer(folded, max(0, start - 8), start):
                if lex.unit_to_concept.get(folded[m.start():m.end()]) in _TEMPERATURE_SCALES:
                    concept = lex.unit_to_concept[folded[m.start():m.end()]]
        if n.written and prefix_concept is None and (
                unit is None or (n.value == 1 and not (concept in lex.measures and concept not in TIME_UNITS))):
            continue        # "a radar", "một chiếc", "one of": an article, not a count ("一吨", "one tonne" measure)
        if unit and prefix_concept is None and unit[0] - end < 3:
            end = max(end, unit[1])
        # months next to the number are dates: "12 October", "tháng 9"
        if lex.re_months.match(folded, p) or _month_before(folded, start, lex):
            continue
        # compound units and rates: "180 km per hour", "km/h", "$15.4/hour", "$350 per kg"
        rate_from = c_end if unit and (prefix_concept is None or unit[2] == prefix_concept) else end
        cmp = _compound(text, folded, rate_from, lex) if concept in lex.measures or _is_money(concept) else None
        if cmp is None and lex.rate_before and concept in lex.measures and concept not in _TIME and \
                "/" not in concept and concept not in _COMPOUND_NAMES.values():
            per = _rate_word_before(folded, start, lex)      # "時速120キロ": per hour, written before the number
            if per is not None:
                cmp = (end, per)
        if cmp is not None:
            concept = _COMPOUND_NAMES.get(f"{concept}/{cmp[1]}", f"{concept}/{cmp[1]}")
            c_end = end = max(end, cmp[0])
        elif concept in _TIME and (lex.re_age_after.match(folded, _skip_spaces(folded, c_end)) or
                                   _ends_with(lex.re_age_before, folded[max(0, start - 24):start])):
            concept = "age_" + concept      # "29 years old", "aged 29", "5 años de edad"
        if concept in lex.upgradable:
            win = folded[max(0, start - 40):min(len(text), c_end + 40)]
            cm = lex.re_context.search(win)
            if cm:
                concept = lex.context_to_concept.get(re.sub(r"[\s\u200c]+", " ", cm.group(0)), concept)
        modifier = None
        mm = lex.re_modifier_before.search(folded[max(0, start - 30):start])
        if mm:
            surface = re.sub(r"[\s\u200c]+", " ", mm.group(0).strip())
            modifier = lex.modifier_of.get(surface)
        w0 = max(0, start - 25)
        rm = next((m for m in lex.re_rate.finditer(folded, w0, min(len(text), c_end + 25))
                   if not _blocked(folded, m.end(), lex)), None) if "/" not in concept and _is_money(concept) else None
        if rm:
            rate = lex.rate_of.get(re.sub(r"[\s\u200c]+", " ", rm.group(0)))
            if rate:
                concept = f"{concept}/{rate}"
        used_until = end
        out.append(Quantity(start, end, value, value_max, concept, modifier, round(max(conf, 0.3), 2), c_start, c_end))
    return out


def _rate_word_before(folded: str, start: int, lex: LangLexicon) -> Optional[str]:
    """The time unit of a ``rate_before`` word that ends right before ``start`` (spaces and a modifier
    between them allowed: "時速約120キロ"), or None."""
    before = folded[max(0, start - 16):start].rstrip(" \u00a0")
    mm = lex.re_modifier_before.search(before)
    if mm:
        before = before[:mm.start()].rstrip(" \u00a0")
    return next((unit for word, unit in lex.rate_before.items() if before.endswith(word)), None)


def _word_at(folded: str, pos: int, word: str) -> Optional[re.Match[str]]:
    """``word`` between spaces at ``pos``: the closing half of a range pair ("between 5 and 10")."""
    return re.compile(r"[\s\u00a0]+" + re.escape(word) + r"[\s\u00a0]+").match(folded, pos)


def _skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \u00a0\u202f":
        pos += 1
    return pos


def _ends_with(pattern: re.Pattern[str], window: str) -> bool:
    return any(not window[m.end():].strip() for m in pattern.finditer(window))


def _year_like(n: NumberSpan, text: str) -> bool:
    """"in 2013", "2013 elections": a four-digit integer of the last centuries is a year, not a count."""
    return not n.written and 1000 <= n.value <= 2100 and float(n.value).is_integer() and \
        text[n.start:n.end].isdigit()


def _month_before(folded: str, start: int, lex: LangLexicon) -> bool:
    window = folded[max(0, start - 16):start]
    return any(not window[m.end():].strip() for m in lex.re_months.finditer(window))
