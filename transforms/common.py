"""Conventions shared by every stage transform.

Each stage is a composite PTransform returning ``{MAIN: ..., FAILURES: ...}``
(plus stage-specific extra outputs). DoFns count every outcome in Beam metrics
under the namespace ``claimwire`` as ``<stage>.in``, ``<stage>.out`` and
``<stage>.failed``, which the run report turns into the ``runs`` dataset.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.core.records import Failure

MAIN = "main"
FAILURES = "failures"
METRICS_NAMESPACE = "claimwire"


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
