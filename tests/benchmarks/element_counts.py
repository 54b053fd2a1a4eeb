"""How many elements each transform of one replay outputs (the FnApiRunner's ``element_count``),
with ``--seconds`` how long each fused stage ran, or with ``--bytes`` how many encoded bytes the
runner handed to workers as each stage input.

    .venv/bin/python -m tests.benchmarks.element_counts INPUT --output OUT [--seconds | --bytes | --rss]
        [--save counts.json] [--against other.json] [--top 40] [-- more replay options]

Beam's per-element cost (coders at stage boundaries, shuffles, DoFn calls) is paid per element, so
comparing two runs' counts shows where the work of one grows: for instance a batch replayed into an
output with history (``--output`` a copy of that output) against the same batch into an empty one.
With ``--against``, the transforms whose counts differ most come first. ``--seconds`` times each
bundle the runner executes and sums them per fused stage, named by the transforms in it (ids of
PCollections and numbers left out, so that two runs' stages match). ``--bytes`` sums, per stage
input (``FoldDuplicates/Buckets/Read``), the byte streams ``BundleManager._send_input_to_worker``
sends: the local runners hold such an input whole, in the controller and again in the worker that
receives it, so the largest ones set the peak memory of a run (README, Benchmark). ``--rss`` gives
this process's RSS as each fused stage starts, in run order: the stage after which it stays higher
is where a run's memory goes.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


_STAGE_PART = re.compile(r"ref_AppliedPTransform_([A-Za-z0-9_-]+?)_\d+|([A-Za-z][\w-]*(?:/[\w-]+)+)/(?:Read|Write)")


def stage_key(name: str) -> str:
    """A fused stage's name without the runner's ids: its transforms, sorted."""
    parts = {a or b for a, b in _STAGE_PART.findall(name)}
    return " + ".join(sorted(parts)) or name


def _run_patched(method: str, patch, argv: list[str], cls_name: str = "FnApiRunner") -> None:
    """Run ``claimwire`` with ``argv`` in this process, ``fn_runner.<cls_name>.<method>`` replaced by
    ``patch(real_method)`` for the run."""
    from apache_beam.runners.portability.fn_api_runner import fn_runner

    cls = getattr(fn_runner, cls_name)
    real = getattr(cls, method)
    setattr(cls, method, patch(real))
    try:
        from pipelines.cli import main
        rc = main(argv)
    finally:
        setattr(cls, method, real)
    if rc != 0:
        raise SystemExit(f"the run failed (exit {rc})")


def time_run(argv: list[str]) -> dict[str, float]:
    """Run ``claimwire`` with ``argv`` in this process; seconds per fused stage (bundles summed)."""
    seconds: dict[str, float] = {}

    def patch(real):
        def execute_bundle(self, context, bundle_context_manager, bundle_input):
            start = time.perf_counter()
            try:
                return real(self, context, bundle_context_manager, bundle_input)
            finally:
                key = stage_key(bundle_context_manager.stage.name)
                seconds[key] = seconds.get(key, 0.0) + time.perf_counter() - start
        return execute_bundle

    _run_patched("_execute_bundle", patch, argv)
    return seconds


def _rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def rss_run(argv: list[str]) -> dict[str, float]:
    """Run ``claimwire`` with ``argv`` in this process; its RSS (MiB) when each fused stage starts, in
    the order the runner runs them: where a run's memory rises, and stays (Linux only)."""
    starts: dict[str, float] = {}

    def patch(real):
        def execute_bundle(self, context, bundle_context_manager, bundle_input):
            starts.setdefault(stage_key(bundle_context_manager.stage.name), round(_rss_mib(), 1))
            return real(self, context, bundle_context_manager, bundle_input)
        return execute_bundle

    _run_patched("_execute_bundle", patch, argv)
    starts["(after the run)"] = round(_rss_mib(), 1)
    return starts


def bytes_run(argv: list[str]) -> dict[str, int]:
    """Run ``claimwire`` with ``argv`` in this process; encoded bytes handed to workers per stage input."""
    sent: dict[str, int] = {}

    def patch(real):
        def send_input_to_worker(self, process_bundle_id, read_transform_id, byte_streams):
            streams = list(byte_streams or [])
            sent[read_transform_id] = sent.get(read_transform_id, 0) + sum(len(b) for b in streams)
            return real(self, process_bundle_id, read_transform_id, streams)
        return send_input_to_worker

    _run_patched("_send_input_to_worker", patch, argv, "BundleManager")
    return sent


def count_run(argv: list[str]) -> dict[str, int]:
    """Run ``claimwire`` with ``argv`` in this process; elements per transform output."""
    from apache_beam.metrics import monitoring_infos

    runs: list[tuple[object, dict[str, str]]] = []

    def patch(real):
        def run_pipeline(self, pipeline, options):
            result = real(self, pipeline, options)
            proto = pipeline.to_runner_api()
            names = {pc: f"{t.unique_name}:{tag}" for t in proto.components.transforms.values()
                     if not t.subtransforms for tag, pc in t.outputs.items()}
            runs.append((result, names))
            return result
        return run_pipeline

    _run_patched("run_pipeline", patch, argv)
    result, names = runs[-1]
    counts: dict[str, int] = {}
    for info in result.monitoring_infos():
        if info.urn == monitoring_infos.ELEMENT_COUNT_URN:
            pc = info.labels.get(monitoring_infos.PCOLLECTION_LABEL, "")
            counts[names.get(pc, pc)] = int(monitoring_infos.extract_counter_value(info))
    return counts


def main(args: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("--output", required=True)
    ap.add_argument("--save", type=Path)
    ap.add_argument("--against", type=Path, help="counts saved from another run")
    ap.add_argument("--top", type=int, default=40)
    what = ap.add_mutually_exclusive_group()
    what.add_argument("--seconds", action="store_true", help="seconds per fused stage instead of elements")
    what.add_argument("--bytes", action="store_true", help="encoded bytes per stage input instead of elements")
    what.add_argument("--rss", action="store_true", help="RSS (MiB) as each fused stage starts, in run order")
    ap.add_argument("replay_options", nargs="*")
    a = ap.parse_args(args)
    sys.path.insert(0, str(ROOT))
    argv = ["replay", a.input, "--output", a.output, "--quiet", *a.replay_options]
    counts: dict = (time_run(argv) if a.seconds else bytes_run(argv) if a.bytes else rss_run(argv) if a.rss
                    else count_run(argv))
    if a.save:
        a.save.write_text(json.dumps(counts, indent=0, sort_keys=not a.rss))   # --rss keeps run order
    other = json.loads(a.against.read_text()) if a.against else {}
    fmt = "{:>10.2f}" if a.seconds else "{:>10.1f}" if a.rss else "{:>10,}"
    diff = "{:>+10.2f}" if a.seconds else "{:>+10.1f}" if a.rss else "{:>+10,}"
    if a.rss:
        print("MiB as each stage starts, in run order" + (" (and the other run's, same stage)" if other else ""))
        order = list(counts)
    else:
        what = "seconds, all stages" if a.seconds else "bytes, all stage inputs" if a.bytes else "elements, all transforms"
        print(f"{what}: " + fmt.format(sum(counts.values())).strip()
              + (" (against " + fmt.format(sum(other.values())).strip() + ")" if other else ""))
        order = sorted(counts, key=lambda k: (-(counts[k] - other.get(k, 0)), k))
    for k in (order if a.rss else order[:a.top]):   # --rss: every stage, a timeline
        line = fmt.format(counts[k]) + (" " + diff.format(counts[k] - other.get(k, 0)) if other else "")
        print(f"{line}  {k}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
