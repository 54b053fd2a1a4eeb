"""Publication dates: explicit hints, and dates written in article text.

Two entry points, both total (they return ``None`` or an empty result for any
string, never raise):

* :func:`parse_date_hint` reads one explicit date value (seed header, JSON
  field, HTML meta, HTTP header): ISO 8601, RFC 2822, epoch seconds, and
  written dates in any language of ``configs/dates.toml``.
* :func:`find_dates` finds dates written in running text, Gregorian and
  Persian (Jalali), with or without a year and a weekday;
  :func:`publication_date` picks the one a reader would call the
  publication date.

Month and weekday names are data (``configs/dates.toml``). Spans are found in
the digit-normalised text, which has the same length as the stored text, so
they index the stored text too.
"""
from __future__ import annotations

import bisect
import email.utils
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import jdatetime
import tomllib

from transforms.core.digits import normalize_digits
from transforms.core.resources import configs_dir

CONFIG_PATH = configs_dir() / "dates.toml"

_MIN_YEAR = 1900
# Hints longer than this are not date values (a whole page pasted into a field).
_MAX_HINT_CHARS = 200
# How far a "published" cue may stand from its date, in characters.
_CUE_BEFORE = 48
_CUE_AFTER = 32

_LANG_KEYS = frozenset({
    "months", "jalali_months", "weekdays", "day_prefixes", "connectors", "ordinal_suffixes",
    "published_cues", "ambiguous", "day_first", "month_first",
})

HintValue = str | date | datetime

_ANY_DIGIT = re.compile(r"\d")
_FOREIGN_DIGIT = re.compile(r"(?![0-9])\d|[\u060c\u066a-\u066c]")


def fast_normalize_digits(text: str) -> str:
    """``normalize_digits`` with the same result and length, fast on long text.

    ``str.translate`` with its large table costs ~1 ms per 10 kB of Persian
    (every character is looked up); this translates only the characters that
    need it, found by one C-level regex scan.
    """
    if _FOREIGN_DIGIT.search(text) is None:
        return text
    return _FOREIGN_DIGIT.sub(lambda m: _one_digit(m.group()), text)


_one_digit = lru_cache(maxsize=1024)(normalize_digits)


# ---------------------------------------------------------------- configuration


@dataclass(frozen=True)
class _Lang:
    code: str
    months: Mapping[str, int]          # folded name -> month 1..12 (Gregorian)
    jalali_months: Mapping[str, int]   # folded name -> month 1..12 (Jalali)
    weekdays: Mapping[str, int]        # folded name -> 0=Monday .. 6=Sunday
    day_prefixes: tuple[str, ...]
    connectors: tuple[str, ...]
    ordinal_suffixes: tuple[str, ...]
    published_cues: tuple[str, ...]
    ambiguous: frozenset[str]
    day_first: bool
    month_first: bool


_FOLD_TABLE = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "\u200c": None, "\u0640": None})
_SPACES = re.compile(r"[\s\u200c]+")


def _fold(name: str) -> str:
    """Lookup key of a name: case, Arabic/Persian letter variants and spacing folded away."""
    return _SPACES.sub("", name.casefold().translate(_FOLD_TABLE)).rstrip(".")


def _name_pattern(name: str) -> str:
    """Regex for one name: letter variants and any spacing (or none, or a ZWNJ) between words."""
    out: list[str] = []
    for ch in name.strip():
        if ch in "يیى":
            out.append("[يیى]")
        elif ch in "کك":
            out.append("[کك]")
        elif ch.isspace() or ch == "\u200c":
            if not out or out[-1] != r"[\s\u200c]*":
                out.append(r"[\s\u200c]*")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _alternation(names: Iterable[str]) -> str:
    uniq = sorted({n for n in names if n.strip()}, key=lambda n: (-len(n), n))
    if not uniq:
        return r"(?!x)x"  # matches nothing
    return "|".join(_name_pattern(n) for n in uniq)


def _names_table(raw: object, where: str, size: int) -> dict[str, int]:
    if not isinstance(raw, list) or len(raw) != size:
        raise ValueError(f"{where}: expected a list of {size} lists of names")
    table: dict[str, int] = {}
    for i, names in enumerate(raw):
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"{where}[{i}]: expected a list of strings")
        for n in names:
            table[n] = i + 1 if size == 12 else i
    return table


