"""Language identification with langdetect, seeded so every run agrees.

langdetect samples n-grams at random: unseeded, the same text can get another
language on another run. Each call builds a fresh detector seeded from the
config, so the answer depends only on the text, not on what ran before it in
the process. Very short texts are left undetermined ("und").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from langdetect import DetectorFactory
from langdetect.detector_factory import init_factory
from langdetect.lang_detect_exception import LangDetectException

from transforms.core.digits import normalize_digits

_LANG_TAG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
_URLS = re.compile(r"https?://\S+|www\.\S+|\S+@\S+")
UNDETERMINED = "und"


@dataclass(frozen=True)
class LanguageSettings:
    min_probability: float = 0.5
    min_letters: int = 20
    max_chars: int = 4000      # langdetect's answer is settled long before this
    seed: int = 0


@dataclass(frozen=True)
class LanguageResult:
    lang: str
    probability: float
    how: str          # detected | input | too_short | low_probability


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
    letters = sum(ch.isalpha() for ch in sample)
    if letters < settings.min_letters:
        return LanguageResult(UNDETERMINED, 0.0, "too_short")
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


# langdetect's few non-ISO-639-1 labels, mapped to the tags analysts filter on.
_LANGDETECT_TO_ISO = {"zh-cn": "zh", "zh-tw": "zh-Hant"}
