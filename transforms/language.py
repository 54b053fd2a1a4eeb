"""DetectLanguage: set ``lang`` and ``lang_prob`` on every article (seeded langdetect)."""
from __future__ import annotations

from functools import partial

import apache_beam as beam

from transforms.common import apply_stage
from transforms.core.language import LanguageSettings, detect_language
from transforms.core.records import Article, Stage


def _with_language(settings: LanguageSettings, article: Article) -> Article:
    # The title helps on short texts; it is the same language as the text in news.
    result = detect_language(f"{article.title}\n{article.text}", settings, hint=article.lang or None)
    return article.replace(lang=result.lang, lang_prob=result.probability)


class DetectLanguage(beam.PTransform):
    """Every article leaves with a language: detected, given by the input, or "und"."""

    def __init__(self, settings: LanguageSettings):
        super().__init__()
        self._settings = settings

    def expand(self, articles):
        return apply_stage(articles, "Detect", Stage.LANGUAGE.value, partial(_with_language, self._settings))
