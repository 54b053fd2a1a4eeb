"""The ``claimwire`` command line: replay, fetch, query, summary, report and compact.

Unknown ``--flags`` are Beam pipeline options and pass through unchanged
(``--runner``, ``--direct_num_workers``, ``--direct_running_mode``, Dataflow and
Flink flags); they are checked before the graph is built. Exit status: 0 when
the run completed, whatever failed record by record (see the ``failures``
dataset); 2 with one line on stderr for a user's mistake or a run that could not
complete.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import NoReturn, Sequence

from transforms.core.config import ConfigError

COMMANDS = "replay, fetch, query, summary, report, compact"

_BEAM_EPILOG = """\
Any other --flag is a Beam pipeline option and passes through to Beam unchanged;
unknown options and runners are refused before anything runs. Examples:
  --runner=FnApiRunner                          in-process (the default, from configs/defaults.toml)
  --direct_running_mode=multi_processing --direct_num_workers=2
                                                local, one process per core
  --runner=PortableRunner --job_endpoint=localhost:8099 --environment_type=LOOPBACK
                                                a Flink or Spark job server
"""


class UserError(ConfigError):
    """A mistake in what the user asked for: one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the usage is one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", default="output", metavar="DIR",
                   help="folder of the datasets, created if missing (default: output/)")
    p.add_argument("--config", default=None, metavar="FILE", help="TOML file overlaying configs/defaults.toml")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override one config key, e.g. --set dedup.threshold=0.8 (repeatable)")
    p.add_argument("--state", default=None, metavar="DIR",
                   help="state kept between runs: run lock, dedup and story index, fetch history "
                        "(default: OUTPUT/.state; s3:// and gs:// URLs too)")
    p.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                   help="log detail on stderr (default: WARNING)")
    p.add_argument("--quiet", action="store_true", help="no summary at the end")


def _output_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", default="output", metavar="DIR",
                   help="folder a replay or fetch wrote (default: output/)")


def parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    ap = _Parser(prog="claimwire", formatter_class=raw,
                 description="News ingestion on Apache Beam: extract, detect language, fold duplicates, "
                             "cluster stories and extract claims with evidence.",
                 epilog="Run 'claimwire COMMAND --help' for the options of one command.")
    ap.add_argument("--version", action="store_true",
                    help="print the claimwire version and the versions of its key libraries")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", title="commands", parser_class=_Parser)
    rp = sub.add_parser("replay", formatter_class=raw, epilog=_BEAM_EPILOG,
                        help="replay files, folders and globs, local or s3:// gs:// (.txt .html[.gz] .jsonl[.gz] .warc[.gz])",
                        description="Replay files, folders (recursively) and globs, local or on object storage "
                                    "(s3://, gs://), into the datasets; never fetches a web page.")
    rp.add_argument("paths", nargs="+", metavar="PATH",
                    help="a file or folder, a glob, or a URL (s3://bucket/prefix/, gs://...) to read: *.txt, *.html/*.htm (optionally .gz), *.jsonl (optionally "
                         ".gz), *.warc/*.warc.gz; any other file found is a failures row (unsupported_format)")
    _common(rp)
    fp = sub.add_parser("fetch", formatter_class=raw, epilog=_BEAM_EPILOG,
                        help="fetch RSS/Atom/JSON feeds and their new article pages (archived as WARC)",
                        description="A live run: read feeds, fetch the article pages no earlier run "
                                    "published (robots.txt, per-host delay), archive every response as WARC "
                                    "under OUTPUT/warc/, then run the same stages as replay.")
    fp.add_argument("--feed", action="append", default=[], metavar="URL", help="a feed URL (repeatable)")
    fp.add_argument("--feeds", default=None, metavar="FILE", help="a file with one feed URL per line (# comments)")
    fp.add_argument("--delay", type=float, default=None, metavar="SECONDS",
                    help="least seconds between two requests to one host (default 1; Crawl-delay may raise it)")
    fp.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                    help="cap on one request's whole wall-clock time (default 30)")
    fp.add_argument("--allow-private-network", action="store_true",
                    help="allow loopback/private addresses (refused by default; for tests on 127.0.0.1)")
    fp.add_argument("--refetch", action="store_true", help="fetch pages again even if published before")
    _common(fp)
    qp = sub.add_parser("query", help="DuckDB SQL over views named after the datasets",
                        description="Run DuckDB SQL over views named after the datasets: articles, claims, "
                                    "stories, story_claims, failures, runs.")
    qp.add_argument("sql", metavar="SQL", help='the query, e.g. "SELECT lang, count(*) FROM articles GROUP BY lang"')
    _output_arg(qp)
    qp.add_argument("--format", default="table", choices=["table", "csv", "json"],
                    help="table (default), csv with a header, or json (one object per line)")
    sp = sub.add_parser("summary", help="counts, languages, stories and the most repeated claims",
                        description="Print what the output holds: rows per dataset, languages, the largest "
                                    "stories, the most repeated claims and failures by reason.")
    _output_arg(sp)
    rep = sub.add_parser("report", help="write OUTPUT/report.html: one self-contained page of charts and tables",
                         description="Write OUTPUT/report.html: runs, records per stage, languages, sources, "
                                     "failures, the largest stories and their claims; no network needed to view.")
    _output_arg(rep)
    cp = sub.add_parser("compact", help="merge the small files of past runs within each partition",
                        description="Fold the batch folders that many small runs leave into one, merging each "
                                    "partition's small files, under the run lock.")
    _output_arg(cp)
    cp.add_argument("--state", default=None, metavar="DIR", help="state holding the run lock (default: OUTPUT/.state)")
    cp.add_argument("--dataset", dest="datasets", action="append", default=None, metavar="NAME",
                    help="compact only this dataset (repeatable; default: all)")
    cp.add_argument("--retention-hours", type=float, default=168.0,
                    help="keep files that older versions need for this long, for time travel (default: 168)")
    return ap