def _str_list(raw: object, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
        raise ValueError(f"{where}: expected a list of strings")
    return tuple(raw)


def load_date_config(path: Path = CONFIG_PATH) -> dict[str, _Lang]:
    """Read and validate ``dates.toml``; errors name the key to fix."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    langs: dict[str, _Lang] = {}
    for code, table in sorted(data.items()):
        if not isinstance(table, dict):
            raise ValueError(f"{path}: [{code}] must be a table")  # noqa: TRY004
        unknown = set(table) - _LANG_KEYS
        if unknown:
            raise ValueError(f"{path}: [{code}] unknown keys {sorted(unknown)}")
        where = f"{path}: [{code}]"
        months = _names_table(table["months"], f"{where}.months", 12) if "months" in table else {}
        jal = (_names_table(table["jalali_months"], f"{where}.jalali_months", 12)
               if "jalali_months" in table else {})
        wds = _names_table(table["weekdays"], f"{where}.weekdays", 7) if "weekdays" in table else {}
        langs[code] = _Lang(
            code=code,
            months=months,
            jalali_months=jal,
            weekdays=wds,
            day_prefixes=_str_list(table.get("day_prefixes"), f"{where}.day_prefixes"),
            connectors=_str_list(table.get("connectors"), f"{where}.connectors"),
            ordinal_suffixes=_str_list(table.get("ordinal_suffixes"), f"{where}.ordinal_suffixes"),
            published_cues=_str_list(table.get("published_cues"), f"{where}.published_cues"),
            ambiguous=frozenset(_fold(a) for a in
                                _str_list(table.get("ambiguous"), f"{where}.ambiguous")),
            day_first=bool(table.get("day_first", True)),
            month_first=bool(table.get("month_first", False)),
        )
    return langs


@lru_cache(maxsize=1)
def _config() -> dict[str, _Lang]:
    return load_date_config(CONFIG_PATH)


# ---------------------------------------------------------------- compiled patterns


@dataclass(frozen=True)
class _Patterns:
    # Every date pattern starts at its first digit, so the regex engine only tries digit
    # positions (an optional weekday first would make it try every position of the text).
    # What may stand before the digits (a weekday, "ngày", a month name) is matched by the
    # *_back patterns, written for reversed text: one anchored match on the reversed slice
    # before the digits, instead of a search that tries every position of that slice.
    dmy: re.Pattern[str]                    # 31 October 2025 / ۹ آبان / 9 tháng 10 năm 2025
    mdy: re.Pattern[str] | None          # the "31, 2025" of October 31, 2025
    mdy_back: re.Pattern[str] | None     # the "Friday, October " before it, reversed
    ymd: re.Pattern[str]                    # 2025-10-31, 1404/08/09
    numeric_dmy: re.Pattern[str]            # 31/10/2025, 31.10.2025
    cjk: re.Pattern[str]                    # 2025年10月31日
    prefix_back: re.Pattern[str]            # "Friday, " / "thứ Sáu, ngày " / "le ", reversed
    cue: re.Pattern[str] | None
    months: Mapping[str, tuple[int, str]]   # folded -> (month, calendar)
    weekdays: Mapping[str, int]
    ambiguous: frozenset[str]
    day_first: bool
    persian: bool                           # the text language is Persian
    arabic: bool                            # numeric years 1300..1480 may be Hijri: not Jalali


_NO_LETTER_BEFORE = r"(?<![^\W\d_])"
_NO_LETTER_AFTER = r"(?![^\W\d_])"
_NO_WORDCHAR_AFTER = r"(?![^\W_])"
# How far back a weekday, day prefix or (month-first) month name may start.
_BACK_CHARS = 40


def _lang_key(lang: object) -> str | None:
    """"fa", "fa-IR", "zh-cn" -> the config table's key; anything else -> None (all languages)."""
    if not isinstance(lang, str) or not lang:
        return None
    key = lang.replace("_", "-").split("-")[0].lower()
    return key if key in _config() else None


@lru_cache(maxsize=64)
def _patterns(lang: str | None) -> _Patterns:
    conf = _config()
    if lang and lang in conf:
        chosen = [conf[lang]] + ([conf["en"]] if lang != "en" and "en" in conf else [])
    else:
        chosen = list(conf.values())
    months: dict[str, tuple[int, str]] = {}
    month_first_names: list[str] = []
    names: list[str] = []
    weekdays: dict[str, int] = {}
    for lg in chosen:
        for table, cal in ((lg.months, "gregorian"), (lg.jalali_months, "jalali")):
            for n, m in table.items():
                key = _fold(n)
                if key in months and months[key] != (m, cal):
                    raise ValueError(f"dates.toml: month name {n!r} means two months")
                months[key] = (m, cal)
                names.append(n)
                if lg.month_first and cal == "gregorian":
                    month_first_names.append(n)
        for n, w in lg.weekdays.items():
            weekdays[_fold(n)] = w
    conn = _alternation(n for lg in chosen for n in lg.connectors)
    ords = _alternation(n for lg in chosen for n in lg.ordinal_suffixes)
    mon = _alternation(names)
    sep = r"[\s\u200c]+"
    # The dot of "Oct." belongs to the date only when a number follows; else it ends a sentence.
    abbr_dot = r"(?:\.(?=\s*\d))?"
    year = r"(?P<y>\d{4})(?![\d:])"
    nlb, nla, nwa = _NO_LETTER_BEFORE, _NO_LETTER_AFTER, _NO_WORDCHAR_AFTER
    wd_rev = _alternation(n[::-1] for lg in chosen for n in lg.weekdays)
    dayp_rev = _alternation(n[::-1] for lg in chosen for n in lg.day_prefixes)
    dmy = re.compile(
        rf"(?P<d>\d{{1,2}})(?!\d)(?:{ords})?\.?{sep}(?:(?:{conn}){sep})?"
        rf"(?P<mon>{mon}){nwa}{abbr_dot}"
        rf"(?:[\s\u200c,،]*(?:(?:{conn}){sep})?{year})?",
        re.IGNORECASE,
    )
    mdy = mdy_back = None
    if month_first_names:
        mdy = re.compile(rf"(?P<d>\d{{1,2}})(?!\d)(?:{ords})?{nwa}(?:,?\s*{year})?", re.IGNORECASE)
        # Reversed "Friday, October " + digits: spaces, an optional dot, the month, a weekday.
        mdy_back = re.compile(
            rf"\s+\.?(?P<mon>{_alternation(n[::-1] for n in month_first_names)}){nla}"
            rf"(?:[\s,]+(?P<wd>{wd_rev}){nla})?",
            re.IGNORECASE,
        )
    ymd = re.compile(r"(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?!\d)")
    numeric_dmy = re.compile(r"(?P<a>\d{1,2})(?P<s>[-/.])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4})(?!\d)")
    cjk = re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]")
    # Reversed "Friday, ngày " + digits: a day prefix, then a weekday, both optional.
    prefix_back = re.compile(
        rf"(?:{sep}(?:{dayp_rev}){nla})?(?:[\s,،]+(?P<wd>{wd_rev}){nla})?", re.IGNORECASE)
    cue_names = [n for lg in chosen for n in lg.published_cues]
    cue = (re.compile(rf"{nlb}(?:{_alternation(cue_names)})", re.IGNORECASE)
           if cue_names else None)
    day_first = conf[lang].day_first if lang and lang in conf else True
    return _Patterns(
        dmy=dmy, mdy=mdy, mdy_back=mdy_back, ymd=ymd, numeric_dmy=numeric_dmy, cjk=cjk,
        prefix_back=prefix_back, cue=cue, months=months, weekdays=weekdays,
        ambiguous=frozenset(a for lg in chosen for a in lg.ambiguous),
        day_first=day_first, persian=(lang == "fa"), arabic=(lang == "ar"),
    )


