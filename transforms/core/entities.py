"""Entity mentions resolved to canonical ids through alias lexicons.

Lexicons are data: ``configs/entities/*.toml``, one table per entity::

    [entity."place:russia"]
    type = "place"                       # person | organisation | place | equipment | ...
    name = "Russia"                      # canonical display name (Latin script)
    aliases = ["Russia", "Russian", "Nga", "روسیه", "Россия"]

Matching is case-insensitive, longest alias first, on token boundaries in every script:

- Latin, Cyrillic and other spaced scripts: a word boundary on both sides, and every capital of the
  alias is a capital in the text (a name is capitalised): Vietnamese writes names with a capital on
  every syllable, so ``Nhật`` (Japan) is not the second syllable of "Chủ nhật" (Sunday).
- Arabic script (Persian, Arabic): a word boundary on the left; on the right a word end, a joiner
  (ZWNJ: "روسیه‌ای", the suffix after it is still the same word) or an inflection suffix from
  ``[scripts] arabic_suffixes`` ("روسیه‌ها", "آمریکایی"); "پرو" (Peru) is not the start of "پروژه".
- Aliases that are common words of their language (``[scripts] homographs``: Persian مالی "financial"
  is also Mali) are matched only inside a longer alias ("جمهوری مالی").
- Chinese and Japanese have no spaces: see ``_cjk_pattern``.

Letters are folded with the one table in ``scripts.py``. The text given should be the
digit-normalised text (same length as the stored text), so spans index the stored text as well.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import tomllib

from transforms.core.scripts import JOINERS, WORD, fold_letters, is_word_char
from transforms.core.scripts import is_arabic_script as _is_arabic_script
from transforms.core.shared import UnpickledOnce


@dataclass(frozen=True)
class Entity:
    entity_id: str
    type: str
    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class EntityMention:
    start: int
    end: int
    entity_id: str
    type: str
    text: str


def _is_acronym(alias: str) -> bool:
    letters = [ch for ch in alias if ch.isalpha()]
    return 0 < len(letters) <= 5 and all(ch.isupper() for ch in letters) and alias.isascii()


def _fold(s: str) -> str:
    """Case-fold an alias or text for matching, keeping its length (spans stay valid).

    ``str.lower`` is length-preserving for nearly all text; the per-character
    path only runs for the rare strings where it is not (such as "İ").
    Arabic yeh/kaf and Persian yeh/keheh are the same letter to a reader.
    """
    low = s.lower()
    if len(low) != len(s):
        low = "".join(c if len(c) == 1 else ch for ch, c in ((ch, ch.lower()) for ch in s))
    return fold_letters(low)


# Chinese, Japanese and Korean characters: Han, kana, Hangul (and their compatibility blocks).
_CJK_CHAR = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\uac00-\ud7af"
_CJK = re.compile("[" + _CJK_CHAR + "]")
_KANA = "\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
_HANGUL = "\uac00-\ud7af"


def _is_cjk_alias(alias: str) -> bool:
    return bool(_CJK.search(alias)) and all(_CJK.match(ch) or ch.isspace() or ch in "・·" for ch in alias)


def _cjk_pattern(aliases: list[str]) -> str:
    """Whole-run rules for scripts without spaces, as one regex (longest alias first).

    Katakana spells loanwords and foreign names as one unbroken run, so a katakana alias must be the
    whole katakana run ("ペルー" is not the start of a longer katakana word). Hangul is spaced, but
    particles attach to the end of a noun ("말리에서"), so a Hangul alias must start a Hangul run and
    may be followed by more Hangul. Han (Chinese characters) has no boundary to see at all: a Han
    alias matches anywhere in a Han run, but only with two characters or more, because one character
    alone ("日", "中") is a morpheme of countless words.
    """
    items = []
    for a in sorted(aliases, key=lambda a: (-len(a), a)):
        if len(a.strip()) < 2:
            continue
        left = f"(?<![{_KANA}])" if re.match(f"[{_KANA}]", a) else f"(?<![{_HANGUL}])" if re.match(
            f"[{_HANGUL}]", a) else ""
        right = f"(?![{_KANA}])" if re.search(f"[{_KANA}]$", a) else ""
        items.append(left + re.escape(a) + right)
    return "|".join(items)


class EntityLexicon(UnpickledOnce):
    """All entities of some lexicon files, with a matcher compiled once."""

    def __init__(self, entities: Iterable[Entity], arabic_suffixes: Iterable[str] = (),
                 homographs: Iterable[str] = (), not_names: Iterable[str] = ()):
        self.entities: dict[str, Entity] = {}
        lone_never = {_fold(unicodedata.normalize("NFC", h.strip())) for h in homographs}
        caps: dict[str, set[int]] = {}
        alias_to_id: dict[str, str] = {}
        acronym_to_id: dict[str, str] = {}
        for ent in sorted(entities, key=lambda e: e.entity_id):
            self.entities[ent.entity_id] = ent
            for alias in ent.aliases:
                alias = unicodedata.normalize("NFC", alias.strip())
                if _is_acronym(alias):
                    # "US", "CNN": case matters, or "help us" would be the United States.
                    acronym_to_id.setdefault(alias, ent.entity_id)
                elif alias and _fold(alias) not in lone_never:
                    # First entity (by id) wins an ambiguous alias: deterministic.
                    key = _fold(alias)
                    alias_to_id.setdefault(key, ent.entity_id)
                    # where the alias has a capital at a word start, the text must have one too
                    # (every spelling of the alias must agree, or no capital is required)
                    need = {m.start() for m in _RUN.finditer(alias) if m.group(0)[0].isupper()}
                    caps[key] = caps[key] & need if key in caps else need
        for phrase in not_names:
            # a phrase that holds an alias but names nothing ("Chủ Nhật", Sunday): matched like an
            # alias, so that it wins over the shorter alias inside it, then dropped
            alias_to_id.setdefault(_fold(unicodedata.normalize("NFC", phrase.strip())), "")
        self.alias_to_id = alias_to_id
        self.acronym_to_id = acronym_to_id
        # One regex alternation over thousands of aliases costs a try per alias at every word;
        # instead, aliases are looked up by their first word run, so a word costs one dict probe.
        by_first: dict[str, list[tuple[bool, int, str]]] = {}
        arabic_runs: set[str] = set()       # one-run Arabic-script aliases: they may take a suffix
        odd: list[str] = []                 # aliases that do not start with a word character
        self._caps = {k: tuple(sorted(v)) for k, v in caps.items() if v}
        self._suffixes = frozenset(_fold(x) for x in arabic_suffixes)
        cjk = [a for a in alias_to_id if _is_cjk_alias(a)]
        self._cjk = re.compile(_cjk_pattern(cjk)) if cjk else None
        for alias in alias_to_id:
            if _is_cjk_alias(alias):
                continue
            arabic = _is_arabic_script(alias)
            first = _RUN.match(alias)
            if first is None:
                odd.append(alias)
                continue
            by_first.setdefault(first.group(0), []).append((arabic, -len(alias), alias))
            if arabic and first.end() == len(alias):
                arabic_runs.add(alias)
        self._by_first = {k: tuple(sorted(v)) for k, v in by_first.items()}
        self._arabic_runs = frozenset(arabic_runs)
        self._arabic_lens = tuple(sorted({len(a) for a in arabic_runs}, reverse=True))
        self._odd = re.compile(_alternation(odd)) if odd else None
        acronyms = sorted(acronym_to_id, key=lambda a: (-len(a), a))
        self._acronyms = (
            # the lookahead on first characters lets the engine skip most positions without trying each acronym
            re.compile(r"(?=[" + re.escape("".join(sorted({a[0] for a in acronyms}))) + r"])(?<![\w.])(?:"
                       + "|".join(map(re.escape, acronyms)) + r")(?![\w])") if acronyms else None
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Mapping[str, object]],
                     scripts: Mapping[str, Sequence[str]] | None = None) -> "EntityLexicon":
        ents = []
        for eid, spec in data.items():
            aliases = tuple(str(a) for a in spec.get("aliases", ()))  # type: ignore[union-attr]
            name = str(spec.get("name", aliases[0] if aliases else eid))
            ents.append(Entity(eid, str(spec.get("type", eid.split(":", 1)[0])), name, aliases + (name,)))
        scripts = scripts or {}
        return cls(ents, [str(x) for x in scripts.get("arabic_suffixes", ())],
                   [str(x) for x in scripts.get("homographs", ())], [str(x) for x in scripts.get("not_names", ())])

    @classmethod
    def load(cls, paths: Sequence[Path]) -> "EntityLexicon":
        merged: dict[str, dict[str, object]] = {}
        scripts: dict[str, list[str]] = {}
        for path in sorted(paths):
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
            for key, values in data.get("scripts", {}).items():
                scripts.setdefault(key, []).extend(values)
            for eid, spec in data.get("entity", {}).items():
                if eid in merged:
                    old = merged[eid]
                    old["aliases"] = list(old.get("aliases", [])) + list(spec.get("aliases", []))  # type: ignore[arg-type]
                else:
                    merged[eid] = dict(spec)
        return cls.from_mapping(merged, scripts)

    @classmethod
    def load_dir(cls, folder: Path) -> "EntityLexicon":
        return cls.load(sorted(Path(folder).glob("*.toml")))

    def find(self, text: str) -> list[EntityMention]:
        """Non-overlapping mentions, left to right, longest alias first."""
        if not text:
            return []
        found: list[tuple[int, int, str]] = []
        folded = _fold(text)
        if self._by_first or self._odd is not None:
            found.extend(self._alias_matches(folded, text))
        if self._cjk is not None and _CJK.search(folded):
            found.extend((m.start(), m.end(), self.alias_to_id[m.group(0)]) for m in self._cjk.finditer(folded))
        if self._acronyms is not None:
            for m in self._acronyms.finditer(text):
                found.append((m.start(), m.end(), self.acronym_to_id[m.group(0)]))
        found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
        out: list[EntityMention] = []
        last_end = -1
        for start, end, eid in found:
            if start < last_end:
                continue
            last_end = end
            if not eid:
                continue
            ent = self.entities[eid]
            out.append(EntityMention(start, end, eid, ent.type, text[start:end]))
            last_end = end
        return out

    def _alias_matches(self, folded: str, text: str) -> list[tuple[int, int, str]]:
        r"""Alias matches in folded text, as the alternation ``(?<!\w)(?:latin...)(?!\w)|(?<!\w)(?:arabic...)``
        (Latin-script aliases first, longest first) would find them with ``finditer``."""
        out: list[tuple[int, int, str]] = []
        by_first, arabic_runs, lens = self._by_first, self._arabic_runs, self._arabic_lens
        n = len(folded)
        last_end = 0
        odd = sorted((m.start(), m.end()) for m in self._odd.finditer(folded)) if self._odd is not None else []
        oi = 0
        # split() and accumulate() run in C; only words that can open an alias are visited in Python
        parts = _RUN_SPLIT.split(folded)
        offsets = list(accumulate(map(len, parts), initial=0))
        words = parts[1::2]
        arabic_ok = bool(lens)
        hits = [k for k, w in enumerate(words) if w in by_first or (arabic_ok and w[0] >= "\u0600")]
        for k in hits:
            p = offsets[2 * k + 1]
            word = words[k]
            while oi < len(odd) and odd[oi][0] < p:
                # an alias that starts with punctuation, before this word: the regex would take it first
                a, b = odd[oi]
                oi += 1
                if a >= last_end:
                    out.append((a, b, self.alias_to_id[folded[a:b]]))
                    last_end = b
            if p < last_end:
                continue
            cands = by_first.get(word, ())
            if arabic_ok and word[0] >= "\u0600":
                extra = [(True, -k2, word[:k2]) for k2 in lens if k2 < len(word) and word[:k2] in arabic_runs]
                if extra:
                    cands = tuple(sorted((*cands, *extra)))
            for arabic, neg, alias in cands:
                end = p - neg
                if not folded.startswith(alias, p):
                    continue
                if end < n and is_word_char(folded[end]):
                    if not arabic:
                        continue
                    # Arabic script: a joiner ends the stem ("روسیه‌ای"); otherwise only a suffix may follow
                    if folded[end] not in JOINERS and folded[end:_word_end(folded, end)] not in self._suffixes:
                        continue
                caps = self._caps.get(alias)
                if caps and not all(text[p + c].isupper() for c in caps):
                    continue        # "Chủ nhật" (Sunday) is not "Nhật" (Japan)
                out.append((p, end, self.alias_to_id[alias]))
                last_end = end
                break
        for a, b in odd[oi:]:
            if a >= last_end:
                out.append((a, b, self.alias_to_id[folded[a:b]]))
                last_end = b
        return out


def _alternation(aliases: list[str]) -> str:
    latin = sorted((a for a in aliases if not _is_arabic_script(a)), key=lambda a: (-len(a), a))
    arabic = sorted((a for a in aliases if _is_arabic_script(a)), key=lambda a: (-len(a), a))
    parts = []
    if latin:
        parts.append(r"(?<!\w)(?:" + "|".join(map(re.escape, latin)) + r")(?!\w)")
    if arabic:
        parts.append(r"(?<!\w)(?:" + "|".join(map(re.escape, arabic)) + r")")
    return "|".join(parts)


# Word runs: joiners are part of a word, so "روسیه‌ای" is one run that "روسیه" starts.
_RUN = re.compile(WORD + "+")
_RUN_SPLIT = re.compile("(" + WORD + "+)")


def _word_end(folded: str, pos: int) -> int:
    m = _RUN.match(folded, pos)
    return m.end() if m else pos
