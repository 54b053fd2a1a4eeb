"""Two things Beam works out again at every turn, worked out once.

Beam's Python SDK (2.77) re-derives two fixed answers each time it asks for them, and a claimwire
graph (263 ParDos, 546 applied transforms) asks tens of thousands of times per run, whatever its
input size. A replay of the five seeds (``python -m pipelines replay seeds``) is almost all such
fixed cost: with both kept it took 7.91 s against 10.18 before (means of three interleaved pairs,
``/usr/bin/time``), with every table row for row the same.

* **A function's arguments.** ``apache_beam.transforms.core.get_function_args_defaults`` reads a
  function's parameters with ``inspect.signature`` each time Beam looks at a DoFn: when a ParDo is
  built, when the graph is translated (``to_runner_api``) and when a worker builds a stage's
  operations, and each look goes over every method the DoFn has (``userstate.get_dofn_specs``:
  ``dir(dofn)``, some 25 methods). That is some 60,000 signatures a run: 1.65 s of an 8.8 s seeds
  replay. (Beam PR #9925 memoized it in 2019 and was never merged.) A function's parameters do not
  change: ``memoized`` keeps them per function object, weakly (a lambda that goes away takes its
  entry with it), and for a bound method per function and boundness (``self`` is never among the
  arguments Beam reads, so every instance of a class has the same ones). Each call returns new
  lists, as the original does. A callable that cannot be a weak key (a method of an unhashable
  object, such as a list's ``append``) is read every time, as before.
* **A view of the pipeline options.** ``PipelineOptions.view_as(cls)`` builds an argument parser for
  ``cls`` and parses the run's flags again on every call, and ``Pipeline.apply`` calls it for every
  transform applied, twice (``TypeOptions``). A view holds nothing of its own: it is the flags parsed
  for ``cls`` over the options' shared ``_all_options``, where every view reads and writes its values.
  ``views_kept`` gives back the view it made for the same options object and class, so values set
  through any view are seen by all of them exactly as before.

Installed when ``transforms.common`` is imported, as ``worker_memory`` is: in the driver, where the
graph is built and translated, and in every process that runs a claimwire stage. Idempotent.
"""
from __future__ import annotations

import weakref
from typing import Any, Callable

_MARK = "_claimwire_memoized"

ArgsDefaults = tuple[list[str], list[Any]]


def memoized(read: Callable[[Any], ArgsDefaults]) -> Callable[[Any], ArgsDefaults]:
    """``read`` (Beam's ``get_function_args_defaults``) with its results kept per function."""
    cache: weakref.WeakKeyDictionary[Any, dict[bool, tuple[tuple[str, ...], tuple[Any, ...]]]] = \
        weakref.WeakKeyDictionary()

    def function_args_defaults(f: Any) -> ArgsDefaults:
        func = getattr(f, "__func__", None)
        bound = func is not None and getattr(f, "__self__", None) is not None
        key = func if bound else f
        try:
            held = cache.get(key)
        except TypeError:                  # cannot be a weak key: read it every time
            return read(f)
        got = None if held is None else held.get(bound)
        if got is None:
            args, defaults = read(f)
            got = (tuple(args), tuple(defaults))
            cache.setdefault(key, {})[bound] = got
        return list(got[0]), list(got[1])

    setattr(function_args_defaults, _MARK, True)
    function_args_defaults.__wrapped__ = read  # type: ignore[attr-defined]
    function_args_defaults.cache = cache  # type: ignore[attr-defined]
    return function_args_defaults


def views_kept(view_as: Callable[[Any, type], Any]) -> Callable[[Any, type], Any]:
    """``view_as`` (Beam's ``PipelineOptions.view_as``) giving back the view it made before for the
    same options object and class."""
    views: weakref.WeakKeyDictionary[Any, dict[type, Any]] = weakref.WeakKeyDictionary()

    def kept_view_as(self: Any, cls: type) -> Any:
        try:
            held = views.get(self)
        except TypeError:                  # cannot be a weak key: a new view every time
            return view_as(self, cls)
        if held is None:
            held = views.setdefault(self, {})
        view = held.get(cls)
        if view is None:
            view = held[cls] = view_as(self, cls)
        return view

    setattr(kept_view_as, _MARK, True)
    kept_view_as.__wrapped__ = view_as  # type: ignore[attr-defined]
    kept_view_as.views = views  # type: ignore[attr-defined]
    return kept_view_as


def memoize_beam() -> bool:
    """Install ``memoized`` over Beam's ``get_function_args_defaults`` and ``views_kept`` over
    ``PipelineOptions.view_as``; False when this Beam lacks either (then that one is left as it is)."""
    try:
        from apache_beam.options.pipeline_options import PipelineOptions
        from apache_beam.transforms import core
    except ImportError:   # pragma: no cover - every supported Beam has them
        return False
    read = getattr(core, "get_function_args_defaults", None)
    view_as = getattr(PipelineOptions, "view_as", None)
    if read is not None and not getattr(read, _MARK, False):
        core.get_function_args_defaults = memoized(read)
    if view_as is not None and not getattr(view_as, _MARK, False):
        PipelineOptions.view_as = views_kept(view_as)
    return read is not None and view_as is not None