# ---------------------------------------------------------------- calendars


@lru_cache(maxsize=4096)
def _to_gregorian(calendar: str, y: int, m: int, d: int) -> date | None:
    """The Gregorian date, or None when the triple is not a real date of that calendar."""
    try:
        if calendar == "jalali":
            if not 1200 <= y <= 1700:
                return None
            g = jdatetime.date(y, m, d).togregorian()
            return date(g.year, g.month, g.day)
        if not 1000 <= y <= 2999:
            return None
        return date(y, m, d)
    except (ValueError, OverflowError):
        return None


@lru_cache(maxsize=4096)
def _calendar_year(calendar: str, g: date) -> int:
    if calendar == "jalali":
        return int(jdatetime.date.fromgregorian(date=g).year)
    return g.year


# ---------------------------------------------------------------- finding dates


@dataclass(frozen=True)
class DateMention:
    start: int                     # span in the text
    end: int
    date: date                     # Gregorian
    calendar: str                  # "gregorian" | "jalali"
    has_year: bool                 # False: the year was inferred from other dates
    weekday_ok: bool | None     # a weekday was named and matches (None when none named)


@dataclass(frozen=True)
class _Raw:
    start: int
    end: int
    calendar: str
    year: int | None
    month: int
    day: int
    weekday: int | None
    ambiguous: bool


