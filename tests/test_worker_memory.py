"""Memory an SDK worker holds: each stage's output buffer and side inputs freed when its bundle ends
(transforms.worker_memory), and no side-input cache in the local runner's in-process worker unless asked
(pipelines.runner)."""
from __future__ import annotations

import gc

import apache_beam as beam
import pytest
from apache_beam.runners.worker import bundle_processor

import transforms.common  # noqa: F401  (installs the release, as every stage's worker does)
from transforms.worker_memory import NO_ARGS_CACHE, release_output_buffers, release_side_inputs, releasing


def _open_streams_seen_by_a_later_stage(path) -> list[int]:
    """Run a pipeline in this process; a stage after a GroupByKey counts the output operations
    that still hold a stream (those of the stages that ran before it)."""
    def count(_, path=str(path)):
        held = sum(1 for o in gc.get_objects()
                   if isinstance(o, bundle_processor.DataOutputOperation) and o.output_stream is not None)
        with open(path, "a") as fh:
            fh.write(f"{held}\n")

    with beam.Pipeline(runner="FnApiRunner") as p:
        _ = (p | beam.Create(range(2000)) | beam.Map(lambda i: (i % 7, "x" * 500)) | beam.GroupByKey()
             | beam.Map(lambda kv: len(kv[1])) | beam.combiners.Count.Globally() | beam.Map(count))
    return [int(x) for x in path.read_text().split()]


def test_earlier_stages_hold_no_output_stream_once_their_bundles_end(tmp_path):
    assert _open_streams_seen_by_a_later_stage(tmp_path / "with.txt") == [0]


def test_without_the_release_the_earlier_stages_keep_their_streams(tmp_path, monkeypatch):
    """The check above can fail: Beam's own finish leaves the closed streams held."""
    monkeypatch.setattr(bundle_processor.DataOutputOperation, "finish",
                        bundle_processor.DataOutputOperation.finish.__wrapped__)
    assert _open_streams_seen_by_a_later_stage(tmp_path / "without.txt")[0] > 0


def test_the_release_runs_after_finish_even_when_it_raises_and_installs_once():
    class Op:
        output_stream = "stream"

    closed = []
    finish = releasing(lambda self: closed.append(self.output_stream))
    op = Op()
    finish(op)
    assert closed == ["stream"] and op.output_stream is None

    def broken(self):
        raise OSError("channel gone")

    op = Op()
    with pytest.raises(OSError):
        releasing(broken)(op)
    assert op.output_stream is None
    installed = bundle_processor.DataOutputOperation.finish
    assert release_output_buffers() and bundle_processor.DataOutputOperation.finish is installed


class SideValue:
    """A side input's value, counted in the worker's memory by a later stage."""

    def __init__(self, payload: str):
        self.payload = payload


def _side_values_seen_by_a_later_stage(path, monkeypatch) -> list[int]:
    """Run a pipeline in this process, with the options a claimwire run builds, whose first stage reads
    a side input; a stage after a GroupByKey counts the side input's values still held."""
    from apache_beam.runners.portability.fn_api_runner import worker_handlers

    from pipelines.runner import pipeline_options
    monkeypatch.setattr(worker_handlers, "STATE_CACHE_SIZE_MB", worker_handlers.STATE_CACHE_SIZE_MB)
    def count(_, path=str(path)):
        gc.collect()
        held = sum(1 for o in gc.get_objects() if isinstance(o, SideValue))
        with open(path, "a") as fh:
            fh.write(f"{held}\n")

    with beam.Pipeline(options=pipeline_options([], "FnApiRunner")) as p:
        side = p | "Side" >> beam.Create(["x" * 1000]) | "Value" >> beam.Map(SideValue)
        _ = (p | beam.Create(range(200))
             | beam.Map(lambda i, value: (i % 7, len(value.payload)), beam.pvalue.AsSingleton(side))
             | beam.GroupByKey() | beam.Map(lambda kv: len(kv[1])) | beam.combiners.Count.Globally() | beam.Map(count))
    return [int(x) for x in path.read_text().split()]


