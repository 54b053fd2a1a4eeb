"""Let an SDK worker free a stage's output buffer when the stage's bundle ends.

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
