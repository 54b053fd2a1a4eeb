"""Language identification: writing-system rules, then langdetect, seeded so every run agrees.

langdetect has profiles for 55 languages and always answers one of them: an
Armenian or Georgian text comes out as Estonian, Azerbaijani as Turkish. So
facts about writing systems answer first (``configs/langid.toml``): a script
that one language writes (Hangul, Armenian, kana), or letters only one
language's alphabet has (Azerbaijani ə, Belarusian ў), when they make up
enough of the text. Everything else goes to langdetect.

langdetect samples n-grams at random: unseeded, the same text can get another
language on another run. Each call builds a fresh detector seeded from the
config, so the answer depends only on the text, not on what ran before it in
the process. Very short texts are left undetermined ("und"); an ideograph or a
Hangul block counts as several letters there, as it carries about a word.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from langdetect import DetectorFactory
from langdetect.detector_factory import init_factory
from langdetect.lang_detect_exception import LangDetectException

from transforms.core.digits import normalize_digits
from transforms.core.resources import configs_dir

_LANG_TAG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
_URLS = re.compile(r"https?://\S+|www\.\S+|\S+@\S+")
UNDETERMINED = "und"


RULES_PATH = configs_dir() / "langid.toml"


@dataclass(frozen=True)
class ScriptRule:
    lang: str
    scripts: frozenset[str]
    min_share: float


@dataclass(frozen=True)
class LetterRule:
    lang: str
    script: str
    letters: frozenset[str]
    min_share: float
    unless: frozenset[str] = frozenset()    # langdetect answers that stand even so


@dataclass(frozen=True)
class LangIdRules:
    """Writing-system facts that answer before langdetect (see configs/langid.toml)."""

    dense: Mapping[str, int] = field(default_factory=dict)
    scripts: tuple[ScriptRule, ...] = ()
    letters: tuple[LetterRule, ...] = ()

    @classmethod
    def load(cls, path: Path = RULES_PATH) -> "LangIdRules":
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        return cls.from_mapping(data, str(path))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "langid") -> "LangIdRules":
        try:
            dense = {str(k).upper(): int(v) for k, v in data.get("dense_scripts", {}).items()}
            scripts = tuple(ScriptRule(str(r["lang"]), frozenset(str(x).upper() for x in r["scripts"]),
                                       float(r["min_share"])) for r in data.get("script", []))
            letters = tuple(LetterRule(str(r["lang"]), str(r["script"]).upper(), frozenset(str(r["letters"])),
                                       float(r["min_share"]), frozenset(map(str, r.get("unless", []))))
                            for r in data.get("letters", []))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{where}: bad language rule ({exc})") from None
        for rule in (*scripts, *letters):
            if not (0.0 < rule.min_share <= 1.0) or not sanitize_lang_tag(rule.lang):
                raise ValueError(f"{where}: bad rule for {rule.lang!r}: min_share must be in (0, 1]")
        return cls(dense, scripts, letters)


@lru_cache(maxsize=1)
def default_rules() -> LangIdRules:
    return LangIdRules.load(RULES_PATH)


@dataclass(frozen=True)
class LanguageSettings:
    min_probability: float = 0.5
    min_letters: int = 12
    max_chars: int = 4000      # langdetect's answer is settled long before this
    seed: int = 0
    rules: LangIdRules | None = None    # None: configs/langid.toml


@dataclass(frozen=True)
class LanguageResult:
    lang: str
    probability: float
    how: str          # detected | script | letters | input | too_short | low_probability


def sanitize_lang_tag(value: str | None) -> str | None:
    """A BCP-47-ish tag from input, lower-cased primary subtag, or None when unusable."""
    if not value:
        return None
    value = value.strip().replace("_", "-")
    if not _LANG_TAG.match(value.lower()) and not _LANG_TAG.match(value):
        return None
    primary, _, rest = value.partition("-")
    return primary.lower() + (f"-{rest}" if rest else "")


def _factory_instance() -> DetectorFactory:
    import langdetect.detector_factory as df
    if df._factory is None:
        init_factory()
    return df._factory


def detect_language(text: str, settings: LanguageSettings, hint: str | None = None) -> LanguageResult:
    """The language of ``text``; a valid ``hint`` from the input wins."""
    tag = sanitize_lang_tag(hint)
    if tag:
        return LanguageResult(tag, 1.0, "input")
    sample = _URLS.sub(" ", normalize_digits(text[: settings.max_chars]))
    rules = settings.rules or default_rules()
    scripts = _script_counts(sample)
    letters = sum(scripts.values())
    if sum(n * rules.dense.get(script, 1) for script, n in scripts.items()) < settings.min_letters:
        return LanguageResult(UNDETERMINED, 0.0, "too_short")
    by_rule = _by_writing_system(sample, scripts, letters, rules)
    if by_rule is not None and not by_rule[1]:
        return by_rule[0]
    detected = _langdetect(sample, settings)
    if by_rule is not None and detected.lang not in by_rule[1]:
        return by_rule[0]
    return detected


def _langdetect(sample: str, settings: LanguageSettings) -> LanguageResult:
    factory = _factory_instance()
    detector = factory.create()
    detector.seed = settings.seed
    detector.append(sample)
    try:
        probs = detector.get_probabilities()
    except LangDetectException:
        return LanguageResult(UNDETERMINED, 0.0, "too_short")
    if not probs:
        return LanguageResult(UNDETERMINED, 0.0, "too_short")
    best = probs[0]
    lang = _LANGDETECT_TO_ISO.get(best.lang, best.lang)
    prob = round(float(best.prob), 4)
    if prob < settings.min_probability:
        return LanguageResult(UNDETERMINED, prob, "low_probability")
    return LanguageResult(lang, prob, "detected")


@lru_cache(maxsize=8192)
def _script(ch: str) -> str | None:
    """The script of a letter or mark, from its Unicode name; None for anything else."""
    if not unicodedata.category(ch).startswith(("L", "M")):
        return None
    name = unicodedata.name(ch, "")
    if name.startswith("CJK "):
        return "CJK"
    head = name.split(" ", 1)[0]
    return None if head in ("", "COMBINING", "MODIFIER") else head


def _script_counts(text: str) -> Counter:
    """Letters (and marks, which Indic scripts write vowels with) per script."""
    return Counter(s for s in map(_script, text) if s is not None)


def _by_writing_system(text: str, scripts: Counter, letters: int,
                       rules: LangIdRules) -> tuple[LanguageResult, frozenset[str]] | None:
    """The rule's answer and the langdetect answers that would overrule it, or None."""
    if not letters:
        return None
    for rule in rules.scripts:
        share = sum(scripts.get(s, 0) for s in rule.scripts) / letters
        if share >= rule.min_share:
            return LanguageResult(rule.lang, round(share, 4), "script"), frozenset()
    for rule in rules.letters:
        in_script = scripts.get(rule.script, 0)
        if in_script * 2 < letters:
            continue
        hits = sum(1 for ch in text if ch in rule.letters)
        if hits and hits / in_script >= rule.min_share:
            return LanguageResult(rule.lang, round(in_script / letters, 4), "letters"), rule.unless
    return None


def supported_languages() -> frozenset[str]:
    """The tags ``detect_language`` can answer: langdetect's profiles and the writing-system rules."""
    rules = default_rules()
    return frozenset({_LANGDETECT_TO_ISO.get(l, l) for l in _factory_instance().get_lang_list()}
                     | {r.lang for r in (*rules.scripts, *rules.letters)})


# langdetect's few non-ISO-639-1 labels, mapped to the tags analysts filter on.
_LANGDETECT_TO_ISO = {"zh-cn": "zh", "zh-tw": "zh-Hant"}
