"""``claimwire replay``: local files, folders and WARC archives, never the network."""
from __future__ import annotations

import argparse
from typing import Sequence

from pipelines.delta import normalise_output
from pipelines.runner import RunResult, execute, replay_run_id
from pipelines.settings import settings_from_config
from pipelines.state_store import open_state
from transforms.core.config import load_config
from transforms.read import ReadSources


def replay(args: argparse.Namespace, beam_args: Sequence[str]) -> RunResult:
    config = load_config(args.config, args.sets)
    output = normalise_output(args.output)
    from pipelines.delta import check_output
    check_output(output)
    with open_state(args.state, output) as state:
        # Built under the lock: the settings carry the dedup and story index of earlier runs.
        settings = settings_from_config(config, state_dir=str(state))
        sources = ReadSources(args.paths, settings.limits)
        run_id = replay_run_id(config.hash, [f.path for f in sources.files], "replay")
        return execute(settings, sources, output=output, run_id=run_id, command="replay",
                       beam_args=beam_args)