_PERSIAN_LETTERS = re.compile("[پچژگکی]")


_NUMBER_BEFORE = frozenset("0123456789.,:/-")


def _raw_mentions(norm: str, pats: _Patterns) -> list[_Raw]:
    found: list[_Raw] = []

    def glued(start: int) -> bool:
        # "1.000 km", "12:30", "555-1234": digits that continue a number are no date.
        return start > 0 and norm[start - 1] in _NUMBER_BEFORE

    def before(start: int) -> str:
        return norm[max(0, start - _BACK_CHARS):start][::-1]

    def with_prefix(start: int) -> tuple[int, int | None]:
        """Where the date starts once a weekday or day prefix before it is included."""
        m = pats.prefix_back.match(before(start))
        if m is None or m.end() == 0:
            return start, None
        w = m.group("wd")
        return start - m.end(), (pats.weekdays.get(_fold(w[::-1])) if w else None)

    def month_of(word: str) -> tuple[int, str, bool] | None:
        key = _fold(word)
        if key not in pats.months:
            return None
        month, cal = pats.months[key]
        return month, cal, key in pats.ambiguous

    for m in pats.dmy.finditer(norm):
        mon = month_of(m.group("mon"))
        if mon is None or glued(m.start()):
            continue
        start, wd = with_prefix(m.start())
        y = m.group("y")
        found.append(_Raw(start, m.end(), mon[1], int(y) if y else None, mon[0],
                          int(m.group("d")), wd, mon[2]))
    if pats.mdy is not None and pats.mdy_back is not None:
        for m in pats.mdy.finditer(norm):
            if m.start() == 0 or not norm[m.start() - 1].isspace():
                continue
            back = pats.mdy_back.match(before(m.start()))
            if back is None:
                continue
            mon = month_of(back.group("mon")[::-1])
            if mon is None:
                continue
            w = back.group("wd")
            y = m.group("y")
            found.append(_Raw(m.start() - back.end(), m.end(), mon[1], int(y) if y else None,
                              mon[0], int(m.group("d")),
                              pats.weekdays.get(_fold(w[::-1])) if w else None, mon[2]))
    persian = pats.persian or len(_PERSIAN_LETTERS.findall(norm, 0, 4000)) >= 20

    def numeric_calendar(y: int) -> str:
        # A numeric year 1300..1480 is no Gregorian year of modern news; outside Arabic texts
        # (Hijri) it is a Jalali year.
        if persian and 1200 <= y < 1700:
            return "jalali"
        if not pats.arabic and _JALALI_HINT_YEARS[0] <= y <= _JALALI_HINT_YEARS[1]:
            return "jalali"
        return "gregorian"

    for m in pats.ymd.finditer(norm):
        if glued(m.start()):
            continue
        start, wd = with_prefix(m.start())
        y = int(m.group("y"))
        found.append(_Raw(start, m.end(), numeric_calendar(y), y, int(m.group("m")),
                          int(m.group("d")), wd, False))
    for m in pats.numeric_dmy.finditer(norm):
        if glued(m.start()):
            continue
        start, wd = with_prefix(m.start())
        a, b, y = int(m.group("a")), int(m.group("b")), int(m.group("y"))
        day_first = pats.day_first or m.group("s") == "." or a > 12
        if b > 12 and a <= 12:
            day_first = False
        d, mo = (a, b) if day_first else (b, a)
        found.append(_Raw(start, m.end(), numeric_calendar(y), y, mo, d, wd, False))
    for m in pats.cjk.finditer(norm):
        if glued(m.start()):
            continue
        found.append(_Raw(m.start(), m.end(), "gregorian", int(m.group("y")), int(m.group("m")),
                          int(m.group("d")), None, False))
    # Overlaps (the same digits read two ways): the longest reading wins.
    found.sort(key=lambda r: (r.start, -(r.end - r.start)))
    kept: list[_Raw] = []
    for r in found:
        if kept and r.start < kept[-1].end:
            continue
        kept.append(r)
    return kept


