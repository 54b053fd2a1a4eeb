"""The ``claimwire`` command line: replay, fetch, query (and more as they land).

Unknown ``--flags`` are Beam pipeline options and pass through unchanged
(``--runner``, ``--direct_num_workers``, ``--direct_running_mode``, Dataflow and
Flink flags). Exit status: 0 when the run completed, whatever failed record by
record (see the ``failures`` dataset); 2 with a one-line reason otherwise.
"""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence

from transforms.core.config import ConfigError


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", default="output", help="folder of the datasets (default: output/)")
    p.add_argument("--config", default=None, help="TOML file overlaying configs/defaults.toml")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override one config key (repeatable)")
    p.add_argument("--state", default=None, help="state kept between runs (default: OUTPUT/.state)")
    p.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.add_argument("--quiet", action="store_true", help="no summary at the end")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="claimwire", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    rp = sub.add_parser("replay", help="replay local files and folders (.txt .html[.gz] .jsonl .warc[.gz])")
    rp.add_argument("paths", nargs="+", metavar="PATH")
    _common(rp)
    fp = sub.add_parser("fetch", help="fetch RSS/Atom feeds and their new article pages (archived as WARC)")
    fp.add_argument("--feed", action="append", default=[], metavar="URL", help="a feed URL (repeatable)")
    fp.add_argument("--feeds", default=None, metavar="FILE", help="a file with one feed URL per line")
    fp.add_argument("--delay", type=float, default=None, help="least seconds between two requests to a host (1)")
    fp.add_argument("--timeout", type=float, default=None, help="cap on one request's wall-clock seconds (30)")
    fp.add_argument("--allow-private-network", action="store_true",
                    help="allow loopback/private addresses (tests on 127.0.0.1)")
    fp.add_argument("--refetch", action="store_true", help="fetch pages again even if published before")
    _common(fp)
    qp = sub.add_parser("query", help="DuckDB SQL over views named after the datasets")
    qp.add_argument("sql")
    qp.add_argument("--output", default="output")
    qp.add_argument("--format", default="table", choices=["table", "csv", "json"])
    sp = sub.add_parser("summary", help="counts, languages, stories and the most repeated claims")
    sp.add_argument("--output", default="output")
    rep = sub.add_parser("report", help="write OUTPUT/report.html: one self-contained page of charts and tables")
    rep.add_argument("--output", default="output")
    cp = sub.add_parser("compact", help="merge the small files of past runs within each partition")
    cp.add_argument("--output", default="output")
    cp.add_argument("--state", default=None, help="state holding the run lock (default: OUTPUT/.state)")
    cp.add_argument("--dataset", dest="datasets", action="append", default=None,
                    help="compact only this dataset (repeatable; default: all)")
    cp.add_argument("--retention-hours", type=float, default=168.0,
                    help="keep files that older versions need for this long, for time travel (default: 168)")
    return ap


class _DropBeamImportNoise(logging.Filter):
    """Beam's GCP modules warn at import that BigQuery clients are missing; claimwire uses none."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("apitools not found")


def _logging(level: str) -> None:
    # apache_beam installs a root handler on import: force ours.
    logging.basicConfig(level=getattr(logging, level), force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(_DropBeamImportNoise())


def result_line(row: dict, output: str) -> str:
    """The run's one line: what it added, and plainly when it added nothing."""
    what = f"run {row['run_id']} (attempt {row['attempt']})"
    if not (row["articles_added"] or row["claims_added"] or row["stories_changed"] or row["failures_added"]):
        return f"{what} added nothing to {output} (articles_added 0): these inputs were committed before"
    return (f"{what} committed to {output}: articles_added {row['articles_added']}, "
            f"claims_added {row['claims_added']}, stories_changed {row['stories_changed']}, "
            f"failures_added {row['failures_added']}")


def main(argv: Sequence[str] | None = None) -> int:
    args, beam_args = parser().parse_known_args(list(sys.argv[1:] if argv is None else argv))
    _logging(getattr(args, "log_level", "WARNING"))
    try:
        if args.command == "query":
            from pipelines.query import run_query
            print(run_query(args.output, args.sql, args.format))
            return 0
        if args.command == "summary":
            from pipelines.query import summary
            print(summary(args.output))
            return 0
        if args.command == "report":
            from pipelines.report import write_report
            print(write_report(args.output))
            return 0
        if args.command == "compact":
            from pipelines.compact import main as compact_main
            done = compact_main(args.output, args.state, args.datasets, args.retention_hours)
            if not done.changed:
                print("nothing to compact")
            for name, (before, after) in sorted(done.merged.items()):
                print(f"{name}: {before} files -> {after}")
            if done.removed:
                print(f"removed {done.removed} file(s) no committed version needs")
            return 0
        bad = [a for a in beam_args if not a.startswith("--")]
        if bad:
            raise ConfigError(f"unexpected argument {bad[0]!r}")
        if args.command == "replay":
            from pipelines.replay import replay
            result = replay(args, beam_args)
        elif args.command == "fetch":
            from pipelines.fetch import fetch
            result = fetch(args, beam_args)
        else:  # pragma: no cover - argparse rejects unknown commands
            raise ConfigError(f"unknown command {args.command}")
        print(result_line(result.runs_row, result.output))
        if not args.quiet:
            from pipelines.query import summary
            print()
            print(summary(result.output))
        return 0
    except ConfigError as exc:
        print(f"claimwire: configuration error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from pipelines.runner import RunError
        from transforms.core.sink import SinkError
        if isinstance(exc, (RunError, SinkError)):
            print(f"claimwire: {exc}", file=sys.stderr)
            return 2
        if isinstance(exc, OSError):
            print(f"claimwire: {exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}".rstrip(": "),
                  file=sys.stderr)
            return 2
        raise