def version_text() -> str:
    """claimwire's version and the libraries that decide what a run produces."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    def ver(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return "not installed"
    libs = ("apache-beam", "trafilatura", "pyarrow", "duckdb", "feedparser", "langdetect")
    return "\n".join([f"claimwire {ver('claimwire')}"] + [f"  {lib} {ver(lib)}" for lib in libs]
                     + [f"  python {platform.python_version()}"])



def writable_output(output: str) -> None:
    """A local ``--output`` of replay and fetch: a folder, or a path where one can be made.

    A URL (s3://, gs://) has no parent folders to check; pipelines.delta checks its store.
    """
    if "://" in output:
        return
    path = Path(output)
    for p in [path, *path.absolute().parents]:
        if p.exists():
            if not p.is_dir():
                raise UserError(f"--output {path} is a file, not a folder" if p == path
                                else f"--output {path}: {p} is a file, so the folder cannot be made")
            return


def check_inputs(paths: Sequence[str]) -> None:
    """When no PATH exists, nothing runs: one line, exit 2 (a typo in the only path is a mistake).

    One missing PATH among others stays a failures row and the run goes on; the replay
    says so on stderr as it lists the inputs. A URL (s3://, gs://, file://) is left to the
    read stage, which lists its store.
    """
    missing = [p for p in paths if "://" not in p and not os.path.lexists(p)]
    if missing and len(missing) == len(paths):
        raise UserError(f"no such input: {missing[0]}" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))


def check_beam_args(beam_args: Sequence[str], default_runner: str | None) -> None:
    """Unknown Beam options, bad values and unknown runners, refused before anything is built."""
    from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions, _BeamArgumentParser

    bad = [a for a in beam_args if not a.startswith("--")]
    if bad:
        raise UserError(f"unexpected argument {bad[0]!r}")

    class _Strict(_BeamArgumentParser):
        def error(self, message: str) -> NoReturn:
            raise UserError(f"Beam option: {message}")

    strict = _Strict(allow_abbrev=False, add_help=False)
    classes: dict[str, type] = {}
    stack = list(PipelineOptions.__subclasses__())
    while stack:
        cls = stack.pop()
        classes.setdefault(str(cls), cls)
        stack.extend(cls.__subclasses__())
    for cls in classes.values():
        try:
            cls._add_argparse_args(strict)  # noqa: SLF001 - Beam's own way to collect every option
        except argparse.ArgumentError:
            pass    # an option declared by two classes (Beam tolerates it the same way)
    known, unknown = strict.parse_known_args(list(beam_args))
    if unknown:
        flag = unknown[0].split("=", 1)[0]
        raise UserError(f"unknown option {flag} (not a claimwire option nor a Beam pipeline option)")
    runner = known.runner or default_runner
    if runner:
        names = {path.rsplit(".", 1)[-1].lower(): path for path in StandardOptions.ALL_KNOWN_RUNNERS}
        target = names.get(runner.lower(), names.get(runner.lower() + "runner", runner))
        if "." not in target:
            known_names = ", ".join(sorted(p.rsplit(".", 1)[-1] for p in StandardOptions.ALL_KNOWN_RUNNERS))
            raise UserError(f"--runner {runner}: unknown runner (known: {known_names})")
        module, name = target.rsplit(".", 1)
        try:
            import importlib
            getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            raise UserError(f"--runner {runner}: cannot be loaded here ({type(exc).__name__}: "
                            f"{str(exc).splitlines()[0] if str(exc) else name})") from None


class _DropBeamImportNoise(logging.Filter):
    """Beam's GCP modules warn at import that BigQuery clients are missing; claimwire uses none.
    A worker's unreadable index file is logged by Beam with its traceback; the run reports it in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = str(record.msg)
        return not msg.startswith("apitools not found") and "claimwire-index-unreadable" not in msg


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


# glibc's M_ARENA_MAX (malloc.h): mallopt's parameter number.
# glibc mallopt parameters, and the environment variables that set them in a new process.
_MALLOC_SETTINGS = (("MALLOC_ARENA_MAX", -8, 2),
                    ("MALLOC_MMAP_THRESHOLD_", -3, 1 << 20),
                    ("MALLOC_TRIM_THRESHOLD_", -1, 1 << 20))
_ARROW_POOL = "ARROW_DEFAULT_MEMORY_POOL"


def tame_malloc() -> None:
    """Keep glibc's malloc from holding memory the run has freed, here and in the processes it starts.

    - Arenas: glibc gives threads that allocate at once arenas of their own (up to 8 per core)
      and seldom returns their free pages. The local runners' controller and SDK workers run
      many gRPC threads, so their memory fragments: with 2 arenas a 4,000-document replay with
      2 workers peaked 13% lower (2,466 and 2,454 -> 2,165 and 2,060 MiB) for about 4% more time.
    - Large blocks: glibc raises its mmap threshold to the size of every large block freed (up
      to 32 MiB), so the runner's encoded buffers and Arrow tables of one stage land in the heap
      afterwards and their pages stay behind. A fixed 1 MiB threshold (and trim threshold) gives
      blocks from 1 MiB up back when freed: run 12 of the history corpus peaked at 1,140-1,143
      MiB instead of 1,273-1,328, the same batch into an empty output at 828-833 instead of 892,
      for about 1 s more of system time.

    - Arrow's buffers: pyarrow allocates through its bundled mimalloc, which keeps what it freed
      for reuse; the index reads (the window's members and claims) leave it holding pages. Arrow's
      ``system`` pool is this same malloc, thresholds and all: run 12 peaked at 1,033 MiB
      instead of 1,127, the same batch into an empty output at 747 instead of 771, in the same time.

    The runner's worker processes inherit the variables; this process takes them through
    ``mallopt`` (and ``pyarrow.set_memory_pool``). A value the user set is kept; elsewhere than
    glibc nothing changes.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):      # not glibc (musl has no mallopt)
        mallopt = None
    for name, param, value in _MALLOC_SETTINGS:
        if name in os.environ:
            continue
        os.environ[name] = str(value)
        if mallopt is not None:
            mallopt(param, value)
    if mallopt is not None and _ARROW_POOL not in os.environ:
        os.environ[_ARROW_POOL] = "system"
        import pyarrow as pa
        pa.set_memory_pool(pa.system_memory_pool())


def main(argv: Sequence[str] | None = None) -> int:
    tame_malloc()
    try:
        args, beam_args = parser().parse_known_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exit_:     # --help (0) or a usage error, already printed in one line
        return int(exit_.code or 0)
    if args.version:
        print(version_text())
        return 0
    if not args.command:
        print(f"claimwire: error: a command is needed: {COMMANDS} (see claimwire --help)", file=sys.stderr)
        return 2
    _logging(getattr(args, "log_level", "WARNING"))
    try:
        if args.command in ("query", "summary", "report", "compact") and beam_args:
            raise UserError(f"unrecognized argument {beam_args[0]!r} for {args.command}")
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
        writable_output(args.output)
        from transforms.core.config import load_config
        check_beam_args(beam_args, load_config(args.config, args.sets).get("run.runner"))
        if args.command == "replay":
            from pipelines.replay import replay
            check_inputs(args.paths)

            def said(i: int, n: int, r) -> None:
                print((f"pass {i + 1} of {n}: " if n > 1 else "") + result_line(r.runs_row, r.output), flush=True)
            result = replay(args, beam_args, on_pass=said)[-1]
        elif args.command == "fetch":
            from pipelines.fetch import fetch
            result = fetch(args, beam_args)
            print(result_line(result.runs_row, result.output))
        else:  # pragma: no cover - argparse rejects unknown commands
            raise UserError(f"unknown command {args.command}")
        if not args.quiet:
            from pipelines.query import summary
            print()
            print(summary(result.output))
        return 0
    except UserError as exc:
        print(f"claimwire: {exc}", file=sys.stderr)
        return 2
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
