"""ReadSources: local files and folders -> RawDocument records (+ failures)."""
from __future__ import annotations

from functools import partial
from typing import Sequence

import apache_beam as beam

from pathlib import Path

from transforms.common import FAILURES, MAIN, Counters, apply_stage, internal_failure
from transforms.core.records import Failure, Stage
from transforms.core.sources import InputFile, ReadLimits, discover, input_id, read_input


def _read(limits: ReadLimits, item: InputFile):
    # A generator: a large JSON-lines or WARC file streams record by record.
    return read_input(item, limits)


def discover_each(paths: Sequence[str]) -> tuple[list[InputFile], list[Failure]]:
    """``discover`` path by path: a path whose listing raises is one failure, the others are read."""
    files: dict[str, InputFile] = {}
    failures: list[Failure] = []
    for raw in paths:
        try:
            found, failed = discover([raw])
        except Exception as exc:  # dead letter, as for a record
            failures.append(internal_failure(Stage.READ.value, None, exc, where=input_id(str(Path(raw).absolute()))))
            continue
        files.update((f.path, f) for f in found)
        failures.extend(failed)
    return (sorted(files.values(), key=lambda f: f.path),
            sorted(set(failures), key=lambda f: (f.input, f.reason, f.detail)))


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
        self._files, self._discovery_failures = discover_each(paths)
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