def _infer_year(r: _Raw, refs: list[date]) -> date | None:
    """The date of a yearless mention nearest the reference dates, agreeing with its weekday.

    ``refs`` is sorted and free of repeats.
    """
    years = sorted({y + k for y in {_calendar_year(r.calendar, ref) for ref in refs}
                    for k in (-1, 0, 1)})
    cands: list[tuple[int, date]] = []
    for y in years:
        g = _to_gregorian(r.calendar, y, r.month, r.day)
        if g is None:
            continue
        i = bisect.bisect_left(refs, g)
        near = [refs[k] for k in (i - 1, i) if 0 <= k < len(refs)]
        cands.append((min(abs((g - x).days) for x in near), g))
    if not cands:
        return None
    if r.weekday is not None:
        agreeing = [c for c in cands if c[1].weekday() == r.weekday]
        if agreeing:
            cands = agreeing
    return min(cands)[1]


def find_dates(text: str, lang: str | None = None, *,
               reference: date | None = None) -> list[DateMention]:
    """Dates written in ``text``, sorted by position.

    A date without a year gets the year that puts it nearest the dates with a
    year in the same text (or ``reference`` when there are none) and agrees
    with its named weekday; without either it is left out, since guessing the
    year from the clock would make the output depend on the day of the run.
    Month words that are also common words ("may", Persian "مهر") count only
    with a year or a weekday.
    """
    if not isinstance(text, str) or not text:
        return []
    if _ANY_DIGIT.search(text) is None:
        return []
    norm = fast_normalize_digits(text)
    pats = _patterns(_lang_key(lang))
    raws = _raw_mentions(norm, pats)
    out: list[DateMention] = []
    full: list[tuple[_Raw, date]] = []
    for r in raws:
        if r.year is not None:
            g = _to_gregorian(r.calendar, r.year, r.month, r.day)
            if g is not None:
                full.append((r, g))
    refs = sorted({g for _, g in full})
    if not refs and reference is not None:
        refs = [reference]
    # A yearless date's reading depends only on these fields while refs stay the same.
    inferred: dict[tuple[str, int, int, int | None], date | None] = {}
    for r in raws:
        if r.year is not None:
            g = _to_gregorian(r.calendar, r.year, r.month, r.day)
            has_year = True
        else:
            if r.ambiguous and r.weekday is None:
                continue
            key = (r.calendar, r.month, r.day, r.weekday)
            if key not in inferred:
                inferred[key] = _infer_year(r, refs) if refs else None
            g = inferred[key]
            has_year = False
        if g is None:
            continue
        ok = None if r.weekday is None else g.weekday() == r.weekday
        out.append(DateMention(r.start, r.end, g, r.calendar, has_year, ok))
    return out


def find_date_spans(text: str, lang: str | None = None) -> list[tuple[int, int]]:
    """Spans of everything that reads as a date, yearless ones included, without resolving them.

    For telling timestamp lines from prose (``textclean``), where the year does not matter.
    """
    if not isinstance(text, str) or not text:
        return []
    pats = _patterns(_lang_key(lang))
    raws = _raw_mentions(fast_normalize_digits(text), pats)
    return [(r.start, r.end) for r in raws]


# ---------------------------------------------------------------- publication date


def _today() -> date:
    return datetime.now(timezone.utc).date()


_BREAKS = (". ", "! ", "? ", "؟", "。", "\n\n")


