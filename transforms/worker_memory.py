"""Let an SDK worker free a stage's output buffer and its side inputs when the stage's bundle ends.

Beam's Python SDK worker (2.77; local runners and Dataflow's runner v2 alike) encodes each
bundle's output into a stream held by the bundle's ``DataOutputOperation``. The stream's buffer
grows to the bundle's output (up to the 10 MB flush threshold) and is not freed when the bundle
ends: the operation keeps its closed stream until its next bundle, and the worker keeps every
stage's bundle processor, operations included, until it has been idle for 60 s. In a run that is
shorter than that, every stage's largest output buffer stays allocated to the end.

Run 12 of the bench's history corpus (``python -m pipelines replay``, one worker) held ~290 MB of
such buffers at its peak (memray's high-water mark: 93 allocations under
``DataOutputOperation.process``). Dropping the closed stream when the bundle ends: that run's
peak RSS 882 -> 715 MB, the same batch into an empty output 695 -> 527 MB, same rows.

``release_output_buffers`` wraps ``DataOutputOperation.finish`` to drop the reference after the
stream is closed (what it has sent is not touched; the next bundle is given a new stream). It is
installed when ``transforms.common`` is imported, which every process that runs a claimwire stage
does when it unpickles the stage's DoFn, workers included. Idempotent.

Side inputs, the same way. A DoFn with side inputs runs under Beam's ``PerWindowInvoker``, which
fills the side inputs' values into its argument list at its first element and keeps that list (the
values, and the last element put into it) for every later element and bundle. ``DoOperation.reset``
empties the side inputs' own caches when a bundle ends, but not that list, so each finished stage's
side inputs stay allocated as long as its bundle processor: to the end of a short run. In run 12 of
the bench's history corpus, while its claims stage ran, they held the stories stage's document
frequencies (``transforms.stories._Frequencies``: six side-input values, 7.5 MB of pickled bytes,
and ~14 MB decoded, against 1.3 and ~4 MB for the same batch into an empty output) and three lists
of ~40,000 integers (4 MB). ``release_side_inputs`` turns on
Beam's own ``disable_global_windowed_args_caching`` experiment in the process: the invoker then
looks its side inputs up for each element (a dict hit in the side input's cache, which
``DoOperation.reset`` empties at the bundle's end). The invoker is compiled (Cython), so the switch
is the one way in; a local runner's in-process worker never reads the experiment from the options
(``FnApiRunner`` sets empty runtime options as each run starts), so ``set_runtime_options`` is
wrapped to turn it on again. Pymalloc's live blocks during the claims stage of that run: 197 ->
144 MB; its peak RSS 599-618 -> 544-555 MB, the same batch into an empty output 499-502 -> 486-487
MB, in the same time (scratch pairs, one worker), and every table the same row for row. The cost is
Beam's behaviour before it cached: a stage split into many bundles (a cluster runner's) decodes each
side input once per bundle instead of once per worker; the local runners give a stage one bundle per worker.
"""
from __future__ import annotations

from typing import Any, Callable

_MARK = "_claimwire_releases_stream"


def releasing(finish: Callable[[Any], None]) -> Callable[[Any], None]:
    """``finish`` followed by dropping the operation's (closed) output stream."""

    def finish_and_release(self: Any) -> None:
        try:
            finish(self)
        finally:
            self.output_stream = None

    setattr(finish_and_release, _MARK, True)
    finish_and_release.__wrapped__ = finish  # type: ignore[attr-defined]
    return finish_and_release


def release_output_buffers() -> bool:
    """Install ``releasing`` on Beam's ``DataOutputOperation``; False when this Beam has no such
    operation (then nothing is changed)."""
    try:
        from apache_beam.runners.worker import bundle_processor
    except ImportError:   # pragma: no cover - every supported Beam has it
        return False
    op = getattr(bundle_processor, "DataOutputOperation", None)
    finish = getattr(op, "finish", None)
    if op is None or finish is None:
        return False
    if not getattr(finish, _MARK, False):
        op.finish = releasing(finish)
    return True


# Beam's switch (2.5x to 2.77) that makes ``PerWindowInvoker`` look its side inputs up per element.
NO_ARGS_CACHE = "disable_global_windowed_args_caching"


def keeping_switch(set_options: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """``RuntimeValueProvider.set_runtime_options`` (its function) followed by switching the side
    inputs' argument cache off again: a local runner sets empty options as each run starts."""

    def set_runtime_options(cls: Any, pipeline_options: Any) -> None:
        set_options(cls, pipeline_options)
        _switch_on()

    setattr(set_runtime_options, _MARK, True)
    set_runtime_options.__wrapped__ = set_options  # type: ignore[attr-defined]
    return set_runtime_options


def _switch_on() -> None:
    from apache_beam.options.value_provider import RuntimeValueProvider
    if NO_ARGS_CACHE not in RuntimeValueProvider.experiments:
        RuntimeValueProvider.experiments = set(RuntimeValueProvider.experiments) | {NO_ARGS_CACHE}


def release_side_inputs() -> bool:
    """Switch the side inputs' argument cache off in this process, now and whenever a runner sets
    its runtime options again; False when this Beam has no such options (then nothing is changed)."""
    try:
        from apache_beam.options.value_provider import RuntimeValueProvider
    except ImportError:   # pragma: no cover - every supported Beam has it
        return False
    set_options = RuntimeValueProvider.__dict__.get("set_runtime_options")
    if not isinstance(set_options, classmethod) or not isinstance(getattr(RuntimeValueProvider, "experiments", None), set):
        return False
    if not getattr(set_options.__func__, _MARK, False):
        RuntimeValueProvider.set_runtime_options = classmethod(keeping_switch(set_options.__func__))
    _switch_on()
    return True
