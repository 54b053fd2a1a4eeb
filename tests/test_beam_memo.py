"""What Beam works out once (transforms.beam_memo): a function's arguments, the same answers as Beam's
own reading for every kind of callable a pipeline hands it, read once per function; a view of the
pipeline options, the same object for the same options and class, seeing every value set through
any view as Beam's views do."""
from __future__ import annotations

import functools
import gc

import apache_beam as beam
from apache_beam.options.pipeline_options import (DebugOptions, PipelineOptions, S3Options, StandardOptions,
                                                  TypeOptions)
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms import core

import transforms.common  # noqa: F401  (installs the cache, as every stage's worker does)
from transforms.beam_memo import memoize_beam, memoized, views_kept

READ = core.get_function_args_defaults.__wrapped__
VIEW_AS = PipelineOptions.view_as.__wrapped__


class _Fn(beam.DoFn):
    def process(self, element, side=beam.DoFn.SideInputParam, timestamp=beam.DoFn.TimestampParam):
        yield element

    @classmethod
    def make(cls, a, b=2):
        return cls()

    @staticmethod
    def helper(x, y=3):
        return x + y


class _Callable:
    def __call__(self, a, b=1):
        return a + b


def _plain(a, b, c=5):
    return a


def _callables():
    fn = _Fn()
    return {
        "function": _plain,
        "lambda": lambda x, k=7: x,
        "bound method": fn.process,
        "method of another instance": _Fn().process,
        "unbound method": _Fn.process,
        "classmethod": _Fn.make,
        "staticmethod": _Fn.helper,
        "callable instance": _Callable(),
        "partial": functools.partial(_plain, 1),
        "builtin": len,
        "bound builtin": [].append,
    }


def test_the_cache_answers_as_beam_does_for_every_kind_of_callable():
    cached = memoized(READ)
    for name, f in _callables().items():
        want = READ(f)
        assert cached(f) == want, name
        assert cached(f) == want, name          # and again, from the cache


def test_each_function_is_read_once_and_each_answer_is_a_new_list():
    reads = []

    def counting(f):
        reads.append(f)
        return READ(f)

    cached = memoized(counting)
    a, b = _Fn(), _Fn()
    first = cached(a.process)
    first[0].clear()                             # a caller's change never reaches the next caller
    assert cached(b.process) == READ(b.process) and cached(a.process)[0] == READ(a.process)[0]
    assert len(reads) == 1                       # one read for every instance of the class
    cached(_Fn.process)                          # the unbound function: its own entry (self is an argument)
    assert cached(_Fn.process) == READ(_Fn.process) and len(reads) == 2
    cached(len)
    cached(len)
    assert len(reads) == 3
    cached([].append)
    cached([].append)
    assert len(reads) == 5                       # a list's method cannot be a key (unhashable): read every time


def _fresh_function():
    return lambda x, y=1: x                      # a new function object at every call


def test_a_function_that_goes_away_takes_its_entry_with_it():
    cached = memoized(READ)
    f = _fresh_function()
    cached(f)
    assert len(cached.cache) == 1
    del f
    gc.collect()
    assert len(cached.cache) == 0


def test_a_kept_view_is_beams_view_and_sees_what_every_view_sets():
    flags = ["--runner=FnApiRunner", "--experiments=a", "--no_pipeline_type_check", "--s3_region_name=x"]
    kept_view_as = views_kept(VIEW_AS)
    options = PipelineOptions(flags)
    for cls in (StandardOptions, TypeOptions, DebugOptions, S3Options):
        view, beams = kept_view_as(options, cls), VIEW_AS(PipelineOptions(flags), cls)
        assert type(view) is cls and kept_view_as(options, cls) is view
        assert view.get_all_options() == beams.get_all_options()
    kept_view_as(options, StandardOptions).runner = "DirectRunner"
    kept_view_as(options, DebugOptions).experiments.append("b")
    assert VIEW_AS(options, StandardOptions).runner == "DirectRunner"          # a fresh view of Beam's
    assert options.get_all_options()["experiments"] == ["a", "b"]
    assert kept_view_as(PipelineOptions(flags), StandardOptions).runner == "FnApiRunner"   # other options
    gone = PipelineOptions(flags)
    kept_view_as(gone, TypeOptions)
    before = len(kept_view_as.views)
    del gone
    gc.collect()
    assert len(kept_view_as.views) == before - 1


def test_installed_once_and_a_pipeline_runs_with_it():
    installed, view_as = core.get_function_args_defaults, PipelineOptions.view_as
    assert memoize_beam() and core.get_function_args_defaults is installed and PipelineOptions.view_as is view_as
    assert installed.__wrapped__ is READ and view_as.__wrapped__ is VIEW_AS
    with TestPipeline() as p:
        side = p | "Side" >> beam.Create([10])
        out = (p | beam.Create([1, 2, 3])
               | beam.Map(lambda x, s: x + s, beam.pvalue.AsSingleton(side))
               | beam.ParDo(_Fn(), beam.pvalue.AsSingleton(side)))
        assert_that(out, equal_to([11, 12, 13]))
