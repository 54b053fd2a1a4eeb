"""ReadSources: local files and folders -> RawDocument records (+ failures)."""
from __future__ import annotations

from functools import partial
from typing import Sequence

import apache_beam as beam

from transforms.common import FAILURES, MAIN, Counters, apply_stage
from transforms.core.records import Stage
from transforms.core.sources import InputFile, ReadLimits, discover, read_input


def _read(limits: ReadLimits, item: InputFile):
    # A generator: a large JSON-lines or WARC file streams record by record.
    return read_input(item, limits)


class _CountDiscoveryFn(beam.DoFn):
    def setup(self) -> None:
        self._c = Counters(Stage.READ.value)

    def process(self, failure):
        self._c.inc("in")
        self._c.inc("failed")
        yield failure


class ReadSources(beam.PTransform):
    """Discover the inputs (in the driver) and read each file on the workers.

    A JSON-lines or WARC file yields many documents; a Reshuffle after reading
    spreads them over workers, since extraction is the expensive part.
    """

    def __init__(self, paths: Sequence[str], limits: ReadLimits):
        super().__init__()
        self._files, self._discovery_failures = discover(paths)
        self._limits = limits

    @property
    def files(self) -> list[InputFile]:
        return list(self._files)

    def expand(self, pbegin):
        files = pbegin | "ListInputs" >> beam.Create(self._files, reshuffle=False)
        read = apply_stage(files | "SpreadFiles" >> beam.Reshuffle(), "ReadFiles", Stage.READ.value,
                           partial(_read, self._limits), fan_out=True)
        discovery = (pbegin | "DiscoveryFailures" >> beam.Create(self._discovery_failures, reshuffle=False)
                     | "CountDiscovery" >> beam.ParDo(_CountDiscoveryFn()))
        failures = (read[FAILURES], discovery) | "AllReadFailures" >> beam.Flatten()
        return {MAIN: read[MAIN] | "SpreadDocuments" >> beam.Reshuffle(), FAILURES: failures}