def test_a_finished_stage_holds_none_of_its_side_inputs(tmp_path, monkeypatch):
    assert _side_values_seen_by_a_later_stage(tmp_path / "with.txt", monkeypatch) == [0]


def test_without_the_switch_a_finished_stage_keeps_its_side_inputs(tmp_path, monkeypatch):
    """The check above can fail: Beam's invoker keeps the values it filled into its arguments."""
    from apache_beam.options.value_provider import RuntimeValueProvider
    monkeypatch.setattr(RuntimeValueProvider, "set_runtime_options",
                        classmethod(RuntimeValueProvider.set_runtime_options.__func__.__wrapped__))
    monkeypatch.setattr(RuntimeValueProvider, "experiments", set())
    assert _side_values_seen_by_a_later_stage(tmp_path / "without.txt", monkeypatch)[0] > 0


def test_the_switch_survives_a_runner_setting_its_options_and_installs_once(monkeypatch):
    from apache_beam.options.value_provider import RuntimeValueProvider
    monkeypatch.setattr(RuntimeValueProvider, "runtime_options", RuntimeValueProvider.runtime_options)
    monkeypatch.setattr(RuntimeValueProvider, "experiments", RuntimeValueProvider.experiments)
    installed = RuntimeValueProvider.__dict__["set_runtime_options"]
    RuntimeValueProvider.set_runtime_options({"experiments": ["beam_fn_api"]})
    assert RuntimeValueProvider.experiments == {"beam_fn_api", NO_ARGS_CACHE}
    assert release_side_inputs() and RuntimeValueProvider.__dict__["set_runtime_options"] is installed
    RuntimeValueProvider.set_runtime_options({})
    assert RuntimeValueProvider.experiments == {NO_ARGS_CACHE}


def _side_inputs_sized(beam_args: list[str], monkeypatch) -> int:
    """Run a pipeline with a side input on the in-process runner, with the options a claimwire run
    builds from ``beam_args``; how many values the worker's state cache sized (it sizes what it keeps)."""
    from apache_beam.runners.portability.fn_api_runner import worker_handlers
    from apache_beam.runners.worker import statecache

    from pipelines.runner import pipeline_options

    sized = []
    real = statecache.get_deep_size
    monkeypatch.setattr(statecache, "get_deep_size", lambda *objs: sized.append(1) or real(*objs))
    monkeypatch.setattr(worker_handlers, "STATE_CACHE_SIZE_MB", worker_handlers.STATE_CACHE_SIZE_MB)
    with beam.Pipeline(options=pipeline_options(beam_args, "FnApiRunner")) as p:
        side = p | "Side" >> beam.Create(range(500))
        _ = p | beam.Create(range(50)) | beam.Map(lambda i, xs: i + len(xs), beam.pvalue.AsList(side))
    return len(sized)


def test_the_local_worker_keeps_no_side_inputs_unless_asked(monkeypatch):
    assert _side_inputs_sized([], monkeypatch) == 0


def test_the_local_worker_caches_side_inputs_when_the_option_asks(monkeypatch):
    """The check above can fail: with a cache size given, the worker keeps (and sizes) the side input."""
    assert _side_inputs_sized(["--max_cache_memory_usage_mb=10"], monkeypatch) > 0


def test_a_cluster_runner_leaves_the_local_workers_cache_alone(monkeypatch):
    from apache_beam.runners.portability.fn_api_runner import worker_handlers

    from pipelines.runner import pipeline_options
    monkeypatch.setattr(worker_handlers, "STATE_CACHE_SIZE_MB", 100)
    pipeline_options(["--runner=DataflowRunner"], "FnApiRunner")
    assert worker_handlers.STATE_CACHE_SIZE_MB == 100
