"""Conventions shared by every stage transform.

Each stage is a composite PTransform returning ``{MAIN: ..., FAILURES: ...}``
(plus stage-specific extra outputs). DoFns count every outcome in Beam metrics
under the namespace ``claimwire`` as ``<stage>.in``, ``<stage>.out`` and
``<stage>.failed``, which the run report turns into the ``runs`` dataset.
"""
from __future__ import annotations

import json
import os
import time
import traceback
from typing import Any, Callable, Iterable, Iterator

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from transforms.core.records import Failure, Reason
from transforms.beam_memo import memoize_beam
from transforms.worker_memory import release_output_buffers, release_side_inputs

# Every process that runs a stage imports this module (it unpickles the stage's DoFn): from then
# on its SDK worker frees each bundle's output buffer and side inputs when the bundle ends (see
# worker_memory), and Beam works out a function's arguments and a view of the options once (see
# beam_memo).
release_output_buffers()
release_side_inputs()
memoize_beam()

MAIN = "main"
FAILURES = "failures"
METRICS_NAMESPACE = "claimwire"


PROGRESS_ENV = "CLAIMWIRE_PROGRESS_DIR"


class _ProgressFile:
    """Best-effort live counts for a progress line on local runners.

    Beam metrics are only readable when a local run ends, so while the driver
    shows a progress line it sets CLAIMWIRE_PROGRESS_DIR, and each worker
    process writes its counts there (at most twice a second). On a cluster the
    variable is unset and this does nothing; nothing here affects output.
    """

    def __init__(self, folder: str):
        self.path = os.path.join(folder, f"{os.getpid()}.json")
        self.counts: dict[str, int] = {}
        self.last = 0.0

    def add(self, key: str, n: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + n
        now = time.monotonic()
        if now - self.last >= 0.5:
            self.last = now
            tmp = self.path + ".tmp"
            try:
                with open(tmp, "w") as fh:
                    json.dump(self.counts, fh)
                os.replace(tmp, self.path)
            except OSError:
                pass


_PROGRESS: _ProgressFile | None = None


def _progress() -> _ProgressFile | None:
    global _PROGRESS
    folder = os.environ.get(PROGRESS_ENV)
    if not folder:
        return None
    if _PROGRESS is None or not _PROGRESS.path.startswith(folder):
        _PROGRESS = _ProgressFile(folder)
    return _PROGRESS


class Counters:
    """Outcome counters of one stage, created lazily per DoFn instance."""

    def __init__(self, stage: str):
        self.stage = stage
        self._counters: dict[str, Any] = {}

    def inc(self, outcome: str, n: int = 1) -> None:
        c = self._counters.get(outcome)
        if c is None:
            c = self._counters[outcome] = Metrics.counter(METRICS_NAMESPACE, f"{self.stage}.{outcome}")
        c.inc(n)
        progress = _progress()
        if progress is not None:
            progress.add(f"{self.stage}.{outcome}", n)


def input_of(element: Any) -> str:
    """The ``input`` a failure row names for an element of any stage (path, path:line or URL)."""
    for attr in ("input", "path", "link", "url"):
        value = getattr(element, attr, None)
        if isinstance(value, str) and value:
            return value
    if isinstance(element, tuple) and element:
        # (article, claim) pairs, (key, value) pairs and grouped (key, values) items
        first = input_of(element[0])
        return first if first else input_of(element[-1]) if len(element) > 1 else ""
    if isinstance(element, dict):
        for key in ("input", "url", "article_id", "story_id", "claim_id"):
            if isinstance(element.get(key), str) and element[key]:
                return element[key]
    if isinstance(element, str):
        return element
    return ""


def internal_failure(stage: str, element: Any, exc: BaseException, where: str | None = None) -> Failure:
    """The failures row of a record whose handling raised: type, message and the last frame.

    No traceback text: the row is for an analyst, the frame is enough for a bug report.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    last = f" (at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno})" if frames else ""
    message = " ".join(str(exc).split())
    detail = f"{type(exc).__name__}: {message}"[:400] + last
    return Failure(stage, Reason.INTERNAL_ERROR.value, where if where is not None else input_of(element) or "?",
                   detail)


def in_global_window(value: Any) -> WindowedValue:
    """What a DoFn's ``finish_bundle`` emits must carry its window; the pipelines are batch, in the
    global window."""
    return WindowedValue(value, MIN_TIMESTAMP, [GlobalWindow()])


def dead_letter(stage: str, counters: "Counters", element: Any, outputs: Iterable[Any],
                fan_out: bool = False, where: str | None = None) -> Iterator[Any]:
    """Pass ``outputs`` through; an exception while producing them becomes one failures row.

    What was yielded before the exception stands (a WARC file read up to a damaged
    record keeps its articles). The failing element is counted ``failed`` (and, for a
    fan-out stage, ``in`` too, as the record that could not be read), so in = out + failed.
    """
    try:
        yield from outputs
    except Exception as exc:  # the dead-letter path: one record costs itself, never the run
        if fan_out:
            counters.inc("in")
        counters.inc("failed")
        yield beam.pvalue.TaggedOutput(FAILURES, internal_failure(stage, element, exc, where))


class StageFn(beam.DoFn):
    """A DoFn applying a pure function that returns results and/or Failures.

    ``fn(element) -> result | Failure | iterable of them``; results go to the main
    output, Failures to ``failures``; every element and outcome is counted. An
    exception raised by ``fn`` (also midway through a generator) becomes an
    ``internal_error`` failure of that element and the run goes on.
    """

    def __init__(self, stage: str, fn: Callable[[Any], Any], fan_out: bool = False):
        self._stage = stage
        self._fn = fn
        self._fan_out = fan_out
        self._counters: Counters | None = None

    def setup(self) -> None:
        self._counters = Counters(self._stage)

    def process(self, element: Any) -> Iterable[Any]:
        assert self._counters is not None
        # A fan-out stage (one file -> many records) counts its records as "in", so that
        # in == out + failed holds for every stage; the elements it was given are "units".
        self._counters.inc("units" if self._fan_out else "in")
        yield from dead_letter(self._stage, self._counters, element, self._outputs(element), self._fan_out)

    def _outputs(self, element: Any) -> Iterator[Any]:
        assert self._counters is not None
        result = self._fn(element)
        items = result if isinstance(result, (list, tuple)) or hasattr(result, "__next__") else [result]
        if not self._fan_out:
            # One element, one outcome: collect before yielding, so that a raise after a
            # first result cannot count the element both out and failed.
            items = list(items)
        for item in items:
            if self._fan_out:
                self._counters.inc("in")
            if isinstance(item, Failure):
                self._counters.inc("failed")
                yield beam.pvalue.TaggedOutput(FAILURES, item)
            elif item is not None:
                self._counters.inc("out")
                yield item


def apply_stage(pcoll: beam.PCollection, label: str, stage: str, fn: Callable[[Any], Any],
                fan_out: bool = False) -> dict:
    outs = pcoll | label >> beam.ParDo(StageFn(stage, fn, fan_out)).with_outputs(FAILURES, main=MAIN)
    return {MAIN: outs[MAIN], FAILURES: outs[FAILURES]}
