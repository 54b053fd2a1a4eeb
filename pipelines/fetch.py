"""``claimwire fetch``: feeds -> new article pages (archived as WARC) -> the same stages as replay."""
from __future__ import annotations

import argparse
import hashlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from pipelines.runner import RunError, RunResult, execute
from pipelines.settings import settings_from_config
from pipelines.state_store import open_state
from transforms.core.config import ConfigError, load_config
from transforms.core.fetch.config import FetchConfig


def feed_urls(args: argparse.Namespace) -> list[str]:
    urls = list(args.feed or [])
    if args.feeds:
        try:
            lines = Path(args.feeds).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"--feeds {args.feeds}: {exc.strerror or exc}") from None
        urls += [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    if not urls:
        raise ConfigError("fetch needs at least one --feed URL or a --feeds FILE")
    return sorted(dict.fromkeys(urls))


def fetch(args: argparse.Namespace, beam_args: Sequence[str]) -> RunResult:
    sets = list(args.sets)
    for key, value in (("delay", args.delay), ("timeout", args.timeout)):
        if value is not None:
            sets.append(f"fetch.{key}={float(value)}")
    if args.allow_private_network:
        sets.append("fetch.allow_private_network=true")
    if args.refetch:
        sets.append("fetch.refetch=true")
    config = load_config(args.config, sets)
    try:
        fetch_config = FetchConfig.from_mapping(config.section("fetch"))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    urls = feed_urls(args)
    from pipelines.delta import is_url, normalise_output
    output = normalise_output(args.output)
    if is_url(output):
        # fetch archives every response as WARC in a local folder beside the tables (for now).
        raise ConfigError(f"fetch writes its WARC archive locally: --output must be a local folder, not {output}")
    from transforms.fetch import FetchFeeds, commit_fetch_state
    started = datetime.now(timezone.utc)
    # A live run's inputs are whatever the web says now: the run id is unique per run.
    run_id = hashlib.blake2b(f"fetch\x00{config.hash}\x00{started.isoformat()}\x00{urls}".encode(),
                             digest_size=8).hexdigest()
    from pipelines.delta import check_output
    check_output(output)
    with open_state(args.state, output) as state:
        settings = settings_from_config(config, state_dir=str(state))
        warc_dir = Path(output) / "warc"
        warc_dir.mkdir(parents=True, exist_ok=True)
        sources = FetchFeeds(fetch_config, urls, str(state), str(warc_dir), run_id=run_id)
        result = execute(settings, sources, output=output, run_id=run_id, command="fetch", beam_args=beam_args)
        from pipelines.delta import read_dataset
        published = read_dataset(output, "articles", columns=["input", "url", "run_id"])
        urls_done: list[str] = []
        for row in published.to_pylist():
            if row["run_id"] == run_id:
                urls_done += [row["input"], row["url"]]
        try:
            commit_fetch_state(str(state), run_id, urls_done)
        except Exception as exc:
            raise RunError(f"published, but could not record fetch history in {state}: {exc}") from None
        return result
