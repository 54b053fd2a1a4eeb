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
from typing import Any, Callable, Iterable

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.core.records import Failure

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


class StageFn(beam.DoFn):
    """A DoFn applying a pure function that returns results and/or Failures.

    ``fn(element) -> result | Failure | iterable of them``; results go to the main
    output, Failures to ``failures``; every element and outcome is counted.
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
        result = self._fn(element)
        items = result if isinstance(result, (list, tuple)) or hasattr(result, "__next__") else [result]
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