def _no_break(text: str) -> bool:
    return not any(brk in text for brk in _BREAKS)


def _cued(text: str, mentions: list[DateMention], cue: re.Pattern[str]) -> list[DateMention]:
    """Mentions that a "published" cue belongs to, in text order.

    Each cue goes to the nearest date in its sentence: the one right after it
    ("Published 3 March") or right before it ("جمعه ۹ آبان منتشر شد"), so in
    "Updated 4 March, published 3 March" the cue is not given to 4 March.
    ``mentions`` are sorted by position and do not overlap.
    """
    starts = [m.start for m in mentions]
    chosen: set[int] = set()
    for c in cue.finditer(text):
        cands: list[tuple[int, int]] = []   # (distance, index)
        # The first date starting after the cue starts; a cue may share its last word with
        # that date's day prefix ("publié le" + "le 2 octobre").
        i = bisect.bisect_right(starts, c.start())
        if i < len(mentions):
            m = mentions[i]
            if m.start - c.end() <= _CUE_BEFORE and _no_break(text[c.end():m.start]):
                cands.append((max(0, m.start - c.end()), i))
        # The last date ending before the cue.
        j = bisect.bisect_right(starts, c.start()) - 1
        while j >= 0 and mentions[j].end > c.start():
            j -= 1
        if j >= 0:
            m = mentions[j]
            if c.start() - m.end <= _CUE_AFTER and _no_break(text[m.end:c.start()]):
                cands.append((c.start() - m.end + 1, j))   # ties go to the date after the cue
        if cands:
            chosen.add(min(cands)[1])
    return [mentions[i] for i in sorted(chosen)]


def _hint_dates(hints: object) -> list[date]:
    if hints is None:
        return []
    items: Iterable[object] = [hints] if isinstance(hints, (str, date)) else (
        hints if isinstance(hints, (list, tuple, set, frozenset)) else [])
    out: list[date] = []
    for h in items:
        if isinstance(h, datetime):
            out.append(h.date())
        elif isinstance(h, date):
            out.append(h)
        elif isinstance(h, str):
            dt = parse_date_hint(h)
            if dt is not None:
                out.append(dt.date())
    return out


def publication_date(
    text: str,
    lang: str | None = None,
    hints: HintValue | Iterable[HintValue] | None = None,
) -> tuple[datetime | None, str]:
    """The date a reader would call the publication date, as UTC midnight, and ``"text"``.

    ``hints`` are dates known from elsewhere (header line, record field, HTML
    meta, crawl time): they give the year to yearless dates when the text has
    no full date, and a date more than two days after the latest hint cannot
    be the publication date. A date beside a "published" cue (configured per
    language) wins; otherwise the latest date that is fully determined (a year
    written, or a weekday that confirms the inferred year). ``(None, "")``
    when the text names no usable date.
    """
    if not isinstance(text, str) or not text:
        return None, ""
    refs = _hint_dates(hints)
    upper = _today() + timedelta(days=1)
    if refs:
        upper = min(upper, max(refs) + timedelta(days=2))
    lower = date(_MIN_YEAR, 1, 1)
    lang_key = _lang_key(lang)
    mentions = find_dates(text, lang_key, reference=max(refs) if refs else None)
    plausible = [m for m in mentions if lower <= m.date <= upper and m.weekday_ok is not False]
    if not plausible:
        return None, ""
    cue = _patterns(lang_key).cue
    cued = _cued(text, plausible, cue) if cue is not None else []
    pick: DateMention | None = cued[0] if cued else None
    if pick is None:
        determined = [m for m in plausible if m.has_year or m.weekday_ok]
        if not determined:
            return None, ""
        pick = max(determined, key=lambda m: (m.date, -m.start))
    d = pick.date
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc), "text"


# ---------------------------------------------------------------- explicit hints


# A numeric hint year in this range cannot be a Gregorian publication year; Persian sites write
# Jalali dates (1404/08/09) in their metadata.
_JALALI_HINT_YEARS = (1300, 1480)
_EPOCH = re.compile(r"-?\d{9,10}(?:\.\d+)?|\d{12,13}")
_SLASHED = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_HAS_LETTERS = re.compile(r"[^\W\d_]")
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}")
_RFC2822 = re.compile(
    r"(?:[A-Za-z]{3,9},?\s+)?\d{1,2}\s+[A-Za-z]{3,9}\.?\s+\d{2,4}"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?(?:\s+(?:[+-]\d{4}|[A-Za-z]{1,5}))?(?:\s+\([^)]*\))?"
)
_DIGIT = re.compile(r"\d")
_ISO_CHARS = re.compile(r"[\d\s:/.,+\-TZtz]+")


