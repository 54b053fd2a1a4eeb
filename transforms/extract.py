"""ExtractArticles: RawDocument -> Article (main text, title, source, date) + failures."""
from __future__ import annotations

import apache_beam as beam

from transforms.common import FAILURES, MAIN, Counters, dead_letter
from transforms.core.articles import ArticleSettings, build_article
from transforms.core.records import Failure, Stage


class _ExtractFn(beam.DoFn):
    def __init__(self, settings: ArticleSettings):
        self._settings = settings
        self._extractor = None

    def setup(self) -> None:
        import logging
        from transforms.core.isolate import open_extractor
        # trafilatura logs every discarded block at WARNING; its outcomes are our counters.
        logging.getLogger("trafilatura").setLevel(logging.ERROR)
        self._counters = Counters(Stage.EXTRACT.value)
        self._extractor = open_extractor(self._settings.extract)

    def teardown(self) -> None:
        if self._extractor is not None:
            self._extractor.close()
            self._extractor = None

    def process(self, raw):
        self._counters.inc("in")
        yield from dead_letter(Stage.EXTRACT.value, self._counters, raw, self._one(raw))

    def _one(self, raw):
        result = build_article(raw, self._settings, self._extractor)
        if isinstance(result, Failure):
            self._counters.inc("failed")
            yield beam.pvalue.TaggedOutput(FAILURES, result)
        else:
            self._counters.inc("out")
            yield result


class ExtractArticles(beam.PTransform):
    """Main text and metadata of every document (trafilatura for HTML, debris cleaning for text).

    With ``extract.isolate`` (the default) the HTML extractor runs in a worker
    process under a time limit, so a document that hangs or crashes lxml costs
    one failures row.
    """

    def __init__(self, settings: ArticleSettings):
        super().__init__()
        self._settings = settings

    def expand(self, docs):
        outs = docs | "Extract" >> beam.ParDo(_ExtractFn(self._settings)).with_outputs(
            FAILURES, main=MAIN)
        return {MAIN: outs[MAIN], FAILURES: outs[FAILURES]}
