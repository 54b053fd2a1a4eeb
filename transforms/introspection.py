"""Work out the arguments of a function once, not at every turn of Beam's machinery.

Beam's Python SDK (2.77) reads the parameters of a DoFn's methods with ``inspect.signature``
(``apache_beam.transforms.core.get_function_args_defaults``) again each time it looks at the DoFn:
when a ParDo is built, when the graph is translated (``to_runner_api``), and when a worker builds
the operations of a stage, and each look goes over every method the DoFn has
(``userstate.get_dofn_specs``: ``dir(dofn)``, some 25 methods). For claimwire's 263 ParDos that is
some 60,000 signatures per run: 1.65 s of an 8.8 s replay of the seeds, whatever the input size
(Beam PR #9925 memoized the same function in 2019 and was never merged).

A function's parameters do not change, so ``memoize_function_arguments`` wraps Beam's function with a
cache keyed by the function object (weakly: a lambda that goes away takes its entry with it), and
for a bound method by its function and boundness (``self`` is never among the arguments Beam reads,
so every instance of a class has the same ones). Each call returns new lists, as the original does.
A callable that cannot be a weak key (a method of an unhashable object, such as a list's
``append``) is read every time, as before.

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


def memoize_function_arguments() -> bool:
    """Install ``memoized`` over Beam's ``get_function_args_defaults``; False when this Beam has none
    (then nothing is changed)."""
    try:
        from apache_beam.transforms import core
    except ImportError:   # pragma: no cover - every supported Beam has it
        return False
    read = getattr(core, "get_function_args_defaults", None)
    if read is None:
        return False
    if not getattr(read, _MARK, False):
        core.get_function_args_defaults = memoized(read)
    return True