def _bounded(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    try:
        if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
            dt = dt.replace(tzinfo=timezone.utc)
        else:
            dt = dt.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None
    if not _MIN_YEAR <= dt.year <= _today().year + 1:
        return None
    return dt


def _from_epoch(s: str) -> datetime | None:
    if not _EPOCH.fullmatch(s):
        return None
    try:
        x = float(s)
        if len(s.lstrip("-").split(".")[0]) >= 12:
            x /= 1000.0
        return datetime.fromtimestamp(x, tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None


def _from_iso(s: str) -> datetime | None:
    if len(s) < 8 or not s[:4].isdigit():
        return None
    try:
        dt = datetime.fromisoformat(s.replace("z", "Z"))
        if not _JALALI_HINT_YEARS[0] <= dt.year <= _JALALI_HINT_YEARS[1]:
            return dt
    except ValueError:
        pass
    m = _SLASHED.fullmatch(s)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        g = _to_gregorian("jalali" if _JALALI_HINT_YEARS[0] <= y <= _JALALI_HINT_YEARS[1]
                          else "gregorian", y, mo, d)
        if g is None:
            return None
        try:
            return datetime(g.year, g.month, g.day, int(m[4] or 0), int(m[5] or 0), int(m[6] or 0))
        except ValueError:
            return None
    return None


def _from_rfc2822(s: str) -> datetime | None:
    # email.utils also "parses" other shapes, wrongly ("October 31, 2025, 8:15 PM" as 08:15).
    if not _RFC2822.fullmatch(s):
        return None
    try:
        return email.utils.parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _from_text(s: str) -> datetime | None:
    for m in find_dates(s):
        if m.has_year:
            return datetime(m.date.year, m.date.month, m.date.day)
    return None


_DATEPARSER_SETTINGS = {
    # Relative forms ("2 hours ago") depend on the clock: never for a stored date.
    "PARSERS": ["timestamp", "custom-formats", "absolute-time"],
    "REQUIRE_PARTS": ["day", "month", "year"],
    "RETURN_AS_TIMEZONE_AWARE": True,
    "TO_TIMEZONE": "UTC",
    "PREFER_DAY_OF_MONTH": "first",
}


def _from_dateparser(s: str) -> datetime | None:
    # A date needs a day and a year in digits; without them dateparser only costs time.
    if not _HAS_LETTERS.search(s) or len(s) > 80 or len(_DIGIT.findall(s)) < 3:
        return None
    # ISO-shaped strings that fromisoformat refused are broken; dateparser would only guess.
    if _ISO_CHARS.fullmatch(s):
        return None
    try:
        import dateparser  # slow to import; only reached for unusual hints
        result = dateparser.parse(s, settings=_DATEPARSER_SETTINGS)
    except Exception:  # noqa: BLE001 - third-party parser on untrusted input; a hint is optional
        return None
    return result if isinstance(result, datetime) else None


def parse_date_hint(value: object) -> datetime | None:
    """An explicit date value as a timezone-aware UTC datetime, or None. Never raises.

    Naive values are taken as UTC. Years outside 1900..next year are refused
    (a far-future or epoch-zero value is a broken field, not a date).
    """
    if isinstance(value, datetime):
        return _bounded(value)
    if not isinstance(value, str):
        return None
    s = fast_normalize_digits(value).strip()
    if not s or len(s) > _MAX_HINT_CHARS:
        return None
    # A written date with a time of day goes to dateparser first, so its zone can move the day.
    written = ((_from_dateparser, _from_text) if _TIME_OF_DAY.search(s)
               else (_from_text, _from_dateparser))
    for parse in (_from_epoch, _from_iso, _from_rfc2822, *written):
        dt = _bounded(parse(s))
        if dt is not None:
            return dt
    return None
