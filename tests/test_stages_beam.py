"""TestPipeline tests of the thin Beam stages: both outputs asserted, counters checked."""
import json
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.common import FAILURES, MAIN, METRICS_NAMESPACE
from transforms.core.records import Article
from transforms.core.language import LanguageSettings
from transforms.core.sources import ReadLimits
from transforms.language import DetectLanguage
from transforms.read import ReadSources
from transforms.sink import WriteDatasets

OPTS = ["--runner=FnApiRunner"]


def _counters(result) -> dict:
    q = result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))
    out = {}
    for c in q["counters"]:
        out[c.key.metric.name] = out.get(c.key.metric.name, 0) + c.committed
    return out


def test_read_sources_both_outputs(tmp_path, seeds_dir):
    (tmp_path / "bad.jsonl").write_text('{"url": "u", "text": "fine text"}\n{oops\n')
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "x.doc").write_text("?")
    p = TestPipeline(options=beam.options.pipeline_options.PipelineOptions(OPTS))
    out = p | ReadSources([str(seeds_dir), str(tmp_path)], ReadLimits())
    assert_that(out[MAIN] | beam.Map(lambda d: Path(d.input.split(":")[0]).name),
                equal_to(sorted(f.name for f in seeds_dir.iterdir()) + ["bad.jsonl"]), label="docs")
    assert_that(out[FAILURES] | beam.Map(lambda f: (Path(f.input).name, f.reason)),
                equal_to([("bad.jsonl:2", "bad_json"), ("empty.txt", "empty"), ("x.doc", "unsupported_format")]),
                label="failures")
    result = p.run()
    result.wait_until_finish()
    c = _counters(result)
    assert c["read.in"] == 9 and c["read.out"] == 6 and c["read.failed"] == 3
    assert c["read.units"] == 7   # files read; the eighth input failed at discovery


def test_detect_language_stage():
    arts = [Article("a1", "i", "u", "s", "Título", "El presidente pidió ayuda militar a Rusia, China e Irán."),
            Article("a2", "i", "u", "s", "", "ok", lang="../../etc"),
            Article("a3", "i", "u", "s", "", "short", lang="vi")]
    with TestPipeline(options=beam.options.pipeline_options.PipelineOptions(OPTS)) as p:
        out = p | beam.Create(arts) | DetectLanguage(LanguageSettings())
        assert_that(out[MAIN] | beam.Map(lambda a: (a.article_id, a.lang)),
                    equal_to([("a1", "es"), ("a2", "und"), ("a3", "vi")]), label="langs")
        assert_that(out[FAILURES], equal_to([]), label="no failures")


def test_write_datasets_is_independent_of_bundling(tmp_path):
    rows = [{"run_id": "r", "stage": "read", "reason": "bad_json", "input": f"f:{i}", "detail": ""}
            for i in range(50)]
    outs = []
    for n, reshuffle in enumerate((False, True)):
        staging = tmp_path / f"s{n}"
        with TestPipeline(options=beam.options.pipeline_options.PipelineOptions(OPTS)) as p:
            pc = p | beam.Create(rows, reshuffle=reshuffle)
            written = {"failures": pc} | WriteDatasets(str(staging), "r")
            assert_that(written | beam.Map(lambda w: (w[0], w[1])),
                        equal_to([("failures", "stage=read/part-r-0000.parquet")]), label="written")
        outs.append((staging / "failures" / "stage=read" / "part-r-0000.parquet").read_bytes())
    assert outs[0] == outs[1]
    assert pq.read_table(tmp_path / "s0" / "failures" / "stage=read" / "part-r-0000.parquet").num_rows == 50
