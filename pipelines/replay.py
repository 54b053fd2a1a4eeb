"""``claimwire replay``: files, folders, globs and WARC archives, local or on S3/GCS; never the web.

A replay of more than ``run.pass_documents`` documents runs in passes (``plan_passes``): each
pass is a run of its own over some of the files, committed before the next one starts, so the
local runners hold one pass in memory rather than the whole replay, and a replay stopped halfway
keeps what it committed (run it again: the committed passes add nothing).
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from pipelines.delta import normalise_output
from pipelines.runner import RunError, RunResult, execute, pipeline_options, replay_run_id, type_check
from pipelines.settings import count_setting, settings_from_config
from pipelines.state_store import open_state
from transforms.core.config import Config, load_config
from transforms.core.records import Reason
from transforms.core.sources import plan_passes
from transforms.read import InputError, ReadSources, document_estimates, input_fingerprint


def pass_documents(config: Config) -> int:
    return count_setting(config, "run.pass_documents", "one pass", "documents")


def replay(args: argparse.Namespace, beam_args: Sequence[str],
           on_pass: Callable[[int, int, RunResult], None] | None = None) -> list[RunResult]:
    """Every pass's result, in order; ``on_pass(i, n, result)`` is called as each pass commits."""
    config = load_config(args.config, args.sets)
    per_pass = pass_documents(config)
    output = normalise_output(args.output)
    from pipelines.delta import check_output
    check_output(output)
    with open_state(args.state, output) as state:
        settings = settings_from_config(config, state_dir=str(state))
        try:
            sources = ReadSources(args.paths, settings.limits,
                                  pipeline_options(beam_args, config.get("run.runner"), type_check(config)))
        except InputError as exc:
            raise RunError(str(exc)) from None
        for failure in sources.discovery_failures:
            if failure.reason == Reason.UNREADABLE.value:
                # Also a failures row; said here too, since a mistyped path is a user's mistake.
                print(f"claimwire: {failure.input}: {failure.detail} (not read; see failures)", file=sys.stderr)
        files = sources.files
        passes = plan_passes(files, document_estimates(files) if per_pass else [1] * len(files), per_pass)
        results: list[RunResult] = []
        run_day = None
        for i, part in enumerate(passes):
            # One pass: the run id of the whole input, as before passes existed. Each pass of many
            # is named by its own files, so running the replay again finds every committed pass.
            run_id = replay_run_id(config.hash, [f.path for f in part], "replay", input_fingerprint)
            try:
                result = execute(settings, sources.part(part, with_discovery_failures=i == 0), output=output,
                                 run_id=run_id, command="replay", beam_args=beam_args, run_day=run_day)
            except RunError as exc:
                if len(passes) == 1:
                    raise
                done = ("no pass is committed", "pass 1 is committed")[i] if i < 2 else f"passes 1-{i} are committed"
                raise RunError(f"pass {i + 1} of {len(passes)} did not complete ({done}; running the same "
                               f"replay again adds only what is missing): {exc}") from None
            run_day = result.run_day       # undated articles of every pass go to the first pass's day
            results.append(result)
            if on_pass is not None:
                on_pass(i, len(passes), result)
        return results
