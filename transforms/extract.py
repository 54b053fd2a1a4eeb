"""ExtractArticles: RawDocument -> Article (main text, title, source, date) + failures."""
from __future__ import annotations

from collections import deque

import apache_beam as beam

from transforms.common import FAILURES, MAIN, Counters, dead_letter, in_global_window
from transforms.core.articles import ArticleSettings, build_article
from transforms.core.isolate import Done, open_extractor, wait_any
from transforms.core.records import Failure, Stage


# Pages per worker process that may wait, extracted, behind a slower page before it (their order).
_HELD = 4


class _ExtractFn(beam.DoFn):
    def __init__(self, settings: ArticleSettings, in_flight: int = 1, prep=None):
        self._settings = settings
        self._in_flight = max(1, in_flight)
        self._prep = prep
        self._extractor = None

    def setup(self) -> None:
        import logging
        # trafilatura logs every discarded block at WARNING; its outcomes are our counters.
        logging.getLogger("trafilatura").setLevel(logging.ERROR)
        self._counters = Counters(Stage.EXTRACT.value)
        self._extractor = open_extractor(self._settings.extract, processes=self._in_flight, prep=self._prep)

    def teardown(self) -> None:
        self._waiting = None
        if self._extractor is not None:
            self._extractor.close()
            self._extractor = None

    def start_bundle(self) -> None:
        # Pages in flight, oldest first: (page, its extraction). Those left by a bundle that failed
        # are not emitted (the runner processes that bundle again), but collected, within the time
        # limit, to free their workers.
        waiting, self._waiting = getattr(self, "_waiting", None), deque()
        for _, pending in waiting or ():
            pending.result()

    def process(self, raw):
        self._counters.inc("in")
        if raw.format != "html":
            yield from self._emit(raw, None)
            return
        # Pages are extracted in worker processes while this thread emits the pages before them.
        # The next page goes to whichever worker frees first (``wait_any``): a slow page holds up
        # its own worker only. Pages leave in input order, from the head of the queue, and at most
        # ``_HELD`` per worker wait there behind a slow one.
        while len(busy := [pending for _, pending in self._waiting if not pending.ready()]) >= self._in_flight:
            wait_any(busy)
        while len(self._waiting) >= _HELD * self._in_flight:
            yield from self._emit_oldest()
        self._waiting.append((raw, self._submit(raw)))
        while self._waiting and self._waiting[0][1].ready():
            yield from self._emit_oldest()

    def _emit_oldest(self):
        raw, pending = self._waiting.popleft()
        yield from self._emit(raw, pending.result(), pending.prepared())

    def finish_bundle(self):
        waiting, self._waiting = self._waiting, deque()
        for raw, pending in waiting:
            for out in self._emit(raw, pending.result(), pending.prepared()):
                if isinstance(out, beam.pvalue.TaggedOutput):
                    yield beam.pvalue.TaggedOutput(out.tag, in_global_window(out.value))
                else:
                    yield in_global_window(out)

    def _submit(self, raw):
        try:
            return self._extractor.submit(raw.body, raw.url, raw=raw)
        except Exception as exc:   # a bug: the page is its own failures row (see _emit)
            return Done(exc)

    def _emit(self, raw, extracted, prepared=None):
        yield from dead_letter(Stage.EXTRACT.value, self._counters, raw, self._one(raw, extracted, prepared))

    def _one(self, raw, extracted, prepared):
        if isinstance(extracted, Exception):
            raise extracted
        # Built (and its language, claims and profile worked out) in the extraction process, or here.
        result = prepared if prepared is not None else build_article(raw, self._settings, self._extractor, extracted)
        if isinstance(result, Failure):
            self._counters.inc("failed")
            yield beam.pvalue.TaggedOutput(FAILURES, result)
        else:
            self._counters.inc("out")
            yield result


class ExtractArticles(beam.PTransform):
    """Main text and metadata of every document (trafilatura for HTML, debris cleaning for text).

    With ``extract.isolate`` (the default) the HTML extractor runs in worker
    processes under a time limit, so a document that hangs or crashes lxml costs
    one failures row. The stage keeps ``in_flight`` pages in as many worker
    processes while it emits the pages before them, so one page's language,
    claims and profile are worked out (downstream, in the same fused stage) while
    the next ones are extracted. One page in flight instead of none took the
    bench's 1,000 HTML pages with one Beam worker from 68.8 s to 62.5 s; for two
    (what the graph asks for with one local worker, ``pipelines.build``) see the
    README. With ``prep`` (a ``transforms.core.prepare.PagePrep``), the worker
    processes also build each page's article and work out its language, claims and
    profile parts, which the stages downstream then keep. The rows are the same
    either way.
    """

    def __init__(self, settings: ArticleSettings, in_flight: int = 1, prep=None):
        super().__init__()
        self._settings = settings
        self._in_flight = in_flight
        self._prep = prep

    def expand(self, docs):
        outs = docs | "Extract" >> beam.ParDo(_ExtractFn(self._settings, self._in_flight, self._prep)).with_outputs(
            FAILURES, main=MAIN)
        return {MAIN: outs[MAIN], FAILURES: outs[FAILURES]}
