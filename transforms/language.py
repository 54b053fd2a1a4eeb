"""DetectLanguage: set ``lang`` and ``lang_prob`` on every article (seeded langdetect)."""
from __future__ import annotations

from functools import partial

import apache_beam as beam

from transforms.common import apply_stage
from transforms.core.language import LanguageSettings
from transforms.core.prepare import with_language
from transforms.core.records import Stage


class DetectLanguage(beam.PTransform):
    """Every article leaves with a language: detected, given by the input, or "und" (one detected
    ahead in the extraction process keeps it: ``transforms.core.prepare``)."""

    def __init__(self, settings: LanguageSettings):
        super().__init__()
        self._settings = settings

    def expand(self, articles):
        return apply_stage(articles, "Detect", Stage.LANGUAGE.value, partial(with_language, self._settings))
