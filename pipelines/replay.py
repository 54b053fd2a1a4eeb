"""``claimwire replay``: files, folders, globs and WARC archives, local or on S3/GCS; never the web."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from pipelines.delta import normalise_output
from pipelines.runner import RunError, RunResult, execute, pipeline_options, replay_run_id
from pipelines.settings import settings_from_config
from pipelines.state_store import open_state
from transforms.core.config import load_config
from transforms.core.records import Reason
from transforms.read import InputError, ReadSources, input_fingerprint


def replay(args: argparse.Namespace, beam_args: Sequence[str]) -> RunResult:
    config = load_config(args.config, args.sets)
    output = normalise_output(args.output)
    from pipelines.delta import check_output
    check_output(output)
    with open_state(args.state, output) as state:
        # Built under the lock: the settings carry the dedup and story index of earlier runs.
        settings = settings_from_config(config, state_dir=str(state))
        try:
            sources = ReadSources(args.paths, settings.limits,
                                  pipeline_options(beam_args, config.get("run.runner")))
        except InputError as exc:
            raise RunError(str(exc)) from None
        for failure in sources.discovery_failures:
            if failure.reason == Reason.UNREADABLE.value:
                # Also a failures row; said here too, since a mistyped path is a user's mistake.
                print(f"claimwire: {failure.input}: {failure.detail} (not read; see failures)", file=sys.stderr)
        run_id = replay_run_id(config.hash, [f.path for f in sources.files], "replay", input_fingerprint)
        return execute(settings, sources, output=output, run_id=run_id, command="replay",
                       beam_args=beam_args)
